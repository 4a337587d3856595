// Package calcom verifies and parses Cal.com booking webhooks (webhook payload version
// 2021-10-20, as Cal.com's webhooks guide and packages/features/webhooks in
// github.com/calcom/cal.com define them; docs/sources.md has the mapping) into roomkeeper
// changes.
//
// Identity: a Cal.com reschedule makes a new booking with a new uid, but its iCalUID stays, so
// the iCalUID is both roomkeeper's booking id and the calendar UID of the invites, and guests'
// calendars merge roomkeeper's invite with Cal.com's own. roomkeeper's SEQUENCE is its own
// counter: iCalSequence is ignored, since Cal.com leaves it stuck after the first reschedule.
// Each uid a booking has had is recorded as another name for it (booking.Change.Names), so a
// BOOKING_RESCHEDULED or BOOKING_REJECTED without iCalUID, as in Cal.com's published examples,
// is linked to the booking through its rescheduleUid or uid; one nothing links is refused.
//
// Triggers: BOOKING_CREATED creates (Cal.com sends it again when a requested booking is
// confirmed); BOOKING_RESCHEDULED updates; BOOKING_CANCELLED cancels, except with
// requestReschedule, when nothing changes until the new time arrives as BOOKING_RESCHEDULED;
// BOOKING_REJECTED cancels only a booking already known; MEETING_ENDED (sent flat, without the
// payload wrapper) lets cleanup start at once; BOOKING_REQUESTED and every other trigger are
// acknowledged and ignored. Seated event types (seatsPerTimeSlot) map attendee by attendee: a
// seat booked joins, a seat cancelled leaves; their reschedules are ignored (docs/sources.md).
//
// Cal.com sends no delivery id and often does not retry: a delivery is deduplicated on its
// trigger, uid and the SHA-256 of its raw body, and ordered by its createdAt.
package calcom

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Source is the Change.Source of Cal.com bookings.
const Source = "calcom"

// HeaderSignature carries the hex HMAC-SHA256 of the raw body.
const HeaderSignature = "X-Cal-Signature-256"

// noSecret is what Cal.com sends in HeaderSignature for a webhook configured without a secret.
const noSecret = "no-secret-provided"

// MaxUID is the longest iCalUID accepted, in characters.
const MaxUID = 255

// Verify checks a delivery's X-Cal-Signature-256 against secret over the raw body, in constant
// time. The literal "no-secret-provided" fails: that webhook has no secret in Cal.com. A rejected
// delivery is a *booking.Error with Code Unauthorized that never carries the secret or the
// expected MAC; an empty secret is roomkeeper's own misconfiguration (Code Internal).
func Verify(secret string, h http.Header, body []byte) error {
	if secret == "" {
		return booking.Errorf(booking.Internal, "", "verify Cal.com webhook: no secret configured")
	}
	vs := h.Values(HeaderSignature)
	switch {
	case len(vs) == 0 || strings.TrimSpace(vs[0]) == "":
		return booking.Errorf(booking.Unauthorized, "", "missing %s header", HeaderSignature)
	case len(vs) > 1:
		return booking.Errorf(booking.Unauthorized, "", "more than one %s header", HeaderSignature)
	}
	sig := strings.ToLower(strings.TrimSpace(vs[0]))
	if sig == noSecret {
		return booking.Errorf(booking.Unauthorized, "", "the Cal.com webhook has no secret: give it one in Cal.com and set the same value in CALCOM_WEBHOOK_SECRET")
	}
	got, err := hex.DecodeString(strings.TrimPrefix(sig, "sha256="))
	if err != nil {
		return booking.Errorf(booking.Unauthorized, "", "malformed %s header: want hex", HeaderSignature)
	}
	if !hmac.Equal(got, mac(secret, body)) {
		return booking.Errorf(booking.Unauthorized, "", "no matching signature")
	}
	return nil
}

// Sign returns the X-Cal-Signature-256 value Cal.com sends for body.
func Sign(secret string, body []byte) string { return hex.EncodeToString(mac(secret, body)) }

