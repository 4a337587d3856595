package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/video/zoom"
	"github.com/roomkeeper/roomkeeper/shared/video/zoomhook"
)

const zoomTestSecret = "zoom-secret-token-test"

type zoomHookFixture struct {
	t       *testing.T
	s       *server
	st      *bolt.Store
	now     time.Time
	key     string
	room    booking.Room
	secrets *rotatingSecrets
	logs    *bytes.Buffer
}

func newZoomHookFixture(t *testing.T) *zoomHookFixture {
	t.Helper()
	secrets := &rotatingSecrets{name: ZoomWebhookSecret, cached: zoomTestSecret, current: zoomTestSecret}
	s, st, now := newServer(t, secrets)
	logs := &bytes.Buffer{}
	s.Hooks.Log = slog.New(slog.NewTextHandler(logs, nil))
	f := &zoomHookFixture{t: t, s: s, st: st, now: now, secrets: secrets, logs: logs}
	f.key = booking.KeyOf("generic", "bk_zoom")
	tag := booking.Tag{Key: f.key, Gen: 1, Deployment: booking.DeploymentTag("test")}.String()
	f.room = booking.Room{
		Provider: zoom.Name, ID: "85746302158", Name: zoom.Topic("Intro call", tag), Tag: tag,
		GuestURL: "https://zoom.example/j/85746302158?pwd=x", HostURL: "https://rk.example/v1/host/t",
		ExpiresAt: now.Add(7 * 24 * time.Hour),
	}
	b := &booking.Booking{
		Key: f.key, Source: "generic", ExternalID: "bk_zoom", UID: "bk_zoom@roomkeeper", Status: booking.Confirmed,
		Details: booking.Details{
			Title: "Intro call", Start: now.Add(-30 * time.Minute), End: now.Add(30 * time.Minute),
			Organizer: booking.Person{Email: "ada@example.com"}, Attendees: []booking.Person{{Email: "bob@example.net"}},
			Room: booking.RoomOptions{Provider: zoom.Name, Size: booking.Small, DialIn: true},
		},
		Room: &f.room, RoomGen: 1, CreatedAt: now, UpdatedAt: now,
	}
	require.NoError(t, st.Put(context.Background(), b))
	return f
}

// event is a Zoom webhook body about the fixture's meeting, its id a string as Zoom sends it.
func (f *zoomHookFixture) event(typ string, object map[string]any) []byte {
	f.t.Helper()
	obj := map[string]any{"id": f.room.ID, "uuid": "inst-1==", "host_id": "host-user", "topic": f.room.Name, "type": 2}
	for k, v := range object {
		obj[k] = v
	}
	body, err := json.Marshal(map[string]any{"event": typ, "event_ts": f.now.UnixMilli(), "payload": map[string]any{"account_id": "a", "object": obj}})
	require.NoError(f.t, err)
	return body
}

func (f *zoomHookFixture) post(body []byte, header http.Header) (int, map[string]any) {
	f.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/v1/hooks/zoom", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	for k, vs := range header {
		r.Header[k] = vs // as given: API Gateway lower-cases names
	}
	w := serve(f.s, r)
	var out map[string]any
	require.NoError(f.t, json.Unmarshal(w.Body.Bytes(), &out), "body %s", w.Body)
	return w.Code, out
}

func zoomSigned(secret string, body []byte, at time.Time) http.Header {
	ts, sig := zoomhook.Sign(secret, at, body)
	return http.Header{"x-zm-request-timestamp": {ts}, "x-zm-signature": {sig}, "x-zm-trackingid": {"v=2.0&s=abc"}}
}

func (f *zoomHookFixture) send(body []byte) (int, map[string]any) {
	f.t.Helper()
	return f.post(body, zoomSigned(zoomTestSecret, body, f.now))
}

