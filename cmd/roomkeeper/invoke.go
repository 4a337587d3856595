package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/lambda/apigw"
	"github.com/roomkeeper/roomkeeper/shared/lambda/dialin"
	"github.com/roomkeeper/roomkeeper/shared/lambda/sweeper"
	"github.com/roomkeeper/roomkeeper/shared/lambda/worker"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
)

// invokeTimeout is the deadline an invocation gets, as a function's timeout would give it.
const invokeTimeout = time.Minute

const invokeUsage = `usage: roomkeeper invoke [-run ID] FUNCTION EVENT.json

Runs a Lambda function's handler in this process on one event, like ` + "`sam local invoke`" + `, against the
local adapters (the database, outbox and Whereby sandbox in ROOMKEEPER_DATA_DIR), and prints the
handler's JSON response. Logs go to stderr. Stop ` + "`roomkeeper serve`" + ` first: both use the data directory.

functions and their events:
  bookings  an API Gateway HTTP API event (events/apigw-booking-created.json); its body is signed
            with the local ROOMKEEPER_GENERIC_SECRET at send time
  hooks     an API Gateway event carrying a Whereby webhook (events/apigw-hook-whereby.json),
            signed with the local WHEREBY_WEBHOOK_SECRET at send time
  admin     an API Gateway event for the admin API (events/apigw-admin-rooms.json), sent with the
            local ROOMKEEPER_ADMIN_TOKEN
  worker    an SQS event (events/sqs-batch.json; events/sqs-ses-bounce.json, an SES bounce)
  sweeper   a scheduler event (events/scheduler-sweep.json)
  dialin    a dial-in number and its region (events/dialin-number.json), as the worker asks the
            dialin function to normalise it; needs no data directory

The event's {{now…}} and {{run}} placeholders are filled in first. events/sqs-batch.json names the
booking that events/apigw-booking-created.json makes with the default -run, so
  roomkeeper invoke bookings events/apigw-booking-created.json
  roomkeeper invoke worker events/sqs-batch.json
book a meeting and then create its room and send its invites.
`

// invoke runs one function's handler on an event file and prints the response to out.
func invoke(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("invoke", flag.ContinueOnError)
	run := fl.String("run", "sample", "value for {{run}} in the event")
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), invokeUsage, "\nflags:\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 2 {
		fl.Usage()
		return errors.New("want a function and an event file")
	}
	function, file := fl.Arg(0), fl.Arg(1)
	if !slices.Contains([]string{"bookings", "hooks", "admin", "worker", "sweeper", "dialin"}, function) {
		return fmt.Errorf("unknown function %q: want bookings, hooks, admin, worker, sweeper or dialin", function)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	now := time.Now()
	payload, err := eventfile.Expand(raw, eventfile.Vars{Now: now, Run: *run})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}

	if function == "dialin" { // the phone-number library alone: no configuration, store or sandbox
		ans, err := (&dialin.Handler{Normalize: phone.Normalize}).Handle(ctx, payload)
		if err != nil {
			return fmt.Errorf("dialin handler: %w", err)
		}
		return printJSON(out, ans)
	}

	cfg, err := config.FromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	if err := requireLoopback(cfg.Addr); err != nil {
		return err
	}
	if _, err := devSecrets(&cfg); err != nil {
		return err
	}
	// The HTTP functions' events are completed as their senders would: signed, or with the token.
	switch function {
	case "bookings":
		payload, err = eventfile.SignAPIGateway(payload, cfg.GenericSecret, "msg_"+newRunID(), now)
	case "hooks":
		payload, err = eventfile.WithAPIGatewayHeaders(payload, now, func(body []byte) (map[string]string, error) {
			return map[string]string{wherebyhook.SignatureHeader: wherebyhook.Sign(cfg.Whereby.WebhookSecret, now, body)}, nil
		})
	case "admin":
		payload, err = eventfile.WithAPIGatewayHeaders(payload, now, func([]byte) (map[string]string, error) {
			return map[string]string{"Authorization": "Bearer " + cfg.AdminToken}, nil
		})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}

	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr}))
	a, err := newApp(cfg, time.Now, log)
	if err != nil {
		return err
	}
	defer a.Close()
	// The Whereby adapter reaches the sandbox over HTTP at ROOMKEEPER_ADDR, as under `serve`.
	stop, err := serveWhileInvoking(a, cfg.Addr)
	if err != nil {
		return err
	}
	defer stop()

	ctx, cancel := context.WithTimeout(ctx, invokeTimeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       "local-" + newRunID(),
		InvokedFunctionArn: "arn:aws:lambda:local:000000000000:function:" + function,
	})
	var resp any
	switch function {
	case "bookings", "hooks", "admin": // one HTTP handler serves every route, as in AWS
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return fmt.Errorf("%s: not an API Gateway HTTP API event: %w", file, err)
		}
		resp, err = apigw.Handler{HTTP: a.handler}.Handle(ctx, ev)
	case "worker":
		var ev events.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return fmt.Errorf("%s: not an SQS event: %w", file, err)
		}
		resp, err = (&worker.Handler{Reconciler: a.reconciler, Log: log}).Handle(ctx, ev)
	case "sweeper":
		var ev sweeper.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return fmt.Errorf("%s: not a sweeper event: %w", file, err)
		}
		resp, err = (&sweeper.Handler{Sweeper: a.sweeper, Reaper: a.reconciler, Log: log}).Handle(ctx, ev)
	}
	if err != nil {
		return fmt.Errorf("%s handler: %w", function, err)
	}
	if err := printJSON(out, resp); err != nil {
		return err
	}
	// In AWS these nudges would be SQS messages for the worker; here the queue ends with the process.
	for _, key := range queued(a) {
		fmt.Fprintf(os.Stderr, "queued for the worker: {\"key\":%q}\n", key)
	}
	return nil
}

// serveWhileInvoking serves the app's handler on addr until stop is called.
func serveWhileInvoking(a *app, addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (is `roomkeeper serve` running? stop it first): %w", addr, err)
	}
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}

// queued empties the in-process queue and returns the keys it held.
func queued(a *app) []string {
	var keys []string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		key, err := a.queue.Receive(ctx)
		cancel()
		if err != nil {
			return keys
		}
		keys = append(keys, key)
	}
}

// printJSON prints a handler's response, indented.
func printJSON(out io.Writer, resp any) error {
	b, err := json.MarshalIndent(resp, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}
