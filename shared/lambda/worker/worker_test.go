package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/invite/render"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/local/memqueue"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
	"github.com/roomkeeper/roomkeeper/shared/sweep"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
)

// fixture is the worker handler over real local adapters: the embedded store, the outbox, and
// the Whereby adapter talking HTTP to the Whereby sandbox.
type fixture struct {
	t       *testing.T
	now     time.Time
	store   *bolt.Store
	outbox  *outbox.Outbox
	sandbox *sandbox.Whereby
	logs    *bytes.Buffer
	h       *Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Now().UTC().Truncate(time.Second), logs: &bytes.Buffer{}}
	clock := func() time.Time { return f.now }
	var err error
	f.store, err = bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { f.store.Close() })
	f.outbox, err = outbox.New(t.TempDir(), clock)
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(nil)
	f.sandbox, err = sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://" + srv.Listener.Addr().String(), Now: clock})
	require.NoError(t, err)
	srv.Config.Handler = f.sandbox
	srv.Start()
	t.Cleanup(srv.Close)
	f.h = &Handler{
		Reconciler: &reconcile.Reconciler{
			Deployment:   "test",
			Store:        f.store,
			Mailer:       f.outbox,
			Renderer:     render.Renderer{},
			Providers:    map[string]booking.Provider{whereby.Name: whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath, APIKey: "test-key", Now: clock, Phone: phone.Normalize})},
			Now:          clock,
			MailFrom:     "roomkeeper <invites@example.org>",
			Links:        &link.Linker{PublicURL: "https://rk.example", Secrets: linkSecret("test-link-secret")},
			CleanupGrace: 15 * time.Minute,
			MaxOverrun:   2 * time.Hour,
			RoomSlack:    168 * time.Hour,
		},
		// DEBUG, so the checks that no address is logged see every line an operator can turn on.
		Log: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	// One writer for the batch's figures and the runs', as functions/worker wires it.
	f.h.Metrics = &emf.Writer{Log: f.h.Log, Now: clock}
	f.h.Reconciler.Metrics = f.h.Metrics
	t.Cleanup(f.checkLogs)
	return f
}

// book stores the booking events/booking-created.json describes for run, as the bookings
// function would, and returns its key.
func (f *fixture) book(run string) string {
	f.t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "booking-created.json"))
	require.NoError(f.t, err)
	body, err := eventfile.Expand(raw, eventfile.Vars{Now: f.now, Run: run})
	require.NoError(f.t, err)
	ch, err := generic.Parse(body, f.now, generic.Options{DefaultProvider: whereby.Name, Providers: []string{whereby.Name}})
	require.NoError(f.t, err)
	in := &intake.Intake{Store: f.store, Queue: memqueue.New(64), Now: func() time.Time { return f.now }, Retention: 720 * time.Hour}
	res, err := in.Apply(context.Background(), ch)
	require.NoError(f.t, err)
	require.Equal(f.t, intake.Applied, res.Outcome)
	return res.Key
}

func (f *fixture) get(key string) *booking.Booking {
	f.t.Helper()
	b, err := f.store.Get(context.Background(), key)
	require.NoError(f.t, err)
	return b
}

// checkLogs asserts that no e-mail address reached the log: none may ever appear in logs.
func (f *fixture) checkLogs() {
	assert.NotContains(f.t, f.logs.String(), "@example.", "the log holds an e-mail address")
}

// logLines returns the JSON log lines.
func (f *fixture) logLines() []map[string]any {
	f.t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var m map[string]any
		require.NoError(f.t, json.Unmarshal([]byte(l), &m), "log line %q", l)
		lines = append(lines, m)
	}
	return lines
}

// message is an SQS record nudging the worker for key, as the sqs package sends it.
func message(id, key string) events.SQSMessage {
	body, _ := json.Marshal(map[string]string{"key": key})
	return events.SQSMessage{
		MessageId: id, Body: string(body), EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:roomkeeper-work", AWSRegion: "us-east-1",
	}
}

