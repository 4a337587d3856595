package generic

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
)

var (
	now  = time.Date(2026, 11, 22, 10, 0, 30, 0, time.UTC)
	opts = Options{DefaultProvider: "whereby", Providers: []string{"whereby", "zoom"}}
)

// designSample is the example body of the README and docs/generic-event.md.
const designSample = `{
  "type": "booking.created",
  "timestamp": "2026-11-22T10:00:00Z",
  "data": {
    "bookingId": "bk_123",
    "title": "Intro call",
    "description": "Optional free text",
    "start": "2026-11-23T15:00:00Z",
    "end": "2026-11-23T15:30:00Z",
    "timeZone": "Europe/Oslo",
    "organizer": {"name": "Ada Host", "email": "ada@example.com", "timeZone": "Europe/Oslo"},
    "attendees": [{"name": "Bob Guest", "email": "bob@example.net", "timeZone": "America/New_York"}],
    "room": {"provider": "whereby", "size": "small", "dialIn": true, "namePrefix": "intro-", "locked": false}
  }
}`

// sample returns designSample decoded, for a test to edit.
func sample(t *testing.T) map[string]any {
	t.Helper()
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(designSample), &ev))
	return ev
}

// body encodes ev.
func body(t *testing.T, ev map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	return b
}

func dataOf(ev map[string]any) map[string]any { return ev["data"].(map[string]any) }

func organizerOf(ev map[string]any) map[string]any {
	return dataOf(ev)["organizer"].(map[string]any)
}

func attendee(ev map[string]any, i int) map[string]any {
	return dataOf(ev)["attendees"].([]any)[i].(map[string]any)
}

func roomOf(ev map[string]any) map[string]any { return dataOf(ev)["room"].(map[string]any) }

// guests returns n distinct attendees.
func guests(n int) []any {
	as := make([]any, n)
	for i := range as {
		as[i] = map[string]any{"email": "guest" + strconv.Itoa(i) + "@example.net"}
	}
	return as
}

