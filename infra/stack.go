package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Names the functions rely on: the table's indexes and their attributes (those of
// shared/aws/dynamo), and the secrets, whose ARNs reach each function as <NAME>_SECRET_ARN.
const (
	tableDueIndex          = "due"
	tableListIndex         = "list"
	genericSecret          = "ROOMKEEPER_GENERIC_SECRET"
	wherebyAPIKey          = "WHEREBY_API_KEY"
	wherebyWebhookSecret   = "WHEREBY_WEBHOOK_SECRET"
	adminToken             = "ROOMKEEPER_ADMIN_TOKEN"
	hostSecret             = "ROOMKEEPER_HOST_SECRET"
	linkSecret             = "ROOMKEEPER_LINK_SECRET"
	notifySecret           = "ROOMKEEPER_NOTIFY_SECRET"
	zoomClientSecret       = "ZOOM_CLIENT_SECRET"
	zoomWebhookSecret      = "ZOOM_WEBHOOK_SECRET"
	twentyFourClientSecret = "TWENTYFOUR_CLIENT_SECRET"
	calcomSecret           = "CALCOM_WEBHOOK_SECRET"
	calendlySecret         = "CALENDLY_WEBHOOK_SIGNING_KEY"
	cronofySecret          = "CRONOFY_CLIENT_SECRETS"
	slackSigningSecret     = "SLACK_SIGNING_SECRET"
	slackBotToken          = "SLACK_BOT_TOKEN"
)

// slackRoutes are the Slack app's request URLs (docs/slack.md), served by the slack function.
var slackRoutes = []string{"/v1/slack/commands", "/v1/slack/interactions", "/v1/slack/events"}

// bookingSources are the booking webhook sources beside the generic one, each with the secret
// it signs with: POST /v1/bookings/<name>. A source whose secret is left empty answers 404.
var bookingSources = []struct{ name, id, title, secret, description string }{
	{"calcom", "Calcom", "Cal.com", calcomSecret,
		"Cal.com webhook secret (X-Cal-Signature-256). Set by the operator; empty disables the source."},
	{"calendly", "Calendly", "Calendly", calendlySecret,
		"Calendly webhook signing key (Calendly-Webhook-Signature). Set by the operator; empty disables the source."},
	{"cronofy", "Cronofy", "Cronofy", cronofySecret,
		"Cronofy client secrets, comma-separated (Cronofy-HMAC-SHA256). Set by the operator; empty disables the source."},
}

// secretSpec is one Secrets Manager secret of the stack and the functions that read it: only
// those get its ARN in their environment and a grant to read it.
type secretSpec struct {
	name        string // NAME, read through NAME_SECRET_ARN
	id          string // construct id; the output is <id>Arn, "Secret" added when id lacks it
	description string
	ours        bool     // roomkeeper's own value, not a credential a third party issued
	readers     []string // function names
}

// secretSpecs are the secrets p needs: those of the booking sources, Whereby, the admin API and
// the links always; Zoom's and the older host links' secret when Zoom is enabled; 24sessions'
// when it is; the outbound webhook's when it has a receiver.
func secretSpecs(p RoomkeeperStackProps) []secretSpec {
	specs := []secretSpec{
		{genericSecret, "GenericSecret",
			"whsec_... signing secret of the generic booking webhook (Standard Webhooks). Set by the operator.", false, []string{"bookings"}},
	}
	for _, src := range bookingSources {
		specs = append(specs, secretSpec{src.secret, src.id + "Secret", src.description, false, []string{"bookings"}})
	}
	specs = append(specs,
		secretSpec{wherebyAPIKey, "WherebyApiKey",
			"Whereby Embedded API key: rooms (worker; admin, for rooms made by hand) and session insights. Set by the operator.", false, []string{"worker", "admin"}},
		secretSpec{wherebyWebhookSecret, "WherebyWebhookSecret",
			"Secret of the Whereby webhook (Whereby-Signature). Set by the operator; empty turns POST /v1/hooks/whereby off.", false, []string{"hooks"}},
		secretSpec{adminToken, "AdminToken",
			"Bearer token of the admin API. Set by the operator; empty turns the admin API off.", true, []string{"admin"}},
		secretSpec{linkSecret, "LinkSecret",
			"Signs every person's link GET /j/{token}, made by the worker (invitations) and the admin and slack functions (rooms' links), " +
				"checked by the admin function (\"new,old\" while rotating). Set by the operator: at least 32 random bytes.", true, []string{"worker", "admin", slackFunction}},
	)
	if p.Zoom.Enabled() {
		specs = append(specs,
			secretSpec{zoomClientSecret, "ZoomClientSecret",
				"Client secret of the Zoom Server-to-Server OAuth app. Set by the operator.", false, []string{"worker", "admin"}},
			secretSpec{zoomWebhookSecret, "ZoomWebhookSecret",
				"Secret token of the Zoom app (x-zm-signature). Set by the operator; empty turns POST /v1/hooks/zoom off.", false, []string{"hooks"}},
			secretSpec{hostSecret, "HostSecret",
				"Verifies the organizer's host links of the older kind, GET /v1/host/{token}, already mailed; no new ones are made. " +
					"Set by the operator; keep it until the records of the bookings they were sent for have expired.", true, []string{"admin"}},
		)
	}
	if p.TwentyFour.Enabled() {
		specs = append(specs, secretSpec{twentyFourClientSecret, "TwentyFourClientSecret",
			"Client secret of the 24sessions API client. Set by the operator.", false, []string{"worker", "admin"}})
	}
	if p.Slack.Enabled() {
		specs = append(specs,
			secretSpec{slackSigningSecret, "SlackSigningSecret",
				"Signing secret of the Slack app (X-Slack-Signature), from its Basic Information page. Set by the operator.", false, []string{slackFunction}},
			secretSpec{slackBotToken, "SlackBotToken",
				"Bot token (xoxb-...) of the Slack app, from its OAuth & Permissions page. Set by the operator.", false, []string{slackFunction, "worker"}},
		)
	}
	if p.NotifyURL != "" {
		specs = append(specs, secretSpec{notifySecret, "NotifySecret",
			"whsec_... secret signing the outbound webhook's events (Standard Webhooks; at least 24 random bytes). Set by the operator.", true, []string{"worker"}})
	}
	return specs
}

