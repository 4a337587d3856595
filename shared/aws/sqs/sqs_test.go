package sqs_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/queuetest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

// newQueues starts goaws and returns a function making a fresh, empty queue on it per call.
func newQueues(t *testing.T) (client *awssqs.Client, fresh func(t *testing.T) (queueURL string)) {
	endpoint := emulator.GoAWS(t)
	client = awssqs.NewFromConfig(emulator.AWSConfig(endpoint))
	var n atomic.Int64
	return client, func(t *testing.T) string {
		return emulator.CreateQueue(t, endpoint, fmt.Sprintf("roomkeeper-work-%d", n.Add(1)))
	}
}

func TestQueueContract(t *testing.T) {
	client, fresh := newQueues(t)
	queuetest.Run(t, func(t *testing.T) (booking.Queue, func(ctx context.Context) (string, error)) {
		q := sqs.New(client, fresh(t))
		return q, q.Receive
	})
}

func TestEnqueueBody(t *testing.T) {
	client, fresh := newQueues(t)
	url := fresh(t)
	key := booking.KeyOf("generic", "bk_123")
	require.NoError(t, sqs.New(client, url).Enqueue(t.Context(), key))

	out, err := client.ReceiveMessage(t.Context(), &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 1})
	require.NoError(t, err)
	require.Len(t, out.Messages, 1)
	assert.Equal(t, `{"key":"`+key+`"}`, *out.Messages[0].Body)
}

func TestEnqueueRefusesWhatDecodeRejects(t *testing.T) {
	client, fresh := newQueues(t)
	url := fresh(t)
	q := sqs.New(client, url)
	for _, key := range []string{"", "bk_123", strings.ToUpper(booking.KeyOf("generic", "x"))} {
		err := q.Enqueue(t.Context(), key)
		require.Error(t, err, "key %q", key)
		assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
	}
	out, err := client.ReceiveMessage(t.Context(), &awssqs.ReceiveMessageInput{QueueUrl: &url})
	require.NoError(t, err)
	assert.Empty(t, out.Messages, "nothing was sent")
}

func TestReceiveLeavesUndecodableMessage(t *testing.T) {
	client, fresh := newQueues(t)
	url := fresh(t)
	_, err := client.SendMessage(t.Context(), &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: new(`{"key":1}`)})
	require.NoError(t, err)

	_, err = sqs.New(client, url).Receive(t.Context())
	require.Error(t, err)
	assert.Equal(t, booking.Invalid, booking.ErrorCode(err))

	attrs, err := client.GetQueueAttributes(t.Context(), &awssqs.GetQueueAttributesInput{
		QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessagesNotVisible"},
	})
	require.NoError(t, err)
	assert.Equal(t, "1", attrs.Attributes["ApproximateNumberOfMessagesNotVisible"], "the message is still on the queue, for redrive")
}

