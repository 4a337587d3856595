// Package sqs is the booking.Queue on Amazon SQS: a nudge is one message whose body is the JSON
// object {"key":"<booking key>"} (Amazon SQS API reference: SendMessage, SendMessageBatch,
// ReceiveMessage, DeleteMessage). The worker Lambda receives the messages through the SQS event source and reads
// each body with Decode; a body Decode rejects is the one thing it reports as a batch item
// failure, so SQS redrives it to the dead-letter queue: a provider or mail failure is retried
// through the booking's dueAt instead, never through the queue.
package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Queue sends nudges to one SQS queue. It is safe for concurrent use.
type Queue struct {
	client *sqs.Client
	url    string
}

var _ booking.Queue = (*Queue)(nil)

// New returns a Queue on the queue at queueURL (ROOMKEEPER_QUEUE_URL).
func New(client *sqs.Client, queueURL string) *Queue {
	return &Queue{client: client, url: queueURL}
}

// message is the body of a nudge: a booking to reconcile, a request to reap, or a job of the
// Slack app.
type message struct {
	Key   string `json:"key,omitempty"`
	Reap  bool   `json:"reap,omitempty"`
	Slack any    `json:"slack,omitempty"`
}

// Message is a decoded queue message: the key of a booking to reconcile; with Reap, a request
// to delete the provider rooms no booking references (reconcile.Reconciler.Reap); or with
// Slack, a job the Slack app left after answering (shared/chat/roomsapp.Job, as JSON).
type Message struct {
	Key   string
	Reap  bool
	Slack json.RawMessage
}

// Enqueue sends a message nudging the worker to reconcile the booking with key. A key Decode would
// reject is refused with a booking.Invalid error rather than sent to fail in the worker.
func (q *Queue) Enqueue(ctx context.Context, key string) error {
	if !validKey(key) {
		return fmt.Errorf("enqueue booking %q: %w", key, booking.Errorf(booking.Invalid, "key", "not a booking key"))
	}
	if err := q.send(ctx, message{Key: key}); err != nil {
		return fmt.Errorf("enqueue booking %s: %w", key, err)
	}
	return nil
}

// MaxBatch is the most messages one SendMessageBatch call takes (the SQS quota).
const MaxBatch = 10

// EnqueueBatch nudges the worker for each of keys, ten messages per SendMessageBatch call, and
// returns how many were sent: the sweeper's nudges cost a tenth of the requests Enqueue would.
// It stops at the first call that fails or refuses an entry; the keys after it are not sent (a
// sweep finds the bookings again, as they stay due). A key Decode would reject is refused, as by
// Enqueue, before anything is sent.
func (q *Queue) EnqueueBatch(ctx context.Context, keys []string) (int, error) {
	for _, key := range keys {
		if !validKey(key) {
			return 0, fmt.Errorf("enqueue booking %q: %w", key, booking.Errorf(booking.Invalid, "key", "not a booking key"))
		}
	}
	sent := 0
	for chunk := range slices.Chunk(keys, MaxBatch) {
		entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
		for i, key := range chunk {
			body, err := json.Marshal(message{Key: key})
			if err != nil {
				return sent, fmt.Errorf("enqueue booking %s: %w", key, err)
			}
			entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body))}
		}
		out, err := q.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &q.url, Entries: entries})
		if err != nil {
			return sent, fmt.Errorf("enqueue %d bookings: %w", len(chunk), err)
		}
		// Each entry is in Successful or in Failed (goaws v0.5.4 lists the successful ones under
		// another name, so they are counted as the entries not failed).
		sent += len(chunk) - len(out.Failed)
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return sent, fmt.Errorf("enqueue %d bookings: %d refused, the first (%s) with %s: %s",
				len(chunk), len(out.Failed), chunk[entryIndex(f.Id)], aws.ToString(f.Code), aws.ToString(f.Message))
		}
	}
	return sent, nil
}

// entryIndex reads back a batch entry's Id, its index in the chunk.
func entryIndex(id *string) int {
	i, err := strconv.Atoi(aws.ToString(id))
	if err != nil || i < 0 || i >= MaxBatch {
		return 0
	}
	return i
}

// Reap asks the worker to reap orphaned rooms by sending it a reap message. It deletes nothing
// itself, so it returns 0. The sweeper function calls it hourly: reaping in the worker keeps the
// sweeper, which starts every minute, free of the provider adapters and their start-up cost.
func (q *Queue) Reap(ctx context.Context) (int, error) {
	if err := q.send(ctx, message{Reap: true}); err != nil {
		return 0, fmt.Errorf("enqueue reap: %w", err)
	}
	return 0, nil
}

