// Command admin is the Lambda function behind API Gateway's admin routes — every method of
// /v1/rooms, /v1/rooms/{proxy+}, /v1/bookings, /v1/bookings/{id}, /v1/usage and
// /v1/people/{proxy+}, behind the bearer token ROOMKEEPER_ADMIN_TOKEN (shared/httpapi/admin over
// shared/operator) — and of the organizer's host link, GET /v1/host/{token}, which checks the
// token's MAC with ROOMKEEPER_HOST_SECRET and redirects to a fresh Zoom start_url
// (shared/httpapi.HostLinks). They are the local server's handlers behind the API Gateway HTTP
// API adapter (shared/lambda/apigw), over DynamoDB.
//
// The host link is served here rather than by a function of its own: both are requests of a
// person that read bookings and call a provider at most once or twice, so they need the same
// table permissions and the same timeout; the host route adds only the host secret and Zoom's
// client secret. A function of its own would bring its own role, log group and cold starts for a
// route clicked a few times per meeting. The admin token does not guard it: the organizer's link
// is its own credential, an HMAC that only ROOMKEEPER_HOST_SECRET can make.
//
// A room made by hand is made at once with the worker's own steps (reconcile.Reconciler), for up
// to a few seconds, with the providers' secrets read from Secrets Manager on first use
// (video.New); this reconciler sends no mail, and what it leaves (a slow provider, a notice to
// send) goes to the worker through the work queue. It only wires: configuration is read and
// clients are built once per container; an admin token or host secret with no value turns its
// routes off (404).
package main

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/functions/internal/httpfn"
	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/admin"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/video"
)

func main() {
	env := start.Load("ROOMKEEPER_TABLE", "ROOMKEEPER_QUEUE_URL")
	sec := httpfn.Secrets(env)
	store := dynamo.New(dynamodb.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_TABLE"))
	videos, err := video.New(env.Config, sec, time.Now)
	if err != nil {
		env.Exit(err)
	}
	cfg := env.Config
	// The admin API makes, moves and deletes hand-made rooms at once with the worker's steps; it
	// sends no mail (a step that would leaves the room due for the worker).
	reconciler := &reconcile.Reconciler{
		Store:        store,
		Providers:    videos.ByName(),
		Deployment:   cfg.Deployment,
		Insights:     videos.Insights(),
		Zone:         cfg.Zone(),
		Now:          time.Now,
		MailFrom:     cfg.MailFrom,
		CleanupGrace: cfg.CleanupGrace,
		MaxOverrun:   cfg.MaxOverrun,
		RoomSlack:    cfg.RoomSlack,
		Metrics:      emf.New(env.Log), // hand-made rooms: rooms made, the providers' errors and waits
	}
	httpfn.Serve(
		&admin.API{Operator: &operator.Operator{
			Store:           store,
			Reconciler:      reconciler,
			Queue:           sqs.New(awssqs.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_QUEUE_URL")),
			Insights:        videos.Insights(),
			Now:             time.Now,
			DefaultProvider: cfg.Provider,
			Providers:       cfg.Providers(),
			Retention:       cfg.Retention,
			Zone:            cfg.Zone(),
		}, Secrets: sec, Log: env.Log},
		&httpapi.HostLinks{Store: store, Secrets: sec, Linkers: videos.HostLinkers(), Log: env.Log},
	)
}
