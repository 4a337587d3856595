// Package generic parses roomkeeper's own booking event (docs/generic-event.md): a body
// {type, timestamp, data} delivered the Standard Webhooks way (https://www.standardwebhooks.com/),
// with RFC 3339 times and IANA time zones. Signatures are checked before parsing, by package stdwebhook.
package generic

import (
	"encoding/json"
	"regexp"
	"strconv"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/config"
)

// Source is the Change.Source of generic events.
const Source = "generic"

// MaxReason is the longest cancellation reason accepted, in characters.
const MaxReason = booking.MaxDescription

// bookingIDPattern is the booking id's alphabet; its length, 1 to 200, is checked apart: a
// counted repetition such as {1,200} compiles to 200 copies of the class, at every cold start.
var bookingIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

// Options are the deployment's settings the event is checked against.
type Options struct {
	DefaultProvider string   // ROOMKEEPER_PROVIDER: the provider when data.room.provider is empty
	Providers       []string // the configured providers
	// MaxSkew is how far ahead of now an event's timestamp may be (the webhook tolerance). A
	// timestamp further ahead is rejected: accepted, it would make every later event for the
	// booking look stale. 0 means 5 minutes.
	MaxSkew time.Duration
}

// Parse decodes and validates a generic booking event. now is when it arrived: a meeting that has
// already ended by then is rejected.
//
// The Change has Source "generic", ExternalID data.bookingId, At the event's timestamp in UTC and,
// except for cancellations, Details normalised by booking.Details.Normalize with
// OrganizerCalendar set (roomkeeper's invite is the organizer's only calendar entry).
// booking.rescheduled is returned as booking.EventUpdated. DeliveryID is left empty for the
// caller to set from the verified webhook-id. Unknown fields are ignored; for
// booking.cancelled every data field except bookingId and reason is ignored.
//
// Any problem is a *booking.Error with Code Invalid naming the field at fault as a path into the
// body, such as "data.attendees[1].email" (empty when the body itself is not JSON); so is a
// string anywhere in the body that is not valid UTF-8, even in a field roomkeeper ignores.
func Parse(body []byte, now time.Time, opts Options) (booking.Change, error) {
	// The sender can send again: bytes that are not UTF-8, which decoding would replace without a
	// word, are refused, naming the field.
	if err := booking.CheckUTF8(body); err != nil {
		return booking.Change{}, err
	}
	var ev struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	if err := booking.DecodeJSON(body, &ev, ""); err != nil {
		return booking.Change{}, err
	}

	c := booking.Change{Source: Source}
	switch ev.Type {
	case string(booking.EventCreated), string(booking.EventUpdated), string(booking.EventCancelled):
		c.Type = booking.EventType(ev.Type)
	case "booking.rescheduled":
		c.Type = booking.EventUpdated
	case "":
		return booking.Change{}, booking.Errorf(booking.Invalid, "type", "an event type is required")
	default:
		return booking.Change{}, booking.Errorf(booking.Invalid, "type", "must be booking.created, booking.updated, booking.rescheduled or booking.cancelled")
	}
	at, err := booking.ParseTime("timestamp", ev.Timestamp)
	if err != nil {
		return booking.Change{}, err
	}
	skew := opts.MaxSkew
	if skew <= 0 {
		skew = 5 * time.Minute
	}
	if at.After(now.Add(skew)) {
		return booking.Change{}, booking.Errorf(booking.Invalid, "timestamp", "is in the future; it must be when the event happened")
	}
	c.At = at
	if len(ev.Data) == 0 || string(ev.Data) == "null" {
		return booking.Change{}, booking.Errorf(booking.Invalid, "data", "a data object is required")
	}

	if c.Type == booking.EventCancelled {
		var d struct {
			BookingID string `json:"bookingId"`
			Reason    string `json:"reason"`
		}
		if err := booking.DecodeJSON(ev.Data, &d, "data"); err != nil {
			return booking.Change{}, err
		}
		if c.ExternalID, err = checkBookingID(d.BookingID); err != nil {
			return booking.Change{}, err
		}
		if c.Reason, err = booking.CheckText("data.reason", d.Reason, MaxReason, true); err != nil {
			return booking.Change{}, err
		}
		c.Reason = booking.CleanReason(c.Reason) // shown up to booking.MaxCancelReason characters
		return c, nil
	}

	var d data
	if err := booking.DecodeJSON(ev.Data, &d, "data"); err != nil {
		return booking.Change{}, err
	}
	if c.ExternalID, err = checkBookingID(d.BookingID); err != nil {
		return booking.Change{}, err
	}
	if c.Details, err = d.details(now, opts); err != nil {
		return booking.Change{}, err
	}
	return c, nil
}

