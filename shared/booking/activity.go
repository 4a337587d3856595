package booking

import (
	"strings"
	"time"
)

// Activity is what the video provider reported happening in a booking's rooms, from its
// webhooks: sessions, each participant connection, and guests knocking. Webhooks arrive late,
// twice and out of order, so every update here is idempotent and order-independent: a connection
// is one record filled in by whichever of its joined and left events arrives, and the first
// report of a time wins only until an earlier one arrives.
type Activity struct {
	Sessions    []Session    `json:"sessions,omitempty"`
	Connections []Connection `json:"connections,omitempty"`
	// Knock is the latest knock not yet told to the organizer; nil when none is waiting.
	Knock *Knock `json:"knock,omitempty"`
	// KnockNoticeAt is when the organizer was last e-mailed that someone is waiting.
	KnockNoticeAt time.Time `json:"knockNoticeAt,omitzero"`
	// HostSeenAt is the latest time a host was reported in a room (joining or leaving).
	HostSeenAt time.Time `json:"hostSeenAt,omitzero"`
}

// Session is a provider session: a stretch with at least two people in a room (Whereby) or a
// meeting instance (Zoom).
type Session struct {
	ID        string    `json:"id"`
	RoomID    string    `json:"roomId"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	EndedAt   time.Time `json:"endedAt,omitzero"`
	// Closed says the end closed every connection in the session (Zoom's meeting.ended), so
	// a lost left event does not keep the meeting live.
	Closed bool `json:"closed,omitempty"`
}

// Connection is one participant's stay in a room, from joining to leaving.
type Connection struct {
	ID        string `json:"id"` // the provider's participant (connection) id
	RoomID    string `json:"roomId"`
	SessionID string `json:"sessionId,omitempty"` // empty: no session (a lone visitor)
	Name      string `json:"name,omitempty"`
	// ExternalID is roomkeeper's recipient id (Person.ID) of the person the participant is: the
	// id their room link named (Whereby's externalId) when they came by their own /j/ link, or
	// the id of the person whose address the provider reported for them (Booking.Identify);
	// empty otherwise.
	ExternalID string    `json:"externalId,omitempty"`
	Role       string    `json:"role,omitempty"`
	Host       bool      `json:"host,omitempty"`   // joined with host powers
	DialIn     bool      `json:"dialIn,omitempty"` // a phone caller
	JoinedAt   time.Time `json:"joinedAt,omitzero"`
	LeftAt     time.Time `json:"leftAt,omitzero"`
	// LeftAtEnd says LeftAt is the closing end of the session, not a left event: a left event
	// that arrives later replaces it.
	LeftAtEnd bool `json:"leftAtEnd,omitempty"`
	// Unpaired says the provider named no participant (RoomEvent.Unpaired): the connection holds
	// one event and its other end will never be matched to it, so an open one is not taken as
	// someone in the room.
	Unpaired bool `json:"unpaired,omitempty"`
}

// Knock is a guest waiting to be let into a locked room.
type Knock struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

// RoomEventKind is the kind of a provider room event.
type RoomEventKind string

// Room event kinds every provider's webhooks map onto.
const (
	SessionStarted RoomEventKind = "session.started"
	SessionEnded   RoomEventKind = "session.ended"
	Joined         RoomEventKind = "joined"
	Left           RoomEventKind = "left"
	Knocked        RoomEventKind = "knocked"
	KnockCancelled RoomEventKind = "knock.cancelled"
)

// RoomEvent is one provider webhook event, in provider-neutral terms. As the store keeps it
// (ActivityItem) it holds neither the room's name nor an address.
type RoomEvent struct {
	Kind      RoomEventKind `json:"kind"`
	At        time.Time     `json:"at"`                  // when it happened, by the provider's clock
	RoomID    string        `json:"roomId,omitempty"`    // the provider's room id (Whereby meetingId), if given
	RoomName  string        `json:"-"`                   // the provider's room name, carrying roomkeeper's tag
	SessionID string        `json:"sessionId,omitempty"` // empty when there is no session
	// For Joined, Left and Knocked:
	ParticipantID string `json:"participantId,omitempty"`
	Name          string `json:"name,omitempty"`
	ExternalID    string `json:"externalId,omitempty"` // Whereby's externalId, from the room link's parameter; optional
	// Email is the participant's address where the provider reports one (a Zoom registrant's):
	// Booking.Identify turns it into the ExternalID of the person on the booking with that
	// address. It is never stored.
	Email  string `json:"-"`
	Role   string `json:"role,omitempty"`
	Host   bool   `json:"host,omitempty"`
	DialIn bool   `json:"dialIn,omitempty"`
	// Closes, on SessionEnded, says everyone left when the session ended (Zoom's meeting.ended).
	// Whereby's session end does not: it means fewer than two are in, and one may remain.
	Closes bool `json:"closes,omitempty"`
	// Unpaired, on Joined and Left, says the provider named no participant (Whereby's published
	// room.client.joined example has no participantId): ParticipantID is then the delivery's
	// own, so the event is recorded once, but a join cannot be paired with its leave.
	Unpaired bool `json:"unpaired,omitempty"`
}

// Apply records e. It returns false when e changes nothing (a duplicate).
func (a *Activity) Apply(e RoomEvent) bool {
	switch e.Kind {
	case SessionStarted, SessionEnded:
		s := a.session(e.SessionID, e.RoomID)
		before := *s
		if e.Kind == SessionStarted {
			s.StartedAt = earliest(s.StartedAt, e.At)
		} else {
			s.EndedAt = latest(s.EndedAt, e.At)
			s.Closed = s.Closed || e.Closes
		}
		changed := *s != before
		placed := a.placeInSessions()
		return a.closeEnded() || placed || changed
	case Joined, Left:
		c := a.connection(e)
		before := *c
		if e.Name != "" {
			c.Name = e.Name
		}
		if e.ExternalID != "" {
			c.ExternalID = e.ExternalID
		}
		if e.Role != "" {
			c.Role = e.Role
		}
		c.Host = c.Host || e.Host
		c.DialIn = c.DialIn || e.DialIn
		if c.SessionID == "" {
			c.SessionID = e.SessionID
		}
		switch {
		case e.Kind == Joined:
			c.JoinedAt = earliest(c.JoinedAt, e.At)
		case c.LeftAtEnd:
			c.LeftAt, c.LeftAtEnd = e.At, false
		default:
			c.LeftAt = latest(c.LeftAt, e.At)
		}
		if c.Host {
			a.HostSeenAt = latest(a.HostSeenAt, e.At)
		}
		// A knock is answered once a host has been in the room since, or the knocker joined. A
		// host leaving at the very instant of the knock was not in the room after it, whichever
		// of the two is applied first.
		if k := a.Knock; k != nil {
			since := !e.At.Before(k.At)
			if e.Kind == Left {
				since = e.At.After(k.At)
			}
			if since && (c.Host || (e.Kind == Joined && c.Name == k.Name)) {
				a.Knock = nil
			}
		}
		changed := *c != before
		placed := a.placeInSessions()
		return a.closeEnded() || placed || changed
	case Knocked:
		if a.Knock != nil && !e.At.After(a.Knock.At) {
			return false
		}
		if !a.KnockNoticeAt.IsZero() && !e.At.After(a.KnockNoticeAt) {
			return false // told already
		}
		a.Knock = &Knock{Name: e.Name, At: e.At}
		return true
	case KnockCancelled:
		if a.Knock == nil || e.At.Before(a.Knock.At) {
			return false
		}
		a.Knock = nil
		return true
	}
	return false
}

func (a *Activity) session(id, room string) *Session {
	for i := range a.Sessions {
		if a.Sessions[i].ID == id {
			if a.Sessions[i].RoomID == "" {
				a.Sessions[i].RoomID = room
			}
			return &a.Sessions[i]
		}
	}
	a.Sessions = append(a.Sessions, Session{ID: id, RoomID: room})
	return &a.Sessions[len(a.Sessions)-1]
}

func (a *Activity) connection(e RoomEvent) *Connection {
	for i := range a.Connections {
		if a.Connections[i].ID == e.ParticipantID {
			return &a.Connections[i]
		}
	}
	a.Connections = append(a.Connections, Connection{ID: e.ParticipantID, RoomID: e.RoomID, Unpaired: e.Unpaired})
	return &a.Connections[len(a.Connections)-1]
}

// placeInSessions puts connections reported outside any session into the session of their room
// their stay overlaps. Whereby reports the first person in with no session (a session needs two),
// often on both their joined and left events, and they are usually the host: without this their
// minutes would be missing from the session. It reports whether it changed anything.
func (a *Activity) placeInSessions() bool {
	changed := false
	for i := range a.Connections {
		c := &a.Connections[i]
		if c.SessionID != "" || c.JoinedAt.IsZero() {
			continue
		}
		for _, s := range a.Sessions {
			if s.StartedAt.IsZero() || (s.RoomID != "" && c.RoomID != "" && s.RoomID != c.RoomID) {
				continue
			}
			startsBeforeLeaving := c.LeftAt.IsZero() || !s.StartedAt.After(c.LeftAt)
			endsAfterJoining := s.EndedAt.IsZero() || !s.EndedAt.Before(c.JoinedAt)
			if startsBeforeLeaving && endsAfterJoining {
				c.SessionID = s.ID
				changed = true
				break
			}
		}
	}
	return changed
}

// closeEnded ends, at the session's end, every connection still open in a session whose end
// closed it, whichever order the events came in. It reports whether it changed anything.
func (a *Activity) closeEnded() bool {
	changed := false
	for _, s := range a.Sessions {
		if !s.Closed || s.EndedAt.IsZero() {
			continue
		}
		for i := range a.Connections {
			c := &a.Connections[i]
			if c.SessionID == s.ID && c.LeftAt.IsZero() && !c.JoinedAt.After(s.EndedAt) {
				c.LeftAt, c.LeftAtEnd = s.EndedAt, true
				changed = true
			}
		}
	}
	return changed
}

// Present reports whether a connection is in the room: it joined and has not been reported
// leaving. An unpaired join never is: its leave cannot be matched to it, and taking it as present
// would keep the room live until the overrun cap.
func (c *Connection) Present() bool {
	return !c.Unpaired && !c.JoinedAt.IsZero() && c.LeftAt.IsZero()
}

// Live reports whether a meeting is going on: a session has started and not ended, or someone
// is still connected. A lone visitor counts: they may be waiting for the others.
func (a *Activity) Live() bool {
	for _, s := range a.Sessions {
		if !s.StartedAt.IsZero() && s.EndedAt.IsZero() {
			return true
		}
	}
	for i := range a.Connections {
		if a.Connections[i].Present() {
			return true
		}
	}
	return false
}

// HostPresent reports whether someone with host powers is in a room now.
func (a *Activity) HostPresent() bool {
	for i := range a.Connections {
		if c := &a.Connections[i]; c.Host && c.Present() {
			return true
		}
	}
	return false
}

// LastEnd is when the last session ended or the last participant left; zero if nothing has.
func (a *Activity) LastEnd() time.Time {
	var t time.Time
	for _, s := range a.Sessions {
		t = latest(t, s.EndedAt)
	}
	for _, c := range a.Connections {
		t = latest(t, c.LeftAt)
	}
	return t
}

// KnockToTell returns the waiting guest the organizer should be e-mailed about: a knock with no
// host in the room, and no notice since a host was last seen — so at most one e-mail per
// stretch without a host.
func (a *Activity) KnockToTell() *Knock {
	if a.Knock == nil || a.HostPresent() {
		return nil
	}
	if !a.KnockNoticeAt.IsZero() && !a.HostSeenAt.After(a.KnockNoticeAt) {
		return nil
	}
	return a.Knock
}

// Participants returns a session's connections ("" for visits outside any session).
func (a *Activity) Participants(sessionID string) []Connection {
	var out []Connection
	for _, c := range a.Connections {
		if c.SessionID == sessionID {
			out = append(out, c)
		}
	}
	return out
}

// ParticipantMinutes sums a session's connections, each rounded up to the whole minute
// (Whereby's rule). A connection still open counts until now; an unpaired one, whose end is
// unknown, not at all.
func (a *Activity) ParticipantMinutes(sessionID string, now time.Time) int {
	total := 0
	for _, c := range a.Participants(sessionID) {
		if c.JoinedAt.IsZero() || (c.Unpaired && c.LeftAt.IsZero()) {
			continue
		}
		end := c.LeftAt
		if end.IsZero() {
			end = now
		}
		if d := end.Sub(c.JoinedAt); d > 0 {
			total += int((d + time.Minute - 1) / time.Minute)
		}
	}
	return total
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// SessionInsight is a provider's own usage summary of one room session (Whereby: GET
// /insights/room-sessions of its OpenAPI in github.com/whereby/docs), shown beside what the
// webhooks recorded. Minutes are whole minutes, each connection rounded up.
type SessionInsight struct {
	SessionID          string    // the provider's session id, as its webhooks carry it
	StartedAt          time.Time // zero when the provider gives none
	EndedAt            time.Time // zero while the session goes on
	ParticipantMinutes int
	RecorderMinutes    int // minutes a cloud recorder was in the session
	StreamerMinutes    int // minutes a live streamer was in the session
	UniqueParticipants int
}

// Identify names the person on the booking that e's participant is, by the address the provider
// reported (a Zoom registrant's e-mail): an event that names no recipient id of its own gets the
// id of the organizer or attendee with that address, compared ignoring case. The address itself
// is dropped either way, so no record keeps it.
func (b *Booking) Identify(e RoomEvent) RoomEvent {
	addr := strings.TrimSpace(e.Email)
	e.Email = ""
	if e.ExternalID != "" || addr == "" {
		return e
	}
	d := &b.Details
	for _, p := range append([]Person{d.Organizer}, d.Attendees...) {
		if p.ID != "" && strings.EqualFold(p.Email, addr) {
			e.ExternalID = p.ID
			break
		}
	}
	return e
}
