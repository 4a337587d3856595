package rest

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Problem is what a provider's error body says.
type Problem struct {
	Code    int           // the provider's numeric error code; 0 when none
	Message string        // the provider's message, as it came
	Wait    time.Duration // the wait the body asks for after a 429 (Whereby's data.msLeft); 0 when none
}

// Error is a provider's answer other than 2xx.
type Error struct {
	Provider string
	Status   int
	Code     int    // the provider's numeric error code; 0 when none
	Message  string // the provider's message, made safe to log by Excerpt
	rejected string // Client.Credentials
}

func (e *Error) Error() string {
	if e.rejected != "" && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden) {
		return fmt.Sprintf("%s rejected %s (%d)", e.Provider, e.rejected, e.Status)
	}
	s := fmt.Sprintf("%s answered %d", e.Provider, e.Status)
	if e.Message == "" && http.StatusText(e.Status) != "" {
		s += " " + http.StatusText(e.Status)
	}
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// IsStatus reports whether err is a provider's answer (an *Error in its chain) with the status
// and, unless code is 0, the provider's code.
func IsStatus(err error, status, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status && (code == 0 || e.Code == code)
}

// Classify marks err, which reports the failed answer a, received at now, for booking.Provider:
// a 429 is booking.Throttled, holding every call (booking.PauseAll) for the wait a's Retry-After
// asks for, else wait (the wait the body names), else throttle; any other 4xx is a
// booking.Permanent booking.Refused (the provider did nothing, and repeating the call cannot
// help); a 5xx, and a 1xx or 3xx nobody followed, are temporary and leave the outcome unknown.
//
// Retry-After counts whole seconds, so a body's wait within its last second is the same wait to
// the millisecond (Whereby sends both, msLeft rounded up): that one is taken, or every worker
// refused within the same second would pause the provider up to a second too long.
func Classify(err error, a Answer, now time.Time, wait, throttle time.Duration) error {
	switch {
	case a.Status == http.StatusTooManyRequests:
		d := RetryAfterHeader(a.Header.Get("Retry-After"), now)
		if wait > 0 && (d == 0 || (wait <= d && wait > d-time.Second)) {
			d = wait
		}
		return booking.Throttled(err, booking.PauseAll, now, cmp.Or(d, throttle))
	case a.Status >= 400 && a.Status < 500:
		return booking.Permanent(booking.Refused(err))
	}
	return err
}

// RetryAfterHeader reads an HTTP Retry-After header (RFC 9110 §10.2.3): delay-seconds or an
// HTTP date, measured from now. It returns 0 when the header is absent, unreadable or in the
// past, so a caller falls back to its own default.
func RetryAfterHeader(header string, now time.Time) time.Duration {
	header = strings.TrimSpace(header)
	if s, err := strconv.Atoi(header); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if t, err := http.ParseTime(header); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Excerpt makes a provider's message fit for an error, which is recorded on a booking and
// logged: its e-mail addresses redacted, then at most n bytes of it, cut between two runes and
// marked "…" when shortened.
func Excerpt(s string, n int) string {
	s = booking.RedactAddresses(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
