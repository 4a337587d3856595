package sandbox_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
)

const zoomHookSecret = "zoom-secret-token"

type zoomClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *zoomClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *zoomClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func zoomFake(t *testing.T, edit func(*sandbox.ZoomOptions)) (*sandbox.Zoom, *zoomClock) {
	t.Helper()
	c := &zoomClock{now: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)}
	opts := sandbox.ZoomOptions{
		PublicURL: "http://127.0.0.1:9", AccountID: "acct", ClientID: "id", ClientSecret: "secret", Now: c.Now,
	}
	if edit != nil {
		edit(&opts)
	}
	z, err := sandbox.NewZoom(opts)
	require.NoError(t, err)
	return z, c
}

type zoomAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

// zoomDo sends a request to the fake; a token of "" sends none.
func zoomDo(t *testing.T, h http.Handler, method, target, token, body string) zoomAnswer {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := zoomAnswer{status: rec.Code, header: rec.Header()}
	if rec.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &a.body), "body %s", rec.Body)
	}
	return a
}

func zoomTokenFor(t *testing.T, h http.Handler) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, sandbox.ZoomOAuthPath, strings.NewReader("grant_type=account_credentials&account_id=acct"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("id", "secret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var v struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v))
	require.Equal(t, 3600, v.ExpiresIn)
	return v.AccessToken
}

func TestZoomTokenEndpoint(t *testing.T) {
	z, _ := zoomFake(t, nil)
	tests := []struct {
		name       string
		query      string
		user, pass string
		status     int
		errCode    string
	}{
		{"good, in the query", "?grant_type=account_credentials&account_id=acct", "id", "secret", http.StatusOK, ""},
		{"wrong secret", "?grant_type=account_credentials&account_id=acct", "id", "nope", http.StatusUnauthorized, "invalid_client"},
		{"wrong grant", "?grant_type=client_credentials&account_id=acct", "id", "secret", http.StatusBadRequest, "unsupported_grant_type"},
		{"wrong account", "?grant_type=account_credentials&account_id=other", "id", "secret", http.StatusBadRequest, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, sandbox.ZoomOAuthPath+tt.query, nil)
			req.SetBasicAuth(tt.user, tt.pass)
			rec := httptest.NewRecorder()
			z.ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code)
			var v map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v))
			if tt.errCode != "" {
				assert.Equal(t, tt.errCode, v["error"])
			} else {
				assert.NotEmpty(t, v["access_token"])
			}
		})
	}
	assert.Equal(t, 1, z.TokenRequests())
}

func TestZoomAuth(t *testing.T) {
	z, c := zoomFake(t, nil)
	list := sandbox.ZoomAPIPath + "/users/me/meetings"
	tok := zoomTokenFor(t, z)
	assert.Equal(t, http.StatusOK, zoomDo(t, z, http.MethodGet, list, tok, "").status)

	for name, a := range map[string]zoomAnswer{
		"no token":       zoomDo(t, z, http.MethodGet, list, "", ""),
		"unknown token":  zoomDo(t, z, http.MethodGet, list, "forged", ""),
		"token in query": zoomDo(t, z, http.MethodGet, list+"?access_token="+url.QueryEscape(tok), "", ""),
	} {
		assert.Equal(t, http.StatusUnauthorized, a.status, name)
		assert.EqualValues(t, 124, a.body["code"], name)
	}

	c.Add(time.Hour)
	a := zoomDo(t, z, http.MethodGet, list, tok, "")
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.Equal(t, "Access token is expired.", a.body["message"])

	tok = zoomTokenFor(t, z)
	z.ExpireTokens()
	assert.Equal(t, http.StatusUnauthorized, zoomDo(t, z, http.MethodGet, list, tok, "").status)
}

const zoomCreate = `{"topic":"Intro (rkabcdefghijklmg1)","type":2,"start_time":"2026-11-24T15:00:00Z","duration":30,"timezone":"Europe/Oslo","password":"12345678","settings":{"audio":"both","waiting_room":true,"join_before_host":true}}`

