package lambdatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/local/memqueue"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// functionNames are the Lambda functions, as the stack deploys them (infra/props.go) and the
// Makefile builds them.
var functionNames = []string{"bookings", "hooks", "worker", "sweeper", "admin", "slack", "dialin"}

// The functions' main packages, relative to the module root.
var functionPackages = map[string]string{
	"bookings": "./functions/bookings",
	"hooks":    "./functions/hooks",
	"worker":   "./functions/worker",
	"sweeper":  "./functions/sweeper",
	"admin":    "./functions/admin",
	"slack":    "./functions/slack",
	"dialin":   "./functions/dialin",
}

// dialinFunction is the name the dialin function runs under, which the worker is given in
// ROOMKEEPER_DIALIN_FUNCTION.
const dialinFunction = "dialin"

// Secrets the functions read from (fake) Secrets Manager, by ARN, and their values. None may
// appear in a log.
const (
	genericARN        = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/generic-AbCdEf"
	wherebyARN        = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/whereby-AbCdEf"
	wherebyKey        = "sandbox-api-key-not-for-logs"
	wherebyHookARN    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/whereby-webhook-AbCdEf"
	wherebyHookSecret = "whereby-webhook-secret-not-for-logs"
	adminTokenARN     = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/admin-token-AbCdEf"
	adminToken        = "admin-token-not-for-logs-Xq7Rv2Kp9Lm4Wz8T" // over 128 bits by access.TokenBits
	hostSecretARN     = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/host-secret-AbCdEf"
	hostSecret        = "host-secret-not-for-logs"
	linkSecretARN     = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/link-secret-AbCdEf"
	linkSecret        = "link-secret-not-for-logs"
	zoomClientARN     = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/zoom-client-AbCdEf"
	zoomClientSecret  = "zoom-client-secret-not-for-logs"
	organizer         = "ada@example.com"
	slackSigningARN   = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/slack-signing-AbCdEf"
	slackSigning      = "slack-signing-secret-not-for-logs"
	slackTokenARN     = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/slack-token-AbCdEf"
	slackToken        = "xoxb-slack-token-not-for-logs"
)

// secretValues are the values that must never be logged, beside the generic secret.
// sweepTick is a scheduled sweep's event at a nominal time off the hour. The sweeper reaps when
// the scheduled time is on the hour, and with no time it takes the clock's, so a test invoking it
// with {} would send an extra reap message whenever it happened to run at minute 0.
var sweepTick = []byte(`{"scheduledTime": "2026-01-01T00:30:00Z"}`)

var secretValues = []string{wherebyKey, wherebyHookSecret, adminToken, hostSecret, linkSecret, zoomClientSecret, slackSigning, slackToken}

// emulators are the AWS API emulators one top-level test shares: dynalite, goaws,
// aws-ses-v2-local and a fake Secrets Manager, each on its own loopback port.
type emulators struct {
	dynamodb, sqs, ses string // endpoints
	sm                 *emulator.FakeSecretsManager
	secret             string // ROOMKEEPER_GENERIC_SECRET
	bins               map[string]string
}

// startEmulators starts the emulators and builds the function binaries (once per process).
func startEmulators(t testing.TB) *emulators {
	t.Helper()
	e := &emulators{dynamodb: emulator.Dynalite(t), sqs: emulator.GoAWS(t), ses: emulator.SESLocal(t)}
	var err error
	e.secret, err = stdwebhook.NewSecret()
	require.NoError(t, err)
	e.sm = emulator.NewFakeSecretsManager(t, map[string]string{
		genericARN: e.secret, wherebyARN: wherebyKey, wherebyHookARN: wherebyHookSecret,
		adminTokenARN: adminToken, hostSecretARN: hostSecret, zoomClientARN: zoomClientSecret,
		linkSecretARN: linkSecret, slackSigningARN: slackSigning, slackTokenARN: slackToken,
	})
	pkgs := make([]string, len(functionNames))
	for i, n := range functionNames {
		pkgs[i] = functionPackages[n]
	}
	bins := Build(t, pkgs...)
	e.bins = map[string]string{}
	for i, n := range functionNames {
		e.bins[n] = bins[i]
	}
	return e
}

