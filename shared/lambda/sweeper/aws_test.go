package sweeper

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
	"github.com/roomkeeper/roomkeeper/shared/sweep"
)

// TestASweepPastItsCapOnAWS is the deployed sweeper's sweep over DynamoDB (dynalite) and SQS
// (goaws) with more bookings due than its cap (the ceiling for a worker of concurrency 4, 2,400;
// the old cap was 1,000 a run): it reads the due index page after page, each continuing after the
// last, and enqueues the cap, in SendMessageBatch calls of ten, reading at most 1.05 times that
// many entries of the due index. It looks ahead to its next run as the deployed one does.
func TestASweepPastItsCapOnAWS(t *testing.T) {
	const due = 2600
	limit := sweep.Ceiling(4)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

	var scanned, queries atomic.Int64
	ddbCfg := emulator.AWSConfig(emulator.Dynalite(t))
	ddbCfg.APIOptions = append(ddbCfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countScanned",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if q, ok := out.Result.(*dynamodb.QueryOutput); ok {
					scanned.Add(int64(q.ScannedCount))
					queries.Add(1)
				}
				return out, md, err
			}), middleware.After)
	})
	ddb := dynamodb.NewFromConfig(ddbCfg)
	require.NoError(t, dynamo.CreateTable(t.Context(), ddb, "roomkeeper"))
	store := dynamo.New(ddb, "roomkeeper")

	sqsEndpoint := emulator.GoAWS(t)
	var calls emulator.Counter
	sqsCfg := emulator.AWSConfig(sqsEndpoint)
	calls.Attach(&sqsCfg)
	queue := sqs.New(awssqs.NewFromConfig(sqsCfg), emulator.CreateQueue(t, sqsEndpoint, "roomkeeper-work"))

	// The bookings, due at random times over the last two days, written eight at a time.
	rng := rand.New(rand.NewPCG(5, 6))
	todo := make(chan *booking.Booking, due)
	for i := range due {
		id := fmt.Sprint("sweep-cap-", i)
		todo <- &booking.Booking{Key: booking.KeyOf("generic", id), Source: "generic", ExternalID: id,
			DueAt: now.Add(-time.Duration(rng.IntN(2*24*3600)) * time.Second)}
	}
	close(todo)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for b := range todo {
				if err := store.Put(t.Context(), b); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))

	scanned.Store(0)
	queries.Store(0)
	s := &sweep.Sweeper{Store: store, Queue: queue, Now: func() time.Time { return now }, Max: limit, Budget: 40 * time.Second, Lookahead: sweep.Lookahead(time.Minute)}
	n, err := s.Sweep(t.Context())
	require.NoError(t, err)
	assert.Equal(t, limit, n)
	assert.Equal(t, map[string]int{"SQS.SendMessageBatch": limit / sqs.MaxBatch}, calls.Calls(), "ten nudges a request")
	read := scanned.Load()
	t.Logf("read %d due-index entries in %d queries to enqueue %d (%.3f×)", read, queries.Load(), n, float64(read)/float64(n))
	assert.LessOrEqual(t, float64(read), 1.05*float64(n), "entries read past the cap")
}

// TestASweepOnAWSDelaysWhatIsNotYetDue is the deployed sweeper's sweep over DynamoDB (dynalite)
// and SQS (goaws): a booking due 30 s after the sweep is enqueued by it with DelaySeconds 30, as
// goaws received the request (emulator.SQSRecorder: goaws does not apply a batch entry's delay),
// one already due with none, and one due after the next run and its margin is left to it.
func TestASweepOnAWSDelaysWhatIsNotYetDue(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ddb := dynamodb.NewFromConfig(emulator.AWSConfig(emulator.Dynalite(t)))
	require.NoError(t, dynamo.CreateTable(t.Context(), ddb, "roomkeeper"))
	store := dynamo.New(ddb, "roomkeeper")
	sqsEndpoint := emulator.GoAWS(t)
	var rec emulator.SQSRecorder
	queue := sqs.New(awssqs.NewFromConfig(emulator.AWSConfig(rec.Front(t, sqsEndpoint))), emulator.CreateQueue(t, sqsEndpoint, "roomkeeper-work"))

	body := map[string]string{}
	for id, in := range map[string]time.Duration{"late": -5 * time.Second, "in-30s": 30 * time.Second, "after-next": 70 * time.Second} {
		b := &booking.Booking{Key: booking.KeyOf("generic", id), Source: "generic", ExternalID: id, DueAt: now.Add(in)}
		require.NoError(t, store.Put(t.Context(), b))
		body[id] = `{"key":"` + b.Key + `"}`
	}
	s := &sweep.Sweeper{Store: store, Queue: queue, Now: func() time.Time { return now }, Max: sweep.Ceiling(2), Budget: 40 * time.Second, Lookahead: sweep.Lookahead(time.Minute)}
	n, err := s.Sweep(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	entries := rec.Entries()
	require.Len(t, entries, 2)
	assert.Equal(t, body["late"], entries[0].MessageBody, "oldest first")
	assert.Nil(t, entries[0].DelaySeconds, "no delay for what is due")
	assert.Equal(t, body["in-30s"], entries[1].MessageBody)
	if assert.NotNil(t, entries[1].DelaySeconds) {
		assert.Equal(t, 30, *entries[1].DelaySeconds, "delivered at its dueAt")
	}
}