// data is the data object of a created or updated event.
type data struct {
	BookingID   string `json:"bookingId"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Start       string `json:"start"`
	End         string `json:"end"`
	TimeZone    string `json:"timeZone"`
	Organizer   struct {
		Name     string `json:"name"`
		Email    string `json:"email"`
		TimeZone string `json:"timeZone"`
		Locale   string `json:"locale"`
	} `json:"organizer"`
	// Attendees are decoded one by one, so a type error can name its index.
	Attendees []json.RawMessage `json:"attendees"`
	Room      struct {
		Provider   string `json:"provider"`
		Size       string `json:"size"`
		DialIn     bool   `json:"dialIn"`
		NamePrefix string `json:"namePrefix"`
		Locked     bool   `json:"locked"`
	} `json:"room"`
	// Reminders are the booking's own reminders (["24h", "15m"]; [] for none), decoded one by
	// one so an error names its index; absent or null keeps the source's (ROOMKEEPER_REMINDERS…).
	Reminders []json.RawMessage `json:"reminders"`
}

func (d *data) details(now time.Time, opts Options) (booking.Details, error) {
	start, err := booking.ParseTime("data.start", d.Start)
	if err != nil {
		return booking.Details{}, err
	}
	end, err := booking.ParseTime("data.end", d.End)
	if err != nil {
		return booking.Details{}, err
	}
	if d.Attendees == nil {
		return booking.Details{}, booking.Errorf(booking.Invalid, "data.attendees", "at least one attendee is required")
	}
	if len(d.Attendees) > booking.LargeMax {
		return booking.Details{}, booking.Errorf(booking.Invalid, "data.attendees", "at most %d attendees are allowed", booking.LargeMax)
	}
	attendees := make([]booking.Person, len(d.Attendees))
	for i, raw := range d.Attendees {
		path := "data.attendees[" + strconv.Itoa(i) + "]"
		if string(raw) == "null" {
			return booking.Details{}, booking.Errorf(booking.Invalid, path, "must be an object with an email")
		}
		if err := booking.DecodeJSON(raw, &attendees[i], path); err != nil {
			return booking.Details{}, err
		}
	}
	o := d.Organizer
	det := booking.Details{
		Title:       d.Title,
		Description: d.Description,
		Start:       start,
		End:         end,
		TimeZone:    d.TimeZone,
		Organizer:   booking.Person{Name: o.Name, Email: o.Email, TimeZone: o.TimeZone, Locale: o.Locale},
		Attendees:   attendees,
		Room: booking.RoomOptions{
			Provider:   d.Room.Provider,
			Size:       booking.Size(d.Room.Size),
			DialIn:     d.Room.DialIn,
			NamePrefix: d.Room.NamePrefix,
			Locked:     d.Room.Locked,
		},
		OrganizerCalendar: true,
	}
	if err := det.Normalize(now, booking.Rules{DefaultProvider: opts.DefaultProvider, Providers: opts.Providers}); err != nil {
		return booking.Details{}, err
	}
	if det.Reminders, err = reminders(d.Reminders); err != nil {
		return booking.Details{}, err
	}
	return det, nil
}

// reminders reads data.reminders into minutes before the start, longest first, by the rule the
// configuration's reminders follow (config.ParseReminders): nil when absent, empty for [].
func reminders(raw []json.RawMessage) ([]int, error) {
	if raw == nil {
		return nil, nil
	}
	list := make([]string, len(raw))
	for i, r := range raw {
		path := "data.reminders[" + strconv.Itoa(i) + "]"
		if err := booking.DecodeJSON(r, &list[i], path); err != nil || string(r) == "null" {
			return nil, booking.Errorf(booking.Invalid, path, "must be a duration such as \"15m\" or \"24h\"")
		}
	}
	ds, i, err := config.ParseReminders(list)
	switch {
	case err != nil && i < 0:
		return nil, booking.Errorf(booking.Invalid, "data.reminders", "%v", err)
	case err != nil:
		return nil, booking.Errorf(booking.Invalid, "data.reminders["+strconv.Itoa(i)+"]", "%v", err)
	}
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = int(d / time.Minute)
	}
	return out, nil
}

func checkBookingID(id string) (string, error) {
	switch {
	case id == "":
		return "", booking.Errorf(booking.Invalid, "data.bookingId", "a booking id is required")
	case len(id) > 200 || !bookingIDPattern.MatchString(id):
		return "", booking.Errorf(booking.Invalid, "data.bookingId", "must be 1 to 200 of A-Z, a-z, 0-9 and . _ : -")
	}
	return id, nil
}
