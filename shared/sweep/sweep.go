// Package sweep finds bookings whose dueAt has passed and nudges the worker for each. With the
// dueAt index it is roomkeeper's only schedule (there are no per-booking schedules), run every
// minute by EventBridge Scheduler in AWS and by a ticker locally.
package sweep

import (
	"context"
	"fmt"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// BatchQueue is a queue that nudges many bookings per request (shared/aws/sqs: SendMessageBatch,
// ten a call). The sweeper uses it when its Queue has it; EnqueueBatch returns how many of keys
// it sent before it stopped.
type BatchQueue interface {
	EnqueueBatch(ctx context.Context, keys []string) (int, error)
}

// Sweeper enqueues due bookings.
type Sweeper struct {
	Store booking.Store
	Queue booking.Queue
	Now   func() time.Time
	// Max bounds one sweep; what is left is found by the next. 0 means 1000.
	Max int
}

// Sweep enqueues every booking due by now, up to Max, and returns how many it enqueued.
// Bookings stay due until a worker has done their work, so a nudge that is lost, or a
// booking the worker could not finish, is simply found again.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	limit := s.Max
	if limit <= 0 {
		limit = 1000
	}
	keys, err := s.Store.Due(ctx, s.Now(), limit)
	if err != nil {
		return 0, fmt.Errorf("sweep: query due bookings: %w", err)
	}
	if bq, ok := s.Queue.(BatchQueue); ok {
		n, err := bq.EnqueueBatch(ctx, keys)
		if err != nil {
			return n, fmt.Errorf("sweep: %w", err)
		}
		return n, nil
	}
	for i, key := range keys {
		if err := s.Queue.Enqueue(ctx, key); err != nil {
			return i, fmt.Errorf("sweep: enqueue booking %s: %w", key, err)
		}
	}
	return len(keys), nil
}
