// Package worker is the worker Lambda function's handler: it takes a batch of SQS messages from
// the work queue (Lambda's SQS event source, "Using Lambda with Amazon SQS",
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html), reconciles the booking each one
// names, and answers with a partial batch response ("Handling errors for an SQS event source",
// ReportBatchItemFailures), so only the messages that must be retried come back.
//
// A message is one of four kinds: a nudge {"key": …}, a reap request {"reap": true} or a job of
// the Slack app {"slack": {…}} (the sqs package), or an SES event record that SNS delivered from the configuration set's event
// destination (ses.ParseEvent): a bounce or complaint of a message roomkeeper sent is recorded on
// its booking (reconcile.Reconciler.RecordMail), which is then reconciled in the same batch; any
// other SES event is acknowledged and dropped.
//
// A message is reported failed only when it cannot be decoded or when the store is unreachable. A provider or mail failure is recorded on the
// booking with a back-off dueAt by Reconcile and its message is acknowledged: the sweeper brings
// the booking back when it is due.
//
// Invites that may have gone out twice (a run that stopped between the mail service accepting a
// message and the record being saved) are counted once per batch as the metric
// roomkeeper/PossibleDuplicateInvites, written through Metrics (shared/aws/emf: CloudWatch's
// embedded metric format).
package worker

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/aws/ses"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs/nudge"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
)

// Metric names and namespace of the batch's own figures.
const (
	MetricNamespace          = emf.Namespace
	PossibleDuplicatesMetric = booking.MetricPossibleDuplicateInvites
)

// Handler reconciles the bookings an SQS batch names. Set its fields once in main.
type Handler struct {
	Reconciler *reconcile.Reconciler
	// Metrics records the batch's figures; nil drops them.
	Metrics booking.Metrics
	// Slack runs a job the Slack app queued (App.RunJSON of shared/chat/roomsapp); nil when the app
	// is not configured, and then such a message is dropped.
	Slack func(ctx context.Context, job []byte) error
	Log   *slog.Logger
}

