// Command sweeper is the Lambda function its EventBridge Scheduler schedule invokes every minute
// (target input {"scheduledTime": "<aws.scheduler.scheduled-time>"}): it enqueues the bookings
// whose dueAt has passed (shared/sweep over DynamoDB and SQS), hourly asks the worker to delete
// the provider rooms no booking references (a reap message on the same queue), and carries the
// table's backfill on (dynamo.Store.Backfill) until it is done. It needs no provider, mail or
// secret: starting every minute, it stays small. It only wires: configuration is read and clients
// are built once per container.
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

func main() {
	// The sweeper uses no setting of the configuration, but Load checks it as in every function.
	env := start.Load("ROOMKEEPER_TABLE", "ROOMKEEPER_QUEUE_URL")
	queue := sqs.New(awssqs.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_QUEUE_URL"))
	store := dynamo.New(dynamodb.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_TABLE"))
	h := &sweeper.Handler{
		Sweeper:  &sweep.Sweeper{Store: store, Queue: queue, Now: time.Now},
		Reaper:   queue, // the worker reaps
		Backfill: store,
		Metrics:  emf.New(env.Log),
		Log:      env.Log,
	}
	lambda.Start(h.Handle)
}
