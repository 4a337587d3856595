package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
)

const hookSecret = "wbsec_hooks-test-secret"

// hookFixture is a server over a real bolt store holding one booking with a Whereby room.
type hookFixture struct {
	t    testing.TB
	s    *server
	st   *bolt.Store
	now  time.Time
	key  string
	room booking.Room
	logs *bytes.Buffer
	seq  int
}

func newHookFixture(t testing.TB) *hookFixture {
	t.Helper()
	s, st, now := newServer(t, &rotatingSecrets{name: WherebyWebhookSecret, cached: hookSecret, current: hookSecret})
	logs := &bytes.Buffer{}
	s.Hooks.Log = slog.New(slog.NewTextHandler(logs, nil))
	f := &hookFixture{t: t, s: s, st: st, now: now, logs: logs}
	f.key, f.room = f.putBooking("bk_hooks", "87673375")
	return f
}

// putBooking stores a confirmed booking whose Whereby room has the meeting id; its meeting runs
// from now - 30 min to now + 30 min.
func (f *hookFixture) putBooking(id, meetingID string) (string, booking.Room) {
	f.t.Helper()
	key := booking.KeyOf("generic", id)
	tag := booking.Tag{Key: key, Gen: 1, Deployment: booking.DeploymentTag("test")}.String()
	room := booking.Room{
		Provider: whereby.Name, ID: meetingID, Name: "/demo-" + tag + "-546f3ba5-4a1e-4bbd-9f0d-bf0c7a2b3c4d", Tag: tag,
		GuestURL: "https://example.whereby.com/demo", HostURL: "https://example.whereby.com/demo?roomKey=k",
		ExpiresAt: f.now.Add(7 * 24 * time.Hour),
	}
	b := &booking.Booking{
		Key: key, Source: "generic", ExternalID: id, UID: id + "@roomkeeper", Status: booking.Confirmed,
		Details: booking.Details{
			Title: "Intro call", Start: f.now.Add(-30 * time.Minute), End: f.now.Add(30 * time.Minute),
			Organizer: booking.Person{Name: "Ada Host", Email: "ada@example.com"},
			Attendees: []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}},
			Room:      booking.RoomOptions{Provider: whereby.Name, Size: booking.Small},
		},
		Room: &room, RoomGen: 1, CreatedAt: f.now, UpdatedAt: f.now,
	}
	require.NoError(f.t, f.st.Put(context.Background(), b))
	return key, room
}

func (f *hookFixture) booking(key string) *booking.Booking {
	f.t.Helper()
	b, err := f.st.Get(context.Background(), key)
	require.NoError(f.t, err)
	require.NoError(f.t, booking.LoadActivity(context.Background(), f.st, b))
	return b
}

// delivery is one webhook body: the envelope around data for the fixture's room. A nil
// roomSessionId in data is sent as JSON null.
func (f *hookFixture) delivery(id, typ string, at time.Time, data map[string]any) []byte {
	f.t.Helper()
	d := map[string]any{"meetingId": f.room.ID, "roomName": f.room.Name, "roomSessionId": nil, "subdomain": "example"}
	for k, v := range data {
		d[k] = v
	}
	body, err := json.Marshal(map[string]any{
		"id": id, "apiVersion": "1.0", "createdAt": at.UTC().Format("2006-01-02T15:04:05.000Z"), "type": typ, "data": d,
	})
	require.NoError(f.t, err)
	return body
}

func (f *hookFixture) nextID() string {
	f.seq++
	return fmt.Sprintf("%064x", f.seq)
}

// post sends body to /v1/hooks/{provider} with the Whereby-Signature header value sig ("" for
// none) and returns the status and the decoded JSON answer.
func (f *hookFixture) post(provider string, body []byte, header http.Header) (int, map[string]any) {
	f.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/v1/hooks/"+provider, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	w := serve(f.s, r)
	require.Equal(f.t, "application/json", w.Header().Get("Content-Type"))
	var out map[string]any
	require.NoError(f.t, json.Unmarshal(w.Body.Bytes(), &out), "body %s", w.Body)
	return w.Code, out
}

