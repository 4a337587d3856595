package wherebyhook_test

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
)

const hookSecret = "wbsec_s3cr3t"

var hookNow = time.Unix(1606227791, 0)

func TestSignWebhookMatchesKnownVectors(t *testing.T) {
	// Expected values computed independently (Python hmac) over t + "." + body.
	tests := []struct {
		name, secret, body, want string
	}{
		{"ascii", hookSecret, `{"id":"d7c4","type":"room.client.joined"}`,
			"t=1606227791,v1=dbe65ab5699171ea323108c50aba7ee8eb46a76746298071b1e5d29f0fb41c59"},
		{"utf-8 secret and body", "sécret", `{"displayName":"Zoë & <Åsa>"}`,
			"t=1606227791,v1=b2d7049fb6f49d4f5b91d8876a5b3927e9d123508f067526634d4ebda0f7f667"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wherebyhook.Sign(tt.secret, hookNow, []byte(tt.body))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestVerifyWebhook(t *testing.T) {
	body := []byte(`{"id":"d7c4","apiVersion":"1.0","createdAt":"2020-11-24T14:23:11.000Z","type":"room.client.joined","data":{"displayName":"Zoë & <Åsa>"}}`)
	good := wherebyhook.Sign(hookSecret, hookNow, body)
	ts := strconv.FormatInt(hookNow.Unix(), 10)
	v1 := strings.TrimPrefix(good, "t="+ts+",v1=")
	other := hex.EncodeToString(make([]byte, 32))
	header := func(name string, values ...string) http.Header { return http.Header{name: values} }

	tests := []struct {
		name    string
		secret  string
		header  http.Header
		body    []byte
		now     time.Time
		wantErr string // empty: accepted
	}{
		{"good", hookSecret, header("Whereby-Signature", good), body, hookNow, ""},
		{"lower-case header name", hookSecret, header("whereby-signature", good), body, hookNow, ""},
		{"upper-case header name", hookSecret, header("WHEREBY-SIGNATURE", good), body, hookNow, ""},
		{"spaces around parts", hookSecret, header("Whereby-Signature", " t = "+ts+" , v1 = "+v1+" "), body, hookNow, ""},
		{"reordered parts", hookSecret, header("Whereby-Signature", "v1="+v1+",t="+ts), body, hookNow, ""},
		{"several v1, one matching", hookSecret, header("Whereby-Signature", "t="+ts+",v1="+other+",v1="+v1), body, hookNow, ""},
		{"extra parts ignored", hookSecret, header("Whereby-Signature", "t="+ts+",v0=abc,v2=def,v1="+v1+",junk"), body, hookNow, ""},
		{"header sent twice", hookSecret, header("Whereby-Signature", "t="+ts, "v1="+v1), body, hookNow, ""},
		{"at the tolerance, late", hookSecret, header("Whereby-Signature", good), body, hookNow.Add(5 * time.Minute), ""},
		{"at the tolerance, early", hookSecret, header("Whereby-Signature", good), body, hookNow.Add(-5 * time.Minute), ""},
		{"upper-case hex", hookSecret, header("Whereby-Signature", "t="+ts+",v1="+strings.ToUpper(v1)), body, hookNow, ""},

		{"tampered body", hookSecret, header("Whereby-Signature", good), []byte(strings.Replace(string(body), "Zoë", "Zoe", 1)), hookNow, "no matching signature"},
		{"re-encoded body", hookSecret, header("Whereby-Signature", good), []byte(strings.Replace(string(body), "&", `\u0026`, 1)), hookNow, "no matching signature"},
		{"stale", hookSecret, header("Whereby-Signature", good), body, hookNow.Add(5*time.Minute + time.Second), "outside the tolerance"},
		{"future", hookSecret, header("Whereby-Signature", good), body, hookNow.Add(-5*time.Minute - time.Second), "outside the tolerance"},
		{"wrong secret", "wbsec_other", header("Whereby-Signature", good), body, hookNow, "no matching signature"},
		{"timestamp changed", hookSecret, header("Whereby-Signature", "t="+strconv.FormatInt(hookNow.Unix()+1, 10)+",v1="+v1), body, hookNow, "no matching signature"},
		{"missing header", hookSecret, http.Header{"Content-Type": {"application/json"}}, body, hookNow, "missing Whereby-Signature"},
		{"empty header", hookSecret, header("Whereby-Signature", ""), body, hookNow, "no timestamp"},
		{"no timestamp", hookSecret, header("Whereby-Signature", "v1="+v1), body, hookNow, "no timestamp"},
		{"empty timestamp", hookSecret, header("Whereby-Signature", "t=,v1="+v1), body, hookNow, "empty timestamp"},
		{"two timestamps", hookSecret, header("Whereby-Signature", "t="+ts+",t="+ts+",v1="+v1), body, hookNow, "more than one timestamp"},
		{"no v1", hookSecret, header("Whereby-Signature", "t="+ts+",v0="+v1), body, hookNow, "no v1 signature"},
		{"milliseconds timestamp", hookSecret, header("Whereby-Signature", "t="+ts+"000,v1="+v1), body, hookNow, "outside the tolerance"},
		{"malformed timestamp", hookSecret, header("Whereby-Signature", "t=-"+ts+",v1="+v1), body, hookNow, "malformed timestamp"},
		{"huge timestamp", hookSecret, header("Whereby-Signature", "t=99999999999999999999,v1="+v1), body, hookNow, "malformed timestamp"},
		{"v1 not hex", hookSecret, header("Whereby-Signature", "t="+ts+",v1=zz"+v1[2:]), body, hookNow, "no matching signature"},
		{"v1 truncated", hookSecret, header("Whereby-Signature", "t="+ts+",v1="+v1[:32]), body, hookNow, "no matching signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wherebyhook.Verify(tt.secret, tt.header, tt.body, tt.now, 5*time.Minute)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err))
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), tt.secret, "the secret is never echoed")
			assert.NotContains(t, err.Error(), v1, "nor the MAC")
		})
	}
}

