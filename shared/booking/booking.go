// Package booking is roomkeeper's domain: the booking record with its desired and observed state
// (docs/design.md, "The record"), the change a booking source delivers, the error type
// every layer returns, and the ports — Store, Queue, Mailer, Provider — that the core calls and
// each adapter implements.
package booking

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Manual is the Source of a room an operator made by hand (POST /v1/rooms): a record like a
// booking's, made, followed and cleaned up by the same steps, with no attendees, no invitations
// and an optional organizer, who gets the knock alerts and failure notices.
const Manual = "manual"

// Status is a booking's desired status.
type Status string

// Booking statuses. Cancellation is final.
const (
	Confirmed Status = "confirmed"
	Cancelled Status = "cancelled"
)

// Size is the room size a booking asks for.
type Size string

// Room sizes: small holds up to SmallMax participants (organizer included), large up to LargeMax.
const (
	Small Size = "small"
	Large Size = "large"

	SmallMax = 4
	LargeMax = 200
)

// Person is an organizer or an attendee.
type Person struct {
	// ID is roomkeeper's opaque id of the person on this record (NewRecipientID), named by their
	// /j/ links: random, never derived from the address or a list position, and kept while the
	// same address stays on the record (a reschedule, an update), so a link sent earlier still
	// names them. A source never sets it; AssignIDs does.
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email"`
	TimeZone string `json:"timeZone,omitempty"` // IANA name; empty means the booking's zone
	// Locale is the language the person reads, as the source gave it (a BCP 47 tag, CheckLocale):
	// their mail and pages are in the language of shared/locale's it matches, else in
	// ROOMKEEPER_LOCALE's. Empty: the source gave none.
	Locale string `json:"locale,omitempty"`
}

// RoomOptions say what kind of room a booking wants. The provider adapter maps them onto its API.
type RoomOptions struct {
	Provider   string `json:"provider"`
	Size       Size   `json:"size"`
	DialIn     bool   `json:"dialIn,omitempty"`
	NamePrefix string `json:"namePrefix,omitempty"`
	Locked     bool   `json:"locked,omitempty"`
}

// Details is the desired state a booking source sets: what the meeting is, when and who.
type Details struct {
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Start       time.Time   `json:"start"`
	End         time.Time   `json:"end"`
	TimeZone    string      `json:"timeZone,omitempty"`
	Organizer   Person      `json:"organizer"`
	Attendees   []Person    `json:"attendees"`
	Room        RoomOptions `json:"room"`
	// OrganizerCalendar is false for sources that already put the event in the organizer's
	// calendar (Cal.com, Calendly): the organizer's mail then carries no calendar part.
	OrganizerCalendar bool `json:"organizerCalendar"`
	// Uninvited are guests the source listed whom mail cannot reach (CheckEmail's
	// ErrUndeliverable: characters other than ASCII before the @). A source that sends each
	// booking once keeps the booking for everyone else (Rules.KeepUndeliverable) and lists them
	// here: they are sent nothing, and the organizer's message names them so the organizer can
	// pass the guest link on.
	Uninvited []Person `json:"uninvited,omitempty"`
	// CancelReason is the reason the source gave when the booking was cancelled (Change.Reason,
	// cleaned by CleanReason): the cancellation shows it instead of the description.
	CancelReason string `json:"cancelReason,omitempty"`
	// Reminders are the booking's own reminders, in minutes before the start, longest first (a
	// generic event's data.reminders): nil means its source's (ROOMKEEPER_REMINDERS…), empty
	// means none.
	Reminders []int `json:"reminders,omitzero"`
}

// ZoneOf returns the IANA zone a person's readable times are shown in: their own, else the
// booking's, else UTC.
func (d *Details) ZoneOf(p Person) string {
	switch {
	case p.TimeZone != "":
		return p.TimeZone
	case d.TimeZone != "":
		return d.TimeZone
	}
	return "UTC"
}

