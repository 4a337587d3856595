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
// (video.New); this reconciler sends no mail, and what it leaves (a slow provider, a notice to
// send, a room with dial-in, whose numbers only the worker normalises: this function does not
// link the phone-number library) goes to the worker through the work queue. It only wires:
// configuration is read and clients are built once per container; an admin token or link secret
// with no value turns its routes off (404). The answers' links are made under
// ROOMKEEPER_PUBLIC_URL, which must be set.
//
// With the Slack app configured (SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN by their ARNs, and
// SLACK_TEAM_ID; docs/slack.md) it serves POST /v1/slack/{commands,interactions,events} too:
// they need the same operator rules, table and queue, and a function of their own would add its
// own cold starts for requests Slack wants answered in three seconds. Linking Slack's client costs
// this binary about 2.2 MB (linux/arm64, stripped) and its packages' init about 0.2 ms (median of
// 8 runs of GODEBUG=inittrace=1, 0.18–3.5 ms, on a shared 2-core machine); a function of its own
// was not measured.
package main

import (
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/functions/internal/httpfn"
	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/chat"
	"github.com/roomkeeper/roomkeeper/shared/chat/roomsapp"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/admin"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/console"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/join"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/slackapp"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/video"
)

func main() {
	env := start.Load("ROOMKEEPER_TABLE", "ROOMKEEPER_QUEUE_URL")
	sec := httpfn.Secrets(env)
	store := dynamo.New(dynamodb.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_TABLE"))
	videos, err := video.New(env.Config, sec, time.Now, nil) // no phone numbers: dial-in rooms are the worker's
	if err != nil {
		env.Exit(err)
	}
	cfg := env.Config
	// The admin API makes, moves and deletes hand-made rooms at once with the worker's steps; it
	// sends no mail (a step that would leaves the room due for the worker).
	if cfg.PublicURL == "" {
		env.Exit(errors.New("ROOMKEEPER_PUBLIC_URL is not set: every link roomkeeper shows is made under it"))
	}
	links := &link.Linker{PublicURL: cfg.PublicURL, Secrets: sec}
	reconciler := &reconcile.Reconciler{
		Store:        store,
		LeaveDialIn:  true, // its providers have no phone-number library (video.New above)
		Links:        links,
		Providers:    videos.ByName(),
		Deployment:   cfg.Deployment,
		Insights:     videos.Insights(),
		Zone:         cfg.Zone(),
		Now:          time.Now,
		MailFrom:     cfg.MailFrom,
		Locale:       cfg.Locale,
		CleanupGrace: cfg.CleanupGrace,
		MaxOverrun:   cfg.MaxOverrun,
		RoomSlack:    cfg.RoomSlack,
		Reminders:    cfg.Reminders,
		Metrics:      emf.New(env.Log), // hand-made rooms: rooms made, the providers' errors and waits
	}
	queue := sqs.New(awssqs.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_QUEUE_URL"))
	// The operator's rules and who may use them: the admin API's, and the console's.
	ops := &operator.Operator{
		Store:           store,
		Reconciler:      reconciler,
		Queue:           queue,
		Insights:        videos.Insights(),
		Now:             time.Now,
		DefaultProvider: cfg.Provider,
		Providers:       cfg.Providers(),
		Retention:       cfg.Retention,
		Zone:            cfg.Zone(),
		Links:           links,
	}
	acc := &access.Access{Store: store, Secrets: sec, Now: time.Now}
	handlers := []httpfn.Handler{
		&admin.API{Operator: ops, Access: acc, Log: env.Log},
		&console.Console{Operator: ops, Access: acc, Log: env.Log},
		&join.Links{Store: store, Secrets: sec, Linkers: videos.HostLinkers(), Locale: cfg.Locale, Log: env.Log},
		&httpapi.HostLinks{Store: store, Secrets: sec, Linkers: videos.HostLinkers(), Log: env.Log},
	}
	if cfg.Slack.Enabled() {
		// The Slack app's routes: what must happen within Slack's three seconds (the answer, a
		// dialog) happens here; the rest goes to the worker as a job on the work queue.
		handlers = append(handlers, &slackapp.App{
			App: &roomsapp.App{
				Operator: ops, Access: acc, Slack: &chat.Slack{Secrets: sec, APIURL: cfg.Slack.APIURL}, Secrets: sec,
				TeamID: cfg.Slack.TeamID, AdminUsergroup: cfg.Slack.AdminUsergroup, AdminUsers: cfg.Slack.AdminUsers,
				PublicURL: cfg.PublicURL, Log: env.Log,
			},
			Store: store, Jobs: queue, Now: time.Now,
		})
	}
	httpfn.Serve(handlers...)
}
