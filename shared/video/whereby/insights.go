package whereby

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// insightsPageSize is the largest page Whereby's insights endpoints serve (default 10).
const insightsPageSize = 100

// roomSession is one result of GET /insights/room-sessions. The schema's properties are
// startedAt/endedAt while its required list names createdAt/endAt; both spellings are read.
// Figures are numbers in the schema, so they are read as such and rounded up.
type roomSession struct {
	RoomSessionID           string     `json:"roomSessionId"`
	SessionID               string     `json:"sessionId"` // seen in third-party clients; a fallback
	StartedAt               *time.Time `json:"startedAt"`
	CreatedAt               *time.Time `json:"createdAt"`
	EndedAt                 *time.Time `json:"endedAt"`
	EndAt                   *time.Time `json:"endAt"`
	TotalParticipantMinutes float64    `json:"totalParticipantMinutes"`
	TotalRecorderMinutes    float64    `json:"totalRecorderMinutes"`
	TotalStreamerMinutes    float64    `json:"totalStreamerMinutes"`
	TotalUniqueParticipants float64    `json:"totalUniqueParticipants"`
}

// RoomSessions returns Whereby's summary of every session of the room named roomName (the
// provider's room name as booking.Room.Name holds it, with its leading "/"), keyed by session id,
// following the cursor to the end. Errors are classified as for booking.Provider: a rejected key
// and other 4xx are permanent, 429 carries Whereby's delay, the rest are temporary.
func (c *Client) RoomSessions(ctx context.Context, roomName string) (map[string]booking.SessionInsight, error) {
	const op = "whereby: room session insights"
	out := map[string]booking.SessionInsight{}
	cursor := ""
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("%s: more than %d pages", op, maxPages)
		}
		q := url.Values{"roomName": {roomName}, "limit": {strconv.Itoa(insightsPageSize)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var resp struct {
			Results []json.RawMessage `json:"results"`
			Cursor  *string           `json:"cursor"`
		}
		if err := c.do(ctx, http.MethodGet, "/insights/room-sessions?"+q.Encode(), nil, &resp); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		for i, raw := range resp.Results {
			var s roomSession
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, fmt.Errorf("%s: result %d: %w", op, i, err)
			}
			in := s.insight()
			if in.SessionID == "" {
				continue // nothing to match it with
			}
			out[in.SessionID] = in
		}
		if resp.Cursor == nil || *resp.Cursor == "" {
			return out, nil
		}
		if *resp.Cursor == cursor {
			return nil, fmt.Errorf("%s: the cursor did not advance", op)
		}
		cursor = *resp.Cursor
	}
}

func (s roomSession) insight() booking.SessionInsight {
	in := booking.SessionInsight{
		SessionID:          s.RoomSessionID,
		StartedAt:          firstTime(s.StartedAt, s.CreatedAt),
		EndedAt:            firstTime(s.EndedAt, s.EndAt),
		ParticipantMinutes: whole(s.TotalParticipantMinutes),
		RecorderMinutes:    whole(s.TotalRecorderMinutes),
		StreamerMinutes:    whole(s.TotalStreamerMinutes),
		UniqueParticipants: whole(s.TotalUniqueParticipants),
	}
	if in.SessionID == "" {
		in.SessionID = s.SessionID
	}
	return in
}

// firstTime returns the first of ts that is set, in UTC, or the zero time.
func firstTime(ts ...*time.Time) time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			return t.UTC()
		}
	}
	return time.Time{}
}

// whole rounds a non-negative figure up to a whole number; negative or absurd figures are 0.
func whole(f float64) int {
	if !(f > 0) || f > math.MaxInt32 {
		return 0
	}
	return int(math.Ceil(f))
}