// Room is a provider room as roomkeeper recorded it.
type Room struct {
	Provider  string    `json:"provider"`
	ID        string    `json:"id"`   // the provider's id (Whereby meetingId, Zoom meeting id)
	Name      string    `json:"name"` // the provider's room name
	Tag       string    `json:"tag"`  // roomkeeper's tag, carried in the name (see RoomTag)
	GuestURL  string    `json:"guestUrl"`
	HostURL   string    `json:"hostUrl,omitempty"` // never sent to a guest
	ExpiresAt time.Time `json:"expiresAt"`         // the provider's own end date for the room
	DialIn    *DialIn   `json:"dialIn,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// Options are the booking's room options the room was made for; a change needs a new room.
	Options RoomOptions `json:"options"`
	// End is the meeting end the room was made or last moved for (a provider that moves rooms
	// in place is asked again when the record's end changes). Zero in rooms recorded before.
	End time.Time `json:"end,omitzero"`
	// Checked is when roomkeeper last knew the room to exist at the provider, and for which
	// meeting times: it made or moved the room, or read it (Provider.CheckRoom) before the
	// meeting's start or after a reschedule that kept it. Zero in rooms recorded before.
	Checked RoomCheck `json:"checked,omitzero"`
	// DeletedAt is when roomkeeper deleted the room: it is then an ended room, kept in the record
	// (Booking.Ended) with what happened in it until the record's retention ends.
	DeletedAt time.Time `json:"deletedAt,omitzero"`
	// Vanished says the provider no longer had the room when roomkeeper checked (it was deleted
	// in the provider's dashboard or by another tool): DeletedAt is when that was found, and a
	// new room replaced it.
	Vanished bool `json:"vanished,omitempty"`
	// Counted says an ended room's usage has been recorded (Store.PutUsage).
	Counted bool `json:"counted,omitempty"`
}

// RoomCheck is when a room was last known to exist at the provider and the meeting's times then,
// so that a change of times (a reschedule that keeps the room) makes a check due again.
type RoomCheck struct {
	At    time.Time `json:"at"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// DialIn is how to join a room by phone.
type DialIn struct {
	Numbers []PhoneNumber `json:"numbers"`
	Code    string        `json:"code"` // access code as the provider gives it
	// Passcode is the second code a provider asks a caller for after the access code (Zoom's
	// numeric meeting passcode), as the provider gives it; empty when none. It is apart from Code
	// so each reader's language can name it.
	Passcode string `json:"passcode,omitempty"`
}

// ErrInvalidNumber is wrapped by a phone-number normaliser's error (shared/video/phone.Normalize,
// or the dialin function answering for it) for a number the numbering plan rejects: retrying
// cannot make it valid. Any other error of a normaliser is temporary.
var ErrInvalidNumber = errors.New("invalid phone number")

// InvalidNumberError is a normaliser's refusal of a number, wrapping ErrInvalidNumber. Reason
// says why and names no digit of the number; it is what the dialin function answers with
// (shared/lambda/dialin), so the worker's error is the one shared/video/phone gave.
type InvalidNumberError struct {
	Reason string
}

// Error is the reason and the words of ErrInvalidNumber.
func (e *InvalidNumberError) Error() string { return e.Reason + ": " + ErrInvalidNumber.Error() }

// Unwrap returns ErrInvalidNumber.
func (e *InvalidNumberError) Unwrap() error { return ErrInvalidNumber }

// ErrNumberNotNormalised is wrapped by a provider's temporary error for a dial-in number its
// normaliser could not answer for now (any error but ErrInvalidNumber): the room the provider
// made meanwhile is kept for the next run to adopt by its tag, never listed without the number.
var ErrNumberNotNormalised = errors.New("dial-in number not normalised for now")

// PhoneNumber is one dial-in number.
type PhoneNumber struct {
	E164    string `json:"e164"`              // +<country code><number>
	Country string `json:"country,omitempty"` // ISO 3166 alpha-2
	Tel     string `json:"tel"`               // tap-to-dial URI with pauses and the access code, '#' as %23
}

// Method is the iTIP method of an invite.
type Method string

// iTIP methods roomkeeper sends (RFC 5546).
const (
	Request Method = "REQUEST"
	Cancel  Method = "CANCEL"
)

// Invite records what one recipient has been sent.
type Invite struct {
	Person
	Organizer bool      `json:"organizer,omitempty"`
	Sequence  int       `json:"sequence"`
	Method    Method    `json:"method,omitempty"` // empty: nothing sent yet
	SentAt    time.Time `json:"sentAt,omitzero"`
	MessageID string    `json:"messageId,omitempty"`
	Error     string    `json:"error,omitempty"` // the mail service refused this (Sequence, Method) for good
	// Pending is written before a send and cleared when the send is recorded. Finding it set on a
	// later run means a run stopped in between: the mail may or may not have gone out.
	Pending *Pending `json:"pending,omitempty"`
	// Problem is set when the mail service reported mail to this recipient bounced or was
	// complained of (ApplyMailEvent).
	Problem *MailProblem `json:"mailProblem,omitempty"`
	// Reminded is how many minutes before the current start the latest reminder this recipient
	// was sent came due (0: none yet). Reminders come due longest first, so every reminder of
	// this many minutes or more is done: sent, or passed over when a later one was sent.
	// ArmReminders clears it when the start moves.
	Reminded int `json:"reminded,omitempty"`
	// RemindPending is the reminder (minutes before the start) being sent: written before the
	// send and cleared when it is recorded, as Pending is for invitations.
	RemindPending int `json:"remindPending,omitempty"`
}

// Pending is a send that has started and not been recorded.
type Pending struct {
	Sequence int       `json:"sequence"`
	Method   Method    `json:"method"`
	At       time.Time `json:"at"`
}

// SummaryMail records the organizer's attendance summary. PendingAt is written before the send
// and cleared when the send is recorded: finding it set on a later run means a run stopped in
// between, so the summary may go out twice (counted like an invite's possible duplicate).
type SummaryMail struct {
	PendingAt time.Time `json:"pendingAt,omitzero"`
	SentAt    time.Time `json:"sentAt,omitzero"`
	MessageID string    `json:"messageId,omitempty"`
	// Dropped says why it was never sent: it could not be made, or the mail service refused it
	// for good. It is not retried.
	Dropped string `json:"dropped,omitempty"`
}

// Settled reports whether nothing more is to be done for the summary.
func (s SummaryMail) Settled() bool { return !s.SentAt.IsZero() || s.Dropped != "" }

// Creating records that a room is being created under a tag, so a run that stops between the
// provider creating the room and the record being saved can adopt it instead of making another.
type Creating struct {
	Provider string      `json:"provider"`
	Tag      string      `json:"tag"`
	Options  RoomOptions `json:"options"` // what the room is being made for
	At       time.Time   `json:"at"`
}

// Lease keeps two workers from reconciling one booking at once.
type Lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

// Failure is the last error that stopped or delayed work on a booking.
type Failure struct {
	// Message is roomkeeper's own account, for logs, records and operators: never mailed.
	Message string `json:"message"`
	// Kind is what went wrong in terms an organizer can act on: the failure mail says it in
	// plain words. Empty in failures recorded before kinds, and for anything else.
	Kind      FailureKind `json:"kind,omitempty"`
	Permanent bool        `json:"permanent,omitempty"`
	At        time.Time   `json:"at"`
	Notified  bool        `json:"notified,omitempty"` // the organizer was e-mailed about it
}

// FailureKind sorts a permanent failure by what the organizer can do about it.
type FailureKind string

// Failure kinds.
const (
	// FailureRefused: the video provider refused for good to make the room (an invalid key, a
	// request it will not take).
	FailureRefused FailureKind = "refused"
	// FailureNoProvider: the booking asks for a video provider this deployment is not set up for.
	FailureNoProvider FailureKind = "no-provider"
	// FailureNoRoomByStart: the meeting started, or would be over before the next attempt, and
	// still no room could be made (the provider kept failing).
	FailureNoRoomByStart FailureKind = "no-room-by-start"
	// FailurePaused: the provider paused new rooms (a rate limit or daily cap) until after the
	// meeting ends.
	FailurePaused FailureKind = "paused"
	// FailureOther is any other permanent failure.
	FailureOther FailureKind = "other"
)

// Booking is one booking's record: desired state set by sources, observed state set by the
// reconciler, and DueAt, when the record next needs work.
type Booking struct {
	Key        string `json:"key"` // store key, KeyOf(Source, ExternalID)
	Source     string `json:"source"`
	ExternalID string `json:"externalId"`
	UID        string `json:"uid"`     // iCalendar UID, stable for the booking's life
	Version    int64  `json:"version"` // managed by the Store: 0 until first stored
	// AliasOf, when set, makes the record only a name: the booking is the one whose ExternalID
	// (same Source) is AliasOf, and the record holds nothing else. Sources whose booking id
	// changes on a reschedule (a Calendly invitee's URI) leave one for each later id.
	AliasOf string `json:"aliasOf,omitempty"`

	// Desired state.
	Status      Status    `json:"status"`
	Details     Details   `json:"details"`
	Sequence    int       `json:"sequence"`    // roomkeeper's own SEQUENCE, raised on every change a recipient sees
	LastEventAt time.Time `json:"lastEventAt"` // timestamp of the last source event applied
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`

	// Observed state.
	Room     *Room     `json:"room,omitempty"`
	RoomGen  int       `json:"roomGen"` // generation of the newest room tag issued
	Creating *Creating `json:"creating,omitempty"`
	Retired  []Room    `json:"retired,omitempty"` // rooms replaced by a newer one, still to delete
	Ended    []Room    `json:"ended,omitempty"`   // rooms deleted, kept for their history
	Invites  []Invite  `json:"invites,omitempty"`
	Done     bool      `json:"done,omitempty"` // cleaned up: nothing left to do
	Failure  *Failure  `json:"failure,omitempty"`
	Attempts int       `json:"attempts,omitempty"` // consecutive failed attempts, for back-off
	// Activity is what the provider's webhooks reported about the booking's rooms, as last read
	// (LoadActivity): the store keeps each event as an item of its own beside the record, and
	// never with it.
	Activity Activity `json:"-"`
	// Embedded is the activity the record itself holds: the reconciler's knock notice time,
	// what intake records from a booking source (Cal.com's MEETING_ENDED, as a session end),
	// and, in a record stored before activity items, everything the webhooks reported.
	// WithActivity merges it with the items.
	Embedded Activity `json:"activity,omitzero"`
	// PossibleDuplicates counts invites that may have gone out twice because a run stopped
	// between the mail service accepting a message and the record being saved.
	PossibleDuplicates int `json:"possibleDuplicates,omitempty"`
	// Notices are the outbound webhook's events for the booking (ROOMKEEPER_NOTIFY_URL), queued,
	// sent and settled by the reconciler.
	Notices []Notice `json:"notices,omitempty"`
	// Summary is the organizer's attendance summary ("who came"), e-mailed once after the
	// meeting's room was cleaned up.
	Summary SummaryMail `json:"summary,omitzero"`

	// RemindFrom is when the meeting's current start was set (the booking made, or moved): a
	// reminder due before then is skipped, never sent late. Zero in records stored before
	// reminders, which count from CreatedAt.
	RemindFrom time.Time `json:"remindFrom,omitzero"`

	// Request is, for a hand-made room, the SHA-256 of the request that made it: a repeated
	// request with the same Idempotency-Key must be the same request.
	Request string `json:"request,omitempty"`

	DueAt     time.Time `json:"dueAt,omitzero"`     // zero: nothing to do
	Lease     Lease     `json:"lease,omitzero"`     // who is working on it
	ExpiresAt time.Time `json:"expiresAt,omitzero"` // the record may be deleted after this (retention): set it with KeepUntil

	// ActivityExpires is set when ExpiresAt changed while the booking may have had activity
	// items, each stored to be deleted with the record as it was then: the expiry they carry.
	// The reconciler gives them ExpiresAt (Store.ExpireActivity) and clears it, so what happened
	// in a room is kept exactly as long as its record: no shorter, and no longer either.
	ActivityExpires time.Time `json:"activityExpires,omitzero"`
}

// KeepUntil sets when the record may be deleted. When that changes on a booking that may have
// activity items, which were stored with the expiry before, ActivityExpires keeps that expiry
// until the reconciler gives the items the new one.
func (b *Booking) KeepUntil(t time.Time) {
	if !t.Equal(b.ExpiresAt) && !b.ExpiresAt.IsZero() && b.ActivityExpires.IsZero() && b.MayHaveActivity() {
		b.ActivityExpires = b.ExpiresAt
	}
	b.ExpiresAt = t
	if b.ActivityExpires.Equal(t) {
		b.ActivityExpires = time.Time{} // back where the items are
	}
}

// MayHaveActivity reports whether the booking may have activity items: only a room reports
// activity, so a booking that never had one (or the start of one) has none.
func (b *Booking) MayHaveActivity() bool {
	return b.Room != nil || b.Creating != nil || len(b.Retired) > 0 || len(b.Ended) > 0
}

// InviteFor returns the invite record of an address (compared ignoring case), or nil.
func (b *Booking) InviteFor(email string) *Invite {
	for i := range b.Invites {
		if strings.EqualFold(b.Invites[i].Email, email) {
			return &b.Invites[i]
		}
	}
	return nil
}

// ArmReminders records that the meeting's start was set at now (the booking made, or moved):
// every recipient's reminders start over, and those already due are skipped.
func (b *Booking) ArmReminders(now time.Time) {
	b.RemindFrom = now
	for i := range b.Invites {
		b.Invites[i].Reminded, b.Invites[i].RemindPending = 0, 0
	}
}

// Participants returns the organizer followed by the attendees.
func (d *Details) Participants() []Person {
	return append([]Person{d.Organizer}, d.Attendees...)
}

// keyLen is the number of base32 characters of a booking key: 65 bits, so collisions need about
// 2^32 bookings, and a Whereby room name prefix (39 characters) still fits a 20-character user
// prefix, the tag and a generation.
const keyLen = 13

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// KeyOf derives a booking's store key from its source and the source's booking id. The key is
// short, lowercase and URL-safe, so it also goes into provider room names.
func KeyOf(source, externalID string) string {
	sum := sha256.Sum256([]byte(source + "\x00" + externalID))
	return keyEncoding.EncodeToString(sum[:])[:keyLen]
}

func isKeyChar(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7') }

func allKeyChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isKeyChar(s[i]) {
			return false
		}
	}
	return true
}

// Clone returns a deep copy of b, so a copy can be changed and written without touching b.
func (b *Booking) Clone() *Booking {
	c := *b
	c.Details.Attendees = append([]Person(nil), b.Details.Attendees...)
	if b.Details.Reminders != nil {
		c.Details.Reminders = append([]int{}, b.Details.Reminders...)
	}
	if b.Details.Uninvited != nil {
		c.Details.Uninvited = append([]Person(nil), b.Details.Uninvited...)
	}
	c.Room = b.Room.clone()
	if b.Creating != nil {
		cr := *b.Creating
		c.Creating = &cr
	}
	c.Retired, c.Ended = nil, nil
	for _, r := range b.Retired {
		c.Retired = append(c.Retired, *r.clone())
	}
	for _, r := range b.Ended {
		c.Ended = append(c.Ended, *r.clone())
	}
	c.Invites = append([]Invite(nil), b.Invites...)
	for i := range c.Invites {
		if p := c.Invites[i].Pending; p != nil {
			pc := *p
			c.Invites[i].Pending = &pc
		}
		if p := c.Invites[i].Problem; p != nil {
			pc := *p
			c.Invites[i].Problem = &pc
		}
	}
	if b.Failure != nil {
		f := *b.Failure
		c.Failure = &f
	}
	c.Notices = append([]Notice(nil), b.Notices...)
	for i := range c.Notices {
		c.Notices[i].Body = append(json.RawMessage(nil), b.Notices[i].Body...)
	}
	c.Activity, c.Embedded = b.Activity.clone(), b.Embedded.clone()
	return &c
}

func (r *Room) clone() *Room {
	if r == nil {
		return nil
	}
	c := *r
	if r.DialIn != nil {
		d := *r.DialIn
		d.Numbers = append([]PhoneNumber(nil), r.DialIn.Numbers...)
		c.DialIn = &d
	}
	return &c
}

// Rooms returns every room the record holds: the current one, those it replaced and has yet to
// delete, then those it deleted, newest first.
func (b *Booking) Rooms() []*Room {
	var rooms []*Room
	if b.Room != nil {
		rooms = append(rooms, b.Room)
	}
	for i := range b.Retired {
		rooms = append(rooms, &b.Retired[i])
	}
	for i := len(b.Ended) - 1; i >= 0; i-- {
		rooms = append(rooms, &b.Ended[i])
	}
	return rooms
}

// ListState is which of the store's lists a record is in (Store.List).
type ListState string

// The lists: a record is active until the reconciler has nothing left to do for it (its rooms
// cleaned up, or it was cancelled or failed for good), then ended.
const (
	Active ListState = "active"
	Ended  ListState = "ended"
)

// Listed returns the list b belongs in, ordered by its meeting's start; false for a record no
// list shows: an alias, or a cancellation of a booking never seen (it has no start).
func (b *Booking) Listed() (ListState, bool) {
	if b.AliasOf != "" || b.Details.Start.IsZero() {
		return "", false
	}
	if b.Done {
		return Ended, true
	}
	return Active, true
}

// Emails returns every address the record holds (organizer, attendees, the uninvited,
// invitations), lower case, once each: what Store.IndexPeople links to the record so an erasure
// finds it.
func (b *Booking) Emails() []string {
	seen := map[string]bool{}
	var out []string
	add := func(e string) {
		e = normalEmail(e)
		if e != "" && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	add(b.Details.Organizer.Email)
	for _, p := range b.Details.Attendees {
		add(p.Email)
	}
	for _, p := range b.Details.Uninvited {
		add(p.Email)
	}
	for _, inv := range b.Invites {
		add(inv.Email)
	}
	return out
}
