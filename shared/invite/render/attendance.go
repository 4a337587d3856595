package render

import (
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/locale"
)

// attendanceView is what attendance.txt.tmpl and attendance.html.tmpl see, in the organizer's
// language. Times are clock times in the organizer's zone (Zone), with the date when it is not
// the meeting's start day; minutes and calls are written out ("27 min", "2 calls").
type attendanceView struct {
	*locale.Locale
	Title, When, Zone string
	Nobody            bool // no one at all was in the room
	OrganizerJoined   bool
	OrganizerMinutes  string
	Invitees          []attendanceInviteeView
	Others            []attendanceOtherView
	DialInCalls       int
	Calls             string // DialInCalls written out
	DialInMinutes     string
	TotalMinutes      int
}

type attendanceInviteeView struct {
	Name    string
	Joined  bool
	In, Out string // "" Out: not seen leaving
	Minutes string
}

type attendanceOtherView struct {
	Name    string // "" when the provider gave none
	Minutes string
}

// Attendance renders the "who came" e-mail to the organizer: text and HTML, no calendar.
func (Renderer) Attendance(a *invite.Attendance) (_ booking.Message, err error) {
	defer wrapErr(&err, "render attendance summary")
	n, err := organizerNotice(a.From, a.Organizer, a.Title, a.Start, a.End, a.Stamp)
	if err != nil {
		return booking.Message{}, err
	}
	l, loc, zone, title := n.l, n.loc, n.zone, n.title
	day := a.Start.In(loc)
	clock := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		t = t.In(loc)
		if t.Year() == day.Year() && t.YearDay() == day.YearDay() {
			return l.Time(t)
		}
		return l.DayTime(t)
	}
	// The first error of writing out a count; the view is not used when it is set.
	var countErr error
	count := func(id string, n int) string {
		s, err := l.T(id, "Count", n)
		if countErr == nil {
			countErr = err
		}
		return s
	}
	v := attendanceView{
		Locale: l,
		Title:  title, When: invite.ReadableRange(l, a.Start, a.End, loc, zone), Zone: zone,
		OrganizerJoined: a.OrganizerJoined, OrganizerMinutes: count("attendance.minutes", a.OrganizerMinutes),
		DialInCalls: a.DialInCalls, Calls: count("attendance.calls", a.DialInCalls),
		DialInMinutes: count("attendance.minutes", a.DialInMinutes), TotalMinutes: a.TotalMinutes,
		Nobody: !a.OrganizerJoined && len(a.Others) == 0 && a.DialInCalls == 0,
	}
	for _, p := range a.Invitees {
		name := cleanLine(p.Person.Name)
		if name == "" {
			name = cleanLine(p.Person.Email)
		}
		v.Invitees = append(v.Invitees, attendanceInviteeView{Name: name, Joined: p.Joined, In: clock(p.First), Out: clock(p.Last),
			Minutes: count("attendance.minutes", p.Minutes)})
		v.Nobody = v.Nobody && !p.Joined
	}
	for _, o := range a.Others {
		v.Others = append(v.Others, attendanceOtherView{Name: cleanLine(o.Name), Minutes: count("attendance.minutes", o.Minutes)})
	}
	if countErr != nil {
		return booking.Message{}, countErr
	}
	text, html, err := execute("attendance.txt.tmpl", "attendance.html.tmpl", &v)
	if err != nil {
		return booking.Message{}, err
	}
	subject, err := l.T("subject.attendance", "Title", title, "When", invite.ReadableStart(l, a.Start, loc, zone))
	if err != nil {
		return booking.Message{}, err
	}
	return n.message(subject, hashOf("attendance", strings.ToLower(n.to), title,
		a.Start.UTC().Format(time.RFC3339Nano), a.Stamp.UTC().Format(time.RFC3339Nano)), text, html)
}
