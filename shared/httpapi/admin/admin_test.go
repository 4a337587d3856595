package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
)

// adminToken and oldToken are admin tokens of more than 128 random bits (access.CheckToken).
const (
	adminToken = "Qm7vX2kR9pLw4Tz8Nn3Yc6Hb1Jd5Fg0KsUe"
	oldToken   = "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"
)

// adminSecrets serves the admin token: cached until a fresh read, which picks up current.
type adminSecrets struct {
	cached, current string
	err             error
	fresh           int
}

func (s *adminSecrets) Secret(_ context.Context, name string, fresh bool) (string, error) {
	if name != Token {
		return "", nil
	}
	if s.err != nil {
		return "", s.err
	}
	if fresh {
		s.fresh++
		s.cached = s.current
	}
	return s.cached, nil
}

// fakeInsights answers RoomSessions from figures per room name, or fails with err.
type fakeInsights struct {
	figures map[string]map[string]booking.SessionInsight
	err     error
	calls   []string
}

func (f *fakeInsights) RoomSessions(_ context.Context, roomName string) (map[string]booking.SessionInsight, error) {
	f.calls = append(f.calls, roomName)
	if f.err != nil {
		return nil, f.err
	}
	return f.figures[roomName], nil
}

func get(t *testing.T, s *server, target, token string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return serve(s, r)
}

// getJSON requests target with the admin token, requires a 200 and decodes the answer into v.
func getJSON(t *testing.T, s *server, target string, v any) string {
	t.Helper()
	w := get(t, s, target, adminToken)
	require.Equal(t, http.StatusOK, w.Code, "GET %s: %s", target, w.Body)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), v))
	return w.Body.String()
}

func errorOf(t *testing.T, w *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var body struct{ Error errorBody }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), w.Body.String())
	return body.Error
}

// fixture is a store holding bookings with rooms and recorded activity, at a fixed now.
type fixture struct {
	s   *server
	st  *bolt.Store
	now time.Time

	a, b *booking.Booking // a: a meeting going on, with a replaced room; b: a later Zoom meeting
}

func room(key string, gen int, provider, id string) booking.Room {
	tag := booking.Tag{Key: key, Gen: gen, Deployment: booking.DeploymentTag("test")}.String()
	name := "/intro-" + tag + "-5d1c"
	return booking.Room{
		Provider:  provider,
		ID:        id,
		Name:      name,
		Tag:       tag,
		GuestURL:  "https://rooms.test" + name,
		HostURL:   "https://rooms.test" + name + "?roomKey=HOSTKEY-" + id,
		ExpiresAt: time.Date(2026, 11, 29, 10, 30, 0, 0, time.UTC),
		DialIn: &booking.DialIn{Code: "1234567890", Numbers: []booking.PhoneNumber{
			{E164: "+12125550100", Country: "US", Tel: "tel:+12125550100,1234567890"},
		}},
	}
}

