package zoom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

// Zoom's error codes roomkeeper acts on (Zoom Meeting API 2.0.0; developers.zoom.us/docs/api/errors).
const (
	codeInvalidToken = 124  // 401: invalid or expired access token
	codeNotFound     = 3001 // 404: meeting not found or expired
	codeInProgress   = 3002 // 400: cannot delete a meeting in progress
	codeEnded        = 3007 // 400: cannot delete a meeting that has ended
)

const (
	maxBody    = 4 << 20
	maxMessage = 300
	// defaultThrottle is the wait after a 429 that names none: Zoom's limits are per second.
	defaultThrottle = time.Second
	// inProgressWait is the wait after Zoom refuses to delete a meeting in progress.
	inProgressWait = 5 * time.Minute
)

// apiError is a non-2xx answer from the REST API: the HTTP status and Zoom's {code, message}.
type apiError struct {
	status  int
	code    int
	message string // Zoom's message, addresses redacted
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("zoom answered %d", e.status)
	if e.code != 0 {
		s += fmt.Sprintf(" (code %d)", e.code)
	}
	if e.message != "" {
		s += ": " + e.message
	}
	return s
}

// isAPIError reports whether err is a Zoom answer with the status and, when code is not 0, the
// code.
func isAPIError(err error, status, code int) bool {
	var e *apiError
	return errors.As(err, &e) && e.status == status && (code == 0 || e.code == code)
}

// errorBody is Zoom's error body.
type errorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// do sends an authenticated request with a JSON body (in, when not nil) and decodes a 2xx JSON
// answer into out (when not nil). A 401 with code 124 — the token expired or was revoked — is
// answered once with a fresh token. Failures are classified for booking.Provider: a 429 is
// temporary with Zoom's delay unless it is the daily cap, other 4xx are permanent, 5xx and
// network failures temporary.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return booking.Permanent(fmt.Errorf("encode request: %w", err))
		}
		body = b
	}
	return c.tokens.Do(ctx,
		func(tok string) error { return c.send(ctx, tok, method, path, body, out) },
		func(err error) bool { return isAPIError(err, http.StatusUnauthorized, codeInvalidToken) })
}

func (c *Client) send(ctx context.Context, tok, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return booking.Permanent(fmt.Errorf("build request: %w", err))
	}
	// Zoom accepts tokens only in the Authorization header since 2023.
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// Timeouts, refused connections, cancelled contexts: temporary. The URL is left out: it
		// may hold ZOOM_USER_ID, an e-mail address, and errors are logged.
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("%s %s: %w", method, strings.SplitN(path, "/", 3)[1], ue.Err)
		}
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil || len(bytes.TrimSpace(b)) == 0 {
			return nil
		}
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("decode response (%d): %w", resp.StatusCode, err)
		}
		return nil
	}
	var eb errorBody
	_ = json.Unmarshal(b, &eb) // best effort: the message only helps a person reading the failure
	e := &apiError{status: resp.StatusCode, code: eb.Code, message: booking.RedactAddresses(truncate(eb.Message, maxMessage))}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests && dailyCap(resp.Header, eb.Message):
		return booking.Permanent(fmt.Errorf("zoom's daily limit of meetings created or updated for this host is reached: %w", e))
	case resp.StatusCode == http.StatusTooManyRequests:
		return booking.RetryAfter(e, retryDelay(resp.Header.Get("Retry-After"), c.now()))
	case resp.StatusCode >= 500:
		return e
	case resp.StatusCode >= 400:
		return booking.Permanent(e)
	}
	return e // 1xx and unfollowed 3xx: unexpected, may pass
}

// dailyCap reports whether a 429 is Zoom's cap of meetings created or updated per host per day
// (100), which lifts only at midnight UTC: retrying the booking cannot help in time. Zoom marks
// daily limits with X-RateLimit-Type "Daily-limit"; the message is checked too.
func dailyCap(h http.Header, message string) bool {
	if strings.EqualFold(h.Get("X-RateLimit-Type"), "Daily-limit") {
		return true
	}
	m := strings.ToLower(message)
	return strings.Contains(m, "daily") || strings.Contains(m, "per day") || strings.Contains(m, "one day")
}

// retryDelay is the wait a 429 asks for: its Retry-After, else defaultThrottle.
func retryDelay(header string, now time.Time) time.Duration {
	if d := rest.RetryAfterHeader(header, now); d > 0 {
		return d
	}
	return defaultThrottle
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