// stack is roomkeeper's AWS wiring on the emulators: its own table, work queue, HTTP API and
// Whereby sandbox (whose webhooks go to the API's POST /v1/hooks/whereby), and the function
// binaries started against them, each behind its own counting proxy.
type stack struct {
	t          testing.TB
	e          *emulators
	table      string
	queueURL   string
	store      *dynamo.Store  // the test's own view of the table
	sqs        *awssqs.Client // the test's own SQS client (it plays the event source mapping)
	api        *apiGateway    // the HTTP API in front of bookings, hooks, admin and slack
	sandbox    *sandbox.Whereby
	dialin     *Function    // the dialin function the worker invokes
	lambda     *InvokeAPI   // Lambda's Invoke API in front of it
	sandboxAgo atomic.Int64 // how far in the past the sandbox's clock runs, in nanoseconds
	wherebyURL string
	env        []string    // configuration every function gets
	index      *indexModel // shared by the stack's counting proxies
	started    []*Function
	proxies    []*awsProxy // started[i]'s
}

// allowedCalls are the AWS operations each function's role allows, as infra/stack.go grants
// them: every function's calls, counted by its proxy, must be among them.
var allowedCalls = map[string][]string{
	"bookings": {"DynamoDB.GetItem", "DynamoDB.PutItem", "SQS.SendMessage", "SecretsManager.GetSecretValue"},
	"hooks":    {"DynamoDB.BatchGetItem", "DynamoDB.GetItem", "DynamoDB.PutItem", "DynamoDB.Query", "SQS.SendMessage", "SecretsManager.GetSecretValue"},
	"worker":   {"DynamoDB.BatchGetItem", "DynamoDB.GetItem", "DynamoDB.PutItem", "DynamoDB.Query", "Lambda.Invoke", "SESv2.SendEmail", "SecretsManager.GetSecretValue"}, // Invoke of the dialin function only
	"dialin":   {},
	"sweeper":  {"DynamoDB.GetItem", "DynamoDB.PutItem", "DynamoDB.Query", "DynamoDB.Scan", "DynamoDB.UpdateItem", "SQS.SendMessage", "SQS.SendMessageBatch"}, // IAM authorises SendMessageBatch as sqs:SendMessage
	"admin":    {"DynamoDB.BatchGetItem", "DynamoDB.DeleteItem", "DynamoDB.GetItem", "DynamoDB.PutItem", "DynamoDB.Query", "DynamoDB.UpdateItem", "SQS.SendMessage", "SecretsManager.GetSecretValue"},
	"slack":    {"DynamoDB.BatchGetItem", "DynamoDB.GetItem", "DynamoDB.PutItem", "DynamoDB.Query", "SQS.SendMessage", "SecretsManager.GetSecretValue"},
}

// stacks numbers the stacks of a test process, so each gets its own table and queue even when a
// benchmark runs its body again.
var stacks atomic.Int64

