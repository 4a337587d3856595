package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The stack is synthesised once for the whole package (in TestMain), with every optional part
// on (Zoom, 24sessions, a configuration set, the alarm e-mail); every test reads the same
// template and messages. minimal is the same stack with the optional parts off and a custom
// public URL.
var synth, minimal struct {
	props    *RoomkeeperStackProps
	template assertions.Template
	json     map[string]any // the same template as plain Go values
	messages []*cxapi.SynthesisMessage
	outdir   string
}

const (
	testStackName = "roomkeeper-test"
	testPublicURL = "https://rooms.example.com"
	testNotifyURL = "https://hooks.example.com/roomkeeper?token=abc"
)

func TestMain(m *testing.M) {
	// Node 20 works but is past jsii's support window; keep its banner out of test output.
	os.Setenv("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code, err := synthAndRun(m)
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra tests:", err)
		code = 1
	}
	os.Exit(code)
}

func synthAndRun(m *testing.M) (int, error) {
	assets, err := os.MkdirTemp("", "roomkeeper-assets-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(assets)
	if err := writeBootstraps(assets); err != nil {
		return 0, err
	}
	context, err := readContext(filepath.Join("..", "cdk.json"))
	if err != nil {
		return 0, err
	}
	no := false
	synth.props = &RoomkeeperStackProps{
		AssetDir:            assets,
		MailFrom:            "roomkeeper <invites@mail.example.com>",
		SESIdentity:         "example.com",
		SESConfigurationSet: "roomkeeper-events",
		AlarmEmail:          "ops@example.com",
		NotifyURL:           testNotifyURL,
		Reminders:           map[string]string{"ROOMKEEPER_REMINDERS_CALCOM": "1h"},
		Slack:               SlackProps{TeamID: "T0ROOMS", AdminUsergroup: "S0ADMINS"},
		Provider:            "zoom",
		Zoom: ZoomProps{
			AccountID: "zoom-account", ClientID: "zoom-client", UserID: "host@example.com",
			AlternativeHosts: &no, DialInCountries: []string{"US", "NO"},
		},
		TwentyFour: TwentyFourProps{
			Instance: "acme", ClientID: "tf-client", UserID: "12", MeetingTypeID: "34",
			GuestURL: "https://acme.24sessions.com/join/{accessKey}", MeetingFields: `{"sendEmails":false}`,
		},
	}
	minimal.props = &RoomkeeperStackProps{
		AssetDir:    assets,
		MailFrom:    "roomkeeper <invites@example.com>",
		SESIdentity: "example.com",
		PublicURL:   testPublicURL,
	}
	for _, x := range []*struct {
		props    *RoomkeeperStackProps
		template assertions.Template
		json     map[string]any
		messages []*cxapi.SynthesisMessage
		outdir   string
	}{&synth, &minimal} {
		app := newApp(context)
		stack := NewRoomkeeperStack(app, testStackName, x.props)
		x.template = assertions.Template_FromStack(stack, nil)
		// Template_FromStack synthesised the app; Synth returns that same assembly.
		assembly := app.Synth(nil)
		x.outdir = *assembly.Directory()
		defer os.RemoveAll(x.outdir)
		x.messages = *assembly.GetStackArtifact(stack.ArtifactId()).Messages()
		raw, err := json.Marshal(x.template.ToJSON())
		if err != nil {
			return 0, err
		}
		if err := json.Unmarshal(raw, &x.json); err != nil {
			return 0, err
		}
	}
	return m.Run(), nil
}

func writeBootstraps(dir string) error {
	for _, fn := range functionNames {
		if err := os.MkdirAll(filepath.Join(dir, fn), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fn, "bootstrap"), []byte("placeholder "+fn), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// --- template helpers -----------------------------------------------------------------------

// has runs a CDK assertion, turning its panic into a test failure.
func has(t *testing.T, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	assertion()
}

type resource = map[string]any

// resources returns the template's resources of a type by logical id.
func resources(typ string) map[string]resource { return resourcesIn(synth.json, typ) }

// resourcesIn returns a template's resources of a type by logical id.
func resourcesIn(template map[string]any, typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range template["Resources"].(map[string]any) {
		if r := r.(map[string]any); r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

func props(r resource) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// only returns the single resource of a type that satisfies keep, failing otherwise.
func only(t *testing.T, typ string, keep func(id string, r resource) bool) (string, resource) {
	t.Helper()
	var ids []string
	for id, r := range resources(typ) {
		if keep(id, r) {
			ids = append(ids, id)
		}
	}
	require.Len(t, ids, 1, "want exactly one matching %s, got %v", typ, ids)
	return ids[0], resources(typ)[ids[0]]
}

// function returns the logical id and resource of a roomkeeper function, found by the
// description that names it.
func function(t *testing.T, name string) (string, resource) {
	t.Helper()
	return only(t, "AWS::Lambda::Function", func(_ string, r resource) bool { return isFunction(r, name) })
}

func isFunction(r resource, name string) bool {
	d, _ := props(r)["Description"].(string)
	return strings.HasPrefix(d, "roomkeeper "+name+":")
}

// envOf returns a function resource's environment variables.
func envOf(fn resource) map[string]any {
	env, _ := props(fn)["Environment"].(map[string]any) // none: the dialin function
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

// workQueues returns the logical ids of the work queue (the one with a redrive policy) and
// of its dead-letter queue.
func workQueues(t *testing.T) (queue, dlq string) {
	t.Helper()
	queue, q := only(t, "AWS::SQS::Queue", func(_ string, r resource) bool { return props(r)["RedrivePolicy"] != nil })
	dlq = getAttID(props(q)["RedrivePolicy"].(map[string]any)["deadLetterTargetArn"], "Arn")
	require.NotEmpty(t, dlq, "RedrivePolicy.deadLetterTargetArn is not a GetAtt")
	return queue, dlq
}

func scheduleDLQ(t *testing.T) string {
	t.Helper()
	_, s := only(t, "AWS::Scheduler::Schedule", func(string, resource) bool { return true })
	id := getAttID(props(s)["Target"].(map[string]any)["DeadLetterConfig"].(map[string]any)["Arn"], "Arn")
	require.NotEmpty(t, id)
	return id
}

func secretID(t *testing.T, name string) string {
	t.Helper()
	id, _ := only(t, "AWS::SecretsManager::Secret", func(_ string, r resource) bool {
		return props(r)["Name"] == testStackName+"/"+name
	})
	return id
}

func tableID(t *testing.T) string {
	t.Helper()
	id, _ := only(t, "AWS::DynamoDB::Table", func(string, resource) bool { return true })
	return id
}

func getAtt(id, attr string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func ref(id string) map[string]any          { return map[string]any{"Ref": id} }

// getAttID returns X of {"Fn::GetAtt": [X, attr]}, or "".
func getAttID(v any, attr string) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	a, ok := m["Fn::GetAtt"].([]any)
	if !ok || len(a) != 2 || a[1] != attr {
		return ""
	}
	id, _ := a[0].(string)
	return id
}

func refID(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	id, _ := m["Ref"].(string)
	return id
}

// canon is the JSON text of a template value, to compare values such as resources.
func canon(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func list(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// statement is one IAM policy statement, from an AWS::IAM::Policy or a role's inline policy.
type statement struct {
	source    string // where it came from, for messages
	effect    string
	actions   []string
	resources []any
	raw       map[string]any
}

// statements returns every identity-policy statement in the template: every AWS::IAM::Policy
// and every inline policy of an AWS::IAM::Role.
func statements(t *testing.T) []statement {
	t.Helper()
	var out []statement
	add := func(source string, doc any) {
		for _, s := range list(doc.(map[string]any)["Statement"]) {
			s := s.(map[string]any)
			st := statement{source: source, raw: s, resources: list(s["Resource"])}
			st.effect, _ = s["Effect"].(string)
			for _, a := range list(s["Action"]) {
				st.actions = append(st.actions, a.(string))
			}
			out = append(out, st)
		}
	}
	for id, r := range resources("AWS::IAM::Policy") {
		add(id, props(r)["PolicyDocument"])
	}
	for id, r := range resources("AWS::IAM::Role") {
		for _, p := range list(props(r)["Policies"]) {
			add(id+" inline", p.(map[string]any)["PolicyDocument"])
		}
	}
	return out
}

// grantsOf returns, for the role with the logical id, each allowed action mapped to the
// canonical JSON of every resource it is allowed on.
func grantsOf(t *testing.T, roleID string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for id, r := range resources("AWS::IAM::Policy") {
		attached := false
		for _, role := range list(props(r)["Roles"]) {
			attached = attached || refID(role) == roleID
		}
		if !attached {
			continue
		}
		for _, s := range list(props(r)["PolicyDocument"].(map[string]any)["Statement"]) {
			s := s.(map[string]any)
			require.Equal(t, "Allow", s["Effect"], "policy %s", id)
			for _, a := range list(s["Action"]) {
				for _, res := range list(s["Resource"]) {
					out[a.(string)] = append(out[a.(string)], canon(res))
				}
			}
		}
	}
	for a := range out {
		sort.Strings(out[a])
	}
	return out
}

func functionRole(t *testing.T, name string) string {
	t.Helper()
	_, fn := function(t, name)
	id := getAttID(props(fn)["Role"], "Arn")
	require.NotEmpty(t, id, "%s: Role is not a GetAtt of a role in the stack", name)
	return id
}

func secretEnvNames(env map[string]any) []string {
	var names []string
	for k := range env {
		if strings.HasSuffix(k, "_SECRET_ARN") {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// --- tests ----------------------------------------------------------------------------------

// wantEnv is each function's environment in the full stack: the names of its variables besides
// the secret ARNs, and the secrets whose ARNs it gets (exactly those it reads).
var wantEnv = map[string]struct {
	timeout float64
	vars    []string
	secrets []string
}{
	"bookings": {10, slices.Concat(baseVars, []string{"ROOMKEEPER_QUEUE_URL", "ROOMKEEPER_PROVIDER"}, zoomVars, twentyFourVars),
		[]string{"CALCOM_WEBHOOK_SECRET", "CALENDLY_WEBHOOK_SIGNING_KEY", "CRONOFY_CLIENT_SECRETS", "ROOMKEEPER_GENERIC_SECRET"}},
	"hooks": {10, slices.Concat(baseVars, []string{"ROOMKEEPER_QUEUE_URL"}),
		[]string{"WHEREBY_WEBHOOK_SECRET", "ZOOM_WEBHOOK_SECRET"}},
	"worker": {60, slices.Concat(baseVars, []string{"ROOMKEEPER_PROVIDER", "ROOMKEEPER_PUBLIC_URL", "ROOMKEEPER_TIME_ZONE", "ROOMKEEPER_LOCALE", "ROOMKEEPER_NOTIFY_URL", "ROOMKEEPER_REMINDERS_CALCOM", "ROOMKEEPER_DIALIN_FUNCTION"}, zoomVars, twentyFourVars, slackVars),
		[]string{"ROOMKEEPER_LINK_SECRET", "ROOMKEEPER_NOTIFY_SECRET", "SLACK_BOT_TOKEN", "TWENTYFOUR_CLIENT_SECRET", "WHEREBY_API_KEY", "ZOOM_CLIENT_SECRET"}},
	"sweeper": {60, slices.Concat(baseVars, []string{"ROOMKEEPER_QUEUE_URL", "ROOMKEEPER_WORKER_CONCURRENCY", "ROOMKEEPER_SWEEP_INTERVAL"}), nil},
	// No configuration and no secret: it normalises the numbers the worker sends it.
	"dialin": {5, nil, nil},
	"admin": {15, slices.Concat(baseVars, []string{"ROOMKEEPER_QUEUE_URL", "ROOMKEEPER_PROVIDER", "ROOMKEEPER_PUBLIC_URL", "ROOMKEEPER_TIME_ZONE", "ROOMKEEPER_LOCALE"}, zoomVars, twentyFourVars),
		[]string{"ROOMKEEPER_ADMIN_TOKEN", "ROOMKEEPER_HOST_SECRET", "ROOMKEEPER_LINK_SECRET", "TWENTYFOUR_CLIENT_SECRET", "WHEREBY_API_KEY", "ZOOM_CLIENT_SECRET"}},
	// The providers' settings to check a new room's provider; none of their secrets: it calls none.
	"slack": {10, slices.Concat(baseVars, []string{"ROOMKEEPER_QUEUE_URL", "ROOMKEEPER_PROVIDER", "ROOMKEEPER_PUBLIC_URL", "ROOMKEEPER_TIME_ZONE", "ROOMKEEPER_LOCALE"}, zoomVars, twentyFourVars, slackVars),
		[]string{"ROOMKEEPER_LINK_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}},
}

var (
	baseVars = []string{"ROOMKEEPER_DEPLOYMENT", "ROOMKEEPER_TABLE", "ROOMKEEPER_MAIL_FROM", "ROOMKEEPER_SES_CONFIGURATION_SET", "WHEREBY_API_URL",
		"ROOMKEEPER_CLEANUP_GRACE", "ROOMKEEPER_MAX_OVERRUN", "ROOMKEEPER_ROOM_SLACK", "ROOMKEEPER_WEBHOOK_TOLERANCE", "ROOMKEEPER_RETENTION"}
	zoomVars       = []string{"ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_USER_ID", "ZOOM_ALTERNATIVE_HOSTS", "ZOOM_DIAL_IN_COUNTRIES"}
	twentyFourVars = []string{"TWENTYFOUR_INSTANCE", "TWENTYFOUR_CLIENT_ID", "TWENTYFOUR_USER_ID", "TWENTYFOUR_MEETING_TYPE_ID",
		"TWENTYFOUR_GUEST_URL", "TWENTYFOUR_MEETING_FIELDS"}
	// The Slack app's settings: for the slack function (its routes) and the worker (its jobs, the knock alert).
	slackVars = []string{"SLACK_TEAM_ID", "SLACK_ADMIN_USERGROUP"}
)

func TestFunctions(t *testing.T) {
	has(t, func() {
		synth.template.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(len(functionNames)))
	})
	queue, _ := workQueues(t)
	api, _ := only(t, "AWS::ApiGatewayV2::Api", func(string, resource) bool { return true })
	for _, name := range functionNames {
		want := wantEnv[name]
		t.Run(name, func(t *testing.T) {
			has(t, func() {
				synth.template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
					"Description":   assertions.Match_StringLikeRegexp(jsii.String("^roomkeeper " + name + ":")),
					"Runtime":       "provided.al2023",
					"Architectures": []any{"arm64"},
					"Handler":       "bootstrap",
					"MemorySize":    128,
					"Timeout":       want.timeout,
					// Lambda's own START/REPORT lines off (WARN); the functions' INFO, their metrics
					// lines' level, kept.
					"LoggingConfig": map[string]any{"LogFormat": "JSON", "LogGroup": assertions.Match_AnyValue(),
						"SystemLogLevel": "WARN", "ApplicationLogLevel": "INFO"},
					"TracingConfig": map[string]any{"Mode": "Active"},
				})
			})

			_, fn := function(t, name)
			env := envOf(fn)
			var secretVars, vars []string
			for _, s := range want.secrets {
				secretVars = append(secretVars, s+"_SECRET_ARN")
			}
			assert.Equal(t, secretVars, secretEnvNames(env), "exactly the ARNs of the secrets it reads")
			for _, name := range secretVars {
				secret := secretID(t, strings.TrimSuffix(name, "_SECRET_ARN"))
				assert.Equal(t, ref(secret), env[name], "%s must name its own secret", name)
			}
			for k := range env {
				if !strings.HasSuffix(k, "_SECRET_ARN") {
					vars = append(vars, k)
				}
			}
			assert.ElementsMatch(t, want.vars, vars, "its other variables")

			if name != dialinFunction { // which has no configuration
				assert.Equal(t, ref(tableID(t)), env["ROOMKEEPER_TABLE"])
			}
			if _, ok := env["ROOMKEEPER_QUEUE_URL"]; ok {
				assert.Equal(t, ref(queue), env["ROOMKEEPER_QUEUE_URL"])
			}
			if _, ok := env["ROOMKEEPER_PUBLIC_URL"]; ok {
				assert.Equal(t, getAtt(api, "ApiEndpoint"), env["ROOMKEEPER_PUBLIC_URL"], "the API's endpoint, without a custom domain")
			}
			for k, want := range map[string]string{
				"ROOMKEEPER_DEPLOYMENT":            "roomkeepertest", // the stack's name, letters and digits
				"ROOMKEEPER_MAIL_FROM":             "roomkeeper <invites@mail.example.com>",
				"ROOMKEEPER_SES_CONFIGURATION_SET": "roomkeeper-events",
				"ROOMKEEPER_PROVIDER":              "zoom",
				"WHEREBY_API_URL":                  "https://api.whereby.dev/v1",
				"ROOMKEEPER_CLEANUP_GRACE":         "15m",
				"ROOMKEEPER_MAX_OVERRUN":           "2h",
				"ROOMKEEPER_ROOM_SLACK":            "168h",
				"ROOMKEEPER_WEBHOOK_TOLERANCE":     "5m",
				"ROOMKEEPER_RETENTION":             "720h",
				"ROOMKEEPER_REMINDERS_CALCOM":      "1h",
				"ZOOM_ACCOUNT_ID":                  "zoom-account",
				"ZOOM_CLIENT_ID":                   "zoom-client",
				"ZOOM_USER_ID":                     "host@example.com",
				"ZOOM_ALTERNATIVE_HOSTS":           "false",
				"ZOOM_DIAL_IN_COUNTRIES":           "US,NO",
				"TWENTYFOUR_INSTANCE":              "acme",
				"TWENTYFOUR_CLIENT_ID":             "tf-client",
				"TWENTYFOUR_USER_ID":               "12",
				"TWENTYFOUR_MEETING_TYPE_ID":       "34",
				"TWENTYFOUR_GUEST_URL":             "https://acme.24sessions.com/join/{accessKey}",
				"TWENTYFOUR_MEETING_FIELDS":        `{"sendEmails":false}`,
			} {
				if _, ok := env[k]; ok {
					assert.Equal(t, want, env[k], k)
				}
			}

			logs := refID(props(fn)["LoggingConfig"].(map[string]any)["LogGroup"])
			require.Contains(t, resources("AWS::Logs::LogGroup"), logs, "LoggingConfig.LogGroup is not a log group in the stack")
			assert.EqualValues(t, 30, props(resources("AWS::Logs::LogGroup")[logs])["RetentionInDays"], "log retention (days)")
		})
	}
}

func TestWorkQueue(t *testing.T) {
	queue, dlq := workQueues(t)
	_, worker := function(t, "worker")
	q := props(resources("AWS::SQS::Queue")[queue])

	assert.EqualValues(t, 5, q["RedrivePolicy"].(map[string]any)["maxReceiveCount"])
	visibility, ok := q["VisibilityTimeout"].(float64)
	require.True(t, ok, "VisibilityTimeout must be set, got %v", q["VisibilityTimeout"])
	assert.GreaterOrEqual(t, visibility, 6*props(worker)["Timeout"].(float64), "visibility timeout vs 6x the worker timeout")

	for id, r := range resources("AWS::SQS::Queue") {
		assert.Equal(t, true, props(r)["SqsManagedSseEnabled"], "queue %s: SSE", id)
		has(t, func() {
			synth.template.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
				"Queues": []any{ref(id)},
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
					assertions.Match_ObjectLike(&map[string]any{
						"Effect":    "Deny",
						"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
					}),
				})},
			})
		})
	}
	assert.NotEqual(t, dlq, scheduleDLQ(t), "the schedule has its own dead-letter queue")
}

func TestDeadLetterAlarms(t *testing.T) {
	_, workDLQ := workQueues(t)
	topic := alarmTopic(t)
	has(t, func() {
		synth.template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol": "email", "Endpoint": "ops@example.com", "TopicArn": ref(topic),
		})
	})
	for name, dlq := range map[string]string{"work queue": workDLQ, "schedule": scheduleDLQ(t)} {
		t.Run(name, func(t *testing.T) {
			has(t, func() {
				synth.template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
					"Namespace":          "AWS/SQS",
					"MetricName":         "ApproximateNumberOfMessagesVisible",
					"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": getAtt(dlq, "QueueName")}},
					"ComparisonOperator": "GreaterThanThreshold",
					"Threshold":          0,
					"AlarmActions":       []any{ref(topic)},
				})
			})
		})
	}
}

