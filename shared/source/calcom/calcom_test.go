package calcom_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
)

const secret = "calcom-test-secret"

var (
	now  = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	opts = booking.Rules{DefaultProvider: "whereby", Providers: []string{"whereby"}}
)

func header(sig string) http.Header {
	h := http.Header{}
	if sig != "" {
		h.Set(calcom.HeaderSignature, sig)
	}
	return h
}

func TestVerify(t *testing.T) {
	body := []byte(`{"triggerEvent":"BOOKING_CREATED","payload":{}}`)
	good := calcom.Sign(secret, body)
	tests := []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		ok     bool
	}{
		{"good", secret, header(good), body, true},
		{"upper-case hex", secret, header(strings.ToUpper(good)), body, true},
		{"sha256= prefix", secret, header("sha256=" + good), body, true},
		{"lower-case header name, as API Gateway sends it", secret, http.Header{"X-Cal-Signature-256": {good}}, body, true},
		{"tampered body", secret, header(good), []byte(`{"triggerEvent":"BOOKING_CANCELLED","payload":{}}`), false},
		{"wrong secret", "another-secret", header(good), body, false},
		{"no secret in Cal.com", secret, header("no-secret-provided"), body, false},
		{"missing header", secret, header(""), body, false},
		{"not hex", secret, header("zz" + good[2:]), body, false},
		{"truncated", secret, header(good[:32]), body, false},
		{"two headers", secret, http.Header{"X-Cal-Signature-256": {good, good}}, body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := calcom.Verify(tt.secret, tt.h, tt.body)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err))
			assert.NotContains(t, err.Error(), good, "never the expected MAC")
			assert.NotContains(t, err.Error(), tt.secret)
		})
	}
	assert.Equal(t, booking.Internal, booking.ErrorCode(calcom.Verify("", header(good), body)), "no secret configured")
}

// sample expands an events/ sample at now with run "t".
func sample(t testing.TB, file string, at time.Time) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", file))
	require.NoError(t, err)
	body, err := eventfile.Expand(raw, eventfile.Vars{Now: at, Run: "t"})
	require.NoError(t, err)
	return body
}

func TestSamples(t *testing.T) {
	const uid = "bkta@Cal.com"
	type sampleCase struct {
		file  string
		typ   booking.EventType // "": nothing to do
		check func(t *testing.T, ch booking.Change)
	}
	tests := []sampleCase{
		{file: "calcom-booking-created.json", typ: booking.EventCreated, check: func(t *testing.T, ch booking.Change) {
			d := ch.Details
			assert.Equal(t, "Intro call between Ada Host and Bob Guest", d.Title)
			assert.Equal(t, now.Add(24*time.Hour), d.Start)
			assert.Equal(t, now.Add(24*time.Hour+30*time.Minute), d.End)
			assert.Equal(t, "Europe/Oslo", d.TimeZone)
			assert.Equal(t, booking.Person{Name: "Ada Host", Email: "ada@example.com", TimeZone: "Europe/Oslo", Locale: "en"}, d.Organizer)
			assert.Equal(t, []booking.Person{
				{Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York", Locale: "en"},
				{Email: "cleo@example.net", TimeZone: "America/New_York", Locale: "en"},
			}, d.Attendees, "the booker and their guest")
			assert.Equal(t, booking.RoomOptions{Provider: "whereby", Size: booking.Small}, d.Room)
			assert.False(t, d.OrganizerCalendar, "Cal.com already put it in the organizer's calendar")
		}},
		{file: "calcom-booking-rescheduled.json", typ: booking.EventUpdated, check: func(t *testing.T, ch booking.Change) {
			assert.Equal(t, now.Add(25*time.Hour), ch.Details.Start)
			assert.Contains(t, ch.DeliveryID, "bktb", "the new uid")
		}},
		{file: "calcom-booking-cancelled.json", typ: booking.EventCancelled, check: func(t *testing.T, ch booking.Change) {
			assert.Equal(t, "Something came up.", ch.Reason)
			assert.False(t, ch.IfExists)
		}},
		{file: "calcom-booking-reschedule-requested.json"},
		{file: "calcom-booking-requested.json"},
		{file: "calcom-booking-rejected.json", typ: booking.EventCancelled, check: func(t *testing.T, ch booking.Change) {
			assert.True(t, ch.IfExists, "cancels only a booking roomkeeper has")
			assert.Equal(t, "Fully booked that day.", ch.Reason)
		}},
		{file: "calcom-meeting-ended.json", typ: booking.EventEnded, check: func(t *testing.T, ch booking.Change) {
			assert.Equal(t, now, ch.Details.End)
		}},
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "events", "calcom-*.json"))
	require.NoError(t, err)
	for _, f := range files {
		name := filepath.Base(f)
		assert.True(t, slices.ContainsFunc(tests, func(c sampleCase) bool { return c.file == name }), "events/%s is not in this table", name)
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := sample(t, tt.file, now)
			changes, err := calcom.Parse(body, now, opts)
			require.NoError(t, err)
			if tt.typ == "" {
				assert.Empty(t, changes)
				return
			}
			require.Len(t, changes, 1)
			ch := changes[0]
			assert.Equal(t, tt.typ, ch.Type)
			assert.Equal(t, calcom.Source, ch.Source)
			assert.Equal(t, uid, ch.ExternalID, "the iCalUID is the booking")
			assert.Equal(t, uid, ch.UID, "and the calendar UID")
			assert.LessOrEqual(t, ch.At, now)
			assert.NotEmpty(t, ch.DeliveryID)
			if tt.check != nil {
				tt.check(t, ch)
			}
		})
	}
}