func signed(body []byte, at time.Time) http.Header {
	return http.Header{"Whereby-Signature": {wherebyhook.Sign(hookSecret, at, body)}}
}

// send signs and posts one delivery to the Whereby hook at the fixture's clock.
func (f *hookFixture) send(body []byte) (int, map[string]any) {
	f.t.Helper()
	return f.post("whereby", body, signed(body, f.now))
}

func joined(pid, name, role, session string) map[string]any {
	d := map[string]any{"displayName": name, "participantId": pid, "metadata": nil, "externalId": nil,
		"roleName": role, "numClients": 1, "numClientsByRoleName": map[string]int{role: 1}, "isDialIn": false}
	if session != "" {
		d["roomSessionId"] = session
	}
	return d
}

func TestHookSignatures(t *testing.T) {
	f := newHookFixture(t)
	type sigCase struct {
		name   string
		header func(body []byte) http.Header
		status int
	}
	v1 := func(body []byte, at time.Time, secret string) (string, string) {
		sig := wherebyhook.Sign(secret, at, body)
		ts := strconv.FormatInt(at.Unix(), 10)
		return ts, strings.TrimPrefix(sig, "t="+ts+",v1=")
	}
	tests := []sigCase{
		{"good", func(b []byte) http.Header { return signed(b, f.now) }, http.StatusOK},
		{"lower-case header name", func(b []byte) http.Header {
			return http.Header{"whereby-signature": {wherebyhook.Sign(hookSecret, f.now, b)}}
		}, http.StatusOK},
		{"spaces around the parts", func(b []byte) http.Header {
			ts, mac := v1(b, f.now, hookSecret)
			return http.Header{"Whereby-Signature": {"t=" + ts + ", v1=" + mac + " "}}
		}, http.StatusOK},
		{"reordered parts", func(b []byte) http.Header {
			ts, mac := v1(b, f.now, hookSecret)
			return http.Header{"Whereby-Signature": {"v1=" + mac + ",t=" + ts}}
		}, http.StatusOK},
		{"several v1, one matching", func(b []byte) http.Header {
			ts, mac := v1(b, f.now, hookSecret)
			_, old := v1(b, f.now, "wbsec_previous")
			return http.Header{"Whereby-Signature": {"t=" + ts + ",v1=" + old + ",v1=" + mac}}
		}, http.StatusOK},
		{"within the tolerance", func(b []byte) http.Header { return signed(b, f.now.Add(-4*time.Minute)) }, http.StatusOK},

		{"tampered body", func(b []byte) http.Header {
			return signed(bytes.Replace(b, []byte("Bob Guest"), []byte("Rob Guest"), 1), f.now)
		}, http.StatusUnauthorized},
		{"stale", func(b []byte) http.Header { return signed(b, f.now.Add(-6*time.Minute)) }, http.StatusUnauthorized},
		{"future", func(b []byte) http.Header { return signed(b, f.now.Add(6*time.Minute)) }, http.StatusUnauthorized},
		{"wrong secret", func(b []byte) http.Header {
			return http.Header{"Whereby-Signature": {wherebyhook.Sign("wbsec_wrong", f.now, b)}}
		}, http.StatusUnauthorized},
		{"missing signature", func([]byte) http.Header { return nil }, http.StatusUnauthorized},
		{"Standard Webhooks headers instead", func(b []byte) http.Header {
			ts, mac := v1(b, f.now, hookSecret)
			return http.Header{"Webhook-Timestamp": {ts}, "Webhook-Signature": {"v1," + mac}}
		}, http.StatusUnauthorized},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := f.nextID()
			pid := fmt.Sprintf("p-%d", i)
			body := f.delivery(id, wherebyhook.EventClientJoined, f.now, joined(pid, "Bob Guest", "visitor", ""))
			before := f.booking(f.key)
			status, out := f.post("whereby", body, tt.header(body))
			require.Equal(t, tt.status, status, out)
			after := f.booking(f.key)
			if status != http.StatusOK {
				e, _ := out["error"].(map[string]any)
				require.NotNil(t, e)
				assert.Equal(t, "unauthorized", e["code"])
				assert.NotContains(t, fmt.Sprint(e["message"]), hookSecret)
				assert.Equal(t, before.Version, after.Version, "nothing recorded for a 401")
				// The id was not marked seen: a good delivery of it is still recorded.
				status, out = f.send(body)
				require.Equal(t, http.StatusOK, status)
				assert.Equal(t, "recorded", out["status"])
				return
			}
			assert.Equal(t, map[string]any{"status": "recorded", "applied": 1.0, "dropped": 0.0}, out)
			var c *booking.Connection
			for i := range after.Activity.Connections {
				if after.Activity.Connections[i].ID == pid {
					c = &after.Activity.Connections[i]
				}
			}
			require.NotNil(t, c, "the join is on the booking")
			assert.Equal(t, "Bob Guest", c.Name)
			assert.Equal(t, f.room.ID, c.RoomID)
		})
	}
}

