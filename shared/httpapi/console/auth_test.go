package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/console"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	web "github.com/roomkeeper/roomkeeper/templates/console"
)

func TestHeadersOnEveryAnswer(t *testing.T) {
	f := newFixture(t)
	anon := f.browser()
	admin := f.signedIn(f.adminToken)
	room := f.create(operator.NewRoom{EndDate: "+2h", Title: "Walk-in"})
	admin.page("/console")
	noCSRF, _ := admin.post("/console/rooms/"+room.RoomID+"/host-link", url.Values{"csrf": {"forged"}})
	answers := map[string]answer{
		"sign-in page":         anon.get("/console/sign-in"),
		"signed out → sign in": anon.get("/console/usage"),
		"rooms":                admin.get("/console"),
		"no such page":         admin.get("/console/nothing-here"),
		"no such room":         admin.get("/console/rooms/rknothing"),
		"forged form":          noCSRF,
		"stylesheet":           anon.get(web.Asset("style.css")),
		"unknown static":       anon.get("/console/static/style.css"),
	}
	for name, a := range answers {
		t.Run(name, func(t *testing.T) {
			h := a.Header
			assert.Equal(t, "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'", h.Get("Content-Security-Policy"))
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
			assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			if name == "stylesheet" {
				assert.Equal(t, "public, max-age=31536000, immutable", h.Get("Cache-Control"), "a hashed file is cached for a year")
			} else {
				assert.Equal(t, "no-store", h.Get("Cache-Control"))
			}
		})
	}
	assert.Equal(t, http.StatusNotFound, answers["no such page"].StatusCode)
	assert.Equal(t, http.StatusNotFound, answers["no such room"].StatusCode)
	assert.Equal(t, http.StatusForbidden, answers["forged form"].StatusCode)
	assert.Equal(t, http.StatusNotFound, answers["unknown static"].StatusCode, "only hashed names are served")
	assert.Equal(t, "text/css; charset=utf-8", answers["stylesheet"].Header.Get("Content-Type"))
}

func TestNoInlineScriptOrStyle(t *testing.T) {
	f := newFixture(t)
	admin := f.signedIn(f.adminToken)
	room := f.create(operator.NewRoom{EndDate: "+2h", Title: "Walk-in", DialIn: true})
	for _, path := range []string{"/console", "/console/rooms/new", "/console/rooms/" + room.RoomID, "/console/rooms/" + room.RoomID + "/sessions",
		"/console/bookings", "/console/usage", "/console/audit", "/console/help", "/console/account"} {
		body := admin.page(path)
		assert.NotContains(t, body, "style=", "%s: the CSP forbids style attributes", path)
		assert.NotContains(t, body, "<style", path)
		assert.NotRegexp(t, `<script(?: [^>]*)?>[^<]`, body, "%s: no inline script", path)
		assert.NotRegexp(t, `<[^>]*\son[a-z]+=`, body, "%s: no event handler attributes", path)
		assert.Contains(t, body, `<link rel="stylesheet" href="`+web.Asset("style.css")+`">`)
		assert.Contains(t, body, `<link rel="icon" href="`+web.Asset("favicon.svg")+`"`)
	}
}

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	b := f.browser()

	a := b.get("/console/bookings?status=confirmed")
	require.Equal(t, http.StatusSeeOther, a.StatusCode, "signed out: off to sign in")
	assert.Equal(t, "/console/sign-in?next="+url.QueryEscape("/console/bookings?status=confirmed"), a.Header.Get("Location"))

	page := b.page("/console/sign-in?next=" + url.QueryEscape("/console/bookings?status=confirmed"))
	assert.Contains(t, page, `<form method="post" action="/console/sign-in"`)
	assert.Contains(t, page, `type="password" id="token" name="token"`)
	assert.Contains(t, page, `<label for="token">`)

	a, body := b.post("/console/sign-in", url.Values{"token": {"wrong-token"}, "next": {"/console/bookings?status=confirmed"}})
	assert.Equal(t, http.StatusUnauthorized, a.StatusCode)
	assert.Contains(t, body, `<p class="field-error" id="token-error">This token is not valid. Check it and try again.</p>`, "the message is beside the field")
	assert.NotContains(t, body, "wrong-token", "a token is never written back into a page")

	a, _ = b.post("/console/sign-in", url.Values{"token": {f.adminToken}, "next": {"/console/bookings?status=confirmed"}})
	require.Equal(t, http.StatusSeeOther, a.StatusCode)
	assert.Equal(t, "/console/bookings?status=confirmed", a.Header.Get("Location"), "back where they were going")
	var sess *http.Cookie
	for _, c := range a.Cookies() {
		if c.Name == "roomkeeper_session" {
			sess = c
		}
	}
	require.NotNil(t, sess, "a session cookie")
	assert.True(t, sess.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, sess.SameSite)
	assert.Equal(t, "/console", sess.Path)
	assert.False(t, sess.Secure, "plain HTTP to a loopback address: not Secure, or the browser would drop it")
	assert.NotContains(t, a.Header.Get("Location"), f.adminToken)
	assert.NotContains(t, sess.Value, f.adminToken)

	page = b.page("/console/bookings?status=confirmed")
	assert.Contains(t, page, `<span class="who">ada</span> <span class="role">admin</span>`)
	a = b.get("/console/sign-in")
	assert.Equal(t, http.StatusSeeOther, a.StatusCode, "already signed in")
}