func TestZoomCreateAndGet(t *testing.T) {
	z, _ := zoomFake(t, nil)
	tok := zoomTokenFor(t, z)
	a := zoomDo(t, z, http.MethodPost, sandbox.ZoomAPIPath+"/users/me/meetings", tok, zoomCreate)
	require.Equal(t, http.StatusCreated, a.status, a.body)
	id := a.body["id"].(float64)
	assert.Greater(t, id, float64(1e10), "11-digit meeting numbers")
	assert.Equal(t, "2026-11-24T15:00:00Z", a.body["start_time"])
	assert.Contains(t, a.body["join_url"], "/sandbox/zoom/j/")
	assert.Contains(t, a.body["start_url"], "?zak=")
	settings := a.body["settings"].(map[string]any)
	assert.Equal(t, false, settings["join_before_host"], "a waiting room turns join before host off")
	assert.Len(t, settings["global_dial_in_numbers"], 2)

	get := zoomDo(t, z, http.MethodGet, fmt.Sprintf("%s/meetings/%.0f", sandbox.ZoomAPIPath, id), tok, "")
	require.Equal(t, http.StatusOK, get.status)
	assert.NotEqual(t, a.body["start_url"], get.body["start_url"], "a fresh start_url each time")
	assert.Equal(t, a.body["join_url"], get.body["join_url"])

	for name, tt := range map[string]struct{ path, body string }{
		"unknown user":  {"/users/someone@else.example/meetings", zoomCreate},
		"bad password":  {"/users/me/meetings", strings.Replace(zoomCreate, `"12345678"`, `"12345678901"`, 1)},
		"bad time":      {"/users/me/meetings", strings.Replace(zoomCreate, `2026-11-24T15:00:00Z`, `tomorrow`, 1)},
		"bad time zone": {"/users/me/meetings", strings.Replace(zoomCreate, `Europe/Oslo`, `Mars/Olympus`, 1)},
		"not JSON":      {"/users/me/meetings", `{`},
	} {
		a := zoomDo(t, z, http.MethodPost, sandbox.ZoomAPIPath+tt.path, tok, tt.body)
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotFound}, a.status, name)
		assert.NotZero(t, a.body["code"], name)
	}
	assert.Len(t, z.Meetings(), 1)
}

func TestZoomListPages(t *testing.T) {
	z, _ := zoomFake(t, nil)
	tok := zoomTokenFor(t, z)
	for range 5 {
		require.Equal(t, http.StatusCreated, zoomDo(t, z, http.MethodPost, sandbox.ZoomAPIPath+"/users/me/meetings", tok, zoomCreate).status)
	}
	var ids []float64
	next := ""
	for range 10 {
		a := zoomDo(t, z, http.MethodGet, sandbox.ZoomAPIPath+"/users/me/meetings?type=scheduled&page_size=2&next_page_token="+next, tok, "")
		require.Equal(t, http.StatusOK, a.status)
		assert.EqualValues(t, 5, a.body["total_records"])
		for _, m := range a.body["meetings"].([]any) {
			ids = append(ids, m.(map[string]any)["id"].(float64))
			assert.NotContains(t, m, "start_url", "the list carries no start_url")
		}
		if next = a.body["next_page_token"].(string); next == "" {
			break
		}
	}
	assert.Len(t, ids, 5)
}

