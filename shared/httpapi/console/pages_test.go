package console_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	web "github.com/roomkeeper/roomkeeper/templates/console"
)

func TestBookingsPage(t *testing.T) {
	f := newFixture(t)
	roomID := putBooking(t, f)
	b := f.signedIn(f.viewerToken)
	page := b.page("/console/bookings")
	for _, want := range []string{
		"Intro call", `<span class="badge accent">Confirmed</span>`, `<span class="badge">generic</span>`, "bk_42",
		"Today, 11:00–11:30", "booked in Europe/Oslo",
		`href="/console/rooms/` + roomID + `"`,
		"bob@example.net", "Bob Guest", "Guest", "Organizer", "Invitation",
		"roomkeeper works on it", "in 5 min",
		"The last try failed", "whereby answered 503 Service Unavailable",
		"<dt>Reminders</dt><dd>1 h, 15 min before the start</dd>", `<td data-label="Reminded">1 h before</td>`, `<td data-label="Reminded">—</td>`,
	} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "secret-host-key", "no host link on the bookings page")

	one := b.page("/console/bookings/" + booking.KeyOf("generic", "bk_42"))
	assert.Contains(t, one, "Intro call")
	assert.Contains(t, one, "bob@example.net")
	assert.NotContains(t, one, "secret-host-key")
	assert.Contains(t, b.page("/console/bookings/generic:bk_42"), "Intro call", "the source's own id works too")
	assert.Equal(t, http.StatusNotFound, b.get("/console/bookings/nothing").StatusCode)

	assert.NotContains(t, b.page("/console/bookings?status=cancelled"), "Intro call")
	assert.Equal(t, http.StatusBadRequest, b.get("/console/bookings?status=maybe").StatusCode)

	// A permanent failure says roomkeeper stopped.
	rec, err := f.st.Get(f.ctx, booking.KeyOf("generic", "bk_42"))
	require.NoError(t, err)
	rec.Failure.Permanent = true
	require.NoError(t, f.st.Put(f.ctx, rec))
	assert.Contains(t, b.page("/console/bookings"), "roomkeeper stopped trying")
}

func TestUsagePage(t *testing.T) {
	f := newFixture(t)
	day := f.clock.Now().In(f.op.Zone).AddDate(0, 0, -2).Format(time.DateOnly)
	require.NoError(t, f.st.PutUsage(f.ctx, booking.Usage{Day: day, RoomID: "rkk1", Provider: "whereby", Sessions: 2, Participants: 3, ParticipantMinutes: 95, DialInCallers: 1}, f.clock.Now().Add(time.Hour)))
	b := f.signedIn(f.viewerToken)
	page := b.page("/console/usage")
	assert.Contains(t, page, `<svg viewBox="0 0 600 260" role="img" aria-labelledby="chart-title chart-desc"`)
	assert.Contains(t, page, `<title id="chart-title">Participant minutes per day</title>`)
	assert.Contains(t, page, "The busiest day was Wed 2 Dec 2026 with 95.")
	assert.Contains(t, page, "<title>Wed 2 Dec 2026: 95 participant minutes</title>", "each bar says its number")
	assert.Equal(t, 30, strings.Count(page, `<rect class=`), "a bar for each of the last 30 days")
	rows := regexp.MustCompile(`<tr><th scope="row" class="nowrap">`).FindAllString(page, -1)
	assert.Len(t, rows, 30, "and a row for each in the table")
	assert.Contains(t, page, `<tr><th scope="row" class="nowrap">Wed 2 Dec</th><td class="num">95</td><td class="num">2</td><td class="num">3</td></tr>`)
	assert.Contains(t, page, `<span class="value">95</span><span class="label">participant minutes</span>`, "the totals")
	assert.Contains(t, page, "counted by day in Europe/Oslo")
}

