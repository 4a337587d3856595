package twentyfour

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/accesstoken"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

const (
	// defaultThrottle is the wait after a 429 that names none (24sessions documents no limits).
	defaultThrottle = 10 * time.Second
	// refreshMargin is how long before its expiry a token is replaced.
	refreshMargin = 5 * time.Minute
)

// notFound wraps booking.ErrNotFound around a 404.
func notFound(err error) error {
	if rest.IsStatus(err, http.StatusNotFound, 0) {
		return fmt.Errorf("%w: %w", booking.ErrNotFound, err)
	}
	return err
}

// do sends an authenticated JSON-LD request and decodes a 2xx answer into out (when not nil). A
// 401 is answered once with a fresh token.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	r := rest.Request{Method: method, Path: path, Body: in}
	if method == http.MethodPatch {
		r.ContentType = "application/merge-patch+json" // API Platform's PATCH format
	}
	return c.tokens.Do(ctx,
		func(tok string) error {
			r.Token = tok
			return c.api.Do(ctx, r, out)
		},
		func(err error) bool { return rest.IsStatus(err, http.StatusUnauthorized, 0) })
}

// problem reads an error body's message: API Platform's hydra:description or detail, OAuth's
// error_description, or a plain message.
func problem(body []byte) rest.Problem {
	var eb struct {
		Description      string `json:"hydra:description"`
		Detail           string `json:"detail"`
		ErrorDescription string `json:"error_description"`
		Message          string `json:"message"`
	}
	_ = json.Unmarshal(body, &eb)
	return rest.Problem{Message: cmp.Or(eb.Description, eb.Detail, eb.ErrorDescription, eb.Message)}
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