func TestZoomUpdateDeleteAndDailyCap(t *testing.T) {
	ctx := context.Background()
	z, c := zoomFake(t, nil)
	z.SetDailyLimit(3)
	tok := zoomTokenFor(t, z)
	a := zoomDo(t, z, http.MethodPost, sandbox.ZoomAPIPath+"/users/me/meetings", tok, zoomCreate)
	require.Equal(t, http.StatusCreated, a.status)
	id := int64(a.body["id"].(float64))
	path := fmt.Sprintf("%s/meetings/%d", sandbox.ZoomAPIPath, id)

	assert.Equal(t, http.StatusNoContent, zoomDo(t, z, http.MethodPatch, path, tok, `{"start_time":"2026-11-25T09:00:00Z","duration":45}`).status)
	m := z.Meetings()[0]
	assert.Equal(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), m.StartTime)
	assert.Equal(t, 45, m.Duration)
	assert.Equal(t, "12345678", m.Password, "what is not sent stays")

	assert.Equal(t, http.StatusNoContent, zoomDo(t, z, http.MethodPatch, path, tok, `{"duration":50}`).status)
	capped := zoomDo(t, z, http.MethodPatch, path, tok, `{"duration":55}`)
	assert.Equal(t, http.StatusTooManyRequests, capped.status, "create + 2 updates = the cap of 3")
	assert.Equal(t, "Daily-limit", capped.header.Get("X-RateLimit-Type"))
	c.Add(24 * time.Hour)
	tok = zoomTokenFor(t, z)
	assert.Equal(t, http.StatusNoContent, zoomDo(t, z, http.MethodPatch, path, tok, `{"duration":55}`).status, "a new UTC day")

	require.NoError(t, z.StartMeeting(ctx, id))
	del := zoomDo(t, z, http.MethodDelete, path, tok, "")
	assert.Equal(t, http.StatusBadRequest, del.status)
	assert.EqualValues(t, 3002, del.body["code"], "in progress")
	require.NoError(t, z.EndMeeting(ctx, id))
	del = zoomDo(t, z, http.MethodDelete, path, tok, "")
	assert.EqualValues(t, 3007, del.body["code"], "ended")

	a = zoomDo(t, z, http.MethodPost, sandbox.ZoomAPIPath+"/users/me/meetings", tok, zoomCreate)
	path = fmt.Sprintf("%s/meetings/%.0f", sandbox.ZoomAPIPath, a.body["id"].(float64))
	assert.Equal(t, http.StatusNoContent, zoomDo(t, z, http.MethodDelete, path, tok, "").status)
	gone := zoomDo(t, z, http.MethodDelete, path, tok, "")
	assert.Equal(t, http.StatusNotFound, gone.status)
	assert.EqualValues(t, 3001, gone.body["code"])
	assert.EqualValues(t, 3001, zoomDo(t, z, http.MethodGet, path, tok, "").body["code"])
}

func TestZoomFaults(t *testing.T) {
	z, _ := zoomFake(t, nil)
	tok := zoomTokenFor(t, z)
	list := sandbox.ZoomAPIPath + "/users/me/meetings"
	z.Throttle(1, 1500*time.Millisecond)
	z.Fail(1, http.StatusServiceUnavailable)
	z.Fail(1, http.StatusUnauthorized)

	a := zoomDo(t, z, http.MethodGet, list, tok, "")
	assert.Equal(t, http.StatusTooManyRequests, a.status)
	assert.Equal(t, "2", a.header.Get("Retry-After"))
	assert.Equal(t, "QPS", a.header.Get("X-RateLimit-Type"))
	assert.Equal(t, http.StatusServiceUnavailable, zoomDo(t, z, http.MethodGet, list, tok, "").status)
	a = zoomDo(t, z, http.MethodGet, list, tok, "")
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.EqualValues(t, 124, a.body["code"])
	assert.Equal(t, http.StatusOK, zoomDo(t, z, http.MethodGet, list, tok, "").status, "faults pass")
	assert.Len(t, z.Requests(), 4)
}

func TestZoomStartLinkExpires(t *testing.T) {
	z, c := zoomFake(t, nil)
	tok := zoomTokenFor(t, z)
	a := zoomDo(t, z, http.MethodPost, sandbox.ZoomAPIPath+"/users/me/meetings", tok, zoomCreate)
	u, err := url.Parse(a.body["start_url"].(string))
	require.NoError(t, err)
	open := func() int {
		rec := httptest.NewRecorder()
		z.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.RequestURI(), nil))
		return rec.Code
	}
	assert.Equal(t, http.StatusOK, open())
	c.Add(2*time.Hour + time.Second)
	assert.Equal(t, http.StatusUnauthorized, open())
}

// zoomHooks receives the fake's webhooks, checking each signature independently.
type zoomHooks struct {
	mu     sync.Mutex
	events []map[string]any
	answer func(body []byte) (int, string)
}