// Function and queue settings.
const (
	workerTimeout    = 60 * time.Second
	bookingsTimeout  = 10 * time.Second
	hooksTimeout     = 10 * time.Second // Zoom waits 3 s, Whereby 5 s: the function answers in milliseconds
	adminTimeout     = 15 * time.Second // a provider call (host link 10 s, insights 5 s) plus the reads
	slackTimeout     = 10 * time.Second // Slack waits 3 s: the function answers after a few reads and a Slack call
	sweeperTimeout   = 60 * time.Second // a sweep reads due bookings for at most 40 s (functions/sweeper), then the backfill's pages
	dialinTimeout    = 5 * time.Second  // one number: milliseconds; the worker waits 10 s for it, its retries included
	maxReceiveCount  = 5
	workerBatchSize  = 10
	workerConcurrent = 2 // the ESM minimum; bounds provider calls so a burst stays under Whereby's rate limit
	// functionMemoryMB is every function's memory, Lambda's smallest: their peak is a few tens
	// of MB (docs/benchmarks.md, "Memory"). BenchmarkBookingLifecycle prices Lambda time at it.
	functionMemoryMB = 128
	// sweepInterval is how often the schedule invokes the sweeper (EventBridge Scheduler's shortest
	// rate). The sweeper is told it (ROOMKEEPER_SWEEP_INTERVAL) and enqueues what falls due before
	// its next run, each nudge delayed until its booking's dueAt.
	sweepInterval = time.Minute
)

// The functions' logs (Lambda's advanced logging controls, "Configuring advanced logging
// controls for Lambda functions" in the Lambda Developer Guide): JSON, so Lambda reads each
// line's level, which log-level filtering needs.
//
// systemLogLevel is the level of Lambda's own lines. At WARN, Lambda writes none of its INFO
// lines, the start and the report of every invocation (START, END and REPORT in the text
// format), which were as many bytes as a booking's own lines; CloudWatch's AWS/Lambda metrics
// keep the invocations, errors, throttles, duration and concurrency, but the per-invocation
// billed duration, Max Memory Used and Init Duration are only in the report: docs/deploy.md says
// how to have them back for a while. BenchmarkBookingLifecycle counts the platform lines by it.
//
// applicationLogLevel is the level of the functions' own lines (AWS_LAMBDA_LOG_LEVEL, which
// functions/internal/start follows): INFO, which leaves routine runs' lines (DEBUG) out. Never
// WARN or above: the metrics lines are INFO, and Lambda would drop them with the alarms' figures.
const (
	systemLogLevel      = awslambda.SystemLogLevel_WARN
	applicationLogLevel = awslambda.ApplicationLogLevel_INFO
)

// rateExpression is EventBridge Scheduler's rate expression for d, a whole number of minutes.
func rateExpression(d time.Duration) string {
	n := int(d / time.Minute)
	if n == 1 {
		return "rate(1 minute)"
	}
	return fmt.Sprintf("rate(%d minutes)", n)
}

// The admin function's routes: the admin API (bearer token), the console (a session cookie) and
// the organizer's host link.
// adminRoutes are the admin API's paths. Every method of them reaches the admin function, which
// answers a method a path does not take with its JSON 405 (naming the methods it does take);
// POST /v1/bookings/{source}, the booking webhooks, is more specific and reaches bookings.
var adminRoutes = []string{"/v1/rooms", "/v1/rooms/{proxy+}", "/v1/bookings", "/v1/bookings/{id}",
	"/v1/usage", "/v1/people/{proxy+}", "/v1/operators", "/v1/operators/{proxy+}", "/v1/audit"}

// consoleRoutes are the console's pages, its form posts and its embedded assets: every method
// reaches the admin function, which serves them with the same operators, sessions and rules.
var consoleRoutes = []string{"/console", "/console/{proxy+}"}

// joinRoute is every person's link; hostRoute the organizer's host link of the older kind,
// still verified.
const (
	joinRoute = "/j/{token}"
	hostRoute = "/v1/host/{token}"
)

