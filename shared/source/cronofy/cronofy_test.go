package cronofy_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
)

var (
	now  = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	opts = booking.Rules{DefaultProvider: "whereby", Providers: []string{"whereby"}}
)

func header(vs ...string) http.Header {
	h := http.Header{}
	for _, v := range vs {
		h.Add(cronofy.HeaderSignature, v)
	}
	return h
}

func TestVerify(t *testing.T) {
	// Cronofy's published test vector (docs.cronofy.com, "Push notification authentication").
	const (
		docSecret = "CRN_NggYusqPGLxwjw5FHOJYOqSrTPNXy8WQf14OID"
		docBody   = `{"example":"well-known"}`
		docSig    = "5DxentQi5YSXODEzTVv06sRwJ3pULIz1KrYv20qxEK0="
	)
	assert.Equal(t, docSig, cronofy.Sign(docSecret, []byte(docBody)))
	other := cronofy.Sign("CRN_other", []byte(docBody))
	tests := []struct {
		name    string
		secrets string
		h       http.Header
		body    string
		ok      bool
	}{
		{"published vector", docSecret, header(docSig), docBody, true},
		{"secret among several (rotation)", "CRN_old, " + docSecret, header(docSig), docBody, true},
		{"value among several", docSecret, header(other + "," + docSig), docBody, true},
		{"values with spaces", docSecret, header(other + ", " + docSig), docBody, true},
		{"repeated header", docSecret, header(other, docSig), docBody, true},
		{"tampered body", docSecret, header(docSig), `{"example":"well-known!"}`, false},
		{"wrong secret", "CRN_other2", header(docSig), docBody, false},
		{"missing header", docSecret, header(), docBody, false},
		{"not base64", docSecret, header("not base64!"), docBody, false},
		{"hex instead of base64", docSecret, header("e43c5e9ed422e584973831334d5bf4eac470275a542c8cf52ab62fdb4ab110ad"), docBody, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := cronofy.Verify(tt.secrets, tt.h, []byte(tt.body))
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err))
			assert.NotContains(t, err.Error(), docSig)
			assert.NotContains(t, err.Error(), docSecret)
		})
	}
	assert.Equal(t, booking.Internal, booking.ErrorCode(cronofy.Verify(" , ", header(docSig), []byte(docBody))), "no secret configured")
}

func sample(t testing.TB, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", file))
	require.NoError(t, err)
	body, err := eventfile.Expand(raw, eventfile.Vars{Now: now, Run: "t"})
	require.NoError(t, err)
	return body
}

func TestSamples(t *testing.T) {
	type sampleCase struct {
		file  string
		id    string // "": ignored
		check func(t *testing.T, d booking.Details)
	}
	tests := []sampleCase{
		{file: "cronofy-scheduling-request-time-chosen.json", id: "srq_t", check: func(t *testing.T, d booking.Details) {
			assert.Equal(t, "Intro call", d.Title)
			assert.Equal(t, now.Add(24*time.Hour), d.Start)
			assert.Equal(t, now.Add(24*time.Hour+30*time.Minute), d.End)
			assert.Equal(t, "Europe/Oslo", d.TimeZone)
			assert.Equal(t, booking.Person{Name: "Ada Host", Email: "ada@example.com"}, d.Organizer)
			assert.Equal(t, []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}, {Email: "cleo@example.net"}}, d.Attendees,
				"the request's recipient and the guest listed in the metadata")
			assert.False(t, d.OrganizerCalendar, "Cronofy wrote the event into the organizer's calendar")
		}},
		{file: "cronofy-real-time-scheduling-completed.json", id: "rk-t", check: func(t *testing.T, d booking.Details) {
			assert.Equal(t, "Product Manager Interview", d.Title)
			assert.Equal(t, now.Add(48*time.Hour), d.Start)
			assert.Equal(t, "Europe/London", d.TimeZone)
			assert.Equal(t, []booking.Person{{Email: "bob@example.net"}, {Email: "cleo@example.net"}}, d.Attendees)
		}},
		{file: "cronofy-push-change.json"},
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "events", "cronofy-*.json"))
	require.NoError(t, err)
	for _, f := range files {
		name := filepath.Base(f)
		assert.True(t, slices.ContainsFunc(tests, func(c sampleCase) bool { return c.file == name }), "events/%s is not in this table", name)
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := sample(t, tt.file)
			changes, err := cronofy.Parse(body, now, opts)
			require.NoError(t, err)
			if tt.id == "" {
				assert.Empty(t, changes)
				return
			}
			require.Len(t, changes, 1)
			ch := changes[0]
			assert.Equal(t, cronofy.Source, ch.Source)
			assert.Equal(t, booking.EventCreated, ch.Type)
			assert.Equal(t, tt.id, ch.ExternalID)
			assert.Len(t, ch.DeliveryID, 64, "the body's SHA-256")
			assert.Equal(t, now, ch.At)
			tt.check(t, ch.Details)
		})
	}
}

// edit expands a sample and sets the value at a dotted path, or deletes the key when value is
// nil (eventfile.Set).
func edit(t *testing.T, file, path string, value any) []byte {
	t.Helper()
	out, err := eventfile.Set(sample(t, file), path, value)
	require.NoError(t, err)
	return out
}