func TestVerifyWebhookWithoutSecretIsInternal(t *testing.T) {
	body := []byte(`{}`)
	h := http.Header{"Whereby-Signature": {wherebyhook.Sign("", hookNow, body)}}
	err := wherebyhook.Verify("", h, body, hookNow, time.Minute)
	require.Error(t, err)
	assert.Equal(t, booking.Internal, booking.ErrorCode(err), "a missing secret is roomkeeper's fault, not the caller's")
}

const joinedBody = `{
  "id": "d7c4df48b8c5cfa6a0d5d8bd2f1b2f1e9c6a1e1e6bde14d4c2a0c7b6b1f7482e",
  "apiVersion": "1.0",
  "createdAt": "2021-01-21T16:29:59.681Z",
  "type": "room.client.joined",
  "data": {
    "meetingId": "87673375",
    "roomName": "/demo-rkabcdefghijklmg1-546f3ba5-4a1e-4bbd-9f0d-bf0c7a2b3c4d",
    "roomSessionId": "0b2bb0a2-9b6e-4c8e-8d2c-5d5c0e6f1a11",
    "subdomain": "example",
    "displayName": "Bob Guest",
    "participantId": "p-123",
    "metadata": null,
    "externalId": null,
    "roleName": "visitor",
    "numClients": 2,
    "numClientsByRoleName": {"host": 1, "visitor": 1},
    "isDialIn": false,
    "someFieldAddedLater": {"nested": [1, 2, 3]}
  },
  "anotherNewField": true
}`

// hook returns a webhook body of type typ with the given data JSON.
func hook(typ, data string) string {
	return `{"id":"evt-1","apiVersion":"1.0","createdAt":"2026-11-23T15:04:05.123Z","type":"` + typ + `","data":` + data + `}`
}

const room = `"meetingId":"87673375","roomName":"/r-rkabcdefghijklmg1-x"`

