// Package sweep finds bookings whose dueAt has passed, or will pass before the next sweep, and
// nudges the worker for each. With the dueAt index it is roomkeeper's only schedule (there are no
// per-booking schedules), run every minute by EventBridge Scheduler in AWS and by a ticker
// locally. On AWS a nudge for a booking not yet due carries the delay until its due time (SQS's
// per-message DelaySeconds), so the worker gets it when it falls due, not at the sweep after.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// BatchQueue is a queue that sends many nudges per request, each delivered after its own delay
// (shared/aws/sqs: SendMessageBatch, ten a call, each entry's DelaySeconds). The sweeper uses it
// when its Queue has it; EnqueueBatch returns how many of nudges it sent.
type BatchQueue interface {
	EnqueueBatch(ctx context.Context, nudges []booking.Nudge) (int, error)
}

// Margin is how much further than the next sweep a sweep looks ahead (Lookahead): the next
// sweep may start a few seconds late (the scheduler's delivery, a cold start, its first page),
// and a booking due meanwhile should still arrive on time. A booking due within Margin after the
// next sweep's start is nudged by both sweeps, the second nudge harmless: at 5 s of a minute,
// one booking in twelve.
const Margin = 5 * time.Second

// Lookahead returns Sweeper.Lookahead for sweeps run every interval: the interval and the
// Margin, at most booking.MaxDelay; 0 for an interval of 0, a sweep that does not know when it
// runs next (config.Config.SweepInterval unset), which so enqueues only what is due.
func Lookahead(interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	return min(interval+Margin, booking.MaxDelay)
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
	// Lookahead is how far past the time it began a sweep looks (Lookahead of the schedule's
	// interval; at most booking.MaxDelay): it also enqueues the bookings that fall due within it,
	// each nudge delayed until its booking's dueAt, so none waits for the next sweep. It needs a Queue that delays (a BatchQueue); 0,
	// for a queue that cannot (the local server's, whose sweep runs every few seconds), enqueues
	// only what is due.
	Lookahead time.Duration
}

// Sweep enqueues the bookings due by the time it began + Lookahead, oldest first, a Page at a
// time, each page read after the last booking the previous one enqueued (Store.Due's position),
// so it never reads again what it enqueued; it stops when nothing more is due, Max bookings are
// enqueued or its Budget is spent, and returns how many it enqueued. Each page also takes what
// is due at the time it is read, so a long sweep takes the bookings that became due while it
// ran; the horizon does not move on with it, since the next sweep begins an interval after this
// one did, whatever this one's length. A nudge for a booking not yet due is delayed by the time
// until its dueAt, rounded up to a whole second, so it never arrives before it (Delay).
//
// Bookings stay due until a worker has done their work, so a nudge that is lost, or a booking the
// worker could not finish, is simply found again by the next sweep, which starts from the oldest.
// A booking the next sweep finds again before its delayed nudge arrived is nudged twice; the
// worker's second run finds nothing left to do.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	if _, ok := s.Queue.(BatchQueue); s.Lookahead > 0 && !ok {
		return 0, errors.New("sweep: a lookahead needs a queue that delays nudges")
	}
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
		due, next, err := s.Store.Due(ctx, laterOf(now, began.Add(s.Lookahead)), after, want)
		if err != nil {
			return sent, fmt.Errorf("sweep: query due bookings: %w", err)
		}
		n, err := s.enqueue(ctx, due)
		sent += n
		if err != nil {
			return sent, err
		}
		if len(due) < want {
			break // nothing more is due
		}
		after = next
	}
	return sent, nil
}

// laterOf returns the later of a and b.
func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Delay returns how long after now a nudge for a booking due at dueAt is delivered: the time
// until dueAt rounded up to a whole second, so it is never early; 0 for a booking already due;
// at most booking.MaxDelay.
func Delay(now, dueAt time.Time) time.Duration {
	switch d := dueAt.Sub(now); {
	case d <= 0:
		return 0
	case d >= booking.MaxDelay:
		return booking.MaxDelay
	default:
		return (d + time.Second - 1).Truncate(time.Second)
	}
}

// enqueue nudges the worker for each of due, in batches with their delays when the queue takes
// them, and returns how many it enqueued. The delays count from now, read just before the
// nudges are sent: the queue gets them after that, so they are late by the request's time at
// most, never early.
func (s *Sweeper) enqueue(ctx context.Context, due []booking.Due) (int, error) {
	if bq, ok := s.Queue.(BatchQueue); ok {
		now := s.Now()
		nudges := make([]booking.Nudge, len(due))
		for i, d := range due {
			nudges[i] = booking.Nudge{Key: d.Key, Delay: Delay(now, d.At)}
		}
		n, err := bq.EnqueueBatch(ctx, nudges)
		if err != nil {
			return n, fmt.Errorf("sweep: %w", err)
		}
		return n, nil
	}
	for i, d := range due {
		if err := s.Queue.Enqueue(ctx, d.Key); err != nil {
			return i, fmt.Errorf("sweep: enqueue booking %s: %w", d.Key, err)
		}
	}
	return len(due), nil
}