func newStack(t testing.TB, e *emulators, name string) *stack {
	t.Helper()
	name = fmt.Sprintf("%s-%d", name, stacks.Add(1))
	s := &stack{t: t, e: e, table: "rk-" + name, index: newIndexModel()}
	ctx := context.Background()
	ddb := dynamodb.NewFromConfig(emulator.AWSConfig(e.dynamodb))
	require.NoError(t, dynamo.CreateTable(ctx, ddb, s.table))
	s.store = dynamo.New(ddb, s.table)
	s.queueURL = emulator.CreateQueue(t, e.sqs, "rk-"+name)
	s.sqs = awssqs.NewFromConfig(emulator.AWSConfig(e.sqs))

	s.api = newAPIGateway(t)
	srv := httptest.NewUnstartedServer(nil)
	var err error
	s.sandbox, err = sandbox.NewWhereby(sandbox.WherebyOptions{
		Now:           func() time.Time { return time.Now().Add(-time.Duration(s.sandboxAgo.Load())) },
		PublicURL:     "http://" + srv.Listener.Addr().String(),
		WebhookURL:    s.api.URL + "/v1/hooks/whereby",
		WebhookSecret: wherebyHookSecret,
	})
	require.NoError(t, err)
	srv.Config.Handler = s.sandbox
	srv.Start()
	t.Cleanup(srv.Close)
	s.wherebyURL = srv.URL + sandbox.WherebyAPIPath

	s.env = []string{
		"ROOMKEEPER_TABLE=" + s.table,
		"ROOMKEEPER_QUEUE_URL=" + s.queueURL,
		"ROOMKEEPER_MAIL_FROM=roomkeeper <invites@example.org>",
		"ROOMKEEPER_CLEANUP_GRACE=1s",
		"ROOMKEEPER_GENERIC_SECRET_SECRET_ARN=" + genericARN,
		"WHEREBY_API_KEY_SECRET_ARN=" + wherebyARN,
		"WHEREBY_API_URL=" + s.wherebyURL,
		"WHEREBY_WEBHOOK_SECRET_SECRET_ARN=" + wherebyHookARN,
		"ROOMKEEPER_ADMIN_TOKEN_SECRET_ARN=" + adminTokenARN,
		"ROOMKEEPER_HOST_SECRET_SECRET_ARN=" + hostSecretARN,
		"ROOMKEEPER_LINK_SECRET_SECRET_ARN=" + linkSecretARN,
		"ROOMKEEPER_PUBLIC_URL=" + s.api.URL,
		"ROOMKEEPER_DIALIN_FUNCTION=" + dialinFunction,
	}
	// The dialin function the worker invokes, as the stack deploys it; started first, it has no
	// Lambda API to call (nor would it call one).
	s.dialin, _ = s.start(dialinFunction)
	s.lambda = NewInvokeAPI(t, s.dialin)
	t.Cleanup(s.checkLogs)
	t.Cleanup(s.checkCalls)
	return s
}

// start runs a function against the stack, behind a new counting proxy, with extra variables,
// and routes its HTTP API routes (apiRoutes) to it.
func (s *stack) start(name string, env ...string) (*Function, *awsProxy) {
	s.t.Helper()
	var lambdaURL string
	if s.lambda != nil {
		lambdaURL = s.lambda.URL
	}
	p := newAWSProxy(s.t, backends{dynamodb: s.e.dynamodb, sqs: s.e.sqs, sesv2: s.e.ses, secretsManager: s.e.sm.URL, lambda: lambdaURL}, s.index)
	all := append(append(append([]string{}, s.env...), p.Env()...), env...)
	f := Start(s.t, s.e.bins[name], name, all...)
	s.started = append(s.started, f)
	s.proxies = append(s.proxies, p)
	s.api.serve(name, f)
	return f, p
}

// checkLogs asserts that no function logged an e-mail address, a phone number or a secret (none
// may ever reach a log), and that every line is JSON.
func (s *stack) checkLogs() {
	for _, f := range s.started {
		logs := f.Logs()
		for _, leak := range append([]string{"@example.", "+1212", s.e.secret}, secretValues...) {
			require.NotContains(s.t, logs, leak, "%s's log leaks %q", f.Name, leak)
		}
		for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
			if line != "" {
				require.True(s.t, json.Valid([]byte(line)), "%s logged a line that is not JSON: %s", f.Name, line)
			}
		}
	}
}

// checkCalls asserts that each function called only the AWS operations its role allows.
func (s *stack) checkCalls() {
	for i, f := range s.started {
		for call := range s.proxies[i].Usage().Calls {
			assert.Contains(s.t, allowedCalls[f.Name], call, "%s called %s, which its role does not allow (infra/stack.go)", f.Name, call)
		}
	}
}

// bookingEvent returns events/apigw-booking-created.json for run, expanded now, with edit applied
// to the booking event's data, and signed with the generic secret.
func (s *stack) bookingEvent(run string, edit func(data map[string]any)) []byte {
	s.t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "apigw-booking-created.json"))
	require.NoError(s.t, err)
	now := time.Now()
	payload, err := eventfile.Expand(raw, eventfile.Vars{Now: now, Run: run})
	require.NoError(s.t, err)
	if edit != nil {
		var ev map[string]any
		require.NoError(s.t, json.Unmarshal(payload, &ev))
		var body map[string]any
		require.NoError(s.t, json.Unmarshal([]byte(ev["body"].(string)), &body))
		edit(body["data"].(map[string]any))
		b, err := json.Marshal(body)
		require.NoError(s.t, err)
		ev["body"] = string(b)
		payload, err = json.Marshal(ev)
		require.NoError(s.t, err)
	}
	signed, err := eventfile.SignAPIGateway(payload, s.e.secret, "msg_"+randomID(), now)
	require.NoError(s.t, err)
	return signed
}

