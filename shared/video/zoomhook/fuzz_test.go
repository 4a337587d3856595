package zoomhook_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/zoomhook"
)

// fuzzObject is a meeting as Zoom's webhooks describe it.
const fuzzObject = `"id":"85746302158","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"z8yCtX2oRUyI9w1aXnhZgQ","topic":"Intro call (rkabcdefghijklmg1)"`

func fuzzEnvelope(event, extra string) []byte {
	return []byte(`{"event":"` + event + `","event_ts":1700000000123,"payload":{"account_id":"acct","object":{` + fuzzObject + extra + `}}}`)
}

// FuzzParse feeds arbitrary bodies to the webhook parser and the endpoint-validation answer:
// nothing panics, a refusal is always an Invalid error (a 400), and every event it reports has
// what roomkeeper needs to act on it.
func FuzzParse(f *testing.F) {
	f.Add(fuzzEnvelope("meeting.started", `,"start_time":"2026-11-23T15:01:02Z"`))
	f.Add(fuzzEnvelope("meeting.ended", `,"start_time":"2026-11-23T15:01:02Z","end_time":"2026-11-23T15:40:00Z"`))
	f.Add(fuzzEnvelope("meeting.participant_joined", `,"participant":{"user_id":"16778240","user_name":"Ada Host","id":"z8yCtX2oRUyI9w1aXnhZgQ","join_time":"2026-11-23T15:00:30Z"}`))
	f.Add(fuzzEnvelope("meeting.participant_left", `,"participant":{"user_id":16778242,"user_name":"+1 212 555 0142","phone_number":"+12125550142","leave_time":"2026-11-23T15:03:00Z"}`))
	f.Add(fuzzEnvelope("meeting.participant_joined", `,"participant":{"user_name":"x"}`))
	f.Add([]byte(`{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}`))
	f.Add([]byte(`{"event":"endpoint.url_validation","payload":{"plainToken":42}}`))
	f.Add([]byte(`{"event":"recording.completed","payload":{}}`))
	f.Add([]byte(`{"event":"meeting.started","payload":{"object":{"id":1e400}}}`))
	f.Add([]byte("{\"event\":\"meeting.started\xff\"}"))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		answer, isValidation, err := zoomhook.ValidationAnswer(webhookSecret, body)
		if err != nil {
			assert.True(t, isValidation, "only a validation challenge is refused: %v", err)
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err), "every refusal is a 400: %v", err)
		} else if isValidation {
			assert.NotNil(t, answer)
		}

		id, events, err := zoomhook.Parse(body)
		if err != nil {
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err), "every refusal is a 400: %v", err)
			assert.Empty(t, id)
			assert.Nil(t, events)
			return
		}
		require.Len(t, id, 64, "the delivery id is the body's SHA-256")
		require.LessOrEqual(t, len(events), 1, "one event per delivery")
		for _, e := range events {
			assert.NotEmpty(t, e.RoomID)
			assert.NotEmpty(t, e.SessionID)
			assert.False(t, e.At.IsZero())
			if e.Kind == booking.Joined || e.Kind == booking.Left {
				assert.NotEmpty(t, e.ParticipantID)
			}
		}
	})
}

// FuzzVerify signs arbitrary bodies with arbitrary secrets at arbitrary times: a delivery signed
// with the secret verifies, and one changed byte, another secret or a timestamp out of tolerance
// is refused as Unauthorized.
func FuzzVerify(f *testing.F) {
	f.Add(webhookSecret, []byte(`{"event":"meeting.started"}`), int64(1700000000), 0)
	f.Add("sécret", []byte("{\"event\":\"x\xff\"}"), int64(0), 3)
	f.Add("s", []byte(`{}`), int64(1e11), -7)
	f.Fuzz(func(t *testing.T, secret string, body []byte, unix int64, flip int) {
		if secret == "" || unix < 0 || unix > 1e11 { // larger stamps are read as milliseconds
			return
		}
		now := time.Unix(unix, 0)
		ts, sig := zoomhook.Sign(secret, now, body)
		h := http.Header{}
		h.Set(zoomhook.SignatureHeader, sig)
		h.Set(zoomhook.TimestampHeader, ts)
		require.NoError(t, zoomhook.Verify(secret, h, body, now, 5*time.Minute), "a signed body verifies")

		refused := func(msg string, secret string, body []byte, now time.Time) {
			t.Helper()
			err := zoomhook.Verify(secret, h, body, now, 5*time.Minute)
			assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err), "%s is refused: %v", msg, err)
		}
		refused("another secret", secret+"x", body, now)
		refused("a stale delivery", secret, body, now.Add(5*time.Minute+time.Second))
		if len(body) > 0 {
			tampered := append([]byte(nil), body...)
			i := (flip%len(body) + len(body)) % len(body)
			tampered[i] ^= 0x20
			refused("a changed byte", secret, tampered, now)
		}
	})
}