// NewRoomkeeperStack defines roomkeeper on AWS: the HTTP API, the bookings, hooks, worker,
// sweeper, admin and dialin functions (and the slack function with the Slack app), the table, the work
// queue, the sweep schedule, the secrets, the path of SES's bounce and complaint events to the
// worker, and the alarms. Each function gets exactly the permissions it uses, through grants,
// and the ARNs of exactly the secrets it reads. It panics (as CDK constructs do) when props fail Validate;
// main.go validates first to report errors.
func NewRoomkeeperStack(scope constructs.Construct, id string, props *RoomkeeperStackProps) awscdk.Stack {
	p := props.withDefaults()
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("roomkeeper stack: invalid props: %v", err))
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)

	table := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String("expiresAt"),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(tableDueIndex),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String("dueShard"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String("dueAt"), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
	})
	// The lists of bookings by start, the usage figures and the people index share one index:
	// CloudFormation adds at most one global secondary index to a table per stack update.
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(tableListIndex),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String("listPart"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String("listSort"), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
	})

	workDLQ := newQueue(stack, "WorkDeadLetterQueue", &awssqs.QueueProps{RetentionPeriod: awscdk.Duration_Days(jsii.Number(14))})
	queue := newQueue(stack, "WorkQueue", &awssqs.QueueProps{
		// Lambda requires the visibility timeout to cover the function timeout; AWS advises
		// 6x so retries and batching windows fit
		// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(6 * workerTimeout.Seconds())),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{MaxReceiveCount: jsii.Number(maxReceiveCount), Queue: workDLQ},
	})
	scheduleDLQ := newQueue(stack, "SweepScheduleDeadLetterQueue", &awssqs.QueueProps{RetentionPeriod: awscdk.Duration_Days(jsii.Number(14))})
	cdknag.NagSuppressions_AddResourceSuppressions(scheduleDLQ, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself a dead-letter queue: EventBridge Scheduler's, for sweeper invocations it could not deliver."),
	}}, jsii.Bool(false))

	configurationSet := newMailEvents(stack, p, queue)

	specs := secretSpecs(p)
	secrets := map[string]awssecretsmanager.ISecret{}
	readable := map[string][]string{} // function → the secrets it reads
	for _, sp := range specs {
		secrets[sp.name] = newSecret(stack, sp.id, sp.name, sp.description, sp.ours)
		for _, fn := range sp.readers {
			readable[fn] = append(readable[fn], sp.name)
		}
	}

	// The API comes first: the worker's ROOMKEEPER_PUBLIC_URL is its endpoint (unless a custom
	// domain is given). No cycle: the functions depend on the AWS::ApiGatewayV2::Api resource,
	// and only the routes, integrations and permissions, added below, depend on the functions.
	api := newAPI(stack, p)
	publicURL := p.PublicURL
	if publicURL == "" {
		publicURL = *api.ApiEndpoint()
	}

	// Each function's environment holds what its configuration (shared/config) reads and no
	// more. The providers' settings go to the functions that need to know which providers are
	// enabled (bookings, to refuse a booking for another) or that call them (worker; admin for
	// Zoom's host links); hooks and the sweeper call no provider. The functions that build the
	// providers (worker, admin, slack) get ROOMKEEPER_PUBLIC_URL, under which every person's link (/j/{token}) is made.
	// FromEnv checks that the default provider is enabled, so ROOMKEEPER_PROVIDER goes only where
	// the providers' settings go.
	// bookings gets no client secret's ARN: it only needs to know which providers are enabled
	// (functions/bookings/main.go tells config the secrets are set elsewhere).
	base := map[string]string{
		"ROOMKEEPER_DEPLOYMENT":        deploymentID(id),
		"ROOMKEEPER_TABLE":             *table.TableName(),
		"ROOMKEEPER_MAIL_FROM":         p.MailFrom,
		"WHEREBY_API_URL":              p.WherebyAPIURL,
		"ROOMKEEPER_CLEANUP_GRACE":     envDuration(p.CleanupGrace),
		"ROOMKEEPER_MAX_OVERRUN":       envDuration(p.MaxOverrun),
		"ROOMKEEPER_ROOM_SLACK":        envDuration(p.RoomSlack),
		"ROOMKEEPER_WEBHOOK_TOLERANCE": envDuration(p.WebhookTolerance),
		"ROOMKEEPER_RETENTION":         envDuration(p.Retention),
	}
	// Every message goes through the configuration set, whose event destination brings its
	// bounces and complaints back.
	base["ROOMKEEPER_SES_CONFIGURATION_SET"] = *configurationSet
	sends := map[string]string{"ROOMKEEPER_QUEUE_URL": *queue.QueueUrl()}
	providers := merge(map[string]string{"ROOMKEEPER_PROVIDER": p.Provider}, p.Zoom.env(), p.TwentyFour.env())
	// usage days: counted by the worker, read by admin; the language of mail (the worker) and of
	// people's link pages (admin)
	zone := map[string]string{"ROOMKEEPER_TIME_ZONE": p.TimeZone, "ROOMKEEPER_LOCALE": p.Locale}
	notify := map[string]string{} // the outbound webhook: sent by the worker alone
	set(notify, "ROOMKEEPER_NOTIFY_URL", p.NotifyURL)
	reminders := map[string]string{} // the reminders: sent by the worker alone
	for _, name := range ReminderVars {
		set(reminders, name, p.Reminders[name])
	}
	slack := p.Slack.env() // the Slack app: its routes (slack), its jobs and the knock alert (worker)
	// The dialin function needs no configuration, no permission beyond its logs (and traces) and no secret:
	// it normalises the numbers the worker sends it (functions/dialin).
	dialin := newFunction(stack, p.AssetDir, dialinFunction, "roomkeeper dialin: normalises the providers' dial-in numbers to E.164 for the worker",
		dialinTimeout, nil, secrets, nil)
	envs := map[string]map[string]string{
		"bookings": merge(base, sends, providers),
		"hooks":    merge(base, sends),
		"worker": merge(base, providers, zone, notify, reminders, slack, map[string]string{
			"ROOMKEEPER_PUBLIC_URL": publicURL, "ROOMKEEPER_DIALIN_FUNCTION": *dialin.FunctionName(),
		}),
		// The sweeper enqueues at most what the worker takes in a minute, from its concurrency,
		// and what falls due before its next run, from the schedule's interval.
		"sweeper": merge(base, sends, map[string]string{
			"ROOMKEEPER_WORKER_CONCURRENCY": strconv.Itoa(workerConcurrent),
			"ROOMKEEPER_SWEEP_INTERVAL":     sweepInterval.String(),
		}),
		"admin": merge(base, sends, providers, zone, map[string]string{"ROOMKEEPER_PUBLIC_URL": publicURL}),
		// The providers' settings because it checks a new room's provider as the admin API does;
		// it calls none, so it reads none of their secrets.
		slackFunction: merge(base, sends, providers, zone, slack, map[string]string{"ROOMKEEPER_PUBLIC_URL": publicURL}),
	}
	fn := func(name, description string, timeout time.Duration) awslambda.Function {
		return newFunction(stack, p.AssetDir, name, description, timeout, envs[name], secrets, readable[name])
	}
	bookings := fn("bookings", "roomkeeper bookings: booking webhooks (POST /v1/bookings/{source})", bookingsTimeout)
	hooks := fn("hooks", "roomkeeper hooks: provider webhooks (POST /v1/hooks/{provider})", hooksTimeout)
	worker := fn("worker", "roomkeeper worker: reconciles one booking per queue message, reaps orphaned rooms", workerTimeout)
	sweeper := fn("sweeper", "roomkeeper sweeper: enqueues due bookings every minute, asks the worker to reap hourly", sweeperTimeout)
	admin := fn("admin", "roomkeeper admin: admin API (/v1/rooms..., /v1/bookings..., /v1/usage, /v1/people/..., /v1/operators..., /v1/audit), the console (/console...) and people's links (GET /j/{token}, and the older GET /v1/host/{token})", adminTimeout)

	// DynamoDB: the exact calls each function makes. table.Grant would add <table>/index/*
	// to every grant, so the resources are given explicitly.
	tableArn := table.TableArn()
	dueIndexArn := jsii.String(*tableArn + "/index/" + tableDueIndex)
	listIndexArn := jsii.String(*tableArn + "/index/" + tableListIndex)
	grant(bookings, []string{"dynamodb:GetItem", "dynamodb:PutItem"}, tableArn) // bookings, delivery-id marks, the people index
	// The booking (GetItem); each event an activity item (a conditional PutItem); a knock or a
	// late end reads the activity (the list index, then BatchGetItem) and marks the booking due.
	grant(hooks, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"}, tableArn)
	grant(hooks, []string{"dynamodb:Query"}, listIndexArn)
	// Load and save progress, usage; the reaper's "is this room referenced?"; a booking's
	// activity (the list index, then BatchGetItem), and the Slack app's Home tab (the active
	// rooms, the same way); the activity items' expiry when their record's changed (UpdateItem).
	grant(worker, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, tableArn)
	grant(worker, []string{"dynamodb:Query"}, listIndexArn)
	grant(sweeper, []string{"dynamodb:Query"}, dueIndexArn) // due bookings
	var slackFn awslambda.Function
	if p.Slack.Enabled() {
		slackFn = fn(slackFunction, "roomkeeper slack: the Slack app (POST /v1/slack/commands, /v1/slack/interactions, /v1/slack/events)", slackTimeout)
		// Retries marked seen (GetItem, PutItem); /rooms list: the list index, then the page's
		// records (BatchGetItem). Rooms are made, changed and deleted by the worker's jobs.
		grant(slackFn, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"}, tableArn)
		grant(slackFn, []string{"dynamodb:Query"}, listIndexArn)
		queue.GrantSendMessages(slackFn) // the app's jobs
	}
	// The backfill of the list index: a Scan page at a time, a conditional UpdateItem per old
	// record, its progress in a meta item (GetItem, PutItem).
	grant(sweeper, []string{"dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:PutItem"}, tableArn)
	// Bookings, rooms and sessions, the lists' and usage's items (BatchGetItem), the rooms it
	// makes and changes, the people entries an erasure deletes; operators, console sessions,
	// audit entries and failure counts (shared/access: conditional PutItem, UpdateItem and
	// DeleteItem, BatchGetItem after the list index).
	grant(admin, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}, tableArn)
	// GET /v1/rooms lists the bookings with work left (due); the lists, usage, people, operators
	// and the audit list (list).
	grant(admin, []string{"dynamodb:Query"}, dueIndexArn, listIndexArn)
	for _, f := range []awslambda.Function{bookings, hooks, sweeper, admin} {
		queue.GrantSendMessages(f) // admin: a hand-made room the provider was slow to make goes to the worker
	}

	// SES v2 SendEmail is authorised as ses:SendEmail, and with Raw content (the MIME invites)
	// as ses:SendRawEmail, against the sending identity and the configuration set.
	sesResources := []*string{stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ses"), Resource: jsii.String("identity"), ResourceName: jsii.String(p.SESIdentity),
	}), stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ses"), Resource: jsii.String("configuration-set"), ResourceName: configurationSet,
	})}
	grant(worker, []string{"ses:SendEmail", "ses:SendRawEmail"}, sesResources...)
	// The dialin function, by its ARN alone: dialin.GrantInvoke would add its versions (ARN:*),
	// a wildcard the worker does not use.
	grant(worker, []string{"lambda:InvokeFunction"}, dialin.FunctionArn())

	worker.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(workerBatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(workerConcurrent),
	}))

	newSweepSchedule(stack, sweeper, scheduleDLQ)

	signed := "Webhooks come from third-party systems that cannot use an authorizer; every request is authenticated " +
		"by its HMAC signature over the raw body, with a timestamp tolerance, in the function."
	addRoutes(stack, api, "Bookings", bookings, awsapigatewayv2.HttpMethod_POST, []string{"/v1/bookings/{source}"}, signed)
	addRoutes(stack, api, "Hooks", hooks, awsapigatewayv2.HttpMethod_POST, []string{"/v1/hooks/{provider}"}, signed)
	addRoutes(stack, api, "Admin", admin, awsapigatewayv2.HttpMethod_ANY, adminRoutes,
		"The admin routes require a bearer token, the admin token ROOMKEEPER_ADMIN_TOKEN or an operator's, checked by "+
			"the function against its hash in constant time, with failures slowed per client address; the function also "+
			"picks up a rotated admin token. A Lambda authorizer would be a second function making the same check.")
	addRoutes(stack, api, "Console", admin, awsapigatewayv2.HttpMethod_ANY, consoleRoutes,
		"The console's pages require a server-side session begun by signing in with an operator's token (the same "+
			"check and limiter as the admin routes) and named by an HttpOnly, Secure, SameSite=Strict cookie; every "+
			"form post carries the session's CSRF token. The sign-in page itself must be reachable without one.")
	addRoutes(stack, api, "Join", admin, awsapigatewayv2.HttpMethod_GET, []string{joinRoute},
		"A person's link is its own credential: the path carries a token naming the booking, the recipient and the "+
			"purpose under an HMAC-SHA256 keyed with ROOMKEEPER_LINK_SECRET, checked in constant time by the function; "+
			"people click it from an e-mail, so it cannot carry an Authorization header.")
	addRoutes(stack, api, "Host", admin, awsapigatewayv2.HttpMethod_GET, []string{hostRoute},
		"The organizer's host link is its own credential: the path carries an HMAC-SHA256 token over the room, keyed "+
			"with ROOMKEEPER_HOST_SECRET and checked in constant time by the function; organizers click it from an e-mail, "+
			"so it cannot carry an Authorization header.")

	if p.Slack.Enabled() {
		addRoutes(stack, api, "Slack", slackFn, awsapigatewayv2.HttpMethod_POST, slackRoutes,
			"Slack's requests cannot carry an Authorization header; every request is authenticated by Slack's v0 "+
				"signature (HMAC-SHA256 with SLACK_SIGNING_SECRET over the raw body, five minutes' tolerance), checked in "+
				"constant time by the function before anything is parsed, and bound to one workspace, SLACK_TEAM_ID.")
	}

	var alarmTopic awssns.ITopic
	if p.AlarmEmail != "" {
		topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
			DisplayName: jsii.String("roomkeeper alarms"),
			EnforceSSL:  jsii.Bool(true),
		})
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.AlarmEmail), nil))
		cdknag.NagSuppressions_AddResourceSuppressions(topic, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-SNS2"),
			Reason: jsii.String("CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key; " +
				"the notifications carry only alarm names and states, no booking data."),
		}}, jsii.Bool(false))
		alarmTopic = topic
	}
	newQueueAlarm(stack, "WorkDeadLetterAlarm", workDLQ, alarmTopic,
		"Booking messages failed 5 times and were dead-lettered: the worker could not decode them or reach the table. Inspect and redrive the queue.")
	newQueueAlarm(stack, "SweepScheduleDeadLetterAlarm", scheduleDLQ, alarmTopic,
		"EventBridge Scheduler could not invoke the sweeper (permissions, throttling or a missing function); due bookings are not being swept.")
	newMetricAlarms(stack, alarmTopic)

	output(stack, "ApiUrl", api.ApiEndpoint(), "Base URL of the roomkeeper HTTP API")
	output(stack, "PublicUrl", jsii.String(publicURL),
		"ROOMKEEPER_PUBLIC_URL: the base of the links roomkeeper mails (/j/{token}) and of the URLs below")
	output(stack, "GenericWebhookUrl", jsii.String(publicURL+"/v1/bookings/generic"),
		"Register this URL with the booking system (generic source, Standard Webhooks signing)")
	for _, src := range bookingSources {
		output(stack, src.id+"WebhookUrl", jsii.String(publicURL+"/v1/bookings/"+src.name),
			"Register this URL as the "+src.title+" webhook (docs/sources.md)")
	}
	output(stack, "WherebyWebhookUrl", jsii.String(publicURL+"/v1/hooks/whereby"),
		"Register this URL as the Whereby webhook, with the secret in WHEREBY_WEBHOOK_SECRET (docs/deploy.md)")
	if p.Zoom.Enabled() {
		output(stack, "ZoomWebhookUrl", jsii.String(publicURL+"/v1/hooks/zoom"),
			"Register this URL as the Zoom app's event notification endpoint; set ZOOM_WEBHOOK_SECRET first (docs/deploy.md)")
	}
	if p.Slack.Enabled() {
		for _, r := range []struct{ id, path, what string }{
			{"SlackCommandsUrl", slackRoutes[0], "the /rooms slash command's Request URL"},
			{"SlackInteractionsUrl", slackRoutes[1], "Interactivity's Request URL"},
			{"SlackEventsUrl", slackRoutes[2], "Event Subscriptions' Request URL"},
		} {
			output(stack, r.id, jsii.String(publicURL+r.path), "The Slack app's "+r.what+" (docs/slack.md)")
		}
	}
	output(stack, "AdminApiUrl", jsii.String(publicURL+"/v1/rooms"),
		"The admin API's room list; send the token in ROOMKEEPER_ADMIN_TOKEN as Authorization: Bearer (docs/admin-api.md)")
	for _, sp := range specs {
		outputID := sp.id + "SecretArn"
		if strings.HasSuffix(sp.id, "Secret") {
			outputID = sp.id + "Arn"
		}
		output(stack, outputID, secrets[sp.name].SecretArn(), "Secret holding "+sp.name+": set it with put-secret-value")
	}
	return stack
}

