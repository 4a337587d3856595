package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/browser"
)

// browsers is the one Chromium the console's browser tests share, a tab each.
var browsers browser.Browser

func TestMain(m *testing.M) {
	code := m.Run()
	browsers.Close()
	os.Exit(code)
}

// adminCall POSTs body to the admin API at path with the admin token, requires a 201 and decodes
// the answer into out (unless nil).
func adminCall(t *testing.T, s *stack, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "POST %s", path)
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
}

// signIn signs a tab in with token from the sign-in page it is sent to.
func signIn(tab *browser.Tab, token string) {
	tab.Open("/console")
	if !strings.HasPrefix(tab.Path(), "/console/sign-in") {
		tab.Click(`form[action="/console/sign-out"] button`)
	}
	tab.Type("#token", token)
	tab.Click(`form[action="/console/sign-in"] button[type="submit"]`)
}

func value(tab *browser.Tab, sel string) string {
	return browser.Run(tab, chromedp.Evaluate[string]("document.querySelector("+quote(sel)+").value"))
}

func attr(tab *browser.Tab, sel, name string) string {
	return browser.Run(tab, chromedp.Evaluate[string]("document.querySelector("+quote(sel)+").getAttribute("+quote(name)+")"))
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// TestConsoleInTheBrowser is an admin's day in a real browser: sign in, make a 2–200 room with
// dial-in, find it in Rooms, join it from the sandbox's room page, watch the live badge and the
// session with its participant, look at the other pages, delete the room (a live room asks
// again) and sign out. Each step saves a screenshot.
func TestConsoleInTheBrowser(t *testing.T) {
	t.Parallel() // a tab each in the one browser
	s := newStack(t, nil)
	tab := browsers.Tab(t, s.srv.URL)

	tab.Open("/console")
	assert.Equal(t, "/console/sign-in?next=%2Fconsole", tab.Path(), "signed out: the sign-in page")
	tab.Screenshot("console-sign-in")
	tab.Type("#token", "not-the-token")
	tab.Expect("/console/sign-in", http.StatusUnauthorized)
	tab.Click(`form[action="/console/sign-in"] button[type="submit"]`)
	assert.Equal(t, "This token is not valid. Check it and try again.", tab.Text("#token-error"))
	tab.Type("#token", s.cfg.AdminToken)
	tab.Click(`form[action="/console/sign-in"] button[type="submit"]`)
	assert.Equal(t, "/console", tab.Path())
	assert.Contains(t, tab.Text(".empty"), "No active rooms")
	tab.Screenshot("console-rooms-empty")

	// Create a 2–200 room with dial-in.
	tab.Click(`a[href="/console/rooms/new"]`)
	tab.Screenshot("console-create")
	tab.Do(chromedp.Click(chromedp.CSS(`input[name="size"][value="large"]`)))
	tab.Type("#title", "Team sync")
	tab.Type("#namePrefix", "Team Sync!")
	tab.Do(chromedp.Click(chromedp.CSS(`input[name="end"][value="1w"]`)), chromedp.Click(chromedp.CSS("#dialIn")))
	tab.Expect("/console/rooms", http.StatusBadRequest)
	tab.Click(`form[action="/console/rooms"] button[type="submit"]`)
	assert.Contains(t, tab.Text("#namePrefix-error"), "a-z, 0-9 and -", "the message beside the field")
	assert.Equal(t, "Team sync", value(tab, "#title"), "what was typed is kept")
	tab.Screenshot("console-create-invalid")
	tab.Type("#namePrefix", "team")
	tab.Click(`form[action="/console/rooms"] button[type="submit"]`)
	assert.Equal(t, "Room created", tab.Text("h1"))
	guest, host := value(tab, "#guest-link"), value(tab, "#host-link")
	assert.True(t, strings.HasPrefix(guest, s.cfg.PublicURL+"/j/"), "the room's own guest link: %s", guest)
	assert.True(t, strings.HasPrefix(host, s.cfg.PublicURL+"/j/"), "the room's own host link: %s", host)
	assert.NotEqual(t, guest, host)
	assert.Contains(t, redirect(t, guest), "/sandbox/whereby/rooms/team-", "the guest link leads to the room")
	assert.Contains(t, redirect(t, host), "roomKey=", "the host link to the room's host link")
	assert.True(t, strings.HasPrefix(attr(tab, `a[href^="tel:"]`, "href"), "tel:+"), "a tap-to-dial link")
	assert.False(t, browser.Run(tab, chromedp.Evaluate[bool](`document.querySelector('[data-copy="guest-link"]').hidden`)), "the script shows the copy buttons")
	tab.Do(chromedp.Click(chromedp.CSS(`[data-copy="guest-link"]`)))
	tab.Screenshot("console-created")
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	assert.Equal(t, "group", rooms[0].RoomMode)
	require.NotNil(t, rooms[0].DialIn)

	// It is in Rooms, without its host link.
	tab.Open("/console")
	assert.Contains(t, tab.Text("#rooms"), "Team sync")
	html := browser.Run(tab, chromedp.OuterHTML(chromedp.CSS("html")))
	assert.NotContains(t, html, "roomKey", "no host link in the page until asked for")
	assert.NotContains(t, html, strings.TrimPrefix(host, s.cfg.PublicURL), "nor the room's own host link")
	assert.Equal(t, guest, attr(tab, `#rooms a.btn.primary`, "href"), "Join: the room's own guest link")
	tab.Click(`#rooms form[action$="/host-link"] button`)
	assert.Equal(t, host, value(tab, "#host-link"), "shown on request")
	tab.Screenshot("console-host-link")

	// Join it from the sandbox's room page, reached through the guest link (302), with a phone
	// caller, so a session starts.
	tab.Open(strings.TrimPrefix(guest, s.srv.URL))
	assert.True(t, strings.HasPrefix(tab.Path(), "/sandbox/whereby/rooms/team-"), "the guest link led to the room: %s", tab.Path())
	tab.Type("#displayName", "Bob Guest")
	tab.Click(`button[value="join"]`)
	tab.Type("#displayName", "Phone caller")
	tab.Click(`button[value="dialin"]`)
	assert.Contains(t, tab.Text("#present"), "Bob Guest")
	tab.Screenshot("sandbox-room")
	s.clock.Add(7 * time.Minute)

	tab.Open("/console")
	assert.Equal(t, "Live · 2 in the room", tab.Text("#rooms .badge.live"))
	tab.Screenshot("console-rooms-live")
	tab.Click(`#rooms a[href$="/sessions"]`)
	assert.Equal(t, "2", tab.Text(`#sessions td[data-label="Participants"]`))
	assert.Equal(t, "14", tab.Text(`#sessions td[data-label="Participant minutes"]`), "7 minutes each")
	assert.Equal(t, "Phone caller", tab.Text(`#sessions td[data-label="Dial-in callers"]`))
	tab.Screenshot("console-sessions")
	tab.Click(`#sessions th a`)
	assert.Contains(t, tab.Text("#participants"), "Bob Guest")
	assert.Contains(t, tab.Text("#participants"), "In the room")
	tab.Screenshot("console-participants")

	// Delete it: it is live, so it asks again.
	tab.Open("/console")
	tab.Click(`#rooms a[href$="/delete"]`)
	assert.Contains(t, tab.Text(".alert"), "This room is live.")
	tab.Screenshot("console-delete")
	roomPath := strings.TrimSuffix(tab.Path(), "")
	tab.Expect(roomPath, http.StatusConflict)
	tab.Click(`form[action$="/delete"] button[type="submit"]`)
	assert.Contains(t, tab.Text(".alert"), "Someone is in this room now.")
	tab.Screenshot("console-delete-again")
	tab.Click(`form[action$="/delete"] button[type="submit"]`)
	assert.Equal(t, "/console?done=deleted", tab.Path())
	assert.Contains(t, tab.Text(".notice"), "The room was deleted.")
	assert.Empty(t, s.app.sandbox.Rooms(), "deleted at the provider, the call ended")
	tab.Open("/console?state=ended")
	assert.Contains(t, tab.Text("#rooms"), "Team sync")

	// A booking, usage, the audit list, help and the account page.
	s.clock.Add(time.Minute)
	status, _ := s.post("booking-created.json", "console")
	require.Equal(t, http.StatusAccepted, status)
	s.work()
	for _, page := range []struct{ path, shot, want string }{
		{"/console", "console-rooms", "Intro call"},
		{"/console/bookings", "console-bookings", "Invitation"},
		{"/console/usage", "console-usage", "participant minutes"},
		{"/console/audit", "console-audit", "Deleted a room"},
		{"/console/help", "console-help", "How rooms are cleaned up"},
		{"/console/account", "console-account", "Time zone"},
		{"/outbox", "outbox", "Outbox"},
		{"/", "index", "roomkeeper is running"},
	} {
		tab.Open(page.path)
		assert.Contains(t, tab.Text("main"), page.want, page.path)
		checkPage(t, tab, page.path)
		tab.Screenshot(page.shot)
	}
	tab.Open("/console")
	tab.Click(`#rooms li:first-child h2 a`)
	tab.Screenshot("console-room")

	tab.Click(`form[action="/console/sign-out"] button`)
	assert.Equal(t, "/console/sign-in?done=signed-out", tab.Path())
	assert.Contains(t, tab.Text(".notice"), "You have signed out.")
	tab.Open("/console/usage")
	assert.True(t, strings.HasPrefix(tab.Path(), "/console/sign-in"), "the session is over")
}

// TestConsoleViewerInTheBrowser: a viewer sees the rooms but no Create or Delete, and the
// create page refuses them.
func TestConsoleViewerInTheBrowser(t *testing.T) {
	t.Parallel() // a tab each in the one browser
	s := newStack(t, nil)
	var added struct{ Token string }
	adminCall(t, s, "/v1/operators", `{"name":"front-desk","role":"viewer"}`, &added)
	viewerToken := added.Token
	adminCall(t, s, "/v1/rooms", `{"size":"small","endDate":"+2h","title":"Walk-in"}`, nil)

	tab := browsers.Tab(t, s.srv.URL)
	signIn(tab, viewerToken)
	assert.Contains(t, tab.Text("#rooms"), "Walk-in")
	assert.Equal(t, "front-desk\nVIEWER", tab.Text(".account a"), "the name and the role, which CSS writes in capitals")
	assert.False(t, tab.Exists(`a[href="/console/rooms/new"]`), "no Create button")
	assert.False(t, tab.Exists(`a[href$="/delete"]`), "no Delete button")
	tab.Screenshot("console-viewer-rooms")
	tab.Click(`#rooms h2 a`)
	assert.False(t, tab.Exists(`a[href$="/delete"]`))
	assert.False(t, tab.Exists(`form[action$="/end"]`), "no way to move the end")
	tab.Expect("/console/rooms/new", http.StatusForbidden)
	tab.Open("/console/rooms/new")
	assert.Contains(t, tab.Text(".alert"), "Only an admin can do this.")
	tab.Screenshot("console-viewer-forbidden")
}

// TestConsoleAt390px opens every page on a phone-sized screen: nothing is wider than the
// screen, and every control has a label.
func TestConsoleAt390px(t *testing.T) {
	t.Parallel() // a tab each in the one browser
	s := newStack(t, nil)
	tab := browsers.Tab(t, s.srv.URL)
	tab.Width(390)
	tab.Open("/console")
	tab.Screenshot("phone-sign-in")
	signIn(tab, s.cfg.AdminToken)

	tab.Click(`a[href="/console/rooms/new"]`)
	tab.Do(chromedp.Click(chromedp.CSS(`input[name="end"][value="custom"]`)))
	tab.Screenshot("phone-create")
	tab.Do(chromedp.Click(chromedp.CSS(`input[name="size"][value="large"]`)), chromedp.Click(chromedp.CSS("#dialIn")))
	tab.Type("#title", "Morning clinic")
	tab.Do(chromedp.SetValue(chromedp.CSS("#end-at"), time.Now().In(s.cfg.Zone()).Add(3*time.Hour).Format("2006-01-02T15:04")))
	tab.Click(`form[action="/console/rooms"] button[type="submit"]`)
	require.Equal(t, "Room created", tab.Text("h1"))
	tab.Screenshot("phone-created")
	guest := value(tab, "#guest-link")
	require.True(t, strings.HasPrefix(guest, s.cfg.PublicURL+"/j/"), "the room's own guest link: %s", guest)
	tab.Open(strings.TrimPrefix(guest, s.srv.URL))
	require.True(t, strings.HasPrefix(tab.Path(), "/sandbox/whereby/rooms/"), "the guest link led to the room: %s", tab.Path())
	tab.Type("#displayName", "Ada")
	tab.Click(`button[value="join"]`)
	tab.Type("#displayName", "Bob")
	tab.Click(`button[value="join"]`)
	tab.Screenshot("phone-sandbox-room")
	status, _ := s.post("booking-created.json", "phone")
	require.Equal(t, http.StatusAccepted, status)
	s.work()

	for _, page := range []struct{ path, shot string }{
		{"/console", "phone-rooms"},
		{"/console/bookings", "phone-bookings"},
		{"/console/usage", "phone-usage"},
		{"/console/audit", "phone-audit"},
		{"/console/help", "phone-help"},
		{"/console/account", "phone-account"},
		{"/outbox", "phone-outbox"},
	} {
		tab.Open(page.path)
		checkPage(t, tab, page.path)
		tab.Screenshot(page.shot)
	}
	tab.Open("/console")
	tab.Click(`#rooms a[href$="/sessions"]`)
	checkPage(t, tab, "sessions")
	tab.Screenshot("phone-sessions")
	tab.Click(`#rooms-nothing, #sessions th a`)
	checkPage(t, tab, "participants")
	tab.Screenshot("phone-participants")
	tab.Open("/console")
	tab.Click(`#rooms h2 a`)
	checkPage(t, tab, "room")
	tab.Screenshot("phone-room")
}

// checkPage checks the page shown: nothing wider than the screen, every form control named by a
// label (or aria-label), text in WCAG AA contrast with its background (4.5:1, or 3:1 for large
// text), and a visible focus ring on the first thing the Tab key reaches.
// TestLinkPagesInTheBrowser: the pages a person's link answers with when it cannot lead to a room
// look like the console — they link its stylesheet, which their Content-Security-Policy allows (a
// violation would fail the tab) — and read well on a phone.
func TestLinkPagesInTheBrowser(t *testing.T) {
	t.Parallel() // a tab each in the one browser
	s := newStack(t, nil)
	tab := browsers.Tab(t, s.srv.URL)
	for _, width := range []int64{1280, 390} {
		tab.Width(width)
		tab.Expect("/j/not-a-token", http.StatusNotFound)
		tab.Open("/j/not-a-token")
		assert.Equal(t, "This link is not valid", tab.Text("h1"))
		background := browser.Run(tab, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundImage`))
		assert.Contains(t, background, "linear-gradient", "the console's stylesheet is applied")
		assert.Equal(t, 1, browser.Run(tab, chromedp.Evaluate[int](`document.styleSheets.length`)), "one stylesheet, the console's")
		overflow := browser.Run(tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		assert.LessOrEqual(t, overflow, 0, "the page is wider than the screen")
		assert.Empty(t, browser.Run(tab, chromedp.Evaluate[[]string](lowContrast)), "text below WCAG AA contrast")
		tab.Screenshot(fmt.Sprintf("link-invalid-%d", width))
	}
}

// redirect GETs a link without following it, requires a 302 and returns where it leads.
func redirect(t *testing.T, u string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode, "GET %s", u)
	return resp.Header.Get("Location")
}

func checkPage(t *testing.T, tab *browser.Tab, name string) {
	t.Helper()
	overflow := browser.Run(tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	assert.LessOrEqual(t, overflow, 0, "%s: the page is wider than the screen", name)
	unlabelled := browser.Run(tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
		.filter(el => el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
		.map(el => el.name || el.id)`))
	assert.Empty(t, unlabelled, "%s: controls without a label", name)
	assert.Empty(t, browser.Run(tab, chromedp.Evaluate[[]string](lowContrast)), "%s: text below WCAG AA contrast", name)
	tab.Do(chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`), chromedp.KeyEvent("\t"))
	ring := browser.Run(tab, chromedp.Evaluate[string](`(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + " " + s.outlineWidth; })()`))
	assert.Equal(t, "solid 3px", ring, "%s: the focused element shows a focus ring", name)
	tab.Do(chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
}

// lowContrast lists the text whose colour is below WCAG AA contrast with the background it is
// drawn on (the nearest opaque background colour; text over an image or gradient is skipped).
const lowContrast = `(() => {
	const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
		const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
	const lum = ({r, g, b}) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
	const background = el => { for (let e = el; e; e = e.parentElement) { const s = getComputedStyle(e);
		if (s.backgroundImage !== 'none') return null; const c = parse(s.backgroundColor); if (c && c.a > 0.5) return c; }
		return {r: 255, g: 255, b: 255, a: 1}; };
	const low = [];
	for (const el of document.querySelectorAll('body *')) {
		if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
		if (el.closest('.visually-hidden, svg, option, datalist, .skip') || el.getClientRects().length === 0) continue;
		const s = getComputedStyle(el), fg = parse(s.color), bg = background(el);
		if (!fg || !bg || s.visibility === 'hidden') continue;
		const a = lum(fg), b = lum(bg), ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		const size = parseFloat(s.fontSize), large = size >= 24 || (parseInt(s.fontWeight) >= 700 && size >= 18.66);
		if (ratio < (large ? 3 : 4.5)) low.push(el.tagName.toLowerCase() + ' "' + el.textContent.trim().slice(0, 40) + '" ' + ratio.toFixed(2));
	}
	return low;
})()`