// TestCancellationReasonIsCleanedNotRefused: the reason given is kept for the cancellation
// mail, without control characters and cut to booking.MaxCancelReason; no reason makes the
// cancellation itself fail.
func TestCancellationReasonIsCleanedNotRefused(t *testing.T) {
	for _, tt := range []struct{ reason, want string }{
		{"  Ill\x00 today\r\n\u202eSorry\x1b[2J  ", "Ill today\nSorry[2J"},
		{strings.Repeat("é", 5000), strings.Repeat("é", booking.MaxCancelReason-1) + "…"},
	} {
		for file, field := range map[string]string{
			"calcom-booking-cancelled.json": "payload.cancellationReason",
			"calcom-booking-rejected.json":  "payload.rejectionReason",
		} {
			changes, err := calcom.Parse(edit(t, file, field, tt.reason), now, opts)
			require.NoError(t, err, file)
			require.Len(t, changes, 1, file)
			assert.Equal(t, booking.EventCancelled, changes[0].Type, file)
			assert.Equal(t, tt.want, changes[0].Reason, file)
		}
	}
}

func TestDeliveryIDIsTheBodysHash(t *testing.T) {
	a := sample(t, "calcom-booking-created.json", now)
	b := sample(t, "calcom-booking-created.json", now.Add(time.Second)) // same booking, another createdAt
	ca, err := calcom.Parse(a, now.Add(time.Second), opts)
	require.NoError(t, err)
	again, err := calcom.Parse(a, now.Add(time.Minute), opts)
	require.NoError(t, err)
	cb, err := calcom.Parse(b, now.Add(time.Second), opts)
	require.NoError(t, err)
	assert.Equal(t, ca[0].DeliveryID, again[0].DeliveryID, "the same body is the same delivery")
	assert.NotEqual(t, ca[0].DeliveryID, cb[0].DeliveryID)
	assert.True(t, strings.HasPrefix(ca[0].DeliveryID, "BOOKING_CREATED:bkta:"), ca[0].DeliveryID)
}

