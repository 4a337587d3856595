// Package render turns package invite's messages into the e-mails roomkeeper sends: one complete
// RFC 5322 message per recipient, an invitation carrying an iCalendar object (RFC 5545 objects
// with RFC 5546 iTIP methods, delivered as RFC 6047 iMIP), a reminder, or a notice to an
// organizer (a room that could not be set up, a guest waiting, an invitation not delivered, who
// came).
//
// An invitation is multipart/mixed{ multipart/alternative{ text/plain, text/html,
// text/calendar; method=<METHOD> }, application/ics "invite.ics" attachment }, every part base64,
// the layout Google Calendar itself sends. The calendar is written
// with github.com/emersion/go-ical and folded at 75 octets by this package, since go-ical does not
// fold. Output is deterministic: MIME boundaries and the Message-ID are derived from a hash of
// the invite instead of randomness, so the same input renders the same bytes.
//
// A guest's message never contains the host link: Invite drops HostURL unless the invite is for
// the organizer. Errors never contain e-mail addresses or phone numbers, so callers may log them.
//
// This package is apart from package invite, which says what the messages contain, because of
// what it links: go-ical (and through it github.com/teambition/rrule-go, whose package init alone
// costs every cold start about half a millisecond), github.com/emersion/go-message and the
// templates it parses. Only a process that sends mail imports it, and hands the reconciler
// Renderer as its reconcile.Renderer; the others (the admin and slack functions, the join pages)
// import package invite alone.
package render

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/locale"
)

// Renderer renders the messages, one method each: it is what a process that sends mail gives its
// reconciler as reconcile.Renderer (next to its Mailer). Its zero value is ready to use.
type Renderer struct{}

// reader is how a message is written for the person who reads it: in their language, with times
// in their zone (loc, shown as zone), and the meeting's title as they read it.
type reader struct {
	l     *locale.Locale
	loc   *time.Location
	zone  string
	title string
}

// readerOf prepares a message to p about the meeting titled title. p.Locale is the language
// already resolved by the caller (one roomkeeper does not write is English) and p.TimeZone the
// IANA zone ("" is UTC).
func readerOf(p booking.Person, title string) (reader, error) {
	l, err := locale.Pick(p.Locale)
	if err != nil {
		return reader{}, err
	}
	loc, zone, err := invite.Location(p.TimeZone)
	if err != nil {
		return reader{}, err
	}
	t, err := titleIn(l, title)
	if err != nil {
		return reader{}, err
	}
	return reader{l: l, loc: loc, zone: zone, title: t}, nil
}

// titleIn returns a one-line title, or the language's word for a meeting when it is empty or the
// one intake gives a booking without a title (booking.DefaultTitle, English).
func titleIn(l *locale.Locale, title string) (string, error) {
	if t := cleanLine(title); t != "" && t != booking.DefaultTitle {
		return t, nil
	}
	return l.T("meeting.title")
}

