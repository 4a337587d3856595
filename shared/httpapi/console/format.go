package console

import (
	"fmt"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// zoned writes times for one operator: in their zone, relative to the request's now.
type zoned struct {
	loc *time.Location
	now time.Time
}

// Zone names the zone.
func (z zoned) Zone() string { return z.loc.String() }

// ISO is the machine-readable time, for <time datetime>.
func (z zoned) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Date is a day: "Fri 4 Dec" this year, "Fri 4 Dec 2027" another.
func (z zoned) Date(t time.Time) string {
	t = t.In(z.loc)
	if t.Year() == z.now.In(z.loc).Year() {
		return t.Format("Mon 2 Jan")
	}
	return t.Format("Mon 2 Jan 2006")
}

// Clock is the time of day: "14:05".
func (z zoned) Clock(t time.Time) string { return t.In(z.loc).Format("15:04") }

// Time is a day and a time: "Fri 4 Dec, 14:05"; today's times are "Today, 14:05".
func (z zoned) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return z.day(t) + ", " + z.Clock(t)
}

func (z zoned) day(t time.Time) string {
	t, now := t.In(z.loc), z.now.In(z.loc)
	switch {
	case sameDay(t, now):
		return "Today"
	case sameDay(t, now.AddDate(0, 0, 1)):
		return "Tomorrow"
	case sameDay(t, now.AddDate(0, 0, -1)):
		return "Yesterday"
	}
	return z.Date(t)
}

// Span is a stretch of time: "Today, 14:00–15:00", or both days when it crosses midnight.
func (z zoned) Span(start, end time.Time) string {
	switch {
	case start.IsZero() && end.IsZero():
		return "—"
	case start.IsZero():
		return "until " + z.Time(end)
	case end.IsZero():
		return "from " + z.Time(start)
	case sameDay(start.In(z.loc), end.In(z.loc)):
		return z.Time(start) + "–" + z.Clock(end)
	}
	return z.Time(start) + " – " + z.Time(end)
}

// Rel says how far a time is from now: "in 12 min", "3 h ago", "just now".
func (z zoned) Rel(t time.Time) string {
	d := t.Sub(z.now)
	past := d < 0
	if past {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%d h", int(d.Hours()))
	default:
		s = fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	if past {
		return s + " ago"
	}
	return "in " + s
}

// Minutes writes a length of time in whole minutes (operator.Minutes).
func (z zoned) Minutes(n int) string { return operator.Minutes(n) }

// Past reports whether t is before now.
func (z zoned) Past(t time.Time) bool { return t.Before(z.now) }

// local is the value of a datetime-local field for t, in the zone.
func (z zoned) local(t time.Time) string { return t.In(z.loc).Format("2006-01-02T15:04") }

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
