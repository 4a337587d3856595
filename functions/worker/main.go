// Command worker is the Lambda function on the work queue's SQS event source (with
// ReportBatchItemFailures): it reconciles each booking a message names (shared/lambda/worker over
// shared/reconcile) with DynamoDB, SES v2 and the video providers the configuration enables —
// Whereby always, Zoom and 24sessions when their settings are given — and, on a reap message from
// the sweeper, deletes the provider rooms no booking references. The providers' dial-in numbers
// are normalised to E.164 by the dialin function, which the worker invokes synchronously
// (shared/aws/dialin) and which ROOMKEEPER_DIALIN_FUNCTION names: the phone-number metadata
// stays out of the worker's binary and cold start. It only wires: configuration is
// read and clients are built once per container; each provider's secrets (the Whereby API key;
// Zoom's client secret; 24sessions' client secret) are read from Secrets Manager on that
// provider's first call (video.New), and ROOMKEEPER_LINK_SECRET, which signs every person's link
// under ROOMKEEPER_PUBLIC_URL, on the first invitation (shared/link.Linker), so a cold start makes
// no Secrets Manager call. With ROOMKEEPER_NOTIFY_URL it sends the outbound webhook's events
// (shared/notify), signed with ROOMKEEPER_NOTIFY_SECRET, read on the first event. With the Slack
// app configured (SLACK_*, docs/slack.md) it also posts the knock alert to a room's organizer and
// runs the jobs the app's requests queued (shared/chat/roomsapp), with SLACK_BOT_TOKEN read on
// the first call.
package main

import (
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/aws/dialin"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/aws/secrets"
	"github.com/roomkeeper/roomkeeper/shared/aws/ses"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/chat"
	"github.com/roomkeeper/roomkeeper/shared/chat/roomsapp"
	"github.com/roomkeeper/roomkeeper/shared/invite/render"
	"github.com/roomkeeper/roomkeeper/shared/lambda/worker"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/notify"
	"github.com/roomkeeper/roomkeeper/shared/video"
	"github.com/roomkeeper/roomkeeper/shared/wire"
)

func main() {
	env := start.Load("ROOMKEEPER_TABLE", "ROOMKEEPER_DIALIN_FUNCTION")
	cfg := env.Config
	sec := secrets.New(secretsmanager.NewFromConfig(env.AWS), os.Getenv)
	numbers := dialin.New(awslambda.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_DIALIN_FUNCTION"))
	videos, err := video.New(cfg, sec, time.Now, numbers.Normalize)
	if err != nil {
		env.Exit(err)
	}
	if cfg.PublicURL == "" {
		env.Exit(errors.New("ROOMKEEPER_PUBLIC_URL is not set: every link roomkeeper mails is made under it"))
	}
	var notifier booking.Notifier // none without ROOMKEEPER_NOTIFY_URL
	if cfg.NotifyURL != "" {
		notifier = &notify.Notifier{URL: cfg.NotifyURL, Secrets: sec, Now: time.Now}
	}
	metrics := emf.New(env.Log)
	store := dynamo.New(dynamodb.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_TABLE"))
	parts := wire.Parts{Store: store, Videos: videos, Links: &link.Linker{PublicURL: cfg.PublicURL, Secrets: sec}, Now: time.Now}
	reconciler := wire.Reconciler(cfg, parts)
	reconciler.Mailer, reconciler.Renderer = ses.New(sesv2.NewFromConfig(env.AWS), os.Getenv("ROOMKEEPER_SES_CONFIGURATION_SET")), render.Renderer{}
	reconciler.Notifier, reconciler.Metrics = notifier, metrics
	h := &worker.Handler{Reconciler: reconciler, Metrics: metrics, Log: env.Log}
	if cfg.Slack.Enabled() {
		// The Slack app: the knock alert beside the knock e-mail, and the jobs its requests
		// queued (shared/chat/roomsapp), run with the worker's own reconciler.
		sl := &chat.Slack{Secrets: sec, APIURL: cfg.Slack.APIURL}
		h.Reconciler.Alerter = sl
		ops := wire.Operator(cfg, parts, reconciler)
		app := &roomsapp.App{
			Operator: ops, Access: &access.Access{Store: store, Secrets: sec, Now: time.Now}, Slack: sl, Secrets: sec,
			TeamID: cfg.Slack.TeamID, AdminUsergroup: cfg.Slack.AdminUsergroup, AdminUsers: cfg.Slack.AdminUsers,
			PublicURL: cfg.PublicURL, Log: env.Log,
		}
		h.Slack = app.RunJSON
	}
	lambda.Start(emf.PerInvocation(metrics, h.Handle))
}
