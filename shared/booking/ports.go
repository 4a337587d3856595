package booking

import (
	"context"
	"time"
)

// Store keeps booking records and delivery ids. Writes are single-item and conditional, so the
// DynamoDB adapter needs no transactions.
type Store interface {
	// Get returns the booking with the key, or ErrNotFound.
	Get(ctx context.Context, key string) (*Booking, error)
	// Put writes b. With b.Version 0 it creates the record and fails with ErrConflict if one
	// exists; otherwise it replaces the record only if the stored version equals b.Version and
	// fails with ErrConflict if not. On success b.Version is raised by one.
	Put(ctx context.Context, b *Booking) error
	// PutIndexed writes b as Put does, with what a booking source's change writes beside it: the
	// people index's entries linking b.Key to each of people (as IndexPeople, until b.ExpiresAt)
	// before b, and, when delivery is not empty, its mark until the time (as MarkSeen) after b.
	// A write that stops part way so never leaves a record an erasure cannot find, nor a mark
	// of a change not saved; on ErrConflict the mark is not written. The embedded store writes
	// all of it in one transaction: one sync to disk instead of three.
	PutIndexed(ctx context.Context, b *Booking, people []string, delivery string, until time.Time) error
	// Due returns up to limit bookings whose DueAt is set and not after now, each with its DueAt
	// as the index holds it, oldest first (by DueAt, then key), after the position after (""
	// from the oldest), and next, the position (Position of DueAt and key) of the last one
	// returned, or after when none is: a call with next as after continues where this one
	// stopped, without reading again what it returned. An after that is not a position is an
	// Invalid error.
	Due(ctx context.Context, now time.Time, after string, limit int) (due []Due, next string, err error)
	// Seen reports whether a delivery id was marked and has not expired by now.
	Seen(ctx context.Context, id string, now time.Time) (bool, error)
	// MarkSeen records a delivery id until expires.
	MarkSeen(ctx context.Context, id string, expires time.Time) error

	// List returns one page of a list of records (Booking.Listed) in order of their meeting's
	// start, read through an index: never more than the page's worth of records.
	List(ctx context.Context, q ListQuery) (ListPage, error)

	// PutUsage records one room's figures for one day, replacing what an earlier PutUsage of the
	// same (day, room) recorded, so a repeated cleanup never counts twice. The figures may be
	// deleted after expires.
	PutUsage(ctx context.Context, u Usage, expires time.Time) error
	// Usage returns the figures recorded for days from to to, inclusive ("2006-01-02").
	Usage(ctx context.Context, from, to string) ([]Usage, error)

	// IndexPeople records that the record key holds each address (lower case), so People finds
	// it; the entries may be deleted after expires. Repeating it is harmless.
	IndexPeople(ctx context.Context, key string, emails []string, expires time.Time) error
	// People returns the keys of the records IndexPeople linked to email (any case).
	People(ctx context.Context, email string) ([]string, error)
	// ForgetPerson removes email's entries from the people index.
	ForgetPerson(ctx context.Context, email string) error

	// AddActivity stores each event of the booking key as an item of its own (ActivityItems),
	// unless an item with its identity is stored already: a redelivered event writes nothing.
	// It returns the items it stored. They may be deleted after expires (the record's).
	AddActivity(ctx context.Context, key string, events []RoomEvent, expires time.Time) ([]ActivityItem, error)
	// Activity returns the booking key's activity items, at most MaxActivity of them, earliest
	// first. An item added a moment ago may be missing (the DynamoDB adapter reads them through
	// an eventually consistent index).
	Activity(ctx context.Context, key string) ([]ActivityItem, error)
	// ReplaceActivity rewrites the booking key's items with the IDs of items (an erasure's
	// changes), keeping their identities, so a redelivery of the event as first stored still
	// writes nothing. They may be deleted after expires.
	ReplaceActivity(ctx context.Context, key string, items []ActivityItem, expires time.Time) error
	// ExpireActivity gives every item of the booking key the expiry at, the record's, which has
	// changed since they were stored (Booking.KeepUntil). It changes nothing else in an item, so
	// an erasure's rewrite made meanwhile stays.
	ExpireActivity(ctx context.Context, key string, at time.Time) error

	// Pause marks the provider's calls of the kind paused until the time (a rate limit's
	// refusal, booking.Throttled), unless they are marked paused until later already: a mark is
	// only ever extended. It is one small item per provider and kind, and may be deleted once
	// its time has passed. Every worker reads it, on every instance, before calling the provider.
	Pause(ctx context.Context, provider string, kind PauseKind, until time.Time) error
	// PausedUntil returns when the provider's pause of the kind ends: the zero time when none
	// is marked. The time may be past.
	PausedUntil(ctx context.Context, provider string, kind PauseKind) (time.Time, error)
}