func TestHookRereadsARotatedSecretOnce(t *testing.T) {
	f := newHookFixture(t)
	secrets := &rotatingSecrets{name: WherebyWebhookSecret, cached: "wbsec_old", current: hookSecret}
	f.s.Hooks.Secrets = secrets
	status, out := f.send(f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, joined("p1", "Bob", "visitor", "")))
	assert.Equal(t, http.StatusOK, status, out)
	assert.Equal(t, 1, secrets.fresh)

	body := f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, joined("p2", "Bob", "visitor", ""))
	status, _ = f.post("whereby", body, http.Header{"Whereby-Signature": {wherebyhook.Sign("wbsec_neither", f.now, body)}})
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, 2, secrets.fresh, "one fresh read per failed signature")
}

func TestHookRejectsMalformedBodies(t *testing.T) {
	f := newHookFixture(t)
	ok := f.delivery("evt-ok", wherebyhook.EventClientJoined, f.now, joined("p1", "Bob", "visitor", ""))
	tests := []struct {
		name   string
		body   []byte
		ct     string
		status int
		code   string
		field  string
	}{
		{"not JSON", []byte(`{"id":"evt-1","type":`), "", http.StatusBadRequest, "invalid", ""},
		{"missing id", bytes.Replace(ok, []byte(`"id":"evt-ok"`), []byte(`"ident":"evt-ok"`), 1), "", http.StatusBadRequest, "invalid", "id"},
		{"missing createdAt", bytes.Replace(ok, []byte(`"createdAt"`), []byte(`"created"`), 1), "", http.StatusBadRequest, "invalid", "createdAt"},
		{"missing type", bytes.Replace(ok, []byte(`"type"`), []byte(`"kind"`), 1), "", http.StatusBadRequest, "invalid", "type"},
		{"missing roomName", bytes.Replace(ok, []byte(`"roomName"`), []byte(`"room"`), 1), "", http.StatusBadRequest, "invalid", "data.roomName"},
		{"wrong content type", ok, "text/plain", http.StatusUnsupportedMediaType, "unsupported", ""},
		{"too large", append(bytes.Clone(ok), bytes.Repeat([]byte(" "), httpapi.MaxBody)...), "", http.StatusRequestEntityTooLarge, "too_large", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.booking(f.key)
			h := signed(tt.body, f.now)
			if tt.ct != "" {
				h.Set("Content-Type", tt.ct)
			}
			r := httptest.NewRequest(http.MethodPost, "/v1/hooks/whereby", bytes.NewReader(tt.body))
			r.Header = h
			if tt.ct == "" {
				r.Header.Set("Content-Type", "application/json")
			}
			w := serve(f.s, r)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			var out struct{ Error errorBody }
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
			assert.Equal(t, tt.code, out.Error.Code)
			assert.Equal(t, tt.field, out.Error.Field)
			assert.NotEmpty(t, out.Error.Message)
			assert.Equal(t, before.Version, f.booking(f.key).Version, "nothing recorded")
		})
	}
	status, out := f.send(ok)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "recorded", out["status"], "the rejected bodies marked no delivery id")
}

