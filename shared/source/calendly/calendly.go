// Package calendly verifies and parses Calendly API v2 webhooks (invitee.created and
// invitee.canceled; developer.calendly.com "Webhook signatures" and "See how webhook payloads
// change when invitees reschedule events"; docs/sources.md has the mapping) into roomkeeper
// changes.
//
// One-on-one event types (invitees_counter.limit 1): the booking is the chain of invitees. A
// reschedule arrives as a pair in either order, possibly twice: the old invitee canceled with
// rescheduled true and new_invitee, and the new invitee created with old_invitee. The created
// half is an update of the booking the old invitee belongs to (booking.Change.Previous); the
// cancelled half only links the new invitee to it (booking.EventLinked), so it never cancels
// anything, and alone it leaves the booking to be cleaned up after its end as usual. The guest
// gets one update with the same calendar UID and a higher SEQUENCE, never a CANCEL.
//
// Group event types (limit above 1): the booking is the scheduled event and each invitee one of
// its attendees, with their own invite. An invitee cancelling leaves (booking.EventLeft: a
// CANCEL to them only); one rescheduling leaves the first event and joins the second; the host
// cancelling the event cancels it for everyone.
//
// Deliveries are deduplicated on (event, invitee URI), ordered by the envelope's created_at, and
// signed with Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>.
package calendly

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Source is the Change.Source of Calendly bookings.
const Source = "calendly"

// HeaderSignature carries "t=<unix seconds>,v1=<hex>".
const HeaderSignature = "Calendly-Webhook-Signature"

// MaxURI is the longest invitee or event URI accepted, in characters.
const MaxURI = 500