func (h *zoomHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(zoomHookSecret))
	mac.Write([]byte("v0:" + r.Header.Get("x-zm-request-timestamp") + ":"))
	mac.Write(body)
	if r.Header.Get("x-zm-signature") != "v0="+hex.EncodeToString(mac.Sum(nil)) || r.Header.Get("x-zm-trackingid") == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var v map[string]any
	_ = json.Unmarshal(body, &v)
	h.mu.Lock()
	h.events = append(h.events, v)
	answer := h.answer
	h.mu.Unlock()
	if answer != nil {
		status, text := answer(body)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestZoomWebhooks(t *testing.T) {
	ctx := context.Background()
	hooks := &zoomHooks{}
	srv := httptest.NewServer(hooks)
	defer srv.Close()
	z, _ := zoomFake(t, func(o *sandbox.ZoomOptions) { o.WebhookURL, o.WebhookSecret = srv.URL, zoomHookSecret })
	tok := zoomTokenFor(t, z)
	a := zoomDo(t, z, http.MethodPost, sandbox.ZoomAPIPath+"/users/me/meetings", tok, zoomCreate)
	id := int64(a.body["id"].(float64))

	host, err := z.Join(ctx, id, "Ada Host", "", true)
	require.NoError(t, err)
	_, err = z.Join(ctx, id, "+1 212 555 0142", "+12125550142", false)
	require.NoError(t, err)
	require.NoError(t, z.Leave(ctx, id, host))
	require.NoError(t, z.EndMeeting(ctx, id))
	require.Error(t, z.Leave(ctx, id, host), "gone already")

	var types []string
	for _, e := range hooks.events {
		types = append(types, e["event"].(string))
		obj := e["payload"].(map[string]any)["object"].(map[string]any)
		assert.Equal(t, fmt.Sprint(id), obj["id"], "a string in webhooks")
		assert.Equal(t, "Intro (rkabcdefghijklmg1)", obj["topic"])
	}
	assert.Equal(t, []string{"meeting.started", "meeting.participant_joined", "meeting.participant_joined",
		"meeting.participant_left", "meeting.participant_left", "meeting.ended"}, types)
	caller := hooks.events[2]["payload"].(map[string]any)["object"].(map[string]any)["participant"].(map[string]any)
	assert.Equal(t, "+12125550142", caller["phone_number"])
	hostP := hooks.events[1]["payload"].(map[string]any)["object"].(map[string]any)
	assert.Equal(t, hostP["host_id"], hostP["participant"].(map[string]any)["id"], "the host joins as the host user")

	hooks.answer = func([]byte) (int, string) { return http.StatusInternalServerError, "" }
	err = z.StartMeeting(ctx, id)
	var de *sandbox.ZoomDeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, http.StatusInternalServerError, de.Status)
}

func TestZoomValidateEndpoint(t *testing.T) {
	hooks := &zoomHooks{}
	srv := httptest.NewServer(hooks)
	defer srv.Close()
	z, _ := zoomFake(t, func(o *sandbox.ZoomOptions) { o.WebhookURL, o.WebhookSecret = srv.URL, zoomHookSecret })

	hooks.answer = func(body []byte) (int, string) {
		var v struct {
			Payload struct{ PlainToken string } `json:"payload"`
		}
		_ = json.Unmarshal(body, &v)
		m := hmac.New(sha256.New, []byte(zoomHookSecret))
		m.Write([]byte(v.Payload.PlainToken))
		out, _ := json.Marshal(map[string]string{"plainToken": v.Payload.PlainToken, "encryptedToken": hex.EncodeToString(m.Sum(nil))})
		return http.StatusOK, string(out)
	}
	require.NoError(t, z.ValidateEndpoint(context.Background()))

	hooks.answer = func([]byte) (int, string) { return http.StatusOK, `{"plainToken":"x","encryptedToken":"y"}` }
	require.Error(t, z.ValidateEndpoint(context.Background()), "a wrong answer fails validation")
}

func TestNewZoomChecksOptions(t *testing.T) {
	_, err := sandbox.NewZoom(sandbox.ZoomOptions{PublicURL: "not a url"})
	require.Error(t, err)
	_, err = sandbox.NewZoom(sandbox.ZoomOptions{PublicURL: "http://127.0.0.1:1", WebhookURL: "http://127.0.0.1:2"})
	require.Error(t, err, "a webhook URL needs a secret")
}