// alarmTopic returns the logical id of the topic the alarms notify.
func alarmTopic(t *testing.T) string {
	t.Helper()
	id, _ := only(t, "AWS::SNS::Topic", func(_ string, r resource) bool { return props(r)["DisplayName"] == "roomkeeper alarms" })
	return id
}

// mailTopic returns the logical id of the topic SES publishes bounces and complaints to.
func mailTopic(t *testing.T, tmpl map[string]any) string {
	t.Helper()
	var ids []string
	for id, r := range resourcesIn(tmpl, "AWS::SNS::Topic") {
		if props(r)["DisplayName"] == "roomkeeper mail events" {
			ids = append(ids, id)
		}
	}
	require.Len(t, ids, 1)
	return ids[0]
}

// TestMailEvents checks the path of SES's bounce and complaint events to the worker: the
// configuration set's event destination (Bounce and Complaint only) publishes to a topic that
// only SES, for this account and configuration set, may publish to; the topic's one
// subscription delivers raw to the work queue, which only that topic may send to.
func TestMailEvents(t *testing.T) {
	queue, _ := workQueues(t)
	for _, tt := range []struct {
		name string
		tmpl map[string]any
		tpl  assertions.Template
		set  any // the configuration set's name in the template
		own  int // configuration sets the stack makes
	}{
		{"an existing configuration set", synth.json, synth.template, "roomkeeper-events", 0},
		{"the stack's own", minimal.json, minimal.template, nil, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sets := resourcesIn(tt.tmpl, "AWS::SES::ConfigurationSet")
			require.Len(t, sets, tt.own)
			set := tt.set
			for id := range sets {
				set = ref(id)
			}
			topic := mailTopic(t, tt.tmpl)
			arn := []any{"arn:", ref("AWS::Partition"), ":ses:", ref("AWS::Region"), ":", ref("AWS::AccountId")}
			if name, ok := set.(string); ok {
				arn = append(arn, ":configuration-set/"+name) // CDK joins the literal parts
			} else {
				arn = append(arn, ":configuration-set/", set)
			}
			setArn := map[string]any{"Fn::Join": []any{"", arn}}
			has(t, func() {
				tt.tpl.HasResourceProperties(jsii.String("AWS::SES::ConfigurationSetEventDestination"), map[string]any{
					"ConfigurationSetName": set,
					"EventDestination": map[string]any{
						"Enabled":            true,
						"MatchingEventTypes": []any{"bounce", "complaint"},
						"SnsDestination":     map[string]any{"TopicARN": ref(topic)},
					},
				})
			})
			has(t, func() {
				tt.tpl.ResourceCountIs(jsii.String("AWS::SES::ConfigurationSetEventDestination"), jsii.Number(1))
			})

			var subs []resource
			for _, r := range resourcesIn(tt.tmpl, "AWS::SNS::Subscription") {
				if canon(props(r)["TopicArn"]) == canon(ref(topic)) {
					subs = append(subs, r)
				}
			}
			require.Len(t, subs, 1, "one subscription of the mail topic")
			assert.Equal(t, map[string]any{
				"Protocol": "sqs", "Endpoint": getAtt(queue, "Arn"), "TopicArn": ref(topic), "RawMessageDelivery": true,
			}, props(subs[0]), "raw delivery to the work queue, so the body is the SES event")

			has(t, func() {
				tt.tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
					"Topics": []any{ref(topic)},
					"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{
							"Effect":    "Deny",
							"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
						}),
						assertions.Match_ObjectLike(&map[string]any{
							"Effect":    "Allow",
							"Action":    "sns:Publish",
							"Principal": map[string]any{"Service": "ses.amazonaws.com"},
							"Resource":  ref(topic),
							"Condition": map[string]any{"StringEquals": map[string]any{
								"AWS:SourceAccount": ref("AWS::AccountId"),
								"AWS:SourceArn":     setArn,
							}},
						}),
					})},
				})
			})
			has(t, func() {
				tt.tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
					"Queues": []any{ref(queue)},
					"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{
							"Effect":    "Allow",
							"Action":    "sqs:SendMessage",
							"Principal": map[string]any{"Service": "sns.amazonaws.com"},
							"Resource":  getAtt(queue, "Arn"),
							"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": ref(topic)}},
						}),
					})},
				})
			})

			// Every function sends, or would send, through the configuration set (the dialin
			// function has no configuration).
			for _, r := range resourcesIn(tt.tmpl, "AWS::Lambda::Function") {
				if !isFunction(r, dialinFunction) {
					assert.Equal(t, set, envOf(r)["ROOMKEEPER_SES_CONFIGURATION_SET"])
				}
			}
		})
	}
}

