package calendly_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
)

const key = "calendly-signing-key"

var (
	now  = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	opts = booking.Rules{DefaultProvider: "whereby", Providers: []string{"whereby"}}
)

func header(v string) http.Header {
	h := http.Header{}
	if v != "" {
		h.Set(calendly.HeaderSignature, v)
	}
	return h
}

func TestVerify(t *testing.T) {
	body := []byte(`{"event":"invitee.created","payload":{}}`)
	good := calendly.Sign(key, now, body)
	ts := fmt.Sprint(now.Unix())
	v1 := strings.TrimPrefix(good, "t="+ts+",v1=")
	tests := []struct {
		name string
		key  string
		h    http.Header
		body []byte
		at   time.Time
		ok   bool
	}{
		{"good", key, header(good), body, now, true},
		{"spaces and order", key, header(" v1=" + v1 + " , t=" + ts), body, now, true},
		{"one of two v1 matches", key, header("t=" + ts + ",v1=" + strings.Repeat("0", 64) + ",v1=" + v1), body, now, true},
		{"within tolerance, late", key, header(good), body, now.Add(5 * time.Minute), true},
		{"within tolerance, early clock", key, header(good), body, now.Add(-5 * time.Minute), true},
		{"stale", key, header(good), body, now.Add(5*time.Minute + time.Second), false},
		{"from the future", key, header(good), body, now.Add(-5*time.Minute - time.Second), false},
		{"tampered body", key, header(good), []byte(`{"event":"invitee.canceled","payload":{}}`), now, false},
		{"tampered timestamp", key, header("t=" + fmt.Sprint(now.Unix()+1) + ",v1=" + v1), body, now, false},
		{"wrong key", "another-key", header(good), body, now, false},
		{"missing header", key, header(""), body, now, false},
		{"no t", key, header("v1=" + v1), body, now, false},
		{"no v1", key, header("t=" + ts), body, now, false},
		{"t not a number", key, header("t=now,v1=" + v1), body, now, false},
		{"v1 not hex", key, header("t=" + ts + ",v1=xyz"), body, now, false},
		{"two different t", key, header("t=" + ts + ",t=1,v1=" + v1), body, now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := calendly.Verify(tt.key, tt.h, tt.body, tt.at, 5*time.Minute)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err))
			assert.NotContains(t, err.Error(), v1)
			assert.NotContains(t, err.Error(), tt.key)
		})
	}
	assert.Equal(t, booking.Internal, booking.ErrorCode(calendly.Verify("", header(good), body, now, time.Minute)))
}

func sample(t testing.TB, file string, at time.Time) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", file))
	require.NoError(t, err)
	body, err := eventfile.Expand(raw, eventfile.Vars{Now: at, Run: "t"})
	require.NoError(t, err)
	return body
}

const (
	in1   = "https://api.calendly.com/scheduled_events/EVt1/invitees/INt1"
	in2   = "https://api.calendly.com/scheduled_events/EVt2/invitees/INt2"
	group = "https://api.calendly.com/scheduled_events/GEt"
)

