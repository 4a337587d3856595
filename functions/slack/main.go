// Command slack is the Lambda function behind the Slack app's routes, POST /v1/slack/commands,
// /v1/slack/interactions and /v1/slack/events (shared/httpapi/slackapp over shared/chat/roomsapp;
// docs/slack.md). Every request is verified with SLACK_SIGNING_SECRET over its raw bytes before
// anything is parsed and answered within Slack's three seconds: the answer (the active rooms of
// /rooms list, with their guest links made with ROOMKEEPER_LINK_SECRET under
// ROOMKEEPER_PUBLIC_URL) or a dialog (views.open, with SLACK_BOT_TOKEN). The rest — making and
// deleting rooms, sessions, participants, the Home tab, unfurls — goes to the worker as a job on
// the work queue, which runs it with its own reconciler and records it in the operator audit.
// The secrets are read from Secrets Manager by their ARNs on first use; SLACK_TEAM_ID must be set
// with them. Without the Slack app configured, its routes answer 404.
//
// Its operator's rules (shared/operator) are the admin function's, built the same way
// (functions/internal/operatorfn), but here they only check a new room's settings and list the
// active rooms: this function calls no provider, so it reads only the table and its list index,
// the two Slack secrets and the link secret, and sends to the work queue. It is a function of its
// own, not part of the admin function, so that only it and the worker link Slack's client: the
// admin function, behind the console's clicks and people's links, keeps its size and cold start
// (docs/benchmarks.md). It only wires: configuration is read and clients are built once per
// container.
package main

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/functions/internal/httpfn"
	"github.com/roomkeeper/roomkeeper/functions/internal/operatorfn"
	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/chat"
	"github.com/roomkeeper/roomkeeper/shared/chat/roomsapp"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/slackapp"
)

func main() {
	env := start.Load("ROOMKEEPER_TABLE", "ROOMKEEPER_QUEUE_URL")
	cfg := env.Config
	if !cfg.Slack.Enabled() {
		httpfn.Serve(env) // no routes: every request answers 404
		return
	}
	sec := httpfn.Secrets(env)
	store := dynamo.New(dynamodb.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_TABLE"))
	queue := sqs.New(awssqs.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_QUEUE_URL"))
	// The admin function's rules (a new room's settings are checked as the console checks them);
	// here they only check and list: what makes, moves or deletes a room is the worker's job.
	ops, _ := operatorfn.New(env, sec, store, queue)
	httpfn.Serve(env, &slackapp.App{
		App: &roomsapp.App{
			Operator: ops, Slack: &chat.Slack{Secrets: sec, APIURL: cfg.Slack.APIURL}, Secrets: sec,
			TeamID: cfg.Slack.TeamID, AdminUsergroup: cfg.Slack.AdminUsergroup, AdminUsers: cfg.Slack.AdminUsers,
			PublicURL: cfg.PublicURL, Log: env.Log,
		},
		Store: store, Jobs: queue, Now: time.Now,
	})
}
