// Package wherebyhook verifies and parses Whereby's webhooks into provider-neutral room events.
// It is apart from the Whereby REST adapter (shared/video/whereby) so the functions that only
// receive webhooks do not carry the adapter's phone-number library.
package wherebyhook

// Whereby webhooks, as they are described by
// whereby-product-features/insights-suite-and-api/webhooks.md in github.com/whereby/docs,
// with the payload types of Whereby's own SDK
// (packages/assistant-sdk/src/Trigger/types.ts in github.com/whereby/sdk): an envelope
// {id, apiVersion, createdAt, type, data} signed in the Whereby-Signature header
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>".

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Provider is Whereby's provider name in booking records and routes.
const Provider = "whereby"

// SignatureHeader is the header carrying a webhook's signature.
const SignatureHeader = "Whereby-Signature"

// Verify checks a webhook delivery's Whereby-Signature header against secret.
//
// body must be the raw request body, byte for byte: Whereby signs the bytes it sends, and a
// re-encoded body differs (Go escapes <, > and &). The header is found whatever the case of its
// name (API Gateway lower-cases names) and may be sent more than once; its comma-separated parts
// may come in any order with spaces around them, parts other than t and v1 are ignored, and any
// one of several v1 signatures may match. The timestamp t must be within tolerance of now in
// either direction. MACs are compared in constant time.
//
// A rejected delivery is a *booking.Error with Code Unauthorized whose message says what is wrong
// and never carries the secret or a MAC. An empty secret is roomkeeper's own misconfiguration:
// that error has Code Internal.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return booking.Errorf(booking.Internal, "", "verify Whereby webhook: no signing secret configured")
	}
	var parts []string
	for _, v := range booking.HeaderValues(h, SignatureHeader) {
		parts = append(parts, strings.Split(v, ",")...)
	}
	var ts string
	var sigs []string
	for _, p := range parts {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "t":
			if ts != "" {
				return booking.Errorf(booking.Unauthorized, "", "more than one timestamp in the %s header", SignatureHeader)
			}
			ts = strings.TrimSpace(v)
			if ts == "" {
				return booking.Errorf(booking.Unauthorized, "", "empty timestamp in the %s header", SignatureHeader)
			}
		case "v1":
			sigs = append(sigs, strings.TrimSpace(v))
		}
	}
	switch {
	case len(parts) == 0:
		return booking.Errorf(booking.Unauthorized, "", "missing %s header", SignatureHeader)
	case ts == "":
		return booking.Errorf(booking.Unauthorized, "", "no timestamp (t=) in the %s header", SignatureHeader)
	case len(sigs) == 0:
		return booking.Errorf(booking.Unauthorized, "", "no v1 signature in the %s header", SignatureHeader)
	}
	sec, err := booking.UnixTimestamp("timestamp in the "+SignatureHeader+" header", ts)
	if err != nil {
		return err
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return booking.Errorf(booking.Unauthorized, "", "%s timestamp is outside the tolerance of %s", SignatureHeader, tolerance)
	}
	want := booking.TimestampMAC(secret, ts, body)
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return booking.Errorf(booking.Unauthorized, "", "no matching signature in the %s header", SignatureHeader)
}

// Sign returns the Whereby-Signature header value for a delivery of body sent at t:
// "t=<unix seconds>,v1=<lowercase hex HMAC-SHA256>" keyed with secret's UTF-8 bytes.
func Sign(secret string, t time.Time, body []byte) string {
	return booking.TimestampSignature(secret, t, body)
}

// Webhook event types roomkeeper records. Others (transcription.*, recording.finished,
// assistant.requested, and any Whereby adds) are acknowledged and ignored.
const (
	EventClientJoined         = "room.client.joined"
	EventClientLeft           = "room.client.left"
	EventClientKnocked        = "room.client.knocked"
	EventClientKnockCancelled = "room.client.knockCancelled"
	EventSessionStarted       = "room.session.started"
	EventSessionEnded         = "room.session.ended"
)

