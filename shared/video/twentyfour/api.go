package twentyfour

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/accesstoken"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

const (
	maxBody    = 4 << 20
	maxMessage = 300
	// defaultThrottle is the wait after a 429 that names none (24sessions documents no limits).
	defaultThrottle = 10 * time.Second
	// refreshMargin is how long before its expiry a token is replaced.
	refreshMargin = 5 * time.Minute
)

// apiError is a non-2xx answer: the status and a message from the body (API Platform's
// hydra:description, or OAuth's error_description).
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string {
	if e.message != "" {
		return fmt.Sprintf("24sessions answered %d: %s", e.status, e.message)
	}
	return fmt.Sprintf("24sessions answered %d %s", e.status, http.StatusText(e.status))
}

func isStatus(err error, status int) bool {
	var e *apiError
	return errors.As(err, &e) && e.status == status
}

// notFound wraps booking.ErrNotFound around a 404.
func notFound(err error) error {
	if isStatus(err, http.StatusNotFound) {
		return fmt.Errorf("%w: %w", booking.ErrNotFound, err)
	}
	return err
}

// do sends an authenticated JSON request and decodes a 2xx answer into out (when not nil). A 401
// is answered once with a fresh token.
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
		func(err error) bool { return isStatus(err, http.StatusUnauthorized) })
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
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/ld+json")
	if body != nil {
		ct := "application/ld+json"
		if method == http.MethodPatch {
			ct = "application/merge-patch+json" // API Platform's PATCH format
		}
		req.Header.Set("Content-Type", ct)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
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
	return classify(resp, b, c.now())
}

// classify turns a non-2xx answer into an error for booking.Provider.
func classify(resp *http.Response, body []byte, now time.Time) error {
	var eb struct {
		Description      string `json:"hydra:description"`
		Detail           string `json:"detail"`
		ErrorDescription string `json:"error_description"`
		Message          string `json:"message"`
	}
	_ = json.Unmarshal(body, &eb)
	msg := eb.Description
	for _, m := range []string{eb.Detail, eb.ErrorDescription, eb.Message} {
		if msg == "" {
			msg = m
		}
	}
	e := &apiError{status: resp.StatusCode, message: booking.RedactAddresses(truncate(msg, maxMessage))}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return booking.RetryAfter(e, retryDelay(resp.Header.Get("Retry-After"), now))
	case resp.StatusCode >= 500:
		return e
	case resp.StatusCode >= 400:
		return booking.Permanent(e)
	}
	return e
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

// tokens holds the process's one OAuth2 client-credentials access token: GET {token URL}
// ?client_id=…&client_secret=…&grant_type=client_credentials, as 24sessions documents it with the
// credentials in the query string. Tokens last an hour; a new one is requested before the old
// one expires or after the API refuses it.
type tokens struct {
	url          string
	clientID     string
	clientSecret string
	hc           *http.Client
	now          func() time.Time
}

// fetch requests a token for accesstoken.Cache.
func (t *tokens) fetch(ctx context.Context) (string, time.Duration, error) {
	tok, ttl, err := t.request(ctx)
	if err != nil {
		return "", 0, fmt.Errorf("24sessions: get access token: %w", err)
	}
	return tok, ttl, nil
}

func (t *tokens) request(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"client_id": {t.clientID}, "client_secret": {t.clientSecret}, "grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url+"?"+q.Encode(), nil)
	if err != nil {
		return "", 0, booking.Permanent(errors.New("build the token request: bad TWENTYFOUR_API_URL or TWENTYFOUR_TOKEN_PATH"))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := t.hc.Do(req)
	if err != nil {
		// The URL holds the client secret: keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			return "", 0, fmt.Errorf("token request: %w", ue.Err)
		}
		return "", 0, errors.New("token request failed")
	}
	return accesstoken.ReadGrant(resp, accesstoken.Endpoint{
		Name: "24sessions", Credentials: "the client credentials",
		Check: "TWENTYFOUR_CLIENT_ID, TWENTYFOUR_CLIENT_SECRET and TWENTYFOUR_TOKEN_PATH", Throttle: defaultThrottle,
	}, t.now())
}