// post invokes the bookings function with an API Gateway event and returns its answer.
func (s *stack) post(f *Function, payload []byte) (events.APIGatewayV2HTTPResponse, map[string]string) {
	s.t.Helper()
	var resp events.APIGatewayV2HTTPResponse
	f.MustInvoke(s.t, payload, &resp)
	var body map[string]string
	_ = json.Unmarshal([]byte(resp.Body), &body)
	return resp, body
}

// receive takes up to 10 messages off the work queue, waiting up to a few seconds for the first.
func (s *stack) receive() []sqstypes.Message {
	s.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := s.sqs.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{
			QueueUrl: &s.queueURL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		})
		require.NoError(s.t, err)
		if len(out.Messages) > 0 || time.Now().After(deadline) {
			return out.Messages
		}
	}
}

// sqsEvent wraps messages as Lambda's SQS event source does.
func (s *stack) sqsEvent(msgs []sqstypes.Message) events.SQSEvent {
	var ev events.SQSEvent
	queueName := s.queueURL[strings.LastIndexByte(s.queueURL, '/')+1:]
	for _, m := range msgs {
		attrs := map[string]string{}
		for k, v := range m.Attributes {
			attrs[k] = v
		}
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: deref(m.MessageId), ReceiptHandle: deref(m.ReceiptHandle), Body: deref(m.Body),
			Md5OfBody: deref(m.MD5OfBody), Attributes: attrs, EventSource: "aws:sqs",
			EventSourceARN: "arn:aws:sqs:us-east-1:100010001000:" + queueName, AWSRegion: "us-east-1",
		})
	}
	return ev
}

// deliver plays the event source mapping: it invokes the worker with msgs as one batch and
// deletes the messages the worker did not report failed.
func (s *stack) deliver(worker *Function, msgs []sqstypes.Message) events.SQSEventResponse {
	s.t.Helper()
	var resp events.SQSEventResponse
	worker.MustInvoke(s.t, s.sqsEvent(msgs), &resp)
	s.ack(msgs, resp)
	return resp
}

// ack deletes from the work queue the messages of a batch that resp does not report failed.
func (s *stack) ack(msgs []sqstypes.Message, resp events.SQSEventResponse) {
	s.t.Helper()
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for _, m := range msgs {
		if failed[deref(m.MessageId)] {
			continue
		}
		_, err := s.sqs.DeleteMessage(context.Background(), &awssqs.DeleteMessageInput{QueueUrl: &s.queueURL, ReceiptHandle: m.ReceiptHandle})
		require.NoError(s.t, err)
	}
}

// book stores a booking for run directly, as the bookings function would, without nudging the
// queue, and returns its key.
func (s *stack) book(run string) string {
	s.t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "booking-created.json"))
	require.NoError(s.t, err)
	now := time.Now()
	body, err := eventfile.Expand(raw, eventfile.Vars{Now: now, Run: run})
	require.NoError(s.t, err)
	ch, err := generic.Parse(body, now, generic.Options{DefaultProvider: "whereby", Providers: []string{"whereby"}})
	require.NoError(s.t, err)
	in := &intake.Intake{Store: s.store, Queue: memqueue.New(1), Now: time.Now, Retention: 720 * time.Hour}
	res, err := in.Apply(context.Background(), ch)
	require.NoError(s.t, err)
	return res.Key
}

// booking reads the booking events/ samples make for run.
func (s *stack) booking(run string) *booking.Booking {
	s.t.Helper()
	b, err := s.store.Get(context.Background(), booking.KeyOf("generic", "demo-"+run))
	require.NoError(s.t, err)
	require.NoError(s.t, booking.LoadActivity(context.Background(), s.store, b))
	return b
}

// sqsRecord is an SQS event record with a body the worker decodes as a nudge for key.
func sqsRecord(id, key string) events.SQSMessage {
	body := fmt.Sprintf(`{"key":%q}`, key)
	return events.SQSMessage{MessageId: id, ReceiptHandle: "rh-" + id, Body: body, EventSource: "aws:sqs", AWSRegion: "us-east-1"}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
