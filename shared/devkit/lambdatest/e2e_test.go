package lambdatest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/lambda/sweeper"
)

// TestFunctions runs the built function binaries under the Runtime API emulator against the AWS
// API emulators, fed with events/*.json.
func TestFunctions(t *testing.T) {
	e := startEmulators(t)
	t.Run("booking lifecycle", func(t *testing.T) { testLifecycle(t, e) })
	t.Run("one undecodable message of ten", func(t *testing.T) { testPartialBatch(t, e) })
	t.Run("provider outage fails no message", func(t *testing.T) { testProviderOutage(t, e) })
	t.Run("bad signature", func(t *testing.T) { testBadSignature(t, e) })
	t.Run("configuration error stops init", func(t *testing.T) { testConfigError(t, e) })
	t.Run("init makes no AWS call", func(t *testing.T) { testInitOffline(t, e) })
	t.Run("the samples chain", func(t *testing.T) { testSamples(t, e) })
	t.Run("provider webhooks and the admin API", func(t *testing.T) { testFollow(t, e) })
	t.Run("rooms made by hand", func(t *testing.T) { testHandMade(t, e) })
	t.Run("operators, roles, the audit list and the limiter", func(t *testing.T) { testOperators(t, e) })
	t.Run("the sweeper asks the worker to reap", func(t *testing.T) { testReap(t, e) })
	t.Run("the sweeper delays what falls due before its next run", func(t *testing.T) { testLookahead(t, e) })
	t.Run("zoom host links", func(t *testing.T) { testZoom(t, e) })
	t.Run("dial-in numbers normalised by the dialin function", func(t *testing.T) { testDialIn(t, e) })
	t.Run("the dialin function unreachable: no second room, no invitation without its number", func(t *testing.T) { testDialInOutage(t, e) })
	t.Run("a bounce reaches the booking through the worker", func(t *testing.T) { testBounce(t, e) })
	t.Run("every function writes its metrics", func(t *testing.T) { testMetrics(t, e) })
	t.Run("the Slack app: the slack function answers, the worker finishes", func(t *testing.T) { testSlack(t, e) })
}