// merge returns one map holding every entry of maps; later ones win.
// ReminderVars are the variables of the reminders before a meeting (README, configuration).
var ReminderVars = []string{"ROOMKEEPER_REMINDERS", "ROOMKEEPER_REMINDERS_GENERIC", "ROOMKEEPER_REMINDERS_CALCOM",
	"ROOMKEEPER_REMINDERS_CALENDLY", "ROOMKEEPER_REMINDERS_CRONOFY"}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// newQueue makes an SQS queue encrypted at rest (SQS-managed keys) that refuses plain HTTP.
func newQueue(scope constructs.Construct, id string, props *awssqs.QueueProps) awssqs.Queue {
	props.Encryption = awssqs.QueueEncryption_SQS_MANAGED
	props.EnforceSSL = jsii.Bool(true)
	return awssqs.NewQueue(scope, jsii.String(id), props)
}

// newSecret creates a Secrets Manager secret named <stack>/<name> with no value. The L2
// Secret construct always generates a random value when given none; the L1 CfnSecret with
// neither SecretString nor GenerateSecretString creates an empty secret, which the operator
// fills with put-secret-value. The value never appears in code or in the template.
func newSecret(stack awscdk.Stack, id, name, description string, ours bool) awssecretsmanager.ISecret {
	cfn := awssecretsmanager.NewCfnSecret(stack, jsii.String(id), &awssecretsmanager.CfnSecretProps{
		Name:        jsii.String(*stack.StackName() + "/" + name),
		Description: jsii.String(description),
	})
	reason := "The value is a credential issued by a third party (the video provider or the booking system); " +
		"it cannot be rotated by a Lambda and is rotated by the operator with put-secret-value."
	if ours {
		reason = "The value is shared with what lies outside AWS (the admin token with the operator's tools; the notify secret " +
			"with the integrations' receiver; the link and host secrets " +
			"with every link already mailed, rotated by adding a value, \"new,old\", and dropping the old one once its " +
			"rooms are gone), so the operator rotates it with put-secret-value; a rotation Lambda could not."
	}
	cdknag.NagSuppressions_AddResourceSuppressions(cfn, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-SMG4"),
		Reason: jsii.String(reason),
	}}, jsii.Bool(false))
	// Ref of AWS::SecretsManager::Secret is its full ARN.
	return awssecretsmanager.Secret_FromSecretCompleteArn(stack, jsii.String(id+"Ref"), cfn.Ref())
}

