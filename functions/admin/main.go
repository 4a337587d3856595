// Command admin is the Lambda function behind API Gateway's read-only GET routes: the admin API
// (shared/httpapi.Admin) — GET /v1/rooms, /v1/rooms/{roomId}/sessions,
// /v1/rooms/{roomId}/sessions/{sessionId}/participants and /v1/bookings/{id}, behind the bearer
// token ROOMKEEPER_ADMIN_TOKEN — and the organizer's host link, GET /v1/host/{token}, which checks
// the token's MAC with ROOMKEEPER_HOST_SECRET and redirects to a fresh Zoom start_url
// (shared/httpapi.HostLinks). They are the local server's handlers behind the API Gateway HTTP
// API adapter (shared/lambda/apigw), reading bookings from DynamoDB (GetItem, and a Query of the due index for GET /v1/rooms).
//
// The host link is served here rather than by a sixth function: both are GETs that read bookings
// on behalf of a person, never write, and call a provider at most once (Whereby's insights, Zoom's
// start_url), so they need the same table permissions and the same timeout; the host route adds
// only the host secret and Zoom's client secret. A function of its own would bring its own role,
// log group and cold starts for a route clicked a few times per meeting, for no permission the
// admin routes do not already imply (both read every booking). The admin token does not guard it:
// the organizer's link is its own credential, an HMAC that only ROOMKEEPER_HOST_SECRET can make.
//
// It only wires: configuration is read and clients are built once per container; the admin
// token, the host secret and the providers' secrets (WHEREBY_API_KEY for the sessions' recorded
// and streamed minutes; ZOOM_CLIENT_SECRET, when Zoom is configured, for start_url) are read from
// Secrets Manager on first use (video.New). An admin token or host secret with no
// value turns its routes off (404); without a Whereby key the sessions come without Whereby's
// figures.
package main

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/roomkeeper/roomkeeper/functions/internal/httpfn"
	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/admin"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/video"
)

func main() {
	env := start.Load("ROOMKEEPER_TABLE")
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
	}
	httpfn.Serve(
		&admin.API{Operator: &operator.Operator{
			Store:           store,
			Reconciler:      reconciler,
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