// Handle reconciles each message's booking in turn and returns the ids of the messages to
// retry: undecodable ones, and those whose booking could not be read or saved. A booking named by
// several messages of the batch is reconciled once. Handle never returns an error, which would
// fail the whole batch; Lambda's event source mapping must have ReportBatchItemFailures on.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	log := h.Log
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("requestId", lc.AwsRequestID)
	}
	var resp events.SQSEventResponse
	fail := func(id string) {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}

	// Decode first, so each booking is reconciled once however many messages name it.
	var keys []string
	ids := map[string][]string{} // booking key → message ids
	reap := false
	for _, m := range ev.Records {
		msg, err := nudge.Decode(m.Body)
		if err != nil {
			mev, ours, perr := ses.ParseEvent([]byte(m.Body))
			switch {
			case perr != nil:
				// The body is not logged: it is not ours to trust, and could hold anything.
				log.Warn("undecodable message; reported failed", "messageId", m.MessageId, "bytes", len(m.Body))
				fail(m.MessageId)
			case !ours:
				log.Info("mail event not ours; dropped", "messageId", m.MessageId)
			default:
				changed, ok := h.recordMail(ctx, log.With("messageId", m.MessageId), mev)
				if !ok {
					fail(m.MessageId)
				} else if _, dup := ids[mev.Key]; changed && !dup {
					// Its notice goes out in this batch. The event is recorded, so a failed run
					// of the booking does not bring the message back: the sweeper has the booking.
					keys = append(keys, mev.Key)
					ids[mev.Key] = nil
				}
			}
			continue
		}
		if msg.Reap {
			reap = true
			continue
		}
		if msg.Slack != nil {
			h.slackJob(ctx, log.With("messageId", m.MessageId), msg.Slack, func() { fail(m.MessageId) })
			continue
		}
		key := msg.Key
		if _, dup := ids[key]; !dup {
			keys = append(keys, key)
		}
		ids[key] = append(ids[key], m.MessageId)
	}

	duplicates := 0
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			// Out of time: hand what is left back to the queue rather than time out the batch.
			log.Warn("no time left; message returned to the queue", "booking", key, "err", err)
			for _, id := range ids[key] {
				fail(id)
			}
			continue
		}
		res, err := h.Reconciler.Reconcile(ctx, key)
		duplicates += res.PossibleDuplicates
		blog := log.With("booking", key)
		if res.Cleanup != "" {
			blog = blog.With("cleanup", res.Cleanup) // why the room goes now
		}
		switch {
		case err != nil:
			blog.Error("reconcile failed; the message will be redelivered", "err", err)
			for _, id := range ids[key] {
				fail(id)
			}
		case res.Missing:
			blog.Info("no such booking; message dropped")
		case res.Busy:
			blog.Info("another run holds the booking; message dropped")
		case res.Failure != "":
			blog.Warn("reconcile step failed; retried from the booking's dueAt",
				"failure", res.Failure, "permanent", res.Permanent, "steps", res.Steps)
		case len(res.Steps) > 0 && (res.Cleanup == "" || res.Cleanup == reconcile.CleanupAfterGrace):
			// Routine, a line per booking: at DEBUG (the batch's line and its metrics say how
			// many; the booking's record says what was done).
			blog.Debug("reconciled", "steps", res.Steps)
		case len(res.Steps) > 0:
			blog.Info("reconciled", "steps", res.Steps) // a room gone before or after its time, and why
		default:
			blog.Debug("nothing to do")
		}
		if res.Postponed != "" {
			blog.Info("cleanup postponed", "reason", res.Postponed, "until", res.PostponedUntil)
		}
		if len(res.NoticesDropped) > 0 {
			blog.Warn("outbound webhook events given up", "notices", res.NoticesDropped)
		}
	}

	if reap && ctx.Err() == nil {
		// A reap failure (the provider is down) is left to the next hour's request: the rooms
		// stay referenced by nothing but harm no one meanwhile.
		n, err := h.Reconciler.Reap(ctx)
		if err != nil {
			log.Error("reaping orphaned rooms failed; retried next hour", "deleted", n, "err", err)
		} else {
			log.Info("reaped orphaned rooms", "deleted", n)
		}
	}

	log.Info("batch done", "messages", len(ev.Records), "bookings", len(keys),
		"failed", len(resp.BatchItemFailures), "possibleDuplicates", duplicates)
	if duplicates > 0 {
		log.Warn("invites possibly sent twice after an interrupted run", "possibleDuplicates", duplicates)
		if h.Metrics != nil {
			h.Metrics.Put(ctx, booking.CountOf(PossibleDuplicatesMetric, duplicates))
		}
	}
	return resp, nil
}

// recordMail records a bounce or complaint on its booking and reports whether that changed the
// record; ok is false when the store failed, and the message must come back. The log names the
// booking, the kind and SES's class of the event and how many recipients it concerns, never an
// address.
func (h *Handler) recordMail(ctx context.Context, log *slog.Logger, ev booking.MailEvent) (changed, ok bool) {
	log = log.With("booking", ev.Key, "mail", string(ev.Kind), "class", ev.Type, "recipients", len(ev.Recipients))
	changed, err := h.Reconciler.RecordMail(ctx, ev)
	switch {
	case err != nil:
		log.Error("recording a mail event failed; the message will be redelivered", "err", err)
		return false, false
	case changed:
		log.Info("mail event recorded")
	default:
		log.Info("mail event changes nothing; dropped")
	}
	return changed, true
}

// slackJob runs a job of the Slack app; one that fails for a cause worth retrying (Slack or the
// store unreachable) comes back through the queue.
func (h *Handler) slackJob(ctx context.Context, log *slog.Logger, job []byte, fail func()) {
	if h.Slack == nil {
		log.Warn("slack job but no Slack app configured; dropped")
		return
	}
	if err := h.Slack(ctx, job); err != nil {
		log.Error("slack job failed; the message will be redelivered", "err", err)
		fail()
		return
	}
	log.Info("slack job done")
}
