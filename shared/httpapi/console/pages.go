package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"

	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// sessionsData is the sessions page's.
type sessionsData struct {
	Room     operator.Room
	Sessions operator.Sessions
}

// sessions lists a room's sessions.
func (c *Console) sessions(q *request) error {
	id := q.r.PathValue("roomId")
	room, err := c.Operator.Room(q.ctx(), id, false)
	if err != nil {
		return err
	}
	s, err := c.Operator.Sessions(q.ctx(), id)
	if err != nil {
		return err
	}
	if s.InsightsErr != nil {
		q.log.Warn("provider insights unavailable", "room", id, "err", s.InsightsErr)
	}
	return q.page(c, "sessions", "Sessions of "+room.Title, "rooms", sessionsData{Room: room, Sessions: s})
}

// participantsData is the participants page's.
type participantsData struct {
	Room         operator.Room
	SessionID    string
	Participants []operator.Participant
}

// participants lists who was in one session.
func (c *Console) participants(q *request) error {
	id := q.r.PathValue("roomId")
	room, err := c.Operator.Room(q.ctx(), id, false)
	if err != nil {
		return err
	}
	p, err := c.Operator.Participants(q.ctx(), id, q.r.PathValue("sessionId"))
	if err != nil {
		return err
	}
	return q.page(c, "participants", "Participants · "+room.Title, "rooms", participantsData{Room: room, SessionID: p.SessionID, Participants: p.Participants})
}

// bookingsData is the bookings page's.
type bookingsData struct {
	Status   string
	Bookings []operator.Booking
	Pager    pager
}

// bookings lists the bookings, soonest meeting first.
func (c *Console) bookings(q *request) error {
	query := q.r.URL.Query()
	status, cursor := query.Get("status"), query.Get("cursor")
	page, err := c.Operator.Bookings(q.ctx(), operator.BookingsQuery{Status: status, Limit: pageSize, Cursor: cursor})
	if err != nil {
		return err
	}
	return q.page(c, "bookings", "Bookings", "bookings", bookingsData{Status: status, Bookings: page.Bookings, Pager: newPager(*q.r.URL, cursor, page.NextCursor)})
}

// booking shows one booking.
func (c *Console) booking(q *request) error {
	b, err := c.Operator.Booking(q.ctx(), q.r.PathValue("id"), false)
	if err != nil {
		return err
	}
	return q.page(c, "booking", b.Title, "bookings", b)
}

// usageData is the usage page's.
type usageData struct {
	Usage operator.Usage
	Range string // "8 Nov – 7 Dec 2026"
	Chart chart
	Rows  []usageRow // newest first
}

// usageRow is one day in the table.
type usageRow struct {
	Label string
	operator.Figures
}

// usage shows participant minutes per day for the last 30 days.
func (c *Console) usage(q *request) error {
	u, err := c.Operator.Usage(q.ctx(), "", "")
	if err != nil {
		return err
	}
	d := usageData{Usage: u, Range: shortDay(u.From) + " – " + dayLabel(u.To), Chart: newChart(u)}
	for i := len(u.Days) - 1; i >= 0; i-- {
		d.Rows = append(d.Rows, usageRow{Label: weekDay(u.Days[i].Date), Figures: u.Days[i].Figures})
	}
	return q.page(c, "usage", "Usage", "usage", d)
}

// chart is the usage bar chart, drawn on the server as SVG.
type chart struct {
	Width, Height int
	Left, Bottom  float64 // the plot area's left edge and baseline
	Bars          []bar
	Grid          []gridLine
	Labels        []xLabel
	Summary       string // what the chart shows, for screen readers
}

type bar struct {
	X, Y, W, H float64
	Zero       bool
	Label      string
}

type gridLine struct {
	Y     float64
	Label string
}

type xLabel struct {
	X     float64
	Label string
}

func newChart(u operator.Usage) chart {
	const width, height, left, right, top, bottom = 600, 260, 44.0, 8.0, 12.0, 28.0
	ch := chart{Width: width, Height: height, Left: left, Bottom: height - bottom}
	peak, peakDay := 0, ""
	for _, d := range u.Days {
		if d.ParticipantMinutes > peak {
			peak, peakDay = d.ParticipantMinutes, d.Date
		}
	}
	top2 := niceMax(peak)
	plotH := float64(height) - top - bottom
	band := (float64(width) - left - right) / float64(max(len(u.Days), 1))
	for i := 0; i <= 4; i++ {
		v := top2 * i / 4
		ch.Grid = append(ch.Grid, gridLine{Y: ch.Bottom - plotH*float64(v)/float64(top2), Label: fmt.Sprint(v)})
	}
	for i, d := range u.Days {
		x := left + band*float64(i) + band*0.15
		h := plotH * float64(d.ParticipantMinutes) / float64(top2)
		b := bar{X: x, W: band * 0.7, H: h, Y: ch.Bottom - h, Label: fmt.Sprintf("%s: %d participant %s", dayLabel(d.Date), d.ParticipantMinutes, pluralWord(d.ParticipantMinutes, "minute", "minutes"))}
		if d.ParticipantMinutes == 0 {
			b.Zero, b.H, b.Y = true, 1, ch.Bottom-1
		}
		ch.Bars = append(ch.Bars, b)
		if (len(u.Days)-1-i)%7 == 0 {
			ch.Labels = append(ch.Labels, xLabel{X: x + band*0.35, Label: shortDay(d.Date)})
		}
	}
	ch.Summary = fmt.Sprintf("Participant minutes per day from %s to %s: %d in total.", dayLabel(u.From), dayLabel(u.To), u.Totals.ParticipantMinutes)
	if peak > 0 {
		ch.Summary += fmt.Sprintf(" The busiest day was %s with %d.", dayLabel(peakDay), peak)
	}
	return ch
}

