// Command worker is the Lambda function on the work queue's SQS event source (with
// ReportBatchItemFailures): it reconciles each booking a message names (shared/worker over
// shared/reconcile) with DynamoDB, SES v2 and Whereby. It only wires: configuration is read and
// clients are built once per container; the Whereby API key is read from Secrets Manager on the
// first provider call (worker.SecretProvider), so a cold start makes no Secrets Manager call and a
// run that only sends mail never reads it.
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
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/secrets"
	"github.com/roomkeeper/roomkeeper/shared/ses"
	"github.com/roomkeeper/roomkeeper/shared/whereby"
	"github.com/roomkeeper/roomkeeper/shared/worker"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr}))
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		exit(log, err)
	}
	table := os.Getenv("ROOMKEEPER_TABLE")
	if table == "" {
		exit(log, fmt.Errorf("configuration: ROOMKEEPER_TABLE must be set"))
	}
	// LoadDefaultConfig reads the environment only; credentials are fetched on the first call.
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		exit(log, fmt.Errorf("load AWS configuration: %w", err))
	}
	h := &worker.Handler{
		Reconciler: &reconcile.Reconciler{
			Store:  dynamo.New(dynamodb.NewFromConfig(awsCfg), table),
			Mailer: ses.New(sesv2.NewFromConfig(awsCfg), os.Getenv("ROOMKEEPER_SES_CONFIGURATION_SET")),
			Providers: map[string]booking.Provider{whereby.Name: &worker.SecretProvider{
				Secrets: secrets.New(secretsmanager.NewFromConfig(awsCfg), os.Getenv),
				Name:    "WHEREBY_API_KEY",
				New:     func(key string) booking.Provider { return whereby.New(cfg.Whereby.APIURL, key, nil) },
			}},
			Now:          time.Now,
			MailFrom:     cfg.MailFrom,
			CleanupGrace: cfg.CleanupGrace,
			MaxOverrun:   cfg.MaxOverrun,
			RoomSlack:    cfg.RoomSlack,
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