func put(t *testing.T, st *bolt.Store, b *booking.Booking) {
	t.Helper()
	require.NoError(t, st.Put(context.Background(), b))
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, st, now := newServer(t, &adminSecrets{cached: adminToken, current: adminToken})
	f := &fixture{s: s, st: st, now: now}
	min := func(m float64) time.Time { return now.Add(time.Duration(m * float64(time.Minute))) }

	// a: booked from 9:30 to 10:30, rescheduled once (room 1 replaced by room 2, not yet deleted).
	keyA := booking.KeyOf("generic", "bk_a")
	cur, old := room(keyA, 2, "whereby", "m2"), room(keyA, 1, "whereby", "m1")
	a := &booking.Booking{
		Key: keyA, Source: "generic", ExternalID: "bk_a", UID: "uid-a", Status: booking.Confirmed, Sequence: 1,
		Details: booking.Details{
			Title: "Intro call", Start: min(-30), End: min(30), TimeZone: "Europe/Oslo",
			Organizer: booking.Person{Name: "Ada Host", Email: "ada@example.com"},
			Attendees: []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}},
			Room:      booking.RoomOptions{Provider: "whereby", Size: booking.Small, DialIn: true},
		},
		Room: &cur, Retired: []booking.Room{old}, RoomGen: 2,
		Invites: []booking.Invite{
			{Person: booking.Person{Name: "Ada Host", Email: "ada@example.com"}, Organizer: true, Sequence: 1, Method: booking.Request, SentAt: min(-60)},
			{Person: booking.Person{Name: "Bob Guest", Email: "bob@example.net"}, Sequence: 1, Method: booking.Request, SentAt: min(-60)},
		},
		Failure:            &booking.Failure{Message: "delete whereby room m1: whereby answered 503", At: min(-1)},
		PossibleDuplicates: 1,
		DueAt:              min(2),
		CreatedAt:          min(-120), UpdatedAt: min(-1),
	}
	for _, e := range []booking.RoomEvent{
		// The replaced room: one finished session.
		{Kind: booking.SessionStarted, At: min(-50), RoomID: "m1", SessionID: "s0"},
		{Kind: booking.Joined, At: min(-50), RoomID: "m1", SessionID: "s0", ParticipantID: "p0", Name: "Ada Host", Role: "host", Host: true},
		{Kind: booking.Left, At: min(-45), RoomID: "m1", SessionID: "s0", ParticipantID: "p0"},
		{Kind: booking.SessionEnded, At: min(-45), RoomID: "m1", SessionID: "s0"},
		// The current room: a lone early visitor, who forms no session.
		{Kind: booking.Joined, At: min(-40), RoomID: "m2", ParticipantID: "lone", Name: "Early Bird", Role: "visitor"},
		{Kind: booking.Left, At: min(-38), RoomID: "m2", ParticipantID: "lone"},
		// The session going on, reported out of order: Bob leaves before he joins.
		{Kind: booking.Left, At: min(-10), RoomID: "m2", SessionID: "s1", ParticipantID: "p2"},
		{Kind: booking.SessionStarted, At: min(-19.5), RoomID: "m2", SessionID: "s1"},
		{Kind: booking.SessionStarted, At: min(-20), RoomID: "m2", SessionID: "s1"}, // reported twice, the earlier time later
		{Kind: booking.Joined, At: min(-20), RoomID: "m2", SessionID: "s1", ParticipantID: "p1", Name: "Ada Host", Role: "host", Host: true},
		{Kind: booking.Joined, At: min(-19.5), RoomID: "m2", SessionID: "s1", ParticipantID: "p2", Name: "Bob Guest", Role: "visitor"},
		// A phone caller who hung up after a second and called back.
		{Kind: booking.Joined, At: min(-15), RoomID: "m2", SessionID: "s1", ParticipantID: "p3", Name: "Phone caller", Role: "visitor", DialIn: true},
		{Kind: booking.Left, At: min(-15).Add(time.Second), RoomID: "m2", SessionID: "s1", ParticipantID: "p3"},
		{Kind: booking.Joined, At: min(-5), RoomID: "m2", SessionID: "s1", ParticipantID: "p4", Name: "Phone caller", Role: "visitor", DialIn: true},
		{Kind: booking.Joined, At: min(-4), RoomID: "m2", SessionID: "s1", ParticipantID: "p5", Name: "Cy Dialer", Role: "visitor", DialIn: true},
		{Kind: booking.Left, At: min(-3), RoomID: "m2", SessionID: "s1", ParticipantID: "p5"},
		// A webhook without meetingId, for a session whose start has not arrived.
		{Kind: booking.Joined, At: min(-1), SessionID: "s2", ParticipantID: "p6", Name: "Dee", Role: "visitor"},
	} {
		// Recorded the way records stored before activity items hold it: in the record.
		require.True(t, a.Embedded.Apply(e), "event %+v", e)
	}
	put(t, st, a)

	// b: a Zoom meeting tomorrow, nothing happened yet.
	keyB := booking.KeyOf("calcom", "uid:b/1")
	zr := room(keyB, 1, "zoom", "8812345")
	zr.DialIn = nil
	b := &booking.Booking{
		Key: keyB, Source: "calcom", ExternalID: "uid:b/1", Status: booking.Confirmed, Sequence: 0,
		Details: booking.Details{Title: "Review", Start: min(24 * 60), End: min(25 * 60),
			Organizer: booking.Person{Email: "ada@example.com"}, Attendees: []booking.Person{{Email: "cy@example.org"}},
			Room: booking.RoomOptions{Provider: "zoom", Size: booking.Large}},
		Room: &zr, RoomGen: 1,
		DueAt: min(25*60 + 15),
	}
	put(t, st, b)

	// Bookings without a room: one still creating it (due now), one cleaned up (nothing due).
	put(t, st, &booking.Booking{Key: booking.KeyOf("generic", "bk_c"), Source: "generic", ExternalID: "bk_c",
		Status: booking.Confirmed, Details: booking.Details{Title: "Pending", Start: min(60), End: min(90)}, DueAt: now})
	put(t, st, &booking.Booking{Key: booking.KeyOf("generic", "bk_d"), Source: "generic", ExternalID: "bk_d",
		Status: booking.Confirmed, Details: booking.Details{Title: "Over", Start: min(-300), End: min(-240)}, Done: true})

	f.a, f.b = a, b
	return f
}

