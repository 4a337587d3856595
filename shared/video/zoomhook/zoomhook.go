// Package zoomhook verifies and parses Zoom's webhooks into provider-neutral room events and
// answers Zoom's endpoint validation. It is apart from the Zoom REST adapter (shared/video/zoom)
// so the functions that only receive webhooks do not carry the adapter's phone-number library.
package zoomhook

// Zoom webhooks (developers.zoom.us/docs/api/webhooks; the signature scheme of Zoom's official
// sample github.com/zoom/webhook-sample): a JSON envelope {event, event_ts, payload} signed in
// x-zm-signature as "v0=" + hex HMAC-SHA256 over "v0:{x-zm-request-timestamp}:{raw body}" with
// the app's secret token, and the endpoint.url_validation challenge Zoom sends when the endpoint
// is saved and every 72 hours. Payload types follow Zoom's Rivet SDK (MeetingStartedEvent,
// MeetingEndedEvent, MeetingParticipantJoinedEvent, MeetingParticipantLeftEvent).

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Provider is Zoom's provider name in booking records and routes.
const Provider = "zoom"

// Webhook headers.
const (
	SignatureHeader = "X-Zm-Signature"
	TimestampHeader = "X-Zm-Request-Timestamp"
)

// Webhook event types roomkeeper reads. Others are acknowledged and ignored.
const (
	EventURLValidation     = "endpoint.url_validation"
	EventMeetingStarted    = "meeting.started"
	EventMeetingEnded      = "meeting.ended"
	EventParticipantJoined = "meeting.participant_joined"
	EventParticipantLeft   = "meeting.participant_left"
)

// Roles a participant event carries: the meeting's host user, or anyone else.
const (
	participantRoleHost     = "host"
	participantRoleAttendee = "participant"
)

// Verify checks a delivery's x-zm-signature against secret, over the raw body bytes: Zoom
// signs what it sends, and a re-encoded body differs. Header names are matched whatever their
// case (API Gateway lower-cases them). The x-zm-request-timestamp, in seconds (one in
// milliseconds is accepted too), must be within tolerance of now in either direction. MACs are
// compared in constant time.
//
// A rejected delivery is a *booking.Error with Code Unauthorized whose message never carries the
// secret or a MAC; an empty secret is roomkeeper's own misconfiguration (Code Internal).
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return booking.Errorf(booking.Internal, "", "verify Zoom webhook: no secret token configured")
	}
	sigs := booking.HeaderValues(h, SignatureHeader)
	stamps := booking.HeaderValues(h, TimestampHeader)
	switch {
	case len(sigs) == 0:
		return booking.Errorf(booking.Unauthorized, "", "missing %s header", SignatureHeader)
	case len(stamps) != 1 || stamps[0] == "":
		return booking.Errorf(booking.Unauthorized, "", "want exactly one %s header", TimestampHeader)
	}
	ts := stamps[0]
	n, err := booking.UnixTimestamp(TimestampHeader+" header", strings.TrimSpace(ts))
	if err != nil {
		return err
	}
	t := time.Unix(n, 0)
	if n > 1e11 {
		t = time.UnixMilli(n) // too large to be seconds: milliseconds
	}
	if d := now.Sub(t); d > tolerance || d < -tolerance {
		return booking.Errorf(booking.Unauthorized, "", "%s is outside the tolerance of %s", TimestampHeader, tolerance)
	}
	want := webhookMAC(secret, ts, body)
	for _, s := range sigs {
		v, ok := strings.CutPrefix(strings.TrimSpace(s), "v0=")
		if !ok {
			continue
		}
		got, err := hex.DecodeString(v)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return booking.Errorf(booking.Unauthorized, "", "no matching v0 signature in the %s header", SignatureHeader)
}

// Sign returns the x-zm-request-timestamp and x-zm-signature values for a delivery of body
// sent at t, as Zoom computes them.
func Sign(secret string, t time.Time, body []byte) (timestamp, signature string) {
	ts := strconv.FormatInt(t.Unix(), 10)
	return ts, "v0=" + hex.EncodeToString(webhookMAC(secret, ts, body))
}

func webhookMAC(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return m.Sum(nil)
}