// edit expands a sample and sets the value at a dotted path, or deletes the key when value is
// nil (eventfile.Set).
func edit(t *testing.T, file, path string, value any) []byte {
	t.Helper()
	out, err := eventfile.Set(sample(t, file, now), path, value)
	require.NoError(t, err)
	return out
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		field string
	}{
		{"not JSON", []byte(`{"triggerEvent":`), ""},
		{"no trigger", edit(t, "calcom-booking-created.json", "triggerEvent", nil), "triggerEvent"},
		{"no payload", edit(t, "calcom-booking-created.json", "payload", nil), "payload"},
		{"no iCalUID", edit(t, "calcom-booking-created.json", "payload.iCalUID", nil), "payload.iCalUID"},
		{"no attendee e-mail", edit(t, "calcom-booking-created.json", "payload.attendees.0.email", nil), "payload.attendees[0].email"},
		{"bad guest e-mail", edit(t, "calcom-booking-created.json", "payload.attendees.1.email", "Cleo <cleo@example.net>"), "payload.attendees[1].email"},
		{"no attendees", edit(t, "calcom-booking-created.json", "payload.attendees", []any{}), "payload.attendees"},
		{"attendee not an object", edit(t, "calcom-booking-created.json", "payload.attendees.0", "bob"), "payload.attendees[0]"},
		{"no organizer e-mail", edit(t, "calcom-booking-created.json", "payload.organizer.email", nil), "payload.organizer.email"},
		{"bad organizer zone", edit(t, "calcom-booking-created.json", "payload.organizer.timeZone", "Mars/Olympus"), "payload.organizer.timeZone"},
		{"bad organizer language", edit(t, "calcom-booking-created.json", "payload.organizer.language.locale", "en!"), "payload.organizer.language.locale"},
		{"bad guest language", edit(t, "calcom-booking-created.json", "payload.attendees.1.language.locale", "???"), "payload.attendees[1].language.locale"},
		{"no start", edit(t, "calcom-booking-created.json", "payload.startTime", nil), "payload.startTime"},
		{"end before start", edit(t, "calcom-booking-created.json", "payload.endTime", now.Add(time.Hour).Format(time.RFC3339)), "payload.endTime"},
		{"meeting over", edit(t, "calcom-booking-rescheduled.json", "payload.endTime", now.Add(-time.Hour).Format(time.RFC3339)), "payload.endTime"},
		{"title with a line break", edit(t, "calcom-booking-created.json", "payload.title", "a\nb"), "payload.title"},
		{"ended without endTime", edit(t, "calcom-meeting-ended.json", "endTime", nil), "endTime"},
		{"ended without iCalUID", edit(t, "calcom-meeting-ended.json", "iCalUID", nil), "iCalUID"},
		{"bad createdAt", edit(t, "calcom-booking-created.json", "createdAt", "yesterday"), "createdAt"},
		{"cancel without iCalUID", edit(t, "calcom-booking-cancelled.json", "payload.iCalUID", nil), "payload.iCalUID"},
		{"wrong type", edit(t, "calcom-booking-created.json", "payload.title", 42.0), "payload.title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := calcom.Parse(tt.body, now, opts)
			require.Error(t, err)
			var e *booking.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, booking.Invalid, e.Code)
			assert.Equal(t, tt.field, e.Field, e.Message)
		})
	}
}

// TestLanguages: each person's language is Cal.com's language.locale, kept as a BCP 47 tag
// ("no", Cal.com's Norwegian, is matched to Bokmål when the mail is written).
func TestLanguages(t *testing.T) {
	body := edit(t, "calcom-booking-created.json", "payload.organizer.language.locale", "no")
	body, err := eventfile.Set(body, "payload.attendees.0.language.locale", "de")
	require.NoError(t, err)
	body, err = eventfile.Set(body, "payload.attendees.1.language", nil)
	require.NoError(t, err)
	changes, err := calcom.Parse(body, now, opts)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	d := changes[0].Details
	assert.Equal(t, "no", d.Organizer.Locale)
	require.Len(t, d.Attendees, 2)
	assert.Equal(t, "de", d.Attendees[0].Locale)
	assert.Empty(t, d.Attendees[1].Locale, "none given")
}

