package accesstoken

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

// Endpoint is an OAuth 2.0 token endpoint and the client-credentials grant (RFC 6749 §4.4) a
// provider client asks it for. Set every field.
type Endpoint struct {
	Name        string        // the provider, as errors name it: "zoom"
	Credentials string        // what a refusal rejects: "the client credentials"
	Check       string        // the settings to check after a refusal: "ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET"
	Throttle    time.Duration // the delay after a 429 without a usable Retry-After

	URL          string
	ClientID     string
	ClientSecret string
	Params       url.Values // the grant's parameters: grant_type and any the provider adds
	// InQuery sends the client credentials and Params in the query string of a GET, as
	// 24sessions documents it. Otherwise Params are POSTed as a form with the client credentials
	// as HTTP Basic auth (RFC 6749 §2.3.1), as Zoom asks.
	InQuery    bool
	HTTPClient *http.Client
	Now        func() time.Time
	Timeout    time.Duration // how long the request may take; zero means rest.ReadTimeout
}

// maxGrant bounds the token answer read: a token answer is a few hundred bytes.
const maxGrant = 64 << 10

// defaultTTL is a token's lifetime when the answer gives none (RFC 6749 §5.1 makes expires_in
// optional): both providers' tokens last an hour.
const defaultTTL = time.Hour

// Fetch requests a token and says how long it lasts, as Cache.Fetch does. Its errors never
// carry the request's URL, whose query may hold the client secret.
func (e *Endpoint) Fetch(ctx context.Context) (token string, ttl time.Duration, err error) {
	token, ttl, err = e.request(ctx)
	if err != nil {
		return "", 0, fmt.Errorf("%s: get access token: %w", e.Name, err)
	}
	return token, ttl, nil
}

func (e *Endpoint) request(ctx context.Context) (string, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(e.Timeout, rest.ReadTimeout))
	defer cancel()
	req, err := e.newRequest(ctx)
	if err != nil {
		return "", 0, booking.Permanent(errors.New("build the token request: the token URL is not valid"))
	}
	req.Header.Set("Accept", "application/json")
	a, err := rest.Send(e.HTTPClient, req, "token request", maxGrant)
	if err != nil {
		return "", 0, err
	}
	return readGrant(a, e, e.Now())
}

func (e *Endpoint) newRequest(ctx context.Context) (*http.Request, error) {
	if !e.InQuery {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, strings.NewReader(e.Params.Encode()))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(e.ClientID, e.ClientSecret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.URL, nil)
	if err != nil {
		return nil, err
	}
	q := url.Values{"client_id": {e.ClientID}, "client_secret": {e.ClientSecret}}
	for k, v := range e.Params {
		q[k] = v
	}
	req.URL.RawQuery = q.Encode()
	return req, nil
}

// readGrant reads a token endpoint's answer to a client-credentials grant (RFC 6749 §5.1,
// §5.2): the access token and its lifetime. A 429 or a 5xx is classified by rest.Classify (a
// 429 waits for its Retry-After, else e.Throttle); any other refusal is booking.Permanent, naming
// the status, the OAuth error code and e.Check. Only the code is kept of the answer: error
// descriptions can echo the request, which holds the secret.
func readGrant(a rest.Answer, e *Endpoint, now time.Time) (token string, ttl time.Duration, err error) {
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	_ = json.Unmarshal(a.Body, &body)
	switch {
	case a.Status == http.StatusOK && body.AccessToken != "":
		ttl := time.Duration(body.ExpiresIn) * time.Second
		if ttl <= 0 {
			ttl = defaultTTL
		}
		return body.AccessToken, ttl, nil
	case a.Status == http.StatusOK:
		return "", 0, errors.New("the answer has no access_token")
	case a.Status == http.StatusTooManyRequests || a.Status >= 500:
		return "", 0, rest.Classify(fmt.Errorf("%s answered %d", e.Name, a.Status), a, now, 0, e.Throttle)
	}
	msg := fmt.Sprintf("%s rejected %s (%d", e.Name, e.Credentials, a.Status)
	if body.Error != "" {
		msg += " " + rest.Excerpt(body.Error, 40)
	}
	return "", 0, booking.Permanent(errors.New(msg + "); check " + e.Check))
}