func TestParseWebhook(t *testing.T) {
	at := time.Date(2026, 11, 23, 15, 4, 5, 123e6, time.UTC)
	base := booking.RoomEvent{At: at, RoomID: "87673375", RoomName: "/r-rkabcdefghijklmg1-x"}
	with := func(f func(*booking.RoomEvent)) []booking.RoomEvent {
		e := base
		f(&e)
		return []booking.RoomEvent{e}
	}
	tests := []struct {
		name   string
		body   string
		wantID string
		want   []booking.RoomEvent
	}{
		{"documented joined, unknown fields ignored", joinedBody, "d7c4df48b8c5cfa6a0d5d8bd2f1b2f1e9c6a1e1e6bde14d4c2a0c7b6b1f7482e", []booking.RoomEvent{{
			Kind: booking.Joined, At: time.Date(2021, 1, 21, 16, 29, 59, 681e6, time.UTC),
			RoomID: "87673375", RoomName: "/demo-rkabcdefghijklmg1-546f3ba5-4a1e-4bbd-9f0d-bf0c7a2b3c4d",
			SessionID: "0b2bb0a2-9b6e-4c8e-8d2c-5d5c0e6f1a11", ParticipantID: "p-123", Name: "Bob Guest", Role: "visitor",
		}}},
		{"joined as host", hook("room.client.joined", `{`+room+`,"roomSessionId":null,"displayName":"Ada","participantId":"p1","roleName":"host","numClients":1,"isDialIn":false}`), "evt-1",
			with(func(e *booking.RoomEvent) {
				e.Kind, e.ParticipantID, e.Name, e.Role, e.Host = booking.Joined, "p1", "Ada", "host", true
			})},
		{"owner has host powers", hook("room.client.joined", `{`+room+`,"participantId":"p1","roleName":"owner"}`), "evt-1",
			with(func(e *booking.RoomEvent) {
				e.Kind, e.ParticipantID, e.Role, e.Host = booking.Joined, "p1", "owner", true
			})},
		{"member has host powers", hook("room.client.joined", `{`+room+`,"participantId":"p1","roleName":"member"}`), "evt-1",
			with(func(e *booking.RoomEvent) {
				e.Kind, e.ParticipantID, e.Role, e.Host = booking.Joined, "p1", "member", true
			})},
		{"granted visitor has not", hook("room.client.joined", `{`+room+`,"participantId":"p1","roleName":"granted_visitor"}`), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.ParticipantID, e.Role = booking.Joined, "p1", "granted_visitor" })},
		{"dial-in caller left", hook("room.client.left", `{`+room+`,"roomSessionId":"s1","displayName":"Caller","participantId":"p2","roleName":"visitor","numClients":1,"isDialIn":true}`), "evt-1",
			with(func(e *booking.RoomEvent) {
				e.Kind, e.SessionID, e.ParticipantID, e.Name, e.Role, e.DialIn = booking.Left, "s1", "p2", "Caller", "visitor", true
			})},
		{"joined with the externalId the room link carried", hook("room.client.joined", `{`+room+`,"roomSessionId":"s1","displayName":"Bob Guest","participantId":"p4","metadata":null,"externalId":"bob00001","roleName":"visitor","numClients":2,"isDialIn":false}`), "evt-1",
			with(func(e *booking.RoomEvent) {
				e.Kind, e.SessionID, e.ParticipantID, e.Name, e.ExternalID, e.Role = booking.Joined, "s1", "p4", "Bob Guest", "bob00001", "visitor"
			})},
		{"left with its externalId", hook("room.client.left", `{`+room+`,"roomSessionId":"s1","displayName":"Bob Guest","participantId":"p4","externalId":"bob00001","roleName":"visitor","numClients":1}`), "evt-1",
			with(func(e *booking.RoomEvent) {
				e.Kind, e.SessionID, e.ParticipantID, e.Name, e.ExternalID, e.Role = booking.Left, "s1", "p4", "Bob Guest", "bob00001", "visitor"
			})},
		{"joined with a null externalId (no parameter on the link)", hook("room.client.joined", `{`+room+`,"participantId":"p5","externalId":null,"roleName":"visitor"}`), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.ParticipantID, e.Role = booking.Joined, "p5", "visitor" })},
		{"knocked", hook("room.client.knocked", `{`+room+`,"roomSessionId":null,"displayName":"Bob","participantId":"p3","metadata":null,"externalId":null}`), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.ParticipantID, e.Name = booking.Knocked, "p3", "Bob" })},
		{"knock cancelled", hook("room.client.knockCancelled", `{`+room+`,"displayName":"Bob","participantId":"p3"}`), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.ParticipantID, e.Name = booking.KnockCancelled, "p3", "Bob" })},
		{"session started", hook("room.session.started", `{`+room+`,"roomSessionId":"s1","subdomain":"example"}`), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.SessionID = booking.SessionStarted, "s1" })},
		{"session ended", hook("room.session.ended", `{`+room+`,"roomSessionId":"s1"}`), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.SessionID = booking.SessionEnded, "s1" })},
		{"no meetingId (optional in the trigger docs)", hook("room.session.ended", `{"roomName":"/r-rkabcdefghijklmg1-x","roomSessionId":"s1"}`), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.SessionID, e.RoomID = booking.SessionEnded, "s1", "" })},
		{"createdAt with an offset is UTC", strings.Replace(hook("room.session.ended", `{`+room+`,"roomSessionId":"s1"}`), "15:04:05.123Z", "16:04:05.123+01:00", 1), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.SessionID = booking.SessionEnded, "s1" })},
		// Whereby does not retry a 4xx: bytes that are not UTF-8 are replaced, not refused.
		{"a name with bytes that are not UTF-8", hook("room.client.joined", `{`+room+`,"participantId":"p1","displayName":"J`+"\xf6"+`rg"}`), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.ParticipantID, e.Name = booking.Joined, "p1", "J\uFFFDrg" })},
		// Whereby does not retry a 4xx: an event without participantId is recorded with what it has.
		{"left without participantId", hook("room.client.left", `{`+room+`,"displayName":"Bob"}`), "evt-1",
			with(func(e *booking.RoomEvent) {
				e.Kind, e.ParticipantID, e.Name, e.Unpaired = booking.Left, "unpaired:evt-1", "Bob", true
			})},
		{"knocked without participantId", hook("room.client.knocked", `{`+room+`,"displayName":"Bob"}`), "evt-1",
			with(func(e *booking.RoomEvent) { e.Kind, e.Name = booking.Knocked, "Bob" })},
		{"recording finished is ignored", hook("recording.finished", `{"filename":"x.mp4","recordingId":"r1","roomName":"/x","status":"completed"}`), "evt-1", nil},
		{"transcription is ignored", hook("transcription.started", `{"transcriptionId":"t1"}`), "evt-1", nil},
		{"an unknown type is ignored whatever its data", hook("room.something.new", `[1,2]`), "evt-1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, events, err := wherebyhook.Parse([]byte(tt.body))
			require.NoError(t, err)
			assert.Equal(t, tt.wantID, id)
			assert.Equal(t, tt.want, events)
		})
	}
}

