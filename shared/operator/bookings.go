package operator

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Invite is what one recipient has been sent.
type Invite struct {
	Email    string         `json:"email"`
	Name     string         `json:"name,omitempty"`
	Role     string         `json:"role"` // organizer or guest
	Sequence int            `json:"sequence"`
	Method   booking.Method `json:"method,omitempty"` // empty: nothing sent yet
	SentAt   time.Time      `json:"sentAt,omitzero"`
	Error    string         `json:"error,omitempty"` // the mail service refused it for good
	// Reminded is how many minutes before the current start the latest reminder sent to the
	// recipient came due (absent: none yet, or none since the meeting last moved).
	Reminded int `json:"reminded,omitempty"`
	// MailProblem is set when the mail service reported the recipient's mail bounced or was
	// complained of.
	MailProblem *MailProblem `json:"mailProblem,omitempty"`
}

// MailProblem is what the mail service reported about a recipient's mail.
type MailProblem struct {
	Kind string    `json:"kind"`           // "bounce" or "complaint"
	Type string    `json:"type,omitempty"` // the mail service's class, such as Permanent/General
	At   time.Time `json:"at"`
	// Stopped: no more mail goes to the address about this booking (a complaint, a hard bounce).
	Stopped bool `json:"stopped"`
	// OrganizerTold: the organizer was e-mailed which guest's invitation failed.
	OrganizerTold bool `json:"organizerTold"`
}

// Failure is the last error that stopped or delayed work on a record.
type Failure struct {
	Message   string    `json:"message"`
	Permanent bool      `json:"permanent"`
	At        time.Time `json:"at"`
}

// Booking is one booking as an operator sees it.
type Booking struct {
	Key          string         `json:"key"`
	Source       string         `json:"source"`
	ExternalID   string         `json:"externalId"`
	Status       booking.Status `json:"status"`
	Sequence     int            `json:"sequence"`
	Title        string         `json:"title"`
	Start        time.Time      `json:"start,omitzero"` // zero for a cancellation of a booking never seen
	End          time.Time      `json:"end,omitzero"`
	TimeZone     string         `json:"timeZone,omitempty"`
	Room         *Room          `json:"room"`
	RetiredRooms []Room         `json:"retiredRooms,omitempty"`
	EndedRooms   []Room         `json:"endedRooms,omitempty"`
	Invites      []Invite       `json:"invites"`
	// Reminders are the booking's reminders, in minutes before the start, longest first (absent:
	// none).
	Reminders          []int     `json:"reminders,omitempty"`
	DueAt              time.Time `json:"dueAt,omitzero"`
	Done               bool      `json:"done"`
	Failure            *Failure  `json:"failure,omitempty"`
	RoomVanishedAt     time.Time `json:"roomVanishedAt,omitzero"` // a room last found gone at the provider and replaced (EndedRooms marks it)
	PossibleDuplicates int       `json:"possibleDuplicates"`
	CreatedAt          time.Time `json:"createdAt,omitzero"`
	UpdatedAt          time.Time `json:"updatedAt,omitzero"`

	// Uninvited are the guests the source listed whom mail cannot reach: they were sent nothing,
	// and the organizer's message names them.
	Uninvited []booking.Person `json:"uninvited,omitempty"`
}

func (o *Operator) bookingView(ctx context.Context, b *booking.Booking, withHost bool) Booking {
	link := o.linker(ctx)
	item := Booking{
		Key:                b.Key,
		Source:             b.Source,
		ExternalID:         b.ExternalID,
		Status:             b.Status,
		Sequence:           b.Sequence,
		Title:              b.Details.Title,
		Start:              b.Details.Start,
		End:                b.Details.End,
		TimeZone:           b.Details.TimeZone,
		Invites:            []Invite{},
		DueAt:              b.DueAt,
		Done:               b.Done,
		PossibleDuplicates: b.PossibleDuplicates,
		CreatedAt:          b.CreatedAt,
		UpdatedAt:          b.UpdatedAt,
	}
	for _, room := range b.Rooms() {
		v := roomView(b, room, withHost, link)
		switch {
		case v.State == Ended:
			item.EndedRooms = append(item.EndedRooms, v)
			if v.Vanished && v.DeletedAt.After(item.RoomVanishedAt) {
				item.RoomVanishedAt = v.DeletedAt
			}
		case v.Retired:
			item.RetiredRooms = append(item.RetiredRooms, v)
		default:
			item.Room = &v
		}
	}
	for _, inv := range b.Invites {
		role := "guest"
		if inv.Organizer {
			role = "organizer"
		}
		v := Invite{
			Email: inv.Email, Name: inv.Name, Role: role, Sequence: inv.Sequence,
			Method: inv.Method, SentAt: inv.SentAt, Error: inv.Error, Reminded: inv.Reminded,
		}
		if p := inv.Problem; p != nil {
			v.MailProblem = &MailProblem{Kind: string(p.Kind), Type: p.Type, At: p.At, Stopped: p.Permanent, OrganizerTold: p.Notified}
		}
		item.Invites = append(item.Invites, v)
	}
	for _, lead := range o.Reconciler.RemindersOf(b) {
		item.Reminders = append(item.Reminders, int(lead/time.Minute))
	}
	for _, p := range b.Details.Uninvited {
		item.Uninvited = append(item.Uninvited, booking.Person{Name: p.Name, Email: p.Email})
	}
	if f := b.Failure; f != nil {
		item.Failure = &Failure{Message: f.Message, Permanent: f.Permanent, At: f.At}
	}
	return item
}