// TestEnqueueBatch sends 23 nudges in three SendMessageBatch calls, each the body Enqueue sends,
// and a sweep's page of 1,000 in 100 calls, several at once: every one arrives, once.
func TestEnqueueBatch(t *testing.T) {
	endpoint := emulator.GoAWS(t)
	var counter emulator.Counter
	cfg := emulator.AWSConfig(endpoint)
	counter.Attach(&cfg)
	client := awssqs.NewFromConfig(cfg)
	url := emulator.CreateQueue(t, endpoint, "roomkeeper-batch")
	q := sqs.New(client, url)
	var nudges []booking.Nudge
	want := map[string]bool{}
	for i := range 23 {
		key := booking.KeyOf("generic", fmt.Sprint("batch-", i))
		nudges = append(nudges, booking.Nudge{Key: key})
		want[`{"key":"`+key+`"}`] = true
	}
	n, err := q.EnqueueBatch(t.Context(), nudges)
	require.NoError(t, err)
	assert.Equal(t, 23, n)
	assert.Equal(t, map[string]int{"SQS.SendMessageBatch": 3}, counter.Calls())

	got := map[string]bool{}
	for len(got) < len(want) {
		out, err := client.ReceiveMessage(t.Context(), &awssqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		require.NoError(t, err)
		require.NotEmpty(t, out.Messages, "received %d of %d", len(got), len(want))
		for _, m := range out.Messages {
			got[*m.Body] = true
		}
	}
	assert.Equal(t, want, got)

	counter.Reset()
	page := emulator.CreateQueue(t, endpoint, "roomkeeper-page")
	nudges, want = nil, map[string]bool{}
	for i := range 1000 {
		key := booking.KeyOf("generic", fmt.Sprint("page-", i))
		nudges = append(nudges, booking.Nudge{Key: key})
		want[`{"key":"`+key+`"}`] = true
	}
	n, err = sqs.New(client, page).EnqueueBatch(t.Context(), nudges)
	require.NoError(t, err)
	assert.Equal(t, 1000, n)
	assert.Equal(t, map[string]int{"SQS.SendMessageBatch": 100}, counter.Calls())
	got = map[string]bool{}
	for range 200 {
		out, err := client.ReceiveMessage(t.Context(), &awssqs.ReceiveMessageInput{QueueUrl: &page, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		require.NoError(t, err)
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			assert.False(t, got[*m.Body], "sent once: %s", *m.Body)
			got[*m.Body] = true
			_, err := client.DeleteMessage(t.Context(), &awssqs.DeleteMessageInput{QueueUrl: &page, ReceiptHandle: m.ReceiptHandle})
			require.NoError(t, err)
		}
	}
	assert.Equal(t, want, got)
}

func TestEnqueueBatchRefusesWhatDecodeRejectsBeforeSending(t *testing.T) {
	client, fresh := newQueues(t)
	url := fresh(t)
	good := booking.Nudge{Key: booking.KeyOf("generic", "a")}
	for _, bad := range []booking.Nudge{
		{Key: "bk_123"},
		{Key: good.Key, Delay: -time.Second},
		{Key: good.Key, Delay: 1500 * time.Millisecond}, // SQS takes whole seconds
		{Key: good.Key, Delay: booking.MaxDelay + time.Second},
	} {
		n, err := sqs.New(client, url).EnqueueBatch(t.Context(), []booking.Nudge{good, bad})
		require.Error(t, err, "%+v", bad)
		assert.Equal(t, booking.Invalid, booking.ErrorCode(err), "%+v", bad)
		assert.Zero(t, n)
	}
	out, err := client.ReceiveMessage(t.Context(), &awssqs.ReceiveMessageInput{QueueUrl: &url})
	require.NoError(t, err)
	assert.Empty(t, out.Messages, "nothing sent")
}

// TestEnqueueBatchDelaysEachNudge: each nudge's Delay goes out as its entry's DelaySeconds, in
// whole seconds, and none for a nudge without one, as SQS reads them ("Amazon SQS message
// timers"). goaws does not apply a batch entry's DelaySeconds (emulator.SQSRecorder), so the
// request is checked as goaws received it; SQS holds each message back for its DelaySeconds.
func TestEnqueueBatchDelaysEachNudge(t *testing.T) {
	endpoint := emulator.GoAWS(t)
	var rec emulator.SQSRecorder
	client := awssqs.NewFromConfig(emulator.AWSConfig(rec.Front(t, endpoint)))
	url := emulator.CreateQueue(t, endpoint, "roomkeeper-delays")
	nudges := []booking.Nudge{
		{Key: booking.KeyOf("generic", "due")},
		{Key: booking.KeyOf("generic", "in-30s"), Delay: 30 * time.Second},
		{Key: booking.KeyOf("generic", "at-most"), Delay: booking.MaxDelay},
	}
	n, err := sqs.New(client, url).EnqueueBatch(t.Context(), nudges)
	require.NoError(t, err)
	assert.Equal(t, 3, n)

	delays := map[string]*int{}
	for _, e := range rec.Entries() {
		delays[e.MessageBody] = e.DelaySeconds
	}
	body := func(i int) string { return `{"key":"` + nudges[i].Key + `"}` }
	require.Len(t, delays, 3, "one request of three entries")
	assert.Nil(t, delays[body(0)], "no delay for what is due")
	if assert.NotNil(t, delays[body(1)]) {
		assert.Equal(t, 30, *delays[body(1)])
	}
	if assert.NotNil(t, delays[body(2)]) {
		assert.Equal(t, 900, *delays[body(2)], "SQS's maximum")
	}
}
