package operator

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Room states.
const (
	Creating = "creating" // asked of the provider, not ready yet
	Active   = "active"   // exists at the provider
	Ended    = "ended"    // deleted by roomkeeper; its history stays until the record expires
)

// Room is a room as an operator sees it.
type Room struct {
	RoomID    string          `json:"roomId"` // the room's tag
	Kind      string          `json:"kind"`   // "booking" or "manual"
	State     string          `json:"state"`
	Provider  string          `json:"provider"`
	Size      booking.Size    `json:"size"` // small: 2-4 people; large: 2-200
	RoomName  string          `json:"roomName,omitempty"`
	GuestURL  string          `json:"guestUrl,omitempty"`
	HostURL   string          `json:"hostUrl,omitempty"` // only when asked for
	ExpiresAt time.Time       `json:"expiresAt,omitzero"`
	DialIn    *booking.DialIn `json:"dialIn,omitempty"`
	Retired   bool            `json:"retired,omitempty"` // replaced by a newer room, to be deleted
	Live      bool            `json:"live"`
	InRoom    int             `json:"inRoom"` // connections in the room now (0 once it has ended)
	Title     string          `json:"title"`
	Start     time.Time       `json:"start"`
	End       time.Time       `json:"end"`
	Booking   Ref             `json:"booking"`
	DeletedAt time.Time       `json:"deletedAt,omitzero"`
	Vanished  bool            `json:"vanished,omitempty"`  // gone at the provider when checked (deleted outside roomkeeper): replaced; DeletedAt is when found
	Organizer *booking.Person `json:"organizer,omitempty"` // a hand-made room's, when given
}

// Ref names the record a room belongs to.
type Ref struct {
	Key        string         `json:"key"`
	Source     string         `json:"source"`
	ExternalID string         `json:"externalId"`
	Status     booking.Status `json:"status"`
}

func refOf(b *booking.Booking) Ref {
	return Ref{Key: b.Key, Source: b.Source, ExternalID: b.ExternalID, Status: b.Status}
}

func kindOf(b *booking.Booking) string {
	if b.Source == booking.Manual {
		return "manual"
	}
	return "booking"
}

// linkFunc makes a record's /j/ link for a recipient id and purpose ("" when it cannot).
type linkFunc func(b *booking.Booking, recipient string, p booking.Purpose) string

// linker returns the link maker of one request, or nil without Links (the provider's links
// are shown then).
func (o *Operator) linker(ctx context.Context) linkFunc {
	if o.Links == nil {
		return nil
	}
	return func(b *booking.Booking, recipient string, p booking.Purpose) string {
		u, err := o.Links.Link(ctx, b.Key, recipient, p)
		if err != nil {
			return "" // a secret that cannot be read leaves the link out; the room is still shown
		}
		return u
	}
}

// roomView is one of a record's rooms as an operator sees it. The current room's links are
// roomkeeper's own (/j/), which follow the record to whatever room it has when clicked: the
// room's guest link, and its host link — a hand-made room's own, a booking's organizer's.
func roomView(b *booking.Booking, room *booking.Room, withHost bool, link linkFunc) Room {
	act := b.RoomActivity(room)
	v := Room{
		RoomID:    room.Tag,
		Kind:      kindOf(b),
		State:     Active,
		Provider:  room.Provider,
		Size:      cmp.Or(room.Options.Size, b.Details.Room.Size),
		RoomName:  room.Name,
		GuestURL:  room.GuestURL,
		ExpiresAt: room.ExpiresAt,
		DialIn:    room.DialIn,
		Retired:   room != b.Room && room.DeletedAt.IsZero(),
		Live:      room.DeletedAt.IsZero() && act.Live(),
		Title:     b.Details.Title,
		Start:     b.Details.Start,
		End:       b.Details.End,
		Booking:   refOf(b),
		DeletedAt: room.DeletedAt,
		Vanished:  room.Vanished,
	}
	if !room.DeletedAt.IsZero() {
		v.State = Ended
	} else {
		for i := range act.Connections {
			if act.Connections[i].Present() {
				v.InRoom++
			}
		}
	}
	if withHost && room.DeletedAt.IsZero() {
		v.HostURL = room.HostURL
	}
	if link != nil && room == b.Room && room.DeletedAt.IsZero() {
		v.GuestURL = link(b, booking.RoomLink, booking.ForGuest)
		if withHost {
			who := booking.RoomLink
			if b.Source != booking.Manual {
				who = b.Details.Organizer.ID
			}
			v.HostURL = ""
			if b.Source == booking.Manual || who != "" {
				v.HostURL = link(b, who, booking.ForHost)
			}
		}
	}
	if b.Source == booking.Manual && b.Details.Organizer.Email != "" {
		org := b.Details.Organizer
		v.Organizer = &booking.Person{Name: org.Name, Email: org.Email}
	}
	return v
}

