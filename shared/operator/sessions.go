package operator

import (
	"context"
	"slices"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// DialInCaller is the phone callers of a session under one display name.
type DialInCaller struct {
	DisplayName string `json:"displayName"`
	Calls       int    `json:"calls"` // connections: a caller who hangs up and calls back counts twice
}

// Session is one session of a room.
type Session struct {
	SessionID          string         `json:"sessionId"`
	StartedAt          time.Time      `json:"startedAt,omitzero"`
	EndedAt            time.Time      `json:"endedAt,omitzero"`
	Live               bool           `json:"live"`
	Participants       int            `json:"participants"`
	ParticipantMinutes int            `json:"participantMinutes"`
	DialInCallers      []DialInCaller `json:"dialInCallers"`
	RecordedMinutes    *int           `json:"recordedMinutes,omitempty"`
	StreamedMinutes    *int           `json:"streamedMinutes,omitempty"`
}

// Values of Sessions.Insights.
const (
	InsightsOK          = "ok"
	InsightsUnavailable = "unavailable"
)

// Sessions is a room's sessions.
type Sessions struct {
	RoomID   string    `json:"roomId"`
	Sessions []Session `json:"sessions"`
	// Insights says whether the provider's own figures are in ("ok") or could not be read
	// ("unavailable"); empty for a provider that has none.
	Insights string `json:"insights,omitempty"`
	// InsightsErr is why the provider's figures are missing, for the log.
	InsightsErr error `json:"-"`
}

// Sessions returns a room's sessions as its provider's webhooks reported them, oldest first,
// with the provider's recorded and streamed minutes where it reports them; also for a room that
// has been deleted, until its record expires. A provider that fails or takes longer than a few
// seconds costs only its figures (Insights says so).
func (o *Operator) Sessions(ctx context.Context, roomID string) (Sessions, error) {
	now := o.Now()
	b, room, err := o.find(ctx, roomID)
	if err != nil {
		return Sessions{}, err
	}
	out := Sessions{RoomID: roomID, Sessions: []Session{}}
	if room == nil {
		return out, nil // being made: no sessions yet
	}
	act := b.RoomActivity(room)
	for _, s := range act.Summaries(now) {
		item := Session{
			SessionID: s.ID, StartedAt: s.StartedAt, EndedAt: s.EndedAt, Live: s.Live,
			Participants: s.Participants, ParticipantMinutes: s.ParticipantMinutes, DialInCallers: []DialInCaller{},
		}
		for _, c := range s.DialInCallers {
			item.DialInCallers = append(item.DialInCallers, DialInCaller{DisplayName: c.Name, Calls: c.Calls})
		}
		out.Sessions = append(out.Sessions, item)
	}
	if insights := o.Insights[room.Provider]; insights != nil && room.Name != "" {
		ictx, cancel := context.WithTimeout(ctx, insightsTimeout)
		figures, err := insights.RoomSessions(ictx, room.Name)
		cancel()
		if err != nil {
			out.Insights, out.InsightsErr = InsightsUnavailable, err
		} else {
			out.Insights = InsightsOK
			for i := range out.Sessions {
				if f, ok := figures[out.Sessions[i].SessionID]; ok {
					out.Sessions[i].RecordedMinutes = &f.RecorderMinutes
					out.Sessions[i].StreamedMinutes = &f.StreamerMinutes
				}
			}
		}
	}
	return out, nil
}

// Participant is one connection of a session.
type Participant struct {
	ParticipantID string `json:"participantId"`
	DisplayName   string `json:"displayName"`
	// ExternalID is the externalId the participant's room link carried (Whereby): the recipient
	// id of the person whose own /j/ link they followed.
	ExternalID string    `json:"externalId,omitempty"`
	Role       string    `json:"role,omitempty"`
	Host       bool      `json:"host"`
	DialIn     bool      `json:"dialIn"`
	JoinedAt   time.Time `json:"joinedAt,omitzero"`
	LeftAt     time.Time `json:"leftAt,omitzero"`
	Present    bool      `json:"present"`
	Minutes    int       `json:"minutes"` // rounded up; a connection still open counts until now
}

// Participants is one session's connections.
type Participants struct {
	RoomID       string        `json:"roomId"`
	SessionID    string        `json:"sessionId"`
	Participants []Participant `json:"participants"`
}

// Participants returns each connection of one session of a room, in the order joined
// (booking.NoSession: the visits outside any session).
func (o *Operator) Participants(ctx context.Context, roomID, sessionID string) (Participants, error) {
	now := o.Now()
	b, room, err := o.find(ctx, roomID)
	if err != nil {
		return Participants{}, err
	}
	noSession := booking.Errorf(booking.NotFound, "", "no session with this id in the room")
	if room == nil {
		return Participants{}, noSession
	}
	act := b.RoomActivity(room)
	if !slices.ContainsFunc(act.Summaries(now), func(s booking.SessionSummary) bool { return s.ID == sessionID }) {
		return Participants{}, noSession
	}
	recorded := sessionID
	if sessionID == booking.NoSession {
		recorded = ""
	}
	out := Participants{RoomID: roomID, SessionID: sessionID, Participants: []Participant{}}
	for _, c := range act.Participants(recorded) {
		one := booking.Activity{Connections: []booking.Connection{c}}
		out.Participants = append(out.Participants, Participant{
			ParticipantID: c.ID,
			DisplayName:   c.Name,
			ExternalID:    c.ExternalID,
			Role:          c.Role,
			Host:          c.Host,
			DialIn:        c.DialIn,
			JoinedAt:      c.JoinedAt,
			LeftAt:        c.LeftAt,
			Present:       c.Present(),
			Minutes:       one.ParticipantMinutes(recorded, now),
		})
	}
	slices.SortStableFunc(out.Participants, func(a, b Participant) int { return a.JoinedAt.Compare(b.JoinedAt) })
	return out, nil
}
