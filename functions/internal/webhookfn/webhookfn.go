// Package webhookfn is the wiring the bookings and hooks functions share: both serve
// shared/httpapi's webhook handlers through the API Gateway adapter over DynamoDB and SQS, with
// their secrets from Secrets Manager, read on first use. Which routes reach a function is API
// Gateway's choice, and which secrets it may read is its environment's: a route whose secret is
// absent answers 404. Configuration is read and clients are built once per container.
package webhookfn

import (
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/secrets"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/lambda/apigw"
)

// Run wires the webhook handlers to DynamoDB, SQS and Secrets Manager and serves Lambda
// invocations; it returns only if the process stops.
func Run() {
	env := start.Load("ROOMKEEPER_TABLE", "ROOMKEEPER_QUEUE_URL")
	cfg := env.Config
	api := &httpapi.Server{
		Intake: &intake.Intake{
			Store:     dynamo.New(dynamodb.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_TABLE")),
			Queue:     sqs.New(awssqs.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_QUEUE_URL")),
			Now:       time.Now,
			Retention: cfg.Retention,
		},
		Secrets:         secrets.New(secretsmanager.NewFromConfig(env.AWS), os.Getenv),
		Now:             time.Now,
		Tolerance:       cfg.WebhookTolerance,
		DefaultProvider: cfg.Provider,
		Providers:       cfg.Providers(), // a booking asking for another is a 400 naming data.room.provider
		Log:             env.Log,
	}
	mux := http.NewServeMux()
	api.Register(mux)
	lambda.Start(apigw.Handler{HTTP: mux}.Handle)
}