func TestParseDesignSample(t *testing.T) {
	got, err := Parse([]byte(designSample), now, opts)
	require.NoError(t, err)
	want := booking.Change{
		Source:     "generic",
		ExternalID: "bk_123",
		Type:       booking.EventCreated,
		At:         time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Details: booking.Details{
			Title:       "Intro call",
			Description: "Optional free text",
			Start:       time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC),
			End:         time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC),
			TimeZone:    "Europe/Oslo",
			Organizer:   booking.Person{Name: "Ada Host", Email: "ada@example.com", TimeZone: "Europe/Oslo"},
			Attendees:   []booking.Person{{Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York"}},
			Room:        booking.RoomOptions{Provider: "whereby", Size: booking.Small, DialIn: true, NamePrefix: "intro-"},
			// roomkeeper's invite is the only entry in the organizer's calendar.
			OrganizerCalendar: true,
		},
	}
	assert.Equal(t, want, got)
	assert.Empty(t, got.DeliveryID, "the HTTP layer sets DeliveryID")
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(ev map[string]any)
		check func(t *testing.T, c booking.Change)
	}{
		{
			name: "updated",
			edit: func(ev map[string]any) { ev["type"] = "booking.updated" },
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, booking.EventUpdated, c.Type)
			},
		},
		{
			name: "rescheduled is an update",
			edit: func(ev map[string]any) { ev["type"] = "booking.rescheduled" },
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, booking.EventUpdated, c.Type)
			},
		},
		{
			name: "only the required fields",
			edit: func(ev map[string]any) {
				ev["data"] = map[string]any{
					"bookingId": "b", "start": "2026-11-23T15:00:00Z", "end": "2026-11-23T15:30:00Z",
					"organizer": map[string]any{"email": "ada@example.com"},
					"attendees": []any{map[string]any{"email": "bob@example.net"}},
				}
			},
			check: func(t *testing.T, c booking.Change) {
				d := c.Details
				assert.Equal(t, "Meeting", d.Title)
				assert.Empty(t, d.Description)
				assert.Empty(t, d.TimeZone)
				assert.Equal(t, booking.Person{Email: "ada@example.com"}, d.Organizer)
				assert.Equal(t, []booking.Person{{Email: "bob@example.net"}}, d.Attendees)
				assert.Equal(t, booking.RoomOptions{Provider: "whereby", Size: booking.Small}, d.Room)
				assert.Equal(t, "UTC", d.ZoneOf(d.Attendees[0]))
			},
		},
		{
			// Each person's language, as a BCP 47 tag: kept in its canonical form, and kept when
			// roomkeeper writes no such language (the mail falls back by matching).
			name: "languages",
			edit: func(ev map[string]any) {
				organizerOf(ev)["locale"] = "nb"
				attendee(ev, 0)["locale"] = "de_at"
				dataOf(ev)["attendees"] = append(dataOf(ev)["attendees"].([]any),
					map[string]any{"email": "cleo@example.org", "locale": "ja"}, map[string]any{"email": "dan@example.org"})
			},
			check: func(t *testing.T, c booking.Change) {
				d := c.Details
				assert.Equal(t, "nb", d.Organizer.Locale)
				require.Len(t, d.Attendees, 3)
				assert.Equal(t, "de-AT", d.Attendees[0].Locale)
				assert.Equal(t, "ja", d.Attendees[1].Locale)
				assert.Empty(t, d.Attendees[2].Locale, "none given: ROOMKEEPER_LOCALE's, when the mail is written")
			},
		},
		{
			name: "nulls are absent fields",
			edit: func(ev map[string]any) {
				d := dataOf(ev)
				d["title"], d["description"], d["room"], d["timeZone"] = nil, nil, nil, nil
				attendee(ev, 0)["name"] = nil
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, "Meeting", c.Details.Title)
				assert.Equal(t, booking.RoomOptions{Provider: "whereby", Size: booking.Small}, c.Details.Room)
				assert.Empty(t, c.Details.Attendees[0].Name)
			},
		},
		{
			name: "times with offsets and fractions become UTC",
			edit: func(ev map[string]any) {
				ev["timestamp"] = "2026-11-22T11:00:00.5+01:00"
				dataOf(ev)["start"] = "2026-11-23T10:00:00-05:00"
				dataOf(ev)["end"] = "2026-11-23T20:30:00+05:00"
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, time.Date(2026, 11, 22, 10, 0, 0, 500_000_000, time.UTC), c.At)
				assert.Equal(t, time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), c.Details.Start)
				assert.Equal(t, time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC), c.Details.End)
				assert.Equal(t, time.UTC, c.At.Location())
				assert.Equal(t, time.UTC, c.Details.Start.Location())
			},
		},
		{
			name: "unknown fields are ignored",
			edit: func(ev map[string]any) {
				ev["version"] = 2
				dataOf(ev)["color"] = []any{1, "x"}
				organizerOf(ev)["phone"] = map[string]any{}
				roomOf(ev)["recording"] = true
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, "bk_123", c.ExternalID)
			},
		},
		{
			name: "recipients de-duplicated ignoring case, organizer removed",
			edit: func(ev map[string]any) {
				dataOf(ev)["attendees"] = []any{
					map[string]any{"email": "ADA@example.com"},
					map[string]any{"email": "bob@example.net", "name": "Bob"},
					map[string]any{"email": "BOB@EXAMPLE.NET", "name": "Bob again"},
				}
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, []booking.Person{{Name: "Bob", Email: "bob@example.net"}}, c.Details.Attendees)
				assert.Equal(t, "ada@example.com", c.Details.Organizer.Email)
			},
		},
		{
			name: "internationalised domains are sent as punycode",
			edit: func(ev map[string]any) {
				organizerOf(ev)["email"] = "ada@bücher.example"
				attendee(ev, 0)["email"] = "bob@例え.テスト"
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, "ada@xn--bcher-kva.example", c.Details.Organizer.Email)
				assert.Equal(t, "bob@xn--r8jz45g.xn--zckzah", c.Details.Attendees[0].Email)
			},
		},
		{
			name: "size defaults by head count",
			edit: func(ev map[string]any) {
				delete(roomOf(ev), "size")
				dataOf(ev)["attendees"] = guests(4)
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, booking.Large, c.Details.Room.Size)
			},
		},
		{
			name: "two hundred participants",
			edit: func(ev map[string]any) {
				roomOf(ev)["size"] = "large"
				dataOf(ev)["attendees"] = guests(199)
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Len(t, c.Details.Attendees, 199)
			},
		},
		{
			name: "another configured provider and every room option",
			edit: func(ev map[string]any) {
				dataOf(ev)["room"] = map[string]any{"provider": "zoom", "size": "large", "dialIn": false, "namePrefix": "", "locked": true}
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, booking.RoomOptions{Provider: "zoom", Size: booking.Large, Locked: true}, c.Details.Room)
			},
		},
		{
			name: "the longest booking id with every allowed character",
			edit: func(ev map[string]any) {
				dataOf(ev)["bookingId"] = "AZaz09._:-" + strings.Repeat("x", 190)
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Len(t, c.ExternalID, 200)
			},
		},
		{
			name: "a meeting in progress",
			edit: func(ev map[string]any) {
				dataOf(ev)["start"], dataOf(ev)["end"] = "2026-11-22T09:30:00Z", "2026-11-22T10:30:00Z"
			},
			check: func(t *testing.T, c booking.Change) {
				assert.True(t, c.Details.End.After(now))
			},
		},
		{
			name: "cancelled needs only the booking id",
			edit: func(ev map[string]any) {
				ev["type"] = "booking.cancelled"
				ev["data"] = map[string]any{"bookingId": "bk_123"}
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, booking.Change{
					Source: "generic", ExternalID: "bk_123", Type: booking.EventCancelled,
					At: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
				}, c)
			},
		},
		{
			name: "cancelled with a reason, other fields ignored even if wrong",
			edit: func(ev map[string]any) {
				ev["type"] = "booking.cancelled"
				d := dataOf(ev)
				d["reason"] = "  Ada is ill.\nSorry!  "
				d["start"], d["attendees"], d["room"] = 5, "nobody", "none"
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, booking.EventCancelled, c.Type)
				assert.Equal(t, "Ada is ill.\nSorry!", c.Reason)
				assert.Zero(t, c.Details)
			},
		},
		{
			name: "cancelled with a long reason, cut and cleaned for the mail",
			edit: func(ev map[string]any) {
				ev["type"] = "booking.cancelled"
				dataOf(ev)["reason"] = "\u202eIll\r\n" + strings.Repeat("y", 3000)
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, "Ill\n"+strings.Repeat("y", booking.MaxCancelReason-5)+"…", c.Reason)
			},
		},
		{
			name: "cancelled after the meeting ended",
			edit: func(ev map[string]any) {
				ev["type"] = "booking.cancelled"
				dataOf(ev)["end"] = "2020-01-01T00:00:00Z"
			},
			check: func(t *testing.T, c booking.Change) {
				assert.Equal(t, booking.EventCancelled, c.Type)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sample(t)
			tt.edit(ev)
			c, err := Parse(body(t, ev), now, opts)
			require.NoError(t, err)
			assert.Equal(t, "generic", c.Source)
			tt.check(t, c)
		})
	}
}