func failed(resp events.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestOneUndecodableMessageOfTenIsTheOnlyFailure(t *testing.T) {
	f := newFixture(t)
	var ev events.SQSEvent
	var keys []string
	for i := range 10 {
		id := fmt.Sprintf("msg-%d", i)
		if i == 6 {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: id, Body: `{"key": "not a booking key"}`})
			continue
		}
		key := f.book(fmt.Sprint("batch", i))
		keys = append(keys, key)
		ev.Records = append(ev.Records, message(id, key))
	}

	resp, err := f.h.Handle(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, []string{"msg-6"}, failed(resp))
	assert.Len(t, f.sandbox.Rooms(), 9, "one room per decodable message")
	for _, key := range keys {
		b := f.get(key)
		require.NotNil(t, b.Room, "booking %s has its room", key)
		assert.Len(t, b.Invites, 2, "organizer and guest invited")
		assert.Nil(t, b.Failure)
	}
}

func TestProviderOutageFailsNoMessage(t *testing.T) {
	f := newFixture(t)
	f.sandbox.Fail(1000, http.StatusInternalServerError)
	keys := []string{f.book("outage1"), f.book("outage2"), f.book("outage3")}
	ev := events.SQSEvent{Records: []events.SQSMessage{message("a", keys[0]), message("b", keys[1]), message("c", keys[2])}}

	resp, err := f.h.Handle(context.Background(), ev)
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures, "a provider outage is recorded on the booking, not a queue failure")
	assert.Empty(t, f.sandbox.Rooms())
	for _, key := range keys {
		b := f.get(key)
		require.NotNil(t, b.Failure, "the failure is recorded")
		assert.False(t, b.Failure.Permanent)
		assert.True(t, b.DueAt.After(f.now), "retried after a back-off: dueAt %s, now %s", b.DueAt, f.now)
	}
	assert.Contains(t, f.logs.String(), "reconcile step failed")
}

// downStore is a store that cannot be reached.
type downStore struct{ booking.Store }

func (downStore) Get(context.Context, string) (*booking.Booking, error) {
	return nil, errors.New("dial tcp: connection refused")
}

func TestStoreFailureFailsEveryDecodableMessage(t *testing.T) {
	f := newFixture(t)
	key1, key2 := f.book("down1"), f.book("down2")
	f.h.Reconciler.Store = downStore{f.store}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		message("a", key1), message("b", key2), message("c", key1), {MessageId: "d", Body: "garbage"},
	}}
	resp, err := f.h.Handle(context.Background(), ev)
	require.NoError(t, err, "never an error: that would fail the whole batch")
	assert.ElementsMatch(t, []string{"a", "b", "c", "d"}, failed(resp))
	assert.Contains(t, f.logs.String(), "connection refused")
}

func TestEachBookingIsReconciledOncePerBatch(t *testing.T) {
	f := newFixture(t)
	key := f.book("twice")
	ev := events.SQSEvent{Records: []events.SQSMessage{message("a", key), message("b", key), message("c", key)}}
	resp, err := f.h.Handle(context.Background(), ev)
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	assert.Len(t, f.sandbox.Requests(), 1, "one room created")
	var done map[string]any
	for _, l := range f.logLines() {
		if l["msg"] == "batch done" {
			done = l
		}
	}
	require.NotNil(t, done)
	assert.EqualValues(t, 3, done["messages"])
	assert.EqualValues(t, 1, done["bookings"])
}

func TestCanceledContextHandsMessagesBack(t *testing.T) {
	f := newFixture(t)
	key := f.book("late")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, err := f.h.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{message("a", key)}})
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, failed(resp))
	assert.Nil(t, f.get(key).Room)
}

func TestPossibleDuplicatesAreAnEMFMetric(t *testing.T) {
	f := newFixture(t)
	key := f.book("dup")
	// A run stopped after the mail service accepted Bob's invite and before it was recorded.
	b := f.get(key)
	b.Invites = []booking.Invite{{
		Person:  b.Details.Attendees[0],
		Pending: &booking.Pending{Sequence: b.Sequence, Method: booking.Request, At: f.now},
	}}
	require.NoError(t, f.store.Put(context.Background(), b))

	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-42"})
	resp, err := f.h.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{message("a", key)}})
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)

	var metric map[string]any
	for _, l := range f.logLines() {
		assert.Equal(t, "req-42", l["requestId"], "every line carries the request id: %v", l)
		if _, ok := l["_aws"]; ok {
			metric = l
		}
	}
	require.NotNil(t, metric, "an EMF line")
	assert.EqualValues(t, 1, metric[PossibleDuplicatesMetric])
	aws := metric["_aws"].(map[string]any)
	assert.EqualValues(t, f.now.UnixMilli(), aws["Timestamp"])
	directives := aws["CloudWatchMetrics"].([]any)
	require.Len(t, directives, 1)
	d := directives[0].(map[string]any)
	assert.Equal(t, MetricNamespace, d["Namespace"])
	assert.Equal(t, []any{[]any{}}, d["Dimensions"])
	assert.Equal(t, []any{map[string]any{"Name": PossibleDuplicatesMetric, "Unit": "Count"}}, d["Metrics"])
}