// creatingView is the room a record is asking its provider for.
func creatingView(b *booking.Booking, tag string) Room {
	return Room{
		RoomID:   tag,
		Kind:     kindOf(b),
		State:    Creating,
		Provider: b.Details.Room.Provider,
		Size:     b.Details.Room.Size,
		Title:    b.Details.Title,
		Start:    b.Details.Start,
		End:      b.Details.End,
		Booking:  refOf(b),
	}
}

// roomsOf returns the record's rooms in one state ("" for every state), newest first: the room
// being made, the current room, those it replaced, those it deleted.
func roomsOf(b *booking.Booking, state string, withHost bool, link linkFunc) []Room {
	var out []Room
	if c := b.Creating; c != nil && (state == "" || state == Active) {
		out = append(out, creatingView(b, c.Tag))
	}
	for _, room := range b.Rooms() {
		v := roomView(b, room, withHost, link)
		if state == "" || v.State == state {
			out = append(out, v)
		}
	}
	return out
}

// RoomsQuery asks for a page of rooms.
type RoomsQuery struct {
	State    string // Active (default), Ended, or "all"
	Limit    int
	Cursor   string
	WithHost bool
}

// RoomsPage is a page of rooms.
type RoomsPage struct {
	Rooms      []Room `json:"rooms"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// Rooms lists rooms a page at a time: active ones (being made or existing) by their meeting's
// start, soonest first; ended ones latest first; "all" both, latest first. A page holds up to
// Limit records, each with its rooms in the state asked for.
func (o *Operator) Rooms(ctx context.Context, q RoomsQuery) (RoomsPage, error) {
	n, err := booking.PageSize(q.Limit)
	if err != nil {
		return RoomsPage{}, err
	}
	after, err := booking.DecodeCursor(q.Cursor)
	if err != nil {
		return RoomsPage{}, err
	}
	lq := booking.ListQuery{Limit: n, After: after}
	var states []booking.ListState
	state := q.State
	switch q.State {
	case "", Active:
		states, state = []booking.ListState{booking.Active}, Active
	case Ended:
		states, lq.Newest = []booking.ListState{booking.Ended}, true
	case "all":
		states, lq.Newest, state = []booking.ListState{booking.Active, booking.Ended}, true, ""
	default:
		return RoomsPage{}, booking.Errorf(booking.Invalid, "state", "must be active, ended or all")
	}
	records, next, err := o.list(ctx, states, lq, func(b *booking.Booking) bool { return len(roomsOf(b, state, false, nil)) > 0 })
	if err != nil {
		return RoomsPage{}, err
	}
	page := RoomsPage{Rooms: []Room{}, NextCursor: booking.EncodeCursor(next)}
	for _, b := range records {
		page.Rooms = append(page.Rooms, roomsOf(b, state, q.WithHost, o.linker(ctx))...)
	}
	return page, nil
}

// errNoRoom is the answer for a room id that names no room.
var errNoRoom = booking.Errorf(booking.NotFound, "", "no room with this id")

// find resolves a room id: its tag names the record, which must hold a room with that tag (or be
// making one). room is nil for a room being made.
func (o *Operator) find(ctx context.Context, roomID string) (*booking.Booking, *booking.Room, error) {
	tag, ok := booking.ParseTag(roomID)
	if !ok || tag.String() != roomID {
		return nil, nil, errNoRoom
	}
	b, err := o.loadRecord(ctx, tag.Key)
	if err != nil {
		return nil, nil, err
	}
	if b == nil {
		return nil, nil, errNoRoom
	}
	for _, room := range b.Rooms() {
		if room.Tag == roomID {
			return b, room, nil
		}
	}
	if b.Creating != nil && b.Creating.Tag == roomID {
		return b, nil, nil
	}
	return nil, nil, errNoRoom
}

// Room returns one room.
func (o *Operator) Room(ctx context.Context, roomID string, withHost bool) (Room, error) {
	b, room, err := o.find(ctx, roomID)
	if err != nil {
		return Room{}, err
	}
	if room == nil {
		return creatingView(b, roomID), nil
	}
	return roomView(b, room, withHost, o.linker(ctx)), nil
}

// NewRoom is a request for a room made by hand.
type NewRoom struct {
	Size       string          `json:"size,omitempty"` // "small" (default) or "large"
	NamePrefix string          `json:"namePrefix,omitempty"`
	EndDate    string          `json:"endDate"` // RFC 3339, or a duration from now: "+2h"
	DialIn     bool            `json:"dialIn,omitempty"`
	Locked     bool            `json:"locked,omitempty"`
	Provider   string          `json:"provider,omitempty"`
	Title      string          `json:"title,omitempty"`
	Organizer  *booking.Person `json:"organizer,omitempty"` // name and email only
}

// Limits of a hand-made room.
const (
	MaxAhead          = 366 * 24 * time.Hour // the furthest end date
	IdempotencyWindow = 24 * time.Hour       // an Idempotency-Key answers the same room this long
	maxIdempotencyKey = 200
	defaultTitle      = "Room"
)

// Made is what CreateRoom did.
type Made struct {
	Room  Room
	Ready bool // the room exists; false: the worker is making it (Room.State is Creating)
}

// CreateRoom makes a room by hand: it checks the request, writes the room's record and makes the
// room at once, for up to Wait (the worker finishes what is left). idempotencyKey, when given,
// makes a repeat of the same request within IdempotencyWindow answer the same room: the key is
// part of the record's key, so a conditional create settles a race between two repeats. The
// answer carries the host link: its maker asked for the room.
func (o *Operator) CreateRoom(ctx context.Context, req NewRoom, idempotencyKey string) (Made, error) {
	now := o.Now()
	d, err := o.details(req, now)
	if err != nil {
		return Made{}, err
	}
	external, err := externalID(idempotencyKey)
	if err != nil {
		return Made{}, err
	}
	fingerprint := requestHash(req)
	key := booking.KeyOf(booking.Manual, external)
	if idempotencyKey != "" {
		// A repeat is answered from the record the key made, before anything is written: a
		// request refused for another body must leave nothing behind, not even its people in
		// the index.
		prior, err := o.loadRecord(ctx, key)
		if err != nil {
			return Made{}, err
		}
		if prior != nil {
			if err := repeated(prior, fingerprint, now); err != nil {
				return Made{}, err
			}
			return o.made(ctx, key)
		}
	}
	b := &booking.Booking{
		Key:        key,
		Source:     booking.Manual,
		ExternalID: external,
		UID:        "manual-" + external,
		Status:     booking.Confirmed,
		Details:    d,
		CreatedAt:  now,
		UpdatedAt:  now,
		DueAt:      now,
		ExpiresAt:  d.End.Add(o.Retention),
		Request:    fingerprint,
	}
	err = o.Store.PutIndexed(ctx, b, b.Emails(), "", time.Time{})
	switch {
	case errors.Is(err, booking.ErrConflict):
		// Another request with the key wrote first, since the look above.
		prior, err := o.loadRecord(ctx, b.Key)
		if err != nil {
			return Made{}, err
		}
		if prior == nil {
			return Made{}, booking.Outage(errors.New("the room's record vanished: expired since"))
		}
		if err := repeated(prior, fingerprint, now); err != nil {
			return Made{}, err
		}
	case err != nil:
		return Made{}, booking.Outage(err)
	default:
		if err := o.settle(ctx, b.Key); err != nil {
			return Made{}, err
		}
	}
	return o.made(ctx, b.Key)
}

// repeated checks a request that repeats an Idempotency-Key against the record the key made: the
// same request, within IdempotencyWindow.
func repeated(prior *booking.Booking, fingerprint string, now time.Time) error {
	if prior.Request != fingerprint {
		return booking.Errorf(booking.Unprocessable, "", "this Idempotency-Key was used for another request")
	}
	if now.Sub(prior.CreatedAt) > IdempotencyWindow {
		return booking.Errorf(booking.Conflict, "", "this Idempotency-Key was first used more than 24 hours ago: send a new one")
	}
	return nil
}

// made answers a create with the record as it stands.
func (o *Operator) made(ctx context.Context, key string) (Made, error) {
	b, err := o.loadRecord(ctx, key)
	if err != nil {
		return Made{}, err
	}
	if b == nil {
		return Made{}, booking.Outage(errors.New("the room's record vanished: expired since"))
	}
	if b.Room != nil {
		return Made{Room: roomView(b, b.Room, true, o.linker(ctx)), Ready: true}, nil
	}
	if f := b.Failure; f != nil && f.Permanent {
		return Made{}, booking.Errorf(booking.Unprocessable, "", "the video provider refused to make the room: %s", f.Message)
	}
	if len(b.Ended) > 0 { // deleted since, by an earlier request's DELETE
		return Made{Room: roomView(b, &b.Ended[len(b.Ended)-1], true, o.linker(ctx)), Ready: true}, nil
	}
	tag := booking.Tag{Key: b.Key, Gen: b.RoomGen + 1, Deployment: booking.DeploymentTag(o.Reconciler.Deployment)}.String()
	if b.Creating != nil {
		tag = b.Creating.Tag
	}
	return Made{Room: creatingView(b, tag)}, nil
}

// details checks a request for a hand-made room and returns the record's desired state, or an
// Invalid error naming the field at fault.
func (o *Operator) details(req NewRoom, now time.Time) (booking.Details, error) {
	end, err := endDate("endDate", req.EndDate, now)
	if err != nil {
		return booking.Details{}, err
	}
	title, err := booking.CheckText("title", req.Title, booking.MaxTitle, false)
	if err != nil {
		return booking.Details{}, err
	}
	if title == "" {
		title = defaultTitle
	}
	size := booking.Size(req.Size)
	switch size {
	case "":
		size = booking.Small
	case booking.Small, booking.Large:
	default:
		return booking.Details{}, booking.Errorf(booking.Invalid, "size", "must be %q (2-4 people) or %q (2-200 people)", booking.Small, booking.Large)
	}
	d := booking.Details{
		Title:     title,
		Start:     now,
		End:       end,
		TimeZone:  "UTC",
		Attendees: []booking.Person{},
		Room:      booking.RoomOptions{Provider: req.Provider, Size: size, DialIn: req.DialIn, NamePrefix: req.NamePrefix, Locked: req.Locked},
	}
	if p := req.Organizer; p != nil {
		if p.TimeZone != "" {
			return booking.Details{}, booking.Errorf(booking.Invalid, "organizer.timeZone", "is not taken here")
		}
		d.Organizer.Name, err = booking.CheckText("organizer.name", p.Name, booking.MaxName, false)
		if err != nil {
			return booking.Details{}, err
		}
		if d.Organizer.Email, err = booking.CheckEmail("organizer.email", p.Email); err != nil {
			return booking.Details{}, err
		}
	}
	if err := d.CheckRoom(booking.Rules{DefaultProvider: o.DefaultProvider, Providers: o.Providers, Field: apiField}); err != nil {
		return booking.Details{}, err
	}
	if !o.makesHandMade(d.Room.Provider) {
		others := "no other provider is configured"
		if ps := o.HandMadeProviders(); len(ps) > 0 {
			others = "choose another provider: " + strings.Join(ps, ", ")
		}
		return booking.Details{}, booking.Errorf(booking.Unprocessable, "provider",
			"%s makes a room only for a booking with a guest, and a room made by hand has none; %s", d.Room.Provider, others)
	}
	return d, nil
}

// makesHandMade reports whether a provider can make a room by hand: not one that makes rooms
// only for a guest (booking.GuestBound).
func (o *Operator) makesHandMade(provider string) bool {
	g, ok := o.Reconciler.Providers[provider].(booking.GuestBound)
	return !ok || !g.NeedsGuest()
}

// HandMadeProviders returns the configured providers that can make a room by hand, in the
// configured order: the console offers only these.
func (o *Operator) HandMadeProviders() []string {
	var out []string
	for _, p := range o.Providers {
		if o.makesHandMade(p) {
			out = append(out, p)
		}
	}
	return out
}

// apiField maps booking validation's generic paths ("data.room.namePrefix") to the request's.
func apiField(path string) string {
	return strings.TrimPrefix(strings.TrimPrefix(path, "data."), "room.")
}

// endDate reads an end date: RFC 3339, or "+" and a duration from now. It must be in the future
// and at most MaxAhead away.
func endDate(field, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	var end time.Time
	switch {
	case s == "":
		return time.Time{}, booking.Errorf(booking.Invalid, field, "is required: an RFC 3339 time or a duration from now such as +2h")
	case strings.HasPrefix(s, "+"):
		d, err := time.ParseDuration(s[1:])
		if err != nil || d <= 0 {
			return time.Time{}, booking.Errorf(booking.Invalid, field, "must be an RFC 3339 time or a duration from now such as +2h or +90m")
		}
		end = now.Add(d)
	default:
		t, err := booking.ParseTime(field, s)
		if err != nil {
			return time.Time{}, booking.Errorf(booking.Invalid, field, "must be an RFC 3339 time or a duration from now such as +2h or +90m")
		}
		end = t
	}
	switch {
	case !end.After(now):
		return time.Time{}, booking.Errorf(booking.Invalid, field, "must be in the future")
	case end.Sub(now) > MaxAhead:
		return time.Time{}, booking.Errorf(booking.Invalid, field, "must be at most a year ahead")
	}
	return end.UTC().Truncate(time.Second), nil
}

// externalID is the record's source id: the Idempotency-Key, or a random id without one.
func externalID(key string) (string, error) {
	if key == "" {
		return newID(), nil
	}
	if len(key) > maxIdempotencyKey || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return "", booking.Errorf(booking.Invalid, "Idempotency-Key", "must be 1 to %d printable ASCII characters", maxIdempotencyKey)
	}
	return "key:" + key, nil
}

// newID returns 128 random bits, hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestHash is the fingerprint of a request, to tell a repeat from another request under the
// same Idempotency-Key.
func requestHash(req NewRoom) string {
	b, _ := json.Marshal(req)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// manual returns the record of a hand-made room, or a Conflict naming the booking a room of a
// booking belongs to.
func manual(b *booking.Booking) error {
	if b.Source == booking.Manual {
		return nil
	}
	return booking.Errorf(booking.Conflict, "", "this room belongs to booking %s (%s %s): change or cancel the booking instead", b.Key, b.Source, b.ExternalID)
}

// ExtendRoom moves a hand-made room's end (later or earlier). A provider that moves rooms in
// place (Zoom, 24sessions) is asked to; a Whereby room keeps the end date it was made with, so
// an end it cannot reach (with the overrun allowance) is a Conflict saying the latest it allows.
func (o *Operator) ExtendRoom(ctx context.Context, roomID, end string) (Room, error) {
	now := o.Now()
	newEnd, err := endDate("endDate", end, now)
	if err != nil {
		return Room{}, err
	}
	b, room, err := o.find(ctx, roomID)
	if err != nil {
		return Room{}, err
	}
	if err := manual(b); err != nil {
		return Room{}, err
	}
	_, err = o.save(ctx, b.Key, func(b *booking.Booking) (bool, error) {
		switch {
		case b.Status == booking.Cancelled || b.Done:
			return false, booking.Errorf(booking.Conflict, "", "this room has ended")
		case b.Room == nil || room == nil || b.Room.Tag != roomID:
			return false, booking.Errorf(booking.Conflict, "", "this room is still being made: try again in a moment")
		}
		if !o.Reconciler.MovesRooms(b.Room.Provider) {
			latest := b.Room.ExpiresAt.Add(-o.Reconciler.MaxOverrun)
			if newEnd.After(latest) {
				return false, booking.Errorf(booking.Conflict, "endDate", "a %s room keeps the end date it was made with: this one can end at %s at the latest; make a new room for a later end",
					b.Room.Provider, latest.UTC().Format(time.RFC3339))
			}
		}
		b.Details.End = newEnd
		b.KeepUntil(newEnd.Add(o.Retention))
		b.DueAt = now
		return true, nil
	})
	if err != nil {
		return Room{}, err
	}
	if err := o.settle(ctx, b.Key); err != nil {
		return Room{}, err
	}
	return o.Room(ctx, roomID, false)
}

// DeleteRoom deletes a hand-made room now; one already deleted is no error. A live room is a
// Conflict unless force: deleting it ends the call for everyone in it.
func (o *Operator) DeleteRoom(ctx context.Context, roomID string, force bool) error {
	b, _, err := o.find(ctx, roomID)
	if err != nil {
		return err
	}
	if err := manual(b); err != nil {
		return err
	}
	now := o.Now()
	_, err = o.save(ctx, b.Key, func(b *booking.Booking) (bool, error) {
		if b.Status == booking.Cancelled {
			return false, nil
		}
		if b.Activity.Live() && !force {
			return false, booking.Errorf(booking.Conflict, "", "someone is in this room: delete it with force to end the call for everyone")
		}
		b.Status, b.DueAt, b.Done = booking.Cancelled, now, false
		return true, nil
	})
	if err != nil {
		return err
	}
	return o.settle(ctx, b.Key)
}

// CheckRoom checks a request for a hand-made room as CreateRoom would, without making it: an
// Invalid error names the field at fault. The chat app checks a dialog's answers with it before
// it closes the dialog, and leaves the making, which may take longer than Slack waits, to a job.
func (o *Operator) CheckRoom(req NewRoom) error {
	_, err := o.details(req, o.Now())
	return err
}

// CurrentRoom returns the room a record has now, without its host link, as the link of a
// guest who follows one of the record's /j/ links finds it; NotFound when the record has none.
func (o *Operator) CurrentRoom(ctx context.Context, key string) (Room, error) {
	b, err := o.loadRecord(ctx, key)
	if err != nil {
		return Room{}, err
	}
	if b == nil || b.Room == nil || b.Status == booking.Cancelled {
		return Room{}, errNoRoom
	}
	return roomView(b, b.Room, false, o.linker(ctx)), nil
}

// WhoIsIn returns the display names of the people in a room now, in the order they joined.
func (o *Operator) WhoIsIn(ctx context.Context, roomID string) ([]string, error) {
	b, room, err := o.find(ctx, roomID)
	if err != nil || room == nil || !room.DeletedAt.IsZero() {
		return nil, err
	}
	act := b.RoomActivity(room)
	var present []booking.Connection
	for _, c := range act.Connections {
		if c.Present() {
			present = append(present, c)
		}
	}
	slices.SortStableFunc(present, func(a, b booking.Connection) int { return a.JoinedAt.Compare(b.JoinedAt) })
	names := make([]string, 0, len(present))
	for _, c := range present {
		names = append(names, cmp.Or(strings.TrimSpace(c.Name), "someone"))
	}
	return names, nil
}
