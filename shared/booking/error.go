package booking

import (
	"errors"
	"fmt"
	"regexp"
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
// (retrying cannot help) or temporary with an optional delay the service asked for.
type failure struct {
	err        error
	permanent  bool
	retryAfter time.Duration
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// Permanent marks err as a failure retrying cannot fix: a rejected key, a 4xx, a daily cap.
func Permanent(err error) error { return &failure{err: err, permanent: true} }

// RetryAfter marks err as temporary, to be retried no sooner than after d (Retry-After).
func RetryAfter(err error, d time.Duration) error { return &failure{err: err, retryAfter: d} }

// IsPermanent reports whether err was marked Permanent. Unmarked errors (timeouts, refused
// connections, 5xx) are temporary.
func IsPermanent(err error) bool {
	var f *failure
	return errors.As(err, &f) && f.permanent
}

// RetryDelay returns the delay err asked for with RetryAfter, or 0.
func RetryDelay(err error) time.Duration {
	var f *failure
	if errors.As(err, &f) {
		return f.retryAfter
	}
	return 0
}

// addressPattern matches anything shaped like an e-mail address.
var addressPattern = regexp.MustCompile(`[^\s<>()\[\]"',;:]+@[^\s<>()\[\]"',;:]*[^\s<>()\[\]"',;:.]`)

// RedactAddresses replaces e-mail addresses in an outside service's message (a provider naming
// the guest it refused, SES an unverified identity) with "<address>", so the failure can be
// recorded on a booking and logged: no e-mail address ever reaches a log.
func RedactAddresses(s string) string { return addressPattern.ReplaceAllString(s, "<address>") }