// TestGuestsMailCannotReachAreLeftOut checks that Cal.com's booking, which it sends once, goes
// ahead for everyone else when a guest's address has non-ASCII characters before the @, with
// that guest listed for the organizer; an organizer mail cannot reach is still refused.
func TestGuestsMailCannotReachAreLeftOut(t *testing.T) {
	body := edit(t, "calcom-booking-created.json", "payload.attendees.1", map[string]any{"name": "Jörg", "email": "jörg@bücher.example", "timeZone": "Europe/Berlin"})
	changes, err := calcom.Parse(body, now, opts)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	d := changes[0].Details
	assert.Equal(t, []string{"bob@example.net"}, emails(d.Attendees))
	assert.Equal(t, []booking.Person{{Name: "Jörg", Email: "jörg@xn--bcher-kva.example"}}, d.Uninvited)

	// Even when nobody but the organizer can be mailed, the booking and its room go ahead.
	body = edit(t, "calcom-booking-created.json", "payload.attendees", []any{map[string]any{"email": "jörg@example.net"}})
	changes, err = calcom.Parse(body, now, opts)
	require.NoError(t, err)
	assert.Empty(t, changes[0].Details.Attendees)
	assert.Equal(t, []string{"jörg@example.net"}, emails(changes[0].Details.Uninvited))

	_, err = calcom.Parse(edit(t, "calcom-booking-created.json", "payload.organizer.email", "åse@example.com"), now, opts)
	var e *booking.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "payload.organizer.email", e.Field, "every message names the organizer: one mail cannot reach is refused")
}

func TestUnknownTriggersAreIgnored(t *testing.T) {
	for _, trigger := range []string{"BOOKING_PAID", "BOOKING_PAYMENT_INITIATED", "MEETING_STARTED", "RECORDING_READY", "SOMETHING_NEW"} {
		t.Run(trigger, func(t *testing.T) {
			changes, err := calcom.Parse(edit(t, "calcom-booking-created.json", "triggerEvent", trigger), now, opts)
			require.NoError(t, err)
			assert.Empty(t, changes)
		})
	}
}

func TestTeamHostsAreInvited(t *testing.T) {
	body := edit(t, "calcom-booking-created.json", "payload.team", map[string]any{
		"name": "Sales", "members": []any{map[string]any{"name": "Dan Cohost", "email": "dan@example.com", "timeZone": "Europe/Oslo"}},
	})
	changes, err := calcom.Parse(body, now, opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"bob@example.net", "cleo@example.net", "dan@example.com"}, emails(changes[0].Details.Attendees))

	body = edit(t, "calcom-booking-created.json", "payload.team", map[string]any{"members": []any{map[string]any{"email": "x"}}})
	_, err = calcom.Parse(body, now, opts)
	var e *booking.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "payload.team.members[0].email", e.Field)
}

func TestSeatedEventsChangeOneAttendeeAtATime(t *testing.T) {
	created := edit(t, "calcom-booking-created.json", "payload.seatsPerTimeSlot", 10.0)
	changes, err := calcom.Parse(created, now, opts)
	require.NoError(t, err)
	require.Len(t, changes, 2)
	for i, ch := range changes {
		assert.Equal(t, booking.EventJoined, ch.Type)
		assert.Len(t, ch.Details.Attendees, 1)
		assert.Equal(t, booking.Large, ch.Details.Room.Size, "sized for the slot")
		assert.NotEqual(t, changes[0].DeliveryID, changes[1].DeliveryID, i)
	}
	cancelled := edit(t, "calcom-booking-cancelled.json", "payload.seatsPerTimeSlot", 10.0)
	changes, err = calcom.Parse(cancelled, now, opts)
	require.NoError(t, err)
	require.Len(t, changes, 2)
	assert.Equal(t, booking.EventLeft, changes[0].Type)

	moved := edit(t, "calcom-booking-rescheduled.json", "payload.seatsPerTimeSlot", 10.0)
	changes, err = calcom.Parse(moved, now, opts)
	require.NoError(t, err)
	assert.Empty(t, changes, "a seat moved to another slot is not covered")
}