func mac(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// Triggers roomkeeper acts on.
const (
	Created     = "BOOKING_CREATED"
	Rescheduled = "BOOKING_RESCHEDULED"
	Cancelled   = "BOOKING_CANCELLED"
	Rejected    = "BOOKING_REJECTED"
	Requested   = "BOOKING_REQUESTED"
	Ended       = "MEETING_ENDED"
)

// Parse decodes and validates a verified Cal.com delivery. now is when it arrived: a meeting
// that has already ended by then is rejected. It returns the changes to apply, none for a
// trigger roomkeeper ignores. Each change has Source "calcom", ExternalID and UID the iCalUID
// (for a BOOKING_RESCHEDULED or BOOKING_REJECTED without one: neither, and Unlinked, an Invalid
// error naming iCalUID, for intake to answer when no name links it), Names the uids ("uid:<uid>"),
// At the delivery's createdAt (now when absent; never later than now), DeliveryID from the
// trigger, the uid and the body's SHA-256, and, for bookings, Details normalised by
// booking.Details.Normalize with OrganizerCalendar false (Cal.com already put the meeting in the
// organizer's calendar).
//
// Any problem is a *booking.Error with Code Invalid naming the field as Cal.com spells it, such
// as "payload.attendees[0].email". Unknown fields are ignored.
func Parse(body []byte, now time.Time, rules booking.Rules) ([]booking.Change, error) {
	var env struct {
		TriggerEvent string          `json:"triggerEvent"`
		CreatedAt    string          `json:"createdAt"`
		Payload      json.RawMessage `json:"payload"`
	}
	if err := booking.DecodeJSON(body, &env, ""); err != nil {
		return nil, err
	}
	at, err := booking.ChangeTime("createdAt", env.CreatedAt, now)
	if err != nil {
		return nil, err
	}
	var raw []byte
	prefix := "payload"
	switch env.TriggerEvent {
	case "":
		return nil, booking.Errorf(booking.Invalid, "triggerEvent", "a trigger is required")
	case Created, Rescheduled, Cancelled, Rejected:
		if len(env.Payload) == 0 || string(env.Payload) == "null" {
			return nil, booking.Errorf(booking.Invalid, "payload", "a payload object is required")
		}
		raw = env.Payload
	case Ended:
		raw, prefix = body, "" // sent flat: the booking's fields sit next to triggerEvent
	default:
		return nil, nil // BOOKING_REQUESTED, payments, recordings, forms, …: nothing to do
	}
	var p payload
	if err := booking.DecodeJSON(raw, &p, prefix); err != nil {
		return nil, err
	}
	f := fields{prefix: prefix}
	seated := p.SeatsPerTimeSlot != nil && *p.SeatsPerTimeSlot > 0
	var names []string
	if !seated && (env.TriggerEvent == Created || env.TriggerEvent == Rescheduled || env.TriggerEvent == Rejected) {
		names = p.names(env.TriggerEvent)
	}
	uid, err := booking.CheckID(f.path("iCalUID"), p.ICalUID, MaxUID, "an iCalUID is required: it identifies the booking across reschedules")
	linked := p.ICalUID == "" && len(names) > 0 && (env.TriggerEvent == Rescheduled || env.TriggerEvent == Rejected)
	if err != nil && !linked {
		return nil, err
	}
	sum := sha256.Sum256(body)
	base := booking.Change{
		Source:     Source,
		ExternalID: uid,
		UID:        uid,
		At:         at,
		DeliveryID: env.TriggerEvent + ":" + p.UID + ":" + hex.EncodeToString(sum[:]),
		Names:      names,
	}
	if linked {
		// Cal.com's own examples of these triggers carry no iCalUID: the booking is found by the
		// uid it had (rescheduleUid) or has, which roomkeeper recorded when it saw them.
		base.ExternalID, base.UID = "", ""
		base.Unlinked = booking.Errorf(booking.Invalid, f.path("iCalUID"),
			"an iCalUID is required: roomkeeper holds no booking with this delivery's uid or rescheduleUid to link it to")
	}

	switch env.TriggerEvent {
	case Ended:
		end, err := booking.ParseTime(f.path("endTime"), p.EndTime)
		if err != nil {
			return nil, err
		}
		base.Type = booking.EventEnded
		base.Details.End = end
		return []booking.Change{base}, nil
	case Rejected:
		base.Type, base.IfExists = booking.EventCancelled, true
		base.Reason = booking.CleanReason(p.RejectionReason)
		return []booking.Change{base}, nil
	case Cancelled:
		if p.RequestReschedule {
			// The organizer asked the attendee to pick another time: the room and the invites
			// stay until the new time arrives as BOOKING_RESCHEDULED (same iCalUID).
			return nil, nil
		}
		if seated {
			return p.seats(base, booking.EventLeft, now, rules, f)
		}
		base.Type = booking.EventCancelled
		base.Reason = booking.CleanReason(p.CancellationReason)
		return []booking.Change{base}, nil
	case Rescheduled:
		if seated {
			return nil, nil // a seat moved to another slot: not covered (docs/sources.md)
		}
		base.Type = booking.EventUpdated
	default:
		if seated {
			return p.seats(base, booking.EventJoined, now, rules, f)
		}
		base.Type = booking.EventCreated
	}
	if base.Details, err = p.details(now, rules, f, nil); err != nil {
		return nil, err
	}
	return []booking.Change{base}, nil
}

// names are the booking's names by Cal.com uid ("uid:<uid>", apart from iCalUIDs): the
// delivery's own uid and the uid a reschedule replaced (rescheduleUid), the one a delivery without
// iCalUID is linked by first (the uid it replaced for a reschedule, its own otherwise). An id
// roomkeeper would not take as an id (CheckID) is left out.
func (p *payload) names(trigger string) []string {
	ids := []string{p.UID, p.RescheduleUID}
	if trigger == Rescheduled {
		ids[0], ids[1] = ids[1], ids[0]
	}
	var out []string
	for _, id := range ids {
		if id, err := booking.CheckID("", id, MaxUID, ""); err == nil && !slices.Contains(out, "uid:"+id) {
			out = append(out, "uid:"+id)
		}
	}
	return out
}

// payload is the part of Cal.com's booking payload roomkeeper reads.
type payload struct {
	UID         string `json:"uid"`
	ICalUID     string `json:"iCalUID"`
	Title       string `json:"title"`
	Description string `json:"description"`
	StartTime   string `json:"startTime"`
	EndTime     string `json:"endTime"`
	Organizer   person `json:"organizer"`
	// Attendees and team members are decoded one by one, so a type error can name its index.
	Attendees []json.RawMessage `json:"attendees"`
	Team      *struct {
		Members []json.RawMessage `json:"members"`
	} `json:"team"`
	RescheduleUID      string `json:"rescheduleUid"` // the uid of the booking a reschedule replaced
	SeatsPerTimeSlot   *int   `json:"seatsPerTimeSlot"`
	RequestReschedule  bool   `json:"requestReschedule"`
	CancellationReason string `json:"cancellationReason"`
	RejectionReason    string `json:"rejectionReason"`
}

type person struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	TimeZone string `json:"timeZone"`
	// Language is the person's language, as a booking payload carries it ({"locale": "de"};
	// Cal.com's "no" is Norwegian Bokmål, which language matching makes nb). The flat MEETING_*
	// deliveries carry it as locale.
	Language struct {
		Locale string `json:"locale"`
	} `json:"language"`
	Locale string `json:"locale"`
}

