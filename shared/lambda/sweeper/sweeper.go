// Package sweeper is the sweeper function's handler: the event its EventBridge Scheduler
// schedule sends every minute becomes a sweep (shared/sweep) and, on the hour, a reap of the
// provider rooms no booking references.
package sweeper

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

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

// Handler is the sweeper function's handler: every minute it enqueues the due bookings, and once
// an hour it also reaps orphaned rooms. Set its fields once in main.
type Handler struct {
	Sweeper *sweep.Sweeper
	Reaper  Reaper
	Log     *slog.Logger
}

// Result is the handler's response.
type Result struct {
	Enqueued int  `json:"enqueued"`
	Reaped   bool `json:"reaped"`  // the reap ran
	Deleted  int  `json:"deleted"` // rooms the reap deleted
}

// Handle sweeps, and reaps when the event asks or when the scheduled time is on the hour (minute
// 0, UTC), so a rate(1 minute) schedule reaps hourly; Scheduler's scheduled time is the nominal
// one, so a late delivery still reaps. It returns an error only when the sweep fails, so Lambda
// retries the invocation. A reap failure (the provider is down) is logged and left to the next
// hour: retrying at once would spend the provider's rate budget on listing every room again.
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
	log.Info("sweep done", "enqueued", res.Enqueued, "reaped", res.Reaped, "deleted", res.Deleted)
	if sweepErr != nil {
		return res, fmt.Errorf("sweeper: %w", sweepErr)
	}
	return res, nil
}
