package admin

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
)

// withWhereby gives the admin API's reconciler the Whereby sandbox, over HTTP.
func withWhereby(t *testing.T, s *server) *sandbox.Whereby {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	sb, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://" + srv.Listener.Addr().String(), Now: s.Admin.Operator.Now})
	require.NoError(t, err)
	srv.Config.Handler = sb
	srv.Start()
	t.Cleanup(srv.Close)
	wb := whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath, APIKey: "key", Now: s.Admin.Operator.Now})
	r := s.Admin.Operator.Reconciler
	r.Providers[whereby.Name] = wb
	r.CleanupGrace, r.MaxOverrun, r.RoomSlack = 15*time.Minute, 2*time.Hour, 168*time.Hour
	return sb
}

func send(t *testing.T, s *server, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+adminToken)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return serve(s, r)
}

func TestCreateRoomOverHTTP(t *testing.T) {
	s, st, _ := newServer(t, &adminSecrets{cached: adminToken, current: adminToken})
	sb := withWhereby(t, s)

	w := send(t, s, http.MethodPost, "/v1/rooms", `{"size": "large", "namePrefix": "support", "endDate": "+2h", "title": "Walk-in",
		"organizer": {"name": "Fay", "email": "fay@clinic.example"}}`, "Idempotency-Key", "a1")
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var room map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &room))
	id := room["roomId"].(string)
	assert.Equal(t, "/v1/rooms/"+id, w.Header().Get("Location"))
	assert.Equal(t, "manual", room["kind"])
	assert.Equal(t, "active", room["state"])
	assert.Equal(t, "large", room["size"])
	assert.Contains(t, room["hostUrl"], "roomKey", "the maker asked for the room")
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))

	again := send(t, s, http.MethodPost, "/v1/rooms", `{"size": "large", "namePrefix": "support", "endDate": "+2h", "title": "Walk-in",
		"organizer": {"name": "Fay", "email": "fay@clinic.example"}}`, "Idempotency-Key", "a1")
	require.Equal(t, http.StatusCreated, again.Code)
	assert.JSONEq(t, w.Body.String(), again.Body.String(), "the same room")
	other := send(t, s, http.MethodPost, "/v1/rooms", `{"endDate": "+3h"}`, "Idempotency-Key", "a1")
	assert.Equal(t, http.StatusUnprocessableEntity, other.Code)
	assert.Equal(t, "unprocessable", errorOf(t, other).Code)
	assert.Len(t, sb.Rooms(), 1)

	got := get(t, s, "/v1/rooms/"+id, adminToken)
	require.Equal(t, http.StatusOK, got.Code)
	assert.NotContains(t, got.Body.String(), "roomKey", "no host link unless asked for")
	assert.Contains(t, get(t, s, "/v1/rooms/"+id+"?include=hostUrl", adminToken).Body.String(), "roomKey")

	patched := send(t, s, http.MethodPatch, "/v1/rooms/"+id, `{"endDate": "+4h"}`)
	require.Equal(t, http.StatusOK, patched.Code, patched.Body.String())
	tooLate := send(t, s, http.MethodPatch, "/v1/rooms/"+id, `{"endDate": "+1000h"}`)
	assert.Equal(t, http.StatusConflict, tooLate.Code)
	assert.Equal(t, "endDate", errorOf(t, tooLate).Field)

	deleted := send(t, s, http.MethodDelete, "/v1/rooms/"+id, "")
	assert.Equal(t, http.StatusNoContent, deleted.Code, deleted.Body.String())
	assert.Empty(t, deleted.Body.String())
	assert.Empty(t, sb.Rooms())
	assert.Equal(t, http.StatusNoContent, send(t, s, http.MethodDelete, "/v1/rooms/"+id, "").Code, "idempotent")

	keys, err := st.People(t.Context(), "fay@clinic.example")
	require.NoError(t, err)
	assert.Len(t, keys, 1)
}

func TestCreateRoomSlowAnswers202(t *testing.T) {
	s, _, _ := newServer(t, &adminSecrets{cached: adminToken, current: adminToken})
	sb := withWhereby(t, s)
	s.Admin.Operator.Wait = 50 * time.Millisecond
	sb.Delay(time.Second)
	w := send(t, s, http.MethodPost, "/v1/rooms", `{"endDate": "+1h"}`)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	var room struct{ RoomID, State string }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &room))
	assert.Equal(t, "creating", room.State)
	assert.Equal(t, "/v1/rooms/"+room.RoomID, w.Header().Get("Location"))
	got := get(t, s, w.Header().Get("Location"), adminToken)
	assert.Equal(t, http.StatusOK, got.Code)
	assert.Contains(t, got.Body.String(), `"state":"creating"`)
}

