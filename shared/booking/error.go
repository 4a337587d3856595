package booking

import (
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"
)

// Code classifies an Error. The HTTP edge maps each code to a status.
type Code string

// Error codes, each answered with the HTTP status beside it (shared/httpapi).
const (
	Invalid          Code = "invalid"            // 400
	Unauthorized     Code = "unauthorized"       // 401
	Forbidden        Code = "forbidden"          // 403
	NotFound         Code = "not_found"          // 404
	MethodNotAllowed Code = "method_not_allowed" // 405
	Conflict         Code = "conflict"           // 409: the request contradicts the record's state
	TooLarge         Code = "too_large"          // 413
	Unsupported      Code = "unsupported"        // 415
	Unprocessable    Code = "unprocessable"      // 422: well formed, but cannot be done
	TooManyRequests  Code = "too_many_requests"  // 429: slow down; Error.RetryAfter says how long
	Unavailable      Code = "unavailable"        // 503
	Internal         Code = "internal"           // 500, never with its message
)

// Error is an error a caller may see: a code, the field at fault (a JSON path such as
// "data.attendees[0].email", empty when none) and a message safe to show.
type Error struct {
	Code    Code
	Field   string
	Message string
	// RetryAfter, for TooManyRequests, is how long the caller must wait before trying again
	// (the HTTP edge sends it as Retry-After).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error.
func Errorf(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or Internal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Outage wraps an internal failure (the store, a provider, the secret store) as the error a
// caller sees: Unavailable, "retry later", with the cause kept for the log only.
func Outage(cause error) error {
	if cause == nil {
		cause = errors.New("an outage with no cause given")
	}
	return &hidden{public: Errorf(Unavailable, "", "temporarily unavailable, retry later"), cause: cause}
}

// hidden carries a public error and the internal cause that is logged only.
type hidden struct {
	public *Error
	cause  error
}

func (h *hidden) Error() string { return h.cause.Error() }
func (h *hidden) Unwrap() error { return h.public }

// Store errors.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("version conflict")
)

// failure classifies an error from an outside system (a provider, the mail service): permanent
// (retrying cannot help) or temporary with an optional delay the service asked for; a definite
// refusal (the service certainly did nothing) or an unknown outcome; and, for a rate limit's
// refusal, the calls it holds up and until when. The marks nest: each predicate below looks
// through every failure in an error's chain.
type failure struct {
	err        error
	permanent  bool
	refused    bool
	retryAfter time.Duration
	pause      PauseKind // Throttled: the calls the limit holds up
	until      time.Time // Throttled: when they may go on
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// Permanent marks err as a failure retrying cannot fix: a rejected key, a 4xx.
func Permanent(err error) error { return &failure{err: err, permanent: true} }

// RetryAfter marks err as temporary, to be retried after d, the delay the service asked for
// (Retry-After).
func RetryAfter(err error, d time.Duration) error { return &failure{err: err, retryAfter: d} }

// Refused marks err as a definite refusal: the service answered that it did nothing (a 4xx), or
// was never reached (no connection was made, so not a byte of the request went out). An
// unmarked error leaves the outcome unknown: after a timeout, a 5xx or a connection lost once
// the request was on its way, the service may have done what was asked.
func Refused(err error) error { return &failure{err: err, refused: true} }

// Throttled marks err as a refusal under a rate limit (a 429): nothing was done, the service
// answered at at and asked for d before the next call (RetryDelay), and until then no call of
// the kind should be made to it (Throttle).
func Throttled(err error, kind PauseKind, at time.Time, d time.Duration) error {
	return &failure{err: err, refused: true, retryAfter: d, pause: kind, until: at.Add(d)}
}

// marked returns the first failure in err's chain that has, or nil.
func marked(err error, has func(*failure) bool) *failure {
	var f *failure
	for errors.As(err, &f) {
		if has(f) {
			return f
		}
		err = f.err
	}
	return nil
}

// IsPermanent reports whether err was marked Permanent. Unmarked errors (timeouts, refused
// connections, 5xx) are temporary.
func IsPermanent(err error) bool {
	return marked(err, func(f *failure) bool { return f.permanent }) != nil
}

// IsRefused reports whether err was marked Refused or Throttled: the service certainly did
// nothing.
func IsRefused(err error) bool {
	return marked(err, func(f *failure) bool { return f.refused }) != nil
}

// RetryDelay returns the delay err asked for with RetryAfter or Throttled, or 0.
func RetryDelay(err error) time.Duration {
	if f := marked(err, func(f *failure) bool { return f.retryAfter > 0 }); f != nil {
		return f.retryAfter
	}
	return 0
}

// Throttle returns the pause a Throttled err asks for: which calls wait, and until when.
func Throttle(err error) (kind PauseKind, until time.Time, ok bool) {
	if f := marked(err, func(f *failure) bool { return f.pause != "" }); f != nil {
		return f.pause, f.until, true
	}
	return "", time.Time{}, false
}

// addressPattern matches anything shaped like an e-mail address. Like every pattern here it is
// compiled when first used, not at package init: compiling costs every cold start of every
// function, most of which never meet the pattern.
var addressPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[^\s<>()\[\]"',;:]+@[^\s<>()\[\]"',;:]*[^\s<>()\[\]"',;:.]`)
})

// RedactAddresses replaces e-mail addresses in an outside service's message (a provider naming
// the guest it refused, SES an unverified identity) with "<address>", so the failure can be
// recorded on a booking and logged: no e-mail address ever reaches a log.
func RedactAddresses(s string) string { return addressPattern().ReplaceAllString(s, "<address>") }