func TestSignInRefusesAFormWithoutItsToken(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	a, _ := b.post("/console/sign-in", url.Values{"token": {f.adminToken}, "csrf": {""}})
	assert.Equal(t, http.StatusForbidden, a.StatusCode, "no sign-in cookie, no form token")
	b.get("/console/sign-in")
	a, _ = b.post("/console/sign-in", url.Values{"token": {f.adminToken}, "csrf": {"forged"}})
	assert.Equal(t, http.StatusForbidden, a.StatusCode, "a token that is not the cookie's")
}

func TestSignInGoesOnlyInsideTheConsole(t *testing.T) {
	f := newFixture(t)
	for next, want := range map[string]string{
		"":                         "/console",
		"/console/usage":           "/console/usage",
		"https://evil.example/":    "/console",
		"//evil.example/console":   "/console",
		"/outbox":                  "/console",
		"/console/sign-in":         "/console",
		`/console\..\outbox`:       "/console",
		"/console/rooms/x?state=1": "/console/rooms/x?state=1",
	} {
		b := f.browser()
		b.get("/console/sign-in")
		a, _ := b.post("/console/sign-in", url.Values{"token": {f.adminToken}, "next": {next}})
		require.Equal(t, http.StatusSeeOther, a.StatusCode)
		assert.Equal(t, want, a.Header.Get("Location"), "next=%q", next)
	}
}

// TestWrongTokensAreSlowed signs in with wrong tokens from one address until access's limiter
// holds the address back: then even the right token waits, answered 429 with Retry-After, until
// the wait is over.
func TestWrongTokensAreSlowed(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.get("/console/sign-in")
	for i := range access.FreeFailures {
		a, _ := b.post("/console/sign-in", url.Values{"token": {"rko_ada_" + strings.Repeat("x", 43)}})
		require.Equal(t, http.StatusUnauthorized, a.StatusCode, "wrong token %d", i+1)
		assert.Empty(t, a.Header.Get("Retry-After"))
	}
	a, body := b.post("/console/sign-in", url.Values{"token": {f.adminToken}})
	assert.Equal(t, http.StatusTooManyRequests, a.StatusCode, "the address must wait, whatever the token")
	assert.Equal(t, "1", a.Header.Get("Retry-After"))
	assert.Contains(t, body, `<p class="field-error" id="token-error">Too many wrong tokens from your address: try again in 1s.</p>`)
	assert.Equal(t, "no-store", a.Header.Get("Cache-Control"))
	assert.Empty(t, f.roomChanges())

	f.clock.Add(time.Second)
	a, _ = b.post("/console/sign-in", url.Values{"token": {f.adminToken}})
	assert.Equal(t, http.StatusSeeOther, a.StatusCode, "after the wait the right token works")
}

func TestConsoleIsOffWithoutTheAdminToken(t *testing.T) {
	f := newFixture(t)
	mux := http.NewServeMux()
	off := &access.Access{Store: f.st, Secrets: secrets{}, Now: f.clock.Now}
	(&console.Console{Operator: f.op, Access: off, Log: discard()}).Register(mux)
	for _, path := range []string{"/console", "/console/sign-in"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		assert.Equal(t, http.StatusNotFound, w.Code, path)
		assert.Contains(t, w.Body.String(), "The console is off")
		assert.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
	}
	// The static files are still served: the pages of a person's link (/j/) use them.
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, web.Asset("style.css"), nil))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "text/css; charset=utf-8", w.Header().Get("Content-Type"))
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodPost, web.Asset("style.css"), nil))
	assert.Equal(t, http.StatusNotFound, w.Code, "GET and HEAD only")
}

func TestCookieIsSecureExceptOnLoopbackHTTP(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		host   string
		secure bool
	}{
		{"127.0.0.1:8080", false},
		{"localhost:8080", false},
		{"[::1]:8080", false},
		{"abc123.execute-api.eu-north-1.amazonaws.com", true},
		{"console.clinic.example", true},
	} {
		t.Run(tt.host, func(t *testing.T) {
			get := httptest.NewRequest(http.MethodGet, "/console/sign-in", nil)
			get.Host = tt.host
			w := httptest.NewRecorder()
			f.mux.ServeHTTP(w, get)
			cookies := w.Result().Cookies()
			require.Len(t, cookies, 1)
			assert.Equal(t, tt.secure, cookies[0].Secure, "the sign-in form's cookie")

			req := httptest.NewRequest(http.MethodPost, "/console/sign-in", strings.NewReader(url.Values{"token": {f.adminToken}, "csrf": {cookies[0].Value}}.Encode()))
			req.Host = get.Host
			req.Header = get.Header.Clone()
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(cookies[0])
			w = httptest.NewRecorder()
			f.mux.ServeHTTP(w, req)
			require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
			for _, c := range w.Result().Cookies() {
				if c.Name == "roomkeeper_session" {
					assert.Equal(t, tt.secure, c.Secure, "the session cookie")
					assert.True(t, c.HttpOnly)
					assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
				}
			}
		})
	}
}