// TestMetricAlarms checks the alarms on the functions' own metrics (written in CloudWatch's
// embedded metric format, namespace roomkeeper): each on the metric's total, missing data not a
// breach, notifying the alarm topic when there is one.
func TestMetricAlarms(t *testing.T) {
	topic := alarmTopic(t)
	for _, a := range []struct {
		name, metric, statistic, comparison string
		period, threshold                   float64
	}{
		{"a provider paused 15 minutes", "ProviderPaused", "Sum", "GreaterThanOrEqualToThreshold", 900, 900},
		{"a permanent failure", "PermanentFailures", "Sum", "GreaterThanOrEqualToThreshold", 300, 1},
		{"cleanup lag over 10 minutes", "CleanupLag", "Maximum", "GreaterThanThreshold", 300, 600},
	} {
		t.Run(a.name, func(t *testing.T) {
			want := map[string]any{
				"Namespace":          "roomkeeper",
				"MetricName":         a.metric,
				"Statistic":          a.statistic,
				"Period":             a.period,
				"Threshold":          a.threshold,
				"ComparisonOperator": a.comparison,
				"EvaluationPeriods":  1,
				"TreatMissingData":   "notBreaching",
				"AlarmActions":       []any{ref(topic)},
			}
			has(t, func() { synth.template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), want) })
			delete(want, "AlarmActions")
			var found []resource
			for _, r := range resourcesIn(minimal.json, "AWS::CloudWatch::Alarm") {
				if props(r)["MetricName"] == a.metric {
					found = append(found, r)
				}
			}
			require.Len(t, found, 1, "the alarm exists without an e-mail to send to too")
			assert.NotContains(t, props(found[0]), "AlarmActions")
			assert.NotContains(t, props(found[0]), "Dimensions", "the total over every provider")
		})
	}
	has(t, func() { synth.template.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(5)) })
}

func TestWorkerEventSource(t *testing.T) {
	queue, _ := workQueues(t)
	worker, _ := function(t, "worker")
	has(t, func() { synth.template.ResourceCountIs(jsii.String("AWS::Lambda::EventSourceMapping"), jsii.Number(1)) })
	has(t, func() {
		synth.template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"EventSourceArn":        getAtt(queue, "Arn"),
			"FunctionName":          ref(worker),
			"BatchSize":             10,
			"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
			"ScalingConfig":         map[string]any{"MaximumConcurrency": 2},
		})
	})
	// The sweeper enqueues at most what the worker takes: it is told the same concurrency.
	_, sweeper := function(t, "sweeper")
	assert.Equal(t, "2", envOf(sweeper)["ROOMKEEPER_WORKER_CONCURRENCY"])
}