// person is p as roomkeeper keeps a person.
func (p person) person() booking.Person {
	return booking.Person{Name: p.Name, Email: p.Email, TimeZone: p.TimeZone, Locale: cmp.Or(p.Language.Locale, p.Locale)}
}

// details maps the booking onto roomkeeper's: the organizer, the attendees (the booker and
// their guests) and the team's other hosts as attendees, since they need the link too. only, if
// set, replaces the attendee list (one seat) and its source path.
func (p *payload) details(now time.Time, rules booking.Rules, f fields, only *seat) (booking.Details, error) {
	start, err := booking.ParseTime(f.path("startTime"), p.StartTime)
	if err != nil {
		return booking.Details{}, err
	}
	end, err := booking.ParseTime(f.path("endTime"), p.EndTime)
	if err != nil {
		return booking.Details{}, err
	}
	var people []booking.Person
	if only != nil {
		people, f.attendees = []booking.Person{only.person}, []string{only.path}
	} else {
		if people, f.attendees, err = decodePeople(p.Attendees, f.path("attendees")); err != nil {
			return booking.Details{}, err
		}
		if len(people) == 0 {
			return booking.Details{}, booking.Errorf(booking.Invalid, f.path("attendees"), "at least one attendee is required")
		}
		if p.Team != nil {
			hosts, paths, err := decodePeople(p.Team.Members, f.path("team.members"))
			if err != nil {
				return booking.Details{}, err
			}
			people, f.attendees = append(people, hosts...), append(f.attendees, paths...)
		}
	}
	if len(people) > booking.LargeMax {
		return booking.Details{}, booking.Errorf(booking.Invalid, f.path("attendees"), "at most %d attendees are allowed", booking.LargeMax)
	}
	d := booking.Details{
		Title:       p.Title,
		Description: p.Description,
		Start:       start,
		End:         end,
		TimeZone:    p.Organizer.TimeZone,
		Organizer:   p.Organizer.person(),
		Attendees:   people,
	}
	if p.SeatsPerTimeSlot != nil && *p.SeatsPerTimeSlot+1 > booking.SmallMax {
		d.Room.Size = booking.Large // sized for the slot, not for the seats taken so far
	}
	rules.Field = f.field // errors name the source's own fields
	// Cal.com sends a booking once: a guest mail cannot reach is left out, and named to the
	// organizer, rather than the booking lost.
	rules.KeepUndeliverable = true
	err = d.Normalize(now, rules)
	return d, err
}

