// Command sweeper is the Lambda function its EventBridge Scheduler schedule invokes every minute
// (target input {"scheduledTime": "<aws.scheduler.scheduled-time>"}): it enqueues the bookings
// whose dueAt has passed or passes before its next run (shared/sweep over DynamoDB and SQS), each
// nudge of a booking not yet due delayed until its dueAt (SQS's per-message DelaySeconds), so the
// worker gets it on time rather than at the next sweep; hourly it asks the worker to delete the
// provider rooms no booking references (a reap message on the same queue), and it carries the
// table's backfill on (dynamo.Store.Backfill) until it is done. It needs no provider, mail or
// secret: starting every minute, it stays small. It only wires: configuration is read and clients
// are built once per container.
//
// How far it looks ahead is sweep.Lookahead of the schedule's interval, which the stack passes in
// ROOMKEEPER_SWEEP_INTERVAL from the constant that also writes the schedule's rate
// (config.Config.SweepInterval). Unset, it enqueues only what is due (as under an SQS emulator
// that does not delay batch entries).
//
// A sweep enqueues at most what the worker takes in a minute, sweep.Ceiling of the worker's
// concurrency, which the stack passes in ROOMKEEPER_WORKER_CONCURRENCY (unset: one unit's,
// sweep.DefaultMax), and reads no page of due bookings after sweepBudget.
package main

import (
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/lambda/sweeper"
	"github.com/roomkeeper/roomkeeper/shared/sweep"
)

// sweepBudget is how long a sweep reads pages of due bookings: the minute until the next sweep,
// less the backfill's pages after it and a margin. The function's timeout (infra: 60 s) is above
// it.
const sweepBudget = 40 * time.Second

func main() {
	env := start.Load("ROOMKEEPER_TABLE", "ROOMKEEPER_QUEUE_URL")
	queue := sqs.New(awssqs.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_QUEUE_URL"))
	store := dynamo.New(dynamodb.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_TABLE"))
	metrics := emf.New(env.Log)
	h := &sweeper.Handler{
		Sweeper:  &sweep.Sweeper{Store: store, Queue: queue, Now: time.Now, Max: sweep.Ceiling(env.Config.WorkerConcurrency), Budget: sweepBudget, Lookahead: sweep.Lookahead(env.Config.SweepInterval)},
		Reaper:   queue, // the worker reaps
		Backfill: store,
		Metrics:  metrics,
		Log:      env.Log,
	}
	lambda.Start(emf.PerInvocation(metrics, h.Handle))
}