func TestSignOut(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(f.adminToken)
	b.page("/console")
	a, _ := b.post("/console/sign-out", url.Values{"csrf": {"forged"}})
	assert.Equal(t, http.StatusForbidden, a.StatusCode)
	b.page("/console")
	a, _ = b.post("/console/sign-out", url.Values{})
	require.Equal(t, http.StatusSeeOther, a.StatusCode)
	assert.Equal(t, "/console/sign-in?done=signed-out", a.Header.Get("Location"))
	assert.Contains(t, b.page("/console/sign-in?done=signed-out"), "You have signed out.")
	assert.Equal(t, http.StatusSeeOther, b.get("/console").StatusCode, "the session is over")
}

func TestRemovedOperatorIsSignedOut(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(f.viewerToken)
	b.page("/console")
	require.NoError(t, f.access.RemoveOperator(f.ctx, root, "vic"))
	assert.Equal(t, http.StatusSeeOther, b.get("/console").StatusCode)
}

// TestEveryFormNeedsItsCSRFToken posts every form of the console without the session's token:
// each is refused with 403 and changes nothing.
func TestEveryFormNeedsItsCSRFToken(t *testing.T) {
	f := newFixture(t)
	room := f.create(operator.NewRoom{EndDate: "+2h", Title: "Walk-in"})
	b := f.signedIn(f.adminToken)
	b.page("/console")
	forms := map[string]url.Values{
		"/console/sign-out": {},
		"/console/rooms":    {"size": {"large"}, "end": {"1h"}, "key": {"k1"}},
		"/console/rooms/" + room.RoomID + "/host-link": {},
		"/console/rooms/" + room.RoomID + "/end":       {"end": {"1w"}},
		"/console/rooms/" + room.RoomID + "/delete":    {"force": {"yes"}},
		"/console/account/time-zone":                   {"timeZone": {"Europe/Oslo"}},
	}
	for path, form := range forms {
		for _, csrf := range []string{"", "forged", csrfOf(f.signedIn(f.viewerToken).last)} {
			form.Set("csrf", csrf)
			a, body := b.post(path, form)
			assert.Equal(t, http.StatusForbidden, a.StatusCode, "POST %s with csrf %q", path, csrf)
			assert.Contains(t, body, "This form has expired")
			assert.NotContains(t, body, "roomKey", "no host link for a forged form")
		}
	}
	assert.Len(t, f.sb.Rooms(), 1, "nothing was made or deleted")
	entries := f.roomChanges()
	assert.Empty(t, entries)
	// A POST from another site is refused before the console reads it.
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/console/rooms/"+room.RoomID+"/delete", strings.NewReader("csrf="+csrfOf(b.last)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	a := b.do(req)
	assert.Equal(t, http.StatusForbidden, a.StatusCode)
	assert.Len(t, f.sb.Rooms(), 1)
}

func TestViewerSeesButCannotChange(t *testing.T) {
	f := newFixture(t)
	room := f.create(operator.NewRoom{EndDate: "+2h", Title: "Walk-in"})
	v := f.signedIn(f.viewerToken)
	page := v.page("/console")
	assert.Contains(t, page, "Walk-in")
	assert.NotContains(t, page, "/console/rooms/new", "no Create button")
	assert.NotContains(t, page, "/delete", "no Delete button")
	page = v.page("/console/rooms/" + room.RoomID)
	assert.NotContains(t, page, "/delete")
	assert.NotContains(t, page, "Move the end")

	for _, path := range []string{"/console/rooms/new", "/console/rooms/" + room.RoomID + "/delete"} {
		a := v.get(path)
		assert.Equal(t, http.StatusForbidden, a.StatusCode, path)
		assert.Contains(t, a.body, "Only an admin can do this.")
	}
	v.page("/console")
	for path, form := range map[string]url.Values{
		"/console/rooms":                            {"size": {"large"}, "end": {"1h"}, "key": {"k1"}},
		"/console/rooms/" + room.RoomID + "/end":    {"end": {"1w"}},
		"/console/rooms/" + room.RoomID + "/delete": {"force": {"yes"}},
	} {
		a, _ := v.post(path, form)
		assert.Equal(t, http.StatusForbidden, a.StatusCode, path)
	}
	assert.Len(t, f.sb.Rooms(), 1)
	a, body := v.post("/console/rooms/"+room.RoomID+"/host-link", url.Values{})
	assert.Equal(t, http.StatusOK, a.StatusCode, "a viewer may see the host link, and it is recorded")
	assert.Contains(t, body, "roomKey=")
}
