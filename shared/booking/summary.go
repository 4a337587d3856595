package booking

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// NoSession is the session id under which visits outside any session (a lone visitor, who forms
// no session) are summarised. Provider session ids are never a bare "-".
const NoSession = "-"

// RoomActivity returns the part of a record's activity that happened in room. Sessions and
// connections carry the provider's room id; one recorded without it (a webhook that named only
// the room) goes where its session's other records went, else to the record's current room.
func (b *Booking) RoomActivity(room *Room) Activity {
	current := ""
	if b.Room != nil {
		current = b.Room.ID
	}
	act := &b.Activity
	sessionRoom := map[string]string{}
	for _, s := range act.Sessions {
		if s.RoomID != "" {
			sessionRoom[s.ID] = s.RoomID
		}
	}
	for _, c := range act.Connections {
		if c.SessionID != "" && c.RoomID != "" && sessionRoom[c.SessionID] == "" {
			sessionRoom[c.SessionID] = c.RoomID
		}
	}
	roomOf := func(recorded, session string) string {
		if recorded != "" {
			return recorded
		}
		if id := sessionRoom[session]; session != "" && id != "" {
			return id
		}
		return current
	}
	var out Activity
	for _, s := range act.Sessions {
		if roomOf(s.RoomID, s.ID) == room.ID {
			out.Sessions = append(out.Sessions, s)
		}
	}
	for _, c := range act.Connections {
		if roomOf(c.RoomID, c.SessionID) == room.ID {
			out.Connections = append(out.Connections, c)
		}
	}
	return out
}

// SessionSummary is one session of a room as its webhooks recorded it.
type SessionSummary struct {
	ID                 string // the provider's session id, or NoSession
	StartedAt, EndedAt time.Time
	// First is when it began: its start, else its first join. Sessions are ordered by it.
	First              time.Time
	Live               bool
	Participants       int // connections: someone who leaves and rejoins counts twice
	ParticipantMinutes int // each connection rounded up to the minute; an open one counts until now
	DialInCallers      []DialInCaller
	// Names are the participants' display names, each once, in the order they first joined.
	Names []string
}

// DialInCaller is the phone callers of a session under one display name.
type DialInCaller struct {
	Name  string
	Calls int // connections: a caller who hangs up and calls back counts twice
}

// Summaries summarises a's sessions, oldest first: those reported by session events, those known
// only from their participants (a session whose start has not arrived yet), then NoSession for
// the visits outside any session.
func (a *Activity) Summaries(now time.Time) []SessionSummary {
	var out []SessionSummary
	for _, id := range a.sessionIDs() {
		out = append(out, a.summary(id, now))
	}
	slices.SortStableFunc(out, func(x, y SessionSummary) int { return x.First.Compare(y.First) })
	return out
}

// sessionIDs returns the ids of the sessions in a, in the order first recorded, then NoSession
// when someone visited outside a session.
func (a *Activity) sessionIDs() []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, s := range a.Sessions {
		if s.ID != "" {
			add(s.ID)
		}
	}
	lone := false
	for _, c := range a.Connections {
		if c.SessionID == "" {
			lone = true
		} else {
			add(c.SessionID)
		}
	}
	if lone {
		add(NoSession)
	}
	return ids
}

// summary summarises one session. NoSession has no start or end of its own.
func (a *Activity) summary(id string, now time.Time) SessionSummary {
	recorded := id
	if id == NoSession {
		recorded = ""
	}
	sum := SessionSummary{ID: id}
	for _, s := range a.Sessions {
		if s.ID == recorded && recorded != "" {
			sum.StartedAt, sum.EndedAt = s.StartedAt, s.EndedAt
		}
	}
	conns := a.Participants(recorded)
	sum.Participants = len(conns)
	sum.ParticipantMinutes = a.ParticipantMinutes(recorded, now)
	sum.Live = recorded != "" && !sum.StartedAt.IsZero() && sum.EndedAt.IsZero()
	sum.First = sum.StartedAt
	calls := map[string]int{}
	named := map[string]bool{}
	slices.SortStableFunc(conns, func(x, y Connection) int { return x.JoinedAt.Compare(y.JoinedAt) })
	for i := range conns {
		c := &conns[i]
		if sum.StartedAt.IsZero() && !c.JoinedAt.IsZero() && (sum.First.IsZero() || c.JoinedAt.Before(sum.First)) {
			sum.First = c.JoinedAt
		}
		sum.Live = sum.Live || (c.Present() && sum.EndedAt.IsZero())
		if c.DialIn {
			calls[c.Name]++
		}
		if !named[c.Name] {
			named[c.Name] = true
			sum.Names = append(sum.Names, c.Name)
		}
	}
	for name, n := range calls {
		sum.DialInCallers = append(sum.DialInCallers, DialInCaller{Name: name, Calls: n})
	}
	slices.SortFunc(sum.DialInCallers, func(x, y DialInCaller) int { return cmp.Compare(x.Name, y.Name) })
	return sum
}

// UsageOf returns a room's figures per day in loc: the sessions that started that day (visits
// outside any session count on the day of their first join, in every figure but Sessions),
// their distinct participants by display name, participant minutes and dial-in callers, and the
// provider's recorded and streamed minutes where insights has them (by session id).
func UsageOf(room *Room, act Activity, insights map[string]SessionInsight, loc *time.Location, now time.Time) []Usage {
	byDay := map[string]*Usage{}
	names := map[string]map[string]bool{}
	var days []string
	for _, s := range act.Summaries(now) {
		if s.First.IsZero() {
			continue // nothing known of when it happened
		}
		day := s.First.In(loc).Format(time.DateOnly)
		u := byDay[day]
		if u == nil {
			u = &Usage{Day: day, RoomID: room.Tag, Provider: room.Provider}
			byDay[day], names[day] = u, map[string]bool{}
			days = append(days, day)
		}
		if s.ID != NoSession {
			u.Sessions++
		}
		u.ParticipantMinutes += s.ParticipantMinutes
		for _, c := range s.DialInCallers {
			u.DialInCallers += c.Calls
		}
		for _, n := range s.Names {
			names[day][strings.ToLower(n)] = true
		}
		if in, ok := insights[s.ID]; ok {
			u.RecordedMinutes += in.RecorderMinutes
			u.StreamedMinutes += in.StreamerMinutes
		}
	}
	slices.Sort(days)
	out := make([]Usage, 0, len(days))
	for _, day := range days {
		u := byDay[day]
		u.Participants = len(names[day])
		out = append(out, *u)
	}
	return out
}
