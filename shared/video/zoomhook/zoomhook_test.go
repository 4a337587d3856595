package zoomhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/zoomhook"
)

const webhookSecret = "ZOOM_SECRET_TOKEN"

func TestVerifyWebhook(t *testing.T) {
	body := []byte(`{"event":"meeting.started"}`)
	now := time.Unix(1700000000, 0)
	// Computed independently: HMAC-SHA256("ZOOM_SECRET_TOKEN", "v0:1700000000:" + body), hex.
	const good = "v0=4f042072c56ad22f1394870dcba8b1a19afa33d96ba771fcb83c5d5c828600cb"
	ts, sig := zoomhook.Sign(webhookSecret, now, body)
	require.Equal(t, "1700000000", ts)
	require.Equal(t, good, sig, "Sign agrees with the independent computation")

	headers := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = append(h[kv[i]], kv[i+1]) // raw names: as API Gateway passes them
		}
		return h
	}
	tests := []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		now    time.Time
		ok     bool
	}{
		{"good", webhookSecret, headers("X-Zm-Signature", good, "X-Zm-Request-Timestamp", "1700000000"), body, now, true},
		{"lower-case header names", webhookSecret, headers("x-zm-signature", good, "x-zm-request-timestamp", "1700000000"), body, now, true},
		{"timestamp in milliseconds", webhookSecret, headers("x-zm-signature", msSig(body), "x-zm-request-timestamp", "1700000000000"), body, now, true},
		{"one of two signatures", webhookSecret, headers("x-zm-signature", "v0=00", "x-zm-signature", good, "x-zm-request-timestamp", "1700000000"), body, now, true},
		{"just inside the tolerance", webhookSecret, headers("x-zm-signature", good, "x-zm-request-timestamp", "1700000000"), body, now.Add(5 * time.Minute), true},
		{"tampered body", webhookSecret, headers("x-zm-signature", good, "x-zm-request-timestamp", "1700000000"), []byte(`{"event":"meeting.ended"}`), now, false},
		{"re-encoded body", webhookSecret, headers("x-zm-signature", good, "x-zm-request-timestamp", "1700000000"), []byte(`{"event": "meeting.started"}`), now, false},
		{"wrong secret", "another-secret", headers("x-zm-signature", good, "x-zm-request-timestamp", "1700000000"), body, now, false},
		{"tampered timestamp", webhookSecret, headers("x-zm-signature", good, "x-zm-request-timestamp", "1700000001"), body, now, false},
		{"stale", webhookSecret, headers("x-zm-signature", good, "x-zm-request-timestamp", "1700000000"), body, now.Add(5*time.Minute + time.Second), false},
		{"from the future", webhookSecret, headers("x-zm-signature", good, "x-zm-request-timestamp", "1700000000"), body, now.Add(-6 * time.Minute), false},
		{"no v0= prefix", webhookSecret, headers("x-zm-signature", good[3:], "x-zm-request-timestamp", "1700000000"), body, now, false},
		{"not hex", webhookSecret, headers("x-zm-signature", "v0=zz", "x-zm-request-timestamp", "1700000000"), body, now, false},
		{"no signature", webhookSecret, headers("x-zm-request-timestamp", "1700000000"), body, now, false},
		{"no timestamp", webhookSecret, headers("x-zm-signature", good), body, now, false},
		{"malformed timestamp", webhookSecret, headers("x-zm-signature", good, "x-zm-request-timestamp", "17e8"), body, now, false},
		{"two timestamps", webhookSecret, headers("x-zm-signature", good, "x-zm-request-timestamp", "1700000000", "x-zm-request-timestamp", "1700000000"), body, now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := zoomhook.Verify(tt.secret, tt.h, tt.body, tt.now, 5*time.Minute)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err))
			assert.NotContains(t, err.Error(), good[3:], "no MAC in the message")
			assert.NotContains(t, err.Error(), tt.secret, "no secret in the message")
		})
	}

	err := zoomhook.Verify("", http.Header{}, body, now, time.Minute)
	assert.Equal(t, booking.Internal, booking.ErrorCode(err), "no secret configured is roomkeeper's fault")
}

