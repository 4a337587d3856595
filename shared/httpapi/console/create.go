package console

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// endChoice is one way to say when a room may go.
type endChoice struct {
	Value, Label, Until string
}

// endChooser is the end date field: quick choices, or a date and time in the operator's zone.
type endChooser struct {
	Prefix  string // keeps the ids of two choosers on one page apart
	Legend  string
	Hint    string
	Choices []endChoice
	Chosen  string
	At      string // the datetime-local value
	Min     string
	Zone    string
	Error   string
}

// The end choices; a quick choice works without JavaScript (a radio button).
const (
	endHour   = "1h"
	endToday  = "today"
	endWeek   = "1w"
	endCustom = "custom"
)

func (c *Console) endChooser(z zoned, prefix, legend, chosen, at, msg string) endChooser {
	if chosen == "" {
		chosen = endHour
	}
	hint := "roomkeeper deletes the room after this, never while someone is still in it."
	if r := c.Operator.Reconciler; r != nil && r.CleanupGrace > 0 {
		hint = "roomkeeper deletes the room " + z.Minutes(int(r.CleanupGrace.Minutes())) + " after this; while someone is still in it, it waits"
		if r.MaxOverrun > 0 {
			hint += " (up to " + z.Minutes(int(r.MaxOverrun.Minutes())) + ")"
		}
		hint += "."
	}
	today := endOfToday(z)
	return endChooser{
		Prefix: prefix,
		Legend: legend,
		Hint:   hint,
		Choices: []endChoice{
			{endHour, "In 1 hour", "until " + z.Time(z.now.Add(time.Hour))},
			{endToday, "At the end of today", "until " + z.Time(today)},
			{endWeek, "In 1 week", "until " + z.Time(z.now.Add(7*24*time.Hour))},
			{endCustom, "Pick a date and time", ""},
		},
		Chosen: chosen,
		At:     at,
		Min:    z.local(z.now),
		Zone:   z.Zone(),
		Error:  msg,
	}
}

func endOfToday(z zoned) time.Time {
	d := z.now.In(z.loc)
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 0, 0, z.loc)
}

// endDate turns the end chooser's answer into the operator's endDate: a duration from now for
// the quick choices (so a repeated form asks for the same), else a time in the operator's zone.
// The operator checks it (in the future, at most a year ahead).
func endDate(choice, at string, z zoned) (string, error) {
	switch choice {
	case endHour:
		return "+1h", nil
	case endWeek:
		return "+168h", nil
	case endToday:
		return endOfToday(z).Format(time.RFC3339), nil
	case endCustom:
		if at == "" {
			return "", booking.Errorf(booking.Invalid, "endDate", "Pick a date and time, or one of the quick choices.")
		}
		t, err := time.ParseInLocation("2006-01-02T15:04", at, z.loc)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02T15:04:05", at, z.loc)
		}
		if err != nil {
			return "", booking.Errorf(booking.Invalid, "endDate", "Enter a date and time such as %s.", z.local(z.now.Add(time.Hour)))
		}
		return t.Format(time.RFC3339), nil
	}
	return "", booking.Errorf(booking.Invalid, "endDate", "Choose when the room may go.")
}

// createData is the create form's: what was typed, and the message beside each field at fault.
type createData struct {
	Key            string // the Idempotency-Key: sending the form twice makes one room
	Title          string
	Size           string
	NamePrefix     string
	Provider       string
	OrganizerName  string
	OrganizerEmail string
	DialIn         bool
	Locked         bool
	End            endChooser
	Errors         map[string]string // by form field
	Problem        string            // a message for no one field
	Providers      []string          // the provider field shows when there are several
	MaxNamePrefix  int
}

// formField maps the operator's field names (operator.NewRoom's JSON names) to the form's.
var formField = map[string]string{
	"endDate":         "end",
	"size":            "size",
	"namePrefix":      "namePrefix",
	"provider":        "provider",
	"title":           "title",
	"organizer.name":  "organizerName",
	"organizer.email": "organizerEmail",
}

