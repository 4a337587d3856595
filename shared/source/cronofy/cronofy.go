// Package cronofy verifies and parses Cronofy's scheduling callbacks (docs.cronofy.com:
// "Push notification authentication", the Embedded Scheduler's "Receiving updates" and the
// Real-Time Scheduling "Scheduling Triggers"; docs/sources.md has the mapping) into roomkeeper
// changes.
//
// Two callbacks describe a booked slot:
//   - the Embedded Scheduler's push notification of type scheduling_request_time_chosen: the
//     booking is the scheduling request (scheduling_request.scheduling_request_id), its guests
//     the request's recipients, its time and title the request's event;
//   - the Real-Time Scheduling completion callback (the link's callback_url or
//     callback_urls.completed_url): the booking is the event (event.event_id), which names its
//     participants only by Cronofy account (sub).
//
// Neither names the organizer by address, and the completion callback names no guest by address,
// so the integrator puts them in the event's metadata when creating the request (the keys are
// MetaOrganizerEmail and the others below). Every other notification (calendar push "change"
// and "verification", Smart Invite replies, no_times_suitable, other scheduling request states)
// is acknowledged and ignored: docs/sources.md lists them.
//
// Cronofy sends no delivery id and no timestamp in its signature: a delivery is deduplicated on
// the SHA-256 of its raw body and ordered by notification.triggered_at when present.
package cronofy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Source is the Change.Source of Cronofy bookings.
const Source = "cronofy"

// HeaderSignature carries the base64 HMAC-SHA256 of the raw body, one per active client secret,
// comma-separated.
const HeaderSignature = "Cronofy-HMAC-SHA256"

// The event metadata keys the integrator sets for roomkeeper.
const (
	MetaOrganizerEmail = "roomkeeper_organizer_email" // required: the host, who gets the host link
	MetaOrganizerName  = "roomkeeper_organizer_name"  // optional
	// MetaAttendeeEmails lists guests, comma-separated: required for the Real-Time Scheduling
	// callback, added to the recipients for the Embedded Scheduler.
	MetaAttendeeEmails = "roomkeeper_attendee_emails"
)

// MaxID is the longest scheduling request or event id accepted, in characters.
const MaxID = 500

// TimeChosen is the Embedded Scheduler notification type roomkeeper acts on.
const TimeChosen = "scheduling_request_time_chosen"

// Verify checks a delivery's Cronofy-HMAC-SHA256 against the client secrets (CRONOFY_CLIENT_SECRETS,
// comma-separated, so a rotation can accept the old and the new): it passes if any of the
// header's comma-separated values is the base64 HMAC-SHA256 of the raw body under any secret,
// compared in constant time. A rejected delivery is a *booking.Error with Code Unauthorized that
// never carries a secret or an expected MAC; no secret at all is roomkeeper's own
// misconfiguration (Code Internal).
func Verify(secrets string, h http.Header, body []byte) error {
	var keys []string
	for _, s := range strings.Split(secrets, ",") {
		if s = strings.TrimSpace(s); s != "" {
			keys = append(keys, s)
		}
	}
	if len(keys) == 0 {
		return booking.Errorf(booking.Internal, "", "verify Cronofy callback: no client secret configured")
	}
	var sigs [][]byte
	for _, v := range strings.Split(strings.Join(h.Values(HeaderSignature), ","), ",") {
		if sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err == nil && len(sig) > 0 {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return booking.Errorf(booking.Unauthorized, "", "missing or malformed %s header", HeaderSignature)
	}
	for _, k := range keys {
		want := mac(k, body)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				return nil
			}
		}
	}
	return booking.Errorf(booking.Unauthorized, "", "no matching signature")
}

// Sign returns the Cronofy-HMAC-SHA256 value Cronofy sends for body under one client secret.
func Sign(secret string, body []byte) string {
	return base64.StdEncoding.EncodeToString(mac(secret, body))
}

