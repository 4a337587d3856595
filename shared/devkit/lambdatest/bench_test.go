package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"

	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/lambda/sweeper"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
)

// The benchmarks behind docs/benchmarks.md, "AWS functions". They build the function binaries
// for the machine they run on, with the deployment flags, and run them under the Runtime API
// emulator: the figures are this machine's, not Lambda's arm64.

// coldStartEnv is the configuration a function needs to start. Every endpoint points at a port
// nothing listens on: init must not need the network.
var coldStartEnv = []string{
	"ROOMKEEPER_TABLE=roomkeeper",
	"ROOMKEEPER_QUEUE_URL=http://127.0.0.1:9/000000000000/roomkeeper-work",
	"ROOMKEEPER_GENERIC_SECRET_SECRET_ARN=" + genericARN,
	"WHEREBY_API_KEY_SECRET_ARN=" + wherebyARN,
	"WHEREBY_API_URL=http://127.0.0.1:9/v1",
	"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:9",
	"AWS_ENDPOINT_URL_SQS=http://127.0.0.1:9",
	"AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:9",
	"AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:9",
	"AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:9",
	"ROOMKEEPER_DIALIN_FUNCTION=" + dialinFunction,
	"ROOMKEEPER_PUBLIC_URL=https://rooms.example.com", // the worker and admin make links under it
	"ROOMKEEPER_LINK_SECRET_SECRET_ARN=" + linkSecretARN,
}

// slackEnv configures the Slack app for the slack function, which without it registers no
// route: its cold start and init are measured as it is deployed, with the app on. The other
// functions start as before, without it.
var slackEnv = map[string][]string{"slack": {
	"SLACK_TEAM_ID=T0BENCH", "SLACK_SIGNING_SECRET_SECRET_ARN=" + slackSigningARN, "SLACK_BOT_TOKEN_SECRET_ARN=" + slackTokenARN,
}}

// BenchmarkColdStart measures each bootstrap's init: from starting the process to its first
// request for an invocation, beside an aws-lambda-go hello world built with the same flags,
// started in the same loop (hello world, function, hello world, function…) so that the
// machine's drift from minute to minute falls on both alike. ns/op is the function's mean init,
// hello-ns the hello world's in the same loop, x-hello the ratio of the two (goal ≤ 1.5 where a
// person waits, ≤ 2 for the worker and the sweeper), x-hello-med the median of the ratios of each
// pair of starts (one slow start, from a busy machine, moves it little), x-hello-cpu the ratio of
// the processor time the two used (user and system; a busy machine lengthens wall time, not
// this); MB is the binary's size for this machine.
func BenchmarkColdStart(b *testing.B) {
	pkgs := []string{"./shared/devkit/lambdatest/testdata/hello"}
	for _, name := range functionNames {
		pkgs = append(pkgs, functionPackages[name])
	}
	bins := Build(b, pkgs...)
	initOnce := func(b *testing.B, bin, name string) (wall, cpu time.Duration) {
		f := Start(b, bin, name, slices.Concat(coldStartEnv, slackEnv[name])...)
		d, err := f.WaitReady(context.Background())
		if err != nil {
			b.Fatalf("%v\n%s", err, f.Logs())
		}
		if _, err := f.Stop(); err != nil {
			b.Fatal(err)
		}
		return d, f.CPU()
	}
	for i, name := range functionNames {
		bin := bins[i+1]
		b.Run(name, func(b *testing.B) {
			var hello, fn, helloCPU, fnCPU time.Duration
			ratios := make([]float64, 0, b.N)
			for range b.N {
				h, hc := initOnce(b, bins[0], "hello")
				f, fc := initOnce(b, bin, name)
				hello, fn, helloCPU, fnCPU = hello+h, fn+f, helloCPU+hc, fnCPU+fc
				ratios = append(ratios, float64(f)/float64(h))
			}
			slices.Sort(ratios)
			b.ReportMetric(float64(fn.Nanoseconds())/float64(b.N), "ns/op")
			b.ReportMetric(float64(hello.Nanoseconds())/float64(b.N), "hello-ns")
			b.ReportMetric(float64(fn)/float64(hello), "x-hello")
			b.ReportMetric((ratios[(len(ratios)-1)/2]+ratios[len(ratios)/2])/2, "x-hello-med")
			b.ReportMetric(float64(fnCPU)/float64(helloCPU), "x-hello-cpu")
			if st, err := os.Stat(bin); err == nil {
				b.ReportMetric(float64(st.Size())/1e6, "MB")
			}
		})
	}
}