func TestNoDuplicatesMetricWithoutDuplicates(t *testing.T) {
	f := newFixture(t)
	key := f.book("clean")
	_, err := f.h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{message("a", key)}})
	require.NoError(t, err)
	assert.NotContains(t, f.logs.String(), PossibleDuplicatesMetric)
	assert.Contains(t, f.logs.String(), `"`+booking.MetricRoomsCreated+`":1`, "the run's own figures")
}

func TestReapMessageDeletesOrphanedRooms(t *testing.T) {
	f := newFixture(t)
	kept := f.book("kept")
	_, err := f.h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{message("a", kept)}})
	require.NoError(t, err)
	require.Len(t, f.sandbox.Rooms(), 1)
	// A tagged room whose booking is gone, as an expired record leaves it.
	orphan := booking.RoomSpec{Tag: booking.Tag{Key: booking.KeyOf("generic", "gone"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String(), ExpiresAt: f.now.Add(24 * time.Hour)}
	_, err = f.h.Reconciler.Providers[whereby.Name].CreateRoom(context.Background(), orphan)
	require.NoError(t, err)
	require.Len(t, f.sandbox.Rooms(), 2)

	f.now = f.now.Add(reconcile.ReapAge) // an unreferenced room is deleted once it is an hour old
	resp, err := f.h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "r", Body: `{"reap":true}`}}})
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	rooms := f.sandbox.Rooms()
	require.Len(t, rooms, 1, "the orphan is deleted")
	assert.Equal(t, f.get(kept).Room.ID, rooms[0].MeetingID, "the booking's room is kept")
}

// TestPostponedCleanupIsLoggedWithItsReason: a cleanup put off because a session is live is
// logged with the reason and when it is looked at again; the cleanup at the overrun cap says why
// the room goes although the session still looks live.
func TestPostponedCleanupIsLoggedWithItsReason(t *testing.T) {
	f := newFixture(t)
	key := f.book("late")
	handle := func() {
		t.Helper()
		resp, err := f.h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{message("a", key)}})
		require.NoError(t, err)
		require.Empty(t, resp.BatchItemFailures)
	}
	handle()
	b := f.get(key)
	end := b.Details.End
	_, err := f.store.AddActivity(context.Background(), key, []booking.RoomEvent{
		{Kind: booking.SessionStarted, At: end.Add(-10 * time.Minute), SessionID: "s1", RoomID: b.Room.ID},
	}, b.ExpiresAt)
	require.NoError(t, err)

	f.now = end.Add(15 * time.Minute)
	f.logs.Reset()
	handle()
	var postponed map[string]any
	for _, l := range f.logLines() {
		if l["msg"] == "cleanup postponed" {
			postponed = l
		}
	}
	require.NotNil(t, postponed, "the put-off cleanup is logged: %s", f.logs)
	assert.Equal(t, key, postponed["booking"])
	assert.Equal(t, reconcile.PostponedLive, postponed["reason"])
	assert.Equal(t, f.now.Add(reconcile.LiveRecheck).Format(time.RFC3339), postponed["until"])

	f.now = end.Add(2 * time.Hour)
	f.logs.Reset()
	handle()
	assert.NotContains(t, f.logs.String(), "cleanup postponed")
	assert.Contains(t, f.logs.String(), `"cleanup":"`+reconcile.CleanupCapWhileLive+`"`)
}

// sampleEvent is an events/ sample expanded for run at the fixture's time.
func (f *fixture) sampleEvent(name, run string) events.SQSEvent {
	f.t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", name))
	require.NoError(f.t, err)
	payload, err := eventfile.Expand(raw, eventfile.Vars{Now: f.now, Run: run})
	require.NoError(f.t, err)
	var ev events.SQSEvent
	require.NoError(f.t, json.Unmarshal(payload, &ev))
	return ev
}