func TestAuditPage(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(f.viewerToken)
	for i := range 60 {
		f.clock.Add(time.Minute)
		require.NoError(t, f.access.Record(f.ctx, access.Operator{Name: "ada"}, access.ActionRoomCreate, "rkroom"+string(rune('a'+i%26))))
	}
	page := b.page("/console/audit")
	assert.Equal(t, 50, strings.Count(page, "Created a room"), "a page of 50")
	assert.Contains(t, page, `<th scope="row" data-label="Operator">ada</th>`)
	next := regexp.MustCompile(`href="(/console/audit\?cursor=[^"]+)">Next page`).FindStringSubmatch(page)
	require.NotNil(t, next)
	page = b.page(strings.ReplaceAll(next[1], "&amp;", "&"))
	assert.Equal(t, 10, strings.Count(page, "Created a room"))
	assert.Contains(t, page, "First page")
}

func TestHelpPage(t *testing.T) {
	f := newFixture(t)
	page := f.signedIn(f.viewerToken).page("/console/help")
	for _, want := range []string{
		"How rooms are cleaned up", "<strong>15 min</strong> after the meeting", "never longer than <strong>2 h</strong>",
		"end plus <strong>7 days</strong>", "for <strong>30 days</strong> after", "Show host link", "2–200 people",
	} {
		assert.Contains(t, page, want)
	}
}

func TestAccountTimeZone(t *testing.T) {
	f := newFixture(t)
	f.create(operatorRoom("Walk-in"))
	b := f.signedIn(f.adminToken)
	page := b.page("/console/account")
	assert.Contains(t, page, "Admin: you can see everything")
	assert.Contains(t, page, "ada@clinic.example")
	assert.Contains(t, b.page("/console"), "Today, 12:00", "the deployment's zone, Europe/Oslo")

	a, page := b.post("/console/account/time-zone", url.Values{"timeZone": {"Mars/Olympus"}})
	assert.Equal(t, http.StatusBadRequest, a.StatusCode)
	assert.Contains(t, page, `<p class="field-error" id="timeZone-error">Must be an IANA time zone name like Europe/Oslo.</p>`)
	assert.Contains(t, page, `value="Mars/Olympus"`)

	a, _ = b.post("/console/account/time-zone", url.Values{"timeZone": {"America/New_York"}})
	require.Equal(t, http.StatusSeeOther, a.StatusCode)
	assert.Contains(t, b.page("/console/account?done=zone"), "Your time zone was saved.")
	page = b.page("/console")
	assert.Contains(t, page, "Today, 06:00", "now in New York")
	assert.Contains(t, page, "Times are shown in America/New_York.")
}

func TestStaticFiles(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	for name, ctype := range map[string]string{"style.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8", "favicon.svg": "image/svg+xml"} {
		path := web.Asset(name)
		assert.Regexp(t, `^/console/static/[a-z]+\.[0-9a-f]{10}\.[a-z]+$`, path, "a content hash in the name")
		a := b.get(path)
		require.Equal(t, http.StatusOK, a.StatusCode, path)
		assert.Equal(t, ctype, a.Header.Get("Content-Type"))
		want, err := web.FS.Open("static/" + name)
		require.NoError(t, err)
		raw, err := io.ReadAll(want)
		require.NoError(t, err)
		assert.Equal(t, string(raw), a.body)
	}
	assert.Equal(t, http.StatusNotFound, b.get("/console/static/style.0000000000.css").StatusCode)
	assert.Equal(t, http.StatusSeeOther, b.get("/console/help").StatusCode, "pages need a session; static files do not")
}

func TestErrorPagesKeepTheMenu(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(f.viewerToken)
	a := b.get("/console/rooms/rknothing/sessions")
	assert.Equal(t, http.StatusNotFound, a.StatusCode)
	assert.Contains(t, a.body, "No room with this id.")
	assert.Contains(t, a.body, `href="/console/bookings"`, "the menu is there to go on")
	a = f.browser().get("/console/no/such/page")
	assert.Equal(t, http.StatusNotFound, a.StatusCode)
	assert.Contains(t, a.body, "There is no page at this address.")
}