// newFunction makes one roomkeeper Lambda function from <assetDir>/<name>/bootstrap with its
// own role, log group and the read grants for exactly the secrets it names. No AWS managed
// policy is attached: the role may write only to its own log group.
func newFunction(stack awscdk.Stack, assetDir, name, description string, timeout time.Duration,
	env map[string]string, secrets map[string]awssecretsmanager.ISecret, secretNames []string,
) awslambda.Function {
	id := titleCase(name)
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_MONTH,
	})
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("roomkeeper " + name + " function"),
	})
	logs.GrantWrite(role)

	vars := make(map[string]*string, len(env)+len(secretNames))
	for k, v := range env {
		vars[k] = jsii.String(v)
	}
	for _, s := range secretNames {
		vars[s+"_SECRET_ARN"] = secrets[s].SecretArn()
	}
	f := awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Description:   jsii.String(description),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          awslambda.Code_FromAsset(jsii.String(filepath.Join(assetDir, name)), nil),
		MemorySize:    jsii.Number(functionMemoryMB),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(timeout.Seconds())),
		Role:          role,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		// SystemLogLevelV2 and ApplicationLogLevelV2 need the JSON format.
		SystemLogLevelV2:      systemLogLevel,
		ApplicationLogLevelV2: applicationLogLevel,
		Tracing:               awslambda.Tracing_ACTIVE,
		Environment:           &vars,
	})
	for _, s := range secretNames {
		secrets[s].GrantRead(f, nil)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level scoping."),
		AppliesTo: &[]interface{}{jsii.String("Resource::*")},
	}}, jsii.Bool(true))
	return f
}