// TestTheSweeperKnowsItsSchedule: the sweeper looks ahead to its next run, so it is told the
// interval its schedule invokes it at, written once in the stack.
func TestTheSweeperKnowsItsSchedule(t *testing.T) {
	_, sweeper := function(t, "sweeper")
	interval, err := time.ParseDuration(fmt.Sprint(envOf(sweeper)["ROOMKEEPER_SWEEP_INTERVAL"]))
	require.NoError(t, err)
	_, schedule := only(t, "AWS::Scheduler::Schedule", func(string, resource) bool { return true })
	var n int
	var unit string
	_, err = fmt.Sscanf(props(schedule)["ScheduleExpression"].(string), "rate(%d %s", &n, &unit)
	require.NoError(t, err)
	require.Contains(t, []string{"minute)", "minutes)"}, unit)
	assert.Equal(t, time.Duration(n)*time.Minute, interval, "the schedule's rate")
	assert.Equal(t, "rate(2 minutes)", rateExpression(2*time.Minute))
}

func TestSweepSchedule(t *testing.T) {
	sweeper, _ := function(t, "sweeper")
	dlq := scheduleDLQ(t)
	has(t, func() { synth.template.ResourceCountIs(jsii.String("AWS::Scheduler::Schedule"), jsii.Number(1)) })
	has(t, func() {
		synth.template.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), map[string]any{
			"ScheduleExpression": "rate(1 minute)",
			"FlexibleTimeWindow": map[string]any{"Mode": "OFF"},
			"Target": assertions.Match_ObjectLike(&map[string]any{
				"Arn":              getAtt(sweeper, "Arn"),
				"Input":            `{"scheduledTime":"<aws.scheduler.scheduled-time>"}`,
				"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60},
				"DeadLetterConfig": map[string]any{"Arn": getAtt(dlq, "Arn")},
			}),
		})
	})

	_, schedule := only(t, "AWS::Scheduler::Schedule", func(string, resource) bool { return true })
	role := getAttID(props(schedule)["Target"].(map[string]any)["RoleArn"], "Arn")
	require.NotEmpty(t, role, "Target.RoleArn is not a role in the stack")
	assert.Contains(t, list(schedule["DependsOn"]), role, "the schedule waits for its role")
	trust := props(resources("AWS::IAM::Role")[role])["AssumeRolePolicyDocument"].(map[string]any)
	assert.Equal(t, "scheduler.amazonaws.com", trust["Statement"].([]any)[0].(map[string]any)["Principal"].(map[string]any)["Service"])

	grants := grantsOf(t, role)
	sweeperArn := getAtt(sweeper, "Arn")
	assert.Equal(t, []string{
		canon(sweeperArn),
		canon(map[string]any{"Fn::Join": []any{"", []any{sweeperArn, ":$LATEST"}}}),
	}, grants["lambda:InvokeFunction"], "the schedule may invoke the sweeper only")
	assert.Equal(t, []string{canon(getAtt(dlq, "Arn"))}, grants["sqs:SendMessage"], "dead-letters go to its own queue")
	for action := range grants {
		assert.True(t, action == "lambda:InvokeFunction" || strings.HasPrefix(action, "sqs:"), "unexpected schedule permission %s", action)
	}

	// Lambda retries a failed sweep, but not once the next ones have long replaced it.
	has(t, func() {
		synth.template.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{
			"FunctionName": ref(sweeper), "MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 300,
		})
	})
}

func TestTable(t *testing.T) {
	has(t, func() { synth.template.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
	has(t, func() {
		synth.template.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": map[string]any{
				"BillingMode": "PAY_PER_REQUEST",
				"KeySchema":   []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}},
				"AttributeDefinitions": assertions.Match_ArrayWith(&[]any{
					map[string]any{"AttributeName": "pk", "AttributeType": "S"},
					map[string]any{"AttributeName": "dueShard", "AttributeType": "S"},
					map[string]any{"AttributeName": "dueAt", "AttributeType": "S"},
					map[string]any{"AttributeName": "listPart", "AttributeType": "S"},
					map[string]any{"AttributeName": "listSort", "AttributeType": "S"},
				}),
				"GlobalSecondaryIndexes": []any{map[string]any{
					"IndexName": "due",
					"KeySchema": []any{
						map[string]any{"AttributeName": "dueShard", "KeyType": "HASH"},
						map[string]any{"AttributeName": "dueAt", "KeyType": "RANGE"},
					},
					"Projection": map[string]any{"ProjectionType": "KEYS_ONLY"},
				}, map[string]any{
					"IndexName": "list",
					"KeySchema": []any{
						map[string]any{"AttributeName": "listPart", "KeyType": "HASH"},
						map[string]any{"AttributeName": "listSort", "KeyType": "RANGE"},
					},
					"Projection": map[string]any{"ProjectionType": "KEYS_ONLY"},
				}},
				"TimeToLiveSpecification":          map[string]any{"AttributeName": "expiresAt", "Enabled": true},
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			},
		})
	})
}

// integrationOf returns the logical id of the integration a route targets.
func integrationOf(t *testing.T, route resource) string {
	t.Helper()
	for _, part := range props(route)["Target"].(map[string]any)["Fn::Join"].([]any)[1].([]any) {
		if id := refID(part); id != "" {
			return id
		}
	}
	t.Fatalf("route %v has no integration", props(route)["RouteKey"])
	return ""
}

func TestAPI(t *testing.T) {
	routes := map[string]string{
		"POST /v1/bookings/{source}": "bookings",
		"POST /v1/hooks/{provider}":  "hooks",
		"ANY /v1/rooms":              "admin",
		"ANY /v1/rooms/{proxy+}":     "admin",
		"ANY /v1/bookings":           "admin",
		"ANY /v1/bookings/{id}":      "admin",
		"ANY /v1/usage":              "admin",
		"ANY /v1/people/{proxy+}":    "admin",
		"ANY /v1/operators":          "admin",
		"ANY /v1/operators/{proxy+}": "admin",
		"ANY /v1/audit":              "admin",
		"ANY /console":               "admin",
		"ANY /console/{proxy+}":      "admin",
		"GET /v1/host/{token}":       "admin",
		"GET /j/{token}":             "admin",
		// The Slack app: signed by Slack, served by the slack function (docs/slack.md).
		"POST /v1/slack/commands":     "slack",
		"POST /v1/slack/interactions": "slack",
		"POST /v1/slack/events":       "slack",
	}
	has(t, func() {
		synth.template.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Route"), jsii.Number(len(routes)))
	})
	got := map[string]string{}
	for id, r := range resources("AWS::ApiGatewayV2::Route") {
		key := props(r)["RouteKey"].(string)
		integration := integrationOf(t, r)
		require.Contains(t, resources("AWS::ApiGatewayV2::Integration"), integration, "route %s target", id)
		in := props(resources("AWS::ApiGatewayV2::Integration")[integration])
		assert.Equal(t, "AWS_PROXY", in["IntegrationType"], key)
		assert.Equal(t, "2.0", in["PayloadFormatVersion"], key)
		fn := getAttID(in["IntegrationUri"], "Arn")
		for _, name := range functionNames {
			if isFunction(resources("AWS::Lambda::Function")[fn], name) {
				got[key] = name
			}
		}
		// Authenticated in the function (a signature, the bearer token or a signed link), which
		// cdk-nag is told with a reason.
		assert.Equal(t, "NONE", props(r)["AuthorizationType"], key)
		assert.Contains(t, canon(r["Metadata"]), `"id":"AwsSolutions-APIG4"`, "%s: the missing authorizer's reason", key)
	}
	assert.Equal(t, routes, got, "each route's function")
	for _, name := range []string{"bookings", "hooks", "admin"} {
		fn, _ := function(t, name)
		has(t, func() {
			synth.template.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
				"Action": "lambda:InvokeFunction", "FunctionName": getAtt(fn, "Arn"), "Principal": "apigateway.amazonaws.com",
			})
		})
	}
	for _, name := range []string{"worker", "sweeper"} {
		fn, _ := function(t, name)
		for id, perm := range resources("AWS::Lambda::Permission") {
			assert.NotEqual(t, getAtt(fn, "Arn"), props(perm)["FunctionName"], "%s: the API may not invoke the %s", id, name)
		}
	}

	_, stage := only(t, "AWS::ApiGatewayV2::Stage", func(string, resource) bool { return true })
	s := props(stage)
	assert.Equal(t, "$default", s["StageName"])
	assert.Equal(t, true, s["AutoDeploy"])
	assert.Equal(t, map[string]any{"ThrottlingRateLimit": float64(DefaultAPIRateLimit), "ThrottlingBurstLimit": float64(DefaultAPIBurstLimit)},
		s["DefaultRouteSettings"], "stage throttle")
	logs := s["AccessLogSettings"].(map[string]any)
	logGroup := getAttID(logs["DestinationArn"], "Arn")
	require.Contains(t, resources("AWS::Logs::LogGroup"), logGroup, "access logs go to a log group in the stack")
	assert.EqualValues(t, 30, props(resources("AWS::Logs::LogGroup")[logGroup])["RetentionInDays"])
	var format map[string]string
	require.NoError(t, json.Unmarshal([]byte(logs["Format"].(string)), &format), "access log format is one JSON object")
	assert.Equal(t, "$context.requestId", format["requestId"])
	for k, v := range format {
		assert.NotContains(t, v, "header", "access logs must not carry headers (%s)", k)
		assert.NotContains(t, v, "body", "access logs must not carry bodies (%s)", k)
	}
}