func TestHookDuplicateDelivery(t *testing.T) {
	f := newHookFixture(t)
	body := f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, joined("p1", "Bob", "visitor", ""))
	created := f.booking(f.key).Version
	status, out := f.send(body)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "recorded", out["status"])
	before := f.booking(f.key)
	assert.Equal(t, created, before.Version, "the join is an item of its own: the booking is not written")

	f.now = f.now.Add(time.Minute) // Whereby re-signs a retry
	status, out = f.send(body)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, map[string]any{"status": "duplicate", "applied": 0.0, "dropped": 0.0}, out)
	after := f.booking(f.key)
	assert.Equal(t, before.Version, after.Version, "a duplicate writes nothing")
	assert.Len(t, after.Activity.Connections, 1)

	// The same event under a new delivery id changes nothing either.
	var v map[string]any
	require.NoError(t, json.Unmarshal(body, &v))
	v["id"] = f.nextID()
	again, err := json.Marshal(v)
	require.NoError(t, err)
	status, out = f.send(again)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, 0.0, out["applied"])
	assert.Equal(t, before.Activity, f.booking(f.key).Activity)
	items, err := f.st.Activity(context.Background(), f.key)
	require.NoError(t, err)
	assert.Len(t, items, 1, "one item for the one event")
}

// meeting is one room's story as Whereby reports it: a lone visitor who leaves before anyone
// comes (no session), then the host and a guest forming a session, and a dial-in caller joining
// it; the guest and the caller leave, and the session ends with the host alone.
func (f *hookFixture) meeting(start time.Time) [][]byte {
	at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
	const s1 = "0b2bb0a2-9b6e-4c8e-8d2c-5d5c0e6f1a11"
	caller := joined("p-phone", "Caller", "visitor", s1)
	caller["isDialIn"] = true
	return [][]byte{
		f.delivery(f.nextID(), wherebyhook.EventClientJoined, at(0), joined("p-early", "Early Guest", "visitor", "")),
		f.delivery(f.nextID(), wherebyhook.EventClientLeft, at(2), joined("p-early", "Early Guest", "visitor", "")),
		f.delivery(f.nextID(), wherebyhook.EventClientJoined, at(5), joined("p-host", "Ada Host", "host", "")),
		f.delivery(f.nextID(), wherebyhook.EventClientJoined, at(6), joined("p-bob", "Bob Guest", "visitor", s1)),
		f.delivery(f.nextID(), wherebyhook.EventSessionStarted, at(6), map[string]any{"roomSessionId": s1}),
		f.delivery(f.nextID(), wherebyhook.EventClientJoined, at(7), caller),
		f.delivery(f.nextID(), wherebyhook.EventClientLeft, at(20), caller),
		f.delivery(f.nextID(), wherebyhook.EventClientLeft, at(25), joined("p-bob", "Bob Guest", "visitor", s1)),
		f.delivery(f.nextID(), wherebyhook.EventSessionEnded, at(27), map[string]any{"roomSessionId": s1}),
		f.delivery(f.nextID(), wherebyhook.EventClientLeft, at(30), joined("p-host", "Ada Host", "host", s1)),
	}
}

