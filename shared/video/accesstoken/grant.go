package accesstoken

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

// Endpoint describes an OAuth 2.0 token endpoint for ReadGrant's errors.
type Endpoint struct {
	Name        string        // the provider, as errors name it: "zoom"
	Credentials string        // what a refusal rejects: "the client credentials"
	Check       string        // the settings to check after a refusal: "ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET"
	Throttle    time.Duration // the delay after a 429 without a usable Retry-After
}

// maxGrant bounds the token answer read: a token answer is a few hundred bytes.
const maxGrant = 64 << 10

// defaultTTL is a token's lifetime when the answer gives none (RFC 6749 §5.1 makes expires_in
// optional): both providers' tokens last an hour.
const defaultTTL = time.Hour

// ReadGrant reads a token endpoint's answer to a client-credentials grant (RFC 6749 §5.1, §5.2)
// and closes its body: the access token and its lifetime. A 429 is a booking.RetryAfter error
// with the answer's Retry-After (e.Throttle without one) and a 5xx a temporary error; any other
// refusal is booking.Permanent, naming the status, the OAuth error code and e.Check. Only the
// code is kept of the answer: error descriptions can echo the request, which holds the secret.
func ReadGrant(resp *http.Response, e Endpoint, now time.Time) (token string, ttl time.Duration, err error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxGrant))
	if err != nil {
		return "", 0, fmt.Errorf("read response: %w", err)
	}
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	_ = json.Unmarshal(b, &body)
	switch {
	case resp.StatusCode == http.StatusOK && body.AccessToken != "":
		ttl := time.Duration(body.ExpiresIn) * time.Second
		if ttl <= 0 {
			ttl = defaultTTL
		}
		return body.AccessToken, ttl, nil
	case resp.StatusCode == http.StatusOK:
		return "", 0, errors.New("the answer has no access_token")
	case resp.StatusCode == http.StatusTooManyRequests:
		delay := rest.RetryAfterHeader(resp.Header.Get("Retry-After"), now)
		if delay <= 0 {
			delay = e.Throttle
		}
		return "", 0, booking.RetryAfter(fmt.Errorf("%s answered %d", e.Name, resp.StatusCode), delay)
	case resp.StatusCode >= 500:
		return "", 0, fmt.Errorf("%s answered %d", e.Name, resp.StatusCode)
	}
	msg := fmt.Sprintf("%s rejected %s (%d", e.Name, e.Credentials, resp.StatusCode)
	if body.Error != "" {
		if len(body.Error) > 40 {
			body.Error = body.Error[:40] + "…"
		}
		msg += " " + body.Error
	}
	return "", 0, booking.Permanent(errors.New(msg + "); check " + e.Check))
}