// testLifecycle follows one booking from the webhook to the room's deletion: bookings stores it
// and nudges the worker through SQS; the worker creates the Whereby room and sends the invites
// through SES; once the meeting has ended and the grace passed, the sweeper finds it due and the
// worker deletes the room.
func testLifecycle(t *testing.T, e *emulators) {
	s := newStack(t, e, "lifecycle")
	bookings, _ := s.start("bookings")
	worker, _ := s.start("worker")
	sweepFn, _ := s.start("sweeper")
	mailsBefore := len(emulator.SESMessages(t, e.ses))

	// A meeting that began five minutes ago and ends in a few seconds, so cleanup comes soon.
	end := time.Now().Add(4 * time.Second).UTC().Truncate(time.Second)
	resp, body := s.post(bookings, s.bookingEvent("life", func(data map[string]any) {
		data["start"] = end.Add(-5 * time.Minute).Format(time.RFC3339)
		data["end"] = end.Format(time.RFC3339)
	}))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, resp.Body)
	assert.Equal(t, "applied", body["status"])
	assert.Equal(t, "application/json", resp.Headers["Content-Type"])
	key := booking.KeyOf("generic", "demo-life")
	assert.Equal(t, key, body["booking"])

	// The worker runs on the message bookings enqueued.
	msgs := s.receive()
	require.Len(t, msgs, 1, "one nudge")
	assert.JSONEq(t, fmt.Sprintf(`{"key":%q}`, key), deref(msgs[0].Body))
	work := s.deliver(worker, msgs)
	assert.Empty(t, work.BatchItemFailures)

	rooms := s.sandbox.Rooms()
	require.Len(t, rooms, 1, "one room in the sandbox")
	b := s.booking("life")
	require.NotNil(t, b.Room)
	assert.Equal(t, rooms[0].MeetingID, b.Room.ID)
	assert.Equal(t, end.Add(time.Second), b.DueAt.UTC(), "due at end + grace")
	reqs := s.sandbox.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, "Bearer "+wherebyKey, reqs[0].Header.Get("Authorization"), "the key came from Secrets Manager")
	assert.Equal(t, 1, e.sm.Reads(wherebyARN), "read once, on first use")

	// The invites, as the SES emulator received them.
	sent := emulator.SESMessages(t, e.ses)[mailsBefore:]
	require.Len(t, sent, 2, "organizer and guest")
	for _, m := range sent {
		mail := invitetest.Parse(t, emulator.SESRaw(t, e.ses, m.MessageID))
		assert.Equal(t, "REQUEST", mail.Method)
		assert.Equal(t, b.UID, mail.UID)
		assert.NotContains(t, mail.Text+mail.HTML+string(mail.Calendar), rooms[0].RoomURL, "roomkeeper's links, never the provider's")
		assert.Contains(t, mail.Text, "tel:+", "tap-to-dial link")
		if strings.Contains(mail.To, organizer) {
			assert.Contains(t, mail.Text, joinLink(t, s.api.URL, b.Key, b.Details.Organizer.ID, booking.ForHost), "the organizer gets the host link")
			assert.Contains(t, mail.Text, joinLink(t, s.api.URL, b.Key, booking.RoomLink, booking.ForGuest), "and the room's guest link")
		} else {
			assert.Contains(t, mail.Text, joinLink(t, s.api.URL, b.Key, b.Details.Attendees[0].ID, booking.ForGuest), "the guest's own link")
			assert.NotContains(t, mail.Text+mail.HTML+string(mail.Calendar), "roomKey", "a guest never gets the host link")
		}
	}

	// Before the end nothing is due; after end + grace the sweeper enqueues the cleanup.
	var swept sweeper.Result
	if time.Now().Before(end) {
		sweepFn.MustInvoke(t, sweepTick, &swept)
		require.Zero(t, swept.Enqueued, "nothing is due before the meeting ends")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		sweepFn.MustInvoke(t, sweepTick, &swept)
		if swept.Enqueued > 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the booking never became due")
		time.Sleep(250 * time.Millisecond)
	}
	assert.Equal(t, 1, swept.Enqueued)

	msgs = s.receive()
	require.Len(t, msgs, 1)
	work = s.deliver(worker, msgs)
	assert.Empty(t, work.BatchItemFailures)
	assert.Empty(t, s.sandbox.Rooms(), "the room is deleted")
	b = s.booking("life")
	assert.True(t, b.Done)
	assert.True(t, b.DueAt.IsZero(), "nothing left to do")
	after := emulator.SESMessages(t, e.ses)[mailsBefore+2:]
	require.Len(t, after, 1, "cleanup mails the organizer who came, and no one else")
	summary := invitetest.Parse(t, emulator.SESRaw(t, e.ses, after[0].MessageID))
	assert.Contains(t, summary.To, organizer)
	assert.True(t, strings.HasPrefix(summary.Subject, "Who came: "), summary.Subject)
	assert.Contains(t, summary.Text, "Nobody joined the meeting.")

	// The worker and sweeper log the invocation's request id. (The bookings function logs through
	// httpapi, which logs without the request's context, so it has none to add yet.)
	for _, f := range []*Function{worker, sweepFn} {
		assert.Contains(t, f.Logs(), `"requestId":"`, "%s logs the request id", f.Name)
	}
	assert.Contains(t, bookings.Logs(), `"message":"booking webhook"`)
	assert.Contains(t, worker.Logs(), `"message":"batch done"`)
	assert.NotContains(t, worker.Logs(), `"message":"reconciled"`, "a routine run is at DEBUG, below the functions' INFO")
}

// testPartialBatch sends the real worker binary a batch of ten messages, one of them undecodable:
// exactly that message comes back in batchItemFailures.
func testPartialBatch(t *testing.T, e *emulators) {
	s := newStack(t, e, "batch")
	worker, _ := s.start("worker")
	var ev events.SQSEvent
	var keys []string
	for i := range 10 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		if i == 3 {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: id, Body: "not a roomkeeper message", EventSource: "aws:sqs"})
			continue
		}
		key := s.book(fmt.Sprint("batch", i))
		keys = append(keys, key)
		ev.Records = append(ev.Records, sqsRecord(id, key))
	}
	var resp events.SQSEventResponse
	worker.MustInvoke(t, ev, &resp)
	assert.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "00000000-0000-4000-8000-000000000003"}}, resp.BatchItemFailures)
	assert.Len(t, s.sandbox.Rooms(), 9)
	for _, key := range keys {
		b, err := s.store.Get(context.Background(), key)
		require.NoError(t, err)
		assert.NotNil(t, b.Room, "booking %s has its room", key)
		assert.Len(t, b.Invites, 2)
	}
}