func TestAdminAuth(t *testing.T) {
	routes := []string{
		"/v1/rooms",
		"/v1/rooms/" + booking.Tag{Key: booking.KeyOf("generic", "bk_a"), Gen: 2, Deployment: booking.DeploymentTag("test")}.String() + "/sessions",
		"/v1/rooms/" + booking.Tag{Key: booking.KeyOf("generic", "bk_a"), Gen: 2, Deployment: booking.DeploymentTag("test")}.String() + "/sessions/s1/participants",
		"/v1/bookings/" + booking.KeyOf("generic", "bk_a"),
	}
	tests := []struct {
		name       string
		secrets    *adminSecrets
		header     string // Authorization; "" sends none
		wantStatus int
		wantCode   string
		wantAuth   string // WWW-Authenticate
		wantFresh  int
	}{
		{name: "not configured", secrets: &adminSecrets{}, header: "Bearer " + adminToken,
			wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "no token", secrets: &adminSecrets{cached: adminToken, current: adminToken},
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized", wantAuth: `Bearer realm="roomkeeper"`},
		{name: "empty bearer", secrets: &adminSecrets{cached: adminToken, current: adminToken}, header: "Bearer ",
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized", wantAuth: `Bearer realm="roomkeeper"`},
		{name: "other scheme", secrets: &adminSecrets{cached: adminToken, current: adminToken}, header: "Basic " + adminToken,
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized", wantAuth: `Bearer realm="roomkeeper"`},
		{name: "wrong token", secrets: &adminSecrets{cached: adminToken, current: adminToken}, header: "Bearer " + adminToken + "x",
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized",
			wantAuth: `Bearer realm="roomkeeper", error="invalid_token"`, wantFresh: 1},
		{name: "prefix of the token", secrets: &adminSecrets{cached: adminToken, current: adminToken}, header: "Bearer " + adminToken[:8],
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized",
			wantAuth: `Bearer realm="roomkeeper", error="invalid_token"`, wantFresh: 1},
		{name: "right token", secrets: &adminSecrets{cached: adminToken, current: adminToken}, header: "Bearer " + adminToken,
			wantStatus: http.StatusOK},
		{name: "scheme in lower case", secrets: &adminSecrets{cached: adminToken, current: adminToken}, header: "bearer " + adminToken,
			wantStatus: http.StatusOK},
		{name: "rotated token read fresh", secrets: &adminSecrets{cached: oldToken, current: adminToken}, header: "Bearer " + adminToken,
			wantStatus: http.StatusOK, wantFresh: 1},
		{name: "old token after rotation", secrets: &adminSecrets{cached: oldToken, current: adminToken}, header: "Bearer " + oldToken,
			wantStatus: http.StatusOK},
		{name: "secrets unreachable", secrets: &adminSecrets{err: errors.New("dial tcp 10.0.0.9:443: i/o timeout")}, header: "Bearer " + adminToken,
			wantStatus: http.StatusServiceUnavailable, wantCode: "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for i, route := range routes {
				secrets := *tt.secrets // each route starts from the same cache
				f.s.Admin.Access.Secrets = &secrets
				r := httptest.NewRequest(http.MethodGet, route, nil)
				r.RemoteAddr = fmt.Sprintf("192.0.2.%d:1234", i+1) // the limiter is tested on its own
				if tt.header != "" {
					r.Header.Set("Authorization", tt.header)
				}
				w := serve(f.s, r)
				require.Equal(t, tt.wantStatus, w.Code, "%s: %s", route, w.Body)
				assert.Equal(t, tt.wantAuth, w.Header().Get("WWW-Authenticate"), route)
				assert.Equal(t, tt.wantFresh, secrets.fresh, "fresh reads for %s", route)
				if tt.wantCode != "" {
					assert.Equal(t, tt.wantCode, errorOf(t, w).Code, route)
					assert.NotContains(t, w.Body.String(), "10.0.0.9", "internal detail stays in the log")
				}
			}
		})
	}
}

func TestListRooms(t *testing.T) {
	f := newFixture(t)
	var got struct {
		Rooms []struct {
			RoomID  string `json:"roomId"`
			HostURL string `json:"hostUrl"`
			Retired bool   `json:"retired"`
			Live    bool   `json:"live"`
			Booking struct{ Key string }
		} `json:"rooms"`
		NextCursor string `json:"nextCursor"`
	}
	body := getJSON(t, f.s, "/v1/rooms", &got)

	// Sorted by start: a's rooms (the current one, then the one it replaced), then b's. Bookings
	// without a room are not listed, nor are ended ones.
	require.Len(t, got.Rooms, 3, body)
	assert.Equal(t, []string{f.a.Room.Tag, f.a.Retired[0].Tag, f.b.Room.Tag},
		[]string{got.Rooms[0].RoomID, got.Rooms[1].RoomID, got.Rooms[2].RoomID})
	assert.False(t, got.Rooms[0].Retired)
	assert.True(t, got.Rooms[1].Retired)
	assert.True(t, got.Rooms[0].Live, "a session is going on in the current room")
	assert.False(t, got.Rooms[1].Live, "the replaced room's session ended")
	assert.False(t, got.Rooms[2].Live)
	assert.Empty(t, got.NextCursor, "one page")
	assert.NotContains(t, body, "roomKey", "no host link unless asked for")
	assert.NotContains(t, body, "hostUrl")

	// The whole shape of one entry.
	var raw struct{ Rooms []json.RawMessage }
	require.NoError(t, json.Unmarshal([]byte(body), &raw))
	tag := f.a.Room.Tag
	assert.JSONEq(t, `{
		"roomId": "`+tag+`",
		"kind": "booking",
		"state": "active",
		"provider": "whereby",
		"size": "small",
		"roomName": "/intro-`+tag+`-5d1c",
		"guestUrl": "https://rooms.test/intro-`+tag+`-5d1c",
		"expiresAt": "2026-11-29T10:30:00Z",
		"dialIn": {"numbers": [{"e164": "+12125550100", "country": "US", "tel": "tel:+12125550100,1234567890"}], "code": "1234567890"},
		"live": true,
		"inRoom": 3,
		"booking": {"key": "`+f.a.Key+`", "source": "generic", "externalId": "bk_a", "status": "confirmed"},
		"title": "Intro call",
		"start": "2026-11-22T09:30:00Z",
		"end": "2026-11-22T10:30:00Z"
	}`, string(raw.Rooms[0]))

	t.Run("host links on request", func(t *testing.T) {
		for _, q := range []string{"?include=hostUrl", "?include=hostUrl,", "?include=&include=hostUrl"} {
			body := getJSON(t, f.s, "/v1/rooms"+q, &got)
			require.Len(t, got.Rooms, 3)
			assert.Equal(t, f.a.Room.HostURL, got.Rooms[0].HostURL, q)
			assert.Equal(t, f.a.Retired[0].HostURL, got.Rooms[1].HostURL, q)
			assert.Equal(t, f.b.Room.HostURL, got.Rooms[2].HostURL, q)
			assert.Contains(t, body, "roomKey")
		}
	})

	t.Run("unknown include", func(t *testing.T) {
		w := get(t, f.s, "/v1/rooms?include=hostUrl,secrets", adminToken)
		require.Equal(t, http.StatusBadRequest, w.Code)
		e := errorOf(t, w)
		assert.Equal(t, "invalid", e.Code)
		assert.Equal(t, "include", e.Field)
	})
}

// listStore fails its lists, as an unreachable table would.
type listStore struct{ booking.Store }

func (listStore) List(context.Context, booking.ListQuery) (booking.ListPage, error) {
	return booking.ListPage{}, errors.New("dial tcp 10.0.0.7:8000: connection refused")
}

func TestListRoomsPagesAndOutage(t *testing.T) {
	t.Run("pages", func(t *testing.T) {
		f := newFixture(t)
		var seen []string
		cursor := ""
		for range 5 {
			var got struct {
				Rooms      []struct{ RoomID string } `json:"rooms"`
				NextCursor string                    `json:"nextCursor"`
			}
			getJSON(t, f.s, "/v1/rooms?limit=1&cursor="+url.QueryEscape(cursor), &got)
			for _, r := range got.Rooms {
				seen = append(seen, r.RoomID)
			}
			if cursor = got.NextCursor; cursor == "" {
				break
			}
		}
		assert.Equal(t, []string{f.a.Room.Tag, f.a.Retired[0].Tag, f.b.Room.Tag}, seen, "every room once, in order, a booking a page")
	})
	t.Run("bad paging", func(t *testing.T) {
		f := newFixture(t)
		for q, field := range map[string]string{"?limit=0": "limit", "?limit=101": "limit", "?limit=x": "limit", "?cursor=!!!": "cursor", "?state=open": "state"} {
			w := get(t, f.s, "/v1/rooms"+q, adminToken)
			assert.Equal(t, http.StatusBadRequest, w.Code, q)
			assert.Equal(t, field, errorOf(t, w).Field, q)
		}
	})
	t.Run("store unavailable", func(t *testing.T) {
		f := newFixture(t)
		f.s.Admin.Operator.Store = listStore{f.st}
		w := get(t, f.s, "/v1/rooms", adminToken)
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Equal(t, "unavailable", errorOf(t, w).Code)
		assert.NotContains(t, w.Body.String(), "10.0.0.7")
	})
}

type sessionsAnswer struct {
	RoomID   string `json:"roomId"`
	Sessions []struct {
		SessionID          string     `json:"sessionId"`
		StartedAt          *time.Time `json:"startedAt"`
		EndedAt            *time.Time `json:"endedAt"`
		Live               bool       `json:"live"`
		Participants       int        `json:"participants"`
		ParticipantMinutes int        `json:"participantMinutes"`
		DialInCallers      []struct {
			DisplayName string `json:"displayName"`
			Calls       int    `json:"calls"`
		} `json:"dialInCallers"`
		RecordedMinutes *int `json:"recordedMinutes"`
		StreamedMinutes *int `json:"streamedMinutes"`
	} `json:"sessions"`
	Insights *string `json:"insights"`
}

func TestListSessions(t *testing.T) {
	f := newFixture(t)
	var got sessionsAnswer
	body := getJSON(t, f.s, "/v1/rooms/"+f.a.Room.Tag+"/sessions", &got)
	assert.Equal(t, f.a.Room.Tag, got.RoomID)
	assert.Nil(t, got.Insights, "no insights configured: %s", body)
	require.Len(t, got.Sessions, 3, body)

	// Oldest first, by start or, without one, by first join: the lone visit, then s1, then s2.
	lone, s1, s2 := got.Sessions[0], got.Sessions[1], got.Sessions[2]
	assert.Equal(t, booking.NoSession, lone.SessionID)
	assert.Nil(t, lone.StartedAt)
	assert.Equal(t, 1, lone.Participants)
	assert.Equal(t, 2, lone.ParticipantMinutes)
	assert.False(t, lone.Live)

	assert.Equal(t, "s1", s1.SessionID)
	require.NotNil(t, s1.StartedAt)
	assert.Equal(t, f.now.Add(-20*time.Minute), *s1.StartedAt, "the earliest report of the start wins")
	assert.Nil(t, s1.EndedAt)
	assert.True(t, s1.Live)
	assert.Equal(t, 5, s1.Participants, "distinct connections, a caller calling back counted twice")
	// Ada 20 (open, until now) + Bob 9.5→10 + caller 1 s→1 + caller again 5 (open) + Cy 1.
	assert.Equal(t, 37, s1.ParticipantMinutes)
	require.Len(t, s1.DialInCallers, 2)
	assert.Equal(t, "Cy Dialer", s1.DialInCallers[0].DisplayName)
	assert.Equal(t, 1, s1.DialInCallers[0].Calls)
	assert.Equal(t, "Phone caller", s1.DialInCallers[1].DisplayName)
	assert.Equal(t, 2, s1.DialInCallers[1].Calls)
	assert.Nil(t, s1.RecordedMinutes)
	assert.NotContains(t, body, "recordedMinutes")

	// Known only from a participant whose webhook named no room id: given to the current room.
	assert.Equal(t, "s2", s2.SessionID)
	assert.Nil(t, s2.StartedAt)
	assert.True(t, s2.Live)
	assert.Equal(t, 1, s2.Participants)
	assert.Equal(t, 1, s2.ParticipantMinutes)
	assert.NotNil(t, s2.DialInCallers, "always a list")
	assert.Empty(t, s2.DialInCallers)

	t.Run("replaced room", func(t *testing.T) {
		var got sessionsAnswer
		getJSON(t, f.s, "/v1/rooms/"+f.a.Retired[0].Tag+"/sessions", &got)
		require.Len(t, got.Sessions, 1)
		s0 := got.Sessions[0]
		assert.Equal(t, "s0", s0.SessionID)
		assert.Equal(t, f.now.Add(-50*time.Minute), *s0.StartedAt)
		assert.Equal(t, f.now.Add(-45*time.Minute), *s0.EndedAt)
		assert.False(t, s0.Live)
		assert.Equal(t, 1, s0.Participants)
		assert.Equal(t, 5, s0.ParticipantMinutes)
	})

	t.Run("room without activity", func(t *testing.T) {
		var got sessionsAnswer
		body := getJSON(t, f.s, "/v1/rooms/"+f.b.Room.Tag+"/sessions", &got)
		assert.JSONEq(t, `{"roomId": "`+f.b.Room.Tag+`", "sessions": []}`, body)
	})
}

func TestListSessionsInsights(t *testing.T) {
	f := newFixture(t)
	twelve := 12
	tests := []struct {
		name         string
		insights     *fakeInsights
		room         func() *booking.Room
		wantInsights string // "" for absent
		wantRecorded *int
		wantCalls    int
	}{
		{
			name: "present",
			insights: &fakeInsights{figures: map[string]map[string]booking.SessionInsight{f.a.Room.Name: {
				"s1":    {SessionID: "s1", RecorderMinutes: 12, StreamerMinutes: 0, ParticipantMinutes: 40},
				"other": {SessionID: "other", RecorderMinutes: 99},
			}}},
			room:         func() *booking.Room { return f.a.Room },
			wantInsights: "ok", wantRecorded: &twelve, wantCalls: 1,
		},
		{
			name:         "failing",
			insights:     &fakeInsights{err: errors.New("whereby: room session insights: whereby answered 503")},
			room:         func() *booking.Room { return f.a.Room },
			wantInsights: "unavailable", wantCalls: 1,
		},
		{
			name:     "not a Whereby room",
			insights: &fakeInsights{err: errors.New("must not be called")},
			room:     func() *booking.Room { return f.b.Room },
		},
		{
			name: "absent",
			room: func() *booking.Room { return f.a.Room },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.s.Admin.Operator.Insights = nil
			if tt.insights != nil {
				f.s.Admin.Operator.Insights = map[string]booking.Insights{"whereby": tt.insights}
			}
			var got sessionsAnswer
			body := getJSON(t, f.s, "/v1/rooms/"+tt.room().Tag+"/sessions", &got)
			if tt.wantInsights == "" {
				assert.Nil(t, got.Insights, body)
			} else {
				require.NotNil(t, got.Insights, body)
				assert.Equal(t, tt.wantInsights, *got.Insights)
			}
			if tt.insights != nil {
				assert.Len(t, tt.insights.calls, tt.wantCalls)
				for _, c := range tt.insights.calls {
					assert.Equal(t, tt.room().Name, c)
				}
			}
			for _, s := range got.Sessions {
				if s.SessionID == "s1" && tt.wantRecorded != nil {
					require.NotNil(t, s.RecordedMinutes, body)
					assert.Equal(t, *tt.wantRecorded, *s.RecordedMinutes)
					require.NotNil(t, s.StreamedMinutes, body)
					assert.Equal(t, 0, *s.StreamedMinutes)
					assert.Equal(t, 37, s.ParticipantMinutes, "participant minutes are roomkeeper's own record")
					continue
				}
				assert.Nil(t, s.RecordedMinutes, "session %s: no figures", s.SessionID)
				assert.Nil(t, s.StreamedMinutes, "session %s: no figures", s.SessionID)
			}
			assert.NotContains(t, body, "503")
		})
	}
}

