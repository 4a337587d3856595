package sqs_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

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

func TestDecode(t *testing.T) {
	key := booking.KeyOf("generic", "bk_123")
	tests := []struct {
		name string
		body string
		want string // "" means rejected
	}{
		{"valid", `{"key":"` + key + `"}`, key},
		{"white space around", " \n{ \"key\" : \"" + key + "\" }\n", key},
		{"escaped member name", `{"\u006bey":"` + key + `"}`, key},
		{"empty body", ``, ""},
		{"not JSON", `key=` + key, ""},
		{"bare string", `"` + key + `"`, ""},
		{"array", `["` + key + `"]`, ""},
		{"null", `null`, ""},
		{"empty object", `{}`, ""},
		{"other member", `{"id":"` + key + `"}`, ""},
		{"member name in another case", `{"Key":"` + key + `"}`, ""},
		{"extra member", `{"key":"` + key + `","retry":1}`, ""},
		{"member before key", `{"retry":1,"key":"` + key + `"}`, ""},
		{"key twice", `{"key":"` + key + `","key":"` + key + `"}`, ""},
		{"number", `{"key":123}`, ""},
		{"null key", `{"key":null}`, ""},
		{"object key", `{"key":{"key":"` + key + `"}}`, ""},
		{"empty key", `{"key":""}`, ""},
		{"short key", `{"key":"` + key[:12] + `"}`, ""},
		{"long key", `{"key":"` + key + `a"}`, ""},
		{"upper case key", `{"key":"` + strings.ToUpper(key) + `"}`, ""},
		{"key outside the alphabet", `{"key":"` + key[:12] + `1"}`, ""},
		{"second object", `{"key":"` + key + `"}{"key":"` + key + `"}`, ""},
		{"trailing garbage", `{"key":"` + key + `"}x`, ""},
		{"unterminated", `{"key":"` + key + `"`, ""},
		{"reap", `{"reap":true}`, "reap"},
		{"reap false", `{"reap":false}`, ""},
		{"reap a string", `{"reap":"true"}`, ""},
		{"reap and key", `{"reap":true,"key":"` + key + `"}`, ""},
		{"slack job", `{"slack":{"kind":"home","member":{"ID":"U1"}}}`, "slack"},
		{"slack not an object", `{"slack":"home"}`, ""},
		{"slack and key", `{"slack":{"kind":"home"},"key":"` + key + `"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sqs.Decode(tt.body)
			if tt.want == "" {
				require.Error(t, err)
				assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			if tt.want == "reap" {
				assert.Equal(t, sqs.Message{Reap: true}, got)
				return
			}
			if tt.want == "slack" {
				assert.JSONEq(t, `{"kind":"home","member":{"ID":"U1"}}`, string(got.Slack))
				return
			}
			assert.Equal(t, sqs.Message{Key: tt.want}, got)
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(`{"key":"` + booking.KeyOf("generic", "bk_1") + `"}`)
	f.Add(`{"key":1}`)
	f.Fuzz(func(t *testing.T, body string) {
		m, err := sqs.Decode(body)
		if err != nil || m.Reap {
			return
		}
		// Whatever Decode accepts is a key Enqueue could have sent.
		again, err := sqs.Decode(`{"key":"` + m.Key + `"}`)
		require.NoError(t, err)
		assert.Equal(t, m, again)
		assert.Len(t, m.Key, len(booking.KeyOf("", "")))
	})
}

// TestEnqueueBatch sends 23 nudges in three SendMessageBatch calls, each the body Enqueue sends.
func TestEnqueueBatch(t *testing.T) {
	endpoint := emulator.GoAWS(t)
	var counter emulator.Counter
	cfg := emulator.AWSConfig(endpoint)
	counter.Attach(&cfg)
	client := awssqs.NewFromConfig(cfg)
	url := emulator.CreateQueue(t, endpoint, "roomkeeper-batch")
	q := sqs.New(client, url)
	var keys []string
	want := map[string]bool{}
	for i := range 23 {
		key := booking.KeyOf("generic", fmt.Sprint("batch-", i))
		keys = append(keys, key)
		want[`{"key":"`+key+`"}`] = true
	}
	n, err := q.EnqueueBatch(t.Context(), keys)
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
}

func TestEnqueueBatchRefusesWhatDecodeRejectsBeforeSending(t *testing.T) {
	client, fresh := newQueues(t)
	url := fresh(t)
	n, err := sqs.New(client, url).EnqueueBatch(t.Context(), []string{booking.KeyOf("generic", "a"), "bk_123"})
	require.Error(t, err)
	assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
	assert.Zero(t, n)
	out, err := client.ReceiveMessage(t.Context(), &awssqs.ReceiveMessageInput{QueueUrl: &url})
	require.NoError(t, err)
	assert.Empty(t, out.Messages, "nothing sent")
}
