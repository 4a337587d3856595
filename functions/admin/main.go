// Command admin is the Lambda function behind API Gateway's admin routes — every method of
// /v1/rooms, /v1/rooms/{proxy+}, /v1/bookings, /v1/bookings/{id}, /v1/usage,
// /v1/people/{proxy+}, /v1/operators, /v1/operators/{proxy+} and /v1/audit, behind bearer tokens
// (shared/httpapi/admin over shared/operator and shared/access: the admin token
// ROOMKEEPER_ADMIN_TOKEN or an operator's, checked against its hash in the table) — of the
// console's paths, /console and /console/{proxy+}, of every person's link, GET /j/{token}, which
// checks the token's MAC with ROOMKEEPER_LINK_SECRET and redirects to the booking's room as it is
// then, or to a fresh Zoom start_url for the organizer (shared/httpapi/join), and of the
// organizer's host links of the older kind, GET /v1/host/{token}, which are no longer made but
// still verified with ROOMKEEPER_HOST_SECRET (shared/httpapi.HostLinks). They are the local
// server's handlers behind the API Gateway HTTP API adapter (shared/lambda/apigw), over DynamoDB.
//
// Operators, console sessions, the audit list and the limiter's failure counts live in the same
// table (shared/aws/dynamo), so every container sees the same: a token removed or a client slowed
// in one is so in all. No key signs the console's cookie: it holds a random session ID whose
// SHA-256 the table keeps, so there is nothing to sign and no further secret to keep.
//
// The links are served here rather than by a function of their own: they are requests of a
// person that read one booking and call a provider at most once, so they need the same table
// permissions and the same timeout; they add only the link and host secrets and Zoom's client
// secret. A function of its own would bring its own role, log group and cold starts for a route
// clicked a few times per meeting (not measured: the admin function's cold start is the same
// binary's). The admin token does not guard them: a link is its own credential, an HMAC that only
// ROOMKEEPER_LINK_SECRET (or, for the older host links, ROOMKEEPER_HOST_SECRET) can make.
//
// A room made by hand is made at once with the worker's own steps (reconcile.Reconciler), for up
// to a few seconds, with the providers' secrets read from Secrets Manager on first use
// (video.New); this reconciler sends no mail (it has no Mailer and no Renderer: this function
// does not link the e-mail renderer, shared/invite/render), and what it leaves (a slow provider,
// a notice to send, a room with dial-in, whose numbers only the worker normalises: this function
// does not link the phone-number library) goes to the worker through the work queue. It only wires:
// configuration is read and clients are built once per container; an admin token or link secret
// with no value turns its routes off (404). The answers' links are made under
// ROOMKEEPER_PUBLIC_URL, which must be set.
//
// The Slack app's routes, POST /v1/slack/{commands,interactions,events}, are the slack
// function's (functions/slack): this one does not link Slack's client, which would cost it about
// 2 MB and its packages' init on every cold start of the console's clicks and people's links
// (docs/benchmarks.md). Both build the operator's rules the same way (functions/internal/operatorfn).
package main

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/functions/internal/httpfn"
	"github.com/roomkeeper/roomkeeper/functions/internal/operatorfn"
	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/admin"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/console"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/join"
)

func main() {
	env := start.Load("ROOMKEEPER_TABLE", "ROOMKEEPER_QUEUE_URL")
	sec := httpfn.Secrets(env)
	store := dynamo.New(dynamodb.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_TABLE"))
	queue := sqs.New(awssqs.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_QUEUE_URL"))
	// The operator's rules and who may use them: the admin API's, and the console's.
	ops, videos := operatorfn.New(env, sec, store, queue)
	acc := &access.Access{Store: store, Secrets: sec, Now: time.Now}
	httpfn.Serve(env,
		&admin.API{Operator: ops, Access: acc, Log: env.Log},
		&console.Console{Operator: ops, Access: acc, Log: env.Log},
		&join.Links{Store: store, Secrets: sec, Linkers: videos.HostLinkers(), Locale: env.Config.Locale, Log: env.Log},
		&httpapi.HostLinks{Store: store, Secrets: sec, Linkers: videos.HostLinkers(), Log: env.Log},
	)
}