// msSig signs body as sent with a timestamp in milliseconds.
func msSig(body []byte) string {
	m := hmac.New(sha256.New, []byte(webhookSecret))
	m.Write([]byte("v0:1700000000000:"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

func TestValidationAnswer(t *testing.T) {
	body := []byte(`{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`)
	answer, ok, err := zoomhook.ValidationAnswer(webhookSecret, body)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, map[string]string{
		"plainToken": "qgg8vlvZRS6UYooatFL8Aw",
		// Computed independently: hex HMAC-SHA256("ZOOM_SECRET_TOKEN", plainToken).
		"encryptedToken": "c0068db88ef1ea569897999f41afa77d736c39906f804600fe873f8da7d47cc9",
	}, answer)

	_, ok, err = zoomhook.ValidationAnswer(webhookSecret, []byte(`{"event":"meeting.started","payload":{}}`))
	require.NoError(t, err)
	assert.False(t, ok, "other events are not challenges")

	for _, payload := range []string{`{}`, `{"plainToken":""}`, `{"plainToken":null}`, `{"plainToken":12345}`,
		`{"plainToken":{"value":"x"}}`, `{"plainToken":["x"]}`, `{"plainToken":true}`, `"x"`, `null`} {
		t.Run("refused "+payload, func(t *testing.T) {
			_, ok, err := zoomhook.ValidationAnswer(webhookSecret, []byte(`{"event":"endpoint.url_validation","payload":`+payload+`}`))
			assert.True(t, ok, "a challenge all the same: not passed on to be ignored")
			var e *booking.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, booking.Invalid, e.Code)
			assert.Equal(t, "payload.plainToken", e.Field)
		})
	}
}

func TestParseWebhook(t *testing.T) {
	const tag = "rkabcdefghijklmg1"
	object := `"id":"85746302158","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"z8yCtX2oRUyI9w1aXnhZgQ","topic":"Intro call (` + tag + `)","type":2,"duration":30,"timezone":"Europe/Oslo"`
	envelope := func(event, extra string) string {
		return `{"event":"` + event + `","event_ts":1700000000123,"payload":{"account_id":"acct","object":{` + object + extra + `}}}`
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	base := booking.RoomEvent{RoomID: "85746302158", RoomName: "Intro call (" + tag + ")", SessionID: "4444AAAiAAAAAiAiAiiAii=="}
	with := func(f func(*booking.RoomEvent)) booking.RoomEvent { e := base; f(&e); return e }
	tests := []struct {
		name  string
		body  string
		want  []booking.RoomEvent
		field string // a want of nil with a field: an Invalid error naming it
	}{
		{"meeting started", envelope("meeting.started", `,"start_time":"2026-11-23T15:01:02Z"`),
			[]booking.RoomEvent{with(func(e *booking.RoomEvent) { e.Kind, e.At = booking.SessionStarted, at("2026-11-23T15:01:02Z") })}, ""},
		{"meeting ended", envelope("meeting.ended", `,"start_time":"2026-11-23T15:01:02Z","end_time":"2026-11-23T15:40:00Z"`),
			[]booking.RoomEvent{with(func(e *booking.RoomEvent) {
				e.Kind, e.At, e.Closes = booking.SessionEnded, at("2026-11-23T15:40:00Z"), true
			})}, ""},
		{"host joins", envelope("meeting.participant_joined", `,"participant":{"user_id":"16778240","user_name":"Ada Host","id":"z8yCtX2oRUyI9w1aXnhZgQ","participant_uuid":"pu-1","join_time":"2026-11-23T15:00:30Z","email":"ada@example.com"}`),
			[]booking.RoomEvent{with(func(e *booking.RoomEvent) {
				e.Kind, e.At, e.ParticipantID, e.Name, e.Role, e.Host = booking.Joined, at("2026-11-23T15:00:30Z"), "16778240", "Ada Host", "host", true
				e.Email = "ada@example.com" // for intake to match to a person; never stored
			})}, ""},
		{"guest joins", envelope("meeting.participant_joined", `,"participant":{"user_id":"16778241","user_name":"Bob Guest","id":"","join_time":"2026-11-23T15:02:00Z"}`),
			[]booking.RoomEvent{with(func(e *booking.RoomEvent) {
				e.Kind, e.At, e.ParticipantID, e.Name, e.Role = booking.Joined, at("2026-11-23T15:02:00Z"), "16778241", "Bob Guest", "participant"
			})}, ""},
		{"caller joins by phone: no number kept", envelope("meeting.participant_joined", `,"participant":{"user_id":"16778242","user_name":"+1 212 555 0142","phone_number":"+12125550142","join_time":"2026-11-23T15:03:00Z"}`),
			[]booking.RoomEvent{with(func(e *booking.RoomEvent) {
				e.Kind, e.At, e.ParticipantID, e.Name, e.Role, e.DialIn = booking.Joined, at("2026-11-23T15:03:00Z"), "16778242", "Phone caller", "participant", true
			})}, ""},
		{"guest leaves", envelope("meeting.participant_left", `,"participant":{"user_id":16778241,"user_name":"Bob Guest","leave_time":"2026-11-23T15:30:00Z","leave_reason":"left"}`),
			[]booking.RoomEvent{with(func(e *booking.RoomEvent) {
				e.Kind, e.At, e.ParticipantID, e.Name, e.Role = booking.Left, at("2026-11-23T15:30:00Z"), "16778241", "Bob Guest", "participant"
			})}, ""},
		// Zoom's deliveries are not to be lost over a name: bytes that are not UTF-8 are replaced.
		{"a name with bytes that are not UTF-8", envelope("meeting.participant_joined", `,"participant":{"user_id":"16778241","user_name":"J`+"\xf6"+`rg","join_time":"2026-11-23T15:02:00Z"}`),
			[]booking.RoomEvent{with(func(e *booking.RoomEvent) {
				e.Kind, e.At, e.ParticipantID, e.Name, e.Role = booking.Joined, at("2026-11-23T15:02:00Z"), "16778241", "J\uFFFDrg", "participant"
			})}, ""},
		{"numeric meeting id", `{"event":"meeting.started","event_ts":1700000000123,"payload":{"object":{"id":85746302158,"uuid":"u","topic":"t","start_time":"2026-11-23T15:01:02Z"}}}`,
			[]booking.RoomEvent{{Kind: booking.SessionStarted, At: at("2026-11-23T15:01:02Z"), RoomID: "85746302158", RoomName: "t", SessionID: "u"}}, ""},
		{"no time: the event's", envelope("meeting.started", ``),
			[]booking.RoomEvent{with(func(e *booking.RoomEvent) { e.Kind, e.At = booking.SessionStarted, time.UnixMilli(1700000000123).UTC() })}, ""},
		{"other event", `{"event":"meeting.created","payload":{"object":{}}}`, nil, ""},
		{"url validation", `{"event":"endpoint.url_validation","payload":{"plainToken":"x"}}`, nil, ""},
		{"not JSON", `{"event":`, nil, "-"},
		{"no event", `{"payload":{}}`, nil, "event"},
		{"no object", `{"event":"meeting.started","payload":{}}`, nil, "payload.object"},
		{"no meeting id", `{"event":"meeting.started","payload":{"object":{"uuid":"u"}}}`, nil, "payload.object.id"},
		{"no uuid", `{"event":"meeting.started","payload":{"object":{"id":"1"}}}`, nil, "payload.object.uuid"},
		{"no participant", envelope("meeting.participant_joined", ``), nil, "payload.object.participant"},
		{"participant without id", envelope("meeting.participant_joined", `,"participant":{"user_name":"x"}`), nil, "payload.object.participant.user_id"},
		{"bad time", envelope("meeting.ended", `,"end_time":"yesterday"`), nil, "payload.object.end_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, events, err := zoomhook.Parse([]byte(tt.body))
			if tt.field != "" {
				require.Error(t, err)
				assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
				if tt.field != "-" {
					var be *booking.Error
					require.ErrorAs(t, err, &be)
					assert.Equal(t, tt.field, be.Field)
				}
				return
			}
			require.NoError(t, err)
			assert.Regexp(t, `^[0-9a-f]{64}$`, id, "the delivery id is the body's digest")
			assert.Equal(t, tt.want, events)
		})
	}

	a, _, _ := zoomhook.Parse([]byte(envelope("meeting.started", "")))
	b, _, _ := zoomhook.Parse([]byte(envelope("meeting.started", "")))
	c, _, _ := zoomhook.Parse([]byte(envelope("meeting.ended", "")))
	assert.Equal(t, a, b, "a redelivery has the same id")
	assert.NotEqual(t, a, c)
}
