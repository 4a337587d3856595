// Command bookings is the Lambda function behind API Gateway's POST /v1/bookings/{source}: the
// booking webhooks (DESIGN.md, "HTTP surface"), served by the same net/http handlers as the local
// server (shared/httpapi) through the API Gateway HTTP API adapter (shared/apigw), over DynamoDB
// and SQS. It only wires: configuration is read and clients are built once per container, and
// each source's webhook secret is read from Secrets Manager on first use. A source whose secret has
// no value answers 404.
package main

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