func TestInvalid(t *testing.T) {
	const chosen, rts = "cronofy-scheduling-request-time-chosen.json", "cronofy-real-time-scheduling-completed.json"
	const meta = "scheduling_request.event.metadata."
	tests := []struct {
		name  string
		body  []byte
		field string
	}{
		{"not JSON", []byte(`{`), ""},
		{"no request id", edit(t, chosen, "scheduling_request.scheduling_request_id", nil), "scheduling_request.scheduling_request_id"},
		{"no event", edit(t, chosen, "scheduling_request.event", nil), "scheduling_request.event"},
		{"no chosen start", edit(t, chosen, "scheduling_request.event.start", nil), "scheduling_request.event.start"},
		{"bad start", edit(t, chosen, "scheduling_request.event.start.time", "soon"), "scheduling_request.event.start.time"},
		{"bad zone", edit(t, chosen, "scheduling_request.event.start.tzid", "Mars/Olympus"), "scheduling_request.event.start.tzid"},
		{"no organizer in the metadata", edit(t, chosen, meta+"roomkeeper_organizer_email", nil), meta + "roomkeeper_organizer_email"},
		{"organizer not a string", edit(t, chosen, meta+"roomkeeper_organizer_email", 1.0), meta + "roomkeeper_organizer_email"},
		{"bad organizer", edit(t, chosen, meta+"roomkeeper_organizer_email", "Ada <ada@example.com>"), meta + "roomkeeper_organizer_email"},
		{"bad recipient", edit(t, chosen, "scheduling_request.recipients.0.email", "bob"), "scheduling_request.recipients[0].email"},
		{"bad listed guest", edit(t, chosen, meta+"roomkeeper_attendee_emails", "cleo"), meta + "roomkeeper_attendee_emails"},
		{"completion without guests", edit(t, rts, "event.metadata.roomkeeper_attendee_emails", nil), "event.metadata.roomkeeper_attendee_emails"},
		{"completion without organizer", edit(t, rts, "event.metadata", nil), "event.metadata.roomkeeper_organizer_email"},
		{"completion without event id", edit(t, rts, "event.event_id", nil), "event.event_id"},
		{"meeting over", edit(t, rts, "event.end.time", now.Add(-time.Minute).Format(time.RFC3339)), "event.end"},
		{"bad triggered_at", edit(t, chosen, "notification.triggered_at", "now"), "notification.triggered_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cronofy.Parse(tt.body, now, opts)
			var e *booking.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, booking.Invalid, e.Code)
			assert.Equal(t, tt.field, e.Field, e.Message)
		})
	}
}

// TestGuestsMailCannotReachAreLeftOut checks that a guest with non-ASCII characters before the
// @ does not cost the booking: the others are kept, the guest is listed for the organizer.
func TestGuestsMailCannotReachAreLeftOut(t *testing.T) {
	body := edit(t, "cronofy-scheduling-request-time-chosen.json", "scheduling_request.event.metadata.roomkeeper_attendee_emails", "jörg@example.net, cleo@example.net")
	changes, err := cronofy.Parse(body, now, opts)
	require.NoError(t, err)
	d := changes[0].Details
	assert.Equal(t, []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}, {Email: "cleo@example.net"}}, d.Attendees)
	assert.Equal(t, []booking.Person{{Email: "jörg@example.net"}}, d.Uninvited)

	_, err = cronofy.Parse(edit(t, "cronofy-scheduling-request-time-chosen.json", "scheduling_request.event.metadata.roomkeeper_organizer_email", "åse@example.com"), now, opts)
	var e *booking.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "scheduling_request.event.metadata.roomkeeper_organizer_email", e.Field, "an organizer mail cannot reach is refused")
}

func TestUncoveredNotificationsAreIgnored(t *testing.T) {
	for _, body := range []string{
		`{"notification":{"type":"verification"}}`,
		`{"notification":{"type":"smart_invite"},"smart_invite":{"smart_invite_id":"x"}}`,
		`{"notification":{"type":"scheduling_request_declined"},"scheduling_request":{"scheduling_request_id":"srq_1"}}`,
		`{"notification":{"type":"no_times_suitable"},"event":{"event_id":"e"}}`,
		`{"event":{"event_id":"e"}}`,
	} {
		changes, err := cronofy.Parse([]byte(body), now, opts)
		require.NoError(t, err, body)
		assert.Empty(t, changes, body)
	}
}

func TestBareTimesAreAccepted(t *testing.T) {
	body := edit(t, "cronofy-real-time-scheduling-completed.json", "event.start", now.Add(48*time.Hour).Format(time.RFC3339))
	changes, err := cronofy.Parse(body, now, opts)
	require.NoError(t, err)
	assert.Equal(t, now.Add(48*time.Hour), changes[0].Details.Start)
	assert.Empty(t, changes[0].Details.TimeZone, "no zone given: each person's own, else UTC")
}

// TestBytesThatAreNotUTF8AreReplaced: Cronofy documents no retries, so bytes that are not UTF-8 are
// replaced (U+FFFD) rather than refused, and a guest whose address they spoil is left out and
// named to the organizer.
func TestBytesThatAreNotUTF8AreReplaced(t *testing.T) {
	body := sample(t, "cronofy-scheduling-request-time-chosen.json")
	body = bytes.Replace(body, []byte(`"display_name": "Bob Guest"`), []byte("\"display_name\": \"B\xf6b Guest\""), 1)
	body = bytes.Replace(body, []byte(`"email": "bob@example.net"`), []byte("\"email\": \"b\xf6b@example.net\""), 1)
	require.False(t, utf8.Valid(body))
	changes, err := cronofy.Parse(body, now, opts)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	d := changes[0].Details
	assert.Equal(t, []string{"b\uFFFDb@example.net"}, emails(d.Uninvited))
	assert.Equal(t, "B\uFFFDb Guest", d.Uninvited[0].Name)
}

func emails(ps []booking.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Email)
	}
	return out
}