// allSecrets are the secrets of the full stack.
var allSecrets = []string{"ROOMKEEPER_GENERIC_SECRET", "CALCOM_WEBHOOK_SECRET", "CALENDLY_WEBHOOK_SIGNING_KEY",
	"CRONOFY_CLIENT_SECRETS", "WHEREBY_API_KEY", "WHEREBY_WEBHOOK_SECRET", "ROOMKEEPER_ADMIN_TOKEN",
	"ZOOM_CLIENT_SECRET", "ZOOM_WEBHOOK_SECRET", "ROOMKEEPER_HOST_SECRET", "ROOMKEEPER_LINK_SECRET", "TWENTYFOUR_CLIENT_SECRET",
	"ROOMKEEPER_NOTIFY_SECRET", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"}

func TestSecrets(t *testing.T) {
	has(t, func() {
		synth.template.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(len(allSecrets)))
	})
	for _, name := range allSecrets {
		t.Run(name, func(t *testing.T) {
			r := resources("AWS::SecretsManager::Secret")[secretID(t, name)]
			p := props(r)
			assert.NotContains(t, p, "SecretString", "the operator sets the value, never the template")
			assert.NotContains(t, p, "GenerateSecretString", "no generated value")
			assert.Contains(t, canon(r["Metadata"]), `"id":"AwsSolutions-SMG4"`, "no rotation, suppressed with a reason")

			var readers []string
			for _, fn := range functionNames {
				if slices.Contains(wantEnv[fn].secrets, name) {
					readers = append(readers, fn)
				}
			}
			require.NotEmpty(t, readers, "a secret no function reads")
			for _, fn := range functionNames {
				_, f := function(t, fn)
				_, has := envOf(f)[name+"_SECRET_ARN"]
				assert.Equal(t, slices.Contains(readers, fn), has, "%s's environment", fn)
			}
		})
	}
}

// TestGrants checks that each function's role allows exactly the actions it uses, on exactly
// its own resources, and reads exactly the secrets in its environment.
func TestGrants(t *testing.T) {
	table := tableID(t)
	queue, _ := workQueues(t)
	tableArn := canon(getAtt(table, "Arn"))
	dueIndex := canon(map[string]any{"Fn::Join": []any{"", []any{getAtt(table, "Arn"), "/index/due"}}})
	listIndex := canon(map[string]any{"Fn::Join": []any{"", []any{getAtt(table, "Arn"), "/index/list"}}})
	queueArn := canon(getAtt(queue, "Arn"))
	sesArn := func(resource string) string {
		return canon(map[string]any{"Fn::Join": []any{"", []any{
			"arn:", ref("AWS::Partition"), ":ses:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":" + resource,
		}}})
	}
	send := []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}
	consume := []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}
	base := []string{"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments"}
	readSecrets := []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}
	dialin, _ := function(t, dialinFunction)
	dialinArn := canon(getAtt(dialin, "Arn"))

	tests := []struct {
		name    string
		actions []string            // every action the role allows
		on      map[string][]string // resources of some of them, exactly
	}{
		{
			name:    "bookings",
			actions: slices.Concat(base, readSecrets, []string{"dynamodb:GetItem", "dynamodb:PutItem"}, send),
			on: map[string][]string{
				"dynamodb:GetItem": {tableArn}, "dynamodb:PutItem": {tableArn}, "sqs:SendMessage": {queueArn},
			},
		},
		{
			name:    "hooks",
			actions: slices.Concat(base, readSecrets, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:Query"}, send),
			on: map[string][]string{
				"dynamodb:GetItem": {tableArn}, "dynamodb:PutItem": {tableArn}, "sqs:SendMessage": {queueArn},
				// A knock or a late end reads the booking's activity items.
				"dynamodb:Query": {listIndex}, "dynamodb:BatchGetItem": {tableArn},
			},
		},
		{
			name:    "worker",
			actions: slices.Concat(base, readSecrets, []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchGetItem", "ses:SendEmail", "ses:SendRawEmail", "lambda:InvokeFunction"}, consume),
			on: map[string][]string{
				// The dialin function alone, not its versions (ARN:*).
				"lambda:InvokeFunction": {dialinArn},
				"dynamodb:GetItem":      {tableArn}, "dynamodb:PutItem": {tableArn}, "sqs:ReceiveMessage": {queueArn},
				// A booking's activity items, and the Slack app's Home tab (the active rooms): the
				// list index, then the items.
				"dynamodb:Query": {listIndex}, "dynamodb:BatchGetItem": {tableArn},
				// The activity items' expiry, when their record's changed.
				"dynamodb:UpdateItem": {tableArn},
				"ses:SendEmail":       {sesArn("configuration-set/roomkeeper-events"), sesArn("identity/example.com")},
				"ses:SendRawEmail":    {sesArn("configuration-set/roomkeeper-events"), sesArn("identity/example.com")},
			},
		},
		{
			name:    "sweeper",
			actions: slices.Concat(base, []string{"dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:PutItem"}, send),
			on: map[string][]string{
				"dynamodb:Query": {dueIndex}, "sqs:SendMessage": {queueArn},
				"dynamodb:Scan": {tableArn}, "dynamodb:UpdateItem": {tableArn}, "dynamodb:GetItem": {tableArn}, "dynamodb:PutItem": {tableArn},
			},
		},
		{
			name: "admin",
			actions: slices.Concat(base, readSecrets, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem",
				"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"}, send),
			on: map[string][]string{
				"sqs:SendMessage":  {queueArn},
				"dynamodb:GetItem": {tableArn}, "dynamodb:BatchGetItem": {tableArn}, "dynamodb:PutItem": {tableArn},
				"dynamodb:UpdateItem": {tableArn}, "dynamodb:DeleteItem": {tableArn}, "dynamodb:Query": slices.Sorted(slices.Values([]string{dueIndex, listIndex})),
			},
		},
		{
			// Its logs and traces, nothing else: it reads no table, queue or secret.
			name:    "dialin",
			actions: base,
		},
		{
			// Retries marked seen; /rooms list (the list index, then the records); the app's jobs
			// to the queue. Nothing that makes, changes or deletes a room: the worker's jobs do.
			name:    "slack",
			actions: slices.Concat(base, readSecrets, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:Query"}, send),
			on: map[string][]string{
				"sqs:SendMessage":  {queueArn},
				"dynamodb:GetItem": {tableArn}, "dynamodb:BatchGetItem": {tableArn}, "dynamodb:PutItem": {tableArn},
				"dynamodb:Query": {listIndex},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role := functionRole(t, tt.name)
			grants := grantsOf(t, role)
			got := make([]string, 0, len(grants))
			for a := range grants {
				got = append(got, a)
			}
			sort.Strings(got)
			want := slices.Clone(tt.actions)
			sort.Strings(want)
			assert.Equal(t, want, slices.Compact(want), "test lists an action twice")
			assert.Equal(t, want, got, "actions allowed to the %s role", tt.name)
			for action, resources := range tt.on {
				assert.Equal(t, resources, grants[action], "resources of %s", action)
			}
			var readable []string
			for _, name := range wantEnv[tt.name].secrets {
				readable = append(readable, canon(ref(secretID(t, name))))
			}
			assert.ElementsMatch(t, readable, grants["secretsmanager:GetSecretValue"], "reads only its own secrets")
			assert.Empty(t, props(resources("AWS::IAM::Role")[role])["ManagedPolicyArns"], "no AWS managed policies")
		})
	}
}

// TestNoWildcards walks every identity policy in the template: no action may hold a "*", and
// the only "*" resource is X-Ray's (which has no resource-level permissions), suppressed
// for cdk-nag with a reason.
func TestNoWildcards(t *testing.T) {
	all := statements(t)
	require.NotEmpty(t, all)
	xray := []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}
	for _, s := range all {
		assert.Equal(t, "Allow", s.effect, "%s: %v", s.source, s.raw)
		assert.NotContains(t, s.raw, "NotAction", s.source)
		assert.NotContains(t, s.raw, "NotResource", s.source)
		for _, a := range s.actions {
			assert.NotContains(t, a, "*", "%s: wildcard action", s.source)
		}
		for _, r := range s.resources {
			if r == "*" {
				actions := slices.Sorted(slices.Values(s.actions))
				assert.Equal(t, xray, actions, "%s: only X-Ray may have Resource \"*\"", s.source)
				continue
			}
			assert.NotContains(t, canon(r), "*", "%s: wildcard in resource %s", s.source, canon(r))
		}
	}
	for id, r := range resources("AWS::IAM::Policy") {
		for _, s := range list(props(r)["PolicyDocument"].(map[string]any)["Statement"]) {
			if !slices.Contains(list(s.(map[string]any)["Resource"]), any("*")) {
				continue
			}
			meta, _ := r["Metadata"].(map[string]any)
			assert.Contains(t, canon(meta), `"applies_to":["Resource::*"]`, "%s: the X-Ray wildcard needs a cdk-nag suppression", id)
		}
	}
}