func TestSamples(t *testing.T) {
	type sampleCase struct {
		file  string
		want  booking.Change // the fields checked; Details checked by check
		check func(t *testing.T, d booking.Details)
	}
	tests := []sampleCase{
		{file: "calendly-invitee-created.json",
			want: booking.Change{Type: booking.EventCreated, ExternalID: in1, DeliveryID: "invitee.created:" + in1},
			check: func(t *testing.T, d booking.Details) {
				assert.Equal(t, "Intro call", d.Title)
				assert.Equal(t, now.Add(24*time.Hour), d.Start)
				assert.Equal(t, now.Add(24*time.Hour+30*time.Minute), d.End)
				assert.Equal(t, booking.Person{Name: "Ada Host", Email: "ada@example.com"}, d.Organizer)
				assert.Equal(t, []booking.Person{
					{Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York"},
					{Email: "cleo@example.net"},
				}, d.Attendees, "the invitee and the guest they added")
				assert.Equal(t, booking.Small, d.Room.Size)
				assert.False(t, d.OrganizerCalendar)
			}},
		{file: "calendly-invitee-rescheduled-canceled.json",
			want: booking.Change{Type: booking.EventLinked, ExternalID: in2, Previous: in1, DeliveryID: "invitee.canceled:" + in1}},
		{file: "calendly-invitee-rescheduled-created.json",
			want: booking.Change{Type: booking.EventUpdated, ExternalID: in2, Previous: in1, DeliveryID: "invitee.created:" + in2},
			check: func(t *testing.T, d booking.Details) {
				assert.Equal(t, now.Add(25*time.Hour), d.Start)
			}},
		{file: "calendly-invitee-canceled.json",
			want: booking.Change{Type: booking.EventCancelled, ExternalID: in2, DeliveryID: "invitee.canceled:" + in2, Reason: "Something came up."}},
		{file: "calendly-group-invitee-created.json",
			want: booking.Change{Type: booking.EventJoined, ExternalID: group, Member: group + "/invitees/GIt1", DeliveryID: "invitee.created:" + group + "/invitees/GIt1"},
			check: func(t *testing.T, d booking.Details) {
				assert.Equal(t, "Product workshop", d.Title)
				assert.Equal(t, []string{"bob@example.net"}, emails(d.Attendees))
				assert.Equal(t, booking.Large, d.Room.Size, "sized for the event's limit of 10")
			}},
		{file: "calendly-group-invitee-canceled.json",
			want: booking.Change{Type: booking.EventLeft, ExternalID: group, Member: group + "/invitees/GIt1", DeliveryID: "invitee.canceled:" + group + "/invitees/GIt1", Reason: "Cannot make it after all."},
			check: func(t *testing.T, d booking.Details) {
				assert.Equal(t, []string{"bob@example.net"}, emails(d.Attendees))
			}},
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "events", "calendly-*.json"))
	require.NoError(t, err)
	for _, f := range files {
		name := filepath.Base(f)
		assert.True(t, slices.ContainsFunc(tests, func(c sampleCase) bool { return c.file == name }), "events/%s is not in this table", name)
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			changes, err := calendly.Parse(sample(t, tt.file, now), now, opts)
			require.NoError(t, err)
			require.Len(t, changes, 1)
			ch := changes[0]
			assert.Equal(t, calendly.Source, ch.Source)
			assert.Equal(t, now, ch.At)
			assert.Equal(t, tt.want.Type, ch.Type)
			assert.Equal(t, tt.want.ExternalID, ch.ExternalID)
			assert.Equal(t, tt.want.Previous, ch.Previous)
			assert.Equal(t, tt.want.Member, ch.Member)
			assert.Equal(t, tt.want.DeliveryID, ch.DeliveryID)
			assert.Equal(t, tt.want.Reason, ch.Reason)
			assert.Empty(t, ch.UID, "roomkeeper makes the calendar UID")
			if tt.check != nil {
				tt.check(t, ch.Details)
			}
		})
	}
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
	const created, group = "calendly-invitee-created.json", "calendly-group-invitee-canceled.json"
	tests := []struct {
		name  string
		body  []byte
		field string
	}{
		{"not JSON", []byte(`{"event"`), ""},
		{"no event", edit(t, created, "event", nil), "event"},
		{"no payload", edit(t, created, "payload", nil), "payload"},
		{"no invitee URI", edit(t, created, "payload.uri", nil), "payload.uri"},
		{"no invitee e-mail", edit(t, created, "payload.email", nil), "payload.email"},
		{"bad invitee zone", edit(t, created, "payload.timezone", "Mars/Olympus"), "payload.timezone"},
		{"no host", edit(t, created, "payload.scheduled_event.event_memberships", []any{}), "payload.scheduled_event.event_memberships"},
		{"no host e-mail", edit(t, created, "payload.scheduled_event.event_memberships.0.user_email", nil), "payload.scheduled_event.event_memberships[0].user_email"},
		{"bad guest e-mail", edit(t, created, "payload.scheduled_event.event_guests.0.email", "cleo"), "payload.scheduled_event.event_guests[0].email"},
		{"no start", edit(t, created, "payload.scheduled_event.start_time", nil), "payload.scheduled_event.start_time"},
		{"meeting over", edit(t, created, "payload.scheduled_event.end_time", now.Add(-time.Minute).Format(time.RFC3339)), "payload.scheduled_event.end_time"},
		{"bad created_at", edit(t, created, "created_at", "today"), "created_at"},
		{"limit not a number", edit(t, created, "payload.scheduled_event.invitees_counter.limit", "one"), "payload.scheduled_event.invitees_counter.limit"},
		{"group without event URI", edit(t, group, "payload.scheduled_event.uri", nil), "payload.scheduled_event.uri"},
		{"group leave without e-mail", edit(t, group, "payload.email", nil), "payload.email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := calendly.Parse(tt.body, now, opts)
			var e *booking.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, booking.Invalid, e.Code)
			assert.Equal(t, tt.field, e.Field, e.Message)
		})
	}
}