func (c *Console) newCreateData(q *request) createData {
	// The providers offered are those that can make a room by hand (not 24sessions, which
	// needs a guest); the default provider first when it is one of them.
	providers := c.Operator.HandMadeProviders()
	provider := c.Operator.DefaultProvider
	if len(providers) > 0 && !slices.Contains(providers, provider) {
		provider = providers[0]
	}
	return createData{
		Key:            randomToken(),
		Size:           string(booking.Small),
		Provider:       provider,
		OrganizerEmail: q.s.Operator.Email,
		End:            c.endChooser(q.z, "", "When may the room go?", "", "", ""),
		Errors:         map[string]string{},
		Providers:      providers,
		MaxNamePrefix:  booking.MaxNamePrefix,
	}
}

// createForm shows the form to make a room by hand.
func (c *Console) createForm(q *request) error {
	return q.page(c, "create", "Create a room", "rooms", c.newCreateData(q))
}

// madeData is the page after making a room.
type madeData struct {
	Room  operator.Room
	Ready bool
	Guest copyField
	Host  copyField
}

// copyField is a link with a copy button.
type copyField struct {
	ID, Label, Value string
}

// create makes a room by hand and shows its links; bad input shows the form again with the
// message beside the field at fault and everything typed kept.
func (c *Console) create(q *request) error {
	d := c.newCreateData(q)
	d.Key, d.Title, d.Size, d.NamePrefix = q.form("key"), q.form("title"), q.form("size"), q.form("namePrefix")
	d.OrganizerName, d.OrganizerEmail = q.form("organizerName"), q.form("organizerEmail")
	d.DialIn, d.Locked = q.form("dialIn") == "on", q.form("locked") == "on"
	if p := q.form("provider"); p != "" {
		d.Provider = p
	}
	choice, at := q.form("end"), q.form("endAt")
	d.End = c.endChooser(q.z, "", d.End.Legend, choice, at, "")

	req := operator.NewRoom{
		Size: d.Size, NamePrefix: d.NamePrefix, DialIn: d.DialIn, Locked: d.Locked, Provider: d.Provider, Title: d.Title,
	}
	if d.OrganizerName != "" || d.OrganizerEmail != "" {
		req.Organizer = &booking.Person{Name: d.OrganizerName, Email: d.OrganizerEmail}
	}
	var made operator.Made
	end, err := endDate(choice, at, q.z)
	if err == nil {
		req.EndDate = end
		err = q.change(c, access.ActionRoomCreate, func(ctx context.Context) (string, error) {
			var err error
			made, err = c.Operator.CreateRoom(ctx, req, d.Key)
			return made.Room.RoomID, err
		})
	}
	if err != nil {
		status, e := public(err)
		if e == nil || status == http.StatusForbidden {
			return err
		}
		if e.Code != booking.Invalid {
			d.Key = randomToken() // a record may exist under the old key: a changed form is a new request
		}
		if f := formField[e.Field]; f != "" {
			d.Errors[f] = sentence(e.Message)
			if f == "end" {
				d.End.Error = d.Errors[f]
			}
		} else {
			d.Problem = sentence(e.Message)
		}
		q.log.Info("room refused", "status", status, "field", e.Field)
		c.render(q.w, status, "create", view{Title: "Create a room", Nav: "rooms", Session: &q.s, Z: q.z, Data: d})
		return nil
	}
	q.log.Info("room made by hand", "room", made.Room.RoomID, "ready", made.Ready)
	status := http.StatusCreated
	if !made.Ready {
		status = http.StatusAccepted
	}
	c.render(q.w, status, "made", view{Title: "Room created", Nav: "rooms", Session: &q.s, Z: q.z, Data: madeData{
		Room:  made.Room,
		Ready: made.Ready,
		Guest: copyField{ID: "guest-link", Label: "Guest link: for everyone you invite", Value: made.Room.GuestURL},
		Host:  copyField{ID: "host-link", Label: "Host link: only for hosts", Value: made.Room.HostURL},
	}})
	return nil
}

// sentence makes the operator's message fragment ("must be in the future") a sentence.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}