// grant allows fn the actions on exactly the resources.
func grant(fn awslambda.Function, actions []string, resources ...*string) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      fn,
		Actions:      jsii.Strings(actions...),
		ResourceArns: &resources,
	})
}

// newSweepSchedule invokes the sweeper every sweepInterval through EventBridge Scheduler with a role
// that may invoke only the sweeper and dead-letter only to dlq. The input carries the nominal
// scheduled time, which the sweeper uses to reap orphaned rooms on the hour (Event in shared/lambda/sweeper).
// Scheduler invokes Lambda asynchronously: its RetryPolicy and DLQ cover delivery failures,
// and Lambda's own retries (2) cover a failed sweep, bounded to 5 minutes so a throttled
// function does not build a backlog of stale sweeps.
func newSweepSchedule(stack awscdk.Stack, sweeper awslambda.Function, dlq awssqs.Queue) {
	role := awsiam.NewRole(stack, jsii.String("SweepScheduleRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
			},
		}),
		Description: jsii.String("EventBridge Scheduler: invoke the roomkeeper sweeper"),
	})
	sweeper.GrantInvokeLatestVersion(role)
	dlq.GrantSendMessages(role)
	sweeper.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(2),
		MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(5)),
	})

	schedule := awsscheduler.NewCfnSchedule(stack, jsii.String("SweepSchedule"), &awsscheduler.CfnScheduleProps{
		Description:        jsii.String("roomkeeper: sweep due bookings, " + rateExpression(sweepInterval)),
		ScheduleExpression: jsii.String(rateExpression(sweepInterval)),
		FlexibleTimeWindow: &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		State:              jsii.String("ENABLED"),
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     sweeper.FunctionArn(),
			RoleArn: role.RoleArn(),
			Input:   jsii.String(`{"scheduledTime":"<aws.scheduler.scheduled-time>"}`),
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumRetryAttempts:     jsii.Number(2),
				MaximumEventAgeInSeconds: jsii.Number(60),
			},
			DeadLetterConfig: &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: dlq.QueueArn()},
		},
	})
	// The L1 schedule does not know it needs the role's policy; without this it could be
	// created (and fire) before the policy exists.
	schedule.Node().AddDependency(role)
}