// Invite renders inv as one message to inv.Recipient. Message.From is the bare sender address,
// Message.To the recipient's address and Message.Raw the whole message with CRLF line endings.
// Invalid input (a missing UID, end not after start, a link that is not http(s), a host invite
// for someone other than the organizer…) is a booking.Invalid error.
func (Renderer) Invite(inv *invite.Invite) (_ booking.Message, err error) {
	defer wrapErr(&err, "render %s invite %s (sequence %d)", inv.Method, inv.UID, inv.Sequence)
	from, err := sender(inv.From)
	if err != nil {
		return booking.Message{}, err
	}
	if inv, err = withAddresses(inv); err != nil {
		return booking.Message{}, err
	}
	if err := check(inv); err != nil {
		return booking.Message{}, err
	}
	r, err := readerOf(inv.Recipient, inv.Title)
	if err != nil {
		return booking.Message{}, err
	}
	l, loc, zone, title := r.l, r.loc, r.zone, r.title
	dial, err := dialView(inv.DialIn, l)
	if err != nil {
		return booking.Message{}, err
	}
	cancelled := inv.Method == booking.Cancel
	v := inviteView{
		Locale:      l,
		Cancelled:   cancelled,
		Updated:     inv.Updated && !cancelled,
		Title:       title,
		When:        invite.ReadableRange(l, inv.Start, inv.End, loc, zone),
		Organizer:   personLine(inv.Organizer),
		GuestURL:    inv.GuestURL,
		DialIn:      dial,
		Description: cleanText(inv.Description),
	}
	if inv.Host {
		v.Host = true
		v.HostURL = inv.HostURL // the only place HostURL is read
		var all bool
		if v.With, all, err = withList(l, inv.Attendees, inv.Uninvited); err != nil {
			return booking.Message{}, err
		}
		if !all {
			v.Guests = guestList(inv.Attendees)
		}
		v.Uninvited = peopleList(inv.Uninvited)
	}
	if inv.Reminder > 0 {
		if v.StartsIn, err = startsIn(l, inv.Start.Sub(inv.Stamp)); err != nil {
			return booking.Message{}, err
		}
	}
	if cancelled {
		v.GuestURL, v.HostURL, v.DialIn, v.Uninvited = "", "", nil, ""
		// What was planned no longer matters; why it was cancelled does.
		v.Description, v.CancelReason = "", cleanText(inv.CancelReason)
	}

	var subjectID string
	switch {
	case inv.Reminder > 0:
		subjectID = "subject.reminder"
	case cancelled:
		subjectID = "subject.cancelled"
	case inv.Host && inv.Updated:
		subjectID = "subject.hostUpdated"
	case inv.Host:
		subjectID = "subject.host"
	case inv.Updated:
		subjectID = "subject.invitationUpdated"
	default:
		subjectID = "subject.invitation"
	}
	subject, err := l.T(subjectID, "Title", title, "When", invite.ReadableStart(l, inv.Start, loc, zone))
	if err != nil {
		return booking.Message{}, err
	}

	text, html, err := executeInvite(&v, inv.Reminder > 0)
	if err != nil {
		return booking.Message{}, err
	}
	var ics []byte
	if inv.Calendar {
		if ics, err = calendar(inv, &v); err != nil {
			return booking.Message{}, err
		}
	}

	env := envelope{
		from:    from,
		to:      &mail.Address{Name: cleanLine(inv.Recipient.Name), Address: inv.Recipient.Email},
		subject: subject,
		date:    inv.Stamp,
		seed: hashOf("invite", inv.UID, strconv.Itoa(inv.Sequence), string(inv.Method),
			strings.ToLower(inv.Recipient.Email), inv.Stamp.UTC().Format(time.RFC3339Nano)),
	}
	if inv.Reminder > 0 {
		env.seed = hashOf("reminder", string(env.seed[:]), inv.Reminder.String())
	}
	if !strings.EqualFold(inv.Recipient.Email, inv.Organizer.Email) {
		// A guest's reply goes to the organizer; the organizer's own reply would go to themself.
		env.replyTo = &mail.Address{Name: cleanLine(inv.Organizer.Name), Address: inv.Organizer.Email}
	}
	raw, err := assemble(&env, text, html, ics, string(inv.Method))
	if err != nil {
		return booking.Message{}, err
	}
	return booking.Message{From: from.Address, To: []string{inv.Recipient.Email}, Raw: raw}, nil
}

// withAddresses returns a copy of inv with every address as mail is sent to it, or the error of
// the first that cannot be (booking.CheckEmail, the rule intake checks addresses with: what it
// accepts is rendered).
func withAddresses(inv *invite.Invite) (*invite.Invite, error) {
	c := *inv
	var err error
	if c.Organizer.Email, err = address("organizer", c.Organizer.Email); err != nil {
		return nil, err
	}
	if c.Recipient.Email, err = address("recipient", c.Recipient.Email); err != nil {
		return nil, err
	}
	c.Attendees = make([]booking.Person, len(inv.Attendees))
	for i, a := range inv.Attendees {
		if a.Email, err = address("attendees["+strconv.Itoa(i)+"]", a.Email); err != nil {
			return nil, err
		}
		c.Attendees[i] = a
	}
	return &c, nil
}

