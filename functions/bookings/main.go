// Command bookings is the Lambda function behind API Gateway's POST /v1/bookings/{source}: the
// booking sources' webhooks (shared/httpapi/webhook.Bookings), served through the API Gateway HTTP
// API adapter over DynamoDB and SQS. It only wires: configuration is read and clients are built
// once per container, and each source's webhook secret is read from Secrets Manager on first use. A
// source whose secret has no value answers 404.
package main

import (
	"time"

	"github.com/roomkeeper/roomkeeper/functions/internal/httpfn"
	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/functions/internal/webhookfn"
	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/webhook"
)

func main() {
	env := start.Load("ROOMKEEPER_TABLE", "ROOMKEEPER_QUEUE_URL")
	httpfn.Serve(env, &webhook.Bookings{
		Intake:          webhookfn.Intake(env),
		Secrets:         httpfn.Secrets(env),
		Now:             time.Now,
		Tolerance:       env.Config.WebhookTolerance,
		DefaultProvider: env.Config.Provider,
		Providers:       env.Config.Providers(), // a booking asking for another is a 400 naming data.room.provider
		Metrics:         emf.New(env.Log),
		Log:             env.Log,
	})
}
