package render

import (
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/locale"
)

// undeliveredView is what undelivered.txt.tmpl and undelivered.html.tmpl see.
type undeliveredView struct {
	*locale.Locale
	Guest, Title, When string
	// Complaint: the guest marked it as unwanted; else Stopped: the address was refused for
	// good; else it could not be delivered this time.
	Stopped, Complaint bool
}

// Undelivered renders the "invitation not delivered" e-mail to the organizer: text and
// HTML, no calendar. It names the guest and the address that failed, which only the organizer
// sees; it carries no link.
func (Renderer) Undelivered(u *invite.Undelivered) (_ booking.Message, err error) {
	defer wrapErr(&err, "render undelivered notice")
	n, err := organizerNotice(u.From, u.Organizer, u.Title, u.Start, u.End, u.Stamp)
	if err != nil {
		return booking.Message{}, err
	}
	if _, err := address("guest", u.Guest.Email); err != nil {
		return booking.Message{}, err
	}
	l, loc, zone, title := n.l, n.loc, n.zone, n.title
	v := undeliveredView{
		Locale:    l,
		Guest:     personLine(u.Guest),
		Title:     title,
		When:      invite.ReadableRange(l, u.Start, u.End, loc, zone),
		Stopped:   u.Problem.Permanent,
		Complaint: u.Problem.Kind == booking.MailComplained,
	}
	text, html, err := execute("undelivered.txt.tmpl", "undelivered.html.tmpl", &v)
	if err != nil {
		return booking.Message{}, err
	}
	guest := cleanLine(u.Guest.Name)
	if guest == "" {
		if guest, err = l.T("undelivered.someone"); err != nil {
			return booking.Message{}, err
		}
	}
	subject, err := l.T("subject.undelivered", "Guest", guest, "Title", title)
	if err != nil {
		return booking.Message{}, err
	}
	return n.message(subject, hashOf("undelivered", strings.ToLower(u.Organizer.Email), strings.ToLower(u.Guest.Email), title,
		string(u.Problem.Kind), u.Start.UTC().Format(time.RFC3339Nano), u.Stamp.UTC().Format(time.RFC3339Nano)), text, html)
}