// check validates what Invite cannot repair.
func check(inv *invite.Invite) error {
	switch {
	case inv.Method != booking.Request && inv.Method != booking.Cancel:
		return invalid("method", "method %q is not REQUEST or CANCEL", inv.Method)
	case inv.UID == "" || strings.ContainsFunc(inv.UID, isControl):
		return invalid("uid", "UID must be non-empty text without control characters")
	case inv.Sequence < 0:
		return invalid("sequence", "sequence %d is negative", inv.Sequence)
	case inv.Stamp.IsZero():
		return invalid("stamp", "stamp is not set")
	case inv.Start.IsZero() || !inv.End.After(inv.Start):
		return invalid("end", "end must be after start")
	}
	if inv.Host && !strings.EqualFold(inv.Recipient.Email, inv.Organizer.Email) {
		// Invariant 3: the host link goes to the organizer only.
		return invalid("host", "a host invite must be addressed to the organizer")
	}
	if inv.Reminder < 0 || inv.Reminder > 0 && (inv.Method != booking.Request || inv.Calendar) {
		return invalid("reminder", "a reminder is a REQUEST's mail without a calendar, a positive time before the start")
	}
	for _, a := range inv.Alarms {
		if a <= 0 || a%time.Minute != 0 {
			return invalid("alarms", "an alarm is a positive number of minutes before the start")
		}
	}
	if inv.Calendar && inv.Method == booking.Request && len(inv.Attendees) == 0 {
		return invalid("attendees", "a REQUEST calendar needs at least one attendee (RFC 5546)")
	}
	if inv.Method == booking.Request {
		if err := checkURL("guestUrl", inv.GuestURL, true); err != nil {
			return err
		}
		if inv.Host {
			if err := checkURL("hostUrl", inv.HostURL, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// wrapErr prefixes a renderer's error, if any, with what it was rendering (format and args).
func wrapErr(err *error, format string, args ...any) {
	if *err != nil {
		*err = fmt.Errorf(format+": %w", append(args, *err)...)
	}
}

// Failure renders the notice telling f.Organizer that the video room for a meeting could
// not be set up: a multipart/alternative text and HTML message with no calendar.
func (Renderer) Failure(f *invite.Failure) (_ booking.Message, err error) {
	defer wrapErr(&err, "render failure notice")
	n, err := organizerNotice(f.From, f.Organizer, f.Title, f.Start, f.End, f.Stamp)
	if err != nil {
		return booking.Message{}, err
	}
	l, loc, zone, title := n.l, n.loc, n.zone, n.title
	what, advice, err := failureWords(l, f.Kind)
	if err != nil {
		return booking.Message{}, err
	}
	v := failureView{Locale: l, Title: title, When: invite.ReadableRange(l, f.Start, f.End, loc, zone), What: what, Advice: advice}
	text, html, err := executeFailure(&v)
	if err != nil {
		return booking.Message{}, err
	}
	subject, err := l.T("subject.failure", "Title", title, "When", invite.ReadableStart(l, f.Start, loc, zone))
	if err != nil {
		return booking.Message{}, err
	}
	return n.message(subject, hashOf("failure", strings.ToLower(n.to), title, f.Start.UTC().Format(time.RFC3339Nano),
		string(f.Kind), f.Stamp.UTC().Format(time.RFC3339Nano)), text, html)
}

// failureWords says in plain words, in l's language, what went wrong (the failure.kind.*
// messages) and what the organizer can do about it (failure.then.*).
func failureWords(l *locale.Locale, kind booking.FailureKind) (what, advice string, err error) {
	switch kind {
	case booking.FailureRefused, booking.FailureNoProvider, booking.FailureNoRoomByStart, booking.FailurePaused:
	default:
		kind = booking.FailureOther
	}
	if what, err = l.T("failure.kind." + string(kind)); err != nil {
		return "", "", err
	}
	first, err := l.T("failure.meetAnotherWay")
	if err != nil {
		return "", "", err
	}
	then, err := l.T("failure.then." + string(kind))
	if err != nil {
		return "", "", err
	}
	return what, first + " " + then, nil
}

// Knock renders the "<name> is waiting" e-mail to the organizer: text and HTML, no
// calendar. It goes only to the organizer, so it may carry the host link.
func (Renderer) Knock(k *invite.Knock) (_ booking.Message, err error) {
	defer wrapErr(&err, "render knock notice")
	n, err := organizerNotice(k.From, k.Organizer, k.Title, k.Start, k.End, k.Stamp)
	if err != nil {
		return booking.Message{}, err
	}
	if err := checkURL("hostUrl", k.HostURL, true); err != nil {
		return booking.Message{}, err
	}
	l, loc, zone, title := n.l, n.loc, n.zone, n.title
	name := cleanLine(k.Name)
	if name == "" {
		if name, err = l.T("knock.someone"); err != nil {
			return booking.Message{}, err
		}
	}
	v := knockView{Locale: l, Name: name, Title: title, When: invite.ReadableRange(l, k.Start, k.End, loc, zone), HostURL: k.HostURL}
	text, html, err := executeKnock(&v)
	if err != nil {
		return booking.Message{}, err
	}
	subject, err := l.T("subject.knock", "Name", name, "Title", title)
	if err != nil {
		return booking.Message{}, err
	}
	msg, err := n.message(subject, hashOf("knock", strings.ToLower(n.to), title, name,
		k.Start.UTC().Format(time.RFC3339Nano), k.Stamp.UTC().Format(time.RFC3339Nano)), text, html)
	if err != nil {
		return booking.Message{}, err
	}
	return msg, nil
}

// notice is what every notice to the organizer (failure, knock, undelivered, attendance)
// starts from: the sender, the organizer's address and the organizer as its reader.
type notice struct {
	reader
	from      *mail.Address
	to        string
	organizer booking.Person
	stamp     time.Time
}

// organizerNotice checks what every notice to the organizer needs — the sender, a stamp, the
// meeting's times and the organizer's address — and reads the organizer's language and zone.
func organizerNotice(from string, organizer booking.Person, title string, start, end, stamp time.Time) (notice, error) {
	sent, err := sender(from)
	if err != nil {
		return notice{}, err
	}
	switch {
	case stamp.IsZero():
		return notice{}, invalid("stamp", "stamp is not set")
	case start.IsZero() || !end.After(start):
		return notice{}, invalid("end", "end must be after start")
	}
	to, err := address("organizer", organizer.Email)
	if err != nil {
		return notice{}, err
	}
	r, err := readerOf(organizer, title)
	if err != nil {
		return notice{}, err
	}
	return notice{reader: r, from: sent, to: to, organizer: organizer, stamp: stamp}, nil
}

// message assembles the notice: text and HTML, no calendar; seed makes its Message-ID and
// boundaries.
func (n notice) message(subject string, seed [sha256.Size]byte, text, html []byte) (booking.Message, error) {
	env := envelope{
		from:    n.from,
		to:      &mail.Address{Name: cleanLine(n.organizer.Name), Address: n.to},
		subject: subject,
		date:    n.stamp,
		seed:    seed,
	}
	raw, err := assemble(&env, text, html, nil, "")
	if err != nil {
		return booking.Message{}, err
	}
	return booking.Message{From: n.from.Address, To: []string{n.to}, Raw: raw}, nil
}

// senders caches parsed From addresses: there is one per deployment.
var senders sync.Map // From string → *mail.Address, never modified

// sender parses the configured From address.
func sender(from string) (*mail.Address, error) {
	if a, ok := senders.Load(from); ok {
		return a.(*mail.Address), nil
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, invalid("from", "sender is not an RFC 5322 address")
	}
	if a.Address, err = address("from", a.Address); err != nil {
		return nil, err
	}
	senders.Store(from, a)
	return a, nil
}

// address returns addr as mail is sent to it (booking.CheckEmail), or an Invalid error naming
// field that leaves the address out.
func address(field, addr string) (string, error) {
	a, err := booking.CheckEmail(field, addr)
	if err != nil {
		return "", invalid(field, "%s is not an e-mail address mail can be sent to", field)
	}
	return a, nil
}

// checkURL accepts an absolute http(s) URL of printable ASCII with nothing that would need
// quoting in a header, an HTML attribute or an iCalendar URI value.
func checkURL(field, u string, required bool) error {
	if u == "" {
		if required {
			return invalid(field, "%s is required", field)
		}
		return nil
	}
	lower := strings.ToLower(u)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") ||
		strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"<>\`, r) }) {
		return invalid(field, "%s is not an http(s) URL", field)
	}
	return nil
}

func invalid(field, format string, args ...any) error {
	return booking.Errorf(booking.Invalid, field, format, args...)
}

// hashOf is the seed of a message's boundaries and Message-ID.
func hashOf(parts ...string) [sha256.Size]byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