// Verify checks a delivery's Calendly-Webhook-Signature against the signing key: any v1 entry
// must be the HMAC-SHA256 of t + "." + body, compared in constant time, and t within tolerance
// of now in either direction. A rejected delivery is a *booking.Error with Code Unauthorized
// that never carries the key or the expected MAC; an empty key is roomkeeper's own
// misconfiguration (Code Internal).
func Verify(key string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if key == "" {
		return booking.Errorf(booking.Internal, "", "verify Calendly webhook: no signing key configured")
	}
	vs := h.Values(HeaderSignature)
	if len(vs) == 0 || strings.TrimSpace(strings.Join(vs, "")) == "" {
		return booking.Errorf(booking.Unauthorized, "", "missing %s header", HeaderSignature)
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(strings.Join(vs, ","), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			if ts != "" && ts != v {
				return booking.Errorf(booking.Unauthorized, "", "malformed %s header: more than one t", HeaderSignature)
			}
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := booking.UnixTimestamp("timestamp in the "+HeaderSignature+" header", ts)
	if err != nil {
		return err
	}
	if len(sigs) == 0 {
		return booking.Errorf(booking.Unauthorized, "", "malformed %s header: no v1 signature", HeaderSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return booking.Errorf(booking.Unauthorized, "", "timestamp outside tolerance")
	}
	want := booking.TimestampMAC(key, ts, body)
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return booking.Errorf(booking.Unauthorized, "", "no matching signature")
}

// Sign returns the Calendly-Webhook-Signature value Calendly sends for body at ts.
func Sign(key string, ts time.Time, body []byte) string {
	return booking.TimestampSignature(key, ts, body)
}

// Events roomkeeper acts on; every other event is acknowledged and ignored.
const (
	InviteeCreated  = "invitee.created"
	InviteeCanceled = "invitee.canceled"
)

// Parse decodes and validates a verified Calendly delivery; now is when it arrived. It returns
// the change to apply, or none for an event roomkeeper ignores. Changes have Source "calendly",
// At the envelope's created_at (now when absent; never later than now), DeliveryID the event and
// the invitee URI, and, where the meeting is described, Details normalised by
// booking.Details.Normalize with OrganizerCalendar false (Calendly already put the meeting in the
// host's calendar). The organizer is the first of the event's memberships (hosts); the other
// hosts and, for one-on-one events, the guests the invitee added are attendees too, since they
// need the link.
//
// Any problem is a *booking.Error with Code Invalid naming the field as Calendly spells it, such
// as "payload.scheduled_event.event_memberships[0].user_email". Unknown fields are ignored.
func Parse(body []byte, now time.Time, rules booking.Rules) ([]booking.Change, error) {
	var env struct {
		Event     string          `json:"event"`
		CreatedAt string          `json:"created_at"`
		Payload   json.RawMessage `json:"payload"`
	}
	if err := booking.DecodeJSON(body, &env, ""); err != nil {
		return nil, err
	}
	switch env.Event {
	case "":
		return nil, booking.Errorf(booking.Invalid, "event", "an event name is required")
	case InviteeCreated, InviteeCanceled:
	default:
		return nil, nil // no-shows, routing forms, event types, …: nothing to do
	}
	at, err := booking.ChangeTime("created_at", env.CreatedAt, now)
	if err != nil {
		return nil, err
	}
	if len(env.Payload) == 0 || string(env.Payload) == "null" {
		return nil, booking.Errorf(booking.Invalid, "payload", "a payload object is required")
	}
	var p invitee
	if err := booking.DecodeJSON(env.Payload, &p, "payload"); err != nil {
		return nil, err
	}
	uri, err := checkURI("payload.uri", p.URI)
	if err != nil {
		return nil, err
	}
	ch := booking.Change{Source: Source, ExternalID: uri, At: at, DeliveryID: env.Event + ":" + uri}
	ev := p.Event
	group := ev.InviteesCounter.Limit > 1

	if env.Event == InviteeCanceled {
		ch.Reason = booking.CleanReason(p.Cancellation.Reason)
	}
	switch {
	case !group && env.Event == InviteeCreated:
		ch.Type = booking.EventCreated
		if p.OldInvitee != "" {
			if ch.Previous, err = checkURI("payload.old_invitee", p.OldInvitee); err != nil {
				return nil, err
			}
			ch.Type = booking.EventUpdated
		}
	case !group && p.Rescheduled:
		if p.NewInvitee == "" {
			return nil, nil // the other half will link the new invitee; alone this cancels nothing
		}
		if ch.ExternalID, err = checkURI("payload.new_invitee", p.NewInvitee); err != nil {
			return nil, err
		}
		ch.Type, ch.Previous, ch.Reason = booking.EventLinked, uri, ""
		return []booking.Change{ch}, nil
	case !group:
		ch.Type = booking.EventCancelled
		return []booking.Change{ch}, nil
	case env.Event == InviteeCanceled && ev.Status == "canceled" && !p.Rescheduled && p.Cancellation.CancelerType == "host":
		// The host cancelled the whole event: every invitee's cancel arrives; the first ends it.
		if ch.ExternalID, err = checkURI("payload.scheduled_event.uri", ev.URI); err != nil {
			return nil, err
		}
		ch.Type = booking.EventCancelled
		return []booking.Change{ch}, nil
	default:
		if ch.ExternalID, err = checkURI("payload.scheduled_event.uri", ev.URI); err != nil {
			return nil, err
		}
		ch.Type, ch.Member = booking.EventJoined, uri
		if env.Event == InviteeCanceled {
			ch.Type = booking.EventLeft
			email, err := booking.CheckEmail("payload.email", p.Email)
			switch {
			case errors.Is(err, booking.ErrUndeliverable):
				ch.Details.Uninvited = []booking.Person{{Email: email}} // never invited, so no CANCEL
			case err != nil:
				return nil, err
			default:
				ch.Details.Attendees = []booking.Person{{Email: email}}
			}
			return []booking.Change{ch}, nil
		}
	}
	if ch.Details, err = p.details(now, rules, group); err != nil {
		return nil, err
	}
	return []booking.Change{ch}, nil
}

// invitee is the part of Calendly's invitee payload roomkeeper reads.
type invitee struct {
	URI          string `json:"uri"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	Timezone     string `json:"timezone"`
	Rescheduled  bool   `json:"rescheduled"`
	OldInvitee   string `json:"old_invitee"`
	NewInvitee   string `json:"new_invitee"`
	Cancellation struct {
		Reason       string `json:"reason"`
		CancelerType string `json:"canceler_type"`
	} `json:"cancellation"`
	Event struct {
		URI             string `json:"uri"`
		Name            string `json:"name"`
		Status          string `json:"status"`
		StartTime       string `json:"start_time"`
		EndTime         string `json:"end_time"`
		InviteesCounter struct {
			Limit int `json:"limit"`
		} `json:"invitees_counter"`
		// Memberships and guests are decoded one by one, so a type error can name its index.
		Memberships []json.RawMessage `json:"event_memberships"`
		Guests      []json.RawMessage `json:"event_guests"`
	} `json:"scheduled_event"`
}

// source is where one participant's fields are in the payload.
type source struct{ email, name, zone string }

func (p *invitee) details(now time.Time, rules booking.Rules, group bool) (booking.Details, error) {
	const ev = "payload.scheduled_event"
	start, err := booking.ParseTime(ev+".start_time", p.Event.StartTime)
	if err != nil {
		return booking.Details{}, err
	}
	end, err := booking.ParseTime(ev+".end_time", p.Event.EndTime)
	if err != nil {
		return booking.Details{}, err
	}
	if len(p.Event.Memberships) == 0 {
		return booking.Details{}, booking.Errorf(booking.Invalid, ev+".event_memberships", "at least one host is required: the first is the organizer")
	}
	if len(p.Event.Memberships)+len(p.Event.Guests) > booking.LargeMax {
		return booking.Details{}, booking.Errorf(booking.Invalid, ev+".event_guests", "at most %d participants are allowed", booking.LargeMax)
	}
	var hosts []booking.Person
	var hostPaths []source
	for i, raw := range p.Event.Memberships {
		path := ev + ".event_memberships[" + strconv.Itoa(i) + "]"
		var m struct {
			Email string `json:"user_email"`
			Name  string `json:"user_name"`
		}
		if err := decodeObject(raw, &m, path); err != nil {
			return booking.Details{}, err
		}
		hosts = append(hosts, booking.Person{Name: m.Name, Email: m.Email})
		hostPaths = append(hostPaths, source{email: path + ".user_email", name: path + ".user_name"})
	}
	attendees := []booking.Person{{Name: p.Name, Email: p.Email, TimeZone: p.Timezone}}
	paths := []source{{email: "payload.email", name: "payload.name", zone: "payload.timezone"}}
	if !group {
		// The guests an invitee adds belong to their booking; in a group event they could not be
		// told apart from the other invitees' guests, so they are left to Calendly there.
		for i, raw := range p.Event.Guests {
			path := ev + ".event_guests[" + strconv.Itoa(i) + "]"
			var g struct {
				Email string `json:"email"`
			}
			if err := decodeObject(raw, &g, path); err != nil {
				return booking.Details{}, err
			}
			attendees = append(attendees, booking.Person{Email: g.Email})
			paths = append(paths, source{email: path + ".email"})
		}
	}
	attendees, paths = append(attendees, hosts[1:]...), append(paths, hostPaths[1:]...)
	d := booking.Details{
		Title:     p.Event.Name,
		Start:     start,
		End:       end,
		Organizer: hosts[0],
		Attendees: attendees,
	}
	if group && p.Event.InviteesCounter.Limit+len(hosts) > booking.SmallMax {
		d.Room.Size = booking.Large // sized for the event's limit, not for who has booked so far
	}
	f := fields{organizer: hostPaths[0], attendees: paths}
	rules.Field = f.field // errors name the source's own fields
	// A delivery Calendly gives up on is lost: a guest mail cannot reach is left out, and named
	// to the organizer, rather than the booking refused.
	rules.KeepUndeliverable = true
	err = d.Normalize(now, rules)
	return d, err
}

// fields maps generic field paths from booking.Details.Normalize onto Calendly's.
type fields struct {
	organizer source
	attendees []source
}

func (f fields) field(path string) string {
	person := func(s source, suffix string) string {
		switch suffix {
		case ".email":
			return s.email
		case ".name":
			return s.name
		case ".timeZone":
			return s.zone
		}
		return strings.TrimSuffix(s.email, ".email")
	}
	if rest, ok := strings.CutPrefix(path, "data.attendees["); ok {
		if i, suffix, ok := strings.Cut(rest, "]"); ok {
			if n, err := strconv.Atoi(i); err == nil && n < len(f.attendees) {
				return person(f.attendees[n], suffix)
			}
		}
	}
	if suffix, ok := strings.CutPrefix(path, "data.organizer"); ok {
		return person(f.organizer, suffix)
	}
	switch path {
	case "data.title":
		return "payload.scheduled_event.name"
	case "data.start":
		return "payload.scheduled_event.start_time"
	case "data.end":
		return "payload.scheduled_event.end_time"
	case "data.attendees":
		return "payload.email"
	}
	return "" // room settings: roomkeeper's own configuration, not Calendly's
}

func checkURI(field, s string) (string, error) {
	return booking.CheckID(field, s, MaxURI, "a URI is required")
}

func decodeObject(raw json.RawMessage, v any, path string) error {
	if string(raw) == "null" {
		return booking.Errorf(booking.Invalid, path, "must be an object")
	}
	return booking.DecodeJSON(raw, v, path)
}