func TestOutputs(t *testing.T) {
	api, _ := only(t, "AWS::ApiGatewayV2::Api", func(string, resource) bool { return true })
	url := func(path string) any {
		return map[string]any{"Fn::Join": []any{"", []any{getAtt(api, "ApiEndpoint"), path}}}
	}
	outputs := map[string]any{
		"ApiUrl":                    getAtt(api, "ApiEndpoint"),
		"PublicUrl":                 getAtt(api, "ApiEndpoint"),
		"GenericWebhookUrl":         url("/v1/bookings/generic"),
		"CalcomWebhookUrl":          url("/v1/bookings/calcom"),
		"CalendlyWebhookUrl":        url("/v1/bookings/calendly"),
		"CronofyWebhookUrl":         url("/v1/bookings/cronofy"),
		"WherebyWebhookUrl":         url("/v1/hooks/whereby"),
		"ZoomWebhookUrl":            url("/v1/hooks/zoom"),
		"AdminApiUrl":               url("/v1/rooms"),
		"GenericSecretArn":          ref(secretID(t, "ROOMKEEPER_GENERIC_SECRET")),
		"CalcomSecretArn":           ref(secretID(t, "CALCOM_WEBHOOK_SECRET")),
		"CalendlySecretArn":         ref(secretID(t, "CALENDLY_WEBHOOK_SIGNING_KEY")),
		"CronofySecretArn":          ref(secretID(t, "CRONOFY_CLIENT_SECRETS")),
		"WherebyApiKeySecretArn":    ref(secretID(t, "WHEREBY_API_KEY")),
		"WherebyWebhookSecretArn":   ref(secretID(t, "WHEREBY_WEBHOOK_SECRET")),
		"AdminTokenSecretArn":       ref(secretID(t, "ROOMKEEPER_ADMIN_TOKEN")),
		"ZoomClientSecretArn":       ref(secretID(t, "ZOOM_CLIENT_SECRET")),
		"ZoomWebhookSecretArn":      ref(secretID(t, "ZOOM_WEBHOOK_SECRET")),
		"HostSecretArn":             ref(secretID(t, "ROOMKEEPER_HOST_SECRET")),
		"LinkSecretArn":             ref(secretID(t, "ROOMKEEPER_LINK_SECRET")),
		"TwentyFourClientSecretArn": ref(secretID(t, "TWENTYFOUR_CLIENT_SECRET")),
		"NotifySecretArn":           ref(secretID(t, "ROOMKEEPER_NOTIFY_SECRET")),
		"SlackSigningSecretArn":     ref(secretID(t, "SLACK_SIGNING_SECRET")),
		"SlackBotTokenSecretArn":    ref(secretID(t, "SLACK_BOT_TOKEN")),
		"SlackCommandsUrl":          url("/v1/slack/commands"),
		"SlackInteractionsUrl":      url("/v1/slack/interactions"),
		"SlackEventsUrl":            url("/v1/slack/events"),
	}
	assert.Len(t, synth.json["Outputs"], len(outputs), "no other outputs")
	for name, value := range outputs {
		t.Run(name, func(t *testing.T) {
			has(t, func() { synth.template.HasOutput(jsii.String(name), map[string]any{"Value": value}) })
		})
	}
}

// TestMinimalStack checks the stack without Zoom and 24sessions and with a custom public URL:
// no secret, variable or output of the providers that are off, and the links under the custom
// domain.
func TestMinimalStack(t *testing.T) {
	tmpl := minimal.json
	secrets := map[string]bool{}
	for _, r := range resourcesIn(tmpl, "AWS::SecretsManager::Secret") {
		secrets[strings.TrimPrefix(props(r)["Name"].(string), testStackName+"/")] = true
	}
	assert.Equal(t, map[string]bool{"ROOMKEEPER_GENERIC_SECRET": true, "CALCOM_WEBHOOK_SECRET": true,
		"CALENDLY_WEBHOOK_SIGNING_KEY": true, "CRONOFY_CLIENT_SECRETS": true, "WHEREBY_API_KEY": true,
		"WHEREBY_WEBHOOK_SECRET": true, "ROOMKEEPER_ADMIN_TOKEN": true, "ROOMKEEPER_LINK_SECRET": true}, secrets, "no secret of a provider that is off")

	fns := resourcesIn(tmpl, "AWS::Lambda::Function")
	require.Len(t, fns, len(functionNames)-1, "every function but the slack function: no Slack app")
	for _, name := range minimal.props.functions() {
		t.Run(name, func(t *testing.T) {
			var fn resource
			for _, r := range fns {
				if isFunction(r, name) {
					fn = r
				}
			}
			require.NotNil(t, fn)
			env := envOf(fn)
			for k := range env {
				assert.False(t, strings.HasPrefix(k, "ZOOM_") || strings.HasPrefix(k, "TWENTYFOUR_") || strings.HasPrefix(k, "ROOMKEEPER_HOST_SECRET"),
					"%s: %s belongs to a provider that is off", name, k)
				assert.False(t, strings.HasPrefix(k, "ROOMKEEPER_NOTIFY_"), "%s: %s without a receiver", name, k)
			}
			var secretVars []string
			for _, s := range wantEnv[name].secrets {
				if secrets[s] {
					secretVars = append(secretVars, s+"_SECRET_ARN")
				}
			}
			assert.Equal(t, secretVars, secretEnvNames(env))
			if name == "worker" {
				assert.Equal(t, testPublicURL, env["ROOMKEEPER_PUBLIC_URL"], "the custom domain, not the API's endpoint")
			}
			if p, ok := env["ROOMKEEPER_PROVIDER"]; ok {
				assert.Equal(t, "whereby", p)
			}
		})
	}

	outputs := tmpl["Outputs"].(map[string]any)
	for _, name := range []string{"ZoomWebhookUrl", "ZoomClientSecretArn", "ZoomWebhookSecretArn", "HostSecretArn", "TwentyFourClientSecretArn"} {
		assert.NotContains(t, outputs, name)
	}
	for name, want := range map[string]string{
		"PublicUrl":         testPublicURL,
		"WherebyWebhookUrl": testPublicURL + "/v1/hooks/whereby",
		"GenericWebhookUrl": testPublicURL + "/v1/bookings/generic",
		"AdminApiUrl":       testPublicURL + "/v1/rooms",
	} {
		assert.Equal(t, want, outputs[name].(map[string]any)["Value"], name)
	}
}

// dependsOn returns the resources the template's resource id refers to: Ref, Fn::GetAtt, the
// ${…} of Fn::Sub, and DependsOn.
func dependsOn(tmpl map[string]any, id string) map[string]bool {
	res := tmpl["Resources"].(map[string]any)
	sub := regexp.MustCompile(`\$\{([A-Za-z0-9]+)[.}]`)
	deps := map[string]bool{}
	add := func(target string) {
		if res[target] != nil {
			deps[target] = true
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				switch k {
				case "Ref":
					s, _ := x.(string)
					add(s)
				case "Fn::GetAtt":
					if a, ok := x.([]any); ok && len(a) > 0 {
						s, _ := a[0].(string)
						add(s)
					}
				case "Fn::Sub":
					s, _ := x.(string)
					if a, ok := x.([]any); ok && len(a) > 0 {
						s, _ = a[0].(string)
					}
					for _, m := range sub.FindAllStringSubmatch(s, -1) {
						add(m[1])
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	r := res[id].(map[string]any)
	walk(r["Properties"])
	for _, d := range list(r["DependsOn"]) {
		add(d.(string))
	}
	return deps
}

// TestNoDependencyCycle checks the shape that keeps the template acyclic although the worker's
// and the admin function's ROOMKEEPER_PUBLIC_URL is the HTTP API's endpoint while the API's
// routes invoke functions: they depend on the AWS::ApiGatewayV2::Api resource, which depends on no function; only the
// routes, integrations and permissions do. (A cycle itself fails every test: the assertions
// library refuses to load an undeployable template in TestMain.)
func TestNoDependencyCycle(t *testing.T) {
	api, _ := only(t, "AWS::ApiGatewayV2::Api", func(string, resource) bool { return true })
	for _, name := range []string{"worker", "admin"} {
		fn, _ := function(t, name)
		assert.True(t, dependsOn(synth.json, fn)[api], "the %s's ROOMKEEPER_PUBLIC_URL is the API's endpoint", name)
	}
	typeOf := func(id string) any { return synth.json["Resources"].(map[string]any)[id].(map[string]any)["Type"] }
	for d := range dependsOn(synth.json, api) {
		assert.NotEqual(t, "AWS::Lambda::Function", typeOf(d), "the API resource depends on the function %s", d)
	}
	for _, name := range functionNames {
		fn, _ := function(t, name)
		for d := range dependsOn(synth.json, fn) {
			typ := typeOf(d)
			assert.NotContains(t, []string{"AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Stage"}, typ,
				"%s depends on %s, which depends on the functions", name, d)
		}
	}
}

// TestNag checks cdk-nag's AwsSolutions pack (attached by newApp) found nothing unsuppressed,
// and that it did run: its report lists both checked and suppressed rules.
func TestNag(t *testing.T) {
	for _, m := range slices.Concat(synth.messages, minimal.messages) {
		data := fmt.Sprint(m.Entry.Data)
		if m.Level == cxapi.SynthesisMessageLevel_ERROR {
			t.Errorf("%s: %s", *m.Id, data)
		}
	}

	f, err := os.Open(filepath.Join(synth.outdir, "AwsSolutions-"+testStackName+"-NagReport.csv"))
	require.NoError(t, err, "cdk-nag report")
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	status := map[string][]string{} // compliance → "rule resource"
	for _, row := range rows[1:] {
		status[row[2]] = append(status[row[2]], row[0]+" "+row[1])
	}
	assert.Empty(t, status["Non-Compliant"])
	assert.NotEmpty(t, status["Compliant"])
	for _, rule := range []string{"AwsSolutions-APIG4", "AwsSolutions-SMG4", "AwsSolutions-IAM5"} {
		assert.True(t, slices.ContainsFunc(status["Suppressed"], func(s string) bool { return strings.HasPrefix(s, rule+" ") }),
			"%s suppressed with a reason, got %v", rule, status["Suppressed"])
	}
}

// zoom and twentyFour return complete settings of the providers.
func zoom() ZoomProps { return ZoomProps{AccountID: "acct", ClientID: "client"} }

func twentyFour() TwentyFourProps {
	return TwentyFourProps{Instance: "acme", ClientID: "c", UserID: "12", MeetingTypeID: "34",
		GuestURL: "https://acme.24sessions.com/join/{accessKey}"}
}

// withoutSlack returns a copy of the asset directory assets without the slack function's
// bootstrap, as `make build` of a tree before it would leave.
func withoutSlack(t *testing.T, assets string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(assets)))
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "slack")))
	return dir
}