// ValidationAnswer answers the endpoint.url_validation challenge: for a body of that event it
// returns {"plainToken": …, "encryptedToken": hex HMAC-SHA256(secret, plainToken)} and true. For
// any other event it returns false. A challenge whose plainToken is missing, empty or not a
// string is an Invalid error naming payload.plainToken.
func ValidationAnswer(secret string, body []byte) (any, bool, error) {
	// Each level is read raw, so a challenge whose payload or token has another type is told
	// apart from a body that is no challenge.
	var env struct {
		Event   string          `json:"event"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Event != EventURLValidation {
		return nil, false, nil
	}
	var payload struct {
		PlainToken json.RawMessage `json:"plainToken"`
	}
	var token string
	if json.Unmarshal(env.Payload, &payload) != nil || json.Unmarshal(payload.PlainToken, &token) != nil || token == "" {
		return nil, true, booking.Errorf(booking.Invalid, "payload.plainToken", "plainToken is required for %s, as a string", EventURLValidation)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return map[string]string{
		"plainToken":     token,
		"encryptedToken": hex.EncodeToString(m.Sum(nil)),
	}, true, nil
}

// flexID is an id Zoom sends as a string in webhooks and as a number in REST answers; both are
// read, as a string.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
		return err
	}
	*f = flexID(n.String())
	return nil
}

type webhookParticipant struct {
	UserID          flexID `json:"user_id"`
	UserName        string `json:"user_name"`
	ID              string `json:"id"`
	ParticipantUUID string `json:"participant_uuid"`
	JoinTime        string `json:"join_time"`
	LeaveTime       string `json:"leave_time"`
	PhoneNumber     string `json:"phone_number"`
	Email           string `json:"email"` // a registrant's or signed-in user's; may be empty
}

type webhookObject struct {
	ID          flexID              `json:"id"`
	UUID        string              `json:"uuid"`
	HostID      string              `json:"host_id"`
	Topic       string              `json:"topic"`
	StartTime   string              `json:"start_time"`
	EndTime     string              `json:"end_time"`
	Participant *webhookParticipant `json:"participant"`
}

// Parse decodes a webhook body into its delivery id and the room events it reports.
//
// The delivery id is the hex SHA-256 of the body: Zoom resends the same body when it retries, and
// its x-zm-trackingid is not documented to stay the same. Events: meeting.started and
// meeting.ended are SessionStarted and SessionEnded of the meeting instance (SessionID = the
// instance's uuid); meeting.participant_joined and _left are Joined and Left, with the
// participant's in-meeting user_id as the connection id, host when the participant is the
// meeting's host user, and dial-in when Zoom reports a phone number (which is not kept: a
// caller's name that is a phone number becomes "Phone caller"). RoomID is the meeting id, a
// string here, and RoomName the topic, which carries the roomkeeper tag. Other event types give
// no events and no error. Unknown fields are ignored.
//
// A body that is not JSON, or a recorded event without the fields it needs, is a *booking.Error
// with Code Invalid naming the field.
func Parse(body []byte) (id string, events []booking.RoomEvent, err error) {
	var env struct {
		Event   *string `json:"event"`
		EventTS int64   `json:"event_ts"`
		Payload struct {
			Object *webhookObject `json:"object"`
		} `json:"payload"`
	}
	if err := booking.DecodeJSON(body, &env, ""); err != nil {
		return "", nil, err
	}
	if env.Event == nil || *env.Event == "" {
		return "", nil, booking.Errorf(booking.Invalid, "event", "event is required")
	}
	sum := sha256.Sum256(body)
	id = hex.EncodeToString(sum[:])
	var kind booking.RoomEventKind
	switch *env.Event {
	case EventMeetingStarted:
		kind = booking.SessionStarted
	case EventMeetingEnded:
		kind = booking.SessionEnded
	case EventParticipantJoined:
		kind = booking.Joined
	case EventParticipantLeft:
		kind = booking.Left
	default:
		return id, nil, nil
	}
	o := env.Payload.Object
	switch {
	case o == nil:
		return "", nil, booking.Errorf(booking.Invalid, "payload.object", "payload.object is required for %s", *env.Event)
	case o.ID == "":
		return "", nil, booking.Errorf(booking.Invalid, "payload.object.id", "the meeting id is required")
	case o.UUID == "":
		return "", nil, booking.Errorf(booking.Invalid, "payload.object.uuid", "the meeting uuid is required")
	}
	// meeting.ended means everyone left: a participant_left lost on the way must not keep the
	// meeting live until the overrun cap.
	e := booking.RoomEvent{Kind: kind, RoomID: string(o.ID), RoomName: o.Topic, SessionID: o.UUID, Closes: kind == booking.SessionEnded}
	var stamp, field string
	switch kind {
	case booking.SessionStarted:
		stamp, field = o.StartTime, "payload.object.start_time"
	case booking.SessionEnded:
		stamp, field = o.EndTime, "payload.object.end_time"
	default:
		p := o.Participant
		if p == nil {
			return "", nil, booking.Errorf(booking.Invalid, "payload.object.participant", "participant is required for %s", *env.Event)
		}
		e.ParticipantID = firstOf(string(p.UserID), p.ParticipantUUID, p.ID)
		if e.ParticipantID == "" {
			return "", nil, booking.Errorf(booking.Invalid, "payload.object.participant.user_id", "the participant's user_id is required")
		}
		e.DialIn = p.PhoneNumber != ""
		e.Name = p.UserName
		e.Email = p.Email // matched to the booking's people at intake, never stored
		if e.DialIn && looksLikePhone(e.Name) {
			e.Name = "Phone caller"
		}
		e.Host = p.ID != "" && p.ID == o.HostID
		e.Role = participantRoleAttendee
		if e.Host {
			e.Role = participantRoleHost
		}
		stamp, field = p.JoinTime, "payload.object.participant.join_time"
		if kind == booking.Left {
			stamp, field = p.LeaveTime, "payload.object.participant.leave_time"
		}
	}
	if stamp == "" && env.EventTS > 0 {
		e.At = time.UnixMilli(env.EventTS).UTC() // no time of its own: when Zoom sent the event
	} else if e.At, err = booking.ParseTime(field, stamp); err != nil {
		return "", nil, err
	}
	return id, []booking.RoomEvent{e}, nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// looksLikePhone reports whether a display name is mostly a phone number, as Zoom names callers
// by their number ("+1 212 555 0142", "212****142").
func looksLikePhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-()*. ", r):
		default:
			return false
		}
	}
	return digits >= 4
}