// TestABounceFromSESReachesTheBooking feeds the worker events/sqs-ses-bounce.json, an SES Bounce
// event as SNS delivers it to the work queue: the guest's invite is marked, the organizer told
// in the same batch, and the log names neither address.
func TestABounceFromSESReachesTheBooking(t *testing.T) {
	f := newFixture(t)
	key := f.book("sample")
	resp, err := f.h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{message("a", key)}})
	require.NoError(t, err)
	require.Empty(t, resp.BatchItemFailures)
	sent, err := f.outbox.List()
	require.NoError(t, err)
	require.Len(t, sent, 2)

	f.now = f.now.Add(time.Minute)
	ev := f.sampleEvent("sqs-ses-bounce.json", "sample")
	unrelated := ev.Records[0]
	unrelated.MessageId, unrelated.Body = "delivery", strings.Replace(unrelated.Body, `"eventType":"Bounce"`, `"eventType":"Delivery"`, 1)
	ev.Records = append(ev.Records, unrelated, events.SQSMessage{MessageId: "junk", Body: "not a roomkeeper message"})
	resp, err = f.h.Handle(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, []string{"junk"}, failed(resp), "only the undecodable message comes back")

	b := f.get(key)
	bob := b.InviteFor("bob@example.net")
	require.NotNil(t, bob.Problem)
	assert.Equal(t, booking.MailBounced, bob.Problem.Kind)
	assert.Equal(t, "Permanent/General", bob.Problem.Type)
	assert.True(t, bob.Problem.Notified, "the organizer was told in the same batch")
	sent, err = f.outbox.List()
	require.NoError(t, err)
	require.Len(t, sent, 3)
	assert.Contains(t, sent[0].To, "ada@example.com")
	assert.Contains(t, sent[0].Subject, "Invitation not delivered to Bob Guest")

	logs := f.logs.String()
	assert.Contains(t, logs, `"msg":"mail event recorded"`)
	assert.Contains(t, logs, `"mail":"bounce","class":"Permanent/General","recipients":1`)
	assert.Contains(t, logs, `"msg":"mail event not ours; dropped","messageId":"delivery"`)
	assert.Contains(t, logs, `"`+booking.MetricMailBounced+`":1`)

	// SNS delivers at least once: the same event again changes nothing and sends nothing.
	resp, err = f.h.Handle(context.Background(), f.sampleEvent("sqs-ses-bounce.json", "sample"))
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	sent, err = f.outbox.List()
	require.NoError(t, err)
	assert.Len(t, sent, 3)
}

type linkSecret string

func (s linkSecret) Secret(context.Context, string, bool) (string, error) { return string(s), nil }

// TestSlackJobs: a job the Slack app queued runs through Handler.Slack; one that fails comes
// back through the queue; without the app configured it is dropped, not failed forever.
func TestSlackJobs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	slackMsg := func(id, body string) events.SQSMessage {
		m := message(id, "")
		m.Body = body
		return m
	}
	var ran []string
	f.h.Slack = func(_ context.Context, job []byte) error {
		ran = append(ran, string(job))
		if strings.Contains(string(job), "boom") {
			return errors.New("slack unreachable")
		}
		return nil
	}
	resp, err := f.h.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{
		slackMsg("m1", `{"slack":{"kind":"home"}}`),
		slackMsg("m2", `{"slack":{"kind":"boom"}}`),
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{`{"kind":"home"}`, `{"kind":"boom"}`}, ran)
	assert.Equal(t, []string{"m2"}, failed(resp), "a failed job is redelivered")

	f.h.Slack = nil
	resp, err = f.h.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{slackMsg("m3", `{"slack":{"kind":"home"}}`)}})
	require.NoError(t, err)
	assert.Empty(t, failed(resp), "dropped without the app")
}

