// Package rest is the HTTP plumbing the video providers' REST clients share, starting with the
// wait a throttled request is asked for: the Retry-After header of RFC 9110 §10.2.3.
package rest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

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