// EnqueueSlack sends a job of the Slack app to the worker: the work a request left to after its
// answer, which Slack wants within three seconds (shared/httpapi/slackapp).
func (q *Queue) EnqueueSlack(ctx context.Context, job any) error {
	if err := q.send(ctx, message{Slack: job}); err != nil {
		return fmt.Errorf("enqueue a slack job: %w", err)
	}
	return nil
}

func (q *Queue) send(ctx context.Context, m message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	s := string(body)
	_, err = q.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.url, MessageBody: &s})
	return err
}

// Decode decodes a message body. It accepts exactly one JSON object with one member, matched
// case-sensitively: "key" holding a string in the form booking.KeyOf makes, "reap" holding
// true, or "slack" holding an object (a job, which its runner decodes); and nothing after it
// but white space. Anything else is a booking.Invalid error, whose text does not repeat the body.
func Decode(body string) (Message, error) {
	if job, ok := slackJob(body); ok {
		return Message{Slack: job}, nil
	}
	dec := json.NewDecoder(strings.NewReader(body))
	var tokens [4]json.Token
	for i := range tokens {
		tok, err := dec.Token()
		if err != nil {
			return Message{}, invalidBody("not a JSON object with one member, \"key\" or \"reap\": %v", err)
		}
		tokens[i] = tok
	}
	var m Message
	switch {
	case tokens[0] != json.Delim('{') || tokens[3] != json.Delim('}'):
		return Message{}, invalidBody(`not a JSON object with one member, "key" or "reap"`)
	case tokens[1] == "reap":
		if tokens[2] != true {
			return Message{}, invalidBody("reap is not true")
		}
		m.Reap = true
	case tokens[1] == "key":
		key, isString := tokens[2].(string)
		switch {
		case !isString:
			return Message{}, invalidBody("key is not a string")
		case !validKey(key):
			return Message{}, invalidBody("key is not a booking key")
		}
		m.Key = key
	default:
		return Message{}, invalidBody(`not a JSON object with one member, "key" or "reap"`)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Message{}, invalidBody("data after the JSON object")
	}
	return m, nil
}

// slackJob reads a body that is exactly {"slack": {…}}.
func slackJob(body string) (json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &m) != nil || len(m) != 1 {
		return nil, false
	}
	job, ok := m["slack"]
	return job, ok && len(job) > 0 && job[0] == '{'
}

func invalidBody(format string, args ...any) error {
	return fmt.Errorf("decode queue message: %w", booking.Errorf(booking.Invalid, "body", format, args...))
}

// keyLen is the length of every key booking.KeyOf returns.
var keyLen = len(booking.KeyOf("", ""))

// validKey reports whether key has the shape of booking.KeyOf's keys: keyLen characters of the
// lowercase base32 alphabet.
func validKey(key string) bool {
	if len(key) != keyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// Receive waits for one message, deletes it and returns its key, polling with ReceiveMessage
// (long polls of at most 1 s) until a message arrives or ctx is done, when it returns an error
// wrapping ctx's. It is for tests and tools; the worker Lambda gets its messages from the SQS
// event source instead. A body Decode rejects is left on the queue (for redrive) and returned
// as an error.
func (q *Queue) Receive(ctx context.Context) (string, error) {
	for {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("receive from queue: %w", err)
		}
		out, err := q.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            &q.url,
			MaxNumberOfMessages: 1,
			WaitTimeSeconds:     1,
		})
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return "", fmt.Errorf("receive from queue: %w", cerr)
			}
			return "", fmt.Errorf("receive from queue: %w", err)
		}
		if len(out.Messages) == 0 {
			continue
		}
		m := out.Messages[0]
		if m.Body == nil {
			return "", errors.New("receive from queue: a message without a body")
		}
		msg, err := Decode(*m.Body)
		if err == nil && msg.Reap {
			err = errors.New("a reap request, not a booking")
		}
		if err != nil {
			return "", fmt.Errorf("receive from queue: %w", err)
		}
		key := msg.Key
		if _, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &q.url, ReceiptHandle: m.ReceiptHandle}); err != nil {
			return "", fmt.Errorf("receive from queue: delete message of booking %s: %w", key, err)
		}
		return key, nil
	}
}