// accessLogFormat is one JSON object per request, from HTTP API's $context variables: request
// metadata only, never headers (signatures) or bodies (addresses).
const accessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey",` +
	`"path":"$context.path","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency",` +
	`"integrationError":"$context.integrationErrorMessage","error":"$context.error.message"}`

// newAPI makes the HTTP API on a throttled $default stage with JSON access logs; addRoutes
// adds its routes.
func newAPI(stack awscdk.Stack, p RoomkeeperStackProps) awsapigatewayv2.HttpApi {
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String(*stack.StackName()),
		Description:        jsii.String("roomkeeper: booking and provider webhooks, admin API, host links"),
		CreateDefaultStage: jsii.Bool(false),
	})
	stage := awsapigatewayv2.NewHttpStage(stack, jsii.String("ApiStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(p.APIRateLimit),
			BurstLimit: jsii.Number(p.APIBurstLimit),
		},
	})
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_MONTH,
	})
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})
	return api
}

// addRoutes routes method on each path to fn (Lambda proxy, payload format 2.0), through one
// integration named id, and records for cdk-nag why the routes have no API Gateway authorizer.
func addRoutes(stack awscdk.Stack, api awsapigatewayv2.HttpApi, id string, fn awslambda.Function,
	method awsapigatewayv2.HttpMethod, paths []string, noAuthorizer string,
) {
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(id+"Integration"), fn,
		&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
		})
	for _, path := range paths {
		routes := api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(path),
			Methods:     &[]awsapigatewayv2.HttpMethod{method},
			Integration: integration,
		})
		for _, r := range *routes {
			cdknag.NagSuppressions_AddResourceSuppressions(r, &[]*cdknag.NagPackSuppression{{
				Id:     jsii.String("AwsSolutions-APIG4"),
				Reason: jsii.String(noAuthorizer),
			}}, jsii.Bool(true))
		}
	}
}

// newQueueAlarm alarms as soon as queue holds a visible message, notifying topic if set.
func newQueueAlarm(stack awscdk.Stack, id string, queue awssqs.Queue, topic awssns.ITopic, description string) {
	alarm := awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(description),
		Metric: queue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period:    awscdk.Duration_Minutes(jsii.Number(1)),
			Statistic: jsii.String("Maximum"),
		}),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	if topic != nil {
		alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	}
}