// TestChainWithStuckICalSequence applies a booking rescheduled twice, with Cal.com's
// iCalSequence stuck at 1 (calcom/cal.diy#22779), through the real intake: roomkeeper's own
// SEQUENCE still rises on each reschedule, and one booking holds them all.
func TestChainWithStuckICalSequence(t *testing.T) {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	clock := now
	in := &intake.Intake{Store: st, Queue: nopQueue{}, Now: func() time.Time { return clock }, Retention: time.Hour}
	apply := func(body []byte) intake.Result {
		t.Helper()
		changes, err := calcom.Parse(body, clock, opts)
		require.NoError(t, err)
		require.Len(t, changes, 1)
		res, err := in.Apply(context.Background(), changes[0])
		require.NoError(t, err)
		return res
	}

	res := apply(sample(t, "calcom-booking-created.json", clock))
	assert.Equal(t, intake.Applied, res.Outcome)
	for i, uid := range []string{"bktb", "bktc"} {
		clock = clock.Add(time.Minute)
		body := edit(t, "calcom-booking-rescheduled.json", "payload.uid", uid)
		var v map[string]any
		require.NoError(t, json.Unmarshal(body, &v))
		p := v["payload"].(map[string]any)
		p["iCalSequence"] = 1.0 // stuck
		v["createdAt"] = clock.Format(time.RFC3339Nano)
		p["startTime"] = now.Add(time.Duration(25+i) * time.Hour).Format(time.RFC3339)
		p["endTime"] = now.Add(time.Duration(25+i)*time.Hour + 30*time.Minute).Format(time.RFC3339)
		body, err = json.Marshal(v)
		require.NoError(t, err)
		assert.Equal(t, intake.Applied, apply(body).Outcome, "reschedule %d", i+1)

		// Cal.com sending the very same delivery again changes nothing.
		assert.Equal(t, intake.Duplicate, apply(body).Outcome)
	}
	b, err := st.Get(context.Background(), booking.KeyOf(calcom.Source, "bkta@Cal.com"))
	require.NoError(t, err)
	assert.Equal(t, 2, b.Sequence, "SEQUENCE rose on both reschedules")
	assert.Equal(t, "bkta@Cal.com", b.UID)
	assert.Equal(t, now.Add(26*time.Hour), b.Details.Start)

	// The organizer asking for a new time keeps the booking as it is.
	clock = clock.Add(time.Minute)
	changes, err := calcom.Parse(sample(t, "calcom-booking-reschedule-requested.json", clock), clock, opts)
	require.NoError(t, err)
	assert.Empty(t, changes)

	// A rejection of a booking roomkeeper never had stores nothing.
	res = apply(edit(t, "calcom-booking-rejected.json", "payload.iCalUID", "other@Cal.com"))
	assert.Equal(t, intake.Ignored, res.Outcome)
	_, err = st.Get(context.Background(), booking.KeyOf(calcom.Source, "other@Cal.com"))
	assert.ErrorIs(t, err, booking.ErrNotFound)
}