// niceMax rounds n up to 1, 2 or 5 times a power of ten, and at least 4, so the grid's four
// steps are whole numbers.
func niceMax(n int) int {
	if n <= 4 {
		return 4
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if v := m * p * 4; v >= n {
				return v
			}
		}
	}
}

func dayLabel(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format("Mon 2 Jan 2006")
}

// weekDay is a day in the table: "Mon 7 Dec".
func weekDay(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format("Mon 2 Jan")
}

func shortDay(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format("2 Jan")
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// auditData is the audit page's.
type auditData struct {
	Entries []access.Entry
	Pager   pager
}

// audit lists the changes operators made, newest first.
func (c *Console) audit(q *request) error {
	cursor := q.r.URL.Query().Get("cursor")
	page, err := c.Access.Audit(q.ctx(), q.s.Operator, access.AuditQuery{Limit: 50, Cursor: cursor})
	if err != nil {
		return err
	}
	return q.page(c, "audit", "Audit", "audit", auditData{Entries: page.Entries, Pager: newPager(*q.r.URL, cursor, page.NextCursor)})
}

// helpData is the help page's: the deployment's settings the clean-up follows.
type helpData struct {
	Grace, Overrun, Slack, Retention string
}

// help says what each page does and how roomkeeper cleans rooms up.
func (c *Console) help(q *request) error {
	d := helpData{Grace: "15 min", Overrun: "2 h", Slack: "7 days", Retention: "30 days"}
	if r := c.Operator.Reconciler; r != nil {
		d.Grace, d.Overrun, d.Slack = duration(q.z, r.CleanupGrace, d.Grace), duration(q.z, r.MaxOverrun, d.Overrun), duration(q.z, r.RoomSlack, d.Slack)
	}
	d.Retention = duration(q.z, c.Operator.Retention, d.Retention)
	return q.page(c, "help", "Help", "help", d)
}

// duration says a setting in words; 0 gives def.
func duration(z zoned, d time.Duration, def string) string {
	switch {
	case d <= 0:
		return def
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return z.Minutes(int(d.Minutes()))
}

// accountData is the account page's.
type accountData struct {
	Operator    access.Operator
	TimeZone    string // as typed, or the operator's
	DefaultZone string
	Error       string
}

// account shows who is signed in and their time zone.
func (c *Console) account(q *request) error {
	return q.page(c, "account", "Your account", "account", accountData{Operator: q.s.Operator, TimeZone: q.s.Operator.TimeZone, DefaultZone: c.zoneOf(access.Operator{}).Zone()})
}

// setTimeZone saves the zone the operator's pages show times in.
func (c *Console) setTimeZone(q *request) error {
	zone := q.form("timeZone")
	_, err := c.Access.SetTimeZone(q.ctx(), q.s.Operator, zone)
	if err == nil {
		return q.redirect("/console/account?done=zone")
	}
	status, e := public(err)
	if e == nil || e.Code != booking.Invalid {
		return err
	}
	c.render(q.w, status, "account", view{Title: "Your account", Nav: "account", Session: &q.s, Z: q.z, Data: accountData{
		Operator: q.s.Operator, TimeZone: zone, DefaultZone: c.zoneOf(access.Operator{}).Zone(), Error: sentence(e.Message),
	}})
	return nil
}

// commonZones are offered as suggestions in the time zone field; any IANA name is taken.
var commonZones = strings.Fields(`UTC Europe/London Europe/Dublin Europe/Lisbon Europe/Paris Europe/Berlin Europe/Oslo
Europe/Stockholm Europe/Copenhagen Europe/Helsinki Europe/Amsterdam Europe/Madrid Europe/Rome Europe/Warsaw
Europe/Athens Europe/Istanbul America/New_York America/Chicago America/Denver America/Los_Angeles America/Toronto
America/Sao_Paulo America/Mexico_City Asia/Dubai Asia/Kolkata Asia/Singapore Asia/Tokyo Asia/Shanghai
Australia/Sydney Pacific/Auckland Africa/Johannesburg Africa/Lagos`)

// Zones returns the zones offered as suggestions.
func (accountData) Zones() []string { return commonZones }