// requireInvalid fails unless err is a *booking.Error with Code Invalid naming field.
func requireInvalid(t *testing.T, err error, field string) *booking.Error {
	t.Helper()
	require.Error(t, err)
	var e *booking.Error
	require.True(t, errors.As(err, &e), "got %T %v, want *booking.Error", err, err)
	assert.Equal(t, booking.Invalid, e.Code)
	assert.Equal(t, field, e.Field, "field (message %q)", e.Message)
	return e
}

func TestParseInvalidBody(t *testing.T) {
	tests := []struct {
		name, body, msg string
	}{
		{"empty", "", "malformed JSON"},
		{"truncated", `{"type": "booking.created"`, "malformed JSON"},
		{"not JSON", "<event/>", "malformed JSON at byte 1"},
		{"form-encoded", "type=booking.created", "malformed JSON at byte 2"},
		{"trailing garbage", `{} x`, "malformed JSON"},
		{"trailing comma", `{"type": "booking.created",}`, "malformed JSON"},
		{"array", `[]`, "JSON object"},
		{"string", `"booking.created"`, "JSON object"},
		{"null", `null`, "event type is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.body), now, opts)
			field := ""
			if tt.body == "null" {
				field = "type"
			}
			e := requireInvalid(t, err, field)
			assert.Contains(t, e.Message, tt.msg)
			assert.Zero(t, c)
		})
	}
}