// BenchmarkSampleEvents runs each function on its events/ sample in a fresh process, as the
// samples chain (the booking, the worker on the SQS sample naming it, a sweep and a reap), then
// the hooks function on the webhooks of a guest and the host joining the room (sent by the Whereby
// sandbox through the HTTP API) and the admin function on GET /v1/rooms and the room's sessions,
// and reports each process's peak resident memory (the child's rusage maxrss; goal ≤ 40 MB).
func BenchmarkSampleEvents(b *testing.B) {
	e := startEmulators(b)
	peak := map[string]int64{}
	for i := range b.N {
		s := newStack(b, e, fmt.Sprint("mem", i))
		procs := map[string]*Function{}
		for _, name := range functionNames {
			if name == dialinFunction {
				procs[name] = s.dialin // the stack's own, which the worker invokes
				continue
			}
			procs[name], _ = s.start(name)
		}
		// bookings: the API Gateway sample with the default run, so the SQS sample names it.
		var resp events.APIGatewayV2HTTPResponse
		procs["bookings"].MustInvoke(b, s.bookingEvent("sample", nil), &resp)
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("bookings answered %d %s", resp.StatusCode, resp.Body)
		}
		var work events.SQSEventResponse
		procs["worker"].MustInvoke(b, sample(b, "sqs-batch.json"), &work)
		if len(s.sandbox.Rooms()) != 1 {
			b.Fatalf("the worker made %d rooms, want 1", len(s.sandbox.Rooms()))
		}
		var swept sweeper.Result
		procs["sweeper"].MustInvoke(b, sample(b, "scheduler-sweep.json"), &swept)
		procs["sweeper"].MustInvoke(b, []byte(`{"reap": true}`), &swept)
		room := s.sandbox.Rooms()[0]
		for _, who := range []struct{ name, role string }{{"Bob Guest", "visitor"}, {"Ada Host", "host"}} {
			if _, err := s.sandbox.Join(room.RoomName, who.name, who.role, false); err != nil {
				b.Fatalf("join: %v", err)
			}
		}
		tag := s.booking("sample").Room.Tag
		for _, path := range []string{"/v1/rooms", "/v1/rooms/" + tag + "/sessions"} {
			if resp, body := s.get(path, adminToken); resp.StatusCode != http.StatusOK {
				b.Fatalf("GET %s answered %d %v", path, resp.StatusCode, body)
			}
		}
		for name, f := range procs {
			rss, err := f.Stop()
			if err != nil {
				b.Fatal(err)
			}
			peak[name] = max(peak[name], rss)
		}
	}
	for name, rss := range peak {
		b.ReportMetric(float64(rss)/(1<<20), "MiB-"+name)
	}
}

