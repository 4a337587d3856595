package lambdatest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/ses"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

// testBounce feeds a bounce through the worker binary as it arrives on AWS: the worker sends the
// invitations through SES, each tagged with its booking; SES (played here from what the emulator
// recorded of the guest's message: its id and its tags) publishes a Bounce event, and SNS
// delivers it raw to the work queue; the worker takes it off the queue, marks the guest's
// invite and e-mails the organizer in the same batch, within its role (no new call), writing
// the figure and no address to its log.
func testBounce(t *testing.T, e *emulators) {
	s := newStack(t, e, "bounce")
	worker, _ := s.start("worker")
	before := len(emulator.SESMessages(t, e.ses))
	key := s.book("bounce")
	s.work(worker, key)

	var guest string
	for _, m := range emulator.SESMessages(t, e.ses)[before:] {
		assert.Equal(t, map[string]string{ses.BookingTag: key}, emulator.SESTags(t, e.ses, m.MessageID), "every message names its booking")
		if strings.Contains(strings.Join(m.Destination.To, ","), "bob@example.net") {
			guest = m.MessageID
		}
	}
	require.NotEmpty(t, guest, "Bob's invitation went out")

	// What SES publishes about it, and SNS puts on the queue with raw message delivery.
	bounce, err := json.Marshal(map[string]any{
		"eventType": "Bounce",
		"bounce": map[string]any{
			"bounceType": "Permanent", "bounceSubType": "General", "timestamp": time.Now().UTC().Format(time.RFC3339Nano),
			"bouncedRecipients": []any{map[string]any{"emailAddress": "bob@example.net", "action": "failed", "status": "5.1.1"}},
			"feedbackId":        "0100019a-feedback", "reportingMTA": "dns; mta.example.net",
		},
		"mail": map[string]any{
			"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "source": "invites@example.org", "messageId": guest,
			"destination": []string{"bob@example.net"},
			"tags":        map[string][]string{"ses:configuration-set": {"roomkeeper"}, ses.BookingTag: {emulator.SESTags(t, e.ses, guest)[ses.BookingTag]}},
		},
	})
	require.NoError(t, err)
	_, err = s.sqs.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: &s.queueURL, MessageBody: new(string(bounce))})
	require.NoError(t, err)
	msgs := s.receive()
	require.Len(t, msgs, 1)
	resp := s.deliver(worker, msgs)
	assert.Empty(t, resp.BatchItemFailures)

	b, err := s.store.Get(context.Background(), key)
	require.NoError(t, err)
	bob := b.InviteFor("bob@example.net")
	require.NotNil(t, bob.Problem, "the bounce is on Bob's invite")
	assert.Equal(t, booking.MailBounced, bob.Problem.Kind)
	assert.Equal(t, "Permanent/General", bob.Problem.Type)
	assert.Equal(t, guest, bob.Problem.MessageID)
	assert.True(t, bob.Problem.Notified)

	sent := emulator.SESMessages(t, e.ses)[before:]
	require.Len(t, sent, 3, "the two invitations and the organizer's notice")
	notice := sent[2]
	require.Len(t, notice.Destination.To, 1)
	assert.Contains(t, notice.Destination.To[0], organizer, "only the organizer")
	assert.Equal(t, "Invitation not delivered to Bob Guest: Intro call", notice.Subject)
	assert.Contains(t, notice.Body.Text, "bob@example.net", "the organizer learns which address failed")

	logs := worker.Logs()
	assert.Contains(t, logs, `"message":"mail event recorded"`)
	assert.Contains(t, logs, `"`+booking.MetricMailBounced+`":1`, "the figure, in the embedded metric format")
}

// testMetrics checks that each function writes its figures as embedded-metric-format lines in
// its log: the worker what a run did, the sweeper the bookings due, the webhook functions the
// deliveries they rejected, the admin function the rooms it made by hand; each invocation's
// figures in one line (emf.PerInvocation), the worker's room and invites together.
func testMetrics(t *testing.T, e *emulators) {
	s := newStack(t, e, "metrics")
	worker, _ := s.start("worker")
	sweepFn, _ := s.start("sweeper")
	bookings, _ := s.start("bookings")
	hooks, _ := s.start("hooks")
	admin, _ := s.start("admin")

	s.work(worker, s.book("metrics"))
	sweepFn.MustInvoke(t, sweepTick, new(map[string]any))
	forged := strings.Replace(string(s.bookingEvent("forged", nil)), `Intro call`, `Free money`, 1)
	s.post(bookings, []byte(forged))
	s.call("POST", "/v1/hooks/whereby", "", `{"id":"x","type":"room.client.joined"}`)
	s.call("POST", "/v1/rooms", adminToken, `{"endDate": "+1h"}`)

	for _, tt := range []struct {
		f    *Function
		want []string
	}{
		{worker, []string{`"RoomsCreated":1`, `"Provider":"whereby"`, `"InvitesSent":2`}},
		{sweepFn, []string{`"BookingsDue":0`}},
		{bookings, []string{`"WebhookRejected":1`, `"Source":"generic"`}},
		{hooks, []string{`"WebhookRejected":1`, `"Source":"whereby"`}},
		{admin, []string{`"RoomsCreated":1`}},
	} {
		logs := tt.f.Logs()
		var lines []map[string]any
		for _, l := range strings.Split(logs, "\n") {
			if strings.Contains(l, `"_aws"`) {
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(l), &m), "%s: %s", tt.f.Name, l)
				lines = append(lines, m)
			}
		}
		require.NotEmpty(t, lines, "%s writes metrics", tt.f.Name)
		perInvocation := map[any]int{}
		for _, m := range lines {
			aws := m["_aws"].(map[string]any)
			assert.Equal(t, "roomkeeper", aws["CloudWatchMetrics"].([]any)[0].(map[string]any)["Namespace"], tt.f.Name)
			assert.NotEmpty(t, m["requestId"], "%s: the line carries the request id", tt.f.Name)
			perInvocation[m["requestId"]]++
		}
		for id, n := range perInvocation {
			assert.Equal(t, 1, n, "%s: one metrics line per invocation (%v), each billed as a log event", tt.f.Name, id)
		}
		for _, w := range tt.want {
			assert.Contains(t, logs, w, tt.f.Name)
		}
	}
}