func TestParseReminders(t *testing.T) {
	for name, tt := range map[string]struct {
		reminders any
		want      []int
	}{
		"absent: the source's":   {nil, nil},
		"none":                   {[]any{}, []int{}},
		"longest first, minutes": {[]any{"15m", "24h", "1h30m"}, []int{1440, 90, 15}},
	} {
		t.Run(name, func(t *testing.T) {
			ev := sample(t)
			if tt.reminders != nil {
				dataOf(ev)["reminders"] = tt.reminders
			}
			c, err := Parse(body(t, ev), now, opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Details.Reminders)
			if tt.want != nil {
				assert.NotNil(t, c.Details.Reminders, "[] (none) must stay apart from absent (the source's)")
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(ev map[string]any)
		field string
		msg   string
	}{
		// The envelope.
		{"no type", func(ev map[string]any) { delete(ev, "type") }, "type", "required"},
		{"unknown type", func(ev map[string]any) { ev["type"] = "booking.moved" }, "type", "booking.created"},
		{"type of another case", func(ev map[string]any) { ev["type"] = "Booking.Created" }, "type", "must be"},
		{"type not a string", func(ev map[string]any) { ev["type"] = 1 }, "type", "must be a string, not number"},
		{"no timestamp", func(ev map[string]any) { delete(ev, "timestamp") }, "timestamp", "required"},
		{"timestamp without offset", func(ev map[string]any) { ev["timestamp"] = "2026-11-22T10:00:00" }, "timestamp", "RFC 3339"},
		{"timestamp as a date", func(ev map[string]any) { ev["timestamp"] = "2026-11-22" }, "timestamp", "RFC 3339"},
		{"timestamp far in the future", func(ev map[string]any) { ev["timestamp"] = "2036-11-22T10:00:00Z" }, "timestamp", "in the future"},
		{"timestamp as unix seconds", func(ev map[string]any) { ev["timestamp"] = 1795341600 }, "timestamp", "must be a string, not number"},
		{"no data", func(ev map[string]any) { delete(ev, "data") }, "data", "required"},
		{"null data", func(ev map[string]any) { ev["data"] = nil }, "data", "required"},
		{"data an array", func(ev map[string]any) { ev["data"] = []any{} }, "data", "must be an object, not array"},
		{"cancel with data a string", func(ev map[string]any) { ev["type"] = "booking.cancelled"; ev["data"] = "bk_123" }, "data", "must be an object, not string"},

		// The booking id.
		{"no booking id", func(ev map[string]any) { delete(dataOf(ev), "bookingId") }, "data.bookingId", "required"},
		{"booking id too long", func(ev map[string]any) { dataOf(ev)["bookingId"] = strings.Repeat("x", 201) }, "data.bookingId", "1 to 200"},
		{"booking id with slash", func(ev map[string]any) { dataOf(ev)["bookingId"] = "a/b" }, "data.bookingId", "1 to 200"},
		{"booking id with space", func(ev map[string]any) { dataOf(ev)["bookingId"] = "bk 123" }, "data.bookingId", "1 to 200"},
		{"booking id with newline", func(ev map[string]any) { dataOf(ev)["bookingId"] = "bk_123\n" }, "data.bookingId", "1 to 200"},
		{"booking id a number", func(ev map[string]any) { dataOf(ev)["bookingId"] = 123 }, "data.bookingId", "must be a string, not number"},
		{"cancel without booking id", func(ev map[string]any) {
			ev["type"] = "booking.cancelled"
			ev["data"] = map[string]any{"reason": "x"}
		}, "data.bookingId", "required"},
		{"cancel reason a number", func(ev map[string]any) { ev["type"] = "booking.cancelled"; dataOf(ev)["reason"] = 4 }, "data.reason", "must be a string"},
		{"cancel reason too long", func(ev map[string]any) {
			ev["type"] = "booking.cancelled"
			dataOf(ev)["reason"] = strings.Repeat("x", MaxReason+1)
		}, "data.reason", "at most 10000"},
		{"cancel reason with escape", func(ev map[string]any) { ev["type"] = "booking.cancelled"; dataOf(ev)["reason"] = "a\x1b[2Jb" }, "data.reason", "control"},

		// Texts.
		{"title too long", func(ev map[string]any) { dataOf(ev)["title"] = strings.Repeat("t", 501) }, "data.title", "at most 500"},
		{"title with a line break", func(ev map[string]any) { dataOf(ev)["title"] = "Intro\r\nX-Evil: 1" }, "data.title", "control"},
		{"title an object", func(ev map[string]any) { dataOf(ev)["title"] = map[string]any{} }, "data.title", "must be a string, not object"},
		{"description too long", func(ev map[string]any) { dataOf(ev)["description"] = strings.Repeat("d", 10_001) }, "data.description", "at most 10000"},

		// Times.
		{"no start", func(ev map[string]any) { delete(dataOf(ev), "start") }, "data.start", "required"},
		{"start without offset", func(ev map[string]any) { dataOf(ev)["start"] = "2026-11-23T15:00:00" }, "data.start", "offset"},
		{"start with a space", func(ev map[string]any) { dataOf(ev)["start"] = "2026-11-23 15:00:00Z" }, "data.start", "RFC 3339"},
		{"start out of range", func(ev map[string]any) { dataOf(ev)["start"] = "2026-11-31T15:00:00Z" }, "data.start", "RFC 3339"},
		{"start a number", func(ev map[string]any) { dataOf(ev)["start"] = 1795446000 }, "data.start", "must be a string, not number"},
		{"no end", func(ev map[string]any) { delete(dataOf(ev), "end") }, "data.end", "required"},
		{"end without offset", func(ev map[string]any) { dataOf(ev)["end"] = "2026-11-23T15:30" }, "data.end", "RFC 3339"},
		{"end before start", func(ev map[string]any) { dataOf(ev)["end"] = "2026-11-23T14:30:00Z" }, "data.end", "end must be after start"},
		{"end equals start in another offset", func(ev map[string]any) { dataOf(ev)["end"] = "2026-11-23T16:00:00+01:00" }, "data.end", "end must be after start"},
		{"longer than 24 hours", func(ev map[string]any) { dataOf(ev)["end"] = "2026-11-24T15:00:01Z" }, "data.end", "24 hours"},
		{"already ended", func(ev map[string]any) {
			dataOf(ev)["start"], dataOf(ev)["end"] = "2026-11-22T09:00:00Z", "2026-11-22T10:00:00Z"
		}, "data.end", "already ended"},
		{"booking zone", func(ev map[string]any) { dataOf(ev)["timeZone"] = "CET+1" }, "data.timeZone", "IANA"},
		{"booking zone Local", func(ev map[string]any) { dataOf(ev)["timeZone"] = "Local" }, "data.timeZone", "IANA"},

		// The organizer.
		{"no organizer", func(ev map[string]any) { delete(dataOf(ev), "organizer") }, "data.organizer.email", "required"},
		{"organizer a string", func(ev map[string]any) { dataOf(ev)["organizer"] = "ada@example.com" }, "data.organizer", "must be an object, not string"},
		{"organizer without email", func(ev map[string]any) { delete(organizerOf(ev), "email") }, "data.organizer.email", "required"},
		{"organizer email a list", func(ev map[string]any) { organizerOf(ev)["email"] = []any{"ada@example.com"} }, "data.organizer.email", "must be a string, not array"},
		{"organizer with display name", func(ev map[string]any) { organizerOf(ev)["email"] = "Ada <ada@example.com>" }, "data.organizer.email", "plain"},
		{"organizer name too long", func(ev map[string]any) { organizerOf(ev)["name"] = strings.Repeat("n", 201) }, "data.organizer.name", "at most 200"},
		{"organizer zone", func(ev map[string]any) { organizerOf(ev)["timeZone"] = "Europe/Olso" }, "data.organizer.timeZone", "IANA"},

		// Attendees.
		{"no attendees", func(ev map[string]any) { delete(dataOf(ev), "attendees") }, "data.attendees", "at least one"},
		{"null attendees", func(ev map[string]any) { dataOf(ev)["attendees"] = nil }, "data.attendees", "at least one"},
		{"empty attendees", func(ev map[string]any) { dataOf(ev)["attendees"] = []any{} }, "data.attendees", "at least one"},
		{"attendees an object", func(ev map[string]any) { dataOf(ev)["attendees"] = map[string]any{"email": "bob@example.net"} }, "data.attendees", "must be an array, not object"},
		{"only the organizer", func(ev map[string]any) {
			dataOf(ev)["attendees"] = []any{map[string]any{"email": "Ada@Example.com"}}
		}, "data.attendees", "other than the organizer"},
		{"201 attendees", func(ev map[string]any) { dataOf(ev)["attendees"] = guests(201) }, "data.attendees", "at most 200"},
		{"201 participants", func(ev map[string]any) {
			roomOf(ev)["size"] = "large"
			dataOf(ev)["attendees"] = guests(200)
		}, "data.attendees", "organizer included"},
		{"attendee a string", func(ev map[string]any) { dataOf(ev)["attendees"] = []any{"bob@example.net"} }, "data.attendees[0]", "must be an object, not string"},
		{"attendee null", func(ev map[string]any) { dataOf(ev)["attendees"] = []any{attendee(ev, 0), nil} }, "data.attendees[1]", "object"},
		{"second attendee email a number", func(ev map[string]any) {
			dataOf(ev)["attendees"] = []any{attendee(ev, 0), map[string]any{"email": 7}}
		}, "data.attendees[1].email", "must be a string, not number"},
		{"second attendee without email", func(ev map[string]any) {
			dataOf(ev)["attendees"] = []any{attendee(ev, 0), map[string]any{"name": "Cleo"}}
		}, "data.attendees[1].email", "required"},
		{"attendee email with a list", func(ev map[string]any) { attendee(ev, 0)["email"] = "bob@example.net, eve@example.net" }, "data.attendees[0].email", "single"},
		{"attendee email with CRLF", func(ev map[string]any) { attendee(ev, 0)["email"] = "bob@example.net\r\nBcc: eve@example.net" }, "data.attendees[0].email", "control"},
		// The generic source can send again: an address mail cannot reach is refused, not dropped.
		{"attendee address with non-ASCII before the @", func(ev map[string]any) { attendee(ev, 0)["email"] = "jörg@example.net" }, "data.attendees[0].email", "before the @"},
		{"organizer address with non-ASCII before the @", func(ev map[string]any) { organizerOf(ev)["email"] = "åse@example.com" }, "data.organizer.email", "before the @"},
		{"attendee address at an IP", func(ev map[string]any) { attendee(ev, 0)["email"] = "bob@[192.0.2.1]" }, "data.attendees[0].email", "domain name"},
		{"attendee name a bool", func(ev map[string]any) { attendee(ev, 0)["name"] = true }, "data.attendees[0].name", "must be a string, not bool"},
		{"attendee zone", func(ev map[string]any) { attendee(ev, 0)["timeZone"] = "EST5EDT!" }, "data.attendees[0].timeZone", "IANA"},
		{"attendee language not a tag", func(ev map[string]any) { attendee(ev, 0)["locale"] = "Deutsch!" }, "data.attendees[0].locale", "BCP 47"},
		{"attendee language too long", func(ev map[string]any) { attendee(ev, 0)["locale"] = "de-" + strings.Repeat("x-abcdefgh-", 4) }, "data.attendees[0].locale", "at most 35"},
		{"attendee language a number", func(ev map[string]any) { attendee(ev, 0)["locale"] = 49 }, "data.attendees[0].locale", "must be a string"},
		{"organizer language not a tag", func(ev map[string]any) { organizerOf(ev)["locale"] = "en_" }, "data.organizer.locale", "BCP 47"},

		// The room.
		{"room a string", func(ev map[string]any) { dataOf(ev)["room"] = "whereby" }, "data.room", "must be an object, not string"},
		{"provider not configured", func(ev map[string]any) { roomOf(ev)["provider"] = "24sessions" }, "data.room.provider", "not configured"},
		{"provider of another case", func(ev map[string]any) { roomOf(ev)["provider"] = "Whereby" }, "data.room.provider", "not configured"},
		{"provider a number", func(ev map[string]any) { roomOf(ev)["provider"] = 1 }, "data.room.provider", "must be a string"},
		{"unknown size", func(ev map[string]any) { roomOf(ev)["size"] = "huge" }, "data.room.size", `"small" or "large"`},
		{"small for five", func(ev map[string]any) { dataOf(ev)["attendees"] = guests(4) }, "data.room.size", "at most 4"},
		{"dial-in a string", func(ev map[string]any) { roomOf(ev)["dialIn"] = "yes" }, "data.room.dialIn", "must be true or false, not string"},
		{"locked a number", func(ev map[string]any) { roomOf(ev)["locked"] = 0 }, "data.room.locked", "must be true or false, not number"},
		{"name prefix with capitals", func(ev map[string]any) { roomOf(ev)["namePrefix"] = "Intro-" }, "data.room.namePrefix", "a-z"},
		{"name prefix too long", func(ev map[string]any) { roomOf(ev)["namePrefix"] = strings.Repeat("a", 14) }, "data.room.namePrefix", "at most 13"},

		// Reminders.
		{"reminders a string", func(ev map[string]any) { dataOf(ev)["reminders"] = "15m" }, "data.reminders", "must be an array"},
		{"reminder not a duration", func(ev map[string]any) { dataOf(ev)["reminders"] = []any{"1h", "soon"} }, "data.reminders[1]", "not a duration"},
		{"reminder a number", func(ev map[string]any) { dataOf(ev)["reminders"] = []any{15} }, "data.reminders[0]", "duration such as"},
		{"reminder null", func(ev map[string]any) { dataOf(ev)["reminders"] = []any{nil} }, "data.reminders[0]", "duration such as"},
		{"reminder too soon", func(ev map[string]any) { dataOf(ev)["reminders"] = []any{"30s"} }, "data.reminders[0]", "between 1m and 7d"},
		{"reminder too early", func(ev map[string]any) { dataOf(ev)["reminders"] = []any{"200h"} }, "data.reminders[0]", "between 1m and 7d"},
		{"reminder of seconds", func(ev map[string]any) { dataOf(ev)["reminders"] = []any{"90s"} }, "data.reminders[0]", "whole number of minutes"},
		{"reminder twice", func(ev map[string]any) { dataOf(ev)["reminders"] = []any{"1h", "60m"} }, "data.reminders[1]", "twice"},
		{"too many reminders", func(ev map[string]any) { dataOf(ev)["reminders"] = []any{"1m", "2m", "3m", "4m", "5m", "6m"} }, "data.reminders", "at most 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sample(t)
			tt.edit(ev)
			c, err := Parse(body(t, ev), now, opts)
			e := requireInvalid(t, err, tt.field)
			assert.Contains(t, e.Message, tt.msg)
			assert.Zero(t, c)
		})
	}
}

// TestParseInvalidUTF8 checks that bytes that are not UTF-8 are refused naming the field, though
// the JSON decoder would replace them without a word: the sender can correct them and send again.
func TestParseInvalidUTF8(t *testing.T) {
	tests := []struct {
		name, from, to, field string
	}{
		{"title", `"title": "Intro call"`, "\"title\": \"Intro \xffcall\"", "data.title"},
		{"attendee name", `"name": "Bob Guest"`, "\"name\": \"B\xf6b\"", "data.attendees[0].name"},
		{"attendee address", `"email": "bob@example.net"`, "\"email\": \"j\xf6rg@example.net\"", "data.attendees[0].email"},
		{"an ignored field", `"timeZone": "Europe/Oslo",`, "\"timeZone\": \"Europe/Oslo\", \"color\": \"\xc3\",", "data.color"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(designSample, tt.from, tt.to, 1)
			require.NotEqual(t, designSample, body)
			c, err := Parse([]byte(body), now, opts)
			e := requireInvalid(t, err, tt.field)
			assert.Contains(t, e.Message, "UTF-8")
			assert.Zero(t, c)
		})
	}
}

func TestParseNoDefaultProvider(t *testing.T) {
	ev := sample(t)
	delete(roomOf(ev), "provider")
	_, err := Parse(body(t, ev), now, Options{Providers: []string{"whereby"}})
	e := requireInvalid(t, err, "data.room.provider")
	assert.Contains(t, e.Message, "required")
}

// samples expands every events/booking-*.json with one set of vars.
func samples(t testing.TB, vars eventfile.Vars) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../../../events/booking-*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no booking samples in events/")
	out := map[string][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		b, err := eventfile.Expand(raw, vars)
		require.NoError(t, err, f)
		out[filepath.Base(f)] = b
	}
	return out
}