// sample reads and expands an events/ file with the default run.
func sample(t testing.TB, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", file))
	if err != nil {
		t.Fatal(err)
	}
	out, err := eventfile.Expand(raw, eventfile.Vars{Now: time.Now(), Run: "sample"})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// BenchmarkWarmInvoke measures one warm invocation of each function against the emulators:
// bookings on a new signed booking, the worker on one message for a new booking (a room and two
// invites), the sweeper on an empty sweep, hooks on a new signed Whereby webhook (a guest joining
// the booking's room: verified, recorded), admin on GET /v1/rooms listing one room. The emulators
// answer on loopback, so this is the functions' own work plus emulator time, not AWS latency.
func BenchmarkWarmInvoke(b *testing.B) {
	e := startEmulators(b)
	b.Run("bookings", func(b *testing.B) {
		s := newStack(b, e, "warm-bookings")
		f, _ := s.start("bookings")
		f.MustInvoke(b, s.bookingEvent("warm", nil), nil)
		b.ResetTimer()
		for i := range b.N {
			b.StopTimer()
			ev := s.bookingEvent(fmt.Sprint("warm", i), nil)
			b.StartTimer()
			f.MustInvoke(b, ev, nil)
		}
	})
	b.Run("worker", func(b *testing.B) {
		s := newStack(b, e, "warm-worker")
		f, _ := s.start("worker")
		f.MustInvoke(b, events.SQSEvent{Records: []events.SQSMessage{sqsRecord("w", s.book("warm"))}}, nil)
		keys := make([]string, b.N)
		for i := range keys {
			keys[i] = s.book(fmt.Sprint("warm", i))
		}
		b.ResetTimer()
		for i := range b.N {
			f.MustInvoke(b, events.SQSEvent{Records: []events.SQSMessage{sqsRecord(fmt.Sprint("m", i), keys[i])}}, nil)
		}
	})
	b.Run("sweeper", func(b *testing.B) {
		s := newStack(b, e, "warm-sweeper")
		f, _ := s.start("sweeper")
		f.MustInvoke(b, sweepTick, nil)
		b.ResetTimer()
		for range b.N {
			f.MustInvoke(b, sweepTick, nil)
		}
	})
	b.Run("hooks", func(b *testing.B) {
		s := newStack(b, e, "warm-hooks")
		worker, _ := s.start("worker")
		f, _ := s.start("hooks")
		s.work(worker, s.book("warm"))
		// One real delivery from the sandbox, the model of the others.
		if _, err := s.sandbox.Join(s.sandbox.Rooms()[0].RoomName, "Bob Guest", "visitor", false); err != nil {
			b.Fatal(err)
		}
		model := s.sandbox.Webhooks()[0].Body
		b.ResetTimer()
		for i := range b.N {
			b.StopTimer()
			ev := wherebyHookEvent(b, model, fmt.Sprintf("%064x", i+1))
			b.StartTimer()
			var resp events.APIGatewayV2HTTPResponse
			f.MustInvoke(b, ev, &resp)
			if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"recorded"`) {
				b.Fatalf("hooks answered %d %s", resp.StatusCode, resp.Body)
			}
		}
	})
	b.Run("admin", func(b *testing.B) {
		s := newStack(b, e, "warm-admin")
		worker, _ := s.start("worker")
		f, _ := s.start("admin")
		s.work(worker, s.book("warm"))
		ev := apiEvent(b, httptest.NewRequest(http.MethodGet, "/v1/rooms", nil), "GET /v1/rooms", nil,
			"Authorization", "Bearer "+adminToken)
		f.MustInvoke(b, ev, nil)
		b.ResetTimer()
		for range b.N {
			var resp events.APIGatewayV2HTTPResponse
			f.MustInvoke(b, ev, &resp)
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("admin answered %d %s", resp.StatusCode, resp.Body)
			}
		}
	})
}

// apiEvent is the HTTP API event for r on routeKey, with the path parameters and the header
// pairs set.
func apiEvent(t testing.TB, r *http.Request, routeKey string, params map[string]string, header ...string) []byte {
	t.Helper()
	var names []string
	for k, v := range params {
		r.SetPathValue(k, v)
		names = append(names, k)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	ev, err := gatewayEvent(r, routeKey, names, 1)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// wherebyHookEvent is POST /v1/hooks/whereby carrying the webhook model with a new envelope id,
// signed now with the stack's Whereby webhook secret, as Whereby would send it.
func wherebyHookEvent(t testing.TB, model []byte, id string) []byte {
	t.Helper()
	var envelope map[string]any
	if err := json.Unmarshal(model, &envelope); err != nil {
		t.Fatal(err)
	}
	envelope["id"] = id
	// Another participant each time: a delivery recording what one before it did is a duplicate
	// (its activity item is keyed by what it records) and writes nothing.
	if data, ok := envelope["data"].(map[string]any); ok {
		data["participantId"] = "p-" + id
	}
	body, err := json.Marshal(envelope)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/v1/hooks/whereby", bytes.NewReader(body))
	return apiEvent(t, r, "POST /v1/hooks/{provider}", map[string]string{"provider": "whereby"},
		"Content-Type", "application/json", wherebyhook.SignatureHeader, wherebyhook.Sign(wherebyHookSecret, time.Now(), body))
}

// AWS list prices, us-east-1, read 2026-12-07 (docs/scale.md names the pages; SQS's and
// CloudWatch's are the commonly quoted figures, not confirmed against AWS's own pages).
const (
	priceAPIGateway    = 1.00 / 1e6   // HTTP API, per request (first 300 million a month)
	priceLambdaReq     = 0.20 / 1e6   // per invocation
	priceLambdaGBs     = 0.0000133334 // arm64, per GB-second
	priceWRU           = 0.625 / 1e6  // on-demand
	priceRRU           = 0.125 / 1e6  // on-demand
	priceStorage       = 0.25         // DynamoDB Standard table class, per GB-month
	priceSQS           = 0.40 / 1e6   // standard queue, per request (price unconfirmed)
	priceSES           = 0.10 / 1000  // per e-mail
	priceSecretsRead   = 0.05 / 10000 // per GetSecretValue
	priceSecretMonth   = 0.40         // per secret and month
	priceScheduler     = 1.00 / 1e6   // EventBridge Scheduler, per invocation (14 million a month free)
	priceLogsIngest    = 0.50         // CloudWatch Logs, standard class, per GB ingested (unconfirmed)
	priceLogsStore     = 0.03         // CloudWatch Logs, per GB-month stored (unconfirmed)
	lifecycleBatch     = 10           // bookings per lifecycle iteration, and the SQS batch size
	targetWorkerWrites = 6            // issue 15's goal: the worker's writes per lifecycle, each ≤ 1 KB
	// maxWorkerWrites is what the worker writes per lifecycle now: per run the lease with the
	// intents, then each send's result before the next send (so a stopped run leaves at most one
	// message unrecorded), the last with the run's end — 3 + 3 + 2 with two recipients.
	maxWorkerWrites = 8
	lifecycleLead   = 8 * time.Second // from a booking being made to its reminder
	secretsInStack  = 6               // the secrets a stack with one booking source and Whereby holds
)

// accessLogBytes is the API's access log line for a booking webhook: infra/stack.go's
// accessLogFormat with typical values, an estimate.
const accessLogBytes = 305

// stackSettings are what infra/stack.go sets that the prices depend on, read from its source
// (its own module cannot import this one): the functions' memory (functionMemoryMB) and the
// level of Lambda's own log lines (systemLogLevel).
type stackSettings struct {
	MemoryGB float64
	// PlatformLogBytes is what Lambda's own lines add to an invocation: at INFO its start and
	// report (START, END and REPORT in the text format; about 350 bytes, an estimate), at WARN
	// nothing for an invocation that succeeds.
	PlatformLogBytes float64
}

// readStack reads the settings from infra/stack.go.
func readStack(t testing.TB) stackSettings {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "infra", "stack.go"))
	if err != nil {
		t.Fatal(err)
	}
	mem := regexp.MustCompile(`(?m)^\s*functionMemoryMB\s*=\s*(\d+)`).FindSubmatch(src)
	level := regexp.MustCompile(`(?m)^\s*systemLogLevel\s*=\s*awslambda\.SystemLogLevel_([A-Z]+)`).FindSubmatch(src)
	if mem == nil || level == nil {
		t.Fatal("infra/stack.go sets no functionMemoryMB or systemLogLevel constant")
	}
	mb, _ := strconv.Atoi(string(mem[1]))
	s := stackSettings{MemoryGB: float64(mb) / 1024}
	switch string(level[1]) {
	case "WARN":
	case "INFO":
		s.PlatformLogBytes = 350
	default:
		t.Fatalf("infra/stack.go: no estimate of Lambda's own lines at %s", level[1])
	}
	return s
}

// lifecycle is what one booking's lifecycle uses, as BenchmarkBookingLifecycle measures it.
type lifecycle struct {
	API, Invocations, LambdaSeconds float64
	WRU, RRU, StoredBytes           float64
	SQS, SES, Secrets, LogBytes     float64
	Stack                           stackSettings
}

// costs returns what one lifecycle costs at the prices above, by item, e-mail excluded. Its
// items are stored for a month (the retention, 720 hours by default) and so are its logs (the
// stack's log groups keep a month).
func (l lifecycle) costs() map[string]float64 {
	return map[string]float64{
		"API Gateway":         l.API * priceAPIGateway,
		"Lambda requests":     l.Invocations * priceLambdaReq,
		"Lambda duration":     l.LambdaSeconds * l.Stack.MemoryGB * priceLambdaGBs,
		"DynamoDB writes":     l.WRU * priceWRU,
		"DynamoDB reads":      l.RRU * priceRRU,
		"DynamoDB storage":    l.StoredBytes / 1e9 * priceStorage,
		"SQS":                 l.SQS * priceSQS,
		"Secrets Manager":     l.Secrets * priceSecretsRead,
		"CloudWatch Logs/EMF": l.LogBytes / 1e9 * (priceLogsIngest + priceLogsStore),
	}
}

// sumCosts sums costs.
func sumCosts(costs map[string]float64) float64 {
	sum := 0.0
	for _, c := range costs {
		sum += c
	}
	return sum
}

// monthlyFixed is what a stack costs a month whatever its bookings: the sweep schedule (one
// invocation a minute, each at least the 16 due index queries and the backfill's meta item:
// 8.5 RRU, and what an idle sweep logs) and the secrets. Sweeps that find work are in the
// lifecycle.
func monthlyFixed(st stackSettings, sweepSeconds, idleSweepLogBytes float64) float64 {
	const sweeps = 60 * 24 * 30
	return sweeps*(priceScheduler+priceLambdaReq+sweepSeconds*st.MemoryGB*priceLambdaGBs+8.5*priceRRU+
		(idleSweepLogBytes+st.PlatformLogBytes)/1e9*(priceLogsIngest+priceLogsStore)) +
		secretsInStack*priceSecretMonth
}

// loggedBy returns the bytes of the lines of logs that carry one of the request ids.
func loggedBy(logs string, ids map[string]bool) int {
	n := 0
	for _, l := range strings.SplitAfter(logs, "\n") {
		var line struct {
			RequestID string `json:"requestId"`
		}
		if json.Unmarshal([]byte(l), &line) == nil && ids[line.RequestID] {
			n += len(l)
		}
	}
	return n
}

// BenchmarkBookingLifecycle runs batches of ten bookings through issue 15's lifecycle — one guest,
// one reminder, no change: created → invited → reminded → cleaned up (with the organizer's summary
// of who came; nobody joins) — with the function binaries, counting each function's AWS requests at the emulator side, and
// from them and list prices estimates the cost per 1,000 bookings. The worker gets the ten
// nudges as one SQS batch, as an event source mapping with batch size 10 would; the event source
// mapping's own ReceiveMessage and DeleteMessageBatch calls are estimated (one each per batch).
// Lambda duration is billed at the measured invocation round trip, at the stack's memory; the
// table's storage is what the lifecycle left in it (kept for the retention, a month), and the
// logs are what the functions wrote in the invocations counted (the sweeps that found nothing,
// a few a second here and one a minute in AWS, are the schedule's fixed cost), plus Lambda's own
// lines at the stack's system log level and the API's access log line of each webhook (both
// estimated).
//
// It reports the AWS cost per 1,000 bookings with e-mail excluded (USD/1k-bookings-no-email), the
// same with the worker's item writes replaced by issue 15's goal of six writes of at most 1 KB
// (USD/1k-at-goal-writes), and the whole stack's monthly cost at a million bookings a day, SES,
// the sweep schedule and the secrets included (USD/month-at-1M/day); its log has the table
// docs/scale.md shows.
func BenchmarkBookingLifecycle(b *testing.B) {
	e := startEmulators(b)
	st := readStack(b)
	var total usage
	byFunction := map[string]usage{}
	invocations := map[string]int{}
	logged := map[string]int{}
	var billed, sweepTime time.Duration
	bookingsDone, stored, idleSweeps, idleSweepBytes := 0, 0, 0, 0
	for i := range b.N {
		s := newStack(b, e, fmt.Sprint("life", i))
		fns := map[string]*Function{}
		proxies := map[string]*awsProxy{}
		for _, name := range []string{"bookings", "worker", "sweeper"} {
			fns[name], proxies[name] = s.start(name)
		}
		invoke := func(name string, in any, out any) {
			start := time.Now()
			fns[name].MustInvoke(b, in, out)
			billed += time.Since(start)
			invocations[name]++
		}

		// The reminder, a minute before the start (the shortest there is), comes due a few
		// seconds after the booking is made; the cleanup a few seconds after the start.
		start := time.Now().Add(time.Minute + lifecycleLead).UTC().Truncate(time.Second)
		for j := range lifecycleBatch {
			ev := s.bookingEvent(fmt.Sprintf("life%d-%d", i, j), func(data map[string]any) {
				data["start"] = start.Format(time.RFC3339)
				data["end"] = start.Add(5 * time.Second).Format(time.RFC3339)
				data["attendees"] = data["attendees"].([]any)[:1]
				data["reminders"] = []string{"1m"}
			})
			var resp events.APIGatewayV2HTTPResponse
			invoke("bookings", ev, &resp)
			if resp.StatusCode != http.StatusAccepted {
				b.Fatalf("bookings answered %d %s", resp.StatusCode, resp.Body)
			}
		}
		deliverAll := func() {
			var msgs []sqstypes.Message
			for len(msgs) < lifecycleBatch {
				got := s.receive()
				if len(got) == 0 {
					b.Fatalf("%d messages on the queue, want %d", len(msgs), lifecycleBatch)
				}
				msgs = append(msgs, got...)
			}
			var resp events.SQSEventResponse
			invoke("worker", s.sqsEvent(msgs), &resp)
			if len(resp.BatchItemFailures) > 0 {
				b.Fatalf("worker failed %v", resp.BatchItemFailures)
			}
			s.ack(msgs, resp)
		}
		deliverAll()
		if n := len(s.sandbox.Rooms()); n != lifecycleBatch {
			b.Fatalf("%d rooms, want %d", n, lifecycleBatch)
		}
		// Sweep as the schedule would, until the ten are due. Only the sweep that finds them is
		// counted towards them; the others are the schedule's fixed cost (see sweepCost).
		var swept usage
		counted, idle := map[string]bool{}, map[string]bool{} // the sweeps' request ids
		sweepDue := func(what string) {
			for deadline := time.Now().Add(time.Minute + 30*time.Second); ; {
				var res sweeper.Result
				before := proxies["sweeper"].Usage()
				start := time.Now()
				resp, err := fns["sweeper"].Invoke(context.Background(), sweepTick)
				if err != nil || resp.Error != nil {
					b.Fatalf("sweeper: %v %v", err, resp.Error)
				}
				if err := json.Unmarshal(resp.Payload, &res); err != nil {
					b.Fatal(err)
				}
				if res.Enqueued == lifecycleBatch {
					billed += time.Since(start)
					sweepTime += time.Since(start)
					invocations["sweeper"]++
					swept = swept.add(proxies["sweeper"].Usage().sub(before))
					counted[resp.RequestID] = true
					return
				}
				idle[resp.RequestID] = true
				if time.Now().After(deadline) {
					b.Fatalf("only %d bookings became due for their %s", res.Enqueued, what)
				}
				time.Sleep(500 * time.Millisecond)
			}
		}
		sweepDue("reminder")
		deliverAll()
		if n := len(s.sandbox.Rooms()); n != lifecycleBatch {
			b.Fatalf("%d rooms after the reminders, want %d", n, lifecycleBatch)
		}
		sweepDue("cleanup")
		deliverAll()
		if n := len(s.sandbox.Rooms()); n != 0 {
			b.Fatalf("%d rooms left after cleanup", n)
		}
		bookingsDone += lifecycleBatch
		stored += s.index.stored()
		for name, p := range proxies {
			u := p.Usage()
			if name == "sweeper" {
				// Only the sweeps that found the bookings due count towards them.
				u = swept
			}
			byFunction[name] = byFunction[name].add(u)
			total = total.add(u)
		}
		for _, f := range fns {
			if _, err := f.Stop(); err != nil {
				b.Fatal(err)
			}
		}
		// Read once the processes are stopped, so every line they wrote is in.
		for name, f := range fns {
			if name == "sweeper" {
				logged[name] += loggedBy(f.Logs(), counted)
				idleSweeps += len(idle)
				idleSweepBytes += loggedBy(f.Logs(), idle)
				continue
			}
			logged[name] += len(f.Logs())
		}
	}

	per := func(n float64) float64 { return n / float64(bookingsDone) }
	batches := 3.0 * float64(b.N) // one SQS batch each for the invites, the reminders, the cleanups
	// The worker's invocations of the dialin function are requests too (its duration, a few ms, is
	// not measured here; it logs nothing of its own).
	lambdaInvocations := float64(invocations["bookings"] + invocations["worker"] + invocations["sweeper"] + total.Calls["Lambda.Invoke"])
	today := lifecycle{
		API:           per(float64(invocations["bookings"])),
		Invocations:   per(lambdaInvocations),
		LambdaSeconds: per(billed.Seconds()),
		WRU:           per(total.WRU),
		RRU:           per(total.RRU),
		StoredBytes:   per(float64(stored)),
		SQS:           per(float64(total.service("SQS")) + 2*batches),
		SES:           per(float64(total.Calls["SESv2.SendEmail"])),
		Secrets:       per(float64(total.service("SecretsManager"))),
		LogBytes: per(float64(logged["bookings"]+logged["worker"]+logged["sweeper"]) + st.PlatformLogBytes*lambdaInvocations +
			accessLogBytes*float64(invocations["bookings"])),
		Stack: st,
	}
	// At the goal, the worker writes targetWorkerWrites items of at most 1 KB; the rest as
	// measured, the indexes' writes included.
	worker := byFunction["worker"]
	target := today
	target.WRU = today.WRU - per(worker.WRU-worker.IndexWRU) + targetWorkerWrites
	costs := today.costs()
	const day, month = 1e6, 30 * 1e6 // issue 15's million bookings a day
	sweepSeconds := sweepTime.Seconds() / float64(b.N)
	idleSweepLog := float64(idleSweepBytes) / float64(max(idleSweeps, 1))
	fixed := monthlyFixed(st, sweepSeconds, idleSweepLog)
	monthly := month*(sumCosts(costs)+today.SES*priceSES) + fixed

	workerWrites := per(float64(worker.Calls["DynamoDB.PutItem"] + worker.Calls["DynamoDB.UpdateItem"] +
		worker.Calls["DynamoDB.DeleteItem"] + worker.Calls["DynamoDB.BatchWriteItem"]))
	if workerWrites > maxWorkerWrites {
		b.Errorf("the worker wrote %.1f items per booking, more than the %d it takes", workerWrites, maxWorkerWrites)
	}
	b.ReportMetric(workerWrites, "worker-writes/booking")
	b.ReportMetric(per(worker.WRU), "worker-WRU/booking")
	b.ReportMetric(per(float64(total.service("DynamoDB"))), "ddb-req/booking")
	b.ReportMetric(today.WRU, "WRU/booking")
	b.ReportMetric(per(total.IndexWRU), "index-WRU/booking")
	b.ReportMetric(today.RRU, "RRU/booking")
	b.ReportMetric(today.StoredBytes, "stored-B/booking")
	b.ReportMetric(today.LogBytes, "log-B/booking")
	b.ReportMetric(today.SQS, "sqs-req/booking")
	b.ReportMetric(today.SES, "ses-req/booking")
	b.ReportMetric(today.Invocations, "invocations/booking")
	b.ReportMetric(sumCosts(costs)*1000, "USD/1k-bookings-no-email")
	b.ReportMetric(sumCosts(target.costs())*1000, "USD/1k-at-goal-writes")
	b.ReportMetric(monthly, "USD/month-at-1M/day")

	var lines []string
	for name, u := range byFunction {
		ops := make([]string, 0, len(u.Calls))
		for op, n := range u.Calls {
			ops = append(ops, fmt.Sprintf("%s %.2f", op, per(float64(n))))
		}
		sort.Strings(ops)
		lines = append(lines, fmt.Sprintf("%s (%d invocations, %.2f WRU, %.2f RRU per booking): %s",
			name, invocations[name], per(u.WRU), per(u.RRU), strings.Join(ops, ", ")))
	}
	slices.Sort(lines)
	names := slices.Sorted(maps.Keys(costs))
	var rows []string
	for _, k := range names {
		rows = append(rows, fmt.Sprintf("| %s | $%.4f | $%.4f | $%.0f |", k, costs[k]*1000, target.costs()[k]*1000, costs[k]*month))
	}
	b.Logf("per booking, over %d bookings:\n  %s\n  Lambda billed %.1f ms per booking; %.0f bytes stored, %.0f bytes logged per booking "+
		"(bookings %.0f, worker %.0f, sweeper %.0f, Lambda's own lines %.0f, the API's access log %.0f; an idle sweep logs %.0f bytes)\n"+
		"| item | per 1,000 bookings | at %d worker writes | a month at %.0f a day |\n%s\n"+
		"| total, e-mail excluded | $%.4f | $%.4f | $%.0f |\n"+
		"SES: %.1f e-mails per booking, $%.4f per 1,000 bookings, $%.0f a month; fixed: $%.2f a month (sweeps, secrets); all in, a month: $%.0f",
		bookingsDone, strings.Join(lines, "\n  "), per(float64(billed.Milliseconds())), today.StoredBytes, today.LogBytes,
		per(float64(logged["bookings"])), per(float64(logged["worker"])), per(float64(logged["sweeper"])),
		per(st.PlatformLogBytes*lambdaInvocations), per(accessLogBytes*float64(invocations["bookings"])), idleSweepLog,
		targetWorkerWrites, day, strings.Join(rows, "\n"),
		sumCosts(costs)*1000, sumCosts(target.costs())*1000, sumCosts(costs)*month,
		today.SES, today.SES*priceSES*1000, today.SES*priceSES*month, fixed, monthly)
}

// sub returns u minus v.
func (u usage) sub(v usage) usage {
	out := usage{Calls: map[string]int{}, WRU: u.WRU - v.WRU, RRU: u.RRU - v.RRU, IndexWRU: u.IndexWRU - v.IndexWRU}
	for k, c := range u.Calls {
		if d := c - v.Calls[k]; d != 0 {
			out.Calls[k] = d
		}
	}
	return out
}

// TestTheLifecyclePricesWhatTheStackSets: BenchmarkBookingLifecycle's memory and estimate of
// Lambda's own log lines come from infra/stack.go, so the benchmark fails fast, not after
// minutes, when the stack's constants are renamed; and it counts a sweep's lines by request id.
func TestTheLifecyclePricesWhatTheStackSets(t *testing.T) {
	st := readStack(t)
	assert.Greater(t, st.MemoryGB, 0.0)
	logs := `{"message":"metrics","requestId":"a"}` + "\n" + `{"message":"sweep done","requestId":"b"}` + "\n" + `not json` + "\n"
	assert.Equal(t, len(`{"message":"metrics","requestId":"a"}`)+1, loggedBy(logs, map[string]bool{"a": true}), "the line and its newline")
	assert.Equal(t, 0, loggedBy(logs, map[string]bool{"c": true}))
}