// testProviderOutage makes the sandbox fail every request with a 500: the worker records the
// failure on each booking and reports no message failed.
func testProviderOutage(t *testing.T, e *emulators) {
	s := newStack(t, e, "outage")
	worker, _ := s.start("worker")
	s.sandbox.Fail(1000, http.StatusInternalServerError)
	keys := []string{s.book("out1"), s.book("out2"), s.book("out3")}
	ev := events.SQSEvent{Records: []events.SQSMessage{sqsRecord("m1", keys[0]), sqsRecord("m2", keys[1]), sqsRecord("m3", keys[2])}}
	var resp events.SQSEventResponse
	worker.MustInvoke(t, ev, &resp)
	assert.Empty(t, resp.BatchItemFailures)
	assert.Empty(t, s.sandbox.Rooms())
	for _, key := range keys {
		b, err := s.store.Get(context.Background(), key)
		require.NoError(t, err)
		require.NotNil(t, b.Failure, "the outage is recorded on booking %s", key)
		assert.False(t, b.Failure.Permanent)
		assert.True(t, b.DueAt.After(time.Now()), "retried after a back-off")
	}
}

// testBadSignature: a delivery whose signature does not match its body is refused with 401 and
// nothing is stored or enqueued.
func testBadSignature(t *testing.T, e *emulators) {
	s := newStack(t, e, "badsig")
	bookings, p := s.start("bookings")
	payload := s.bookingEvent("forged", nil)
	forged := strings.Replace(string(payload), `Intro call`, `Free money`, 1)
	require.NotEqual(t, string(payload), forged)
	resp, body := s.post(bookings, []byte(forged))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, resp.Body)
	assert.Empty(t, body["booking"])
	_, err := s.store.Get(context.Background(), booking.KeyOf("generic", "demo-forged"))
	assert.ErrorIs(t, err, booking.ErrNotFound)
	u := p.Usage()
	assert.Zero(t, u.Calls["SQS.SendMessage"], "nothing enqueued")
	assert.Zero(t, u.Calls["DynamoDB.PutItem"], "nothing stored")
	// After the failed signature the handler asks for a fresh value, but the secret was read
	// less than secrets.FreshInterval ago, so the cached one is used.
	assert.Equal(t, 1, u.Calls["SecretsManager.GetSecretValue"], "read on first use")

	resp, _ = s.post(bookings, payload)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode, "the genuine delivery goes through: %s", resp.Body)
	assert.Equal(t, 1, p.Usage().Calls["SecretsManager.GetSecretValue"], "the secret stays cached")
}