func TestHookReorderedDeliveriesLeaveTheSameRecord(t *testing.T) {
	orders := []struct {
		name  string
		order func(n int) []int
	}{
		{"in order", func(n int) []int { return seq(n) }},
		{"reversed: every left before its joined, session.ended before session.started", func(n int) []int {
			o := seq(n)
			for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
				o[i], o[j] = o[j], o[i]
			}
			return o
		}},
		{"interleaved", func(n int) []int {
			var o []int
			for i := 1; i < n; i += 2 {
				o = append(o, i)
			}
			for i := 0; i < n; i += 2 {
				o = append(o, i)
			}
			return o
		}},
	}
	for _, tt := range orders {
		t.Run(tt.name, func(t *testing.T) {
			f := newHookFixture(t)
			start := f.now.Add(-30 * time.Minute)
			bodies := f.meeting(start)
			for _, i := range tt.order(len(bodies)) {
				status, out := f.send(bodies[i])
				require.Equal(t, http.StatusOK, status, out)
				assert.Equal(t, "recorded", out["status"])
			}
			// Every delivery once more: all duplicates.
			for _, b := range bodies {
				_, out := f.send(b)
				assert.Equal(t, "duplicate", out["status"])
			}

			act := f.booking(f.key).Activity
			at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
			const s1 = "0b2bb0a2-9b6e-4c8e-8d2c-5d5c0e6f1a11"
			assert.Equal(t, []booking.Session{{ID: s1, RoomID: f.room.ID, StartedAt: at(6), EndedAt: at(27)}}, act.Sessions)
			byID := map[string]booking.Connection{}
			for _, c := range act.Connections {
				byID[c.ID] = c
			}
			want := map[string]booking.Connection{
				"p-early": {ID: "p-early", RoomID: f.room.ID, Name: "Early Guest", Role: "visitor", JoinedAt: at(0), LeftAt: at(2)},
				"p-host":  {ID: "p-host", RoomID: f.room.ID, SessionID: s1, Name: "Ada Host", Role: "host", Host: true, JoinedAt: at(5), LeftAt: at(30)},
				"p-bob":   {ID: "p-bob", RoomID: f.room.ID, SessionID: s1, Name: "Bob Guest", Role: "visitor", JoinedAt: at(6), LeftAt: at(25)},
				"p-phone": {ID: "p-phone", RoomID: f.room.ID, SessionID: s1, Name: "Caller", Role: "visitor", DialIn: true, JoinedAt: at(7), LeftAt: at(20)},
			}
			assert.Equal(t, want, byID)
			assert.False(t, act.Live(), "everyone left and the session ended")
			assert.False(t, act.HostPresent())
			assert.Equal(t, at(30), act.LastEnd())
			// Host 25 min + Bob 19 min + caller 13 min; the early visitor had no session.
			assert.Equal(t, 25+19+13, act.ParticipantMinutes(s1, f.now))
			assert.Equal(t, 2, act.ParticipantMinutes("", f.now))
		})
	}
}

func seq(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = i
	}
	return o
}

func TestHookDropsRoomsRoomkeeperDidNotCreate(t *testing.T) {
	f := newHookFixture(t)
	otherKey, other := f.putBooking("bk_other", "99999999")
	tests := []struct {
		name     string
		roomName string
		meeting  string
	}{
		{"a room without a roomkeeper tag", "/someone-elses-room-546f3ba5", "11111111"},
		{"a tag no booking has", "/demo-" + booking.Tag{Key: booking.KeyOf("generic", "nobody"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String() + "-x", "22222222"},
		{"the booking's tag on a room id it did not make", f.room.Name, "33333333"},
		{"another booking's tag with this booking's room id", other.Name, f.room.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, beforeOther := f.booking(f.key), f.booking(otherKey)
			data := joined("p-x", "Stranger", "visitor", "")
			data["roomName"], data["meetingId"] = tt.roomName, tt.meeting
			status, out := f.send(f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, data))
			require.Equal(t, http.StatusOK, status, "acknowledged, so Whereby does not retry")
			assert.Equal(t, map[string]any{"status": "ignored", "applied": 0.0, "dropped": 1.0}, out)
			assert.Equal(t, before.Version, f.booking(f.key).Version)
			assert.Equal(t, beforeOther.Version, f.booking(otherKey).Version)
		})
	}
}

func TestHookIgnoresTypesItDoesNotRecord(t *testing.T) {
	f := newHookFixture(t)
	for _, typ := range []string{"recording.finished", "transcription.finished", "assistant.requested", "room.brand.new"} {
		t.Run(typ, func(t *testing.T) {
			before := f.booking(f.key)
			status, out := f.send(f.delivery(f.nextID(), typ, f.now, map[string]any{"recordingId": "r1"}))
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, map[string]any{"status": "ignored", "applied": 0.0, "dropped": 0.0}, out)
			assert.Equal(t, before.Version, f.booking(f.key).Version)
		})
	}
}

