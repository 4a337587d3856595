// Command sweeper is the Lambda function its EventBridge Scheduler schedule invokes every minute
// (target input {"scheduledTime": "<aws.scheduler.scheduled-time>"}): it enqueues the bookings
// whose dueAt has passed (shared/sweep over DynamoDB and SQS) and, hourly, deletes tagged Whereby
// rooms that no booking references (reconcile.Reconciler.Reap). It only wires: configuration is
// read and clients are built once per container; the Whereby API key is read from Secrets Manager
// only when the hourly reap first needs it.
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
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/secrets"
	"github.com/roomkeeper/roomkeeper/shared/sqs"
	"github.com/roomkeeper/roomkeeper/shared/sweep"
	"github.com/roomkeeper/roomkeeper/shared/whereby"
	"github.com/roomkeeper/roomkeeper/shared/worker"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr}))
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
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
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), table)
	h := &sweep.Handler{
		Sweeper: &sweep.Sweeper{Store: store, Queue: sqs.New(awssqs.NewFromConfig(awsCfg), queueURL), Now: time.Now},
		// Reap needs only the store and the providers.
		Reaper: &reconcile.Reconciler{
			Store: store,
			Providers: map[string]booking.Provider{whereby.Name: &worker.SecretProvider{
				Secrets: secrets.New(secretsmanager.NewFromConfig(awsCfg), os.Getenv),
				Name:    "WHEREBY_API_KEY",
				New:     func(key string) booking.Provider { return whereby.New(cfg.Whereby.APIURL, key, nil) },
			}},
			Now: time.Now,
		},
		Log: log,
	}
	lambda.Start(h.Handle)
}

// exit reports a configuration error and stops the process: Lambda records the init failure
// and retries on the next invocation.
func exit(log *slog.Logger, err error) {
	log.Error("cannot start", "err", err)
	os.Exit(1)
}