// keyLen is the length of every record key.
var keyLen = len(booking.KeyOf("", ""))

// isKey reports whether s has the shape of a record key (booking.KeyOf): lowercase base32 of
// keyLen characters. Anything else cannot name a record and is not looked up.
func isKey(s string) bool {
	if len(s) != keyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z') && !(c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// Booking returns one booking by the key its webhook was answered with, or by
// "<source>:<externalId>".
func (o *Operator) Booking(ctx context.Context, id string, withHost bool) (Booking, error) {
	notFound := booking.Errorf(booking.NotFound, "", "no booking with this id")
	key := id
	if source, external, ok := strings.Cut(id, ":"); ok {
		key = booking.KeyOf(source, external)
	} else if !isKey(key) {
		return Booking{}, notFound
	}
	b, err := o.loadRecord(ctx, key)
	if err != nil {
		return Booking{}, err
	}
	if b == nil {
		return Booking{}, notFound
	}
	return o.bookingView(ctx, b, withHost), nil
}

// BookingsQuery asks for a page of bookings.
type BookingsQuery struct {
	Status   string // "confirmed", "cancelled" or "" for both
	From, To string // RFC 3339 times or dates (midnight UTC); the meeting's start, from inclusive, to exclusive
	Limit    int
	Cursor   string
}

// BookingsPage is a page of bookings.
type BookingsPage struct {
	Bookings   []Booking `json:"bookings"`
	NextCursor string    `json:"nextCursor,omitempty"`
}

// Bookings lists bookings (not hand-made rooms) by their meeting's start, soonest first, a page
// at a time.
func (o *Operator) Bookings(ctx context.Context, q BookingsQuery) (BookingsPage, error) {
	n, err := booking.PageSize(q.Limit)
	if err != nil {
		return BookingsPage{}, err
	}
	after, err := booking.DecodeCursor(q.Cursor)
	if err != nil {
		return BookingsPage{}, err
	}
	status := booking.Status(q.Status)
	switch status {
	case "", booking.Confirmed, booking.Cancelled:
	default:
		return BookingsPage{}, booking.Errorf(booking.Invalid, "status", "must be confirmed or cancelled")
	}
	lq := booking.ListQuery{Limit: n, After: after}
	if lq.From, err = timeOrDate("from", q.From); err != nil {
		return BookingsPage{}, err
	}
	if lq.To, err = timeOrDate("to", q.To); err != nil {
		return BookingsPage{}, err
	}
	if !lq.From.IsZero() && !lq.To.IsZero() && !lq.To.After(lq.From) {
		return BookingsPage{}, booking.Errorf(booking.Invalid, "to", "must be after from")
	}
	records, next, err := o.list(ctx, []booking.ListState{booking.Active, booking.Ended}, lq, func(b *booking.Booking) bool {
		return b.Source != booking.Manual && (status == "" || b.Status == status)
	})
	if err != nil {
		return BookingsPage{}, err
	}
	page := BookingsPage{Bookings: []Booking{}, NextCursor: booking.EncodeCursor(next)}
	for _, b := range records {
		page.Bookings = append(page.Bookings, o.bookingView(ctx, b, false))
	}
	return page, nil
}

// timeOrDate reads an RFC 3339 time or a date (midnight UTC); empty is zero.
func timeOrDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := booking.ParseTime(field, s)
	if err != nil {
		return time.Time{}, booking.Errorf(booking.Invalid, field, "must be an RFC 3339 time or a date such as 2026-12-01")
	}
	return t, nil
}

// Minutes writes a length of time in whole minutes, as the console and the command line show
// one: "25 min", "1 h", "1 h 5 min".
func Minutes(n int) string {
	switch {
	case n < 60:
		return fmt.Sprintf("%d min", n)
	case n%60 == 0:
		return fmt.Sprintf("%d h", n/60)
	}
	return fmt.Sprintf("%d h %d min", n/60, n%60)
}