func TestSamples(t *testing.T) {
	vars := eventfile.Vars{Now: now, Run: "t1"}
	got := map[string]booking.Change{}
	for name, b := range samples(t, vars) {
		t.Run(name, func(t *testing.T) {
			c, err := Parse(b, now, Options{DefaultProvider: "whereby", Providers: []string{"whereby"}})
			require.NoError(t, err)
			assert.Equal(t, "demo-t1", c.ExternalID)
			assert.Equal(t, now, c.At)
			got[name] = c
		})
	}

	created, updated := got["booking-created.json"], got["booking-updated.json"]
	require.Equal(t, booking.EventCreated, created.Type)
	assert.Equal(t, now.Add(24*time.Hour), created.Details.Start)
	assert.Equal(t, 30*time.Minute, created.Details.End.Sub(created.Details.Start))
	require.Len(t, created.Details.Attendees, 1)
	assert.NotEqual(t, created.Details.ZoneOf(created.Details.Organizer), created.Details.ZoneOf(created.Details.Attendees[0]))
	assert.Equal(t, booking.RoomOptions{Provider: "whereby", Size: booking.Small, DialIn: true, NamePrefix: "demo-"}, created.Details.Room)

	require.Equal(t, booking.EventUpdated, updated.Type)
	assert.Equal(t, created.Details.Start.Add(30*time.Minute), updated.Details.Start)
	assert.Equal(t, created.Details.End.Add(30*time.Minute), updated.Details.End)
	require.Len(t, updated.Details.Attendees, 2)
	assert.Equal(t, created.Details.Attendees[0], updated.Details.Attendees[0])

	assert.Equal(t, booking.EventCancelled, got["booking-cancelled.json"].Type)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(designSample))
	for _, b := range samples(f, eventfile.Vars{Now: now, Run: "f"}) {
		f.Add(b)
	}
	f.Add([]byte(`{"type":"booking.cancelled","timestamp":"2026-11-22T10:00:00Z","data":{"bookingId":"x","reason":5}}`))
	f.Add([]byte(`{"type":"booking.updated","timestamp":"2026-11-22T10:00:00Z","data":{"attendees":[null,1,{"email":[]}]}}`))
	f.Add([]byte(`{"data":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b, now, opts)
		if err != nil {
			var e *booking.Error
			require.True(t, errors.As(err, &e), "got %T %v, want *booking.Error", err, err)
			require.Equal(t, booking.Invalid, e.Code)
			require.NotEmpty(t, e.Message)
			require.Zero(t, c)
			return
		}
		require.Equal(t, "generic", c.Source)
		require.Regexp(t, `^[A-Za-z0-9._:-]{1,200}$`, c.ExternalID)
		require.False(t, c.At.IsZero())
		if c.Type == booking.EventCancelled {
			return
		}
		d := c.Details
		require.True(t, d.End.After(d.Start) && d.End.After(now))
		require.NotEmpty(t, d.Attendees)
		require.LessOrEqual(t, len(d.Attendees)+1, booking.LargeMax)
		for _, a := range d.Attendees {
			require.False(t, strings.EqualFold(a.Email, d.Organizer.Email), "organizer left among attendees")
		}
		require.Contains(t, opts.Providers, d.Room.Provider)
	})
}
