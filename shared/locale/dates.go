package locale

import (
	"fmt"
	"strings"
	"time"
)

// dates are a language's CLDR date and time patterns and names (the date.* messages of its
// catalog): LDML pattern syntax (unicode.org/reports/tr35/tr35-dates.html), of which the
// letters E (weekday), d, M (month), y, H and m are used.
type dates struct {
	full, short       string // date patterns: CLDR's full date; an abbreviated one with the weekday (yMMMEd)
	dayShort          string // an abbreviated day with the weekday, no year (MMMEd)
	time              string // CLDR's short time: "HH:mm" or "H:mm"
	dateTime          string // CLDR's full date-time combination: "{1}, {0}" ({1} the date, {0} the time)
	dateTimeShort     string // CLDR's medium date-time combination
	timeRange         string // two times of one day, {0} and {1}: CLDR's Hm interval ("{0}–{1}")
	months, monthsAbr [12]string
	days, daysAbr     [7]string // Sunday first, as time.Weekday
}

// loadDates reads the date.* messages.
func (l *Locale) loadDates() (dates, error) {
	var d dates
	var err error
	get := func(id string) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = l.T(id)
		return s
	}
	d.full, d.short, d.dayShort, d.time = get("date.full"), get("date.short"), get("date.dayShort"), get("date.time")
	d.dateTime, d.dateTimeShort, d.timeRange = get("date.dateTime"), get("date.dateTimeShort"), get("date.timeRange")
	lists := []struct {
		id  string
		dst []string
	}{{"date.months", d.months[:]}, {"date.monthsAbbreviated", d.monthsAbr[:]}, {"date.days", d.days[:]}, {"date.daysAbbreviated", d.daysAbr[:]}}
	for _, list := range lists {
		names := strings.Fields(get(list.id))
		if err == nil && len(names) != len(list.dst) {
			return d, fmt.Errorf("%s: want %d names separated by spaces, got %d", list.id, len(list.dst), len(names))
		}
		copy(list.dst, names)
	}
	return d, err
}

// Date writes t (in its own location) the way the language writes a full date and time:
// "Monday 23 November 2026, 15:00", "Montag, 23. November 2026, 15:00".
func (l *Locale) Date(t time.Time) string {
	return combine(l.dates.dateTime, l.format(l.dates.full, t), l.format(l.dates.time, t))
}

// Short writes t the short way a subject line takes: "Mon 23 Nov 2026 15:00", "Mo., 23. Nov.
// 2026, 15:00".
func (l *Locale) Short(t time.Time) string {
	return combine(l.dates.dateTimeShort, l.format(l.dates.short, t), l.format(l.dates.time, t))
}

// DayTime writes t as a day of a week the reader is in, abbreviated and without the year, and
// its time: "Tue 24 Nov 02:00", "Di., 24. Nov., 02:00".
func (l *Locale) DayTime(t time.Time) string {
	return combine(l.dates.dateTimeShort, l.format(l.dates.dayShort, t), l.format(l.dates.time, t))
}

// Day writes the full date of t with the times of one day, from and to, as a range:
// "Monday 23 November 2026, 15:00–15:30"; from and to are written by the caller (Time), since
// a zone abbreviation may follow each.
func (l *Locale) Day(t time.Time, from, to string) string {
	return combine(l.dates.dateTime, l.format(l.dates.full, t), combine(l.dates.timeRange, to, from))
}

// Time writes the time of day of t: "15:00", "9:05" in Spanish.
func (l *Locale) Time(t time.Time) string { return l.format(l.dates.time, t) }

// combine fills a CLDR combination pattern: {1} and {0} are replaced, quoted literals unquoted.
func combine(pattern, one, zero string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '{' && i+2 < len(pattern) && pattern[i+2] == '}' && (pattern[i+1] == '0' || pattern[i+1] == '1'):
			if pattern[i+1] == '1' {
				b.WriteString(one)
			} else {
				b.WriteString(zero)
			}
			i += 2
		case c == '\'':
			i = quoted(&b, pattern, i)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// quoted writes the quoted literal starting at pattern[i] ("'de'", "”" for an apostrophe)
// and returns the index of its closing quote.
func quoted(b *strings.Builder, pattern string, i int) int {
	if i+1 < len(pattern) && pattern[i+1] == '\'' {
		b.WriteByte('\'')
		return i + 1
	}
	end := strings.IndexByte(pattern[i+1:], '\'')
	if end < 0 {
		b.WriteString(pattern[i+1:])
		return len(pattern)
	}
	b.WriteString(pattern[i+1 : i+1+end])
	return i + 1 + end
}

// format writes t by an LDML date pattern.
func (l *Locale) format(pattern string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(pattern); {
		c := pattern[i]
		if c == '\'' {
			i = quoted(&b, pattern, i) + 1
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(pattern) && pattern[i+n] == c {
			n++
		}
		i += n
		switch c {
		case 'E':
			if n >= 4 {
				b.WriteString(l.dates.days[t.Weekday()])
			} else {
				b.WriteString(l.dates.daysAbr[t.Weekday()])
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(l.dates.months[t.Month()-1])
			case n == 3:
				b.WriteString(l.dates.monthsAbr[t.Month()-1])
			default:
				number(&b, int(t.Month()), n)
			}
		case 'd':
			number(&b, t.Day(), n)
		case 'y':
			number(&b, t.Year(), n)
		case 'H':
			number(&b, t.Hour(), n)
		case 'm':
			number(&b, t.Minute(), n)
		default:
			// A letter this formatter does not know is written as it stands, so that a
			// pattern's mistake shows in the golden files rather than vanishing.
			b.WriteString(strings.Repeat(string(c), n))
		}
	}
	return b.String()
}

// number writes v with at least width digits.
func number(b *strings.Builder, v, width int) {
	fmt.Fprintf(b, "%0*d", width, v)
}