// ListQuery asks for one page of a list of records.
type ListQuery struct {
	State ListState
	// From and To bound the meeting's start: From inclusive, To exclusive; zero is unbounded.
	From, To time.Time
	// Newest lists the latest start first.
	Newest bool
	// After continues a list: an earlier entry's Cursor. Empty starts at the beginning.
	After string
	Limit int // at most this many entries; at least 1
}

// ListPage is one page of a list.
type ListPage struct {
	Entries []ListEntry
	// More says the list may go on after the last entry (continue with its Cursor).
	More bool
}

// ListEntry is one record of a list.
type ListEntry struct {
	Key string
	// Cursor is the entry's position: a query with After set to it continues after the entry.
	// The cursors of every list compare as strings the way the entries are ordered by start
	// (then key), so entries of two lists can be merged by them.
	Cursor string
}

// Usage is one room's figures for one day: what happened in the sessions that started that day,
// in the deployment's time zone (ROOMKEEPER_TIME_ZONE). A room's figures are recorded once, when
// it is cleaned up.
type Usage struct {
	Day                string `json:"day"`    // "2006-01-02"
	RoomID             string `json:"roomId"` // the room's tag
	Provider           string `json:"provider"`
	Sessions           int    `json:"sessions"`
	Participants       int    `json:"participants"` // distinct participants (by name) in the room that day
	ParticipantMinutes int    `json:"participantMinutes"`
	DialInCallers      int    `json:"dialInCallers"`
	RecordedMinutes    int    `json:"recordedMinutes"`
	StreamedMinutes    int    `json:"streamedMinutes"`
}

// Due is one entry of the due index: a booking's key and its DueAt.
type Due struct {
	Key string
	At  time.Time
}

// DueKeys returns the keys of due, in order.
func DueKeys(due []Due) []string {
	keys := make([]string, len(due))
	for i, d := range due {
		keys[i] = d.Key
	}
	return keys
}

// Queue nudges the worker to reconcile a booking soon. A lost nudge costs only time: the sweeper
// finds every due booking.
type Queue interface {
	Enqueue(ctx context.Context, key string) error
}

// Nudge is one booking for the worker, to be delivered Delay after it is sent: a whole number
// of seconds from 0 to MaxDelay.
type Nudge struct {
	Key   string
	Delay time.Duration
}

// MaxDelay is the longest Nudge.Delay: SQS's DelaySeconds maximum, 900 seconds.
const MaxDelay = 15 * time.Minute

// Message is a complete RFC 5322 message ready to send.
type Message struct {
	From string   // envelope sender (bare address)
	To   []string // envelope recipients (bare addresses)
	Raw  []byte   // the message, headers and body, CRLF line endings
	// Key is the booking the message is about. The mail service keeps it with the message (SES:
	// an EmailTag), so its bounce and complaint reports (MailEvent) name the booking.
	Key string
}

// Mailer sends messages. It returns the id the mail service gave the message.
type Mailer interface {
	Send(ctx context.Context, m Message) (id string, err error)
}

