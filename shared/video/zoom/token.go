package zoom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/accesstoken"
)

const (
	// refreshMargin is how long before its expiry a token is replaced, so a request never
	// starts with a token about to lapse.
	refreshMargin = 5 * time.Minute
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
	// 400 invalid_client / invalid_request, 401, 403: the account id, client id or secret is
	// wrong, or the app is deactivated.
	return accesstoken.ReadGrant(resp, accesstoken.Endpoint{
		Name: "zoom", Credentials: "the Server-to-Server OAuth credentials",
		Check: "ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET", Throttle: defaultThrottle,
	}, t.now())
}