// publishedJoined is the room.client.joined example of Whereby's webhook documentation
// (whereby-product-features/insights-suite-and-api/webhooks.md in github.com/whereby/docs), with
// the comma it lacks after "subdomain" put back: it has no participantId and no roomSessionId.
const publishedJoined = `{
  "id": "d7c4df48b85318352b47d2df45872bf9be87595af379e2a8ad8f1ad28b2a482e",
  "apiVersion": "1.0",
  "createdAt": "2021-01-21T16:29:59.681Z",
  "type": "room.client.joined",
  "data": {
    "roleName": "host",
    "displayName": "Joe Bloggs",
    "meetingId": "134",
    "roomName": "/af0b7b66-c738-4981-887a-ad416754f32d",
    "subdomain": "JoeBloggsInc",
    "numClients": 8,
    "numClientsByRoleName": {
      "host": 1,
      "visitor": 7
    },
    "metadata": "<custom-metadata>",
    "externalId": "<custom-id>"
  }
}`

// TestParsePublishedExample: the documented event, without participantId, is recorded with what
// it has, never refused (Whereby does not retry a 4xx); the delivery's id stands in for the
// participant's, so a duplicate is still one connection.
func TestParsePublishedExample(t *testing.T) {
	id, events, err := wherebyhook.Parse([]byte(publishedJoined))
	require.NoError(t, err)
	assert.Equal(t, "d7c4df48b85318352b47d2df45872bf9be87595af379e2a8ad8f1ad28b2a482e", id)
	assert.Equal(t, []booking.RoomEvent{{
		Kind: booking.Joined, At: time.Date(2021, 1, 21, 16, 29, 59, 681e6, time.UTC),
		RoomID: "134", RoomName: "/af0b7b66-c738-4981-887a-ad416754f32d",
		ParticipantID: "unpaired:" + id, Unpaired: true, Name: "Joe Bloggs", ExternalID: "<custom-id>", Role: "host", Host: true,
	}}, events)
}