func TestCreateRoomRefusesEveryBadFieldOverHTTP(t *testing.T) {
	s, st, _ := newServer(t, &adminSecrets{cached: adminToken, current: adminToken})
	sb := withWhereby(t, s)
	for _, tt := range []struct {
		body, field string
		status      int
	}{
		{`{"endDate": "+1h", "sise": "small"}`, "sise", http.StatusBadRequest},
		{`{"endDate": "+1h", "size": 4}`, "size", http.StatusBadRequest},
		{`{"endDate": "+1h", "size": "huge"}`, "size", http.StatusBadRequest},
		{`{"endDate": "+1h", "dialIn": "yes"}`, "dialIn", http.StatusBadRequest},
		{`{"endDate": "+1h", "organizer": {"email": "fay@clinic.example", "phone": "1"}}`, "phone", http.StatusBadRequest},
		{`{"endDate": "next week"}`, "endDate", http.StatusBadRequest},
		{`{}`, "endDate", http.StatusBadRequest},
		{`{"endDate": "+1h", "provider": "zoom"}`, "provider", http.StatusBadRequest},
		{`{"endDate": "+1h", "namePrefix": "A_B"}`, "namePrefix", http.StatusBadRequest},
		{`{"endDate": "+1h"`, "", http.StatusBadRequest},
		{`[]`, "", http.StatusBadRequest},
	} {
		t.Run(tt.body, func(t *testing.T) {
			w := send(t, s, http.MethodPost, "/v1/rooms", tt.body)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			e := errorOf(t, w)
			assert.Equal(t, "invalid", e.Code)
			assert.Equal(t, tt.field, e.Field)
		})
	}
	page, err := st.List(t.Context(), booking.ListQuery{State: booking.Active, Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, page.Entries, "nothing stored")
	assert.Empty(t, sb.Requests(), "nothing asked of the provider")

	r := httptest.NewRequest(http.MethodPost, "/v1/rooms", strings.NewReader(`endDate=%2B1h`))
	r.Header.Set("Authorization", "Bearer "+adminToken)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusUnsupportedMediaType, serve(s, r).Code)
	big := send(t, s, http.MethodPost, "/v1/rooms", `{"title": "`+strings.Repeat("x", 20<<10)+`"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, big.Code)
}

func TestAdminRoutingErrorsAreJSON(t *testing.T) {
	s, _, _ := newServer(t, &adminSecrets{cached: adminToken, current: adminToken})
	for _, tt := range []struct {
		method, target string
		status         int
		allow          string
	}{
		{http.MethodPut, "/v1/rooms", http.StatusMethodNotAllowed, "GET, POST"},
		{http.MethodPost, "/v1/rooms/rkx", http.StatusMethodNotAllowed, "GET, PATCH, DELETE"},
		{http.MethodDelete, "/v1/usage", http.StatusMethodNotAllowed, "GET"},
		{http.MethodGet, "/v1/people/a@example.com", http.StatusMethodNotAllowed, "DELETE"},
		{http.MethodDelete, "/v1/bookings", http.StatusMethodNotAllowed, "GET"},
		{http.MethodGet, "/v1/rooms/rkx/sessions/s1/participants/p1", http.StatusNotFound, ""},
		{http.MethodGet, "/v1/usage/today", http.StatusNotFound, ""},
	} {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			w := send(t, s, tt.method, tt.target, "")
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			assert.Equal(t, tt.allow, w.Header().Get("Allow"))
			want := "not_found"
			if tt.status == http.StatusMethodNotAllowed {
				want = "method_not_allowed"
			}
			assert.Equal(t, want, errorOf(t, w).Code)
		})
	}
}

func TestUsageAndErasureOverHTTP(t *testing.T) {
	s, st, now := newServer(t, &adminSecrets{cached: adminToken, current: adminToken})
	day := now.Format(time.DateOnly)
	require.NoError(t, st.PutUsage(t.Context(), booking.Usage{Day: day, RoomID: "rk1", Provider: "whereby", Sessions: 2, Participants: 3, ParticipantMinutes: 40}, now.Add(time.Hour)))
	var u struct {
		Days   []map[string]any `json:"days"`
		Totals map[string]any   `json:"totals"`
	}
	getJSON(t, s, "/v1/usage?from="+day+"&to="+day, &u)
	require.Len(t, u.Days, 1)
	assert.Equal(t, day, u.Days[0]["date"])
	assert.EqualValues(t, 40, u.Totals["participantMinutes"])
	assert.EqualValues(t, 1, u.Totals["rooms"])
	assert.Equal(t, http.StatusBadRequest, get(t, s, "/v1/usage?from=someday", adminToken).Code)

	key := booking.KeyOf("generic", "bk-1")
	require.NoError(t, st.IndexPeople(t.Context(), key, []string{"bob@example.net"}, now.Add(time.Hour)))
	require.NoError(t, st.Put(t.Context(), &booking.Booking{Key: key, Source: "generic", ExternalID: "bk-1", Status: booking.Confirmed,
		Details: booking.Details{Title: "Intro", Start: now.Add(-2 * time.Hour), End: now.Add(-time.Hour),
			Organizer: booking.Person{Email: "ada@example.com"}, Attendees: []booking.Person{{Name: "Bob", Email: "bob@example.net"}}}}))
	w := send(t, s, http.MethodDelete, "/v1/people/Bob%40example.net", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.JSONEq(t, `{"records": 1, "outbox": 0}`, w.Body.String())
	b, err := st.Get(t.Context(), key)
	require.NoError(t, err)
	raw, _ := json.Marshal(b)
	assert.False(t, bytes.Contains(raw, []byte("bob@example.net")))
	assert.Equal(t, http.StatusBadRequest, send(t, s, http.MethodDelete, "/v1/people/not-an-address", "").Code)
}
