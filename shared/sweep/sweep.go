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
// it sent.
type BatchQueue interface {
	EnqueueBatch(ctx context.Context, keys []string) (int, error)
}

// Page is how many due bookings a sweep reads at a time (Store.Due's limit) and enqueues before it
// reads the next.
const Page = 1000

// PerWorker is how many due bookings one unit of the worker's concurrency takes in a minute at
// most. On AWS a unit is one batch of ten at a time from the queue (the SQS event source's
// MaxConcurrency), its bookings run one after another, and a run of a due booking (a room check, a
// reminder, a cleanup: a read, a provider call or a send, a save) takes 0.1 s or more: at most ten
// a second, 600 a minute.
const PerWorker = 600

// Ceiling returns the most bookings one sweep enqueues for a worker running at most concurrency
// batches at once (at least one): what it can take before the next sweep, a minute later.
// Enqueueing more would not make it go faster: what it has not run by the next sweep is still due,
// and would be enqueued again.
func Ceiling(concurrency int) int { return max(concurrency, 1) * PerWorker }

// DefaultMax is Sweeper.Max when it is not set: one sweep's worth for the smallest worker.
const DefaultMax = PerWorker

// Sweeper enqueues due bookings.
type Sweeper struct {
	Store booking.Store
	Queue booking.Queue
	Now   func() time.Time
	// Max bounds one sweep's nudges: what the worker takes before the next sweep (Ceiling; the
	// local server's queue holds no more). What is left is found by the next sweep. 0 means
	// DefaultMax.
	Max int
	// Budget bounds one sweep's time: it reads no further page once Budget has passed since it
	// began (by Now). 0 means no bound but Max.
	Budget time.Duration
}

// Sweep enqueues the bookings due by now, oldest first, a Page at a time, each page read after
// the last booking the previous one enqueued (Store.Due's position), so it never reads again what
// it enqueued; it stops when nothing more is due, Max bookings are enqueued or its Budget is
// spent, and returns how many it enqueued. Each page is read as due at the time it is read, so a
// long sweep also takes the bookings that became due while it ran.
//
// Bookings stay due until a worker has done their work, so a nudge that is lost, or a booking the
// worker could not finish, is simply found again by the next sweep, which starts from the oldest.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	limit := s.Max
	if limit <= 0 {
		limit = DefaultMax
	}
	began := s.Now()
	sent, after := 0, ""
	for sent < limit {
		now := s.Now()
		if s.Budget > 0 && now.Sub(began) >= s.Budget {
			break
		}
		want := min(Page, limit-sent)
		keys, next, err := s.Store.Due(ctx, now, after, want)
		if err != nil {
			return sent, fmt.Errorf("sweep: query due bookings: %w", err)
		}
		n, err := s.enqueue(ctx, keys)
		sent += n
		if err != nil {
			return sent, err
		}
		if len(keys) < want {
			break // nothing more is due
		}
		after = next
	}
	return sent, nil
}

// enqueue nudges the worker for each of keys, in batches when the queue takes them, and returns
// how many it enqueued.
func (s *Sweeper) enqueue(ctx context.Context, keys []string) (int, error) {
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