// TestCancellationReasonIsCleanedNotRefused: the reason an invitee gave is kept for the
// cancellation mail, without control characters and cut to booking.MaxCancelReason; no reason
// makes the cancellation itself fail.
func TestCancellationReasonIsCleanedNotRefused(t *testing.T) {
	for _, tt := range []struct{ reason, want string }{
		{"  Ill\x00 today\r\n\u202eSorry\x1b[2J  ", "Ill today\nSorry[2J"},
		{strings.Repeat("x", 5000), strings.Repeat("x", booking.MaxCancelReason-1) + "…"},
		{"", ""},
	} {
		changes, err := calendly.Parse(edit(t, "calendly-invitee-canceled.json", "payload.cancellation.reason", tt.reason), now, opts)
		require.NoError(t, err)
		require.Len(t, changes, 1)
		assert.Equal(t, booking.EventCancelled, changes[0].Type)
		assert.Equal(t, tt.want, changes[0].Reason)
	}
}

func TestOtherEventsAreIgnored(t *testing.T) {
	for _, ev := range []string{"invitee_no_show.created", "routing_form_submission.created", "event_type.updated"} {
		changes, err := calendly.Parse(edit(t, "calendly-invitee-created.json", "event", ev), now, opts)
		require.NoError(t, err, ev)
		assert.Empty(t, changes, ev)
	}
}

func TestHostCancellingAGroupEventCancelsItForEveryone(t *testing.T) {
	var v map[string]any
	require.NoError(t, json.Unmarshal(sample(t, "calendly-group-invitee-canceled.json", now), &v))
	p := v["payload"].(map[string]any)
	p["cancellation"].(map[string]any)["canceler_type"] = "host"
	p["scheduled_event"].(map[string]any)["status"] = "canceled"
	body, err := json.Marshal(v)
	require.NoError(t, err)
	changes, err := calendly.Parse(body, now, opts)
	require.NoError(t, err)
	assert.Equal(t, booking.EventCancelled, changes[0].Type)
	assert.Equal(t, group, changes[0].ExternalID)
}

// pipeline applies Calendly deliveries through the real intake on an embedded store.
type pipeline struct {
	t     *testing.T
	store *bolt.Store
	in    *intake.Intake
	clock time.Time
}

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	p := &pipeline{t: t, store: st, clock: now}
	p.in = &intake.Intake{Store: st, Queue: nopQueue{}, Now: func() time.Time { return p.clock }, Retention: time.Hour}
	return p
}

func (p *pipeline) send(body []byte) intake.Result {
	p.t.Helper()
	changes, err := calendly.Parse(body, p.clock, opts)
	require.NoError(p.t, err)
	require.Len(p.t, changes, 1)
	res, err := p.in.Apply(context.Background(), changes[0])
	require.NoError(p.t, err)
	return res
}

func (p *pipeline) get(id string) *booking.Booking {
	p.t.Helper()
	b, err := p.store.Get(context.Background(), booking.KeyOf(calendly.Source, id))
	require.NoError(p.t, err)
	return b
}

// TestReschedulePair sends a one-on-one reschedule's two halves in both orders, and twice: the
// result is always one booking, moved once, with no cancellation.
func TestReschedulePair(t *testing.T) {
	tests := []struct {
		name  string
		order []string
	}{
		{"canceled half first", []string{"calendly-invitee-rescheduled-canceled.json", "calendly-invitee-rescheduled-created.json"}},
		{"created half first", []string{"calendly-invitee-rescheduled-created.json", "calendly-invitee-rescheduled-canceled.json"}},
		{"both twice", []string{"calendly-invitee-rescheduled-created.json", "calendly-invitee-rescheduled-canceled.json",
			"calendly-invitee-rescheduled-canceled.json", "calendly-invitee-rescheduled-created.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			assert.Equal(t, intake.Applied, p.send(sample(t, "calendly-invitee-created.json", now)).Outcome)
			p.clock = now.Add(time.Minute)
			applied := 0
			for _, f := range tt.order {
				if p.send(sample(t, f, p.clock)).Outcome == intake.Applied {
					applied++
				}
			}
			assert.Equal(t, 1, applied, "one change a guest sees")
			b := p.get(in1)
			assert.Equal(t, booking.Confirmed, b.Status, "never cancelled")
			assert.Equal(t, 1, b.Sequence, "one update")
			assert.Equal(t, now.Add(time.Minute+25*time.Hour), b.Details.Start)
			assert.Equal(t, in1, p.get(in2).AliasOf)

			// Cancelling the rescheduled booking reaches the same record.
			p.clock = p.clock.Add(time.Minute)
			assert.Equal(t, intake.Applied, p.send(sample(t, "calendly-invitee-canceled.json", p.clock)).Outcome)
			assert.Equal(t, booking.Cancelled, p.get(in1).Status)
		})
	}
}