func TestListParticipants(t *testing.T) {
	f := newFixture(t)
	type participant struct {
		ParticipantID string     `json:"participantId"`
		DisplayName   string     `json:"displayName"`
		Role          string     `json:"role"`
		Host          bool       `json:"host"`
		DialIn        bool       `json:"dialIn"`
		JoinedAt      *time.Time `json:"joinedAt"`
		LeftAt        *time.Time `json:"leftAt"`
		Present       bool       `json:"present"`
		Minutes       int        `json:"minutes"`
	}
	var got struct {
		RoomID       string        `json:"roomId"`
		SessionID    string        `json:"sessionId"`
		Participants []participant `json:"participants"`
	}
	body := getJSON(t, f.s, "/v1/rooms/"+f.a.Room.Tag+"/sessions/s1/participants", &got)
	assert.Equal(t, f.a.Room.Tag, got.RoomID)
	assert.Equal(t, "s1", got.SessionID)
	ids := []string{}
	minutes := map[string]int{}
	for _, p := range got.Participants {
		ids = append(ids, p.ParticipantID)
		minutes[p.ParticipantID] = p.Minutes
	}
	assert.Equal(t, []string{"p1", "p2", "p3", "p4", "p5"}, ids, "in the order joined")
	assert.Equal(t, map[string]int{"p1": 20, "p2": 10, "p3": 1, "p4": 5, "p5": 1}, minutes)

	var raw struct{ Participants []json.RawMessage }
	require.NoError(t, json.Unmarshal([]byte(body), &raw))
	assert.JSONEq(t, `{"participantId": "p1", "displayName": "Ada Host", "role": "host", "host": true, "dialIn": false,
		"joinedAt": "2026-11-22T09:40:00Z", "present": true, "minutes": 20}`, string(raw.Participants[0]))
	assert.JSONEq(t, `{"participantId": "p2", "displayName": "Bob Guest", "role": "visitor", "host": false, "dialIn": false,
		"joinedAt": "2026-11-22T09:40:30Z", "leftAt": "2026-11-22T09:50:00Z", "present": false, "minutes": 10}`, string(raw.Participants[1]))
	assert.JSONEq(t, `{"participantId": "p3", "displayName": "Phone caller", "role": "visitor", "host": false, "dialIn": true,
		"joinedAt": "2026-11-22T09:45:00Z", "leftAt": "2026-11-22T09:45:01Z", "present": false, "minutes": 1}`, string(raw.Participants[2]))

	t.Run("visits outside a session", func(t *testing.T) {
		getJSON(t, f.s, "/v1/rooms/"+f.a.Room.Tag+"/sessions/-/participants", &got)
		require.Len(t, got.Participants, 1)
		assert.Equal(t, "lone", got.Participants[0].ParticipantID)
		assert.Equal(t, "Early Bird", got.Participants[0].DisplayName)
		assert.Equal(t, 2, got.Participants[0].Minutes)
	})

	t.Run("escaped session id", func(t *testing.T) {
		// Zoom's session ids (meeting UUIDs) may hold "/" and "=": clients escape them.
		_, err := f.st.AddActivity(context.Background(), f.a.Key, []booking.RoomEvent{
			{Kind: booking.Joined, At: f.now, RoomID: "m2", SessionID: "aB/c+d==", ParticipantID: "z1", Name: "Zed"},
		}, f.a.ExpiresAt)
		require.NoError(t, err)
		getJSON(t, f.s, "/v1/rooms/"+f.a.Room.Tag+"/sessions/"+url.PathEscape("aB/c+d==")+"/participants", &got)
		assert.Equal(t, "aB/c+d==", got.SessionID)
		require.Len(t, got.Participants, 1)
		assert.Equal(t, "z1", got.Participants[0].ParticipantID)
	})
}