// seat is one attendee of a seated booking, with its source path.
type seat struct {
	person booking.Person
	path   string
}

// seats returns one attendee-level change per attendee listed: a seat booked or cancelled.
func (p *payload) seats(base booking.Change, typ booking.EventType, now time.Time, rules booking.Rules, f fields) ([]booking.Change, error) {
	people, paths, err := decodePeople(p.Attendees, f.path("attendees"))
	if err != nil {
		return nil, err
	}
	if len(people) == 0 {
		return nil, booking.Errorf(booking.Invalid, f.path("attendees"), "at least one attendee is required")
	}
	var out []booking.Change
	for i := range people {
		ch := base
		ch.Type = typ
		ch.DeliveryID = base.DeliveryID + "#" + strconv.Itoa(i)
		if ch.Details, err = p.details(now, rules, f, &seat{people[i], paths[i]}); err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

func decodePeople(raw []json.RawMessage, path string) ([]booking.Person, []string, error) {
	people := make([]booking.Person, len(raw))
	paths := make([]string, len(raw))
	for i, r := range raw {
		paths[i] = path + "[" + strconv.Itoa(i) + "]"
		var p person
		if string(r) == "null" {
			return nil, nil, booking.Errorf(booking.Invalid, paths[i], "must be an object with an email")
		}
		if err := booking.DecodeJSON(r, &p, paths[i]); err != nil {
			return nil, nil, err
		}
		people[i] = p.person()
	}
	return people, paths, nil
}

// fields names Cal.com's fields: prefix is "payload", or "" for the flat MEETING_* deliveries;
// attendees are the source paths of the attendee list given to Normalize, in order.
type fields struct {
	prefix    string
	attendees []string
}

func (f fields) path(name string) string {
	if f.prefix == "" {
		return name
	}
	return f.prefix + "." + name
}

// field maps a generic field path from booking.Details.Normalize onto Cal.com's.
func (f fields) field(path string) string {
	own := f.own(path)
	if l, ok := strings.CutSuffix(own, ".locale"); ok && f.prefix != "" {
		return l + ".language.locale" // a booking payload's person; the flat deliveries' is locale
	}
	return own
}

func (f fields) own(path string) string {
	rest, ok := strings.CutPrefix(path, "data.attendees[")
	if ok {
		if i, after, ok := strings.Cut(rest, "]"); ok {
			if n, err := strconv.Atoi(i); err == nil && n < len(f.attendees) {
				return f.attendees[n] + after
			}
		}
	}
	for generic, own := range map[string]string{
		"data.title":           "title",
		"data.description":     "description",
		"data.start":           "startTime",
		"data.end":             "endTime",
		"data.timeZone":        "organizer.timeZone",
		"data.organizer":       "organizer",
		"data.attendees":       "attendees",
		"data.room.provider":   "",
		"data.room.size":       "seatsPerTimeSlot",
		"data.room.namePrefix": "",
	} {
		if s, ok := strings.CutPrefix(path, generic); ok && (s == "" || s[0] == '.') {
			if own == "" {
				return ""
			}
			return f.path(own + s)
		}
	}
	return path
}
