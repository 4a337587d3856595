// Command hooks is the Lambda function behind API Gateway's POST /v1/hooks/{provider}: the video
// providers' webhooks, whereby and zoom (shared/httpapi/webhook.Hooks), served through the API
// Gateway HTTP API adapter. A delivery is verified over its raw body with WHEREBY_WEBHOOK_SECRET or
// ZOOM_WEBHOOK_SECRET, de-duplicated on its delivery id and recorded on the booking whose room it
// concerns in DynamoDB; a booking the events make due (a session that ended after the meeting) is
// nudged through SQS. It never calls a provider or sends mail, so it answers well within Whereby's
// 5 s and Zoom's 3 s (Zoom's endpoint.url_validation challenge is answered here too).
//
// It only wires: configuration is read and clients are built once per container, and each webhook
// secret is read from Secrets Manager on first use (and again after a signature fails, so a rotated
// secret is picked up). A provider whose secret has no value answers 404.
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
	httpfn.Serve(env, &webhook.Hooks{
		Intake:    webhookfn.Intake(env),
		Secrets:   httpfn.Secrets(env),
		Now:       time.Now,
		Tolerance: env.Config.WebhookTolerance,
		Metrics:   emf.New(env.Log),
		Log:       env.Log,
	})
}