var kinds = map[string]booking.RoomEventKind{
	EventClientJoined:         booking.Joined,
	EventClientLeft:           booking.Left,
	EventClientKnocked:        booking.Knocked,
	EventClientKnockCancelled: booking.KnockCancelled,
	EventSessionStarted:       booking.SessionStarted,
	EventSessionEnded:         booking.SessionEnded,
}

// hostRoles are the roleName values that carry host powers: a hostRoomUrl visitor and the
// organisation's own dashboard accounts.
var hostRoles = map[string]bool{"host": true, "owner": true, "member": true}

// envelope is a webhook body.
type envelope struct {
	ID         string          `json:"id"`
	APIVersion string          `json:"apiVersion"`
	CreatedAt  string          `json:"createdAt"`
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
}

// inRoom is the data of the in-room events, with every field any of them carries.
type inRoom struct {
	MeetingID     string  `json:"meetingId"`
	RoomName      string  `json:"roomName"`
	RoomSessionID *string `json:"roomSessionId"`
	DisplayName   string  `json:"displayName"`
	ParticipantID string  `json:"participantId"`
	ExternalID    *string `json:"externalId"` // null or absent unless the room link carried one
	RoleName      string  `json:"roleName"`
	IsDialIn      bool    `json:"isDialIn"`
}

// Parse decodes a webhook body into its delivery id, the dedupe key, and the room events
// it reports (one for each in-room event roomkeeper records; none for other types, which are
// not an error). Unknown fields are ignored, as Whereby adds fields without notice.
//
// A join, leave or knock without participantId (Whereby's published room.client.joined example
// has none) is recorded with what it has: its connection id is the delivery's ("unpaired:<id>")
// and it is Unpaired, so a join is never paired with a leave. Whereby does not retry a 4xx, so
// a 400 would lose it for good.
//
// A body that is not JSON, an envelope without id, type or a valid createdAt, or a recorded event
// without the data it needs (roomName; roomSessionId for session events) is a *booking.Error
// with Code Invalid naming the field.
func Parse(body []byte) (id string, events []booking.RoomEvent, err error) {
	var env envelope
	if err := booking.DecodeJSON(body, &env, ""); err != nil {
		return "", nil, err
	}
	if env.ID == "" {
		return "", nil, booking.Errorf(booking.Invalid, "id", "id is required")
	}
	if env.Type == "" {
		return "", nil, booking.Errorf(booking.Invalid, "type", "type is required")
	}
	at, err := booking.ParseTime("createdAt", env.CreatedAt)
	if err != nil {
		return "", nil, err
	}
	id = env.ID
	kind, ok := kinds[env.Type]
	if !ok {
		return id, nil, nil
	}
	if len(env.Data) == 0 || bytes.Equal(env.Data, []byte("null")) {
		return "", nil, booking.Errorf(booking.Invalid, "data", "data is required for %s", env.Type)
	}
	var d inRoom
	if err := booking.DecodeJSON(env.Data, &d, "data"); err != nil {
		return "", nil, err
	}
	e := booking.RoomEvent{Kind: kind, At: at, RoomID: d.MeetingID, RoomName: d.RoomName}
	if d.RoomSessionID != nil {
		e.SessionID = *d.RoomSessionID
	}
	switch {
	case d.RoomName == "":
		return "", nil, booking.Errorf(booking.Invalid, "data.roomName", "roomName is required for %s", env.Type)
	case (kind == booking.SessionStarted || kind == booking.SessionEnded) && e.SessionID == "":
		return "", nil, booking.Errorf(booking.Invalid, "data.roomSessionId", "roomSessionId is required for %s", env.Type)
	}
	switch kind {
	case booking.Joined, booking.Left, booking.Knocked, booking.KnockCancelled:
		e.ParticipantID = d.ParticipantID
		if e.ParticipantID == "" && (kind == booking.Joined || kind == booking.Left) {
			e.ParticipantID, e.Unpaired = "unpaired:"+env.ID, true
		}
		e.Name = d.DisplayName
		if d.ExternalID != nil {
			e.ExternalID = *d.ExternalID
		}
		e.Role = d.RoleName
		e.Host = hostRoles[d.RoleName]
		e.DialIn = d.IsDialIn
	}
	return id, []booking.RoomEvent{e}, nil
}
