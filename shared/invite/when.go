package invite

import (
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/locale"
)

// When is a meeting's times as its mail shows them, in the IANA zone given ("" is UTC) and the
// way l writes dates: what the pages behind a person's link say. An unknown zone shows UTC.
func When(l *locale.Locale, start, end time.Time, zone string) string {
	loc, name, err := Location(zone)
	if err != nil {
		loc, name, _ = Location("")
	}
	return ReadableRange(l, start, end, loc, name)
}

// Location loads the IANA zone a person's times are shown in; "" is UTC. It returns the location
// and the name to show, or a booking.Invalid error naming timeZone.
func Location(name string) (*time.Location, string, error) {
	if name == "" || name == "UTC" {
		return time.UTC, "UTC", nil
	}
	l, err := booking.LoadZone(name)
	if err != nil {
		return nil, "", booking.Errorf(booking.Invalid, "timeZone", "unknown time zone %q", name)
	}
	return l, name, nil
}

// ReadableRange shows a meeting's time in loc with the zone named, the way l writes dates, for
// example "Monday 23 November 2026, 16:00–16:30 CET (Europe/Oslo)". A meeting across midnight
// shows both dates; one across a DST change shows the abbreviation after each time.
func ReadableRange(l *locale.Locale, start, end time.Time, loc *time.Location, zone string) string {
	s, e := start.In(loc), end.In(loc)
	sa, ea := abbrev(s), abbrev(e)
	var b []byte
	if s.Year() == e.Year() && s.YearDay() == e.YearDay() {
		from := l.Time(s)
		if sa != ea {
			from += " " + sa
		}
		b = append(b, l.Day(s, from, l.Time(e))...)
	} else {
		b = append(b, l.Date(s)...)
		if sa != ea {
			b = append(b, ' ')
			b = append(b, sa...)
		}
		b = append(b, " – "...)
		b = append(b, l.Date(e)...)
	}
	b = append(b, ' ')
	b = append(b, ea...)
	return string(appendZone(b, zone, ea))
}

// ReadableStart is the short start time a Subject shows: "Mon 23 Nov 2026 16:00 CET
// (Europe/Oslo)".
func ReadableStart(l *locale.Locale, start time.Time, loc *time.Location, zone string) string {
	s := start.In(loc)
	a := abbrev(s)
	b := []byte(l.Short(s))
	b = append(b, ' ')
	b = append(b, a...)
	return string(appendZone(b, zone, a))
}

func appendZone(b []byte, zone, abbr string) []byte {
	if zone == abbr {
		return b
	}
	b = append(b, " ("...)
	b = append(b, zone...)
	return append(b, ')')
}

// abbrev is the zone abbreviation at t; zones without one ("+03") are shown as "UTC+03".
func abbrev(t time.Time) string {
	a, _ := t.Zone()
	if a != "" && (a[0] == '+' || a[0] == '-') {
		return "UTC" + a
	}
	return a
}
