// Package sweeper is the sweeper function's handler: the event its EventBridge Scheduler
// schedule sends every minute becomes a sweep (shared/sweep), on the hour a reap of the provider
// rooms no booking references, and, until it is done, a few pages of the store's backfill.
package sweeper

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/sweep"
)

// Event is what the sweeper function receives. Its EventBridge Scheduler schedule (rate(1
// minute)) invokes it with the target input {"scheduledTime": "<aws.scheduler.scheduled-time>"}
// (EventBridge Scheduler User Guide, "Adding context attributes"); an EventBridge scheduled rule's
// event carries the same instant as "time". With neither, the sweep runs at the current time.
type Event struct {
	ScheduledTime time.Time `json:"scheduledTime,omitzero"`
	Time          time.Time `json:"time,omitzero"`
	// Reap asks for the reap now, whatever the time.
	Reap bool `json:"reap,omitempty"`
}

// Reaper deletes provider rooms that no booking references, returning how many it deleted:
// reconcile.Reconciler.Reap does it at once (the local server); sqs.Queue.Reap hands it to the
// worker, so the sweeper function carries no provider adapter (AWS).
type Reaper interface {
	Reap(ctx context.Context) (int, error)
}

// Backfiller gives records written before the store's newest index their index entries, a few
// pages of the table per call, and returns how many records it updated: dynamo.Store.Backfill.
// Once it is done, a call is one read.
type Backfiller interface {
	Backfill(ctx context.Context, pages int) (int, error)
}

// backfillPages bounds one run's backfill, so the sweep that runs every minute stays short.
const backfillPages = 3

// Handler is the sweeper function's handler: every minute it enqueues the due bookings and
// carries the backfill on, and once an hour it also reaps orphaned rooms. Set its fields once in
// main.
type Handler struct {
	Sweeper *sweep.Sweeper
	Reaper  Reaper
	// Backfill is nil where there is nothing to backfill (the local store builds its indexes
	// when it opens a file).
	Backfill Backfiller
	// Metrics records BookingsDue every sweep, 0 included, so the figure's absence means no
	// sweep ran; nil drops it.
	Metrics booking.Metrics
	Log     *slog.Logger
}

// Result is the handler's response.
type Result struct {
	Enqueued   int  `json:"enqueued"`
	Reaped     bool `json:"reaped"`               // the reap ran
	Deleted    int  `json:"deleted"`              // rooms the reap deleted
	Backfilled int  `json:"backfilled,omitempty"` // records the backfill updated
}

// Handle sweeps, and reaps when the event asks or when the scheduled time is on the hour (minute
// 0, UTC), so a rate(1 minute) schedule reaps hourly; Scheduler's scheduled time is the nominal
// one, so a late delivery still reaps. Then it backfills up to backfillPages pages. It returns an
// error only when the sweep fails, so Lambda retries the invocation. A reap failure (the provider
// is down) is logged and left to the next hour: retrying at once would spend the provider's rate
// budget on listing every room again. A backfill failure is logged and left to the next minute,
// which resumes where the last saved page ended.
func (h *Handler) Handle(ctx context.Context, ev Event) (Result, error) {
	log := h.Log
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("requestId", lc.AwsRequestID)
	}
	at := ev.ScheduledTime
	if at.IsZero() {
		at = ev.Time
	}
	if at.IsZero() {
		at = h.Sweeper.Now()
	}
	var res Result
	n, sweepErr := h.Sweeper.Sweep(ctx)
	res.Enqueued = n
	if h.Metrics != nil {
		h.Metrics.Put(ctx, booking.CountOf(booking.MetricBookingsDue, n))
	}
	if sweepErr != nil {
		log.Error("sweep failed", "enqueued", n, "err", sweepErr)
	}
	if ev.Reap || at.UTC().Minute() == 0 {
		res.Reaped = true
		deleted, err := h.Reaper.Reap(ctx)
		res.Deleted = deleted
		if err != nil {
			log.Error("reaping orphaned rooms failed; retried next hour", "deleted", deleted, "err", err)
		}
	}
	if h.Backfill != nil {
		n, err := h.Backfill.Backfill(ctx, backfillPages)
		res.Backfilled = n
		if err != nil {
			log.Error("backfill failed; resumed next minute", "backfilled", n, "err", err)
		}
	}
	// A sweep that did nothing is routine, every minute: at DEBUG (its BookingsDue of 0 says it ran).
	level := slog.LevelDebug
	if res.Enqueued > 0 || res.Reaped || res.Backfilled > 0 {
		level = slog.LevelInfo
	}
	log.Log(ctx, level, "sweep done", "enqueued", res.Enqueued, "reaped", res.Reaped, "deleted", res.Deleted, "backfilled", res.Backfilled)
	if sweepErr != nil {
		return res, fmt.Errorf("sweeper: %w", sweepErr)
	}
	return res, nil
}
