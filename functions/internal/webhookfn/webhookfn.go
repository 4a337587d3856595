// Package webhookfn is the wiring the bookings and hooks functions share: both serve
// shared/httpapi's webhook handlers through the API Gateway adapter over DynamoDB and SQS, with
// their secrets from Secrets Manager, read on first use. Which routes reach a function is API
// Gateway's choice, and which secrets it may read is its environment's: a route whose secret is
// absent answers 404. Configuration is read and clients are built once per container.
package webhookfn

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/shared/apigw"
	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/secrets"
	"github.com/roomkeeper/roomkeeper/shared/sqs"
)

// Run wires the webhook handlers to DynamoDB, SQS and Secrets Manager and serves Lambda
// invocations; it returns only if the process stops.
func Run() {
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
	api := &httpapi.Server{
		Intake: &intake.Intake{
			Store:     store,
			Queue:     sqs.New(awssqs.NewFromConfig(awsCfg), queueURL),
			Now:       time.Now,
			Retention: cfg.Retention,
		},
		Secrets:         secrets.New(secretsmanager.NewFromConfig(awsCfg), os.Getenv),
		Now:             time.Now,
		Tolerance:       cfg.WebhookTolerance,
		DefaultProvider: cfg.Provider,
		Providers:       cfg.Providers(), // a booking asking for another is a 400 naming data.room.provider
		Log:             log,
	}
	mux := http.NewServeMux()
	api.Register(mux)
	lambda.Start(apigw.Handler{HTTP: mux}.Handle)
}

// exit reports a configuration error and stops the process: Lambda records the init failure
// and retries on the next invocation.
func exit(log *slog.Logger, err error) {
	log.Error("cannot start", "err", err)
	os.Exit(1)
}
