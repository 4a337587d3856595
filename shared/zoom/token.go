package zoom

import (
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
)

const (
	// refreshMargin is how long before its expiry a token is replaced, so a request never
	// starts with a token about to lapse.
	refreshMargin = 5 * time.Minute
	// defaultTokenTTL is assumed when the token answer names no expires_in (Zoom's is 3600 s).
	defaultTokenTTL = time.Hour
)

// tokens holds the one Server-to-Server OAuth access token of a process
// (developers.zoom.us/docs/internal-apps/s2s-oauth): POST {oauth URL} with
// grant_type=account_credentials and account_id, the client id and secret as HTTP Basic auth.
// There is no refresh token: a new token is requested before the old one expires, or after Zoom
// refuses it (accesstoken.Cache keeps it).
type tokens struct {
	url          string
	accountID    string
	clientID     string
	clientSecret string
	hc           *http.Client
	now          func() time.Time
}

// fetch requests a token for accesstoken.Cache.
func (t *tokens) fetch(ctx context.Context) (string, time.Duration, error) {
	tok, ttl, err := t.request(ctx)
	if err != nil {
		return "", 0, fmt.Errorf("zoom: get access token: %w", err)
	}
	return tok, ttl, nil
}

func (t *tokens) request(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"account_credentials"}, "account_id": {t.accountID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, booking.Permanent(fmt.Errorf("build request: %w", err))
	}
	req.SetBasicAuth(t.clientID, t.clientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.hc.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return "", 0, fmt.Errorf("read response: %w", err)
	}
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
		Reason      string `json:"reason"`
	}
	_ = json.Unmarshal(b, &body)
	switch {
	case resp.StatusCode == http.StatusOK && body.AccessToken != "":
		ttl := time.Duration(body.ExpiresIn) * time.Second
		if ttl <= 0 {
			ttl = defaultTokenTTL
		}
		return body.AccessToken, ttl, nil
	case resp.StatusCode == http.StatusOK:
		return "", 0, errors.New("the answer has no access_token")
	case resp.StatusCode == http.StatusTooManyRequests:
		return "", 0, booking.RetryAfter(fmt.Errorf("zoom answered %d", resp.StatusCode), retryDelay(resp.Header.Get("Retry-After"), t.now()))
	case resp.StatusCode >= 500:
		return "", 0, fmt.Errorf("zoom answered %d", resp.StatusCode)
	}
	// 400 invalid_client / invalid_request, 401, 403: the account id, client id or secret is
	// wrong, or the app is deactivated. Only Zoom's error name is kept: reason texts can echo
	// the request.
	msg := fmt.Sprintf("zoom rejected the Server-to-Server OAuth credentials (%d", resp.StatusCode)
	if body.Error != "" {
		msg += " " + truncate(body.Error, 40)
	}
	return "", 0, booking.Permanent(errors.New(msg + "); check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET"))
}
