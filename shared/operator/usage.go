package operator

import (
	"context"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Figures are usage figures, of a day or in total.
type Figures struct {
	Rooms              int `json:"rooms"` // rooms that had a session
	Sessions           int `json:"sessions"`
	Participants       int `json:"participants"`
	ParticipantMinutes int `json:"participantMinutes"`
	DialInCallers      int `json:"dialInCallers"`
	RecordedMinutes    int `json:"recordedMinutes"`
	StreamedMinutes    int `json:"streamedMinutes"`
}

func (f *Figures) add(u booking.Usage) {
	if u.Sessions > 0 {
		f.Rooms++
	}
	f.Sessions += u.Sessions
	f.Participants += u.Participants
	f.ParticipantMinutes += u.ParticipantMinutes
	f.DialInCallers += u.DialInCallers
	f.RecordedMinutes += u.RecordedMinutes
	f.StreamedMinutes += u.StreamedMinutes
}

func (f *Figures) sum(g Figures) {
	f.Rooms += g.Rooms
	f.Sessions += g.Sessions
	f.Participants += g.Participants
	f.ParticipantMinutes += g.ParticipantMinutes
	f.DialInCallers += g.DialInCallers
	f.RecordedMinutes += g.RecordedMinutes
	f.StreamedMinutes += g.StreamedMinutes
}

// Day is one day's figures.
type Day struct {
	Date string `json:"date"`
	Figures
}

// Usage is the figures of a range of days.
type Usage struct {
	TimeZone string  `json:"timeZone"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Days     []Day   `json:"days"`
	Totals   Figures `json:"totals"`
}

// Usage limits.
const (
	DefaultUsageDays = 30
	MaxUsageDays     = 366
)

// Usage returns the figures per day, from and to inclusive (dates in the deployment's zone;
// empty: the last 30 days, today included), with every day of the range listed. A room's
// figures are recorded once, when it is cleaned up (booking.UsageOf), so a room still open is
// not counted yet.
func (o *Operator) Usage(ctx context.Context, from, to string) (Usage, error) {
	zone := o.zone()
	today := o.Now().In(zone)
	last, err := day("to", to, today)
	if err != nil {
		return Usage{}, err
	}
	first, err := day("from", from, last.AddDate(0, 0, -(DefaultUsageDays-1)))
	if err != nil {
		return Usage{}, err
	}
	switch n := int(last.Sub(first).Hours()/24) + 1; {
	case n < 1:
		return Usage{}, booking.Errorf(booking.Invalid, "to", "must not be before from")
	case n > MaxUsageDays:
		return Usage{}, booking.Errorf(booking.Invalid, "from", "the range is at most %d days", MaxUsageDays)
	}
	out := Usage{TimeZone: zone.String(), From: first.Format(time.DateOnly), To: last.Format(time.DateOnly), Days: []Day{}}
	items, err := o.Store.Usage(ctx, out.From, out.To)
	if err != nil {
		return Usage{}, booking.Outage(err)
	}
	byDay := map[string]*Figures{}
	for _, u := range items {
		f := byDay[u.Day]
		if f == nil {
			f = &Figures{}
			byDay[u.Day] = f
		}
		f.add(u)
	}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		date := d.Format(time.DateOnly)
		day := Day{Date: date}
		if f := byDay[date]; f != nil {
			day.Figures = *f
		}
		out.Days = append(out.Days, day)
		out.Totals.sum(day.Figures)
	}
	return out, nil
}

func (o *Operator) zone() *time.Location {
	if o.Zone != nil {
		return o.Zone
	}
	return time.UTC
}

// day reads a date ("2006-01-02"), or gives def when empty; the answer is midnight UTC of the
// date, for date arithmetic only.
func day(field, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return time.Date(def.Year(), def.Month(), def.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, booking.Errorf(booking.Invalid, field, "must be a date such as 2026-12-01")
	}
	return t, nil
}