func TestValidate(t *testing.T) {
	assets := t.TempDir()
	require.NoError(t, writeBootstraps(assets))
	valid := func() RoomkeeperStackProps {
		return RoomkeeperStackProps{AssetDir: assets, MailFrom: "roomkeeper <invites@example.com>", SESIdentity: "example.com"}
	}
	tests := []struct {
		name   string
		change func(p *RoomkeeperStackProps)
		want   string // "" for valid
	}{
		{"defaults", func(*RoomkeeperStackProps) {}, ""},
		{"address identity", func(p *RoomkeeperStackProps) { p.SESIdentity = "invites@example.com" }, ""},
		{"parent domain identity", func(p *RoomkeeperStackProps) { p.MailFrom = "invites@mail.example.com" }, ""},
		{"no asset dir", func(p *RoomkeeperStackProps) { p.AssetDir = "" }, "asset directory"},
		{"missing bootstrap", func(p *RoomkeeperStackProps) { p.AssetDir = t.TempDir() }, "bookings/bootstrap missing"},
		{"no slack bootstrap, no Slack app", func(p *RoomkeeperStackProps) { p.AssetDir = withoutSlack(t, assets) }, ""},
		{"no slack bootstrap with the Slack app", func(p *RoomkeeperStackProps) {
			p.AssetDir, p.Slack = withoutSlack(t, assets), SlackProps{TeamID: "T1"}
		}, "slack/bootstrap missing"},
		{"bad mail from", func(p *RoomkeeperStackProps) { p.MailFrom = "not an address" }, "ROOMKEEPER_MAIL_FROM"},
		{"no identity", func(p *RoomkeeperStackProps) { p.SESIdentity = "" }, "SES identity"},
		{"identity elsewhere", func(p *RoomkeeperStackProps) { p.SESIdentity = "example.org" }, "does not cover"},
		{"other address", func(p *RoomkeeperStackProps) { p.SESIdentity = "noreply@example.com" }, "does not cover"},
		{"suffix is not a subdomain", func(p *RoomkeeperStackProps) { p.SESIdentity = "ample.com" }, "does not cover"},
		{"unknown provider", func(p *RoomkeeperStackProps) { p.Provider = "jitsi" }, "ROOMKEEPER_PROVIDER: want whereby, zoom or 24sessions"},
		{"zoom not configured", func(p *RoomkeeperStackProps) { p.Provider = "zoom" }, "ROOMKEEPER_PROVIDER is zoom, but zoom is not configured"},
		{"24sessions not configured", func(p *RoomkeeperStackProps) { p.Provider = "24sessions" }, "24sessions is not configured"},
		{"zoom", func(p *RoomkeeperStackProps) { p.Provider, p.Zoom = "zoom", zoom() }, ""},
		{"zoom half configured", func(p *RoomkeeperStackProps) { p.Zoom = ZoomProps{ClientID: "c"} }, "set both ZOOM_ACCOUNT_ID and ZOOM_CLIENT_ID"},
		{"zoom plain http api", func(p *RoomkeeperStackProps) { p.Zoom = zoom(); p.Zoom.APIURL = "http://api.zoom.us/v2" }, "ZOOM_API_URL"},
		{"zoom plain http oauth", func(p *RoomkeeperStackProps) { p.Zoom = zoom(); p.Zoom.OAuthURL = "http://zoom.us/oauth/token" }, "ZOOM_OAUTH_URL"},
		{"zoom country", func(p *RoomkeeperStackProps) { p.Zoom = zoom(); p.Zoom.DialInCountries = []string{"USA"} }, "ZOOM_DIAL_IN_COUNTRIES"},
		{"zoom settings without ids are off", func(p *RoomkeeperStackProps) { p.Zoom = ZoomProps{UserID: "me"} }, ""},
		{"24sessions", func(p *RoomkeeperStackProps) { p.Provider, p.TwentyFour = "24sessions", twentyFour() }, ""},
		{"24sessions half configured", func(p *RoomkeeperStackProps) { p.TwentyFour = TwentyFourProps{Instance: "acme"} },
			"24sessions is half configured: set TWENTYFOUR_CLIENT_ID, TWENTYFOUR_USER_ID, TWENTYFOUR_MEETING_TYPE_ID"},
		{"24sessions without a guest link: the instance's own", func(p *RoomkeeperStackProps) {
			p.Provider, p.TwentyFour = "24sessions", twentyFour()
			p.TwentyFour.GuestURL = ""
		}, ""},
		{"24sessions instance", func(p *RoomkeeperStackProps) {
			p.TwentyFour = twentyFour()
			p.TwentyFour.Instance = "acme.24sessions.com"
		}, "TWENTYFOUR_INSTANCE"},
		{"24sessions user", func(p *RoomkeeperStackProps) { p.TwentyFour = twentyFour(); p.TwentyFour.UserID = "ada" }, "TWENTYFOUR_USER_ID"},
		{"24sessions meeting type", func(p *RoomkeeperStackProps) { p.TwentyFour = twentyFour(); p.TwentyFour.MeetingTypeID = "0" }, "TWENTYFOUR_MEETING_TYPE_ID"},
		{"24sessions guest link template", func(p *RoomkeeperStackProps) {
			p.TwentyFour = twentyFour()
			p.TwentyFour.GuestURL = "https://acme.24sessions.com/join"
		},
			"TWENTYFOUR_GUEST_URL: want a link template containing {accessKey}"},
		{"24sessions plain http guest link", func(p *RoomkeeperStackProps) {
			p.TwentyFour = twentyFour()
			p.TwentyFour.GuestURL = "http://acme.24sessions.com/join?key={accessKey}"
		}, "TWENTYFOUR_GUEST_URL: want an https:// link"},
		{"24sessions guest link with a query", func(p *RoomkeeperStackProps) {
			p.TwentyFour = twentyFour()
			p.TwentyFour.GuestURL = "https://acme.24sessions.com/join?key={accessKey}"
		}, ""},
		{"24sessions update method", func(p *RoomkeeperStackProps) { p.TwentyFour = twentyFour(); p.TwentyFour.UpdateMethod = "POST" }, "TWENTYFOUR_UPDATE_METHOD"},
		{"24sessions meeting fields", func(p *RoomkeeperStackProps) { p.TwentyFour = twentyFour(); p.TwentyFour.MeetingFields = "[1]" }, "TWENTYFOUR_MEETING_FIELDS"},
		{"plain http api", func(p *RoomkeeperStackProps) { p.WherebyAPIURL = "http://api.whereby.dev/v1" }, "WHEREBY_API_URL"},
		{"public url", func(p *RoomkeeperStackProps) { p.PublicURL = "https://rooms.example.com/roomkeeper" }, ""},
		{"plain http public url", func(p *RoomkeeperStackProps) { p.PublicURL = "http://rooms.example.com" }, "ROOMKEEPER_PUBLIC_URL"},
		{"negative duration", func(p *RoomkeeperStackProps) { p.Retention = -time.Hour }, "ROOMKEEPER_RETENTION"},
		{"slack below overrun", func(p *RoomkeeperStackProps) { p.RoomSlack = time.Hour }, "ROOMKEEPER_ROOM_SLACK"},
		{"overrun below grace", func(p *RoomkeeperStackProps) { p.MaxOverrun = 10 * time.Minute }, "ROOMKEEPER_MAX_OVERRUN"},
		{"alarm e-mail", func(p *RoomkeeperStackProps) { p.AlarmEmail = "ops" }, "alarm e-mail"},
		{"notify url", func(p *RoomkeeperStackProps) { p.NotifyURL = "https://hooks.example.com/rk?token=abc" }, ""},
		{"language", func(p *RoomkeeperStackProps) { p.Locale = "nb" }, ""},
		{"unknown language", func(p *RoomkeeperStackProps) { p.Locale = "ja" }, "ROOMKEEPER_LOCALE: want one of en, de, es, fr, nb"},
		{"plain http notify url", func(p *RoomkeeperStackProps) { p.NotifyURL = "http://127.0.0.1:9000/hook" }, "ROOMKEEPER_NOTIFY_URL: want an https:// URL"},
		{"plain http slack api url", func(p *RoomkeeperStackProps) { p.Slack = SlackProps{TeamID: "T1", APIURL: "http://127.0.0.1:1/api/"} }, "SLACK_API_URL"},
		{"notify url with credentials", func(p *RoomkeeperStackProps) { p.NotifyURL = "https://u:p@hooks.example.com" }, "ROOMKEEPER_NOTIFY_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.change(&p)
			err := p.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestPropsFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	t.Run("defaults", func(t *testing.T) {
		p, stack, err := propsFromEnv(env(nil))
		require.NoError(t, err)
		assert.Equal(t, "roomkeeper", stack)
		assert.Equal(t, "example.com", p.SESIdentity, "identity defaults to the sender's domain")
		assert.True(t, filepath.IsAbs(p.AssetDir))
		assert.Equal(t, "dist", filepath.Base(p.AssetDir))
		assert.Nil(t, p.Env, "environment-agnostic without CDK_DEFAULT_*")
	})
	t.Run("settings", func(t *testing.T) {
		p, stack, err := propsFromEnv(env(map[string]string{
			"ROOMKEEPER_STACK_NAME":      "rk-staging",
			"ROOMKEEPER_MAIL_FROM":       "Rooms <rooms@Mail.Example.org>",
			"ROOMKEEPER_CLEANUP_GRACE":   "30m",
			"ROOMKEEPER_API_RATE_LIMIT":  "5",
			"WHEREBY_API_URL":            "https://api.whereby.dev/v1/",
			"CDK_DEFAULT_ACCOUNT":        "123456789012",
			"CDK_DEFAULT_REGION":         "eu-north-1",
			"ROOMKEEPER_ALARM_EMAIL":     "ops@example.org",
			"ROOMKEEPER_RETENTION":       "",
			"ROOMKEEPER_API_BURST_LIMIT": "",
			"ROOMKEEPER_NOTIFY_URL":      "https://hooks.example.org/rk",
			"SLACK_TEAM_ID":              "T0ROOMS",
			"SLACK_ADMIN_USERS":          "U1, U2",
		}))
		require.NoError(t, err)
		assert.Equal(t, "rk-staging", stack)
		assert.Equal(t, "mail.example.org", p.SESIdentity)
		assert.Equal(t, 30*time.Minute, p.CleanupGrace)
		assert.Zero(t, p.Retention, "unset means the stack default")
		assert.Equal(t, 5.0, p.APIRateLimit)
		assert.Equal(t, "https://api.whereby.dev/v1", p.WherebyAPIURL)
		assert.Equal(t, "https://hooks.example.org/rk", p.NotifyURL)
		assert.Equal(t, SlackProps{TeamID: "T0ROOMS", AdminUsers: []string{"U1", "U2"}}, p.Slack)
		require.NotNil(t, p.Env)
		assert.Equal(t, "eu-north-1", *p.Env.Region)
	})
	t.Run("providers", func(t *testing.T) {
		p, _, err := propsFromEnv(env(map[string]string{
			"ROOMKEEPER_PROVIDER":        "zoom",
			"ROOMKEEPER_PUBLIC_URL":      "https://rooms.example.com/",
			"ZOOM_ACCOUNT_ID":            "acct",
			"ZOOM_CLIENT_ID":             "client",
			"ZOOM_USER_ID":               "host@example.com",
			"ZOOM_API_URL":               "https://api.zoom.us/v2/",
			"ZOOM_ALTERNATIVE_HOSTS":     "false",
			"ZOOM_DIAL_IN_COUNTRIES":     " us, no ,",
			"TWENTYFOUR_INSTANCE":        "Acme",
			"TWENTYFOUR_CLIENT_ID":       "tf",
			"TWENTYFOUR_USER_ID":         "12",
			"TWENTYFOUR_MEETING_TYPE_ID": "34",
			"TWENTYFOUR_GUEST_URL":       "https://acme.24sessions.com/join/{accessKey}",
			"TWENTYFOUR_UPDATE_METHOD":   "patch",
			"TWENTYFOUR_MEETING_FIELDS":  `{"sendEmails": false}`,
		}))
		require.NoError(t, err)
		assert.Equal(t, "zoom", p.Provider)
		assert.Equal(t, "https://rooms.example.com", p.PublicURL)
		require.NotNil(t, p.Zoom.AlternativeHosts)
		assert.False(t, *p.Zoom.AlternativeHosts)
		assert.Equal(t, ZoomProps{
			AccountID: "acct", ClientID: "client", UserID: "host@example.com", APIURL: "https://api.zoom.us/v2",
			AlternativeHosts: p.Zoom.AlternativeHosts, DialInCountries: []string{"US", "NO"},
		}, p.Zoom)
		assert.Equal(t, TwentyFourProps{
			Instance: "acme", ClientID: "tf", UserID: "12", MeetingTypeID: "34",
			GuestURL: "https://acme.24sessions.com/join/{accessKey}", UpdateMethod: "PATCH", MeetingFields: `{"sendEmails": false}`,
		}, p.TwentyFour)
		p.AssetDir = t.TempDir()
		require.NoError(t, writeBootstraps(p.AssetDir))
		require.NoError(t, p.Validate())
	})
	t.Run("invalid", func(t *testing.T) {
		_, _, err := propsFromEnv(env(map[string]string{"ROOMKEEPER_MAX_OVERRUN": "soon", "ROOMKEEPER_API_RATE_LIMIT": "-1",
			"ZOOM_ALTERNATIVE_HOSTS": "sometimes"}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ZOOM_ALTERNATIVE_HOSTS")
		assert.Contains(t, err.Error(), "ROOMKEEPER_MAX_OVERRUN")
		assert.Contains(t, err.Error(), "ROOMKEEPER_API_RATE_LIMIT")
	})
}

func TestEnvDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Minute:             "15m",
		2 * time.Hour:                "2h",
		168 * time.Hour:              "168h",
		90 * time.Second:             "1m30s",
		2*time.Hour + 30*time.Minute: "2h30m",
		time.Hour + 30*time.Second:   "1h0m30s",
		1500 * time.Millisecond:      "1.5s",
		0:                            "0s",
	} {
		t.Run(want, func(t *testing.T) {
			got := envDuration(d)
			assert.Equal(t, want, got)
			back, err := time.ParseDuration(got)
			require.NoError(t, err)
			assert.Equal(t, d, back)
		})
	}
}

func TestDeploymentID(t *testing.T) {
	for name, want := range map[string]string{
		"roomkeeper-test":        "roomkeepertest",
		"Staging_EU-2":           "stagingeu2",
		"---":                    "roomkeeper",
		strings.Repeat("ab", 20): strings.Repeat("ab", 16),
	} {
		assert.Equal(t, want, deploymentID(name), name)
	}
}

// TestDialin checks the dialin function's wiring: the worker is given its name and may invoke
// it (TestGrants: lambda:InvokeFunction on its ARN alone); it gets no configuration, no secret
// (TestFunctions, TestSecrets) and no permission beyond its logs and traces (TestGrants), and nothing else
// may invoke it: no API route, no resource policy.
func TestDialin(t *testing.T) {
	id, fn := function(t, dialinFunction)
	_, worker := function(t, "worker")
	assert.Equal(t, ref(id), envOf(worker)["ROOMKEEPER_DIALIN_FUNCTION"], "the worker invokes the stack's dialin function")
	for name, tmpl := range map[string]map[string]any{"full": synth.json, "minimal": minimal.json} {
		var fns []resource
		for _, r := range resourcesIn(tmpl, "AWS::Lambda::Function") {
			if isFunction(r, dialinFunction) {
				fns = append(fns, r)
			}
		}
		assert.Len(t, fns, 1, "%s stack: one dialin function, whatever the providers", name)
	}
	assert.Empty(t, envOf(fn), "no configuration")
	assert.EqualValues(t, 128, props(fn)["MemorySize"], "the smallest memory")
	for pid, perm := range resources("AWS::Lambda::Permission") {
		assert.NotEqual(t, getAtt(id, "Arn"), props(perm)["FunctionName"], "%s: only the worker's role may invoke it", pid)
	}
}

// TestNotify checks the outbound webhook's wiring: its URL in the worker's environment alone,
// its secret readable by the worker alone (TestSecrets, TestGrants), and an output to set it.
func TestNotify(t *testing.T) {
	for _, name := range functionNames {
		_, f := function(t, name)
		url, ok := envOf(f)["ROOMKEEPER_NOTIFY_URL"]
		if name == "worker" {
			assert.Equal(t, testNotifyURL, url)
		} else {
			assert.False(t, ok, "%s sends no events", name)
		}
	}
	outputs := synth.json["Outputs"].(map[string]any)
	assert.Contains(t, outputs, "NotifySecretArn")
	assert.NotContains(t, minimal.json["Outputs"].(map[string]any), "NotifySecretArn")
}

// TestSlack checks the Slack app's wiring: its routes only when it is configured, its settings
// with the functions that use them (TestFunctions), its secrets readable by those alone
// (TestSecrets, TestGrants), and its request URLs as outputs (TestOutputs).
func TestSlack(t *testing.T) {
	for _, name := range functionNames {
		_, f := function(t, name)
		team, ok := envOf(f)["SLACK_TEAM_ID"]
		if name == "slack" || name == "worker" {
			assert.Equal(t, "T0ROOMS", team, name)
		} else {
			assert.False(t, ok, "%s has no part in the Slack app", name)
		}
	}
	for _, r := range minimal.json["Resources"].(map[string]any) {
		if r.(map[string]any)["Type"] == "AWS::ApiGatewayV2::Route" {
			key := r.(map[string]any)["Properties"].(map[string]any)["RouteKey"].(string)
			assert.NotContains(t, key, "/v1/slack/", "no Slack routes without the app")
		}
		if r.(map[string]any)["Type"] == "AWS::SecretsManager::Secret" {
			assert.NotContains(t, canon(r), "SLACK_", "no Slack secrets without the app")
		}
	}
	assert.NotContains(t, minimal.json["Outputs"].(map[string]any), "SlackCommandsUrl")
	for _, r := range resourcesIn(minimal.json, "AWS::Lambda::Function") {
		assert.False(t, isFunction(r, "slack"), "no slack function without the app")
	}
}
