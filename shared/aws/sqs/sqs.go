// Package sqs is the booking.Queue on Amazon SQS: a nudge is one message whose body is the JSON
// object {"key":"<booking key>"} (shared/aws/sqs/nudge; Amazon SQS API reference: SendMessage,
// SendMessageBatch, ReceiveMessage, DeleteMessage). The worker Lambda receives the messages
// through the SQS event source and reads each body with nudge.Decode; a body Decode rejects is
// the one thing it reports as a batch item failure, so SQS redrives it to the dead-letter queue: a
// provider or mail failure is retried through the booking's dueAt instead, never through the
// queue.
package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/roomkeeper/roomkeeper/shared/aws/sqs/nudge"
	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Queue sends nudges to one SQS queue. It is safe for concurrent use.
type Queue struct {
	client api
	url    string
}

var _ booking.Queue = (*Queue)(nil)

// api is the part of the SQS client a Queue calls, as method values (see dynamo.Store's api).
type api struct {
	SendMessage      func(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch func(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	ReceiveMessage   func(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage    func(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// New returns a Queue on the queue at queueURL (ROOMKEEPER_QUEUE_URL).
func New(client *sqs.Client, queueURL string) *Queue {
	return &Queue{client: api{
		SendMessage: client.SendMessage, SendMessageBatch: client.SendMessageBatch,
		ReceiveMessage: client.ReceiveMessage, DeleteMessage: client.DeleteMessage,
	}, url: queueURL}
}

// Enqueue sends a message nudging the worker to reconcile the booking with key. A key Decode would
// reject is refused with a booking.Invalid error rather than sent to fail in the worker.
func (q *Queue) Enqueue(ctx context.Context, key string) error {
	if !nudge.ValidKey(key) {
		return fmt.Errorf("enqueue booking %q: %w", key, booking.Errorf(booking.Invalid, "key", "not a booking key"))
	}
	if err := q.send(ctx, nudge.Message{Key: key}); err != nil {
		return fmt.Errorf("enqueue booking %s: %w", key, err)
	}
	return nil
}

// MaxBatch is the most messages one SendMessageBatch call takes (the SQS quota).
const MaxBatch = 10

// batchesAtOnce is how many SendMessageBatch calls EnqueueBatch has in flight at once: a page of
// the sweep's 1,000 nudges is 100 calls, sent in about 13 round trips instead of 100.
const batchesAtOnce = 8

// EnqueueBatch nudges the worker for each of nudges, ten messages per SendMessageBatch call, up
// to batchesAtOnce calls at once, and returns how many were sent: the sweeper's nudges cost a
// tenth of the requests Enqueue would. Each message carries its nudge's Delay as the entry's
// DelaySeconds, so SQS hands it to the worker no sooner ("Amazon SQS message timers"). Once a
// call fails or refuses an entry it starts no other; the nudges not sent are left (a sweep finds
// the bookings again, as they stay due). A key Decode would reject, or a delay SQS would refuse
// (not whole seconds from 0 to booking.MaxDelay), is refused, as by Enqueue, before anything is
// sent.
func (q *Queue) EnqueueBatch(ctx context.Context, nudges []booking.Nudge) (int, error) {
	for _, n := range nudges {
		if !nudge.ValidKey(n.Key) {
			return 0, fmt.Errorf("enqueue booking %q: %w", n.Key, booking.Errorf(booking.Invalid, "key", "not a booking key"))
		}
		if n.Delay < 0 || n.Delay > booking.MaxDelay || n.Delay%time.Second != 0 {
			return 0, fmt.Errorf("enqueue booking %s: %w", n.Key, booking.Errorf(booking.Invalid, "delay", "want whole seconds from 0 to %s, got %s", booking.MaxDelay, n.Delay))
		}
	}
	var (
		mu    sync.Mutex
		sent  int
		first error
		wg    sync.WaitGroup
	)
	slots := make(chan struct{}, batchesAtOnce)
	for chunk := range slices.Chunk(nudges, MaxBatch) {
		slots <- struct{}{}
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			n, err := q.sendBatch(ctx, chunk)
			mu.Lock()
			defer mu.Unlock()
			sent += n
			if first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	return sent, first
}

// sendBatch sends one SendMessageBatch of at most MaxBatch nudges and returns how many SQS took.
func (q *Queue) sendBatch(ctx context.Context, chunk []booking.Nudge) (int, error) {
	entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
	for i, n := range chunk {
		entries[i] = types.SendMessageBatchRequestEntry{
			Id:           aws.String(strconv.Itoa(i)),
			MessageBody:  aws.String(nudge.Message{Key: n.Key}.Body()),
			DelaySeconds: int32(n.Delay / time.Second),
		}
	}
	out, err := q.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &q.url, Entries: entries})
	if err != nil {
		return 0, fmt.Errorf("enqueue %d bookings: %w", len(chunk), err)
	}
	// Each entry is in Successful or in Failed (goaws v0.5.4 lists the successful ones under
	// another name, so they are counted as the entries not failed).
	sent := len(chunk) - len(out.Failed)
	if len(out.Failed) > 0 {
		f := out.Failed[0]
		return sent, fmt.Errorf("enqueue %d bookings: %d refused, the first (%s) with %s: %s",
			len(chunk), len(out.Failed), chunk[entryIndex(f.Id)].Key, aws.ToString(f.Code), aws.ToString(f.Message))
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
	if err := q.send(ctx, nudge.Message{Reap: true}); err != nil {
		return 0, fmt.Errorf("enqueue reap: %w", err)
	}
	return 0, nil
}

// EnqueueSlack sends a job of the Slack app to the worker: the work a request left to after its
// answer, which Slack wants within three seconds (shared/httpapi/slackapp).
func (q *Queue) EnqueueSlack(ctx context.Context, job any) error {
	raw, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("encode a slack job: %w", err)
	}
	if err := q.send(ctx, nudge.Message{Slack: raw}); err != nil {
		return fmt.Errorf("enqueue a slack job: %w", err)
	}
	return nil
}

func (q *Queue) send(ctx context.Context, m nudge.Message) error {
	_, err := q.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.url, MessageBody: aws.String(m.Body())})
	return err
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
		msg, err := nudge.Decode(*m.Body)
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