func TestAdminNotFound(t *testing.T) {
	f := newFixture(t)
	keyA := f.a.Key
	for _, target := range []string{
		"/v1/rooms/nonsense/sessions",
		"/v1/rooms/" + booking.Tag{Key: keyA, Gen: 3, Deployment: booking.DeploymentTag("test")}.String() + "/sessions",                               // a generation the booking does not hold
		"/v1/rooms/" + booking.Tag{Key: booking.KeyOf("generic", "nobody"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String() + "/sessions", // no such booking
		"/v1/rooms/x" + f.a.Room.Tag + "/sessions",                // a tag inside a longer id
		"/v1/rooms/" + f.a.Room.Tag + "/sessions/s0/participants", // a session of the other room
		"/v1/rooms/" + f.a.Room.Tag + "/sessions/nope/participants",
		"/v1/rooms/" + f.b.Room.Tag + "/sessions/-/participants", // nobody visited outside a session
		"/v1/bookings/" + booking.KeyOf("generic", "nobody"),
		"/v1/bookings/generic:nobody",
		"/v1/bookings/NOT-A-KEY",
	} {
		w := get(t, f.s, target, adminToken)
		assert.Equal(t, http.StatusNotFound, w.Code, target)
		assert.Equal(t, "not_found", errorOf(t, w).Code, target)
	}
}

func TestGetBooking(t *testing.T) {
	f := newFixture(t)
	var got map[string]any
	body := getJSON(t, f.s, "/v1/bookings/"+f.a.Key, &got)
	tagNow, tagOld := f.a.Room.Tag, f.a.Retired[0].Tag
	dial := `"dialIn": {"numbers": [{"e164": "+12125550100", "country": "US", "tel": "tel:+12125550100,1234567890"}], "code": "1234567890"}`
	meeting := `"title": "Intro call", "start": "2026-11-22T09:30:00Z", "end": "2026-11-22T10:30:00Z",
		"booking": {"key": "` + f.a.Key + `", "source": "generic", "externalId": "bk_a", "status": "confirmed"}`
	assert.JSONEq(t, `{
		"key": "`+f.a.Key+`", "source": "generic", "externalId": "bk_a", "status": "confirmed", "sequence": 1,
		"title": "Intro call", "start": "2026-11-22T09:30:00Z", "end": "2026-11-22T10:30:00Z", "timeZone": "Europe/Oslo",
		"room": {"roomId": "`+tagNow+`", "kind": "booking", "state": "active", "provider": "whereby", "size": "small", "roomName": "/intro-`+tagNow+`-5d1c",
			"guestUrl": "https://rooms.test/intro-`+tagNow+`-5d1c", "expiresAt": "2026-11-29T10:30:00Z", `+dial+`, "live": true, "inRoom": 3, `+meeting+`},
		"retiredRooms": [{"roomId": "`+tagOld+`", "kind": "booking", "state": "active", "provider": "whereby", "size": "small", "roomName": "/intro-`+tagOld+`-5d1c",
			"guestUrl": "https://rooms.test/intro-`+tagOld+`-5d1c", "expiresAt": "2026-11-29T10:30:00Z", `+dial+`,
			"retired": true, "live": false, "inRoom": 0, `+meeting+`}],
		"invites": [
			{"email": "ada@example.com", "name": "Ada Host", "role": "organizer", "sequence": 1, "method": "REQUEST", "sentAt": "2026-11-22T09:00:00Z"},
			{"email": "bob@example.net", "name": "Bob Guest", "role": "guest", "sequence": 1, "method": "REQUEST", "sentAt": "2026-11-22T09:00:00Z"}
		],
		"dueAt": "2026-11-22T10:02:00Z", "done": false,
		"failure": {"message": "delete whereby room m1: whereby answered 503", "permanent": false, "at": "2026-11-22T09:59:00Z"},
		"possibleDuplicates": 1,
		"createdAt": "2026-11-22T08:00:00Z", "updatedAt": "2026-11-22T09:59:00Z"
	}`, body)

	t.Run("by source and external id", func(t *testing.T) {
		for _, id := range []string{"generic:bk_a", url.PathEscape("generic:bk_a")} {
			got = nil
			getJSON(t, f.s, "/v1/bookings/"+id, &got)
			assert.Equal(t, f.a.Key, got["key"], id)
		}
		// An external id holding ":" and "/", escaped.
		got = nil
		getJSON(t, f.s, "/v1/bookings/"+url.PathEscape("calcom:uid:b/1"), &got)
		assert.Equal(t, f.b.Key, got["key"])
		assert.Nil(t, got["room"].(map[string]any)["dialIn"])
		assert.Equal(t, []any{}, got["invites"], "always a list")
		assert.Nil(t, got["failure"])
	})

	t.Run("host links on request", func(t *testing.T) {
		body := getJSON(t, f.s, "/v1/bookings/"+f.a.Key+"?include=hostUrl", &got)
		assert.Equal(t, f.a.Room.HostURL, got["room"].(map[string]any)["hostUrl"])
		assert.Equal(t, f.a.Retired[0].HostURL, got["retiredRooms"].([]any)[0].(map[string]any)["hostUrl"])
		assert.Contains(t, body, "roomKey")
	})

	t.Run("a booking without a room", func(t *testing.T) {
		body := getJSON(t, f.s, "/v1/bookings/generic:bk_c", &got)
		assert.Contains(t, body, `"room":null`)
		assert.NotContains(t, body, "retiredRooms")
	})
}

func TestAdminAnswersCarryNoHostLinkBySessionRoutes(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{
		"/v1/rooms/" + f.a.Room.Tag + "/sessions?include=hostUrl",
		"/v1/rooms/" + f.a.Room.Tag + "/sessions/s1/participants?include=hostUrl",
	} {
		w := get(t, f.s, target, adminToken)
		require.Equal(t, http.StatusOK, w.Code, target)
		assert.NotContains(t, w.Body.String(), "roomKey", target)
	}
}

// TestTheRouteTableIsBuiltOnFirstUse: Register mounts the API's prefixes and leaves its route
// table for the first request, so a cold start that serves a person's link does not build it
// (registering the table at Register allocated more than building it alone). A 405 still names
// the methods another handler takes on the same paths: locally, the bookings webhook takes POST
// /v1/bookings/{source} beside the API's GET /v1/bookings/{id}.
func TestTheRouteTableIsBuiltOnFirstUse(t *testing.T) {
	srv, _, _ := newServer(t, &adminSecrets{cached: adminToken, current: adminToken})
	register := testing.AllocsPerRun(5, func() { srv.Admin.Register(http.NewServeMux()) })
	table := testing.AllocsPerRun(5, func() { srv.Admin.routes(http.NewServeMux()) })
	assert.Less(t, register, table, "Register allocates %v, the route table %v", register, table)

	mux := http.NewServeMux()
	srv.Admin.Register(mux)
	mux.HandleFunc("POST /v1/bookings/{source}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	for _, tt := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/v1/operators", http.StatusOK, ""},
		{http.MethodPost, "/v1/bookings/generic", http.StatusAccepted, ""},
		{http.MethodPut, "/v1/bookings/generic", http.StatusMethodNotAllowed, "GET, POST"},
		{http.MethodPut, "/v1/rooms", http.StatusMethodNotAllowed, "GET, POST"},
		{http.MethodGet, "/v1/audit/nothing", http.StatusNotFound, ""},
	} {
		r := httptest.NewRequest(tt.method, tt.path, nil)
		r.Header.Set("Authorization", "Bearer "+adminToken)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		assert.Equal(t, tt.status, w.Code, "%s %s: %s", tt.method, tt.path, w.Body)
		assert.Equal(t, tt.allow, w.Header().Get("Allow"), "%s %s", tt.method, tt.path)
	}
}
