package zoom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
	// defaultThrottle is the wait after a 429 that names none: Zoom's limits are per second.
	defaultThrottle = time.Second
	// inProgressWait is the wait after Zoom refuses to delete a meeting in progress.
	inProgressWait = 5 * time.Minute
	// refreshMargin is how long before its expiry a token is replaced, so a request never
	// starts with a token about to lapse.
	refreshMargin = 5 * time.Minute
)

// do sends an authenticated request with a JSON body (in, when not nil) and decodes a 2xx JSON
// answer into out (when not nil). A 401 with code 124 — the token expired or was revoked — is
// answered once with a fresh token. Failures are classified for booking.Provider: a 429 is
// temporary with Zoom's delay unless it is the daily cap, other 4xx are permanent, 5xx and
// network failures temporary.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.tokens.Do(ctx,
		// Zoom accepts tokens only in the Authorization header since 2023.
		func(tok string) error {
			return c.api.Do(ctx, rest.Request{Method: method, Path: path, Body: in, Token: tok}, out)
		},
		func(err error) bool { return rest.IsStatus(err, http.StatusUnauthorized, codeInvalidToken) })
}

// problem reads Zoom's error body, {code, message}.
func problem(body []byte) rest.Problem {
	var eb struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &eb) // best effort: the message only helps a person reading the failure
	return rest.Problem{Code: eb.Code, Message: eb.Message}
}

// dailyCap makes a 429 that is Zoom's cap of meetings created or updated per host per day (100)
// a pause of the calls that make or move meetings (booking.PauseCreate) until the cap lifts at
// 00:00 UTC, as the answer says; deleting and listing meetings go on. Zoom marks daily limits
// with X-RateLimit-Type "Daily-limit"; the message is checked too.
func dailyCap(a rest.Answer, e *rest.Error, now time.Time) error {
	if a.Status != http.StatusTooManyRequests {
		return nil
	}
	m := strings.ToLower(e.Message)
	if !strings.EqualFold(a.Header.Get("X-RateLimit-Type"), "Daily-limit") &&
		!strings.Contains(m, "daily") && !strings.Contains(m, "per day") && !strings.Contains(m, "one day") {
		return nil
	}
	midnight := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	return booking.Throttled(fmt.Errorf("zoom's daily limit of meetings created or updated for this host is reached until 00:00 UTC: %w", e),
		booking.PauseCreate, now, midnight.Sub(now))
}