// RoomSpec is what the core asks a provider for.
type RoomSpec struct {
	Tag       string // must appear in the room's name so TaggedRooms can find it
	Title     string
	Start     time.Time
	End       time.Time
	ExpiresAt time.Time // the room must work until then (end + ROOMKEEPER_ROOM_SLACK)
	TimeZone  string
	Options   RoomOptions
	Host      Person   // the organizer
	Guests    []Person // the attendees
}

// Provider is a video provider (Whereby, Zoom, 24sessions, the sandbox). Errors are temporary
// unless marked Permanent; RetryAfter carries the provider's requested delay. Refused marks a
// call the provider certainly did not act on (a 4xx, or no connection made), and Throttled a
// refusal under a rate limit (a 429), which holds up the provider's calls of a kind; any other
// error leaves the outcome unknown (a timeout, a 5xx, a connection lost after sending).
type Provider interface {
	// CreateRoom creates a room for spec.
	CreateRoom(ctx context.Context, spec RoomSpec) (Room, error)
	// DeleteRoom deletes a room. A room that is already gone is not an error.
	DeleteRoom(ctx context.Context, room Room) error
	// TaggedRooms lists the provider's rooms whose names carry a roomkeeper tag, with Tag set.
	TaggedRooms(ctx context.Context) ([]Room, error)
	// CheckRoom reads room at the provider (one request) to confirm it still exists: nil when
	// it does. A room the provider no longer has — deleted in its dashboard or by another tool —
	// is an error wrapping ErrNotFound; any other error means the provider could not tell.
	CheckRoom(ctx context.Context, room Room) error
}

// RoomUpdater is a provider that moves a room to a booking's new times and title in place,
// keeping its links (Zoom: PATCH /meetings/{id}; 24sessions: a new date). Such rooms have no end
// date that a reschedule could outlive, so a booking keeps its room through any change of times
// and the room is updated instead; a change of room options still makes a new room.
type RoomUpdater interface {
	// UpdateRoom changes room to match spec (whose Tag is the room's) and returns the room as
	// updated. An update that changes nothing should cost nothing. A room the provider no
	// longer has is an error wrapping ErrNotFound.
	UpdateRoom(ctx context.Context, room Room, spec RoomSpec) (Room, error)
}

// GuestBound is a provider that makes a room only for a guest (24sessions creates each meeting
// with its guest): a hand-made room, which has none, cannot use it, and is refused before
// anything is stored.
type GuestBound interface {
	NeedsGuest() bool
}

// HostLinker is a provider whose host link is fetched when the organizer clicks rather than
// mailed: Zoom's start_url logs its holder in as the host and expires after two hours.
type HostLinker interface {
	// HostLink returns the provider's current host link for room. A room the provider no
	// longer has is an error wrapping ErrNotFound.
	HostLink(ctx context.Context, room Room) (string, error)
}

// Insights is a provider that reports its own usage figures for a room's sessions (Whereby's
// insights API), shown beside what its webhooks recorded.
type Insights interface {
	// RoomSessions returns the figures of each session of the provider room named roomName,
	// keyed by the provider's session id.
	RoomSessions(ctx context.Context, roomName string) (map[string]SessionInsight, error)
}

// EventType is the kind of change a booking source reports.
type EventType string

// Change types (the generic event's `type`; other sources map onto these).
const (
	EventCreated   EventType = "booking.created"
	EventUpdated   EventType = "booking.updated"
	EventCancelled EventType = "booking.cancelled"
	// EventLinked says only that ExternalID continues the booking Previous belongs to (the
	// cancelled half of a Calendly reschedule): nothing about the meeting changes, nothing is sent.
	EventLinked EventType = "booking.linked"
	// EventJoined adds one attendee, Details.Attendees[0], leaving the others as they are (an
	// invitee of a Calendly group event). Details describe the meeting in case it is new.
	EventJoined EventType = "booking.joined"
	// EventLeft removes one attendee, Details.Attendees[0]: only they are sent a CANCEL.
	EventLeft EventType = "booking.left"
	// EventEnded says the meeting is over (Cal.com's MEETING_ENDED), so its room may be deleted
	// at once unless the provider reports the call still live. Details.End is the scheduled end
	// of the meeting that ended; the other Details are empty.
	EventEnded EventType = "booking.ended"
)

