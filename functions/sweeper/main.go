// Command sweeper is the Lambda function its EventBridge Scheduler schedule invokes every minute
// (target input {"scheduledTime": "<aws.scheduler.scheduled-time>"}): it enqueues the bookings
// whose dueAt has passed (shared/sweep over DynamoDB and SQS) and, hourly, asks the worker to
// delete the provider rooms no booking references (a reap message on the same queue). It needs
// no provider, mail or secret: starting every minute, it stays small. It only wires:
// configuration is read and clients are built once per container.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/sqs"
	"github.com/roomkeeper/roomkeeper/shared/sweep"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr}))
	// The sweeper uses no setting of config.FromEnv, but checks them as every function does, so a
	// bad deployment fails here as well as in the others.
	if _, err := config.FromEnv(os.Getenv); err != nil {
		exit(log, err)
	}
	table, queueURL := os.Getenv("ROOMKEEPER_TABLE"), os.Getenv("ROOMKEEPER_QUEUE_URL")
	if table == "" || queueURL == "" {
		exit(log, fmt.Errorf("configuration: ROOMKEEPER_TABLE and ROOMKEEPER_QUEUE_URL must be set"))
	}
	// LoadDefaultConfig reads the environment only; credentials are fetched on the first call.
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		exit(log, fmt.Errorf("load AWS configuration: %w", err))
	}
	queue := sqs.New(awssqs.NewFromConfig(awsCfg), queueURL)
	h := &sweep.Handler{
		Sweeper: &sweep.Sweeper{Store: dynamo.New(dynamodb.NewFromConfig(awsCfg), table), Queue: queue, Now: time.Now},
		Reaper:  queue, // the worker reaps
		Log:     log,
	}
	lambda.Start(h.Handle)
}

// exit reports a configuration error and stops the process: Lambda records the init failure
// and retries on the next invocation.
func exit(log *slog.Logger, err error) {
	log.Error("cannot start", "err", err)
	os.Exit(1)
}