// newMailEvents brings SES's reports of bounces and complaints to the worker, with as little
// as that takes: the configuration set every message is sent through (the one named by
// ROOMKEEPER_SES_CONFIGURATION_SET, or one of the stack's own) gets an event destination for
// Bounce and Complaint events, an SNS topic (SES publishes events to SNS, not to SQS), and the
// topic an SQS subscription with raw message delivery, so each event arrives on the work queue
// exactly as SES published it ("Set up an Amazon SNS event destination for event publishing",
// https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html;
// "Amazon SNS raw message delivery", https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html).
// The topic's policy lets SES publish only for this account and configuration set; the queue's
// lets only this topic send. The worker, which consumes the queue already, needs nothing more.
// It returns the configuration set's name.
func newMailEvents(stack awscdk.Stack, p RoomkeeperStackProps, queue awssqs.Queue) *string {
	var set awsses.IConfigurationSet
	if p.SESConfigurationSet != "" {
		set = awsses.ConfigurationSet_FromConfigurationSetName(stack, jsii.String("MailConfigurationSet"), jsii.String(p.SESConfigurationSet))
	} else {
		set = awsses.NewConfigurationSet(stack, jsii.String("MailConfigurationSet"), &awsses.ConfigurationSetProps{})
	}
	topic := awssns.NewTopic(stack, jsii.String("MailEventTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("roomkeeper mail events"),
		EnforceSSL:  jsii.Bool(true),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(topic, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SNS2"),
		Reason: jsii.String("SES cannot publish to a topic encrypted with the AWS-managed SNS key; the events only pass through " +
			"the topic (HTTPS only) to the work queue, where they rest encrypted (SSE-SQS)."),
	}}, jsii.Bool(false))
	awsses.NewConfigurationSetEventDestination(stack, jsii.String("MailEventDestination"), &awsses.ConfigurationSetEventDestinationProps{
		ConfigurationSet: set,
		Destination:      awsses.EventDestination_SnsTopic(topic),
		Events:           &[]awsses.EmailSendingEvent{awsses.EmailSendingEvent_BOUNCE, awsses.EmailSendingEvent_COMPLAINT},
	})
	topic.AddSubscription(awssnssubscriptions.NewSqsSubscription(queue, &awssnssubscriptions.SqsSubscriptionProps{
		RawMessageDelivery: jsii.Bool(true),
	}))
	return set.ConfigurationSetName()
}

// Names of the metrics the functions write (those of shared/booking/metric.go), in the
// namespace metricNamespace.
const (
	metricNamespace         = "roomkeeper"
	metricProviderPaused    = "ProviderPaused"
	metricPermanentFailures = "PermanentFailures"
	metricCleanupLag        = "CleanupLag"
)

// Thresholds of the alarms on the functions' metrics.
const (
	providerPausedFor = 15 * time.Minute // the providers' waits adding up to this within as long
	cleanupLagOver    = 10 * time.Minute
)

// newMetricAlarms alarms on the functions' own metrics where a person is needed, notifying
// topic if set: a provider keeping roomkeeper waiting, a booking stopped for good, a room not
// deleted in time. A period without data is not a breach: the metrics are written only when
// something happens.
func newMetricAlarms(stack awscdk.Stack, topic awssns.ITopic) {
	for _, a := range []struct {
		id, metric, statistic, description string
		period                             time.Duration
		threshold                          float64
		comparison                         awscloudwatch.ComparisonOperator
	}{
		{"ProviderPausedAlarm", metricProviderPaused, "Sum",
			"A video provider has kept roomkeeper waiting (429, Retry-After) for 15 minutes or more within a quarter of an hour: rooms are late. " +
				"Check the provider's status and rate limits (docs/deploy.md, Alarms).",
			providerPausedFor, providerPausedFor.Seconds(), awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD},
		{"PermanentFailuresAlarm", metricPermanentFailures, "Sum",
			"A booking stopped for good (a rejected key, a refusal retrying cannot fix, no room by the start); its organizer was e-mailed. " +
				"GET /v1/bookings/{id} shows why (docs/deploy.md, Alarms).",
			5 * time.Minute, 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD},
		{"CleanupLagAlarm", metricCleanupLag, "Maximum",
			"A room's cleanup ran, or was tried, more than 10 minutes after it was due: rooms outlive their meetings. " +
				"Look at the worker's log for the booking (docs/deploy.md, Alarms).",
			5 * time.Minute, cleanupLagOver.Seconds(), awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD},
	} {
		alarm := awscloudwatch.NewAlarm(stack, jsii.String(a.id), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String(a.description),
			Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace:  jsii.String(metricNamespace),
				MetricName: jsii.String(a.metric),
				Statistic:  jsii.String(a.statistic),
				Period:     awscdk.Duration_Seconds(jsii.Number(a.period.Seconds())),
			}),
			Threshold:          jsii.Number(a.threshold),
			ComparisonOperator: a.comparison,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		if topic != nil {
			alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
		}
	}
}

func output(stack awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
}

// titleCase turns a function name into a construct id prefix: "bookings" → "Bookings".
func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// deploymentID is the deployment id (ROOMKEEPER_DEPLOYMENT) of a stack: its name, lowercased
// and reduced to letters and digits, at most 32 of them. Every room the stack's functions make
// carries a short hash of it, so two stacks sharing a video provider account (production and
// staging) never delete each other's rooms.
func deploymentID(stackName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(stackName) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	id := b.String()
	if len(id) > 32 {
		id = id[:32]
	}
	if id == "" {
		id = "roomkeeper"
	}
	return id
}