// TestRoutineRunsAreLoggedAtDebug: at the functions' INFO, a batch whose runs all went as
// planned writes its metrics and one line for the batch, not a line per booking; at DEBUG each
// booking's run is there with its steps.
func TestRoutineRunsAreLoggedAtDebug(t *testing.T) {
	f := newFixture(t)
	var info bytes.Buffer
	f.h.Log = slog.New(slog.NewJSONHandler(&info, nil))
	f.h.Metrics = &emf.Writer{Log: f.h.Log}
	f.h.Reconciler.Metrics = f.h.Metrics
	keys := []string{f.book("one"), f.book("two"), f.book("three")}
	var ev events.SQSEvent
	for i, key := range keys {
		ev.Records = append(ev.Records, message(fmt.Sprint(i), key))
	}
	handle := emf.PerInvocation(f.h.Metrics.(*emf.Writer), f.h.Handle)
	resp, err := handle(context.Background(), ev)
	require.NoError(t, err)
	require.Empty(t, resp.BatchItemFailures)
	var msgs []string
	for _, l := range strings.Split(strings.TrimSpace(info.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		msgs = append(msgs, m["msg"].(string))
	}
	assert.Equal(t, []string{"batch done", emf.Message}, msgs, "one line for the batch and one for its metrics: %s", info.String())
	assert.Contains(t, info.String(), `"RoomsCreated":3`)
	assert.NotContains(t, info.String(), "@example.", "the log holds an e-mail address")

	// At DEBUG, the same batch run again has a line per booking (nothing to do now).
	f.h.Log = slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, err = f.h.Handle(context.Background(), ev)
	require.NoError(t, err)
	for _, key := range keys {
		assert.Contains(t, f.logs.String(), `"booking":"`+key+`"`)
	}
}

// TestAnEarlyOrRepeatedNudgeIsHarmless: the sweeper sends a nudge for a booking not yet due with
// a delay until its dueAt, and the next sweep may nudge it again before the first was handled.
// A nudge that arrives before the dueAt (a worker whose clock is behind the sweeper's, or a
// booking whose dueAt moved later since the sweep) does nothing and loses nothing: no call, no
// mail, no write, and the booking stays in the due index, where the next sweep finds it and
// nudges it again, delayed by what is left. A second nudge after the work was done does nothing
// either.
func TestAnEarlyOrRepeatedNudgeIsHarmless(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := f.book("early")
	handle := func(id string) {
		t.Helper()
		resp, err := f.h.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{message(id, key)}})
		require.NoError(t, err)
		require.Empty(t, resp.BatchItemFailures)
	}
	// effects is what the worker has done outside the store, and the record's version.
	effects := func() (calls, mails int, version int64) {
		t.Helper()
		sent, err := f.outbox.List()
		require.NoError(t, err)
		return len(f.sandbox.Requests()), len(sent), f.get(key).Version
	}
	handle("created")
	due := f.get(key).DueAt
	require.True(t, due.After(f.now), "the booking's next step is later: %s", due)

	f.now = due.Add(-time.Second)
	calls, mails, version := effects()
	handle("early")
	c, m, v := effects()
	assert.Equal(t, []int{calls, mails}, []int{c, m}, "an early nudge calls and sends nothing")
	assert.Equal(t, version, v, "and writes nothing")
	assert.True(t, due.Equal(f.get(key).DueAt))
	swept := &recordingQueue{}
	_, err := (&sweep.Sweeper{Store: f.store, Queue: swept, Now: func() time.Time { return f.now }, Lookahead: sweep.Lookahead(time.Minute)}).Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, []booking.Nudge{{Key: key, Delay: time.Second}}, swept.nudges, "still due: the next sweep nudges it again, for its dueAt")

	f.now = due
	handle("on-time")
	c, m, v = effects()
	assert.Greater(t, v, version, "at its dueAt the step is done")
	assert.False(t, f.get(key).DueAt.Equal(due), "and the next one planned")

	handle("again")
	c2, m2, v2 := effects()
	assert.Equal(t, []int{c, m}, []int{c2, m2}, "a second nudge for the same dueAt calls and sends nothing")
	assert.Equal(t, v, v2, "and writes nothing")
}

// recordingQueue records the nudges a sweep sends, as SQS would take them.
type recordingQueue struct{ nudges []booking.Nudge }

func (q *recordingQueue) Enqueue(context.Context, string) error {
	return errors.New("the sweep batches its nudges")
}

func (q *recordingQueue) EnqueueBatch(_ context.Context, nudges []booking.Nudge) (int, error) {
	q.nudges = append(q.nudges, nudges...)
	return len(nudges), nil
}