func TestZoomURLValidation(t *testing.T) {
	f := newZoomHookFixture(t)
	body := []byte(`{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`)
	mac := hmac.New(sha256.New, []byte(zoomTestSecret))
	mac.Write([]byte("qgg8vlvZRS6UYooatFL8Aw"))

	status, out := f.send(body)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, map[string]any{"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": hex.EncodeToString(mac.Sum(nil))}, out)

	status, _ = f.post(body, nil)
	assert.Equal(t, http.StatusUnauthorized, status, "the challenge is signed like any delivery")

	for _, payload := range []string{`{}`, `{"plainToken":12345}`} {
		status, out = f.send([]byte(`{"event":"endpoint.url_validation","payload":` + payload + `}`))
		assert.Equal(t, http.StatusBadRequest, status, payload)
		assert.Equal(t, "payload.plainToken", out["error"].(map[string]any)["field"], payload)
	}

	// After a rotation the challenge is answered with the secret that verified it.
	f.secrets.cached, f.secrets.current, f.secrets.fresh = "old-secret", "new-secret", 0
	status, out = f.post(body, zoomSigned("new-secret", body, f.now))
	require.Equal(t, http.StatusOK, status)
	mac = hmac.New(sha256.New, []byte("new-secret"))
	mac.Write([]byte("qgg8vlvZRS6UYooatFL8Aw"))
	assert.Equal(t, hex.EncodeToString(mac.Sum(nil)), out["encryptedToken"])
	assert.Equal(t, 1, f.secrets.fresh)
}

func TestZoomHookSignatures(t *testing.T) {
	f := newZoomHookFixture(t)
	start := f.now.Add(-20 * time.Minute).Format(time.RFC3339)
	tests := []struct {
		name   string
		header func(body []byte) http.Header
		status int
	}{
		{"good", func(b []byte) http.Header { return zoomSigned(zoomTestSecret, b, f.now) }, http.StatusOK},
		{"wrong secret", func(b []byte) http.Header { return zoomSigned("other", b, f.now) }, http.StatusUnauthorized},
		{"stale", func(b []byte) http.Header { return zoomSigned(zoomTestSecret, b, f.now.Add(-6*time.Minute)) }, http.StatusUnauthorized},
		{"tampered", func(b []byte) http.Header { return zoomSigned(zoomTestSecret, append([]byte(" "), b...), f.now) }, http.StatusUnauthorized},
		{"unsigned", func([]byte) http.Header { return nil }, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := f.event(zoomhook.EventMeetingStarted, map[string]any{"start_time": start, "uuid": tt.name})
			status, _ := f.post(body, tt.header(body))
			assert.Equal(t, tt.status, status)
		})
	}
	var ids []string
	for _, s := range f.booking().Activity.Sessions {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{"good"}, ids, "only the verified delivery is recorded")

	f.s.Hooks.Secrets = &rotatingSecrets{}
	body := f.event(zoomhook.EventMeetingStarted, map[string]any{"start_time": start})
	status, out := f.post(body, zoomSigned(zoomTestSecret, body, f.now))
	assert.Equal(t, http.StatusNotFound, status, "without ZOOM_WEBHOOK_SECRET")
	assert.Contains(t, out["error"].(map[string]any)["message"], "not configured")
}

func (f *zoomHookFixture) booking() *booking.Booking {
	f.t.Helper()
	b, err := f.st.Get(context.Background(), f.key)
	require.NoError(f.t, err)
	require.NoError(f.t, booking.LoadActivity(context.Background(), f.st, b))
	return b
}