// Change is one validated event from a booking source, ready to apply.
type Change struct {
	Source     string    // "generic", "calcom", …
	ExternalID string    // the source's booking id
	Type       EventType // one of the Event types
	At         time.Time // the source's event time, for ordering
	DeliveryID string    // the source's delivery id (Standard Webhooks webhook-id), for dedupe
	UID        string    // calendar UID to use when the booking is new; empty: generate one
	Details    Details   // for EventCreated, EventUpdated and EventJoined: complete and validated
	// Reason is, for EventCancelled, the reason the source gave, if any, cleaned by CleanReason;
	// intake keeps it as Details.CancelReason.
	Reason string
	// Previous is the source's id of the booking this change continues, for sources whose
	// booking id changes on a reschedule (a Calendly invitee's old_invitee): the change applies
	// to the booking Previous belongs to, and ExternalID becomes another name for it.
	Previous string
	// Member is, for EventJoined and EventLeft, the source's id of that attendee's booking (a
	// Calendly invitee URI): once it has left, a late join for it is ignored. Empty: no such id.
	Member string
	// IfExists applies the change only to a booking already stored: for an unknown one nothing
	// is stored, not even a tombstone (Cal.com's BOOKING_REJECTED).
	IfExists bool
	// Names are the source's other ids for the booking, which change under it (a Cal.com
	// booking's uid, new on every reschedule, and the uid a reschedule replaced). Intake records
	// each one that names nothing yet as an alias of the booking, so a later delivery that
	// carries only such an id finds it.
	Names []string
	// Unlinked is, for a change without an ExternalID (a Cal.com delivery without iCalUID), the
	// error to answer when none of Names leads to a booking: nothing links the change to one. The
	// change applies to the booking the first of Names that does leads to, and never creates one.
	Unlinked error
}

// Purpose is what a link of roomkeeper's own (GET /j/{token}) opens: the room as a guest, or
// as its host. It is part of the signed data, so no change to a guest's token yields a host
// link.
type Purpose byte

// Link purposes.
const (
	ForGuest Purpose = 'g'
	ForHost  Purpose = 'h'
)

// RoomLink is the recipient id of a room's own links, which name no person: the organizer's
// guest link to pass on to people not on the invite, and a hand-made room's pair.
const RoomLink = ""

// Linker makes the links roomkeeper mails and shows: ROOMKEEPER_PUBLIC_URL/j/<token>, naming
// the record (key), a recipient id the record holds (Person.ID, or RoomLink) and a purpose. The
// link resolves against the record when it is followed, so it keeps working when the room
// behind it is replaced.
type Linker interface {
	Link(ctx context.Context, key, recipient string, purpose Purpose) (string, error)
}

// Alerter tells an organizer in a chat tool that a guest is waiting in a locked room with no
// host (the Slack app, shared/chat). The reconciler calls it beside the knock e-mail, under the
// same "once per stretch without a host" record, so both tell of a knock at most once.
type Alerter interface {
	// AlertKnock tells the organizer; an organizer the chat tool does not know is no error.
	AlertKnock(ctx context.Context, k KnockAlert) error
}

// KnockAlert is what AlertKnock tells: the meeting, who is waiting, and the organizer's host
// link to let them in. It goes to the organizer alone.
type KnockAlert struct {
	OrganizerEmail string
	Title          string
	Start, End     time.Time
	Guest          string // the waiting guest's display name
	HostURL        string
}
