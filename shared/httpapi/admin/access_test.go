package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
)

// call sends a request with a bearer token from the client address addr ("" keeps httptest's).
func call(t *testing.T, s *server, method, target, token, body, addr string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if addr != "" {
		r.RemoteAddr = addr
	}
	return serve(s, r)
}

// addOperator adds an operator through the API with the admin token and returns their token.
func addOperator(t *testing.T, s *server, name string, role access.Role) string {
	t.Helper()
	w := call(t, s, http.MethodPost, "/v1/operators", adminToken, `{"name": "`+name+`", "role": "`+string(role)+`"}`, "")
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var got struct {
		Operator access.Operator `json:"operator"`
		Token    string          `json:"token"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, name, got.Operator.Name)
	assert.Equal(t, role, got.Operator.Role)
	require.NotEmpty(t, got.Token)
	return got.Token
}

// auditLines returns the audit list as "operator action target" lines, newest first.
func auditLines(t *testing.T, s *server, token string) []string {
	t.Helper()
	w := call(t, s, http.MethodGet, "/v1/audit", token, "", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var page access.AuditPage
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
	lines := []string{}
	for _, e := range page.Entries {
		lines = append(lines, e.Operator+" "+e.Action+" "+e.Target)
	}
	return lines
}

func TestRolesAreEnforcedPerRoute(t *testing.T) {
	f := newFixture(t)
	viewer := addOperator(t, f.s, "bob", access.Viewer)
	roomID := f.a.Room.Tag
	changes := []struct{ method, target, body string }{
		{http.MethodPost, "/v1/rooms", `{"endDate": "+1h"}`},
		{http.MethodPost, "/v1/rooms", `{"not": "even valid"}`}, // refused before the body is read
		{http.MethodPatch, "/v1/rooms/" + roomID, `{"endDate": "+1h"}`},
		{http.MethodDelete, "/v1/rooms/" + roomID, ""},
		{http.MethodDelete, "/v1/people/bob@example.net", ""},
		{http.MethodGet, "/v1/operators", ""},
		{http.MethodPost, "/v1/operators", `{"name": "eve", "role": "admin"}`},
		{http.MethodDelete, "/v1/operators/bob", ""},
	}
	before := auditLines(t, f.s, adminToken)
	for _, c := range changes {
		w := call(t, f.s, c.method, c.target, viewer, c.body, "")
		require.Equal(t, http.StatusForbidden, w.Code, "%s %s: %s", c.method, c.target, w.Body)
		e := errorOf(t, w)
		assert.Equal(t, "forbidden", e.Code)
		assert.Contains(t, e.Message, "needs the admin role", "%s %s", c.method, c.target)
		assert.Contains(t, e.Message, `"bob" is a viewer`)
	}
	assert.Equal(t, before, auditLines(t, f.s, adminToken), "nothing a viewer tried was done")
	got, err := f.st.Get(t.Context(), f.a.Key)
	require.NoError(t, err)
	assert.NotNil(t, got.Room, "the room is still there")

	for _, target := range []string{"/v1/rooms", "/v1/rooms/" + roomID, "/v1/rooms/" + roomID + "/sessions", "/v1/bookings",
		"/v1/bookings/" + f.a.Key, "/v1/usage", "/v1/audit"} {
		w := call(t, f.s, http.MethodGet, target, viewer, "", "")
		assert.Equal(t, http.StatusOK, w.Code, "a viewer sees %s: %s", target, w.Body)
	}
}

func TestOperatorsOverHTTP(t *testing.T) {
	f := newFixture(t)
	token := addOperator(t, f.s, "ada", access.Admin)
	assert.True(t, strings.HasPrefix(token, "rko_ada_"))
	assert.Equal(t, http.StatusOK, call(t, f.s, http.MethodGet, "/v1/rooms", token, "", "").Code, "the token works at once")
	viewer := addOperator(t, f.s, "bob", access.Viewer)

	w := call(t, f.s, http.MethodGet, "/v1/operators", token, "", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.NotContains(t, w.Body.String(), strings.TrimPrefix(token, "rko_ada_"), "never a token")
	assert.NotContains(t, w.Body.String(), "okenHash", "never a token's hash")
	var list struct{ Operators []access.Operator }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
	var names []string
	for _, o := range list.Operators {
		names = append(names, o.Name+":"+string(o.Role))
	}
	assert.Equal(t, []string{"ada:admin", "admin:admin", "bob:viewer"}, names)
	assert.False(t, list.Operators[0].LastUsed.IsZero(), "ada used her token")
	assert.True(t, list.Operators[2].LastUsed.IsZero(), "bob has not yet")

	for _, tt := range []struct {
		body, field string
		status      int
	}{
		{`{"name": "bob", "role": "viewer"}`, "name", http.StatusConflict},
		{`{"name": "admin", "role": "viewer"}`, "name", http.StatusConflict},
		{`{"name": "Carol Smith", "role": "viewer"}`, "name", http.StatusBadRequest},
		{`{"name": "carol", "role": "owner"}`, "role", http.StatusBadRequest},
		{`{"name": "carol", "role": "viewer", "email": "not an address"}`, "email", http.StatusBadRequest},
		{`{"name": "carol", "role": "viewer", "timeZone": "Mars/Base"}`, "timeZone", http.StatusBadRequest},
		{`{"name": "carol", "role": "viewer", "rol": "admin"}`, "rol", http.StatusBadRequest},
	} {
		w := call(t, f.s, http.MethodPost, "/v1/operators", token, tt.body, "")
		assert.Equal(t, tt.status, w.Code, "%s: %s", tt.body, w.Body)
		assert.Equal(t, tt.field, errorOf(t, w).Field, tt.body)
	}

	assert.Equal(t, http.StatusConflict, call(t, f.s, http.MethodDelete, "/v1/operators/admin", token, "", "").Code)
	assert.Equal(t, http.StatusNotFound, call(t, f.s, http.MethodDelete, "/v1/operators/carol", token, "", "").Code)
	w = call(t, f.s, http.MethodDelete, "/v1/operators/bob", token, "", "")
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	w = call(t, f.s, http.MethodGet, "/v1/rooms", viewer, "", "")
	assert.Equal(t, http.StatusUnauthorized, w.Code, "a removed operator's token stops working")
	assert.Equal(t, http.StatusMethodNotAllowed, call(t, f.s, http.MethodPatch, "/v1/operators", token, "", "").Code)
	assert.Equal(t, http.StatusNotFound, call(t, f.s, http.MethodGet, "/v1/operators/x/y", token, "", "").Code)
}

// TestEveryChangeIsAudited: rooms made, moved and deleted, a person erased, operators added and
// removed, each with the operator who did it; refused changes are not recorded.
func TestEveryChangeIsAudited(t *testing.T) {
	s, _, now := newServer(t, &adminSecrets{cached: adminToken, current: adminToken})
	withWhereby(t, s)
	var mu sync.Mutex
	s.Admin.Access.Now = func() time.Time { // each entry a moment after the last: one instant's entries have no order
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
	ada := addOperator(t, s, "ada", access.Admin)

	w := call(t, s, http.MethodPost, "/v1/rooms", ada, `{"endDate": "+2h", "organizer": {"email": "fay@clinic.example"}}`, "")
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var room struct{ RoomID string }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &room))
	require.Equal(t, http.StatusOK, call(t, s, http.MethodPatch, "/v1/rooms/"+room.RoomID, ada, `{"endDate": "+3h"}`, "").Code)
	require.Equal(t, http.StatusConflict, call(t, s, http.MethodPatch, "/v1/rooms/"+room.RoomID, ada, `{"endDate": "+1000h"}`, "").Code)
	require.Equal(t, http.StatusNoContent, call(t, s, http.MethodDelete, "/v1/rooms/"+room.RoomID, ada, "", "").Code)
	w = call(t, s, http.MethodDelete, "/v1/people/Fay@Clinic.example", ada, "", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	addOperator(t, s, "bob", access.Viewer)
	require.Equal(t, http.StatusNoContent, call(t, s, http.MethodDelete, "/v1/operators/bob", adminToken, "", "").Code)

	w = call(t, s, http.MethodGet, "/v1/audit", ada, "", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.NotContains(t, strings.ToLower(w.Body.String()), "fay@clinic.example", "no address in the audit list")
	assert.NotContains(t, w.Body.String(), "@")
	lines := auditLines(t, s, ada)
	require.Len(t, lines, 7, "%q", lines)
	assert.Equal(t, "admin operator.remove bob", lines[0])
	assert.Equal(t, "admin operator.add bob", lines[1])
	assert.Regexp(t, `^ada people\.erase erased-[0-9a-f]{12}$`, lines[2])
	assert.Equal(t, []string{
		"ada room.delete " + room.RoomID,
		"ada room.extend " + room.RoomID,
		"ada room.create " + room.RoomID,
		"admin operator.add ada",
	}, lines[3:])

	first := call(t, s, http.MethodGet, "/v1/audit?limit=3", ada, "", "")
	require.Equal(t, http.StatusOK, first.Code)
	var page access.AuditPage
	require.NoError(t, json.Unmarshal(first.Body.Bytes(), &page))
	require.Len(t, page.Entries, 3)
	require.NotEmpty(t, page.NextCursor)
	next := call(t, s, http.MethodGet, "/v1/audit?limit=3&cursor="+page.NextCursor, ada, "", "")
	require.Equal(t, http.StatusOK, next.Code)
	var rest access.AuditPage
	require.NoError(t, json.Unmarshal(next.Body.Bytes(), &rest))
	assert.Equal(t, lines[3]+"", rest.Entries[0].Operator+" "+rest.Entries[0].Action+" "+rest.Entries[0].Target)
	assert.Equal(t, http.StatusBadRequest, call(t, s, http.MethodGet, "/v1/audit?limit=0", ada, "", "").Code)
}

func TestFailedTokensAreLimitedPerAddress(t *testing.T) {
	f := newFixture(t)
	const attacker, other = "198.51.100.7:40000", "198.51.100.8:40000"
	for range access.FreeFailures {
		w := call(t, f.s, http.MethodGet, "/v1/rooms", "rko_admin_"+strings.Repeat("A", 43), "", attacker)
		require.Equal(t, http.StatusUnauthorized, w.Code)
	}
	w := call(t, f.s, http.MethodGet, "/v1/rooms", adminToken+"x", "", attacker)
	require.Equal(t, http.StatusTooManyRequests, w.Code, w.Body.String())
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Equal(t, "too_many_requests", errorOf(t, w).Code)
	assert.Empty(t, w.Header().Get("WWW-Authenticate"))
	w = call(t, f.s, http.MethodGet, "/v1/rooms", adminToken, "", attacker)
	assert.Equal(t, http.StatusTooManyRequests, w.Code, "while waiting, not even the right token is checked")
	w = call(t, f.s, http.MethodGet, "/v1/rooms", adminToken, "", other)
	assert.Equal(t, http.StatusOK, w.Code, "another address is not slowed")
	w = call(t, f.s, http.MethodGet, "/v1/rooms", "", "", attacker)
	assert.Equal(t, http.StatusUnauthorized, w.Code, "no token at all is no guess: answered, and not counted")
}

// A host link gives host powers for the room's whole life: the admin API records each one it
// shows, as the console does, and nothing when none is asked for.
func TestHostLinksShownAreAudited(t *testing.T) {
	f := newFixture(t)
	viewer := addOperator(t, f.s, "bob", access.Viewer)
	before := auditLines(t, f.s, adminToken)
	for _, target := range []string{"/v1/rooms", "/v1/rooms/" + f.a.Room.Tag, "/v1/bookings/" + f.a.Key} {
		w := call(t, f.s, http.MethodGet, target, viewer, "", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.NotContains(t, w.Body.String(), "roomKey", target)
	}
	assert.Equal(t, before, auditLines(t, f.s, adminToken), "reads without host links are not recorded")

	w := call(t, f.s, http.MethodGet, "/v1/rooms/"+f.a.Room.Tag+"?include=hostUrl", viewer, "", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), "roomKey")
	// (The fixture's clock stands still, so entries of one moment come in no set order.)
	lines := auditLines(t, f.s, adminToken)
	assert.Len(t, lines, len(before)+1)
	assert.Contains(t, lines, "bob room.host_link "+f.a.Room.Tag)

	w = call(t, f.s, http.MethodGet, "/v1/bookings/"+f.a.Key+"?include=hostUrl", viewer, "", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	after := auditLines(t, f.s, adminToken)
	assert.Len(t, after, len(lines)+2, "the booking's current room and the room it replaced")
	assert.Contains(t, after, "bob room.host_link "+f.a.Retired[0].Tag)
	lines = after

	n := len(lines)
	w = call(t, f.s, http.MethodGet, "/v1/rooms?include=hostUrl", viewer, "", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Len(t, auditLines(t, f.s, adminToken), n+3, "one entry per room listed with its host link")
}