func mac(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// Parse decodes and validates a verified Cronofy callback; now is when it arrived. It returns the
// change to apply, or none for a notification roomkeeper ignores. The change has Source
// "cronofy", Type booking.EventCreated (a later time chosen for the same request updates it),
// At notification.triggered_at (now when absent; never later than now), DeliveryID the body's
// SHA-256, and Details normalised by booking.Details.Normalize with OrganizerCalendar false:
// Cronofy has already written the event into the organizer's calendar (the request's target
// calendar), so a calendar part in the organizer's mail would be a duplicate.
//
// Any problem is a *booking.Error with Code Invalid naming the field as Cronofy spells it, such
// as "scheduling_request.event.metadata.roomkeeper_organizer_email". Unknown fields are ignored.
func Parse(body []byte, now time.Time, rules booking.Rules) ([]booking.Change, error) {
	var cb struct {
		Notification struct {
			Type        string `json:"type"`
			TriggeredAt string `json:"triggered_at"`
		} `json:"notification"`
		Request *struct {
			ID         string            `json:"scheduling_request_id"`
			Summary    string            `json:"summary"`
			Recipients []json.RawMessage `json:"recipients"`
			Event      *event            `json:"event"`
		} `json:"scheduling_request"`
		Event *event `json:"event"`
	}
	if err := booking.DecodeJSON(body, &cb, ""); err != nil {
		return nil, err
	}
	at, err := booking.ChangeTime("notification.triggered_at", cb.Notification.TriggeredAt, now)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	ch := booking.Change{Source: Source, Type: booking.EventCreated, At: at, DeliveryID: hex.EncodeToString(sum[:])}
	switch {
	case cb.Notification.Type == TimeChosen:
		r := cb.Request
		if r == nil {
			return nil, booking.Errorf(booking.Invalid, "scheduling_request", "a scheduling request object is required")
		}
		if ch.ExternalID, err = booking.CheckID("scheduling_request.scheduling_request_id", r.ID, MaxID, "an id is required"); err != nil {
			return nil, err
		}
		if r.Event == nil {
			return nil, booking.Errorf(booking.Invalid, "scheduling_request.event", "the event with the chosen start and end is required")
		}
		guests, paths, err := recipients(r.Recipients)
		if err != nil {
			return nil, err
		}
		if r.Event.Summary == "" {
			r.Event.Summary = r.Summary
		}
		ch.Details, err = r.Event.details(now, rules, "scheduling_request.event", guests, paths)
		if err != nil {
			return nil, err
		}
	case cb.Notification.Type == "" && cb.Event != nil && len(cb.Event.Start) > 0:
		if ch.ExternalID, err = booking.CheckID("event.event_id", cb.Event.ID, MaxID, "an id is required"); err != nil {
			return nil, err
		}
		if ch.Details, err = cb.Event.details(now, rules, "event", nil, nil); err != nil {
			return nil, err
		}
	default:
		return nil, nil // calendar push, Smart Invite, no times suitable, other request states
	}
	return []booking.Change{ch}, nil
}

// event is a Cronofy event as its callbacks carry it.
type event struct {
	ID          string                     `json:"event_id"`
	Summary     string                     `json:"summary"`
	Description string                     `json:"description"`
	Start       json.RawMessage            `json:"start"`
	End         json.RawMessage            `json:"end"`
	Metadata    map[string]json.RawMessage `json:"metadata"`
}

func (e *event) details(now time.Time, rules booking.Rules, path string, guests []booking.Person, guestPaths []string) (booking.Details, error) {
	start, zone, err := eventTime(path+".start", e.Start)
	if err != nil {
		return booking.Details{}, err
	}
	end, _, err := eventTime(path+".end", e.End)
	if err != nil {
		return booking.Details{}, err
	}
	meta := path + ".metadata."
	text := func(key string) (string, error) {
		raw, ok := e.Metadata[key]
		if !ok || string(raw) == "null" {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", booking.Errorf(booking.Invalid, meta+key, "must be a string")
		}
		return s, nil
	}
	organizer, err := text(MetaOrganizerEmail)
	if err != nil {
		return booking.Details{}, err
	}
	if strings.TrimSpace(organizer) == "" {
		return booking.Details{}, booking.Errorf(booking.Invalid, meta+MetaOrganizerEmail, "the organizer's e-mail address is required: set it in the event's metadata when creating the request")
	}
	name, err := text(MetaOrganizerName)
	if err != nil {
		return booking.Details{}, err
	}
	listed, err := text(MetaAttendeeEmails)
	if err != nil {
		return booking.Details{}, err
	}
	for _, a := range strings.Split(listed, ",") {
		if a = strings.TrimSpace(a); a != "" {
			guests = append(guests, booking.Person{Email: a})
			guestPaths = append(guestPaths, meta+MetaAttendeeEmails)
		}
	}
	if len(guests) == 0 {
		return booking.Details{}, booking.Errorf(booking.Invalid, meta+MetaAttendeeEmails, "at least one guest's e-mail address is required: set it in the event's metadata when creating the request")
	}
	d := booking.Details{
		Title:             e.Summary,
		Description:       e.Description,
		Start:             start,
		End:               end,
		TimeZone:          zone,
		Organizer:         booking.Person{Name: name, Email: organizer},
		Attendees:         guests,
		OrganizerCalendar: false,
	}
	f := func(generic string) string {
		if rest, ok := strings.CutPrefix(generic, "data.attendees["); ok {
			if i, suffix, ok := strings.Cut(rest, "]"); ok {
				if n, err := strconv.Atoi(i); err == nil && n < len(guestPaths) {
					if strings.HasPrefix(guestPaths[n], meta) {
						return guestPaths[n]
					}
					return guestPaths[n] + map[string]string{".email": ".email", ".name": ".display_name"}[suffix]
				}
			}
		}
		switch {
		case generic == "data.title":
			return path + ".summary"
		case generic == "data.description":
			return path + ".description"
		case generic == "data.start":
			return path + ".start"
		case generic == "data.end":
			return path + ".end"
		case generic == "data.timeZone":
			return path + ".start.tzid"
		case generic == "data.organizer.email":
			return meta + MetaOrganizerEmail
		case generic == "data.organizer.name":
			return meta + MetaOrganizerName
		case generic == "data.attendees":
			return meta + MetaAttendeeEmails
		}
		return ""
	}
	rules.Field = f // errors name the source's own fields
	// Cronofy's retries are not documented: a guest mail cannot reach is left out, and named to
	// the organizer, rather than the booking refused.
	rules.KeepUndeliverable = true
	err = d.Normalize(now, rules)
	return d, err
}

// recipients reads the Embedded Scheduler's recipients: the guests.
func recipients(raw []json.RawMessage) ([]booking.Person, []string, error) {
	var people []booking.Person
	var paths []string
	for i, r := range raw {
		path := "scheduling_request.recipients[" + strconv.Itoa(i) + "]"
		var p struct {
			Email string `json:"email"`
			Name  string `json:"display_name"`
		}
		if string(r) == "null" {
			return nil, nil, booking.Errorf(booking.Invalid, path, "must be an object with an email")
		}
		if err := booking.DecodeJSON(r, &p, path); err != nil {
			return nil, nil, err
		}
		people = append(people, booking.Person{Name: p.Name, Email: p.Email})
		paths = append(paths, path)
	}
	return people, paths, nil
}

// eventTime reads a Cronofy time: {"time": "…", "tzid": "Europe/London"} or a bare time string.
func eventTime(field string, raw json.RawMessage) (time.Time, string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, "", booking.Errorf(booking.Invalid, field, "a time is required")
	}
	var v struct {
		Time string `json:"time"`
		TZID string `json:"tzid"`
	}
	if err := json.Unmarshal(raw, &v.Time); err == nil {
		t, err := booking.ParseTime(field, v.Time)
		return t, "", err
	}
	if err := booking.DecodeJSON(raw, &v, field); err != nil {
		return time.Time{}, "", err
	}
	t, err := booking.ParseTime(field+".time", v.Time)
	return t, v.TZID, err
}