func TestGroupInviteeCancelling(t *testing.T) {
	p := newPipeline(t)
	bob := sample(t, "calendly-group-invitee-created.json", now)
	cleo := edit(t, "calendly-group-invitee-created.json", "payload.uri", group+"/invitees/GIt2")
	var v map[string]any
	require.NoError(t, json.Unmarshal(cleo, &v))
	v["payload"].(map[string]any)["email"] = "cleo@example.net"
	cleo, err := json.Marshal(v)
	require.NoError(t, err)

	assert.Equal(t, intake.Applied, p.send(bob).Outcome)
	assert.Equal(t, intake.Applied, p.send(cleo).Outcome)
	b := p.get(group)
	assert.Equal(t, []string{"bob@example.net", "cleo@example.net"}, emails(b.Details.Attendees))

	assert.Equal(t, intake.Applied, p.send(sample(t, "calendly-group-invitee-canceled.json", now)).Outcome)
	b = p.get(group)
	assert.Equal(t, booking.Confirmed, b.Status, "the event goes on")
	assert.Equal(t, []string{"cleo@example.net"}, emails(b.Details.Attendees), "only Bob left")

	// Bob's join delivered again after he left does not bring him back.
	p.clock = p.clock.Add(time.Hour)
	again := edit(t, "calendly-group-invitee-created.json", "created_at", p.clock.Format(time.RFC3339))
	res, err := p.in.Apply(context.Background(), func() booking.Change {
		changes, err := calendly.Parse(again, p.clock, opts)
		require.NoError(t, err)
		ch := changes[0]
		ch.DeliveryID = "redelivered"
		return ch
	}())
	require.NoError(t, err)
	assert.Equal(t, intake.Stale, res.Outcome)
}

// TestInviteesMailCannotReach checks that an invitee whose address has non-ASCII characters
// before the @ does not cost the booking: they are listed for the organizer, joining or leaving.
func TestInviteesMailCannotReach(t *testing.T) {
	for _, file := range []string{"calendly-invitee-created.json", "calendly-group-invitee-created.json", "calendly-group-invitee-canceled.json"} {
		t.Run(file, func(t *testing.T) {
			changes, err := calendly.Parse(edit(t, file, "payload.email", "jörg@example.net"), now, opts)
			require.NoError(t, err)
			require.Len(t, changes, 1)
			d := changes[0].Details
			assert.Equal(t, []string{"jörg@example.net"}, emails(d.Uninvited))
			assert.NotContains(t, emails(d.Attendees), "jörg@example.net")
		})
	}
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

// TestBytesThatAreNotUTF8AreReplaced: Calendly gives up on a delivery after a day, so bytes that are not UTF-8 are
// replaced (U+FFFD) rather than refused, and a guest whose address they spoil is left out and
// named to the organizer.
func TestBytesThatAreNotUTF8AreReplaced(t *testing.T) {
	body := sample(t, "calendly-invitee-created.json", now)
	body = bytes.Replace(body, []byte(`"name": "Bob Guest"`), []byte("\"name\": \"B\xf6b Guest\""), 1)
	body = bytes.Replace(body, []byte(`"email": "bob@example.net"`), []byte("\"email\": \"b\xf6b@example.net\""), 1)
	require.False(t, utf8.Valid(body))
	changes, err := calendly.Parse(body, now, opts)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	d := changes[0].Details
	assert.Equal(t, []string{"b\uFFFDb@example.net"}, emails(d.Uninvited))
	assert.Equal(t, "B\uFFFDb Guest", d.Uninvited[0].Name)
}