// TestWithoutICalUID covers Cal.com's published examples of BOOKING_RESCHEDULED and
// BOOKING_REJECTED, which carry no iCalUID: each is linked through the uid the booking had
// (rescheduleUid) or has, recorded when roomkeeper saw it; one nothing links is refused, and
// nothing is stored for it.
func TestWithoutICalUID(t *testing.T) {
	created := sample(t, "calcom-booking-created.json", now)
	changes, err := calcom.Parse(created, now, opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"uid:bkta"}, changes[0].Names, "the booking's uid is another name for it")

	moved := edit(t, "calcom-booking-rescheduled.json", "payload.iCalUID", nil)
	changes, err = calcom.Parse(moved, now, opts)
	require.NoError(t, err)
	ch := changes[0]
	assert.Empty(t, ch.ExternalID)
	assert.Empty(t, ch.UID)
	assert.Equal(t, []string{"uid:bkta", "uid:bktb"}, ch.Names, "the uid it replaced first, then its own")
	var e *booking.Error
	require.ErrorAs(t, ch.Unlinked, &e)
	assert.Equal(t, "payload.iCalUID", e.Field)

	_, err = calcom.Parse(edit(t, "calcom-booking-created.json", "payload.iCalUID", nil), now, opts)
	require.ErrorAs(t, err, &e, "a new booking has nothing to be linked to")
	noUIDs, err := eventfile.Set(moved, "payload.rescheduleUid", nil)
	require.NoError(t, err)
	noUIDs, err = eventfile.Set(noUIDs, "payload.uid", nil)
	require.NoError(t, err)
	_, err = calcom.Parse(noUIDs, now, opts)
	require.ErrorAs(t, err, &e, "nothing to link it by")
	assert.Equal(t, "payload.iCalUID", e.Field)

	// Through the real intake: the reschedule and, later, the rejection find the booking.
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	clock := now
	in := &intake.Intake{Store: st, Queue: nopQueue{}, Now: func() time.Time { return clock }, Retention: time.Hour}
	apply := func(body []byte) (intake.Result, error) {
		t.Helper()
		changes, err := calcom.Parse(body, clock, opts)
		require.NoError(t, err)
		require.Len(t, changes, 1)
		return in.Apply(context.Background(), changes[0])
	}
	get := func() *booking.Booking {
		b, err := st.Get(context.Background(), booking.KeyOf(calcom.Source, "bkta@Cal.com"))
		require.NoError(t, err)
		return b
	}

	res, err := apply(created)
	require.NoError(t, err)
	require.Equal(t, intake.Applied, res.Outcome)
	for i, uids := range [][2]string{{"bkta", "bktb"}, {"bktb", "bktc"}} {
		clock = clock.Add(time.Minute)
		body := edit(t, "calcom-booking-rescheduled.json", "payload.iCalUID", nil)
		var v map[string]any
		require.NoError(t, json.Unmarshal(body, &v))
		p := v["payload"].(map[string]any)
		p["rescheduleUid"], p["uid"] = uids[0], uids[1]
		p["startTime"] = now.Add(time.Duration(25+i) * time.Hour).Format(time.RFC3339)
		p["endTime"] = now.Add(time.Duration(25+i)*time.Hour + 30*time.Minute).Format(time.RFC3339)
		v["createdAt"] = clock.Format(time.RFC3339Nano)
		body, err = json.Marshal(v)
		require.NoError(t, err)
		res, err := apply(body)
		require.NoError(t, err)
		assert.Equal(t, intake.Applied, res.Outcome, "reschedule %d", i+1)
		assert.Equal(t, booking.KeyOf(calcom.Source, "bkta@Cal.com"), res.Key)
		assert.Equal(t, i+1, get().Sequence)
		assert.Equal(t, now.Add(time.Duration(25+i)*time.Hour), get().Details.Start)
	}

	// A rejection of a booking roomkeeper never had, and without iCalUID: nothing links it.
	clock = clock.Add(time.Minute)
	stranger, err := eventfile.Set(edit(t, "calcom-booking-rejected.json", "payload.iCalUID", nil), "payload.uid", "bkzz")
	require.NoError(t, err)
	_, err = apply(stranger)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, booking.Invalid, e.Code)
	assert.Equal(t, "payload.iCalUID", e.Field)
	_, err = st.Get(context.Background(), booking.KeyOf(calcom.Source, "uid:bkzz"))
	assert.ErrorIs(t, err, booking.ErrNotFound, "nothing stored")

	// The latest uid, known since the second reschedule, links the rejection to the booking.
	rejected, err := eventfile.Set(edit(t, "calcom-booking-rejected.json", "payload.iCalUID", nil), "payload.uid", "bktc")
	require.NoError(t, err)
	rejected, err = eventfile.Set(rejected, "createdAt", clock.Format(time.RFC3339Nano))
	require.NoError(t, err)
	res, err = apply(rejected)
	require.NoError(t, err)
	assert.Equal(t, intake.Applied, res.Outcome)
	assert.Equal(t, booking.Cancelled, get().Status)
}

type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, string) error { return nil }

func emails(ps []booking.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Email)
	}
	return out
}

// TestBytesThatAreNotUTF8AreReplaced: Cal.com sends a booking once, so bytes that are not UTF-8 are
// replaced (U+FFFD) rather than refused, and a guest whose address they spoil is left out and
// named to the organizer.
func TestBytesThatAreNotUTF8AreReplaced(t *testing.T) {
	body := sample(t, "calcom-booking-created.json", now)
	body = bytes.Replace(body, []byte(`"name": "Bob Guest"`), []byte("\"name\": \"B\xf6b Guest\""), 1)
	body = bytes.Replace(body, []byte(`"email": "bob@example.net"`), []byte("\"email\": \"b\xf6b@example.net\""), 1)
	require.False(t, utf8.Valid(body))
	changes, err := calcom.Parse(body, now, opts)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	d := changes[0].Details
	assert.Equal(t, []string{"b\uFFFDb@example.net"}, emails(d.Uninvited))
	assert.Equal(t, "B\uFFFDb Guest", d.Uninvited[0].Name)
}