// A meeting's webhooks fill the same session and participant records Whereby's do.
func TestZoomHookRecordsTheMeeting(t *testing.T) {
	f := newZoomHookFixture(t)
	at := func(d time.Duration) string { return f.now.Add(d).Format(time.RFC3339) }
	participant := func(id, name string, extra map[string]any) map[string]any {
		p := map[string]any{"user_id": id, "user_name": name, "participant_uuid": "pu-" + id, "email": ""}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	deliveries := [][]byte{
		f.event(zoomhook.EventMeetingStarted, map[string]any{"start_time": at(-25 * time.Minute)}),
		f.event(zoomhook.EventParticipantJoined, map[string]any{"participant": participant("16778240", "Ada Host", map[string]any{"id": "host-user", "join_time": at(-25 * time.Minute)})}),
		f.event(zoomhook.EventParticipantJoined, map[string]any{"participant": participant("16778241", "+1 212 555 0142", map[string]any{"phone_number": "+12125550142", "join_time": at(-24 * time.Minute)})}),
		f.event(zoomhook.EventParticipantLeft, map[string]any{"participant": participant("16778241", "+1 212 555 0142", map[string]any{"phone_number": "+12125550142", "leave_time": at(-10 * time.Minute)})}),
	}
	for i, body := range deliveries {
		status, out := f.send(body)
		require.Equal(t, http.StatusOK, status, "delivery %d", i)
		assert.Equal(t, "recorded", out["status"], "delivery %d", i)
	}
	status, out := f.send(deliveries[2])
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "duplicate", out["status"], "Zoom's retry resends the same body")

	b := f.booking()
	act := b.Activity
	require.Len(t, act.Sessions, 1)
	assert.Equal(t, booking.Session{ID: "inst-1==", RoomID: f.room.ID, StartedAt: f.now.Add(-25 * time.Minute)}, act.Sessions[0])
	require.Len(t, act.Connections, 2)
	host, caller := act.Connections[0], act.Connections[1]
	assert.True(t, host.Host)
	assert.Equal(t, "Ada Host", host.Name)
	assert.Equal(t, f.now.Add(-25*time.Minute), act.HostSeenAt)
	assert.True(t, caller.DialIn, "a caller with a phone number is dial-in")
	assert.Equal(t, "Phone caller", caller.Name, "no phone number is kept")
	assert.Equal(t, f.now.Add(-10*time.Minute), caller.LeftAt)
	assert.True(t, act.Live())
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "555 0142", "no phone number in the record")
	assert.NotContains(t, string(raw), "5550142")

	status, _ = f.send(f.event(zoomhook.EventParticipantLeft, map[string]any{"participant": participant("16778240", "Ada Host", map[string]any{"id": "host-user", "leave_time": at(-time.Minute)})}))
	require.Equal(t, http.StatusOK, status)
	status, out = f.send(f.event(zoomhook.EventMeetingEnded, map[string]any{"end_time": at(-time.Minute)}))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "recorded", out["status"])
	assert.False(t, f.booking().Activity.Live())

	logs := f.logs.String()
	for _, leak := range []string{"555 0142", "5550142", "Ada Host", zoomTestSecret} {
		assert.NotContains(t, logs, leak)
	}
}

func TestZoomHookDropsAndIgnores(t *testing.T) {
	f := newZoomHookFixture(t)
	start := f.now.Format(time.RFC3339)
	tests := []struct {
		name   string
		body   []byte
		status string
	}{
		{"another meeting with our tag", f.event(zoomhook.EventMeetingStarted, map[string]any{"id": "99999999999", "start_time": start}), "ignored"},
		{"a meeting roomkeeper did not make", f.event(zoomhook.EventMeetingStarted, map[string]any{"topic": "Weekly sync", "start_time": start}), "ignored"},
		{"an event roomkeeper does not record", f.event("meeting.created", nil), "ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := f.send(tt.body)
			assert.Equal(t, http.StatusOK, status, "acknowledged, so Zoom does not retry")
			assert.Equal(t, tt.status, out["status"])
		})
	}
	assert.Empty(t, f.booking().Activity.Sessions)

	status, out := f.send([]byte(`{"event":"meeting.started","payload":{"object":{"uuid":"u"}}}`))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "payload.object.id", out["error"].(map[string]any)["field"])
}