func TestHookProviders(t *testing.T) {
	f := newHookFixture(t)
	body := f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, joined("p1", "Bob", "visitor", ""))

	status, out := f.post("nosuch", body, signed(body, f.now))
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "not_found", out["error"].(map[string]any)["code"])
	assert.Contains(t, out["error"].(map[string]any)["message"], "unknown provider")

	f.s.Hooks.Secrets = &rotatingSecrets{} // no WHEREBY_WEBHOOK_SECRET
	status, out = f.post("whereby", body, signed(body, f.now))
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, out["error"].(map[string]any)["message"], "not configured")
	assert.Empty(t, f.booking(f.key).Activity.Connections)

	// Another method or path gets roomkeeper's JSON error, not net/http's text.
	for _, tt := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{http.MethodGet, "/v1/hooks/whereby", http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
		{http.MethodPut, "/v1/hooks/zoom", http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
		{http.MethodPost, "/v1/hooks/whereby/extra", http.StatusNotFound, "not_found", ""},
	} {
		resp := serve(f.s, httptest.NewRequest(tt.method, tt.path, nil))
		assert.Equal(t, tt.status, resp.Code, "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.allow, resp.Header().Get("Allow"), "%s %s", tt.method, tt.path)
		var out map[string]map[string]any
		require.NoError(t, json.Unmarshal(resp.Body.Bytes(), &out), "%s %s: %s", tt.method, tt.path, resp.Body)
		assert.Equal(t, tt.code, out["error"]["code"], "%s %s", tt.method, tt.path)
	}
}

func TestHookStoreOutageIs503(t *testing.T) {
	f := newHookFixture(t)
	f.s.Intake.Store = failingStore{f.st}
	status, out := f.send(f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, joined("p1", "Bob", "visitor", "")))
	assert.Equal(t, http.StatusServiceUnavailable, status, "Whereby retries a 5xx")
	assert.Equal(t, "unavailable", out["error"].(map[string]any)["code"])
	assert.NotContains(t, fmt.Sprint(out), "10.0.0.1")
}

// nudges records the bookings the handler asks the worker to look at.
type nudges struct{ keys []string }

func (n *nudges) Enqueue(_ context.Context, key string) error {
	n.keys = append(n.keys, key)
	return nil
}

func TestHookNudgesTheWorkerForAKnock(t *testing.T) {
	f := newHookFixture(t)
	q := &nudges{}
	f.s.Intake.Queue = q
	status, _ := f.send(f.delivery(f.nextID(), wherebyhook.EventClientKnocked, f.now,
		map[string]any{"displayName": "Bob Guest", "participantId": "p-k", "metadata": nil, "externalId": nil}))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, []string{f.key}, q.keys, "the knock e-mail is the worker's job, not the handler's")
	b := f.booking(f.key)
	require.NotNil(t, b.Activity.Knock)
	assert.Equal(t, "Bob Guest", b.Activity.Knock.Name)
	assert.Equal(t, f.now, b.DueAt)
}

func TestHookLogsIDsAndCountsOnly(t *testing.T) {
	f := newHookFixture(t)
	caller := joined("p-phone", "Carol Caller", "visitor", "")
	caller["isDialIn"] = true
	for _, body := range [][]byte{
		f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, caller),
		f.delivery(f.nextID(), wherebyhook.EventClientKnocked, f.now, map[string]any{"displayName": "Dan Knocker", "participantId": "p-k"}),
		[]byte(`{"id":"x","type":"room.client.joined","createdAt":"2026-11-22T10:00:00Z","data":{"displayName":"Eve Broken"}}`),
	} {
		f.send(body)
	}
	logs := f.logs.String()
	require.Contains(t, logs, "provider webhook")
	for _, leak := range []string{"Carol", "Dan Knocker", "Eve", "@example.", hookSecret} {
		assert.NotContains(t, logs, leak)
	}
}

// BenchmarkHook measures one Whereby webhook through the handler: verify the signature, parse
// the event and record it on its booking in the embedded store (bbolt, with its fsync). Whereby
// gives up after 5 s; this is the whole of the handler's work.
func BenchmarkHook(b *testing.B) {
	f := newHookFixture(b)
	mux := http.NewServeMux()
	f.s.Register(mux)
	b.ReportAllocs()
	cpu := cpuTime()
	for i := 0; b.Loop(); i++ {
		body := f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, joined(fmt.Sprintf("p-%d", i), "Bob", "visitor", ""))
		r := httptest.NewRequest(http.MethodPost, "/v1/hooks/whereby", bytes.NewReader(body))
		r.Header = signed(body, f.now)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}