func TestParseWebhookRejects(t *testing.T) {
	tests := []struct {
		name, body, field string
	}{
		{"not JSON", `{"id":`, ""},
		{"empty body", ``, ""},
		{"an array", `[]`, ""},
		{"missing id", `{"type":"room.session.ended","createdAt":"2026-11-23T15:04:05Z","data":{}}`, "id"},
		{"null id", `{"id":null,"type":"room.session.ended","createdAt":"2026-11-23T15:04:05Z","data":{}}`, "id"},
		{"numeric id", `{"id":7,"type":"room.session.ended","createdAt":"2026-11-23T15:04:05Z","data":{}}`, "id"},
		{"missing type", `{"id":"e","createdAt":"2026-11-23T15:04:05Z","data":{}}`, "type"},
		{"missing createdAt", `{"id":"e","type":"room.session.ended","data":{}}`, "createdAt"},
		{"createdAt not a date", `{"id":"e","type":"room.session.ended","createdAt":"yesterday","data":{}}`, "createdAt"},
		{"createdAt without a zone", `{"id":"e","type":"room.session.ended","createdAt":"2026-11-23T15:04:05","data":{}}`, "createdAt"},
		{"missing data", `{"id":"e","type":"room.session.ended","createdAt":"2026-11-23T15:04:05Z"}`, "data"},
		{"null data", hook("room.client.joined", `null`), "data"},
		{"data not an object", hook("room.client.joined", `"x"`), "data"},
		{"missing roomName", hook("room.client.joined", `{"participantId":"p1"}`), "data.roomName"},
		{"session without id", hook("room.session.started", `{`+room+`,"roomSessionId":null}`), "data.roomSessionId"},
		{"displayName not a string", hook("room.client.joined", `{`+room+`,"participantId":"p1","displayName":5}`), "data.displayName"},
		{"isDialIn not a boolean", hook("room.client.joined", `{`+room+`,"participantId":"p1","isDialIn":"yes"}`), "data.isDialIn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, events, err := wherebyhook.Parse([]byte(tt.body))
			require.Error(t, err)
			assert.Nil(t, events)
			var e *booking.Error
			require.True(t, errors.As(err, &e), "a *booking.Error: %v", err)
			assert.Equal(t, booking.Invalid, e.Code)
			assert.Equal(t, tt.field, e.Field)
			assert.NotEmpty(t, e.Message)
		})
	}
}

func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(joinedBody))
	f.Add([]byte(hook("room.session.started", `{`+room+`,"roomSessionId":"s1"}`)))
	f.Add([]byte(hook("room.client.knocked", `{`+room+`,"displayName":"Bob","participantId":"p3"}`)))
	f.Add([]byte(hook("room.client.left", `{`+room+`,"participantId":"p3","isDialIn":true}`)))
	f.Add([]byte(hook("recording.finished", `{}`)))
	f.Add([]byte(`{"id":"e","type":"room.client.joined","createdAt":"2026-11-23T15:04:05Z","data":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		id, events, err := wherebyhook.Parse(body)
		if err != nil {
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err), "every rejection is a 400: %v", err)
			assert.Empty(t, id)
			assert.Nil(t, events)
			return
		}
		require.NotEmpty(t, id)
		require.LessOrEqual(t, len(events), 1, "one event per delivery")
		for _, e := range events {
			assert.NotEmpty(t, e.RoomName)
			assert.False(t, e.At.IsZero())
			switch e.Kind {
			case booking.SessionStarted, booking.SessionEnded:
				assert.NotEmpty(t, e.SessionID)
			case booking.Joined, booking.Left:
				assert.NotEmpty(t, e.ParticipantID)
			}
		}
	})
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add(hookSecret, []byte(joinedBody), int64(1606227791), 0)
	f.Add("sécret", []byte(`{"displayName":"Zoë & <Åsa>"}`), int64(0), 3)
	f.Fuzz(func(t *testing.T, secret string, body []byte, unix int64, flip int) {
		if secret == "" || unix < 0 || unix > 1<<40 {
			return
		}
		now := time.Unix(unix, 0)
		h := http.Header{"whereby-signature": {wherebyhook.Sign(secret, now, body)}}
		require.NoError(t, wherebyhook.Verify(secret, h, body, now, time.Minute), "a signed body verifies")
		if len(body) == 0 {
			return
		}
		tampered := append([]byte(nil), body...)
		i := (flip%len(body) + len(body)) % len(body)
		tampered[i] ^= 0x20
		err := wherebyhook.Verify(secret, h, tampered, now, time.Minute)
		assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err), "a changed byte is refused")
	})
}