// testConfigError: a function missing its configuration stops during init with a JSON log line
// saying what is missing, before asking for an invocation.
func testConfigError(t *testing.T, e *emulators) {
	for _, tt := range []struct {
		name, function string
		env            []string
		want           string
	}{
		{"a bad duration", "worker", []string{"ROOMKEEPER_TABLE=rk-config", "ROOMKEEPER_CLEANUP_GRACE=soon"}, "ROOMKEEPER_CLEANUP_GRACE"},
		{"no table", "admin", nil, "ROOMKEEPER_TABLE"},
		{"no queue", "hooks", []string{"ROOMKEEPER_TABLE=rk-config"}, "ROOMKEEPER_QUEUE_URL"},
		{"no public URL", "worker", []string{"ROOMKEEPER_TABLE=rk-config", "ROOMKEEPER_DIALIN_FUNCTION=dialin", "ZOOM_ACCOUNT_ID=a", "ZOOM_CLIENT_ID=c",
			"ZOOM_CLIENT_SECRET_SECRET_ARN=" + zoomClientARN}, "ROOMKEEPER_PUBLIC_URL"},
		{"zoom half configured", "worker", []string{"ROOMKEEPER_TABLE=rk-config", "ROOMKEEPER_DIALIN_FUNCTION=dialin", "ZOOM_CLIENT_ID=c"}, "ZOOM_ACCOUNT_ID"},
		{"no dialin function", "worker", []string{"ROOMKEEPER_TABLE=rk-config", "ROOMKEEPER_PUBLIC_URL=https://rooms.example.com"}, "ROOMKEEPER_DIALIN_FUNCTION must be set"},
		{"no public URL, admin", "admin", []string{"ROOMKEEPER_TABLE=rk-config", "ROOMKEEPER_QUEUE_URL=http://127.0.0.1:9/q"}, "ROOMKEEPER_PUBLIC_URL"},
		{"slack app without its workspace", "slack", []string{"ROOMKEEPER_TABLE=rk-config", "ROOMKEEPER_QUEUE_URL=http://127.0.0.1:9/q",
			"SLACK_SIGNING_SECRET_SECRET_ARN=" + slackSigningARN, "ROOMKEEPER_PUBLIC_URL=https://rooms.example.com"}, "SLACK_TEAM_ID"},
		{"a sweeper without a worker", "sweeper", []string{"ROOMKEEPER_TABLE=rk-config", "ROOMKEEPER_QUEUE_URL=http://127.0.0.1:9/q",
			"ROOMKEEPER_WORKER_CONCURRENCY=0"}, "ROOMKEEPER_WORKER_CONCURRENCY"},
		{"zoom half configured, admin", "admin", []string{"ROOMKEEPER_TABLE=rk-config", "ROOMKEEPER_QUEUE_URL=http://127.0.0.1:9/q", "ZOOM_CLIENT_ID=c",
			"ROOMKEEPER_PUBLIC_URL=https://rooms.example.com"}, "ZOOM_ACCOUNT_ID"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := Start(t, e.bins[tt.function], tt.function, tt.env...)
			_, err := f.WaitReady(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "exited during init")
			assert.Contains(t, f.Logs(), `"message":"cannot start"`)
			assert.Contains(t, f.Logs(), tt.want)
		})
	}
	// A provider's own settings are checked where the providers are built: the webhook functions
	// only need to know which are enabled, and keep acknowledging and storing bookings while the
	// worker's settings are fixed.
	t.Run("bookings start with a provider half configured", func(t *testing.T) {
		f := Start(t, e.bins["bookings"], "bookings", "ROOMKEEPER_TABLE=rk-config", "ROOMKEEPER_QUEUE_URL=http://127.0.0.1:9/q", "ZOOM_CLIENT_ID=c")
		_, err := f.WaitReady(context.Background())
		require.NoError(t, err, f.Logs())
	})
}

// testInitOffline: a cold start reads configuration and builds clients but calls nothing: no
// AWS request (and so no secret read) before the first invocation.
func testInitOffline(t *testing.T, e *emulators) {
	s := newStack(t, e, "init")
	for _, name := range functionNames {
		f, p := s.start(name, slackEnv[name]...)
		_, err := f.WaitReady(context.Background())
		require.NoError(t, err, "%s", name)
		assert.Empty(t, p.Usage().Calls, "%s called AWS before its first invocation", name)
	}
	assert.Empty(t, s.sandbox.Requests(), "nor Whereby")
}

// testSamples feeds each binary its events/ sample as is: the API Gateway booking (with the
// default run), the SQS batch naming that booking plus one undecodable message, and the
// scheduler's sweep.
func testSamples(t *testing.T, e *emulators) {
	s := newStack(t, e, "samples")
	bookings, _ := s.start("bookings")
	worker, _ := s.start("worker")
	sweepFn, _ := s.start("sweeper")

	resp, body := s.post(bookings, s.bookingEvent("sample", nil))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, resp.Body)
	assert.Equal(t, booking.KeyOf("generic", "demo-sample"), body["booking"])

	var work events.SQSEventResponse
	worker.MustInvoke(t, sample(t, "sqs-batch.json"), &work)
	assert.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "sample-0002"}}, work.BatchItemFailures)
	require.Len(t, s.sandbox.Rooms(), 1)
	assert.NotNil(t, s.booking("sample").Room)

	var swept sweeper.Result
	sweepFn.MustInvoke(t, sample(t, "scheduler-sweep.json"), &swept)
	assert.Zero(t, swept.Enqueued, "the sample meeting is tomorrow")

	// SES reports that Bob's invitation bounced.
	worker.MustInvoke(t, sample(t, "sqs-ses-bounce.json"), &work)
	assert.Empty(t, work.BatchItemFailures)
	bob := s.booking("sample").InviteFor("bob@example.net")
	require.NotNil(t, bob.Problem)
	assert.True(t, bob.Problem.Notified, "the organizer was told")
}
