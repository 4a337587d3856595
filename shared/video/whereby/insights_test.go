package whereby_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
)

// pagedInsights serves GET /v1/insights/room-sessions in pages of one result each, from results
// (JSON objects), recording each request's query.
func pagedInsights(t *testing.T, results []string) (*whereby.Client, *[]string) {
	t.Helper()
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		if r.Method != http.MethodGet || r.URL.Path != "/v1/insights/room-sessions" || r.Header.Get("Authorization") != "Bearer "+apiKey {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		i := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			fmt.Sscan(c, &i)
		}
		cursor := "null"
		if i+1 < len(results) {
			cursor = fmt.Sprintf("%q", fmt.Sprint(i+1))
		}
		page := "[]"
		if i < len(results) {
			page = "[" + results[i] + "]"
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"results":%s,"cursor":%s}`, page, cursor)
	}))
	t.Cleanup(srv.Close)
	return whereby.New(whereby.Config{APIURL: srv.URL + "/v1", APIKey: apiKey, HTTPClient: srv.Client()}), &queries
}

func TestRoomSessions(t *testing.T) {
	c, queries := pagedInsights(t, []string{
		// The documented properties.
		`{"roomSessionId":"s1","roomName":"/intro-x","startedAt":"2026-11-22T09:40:00.000Z","endedAt":"2026-11-22T10:20:00.000Z",
		  "totalParticipantMinutes":81,"totalRecorderMinutes":40,"totalStreamerMinutes":12,"totalUniqueParticipants":3,
		  "totalUniqueRecorders":1,"totalUniqueStreamers":1,"rating":null,"totalRatings":null,"someNewField":{"x":1}}`,
		// The schema's required spelling, a session still going on, a fractional figure.
		`{"roomSessionId":"s2","roomName":"/intro-x","createdAt":"2026-11-22T11:00:00+01:00","endAt":null,
		  "totalParticipantMinutes":2.2,"totalRecorderMinutes":0,"totalStreamerMinutes":0,"totalUniqueParticipants":2}`,
		// Only the third-party spelling of the id; endedAt null.
		`{"sessionId":"s3","startedAt":"2026-11-22T12:00:00Z","endedAt":null,"totalRecorderMinutes":null}`,
		// No id at all: nothing to match it with, so left out.
		`{"roomName":"/intro-x","totalRecorderMinutes":5}`,
	})
	got, err := c.RoomSessions(t.Context(), "/intro-x")
	require.NoError(t, err)
	assert.Equal(t, map[string]booking.SessionInsight{
		"s1": {SessionID: "s1", StartedAt: time.Date(2026, 11, 22, 9, 40, 0, 0, time.UTC), EndedAt: time.Date(2026, 11, 22, 10, 20, 0, 0, time.UTC),
			ParticipantMinutes: 81, RecorderMinutes: 40, StreamerMinutes: 12, UniqueParticipants: 3},
		"s2": {SessionID: "s2", StartedAt: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), ParticipantMinutes: 3, UniqueParticipants: 2},
		"s3": {SessionID: "s3", StartedAt: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)},
	}, got)
	require.Len(t, *queries, 4, "one request per page, following the cursor to its end")
	assert.Equal(t, "limit=100&roomName=%2Fintro-x", (*queries)[0], "the room name keeps its leading /")
	assert.Equal(t, "cursor=3&limit=100&roomName=%2Fintro-x", (*queries)[3])
}

func TestRoomSessionsResponses(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		permanent bool
		retry     time.Duration
		wantErr   string
	}{
		{name: "rejected key", status: http.StatusUnauthorized, body: `{"error":"Access token is missing or invalid"}`,
			permanent: true, wantErr: "rejected the API key"},
		{name: "missing room name", status: http.StatusBadRequest, body: `{"error":"\"roomName\" is required"}`,
			permanent: true, wantErr: "roomName"},
		{name: "throttled", status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "7"},
			body: `{"error":"Rate limit active","data":{"msLeft":6500}}`, retry: 6500 * time.Millisecond, wantErr: "429"},
		{name: "server error", status: http.StatusBadGateway, body: `oops`, wantErr: "502"},
		{name: "not JSON", status: http.StatusOK, body: `<html>`, wantErr: "decode response"},
		{name: "bad result", status: http.StatusOK, body: `{"results":[{"roomSessionId":7}],"cursor":null}`, wantErr: "result 0"},
		{name: "cursor stuck", status: http.StatusOK, body: `{"results":[],"cursor":"same"}`, wantErr: "did not advance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, seen := fixed(t, tt.status, tt.header, tt.body)
			_, err := c.RoomSessions(t.Context(), "/intro-x")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "room session insights", "errors name the operation")
			assert.NotContains(t, err.Error(), apiKey)
			assert.Equal(t, tt.permanent, booking.IsPermanent(err))
			assert.Equal(t, tt.retry, booking.RetryDelay(err))
			assert.Equal(t, "GET /v1/insights/room-sessions", (*seen)[0])
		})
	}
}

func TestRoomSessionsEmpty(t *testing.T) {
	c, _ := fixed(t, http.StatusOK, nil, `{"results":[],"cursor":null}`)
	got, err := c.RoomSessions(t.Context(), "/intro-x")
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.NotNil(t, got)
}

func TestRoomSessionsUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := whereby.New(whereby.Config{APIURL: srv.URL + "/v1", APIKey: apiKey}).RoomSessions(t.Context(), "/intro-x")
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err), "a refused connection is temporary")
}

// settable is a clock a test moves while a server reads it.
type settable struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settable) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settable) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func TestRoomSessionsAgainstTheSandbox(t *testing.T) {
	// The sandbox reports the sessions it sent webhooks for, so it needs somewhere to send them.
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hooks.Close)
	start := time.Now().UTC().Truncate(time.Second)
	clk := &settable{t: start}
	sb, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://rooms.test", Now: clk.Now,
		WebhookURL: hooks.URL, WebhookSecret: "wbsec_test"})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c := whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath, APIKey: apiKey, HTTPClient: srv.Client()})

	room, err := c.CreateRoom(t.Context(), roomSpec(booking.RoomOptions{Size: booking.Small}))
	require.NoError(t, err)
	_, err = sb.Join(room.Name, "Ada Host", "host", false)
	require.NoError(t, err)
	bob, err := sb.Join(room.Name, "Bob Guest", "visitor", false)
	require.NoError(t, err)
	p, err := sb.Presence(room.Name)
	require.NoError(t, err)
	clk.Add(3*time.Minute + time.Second)
	require.NoError(t, sb.Leave(room.Name, bob))

	got, err := c.RoomSessions(t.Context(), room.Name)
	require.NoError(t, err)
	assert.Equal(t, map[string]booking.SessionInsight{p.SessionID: {
		SessionID: p.SessionID, StartedAt: start, EndedAt: start.Add(3*time.Minute + time.Second),
		ParticipantMinutes: 4 + 4, UniqueParticipants: 2,
	}}, got)
	reqs := sb.Requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, sandbox.WherebyAPIPath+"/insights/room-sessions", last.Path)
	assert.Equal(t, room.Name, last.Query.Get("roomName"))
	assert.Equal(t, "Bearer "+apiKey, last.Header.Get("Authorization"))

	t.Run("a fault is classified", func(t *testing.T) {
		sb.Throttle(1, 2*time.Second)
		_, err := c.RoomSessions(t.Context(), room.Name)
		require.Error(t, err)
		assert.Equal(t, 2*time.Second, booking.RetryDelay(err))
		sb.Fail(1, http.StatusForbidden)
		_, err = c.RoomSessions(t.Context(), room.Name)
		assert.True(t, booking.IsPermanent(err))
	})
}
