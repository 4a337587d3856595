package sandbox

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GET /insights/room-sessions, as Whereby's OpenAPI in github.com/whereby/docs documents it:
// roomName required, optional roomSessionId, cursor and limit (1–100, default 10); the answer is
// {"results": [...], "cursor": string|null}. sortBy is accepted and ignored: results come oldest
// first.
//
// The sandbox keeps no usage records of its own. It reads the sessions from the webhooks it sent
// (Webhooks: the last 1000 deliveries), so without a webhook URL every room has none. Figures
// follow Whereby's rules as far as the sandbox can: a connection counts in a session for the part
// of its stay the session covers, rounded up to the whole minute; nothing is ever recorded or
// streamed, so those figures are 0; ratings are null.

const (
	insightsDefaultLimit = 10
	insightsMaxLimit     = 100
)

// insightSession is one session of a room as the webhooks told it.
type insightSession struct {
	id             string
	roomName       string
	started, ended time.Time
}

// insightStay is one connection's stay in a room.
type insightStay struct {
	joined, left time.Time // left is zero while still in
}

func (w *Whereby) roomSessionInsights(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("roomName")
	if name == "" {
		writeError(rw, http.StatusBadRequest, `"roomName" is required`)
		return
	}
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	limit, offset, msg := page(q, insightsDefaultLimit, insightsMaxLimit)
	if msg != "" {
		writeError(rw, http.StatusBadRequest, msg)
		return
	}

	now := w.now()
	sessions, stays := insightHistory(w.Webhooks(), name)
	if id := q.Get("roomSessionId"); id != "" {
		sessions = slices.DeleteFunc(sessions, func(s insightSession) bool { return s.id != id })
	}
	offset = min(offset, len(sessions))
	page := sessions[offset:min(offset+limit, len(sessions))]
	results := make([]map[string]any, 0, len(page))
	for _, s := range page {
		results = append(results, s.result(stays, now))
	}
	var cursor *string
	if next := offset + len(page); next < len(sessions) {
		c := strconv.Itoa(next)
		cursor = &c
	}
	writeJSON(rw, http.StatusOK, map[string]any{"results": results, "cursor": cursor})
}

// insightHistory reads the sessions (oldest first) and the connections of the room named name from
// the webhooks sent.
func insightHistory(sent []Webhook, name string) ([]insightSession, map[string]*insightStay) {
	byID := map[string]*insightSession{}
	var order []string
	stays := map[string]*insightStay{}
	for _, h := range sent {
		var env struct {
			Data struct {
				RoomName      string  `json:"roomName"`
				RoomSessionID *string `json:"roomSessionId"`
				ParticipantID string  `json:"participantId"`
			} `json:"data"`
		}
		if json.Unmarshal(h.Body, &env) != nil || env.Data.RoomName != name {
			continue
		}
		d := env.Data
		switch h.Type {
		case "room.session.started", "room.session.ended":
			if d.RoomSessionID == nil || *d.RoomSessionID == "" {
				continue
			}
			s := byID[*d.RoomSessionID]
			if s == nil {
				s = &insightSession{id: *d.RoomSessionID, roomName: d.RoomName}
				byID[s.id] = s
				order = append(order, s.id)
			}
			if h.Type == "room.session.started" {
				s.started = h.CreatedAt
			} else {
				s.ended = h.CreatedAt
			}
		case "room.client.joined", "room.client.left":
			st := stays[d.ParticipantID]
			if st == nil {
				st = &insightStay{}
				stays[d.ParticipantID] = st
			}
			if h.Type == "room.client.joined" {
				st.joined = h.CreatedAt
			} else {
				st.left = h.CreatedAt
			}
		}
	}
	sessions := make([]insightSession, 0, len(order))
	for _, id := range order {
		if s := byID[id]; !s.started.IsZero() {
			sessions = append(sessions, *s)
		}
	}
	slices.SortStableFunc(sessions, func(a, b insightSession) int {
		return cmp.Or(a.started.Compare(b.started), cmp.Compare(a.id, b.id))
	})
	return sessions, stays
}

// result is the session in Whereby's shape, with its figures as of now.
func (s insightSession) result(stays map[string]*insightStay, now time.Time) map[string]any {
	end := s.ended
	if end.IsZero() {
		end = now
	}
	minutes, unique := 0, 0
	for _, st := range stays {
		if st.joined.IsZero() {
			continue
		}
		left := st.left
		if left.IsZero() {
			left = now
		}
		if st.joined.After(end) || left.Before(s.started) {
			continue
		}
		unique++
		from, to := st.joined, left
		if s.started.After(from) {
			from = s.started
		}
		if end.Before(to) {
			to = end
		}
		if d := to.Sub(from); d > 0 {
			minutes += int((d + time.Minute - 1) / time.Minute)
		}
	}
	var ended any
	if !s.ended.IsZero() {
		ended = formatDate(s.ended)
	}
	return map[string]any{
		"roomSessionId":           s.id,
		"roomName":                s.roomName,
		"startedAt":               formatDate(s.started),
		"endedAt":                 ended,
		"totalParticipantMinutes": minutes,
		"totalRecorderMinutes":    0,
		"totalStreamerMinutes":    0,
		"totalUniqueParticipants": unique,
		"totalUniqueRecorders":    0,
		"totalUniqueStreamers":    0,
		"rating":                  nil,
		"totalRatings":            nil,
	}
}
