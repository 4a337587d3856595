// Command roomkeeper runs roomkeeper locally and drives it from the command line.
//
//	roomkeeper serve                 the whole product in one process on embedded defaults
//	roomkeeper demo                  send the sample booking events to a running server and show the invites
//	roomkeeper send FILE             sign and send one event file to a running server
//	roomkeeper invoke FUNCTION FILE  run a Lambda function's handler locally on a sample event
//	roomkeeper replay -source S FILE post exported Cal.com, Calendly or Cronofy webhooks again
//
// Configuration comes from the environment variables listed in the README.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: roomkeeper <command> [flags]

commands:
  serve   run roomkeeper locally: API, worker, sweeper, outbox and the Whereby sandbox
  demo    send events/booking-{created,updated,cancelled}.json to a running server and show the invites
  send    sign and send one event file to a running server (see roomkeeper send -h)
  invoke  run a Lambda function's handler locally on one event file (see roomkeeper invoke -h)
  replay  post exported Cal.com, Calendly or Cronofy webhook bodies again (see roomkeeper replay -h)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "serve":
		err = serve(ctx, args)
	case "demo":
		err = demo(ctx, args, os.Stdout)
	case "send":
		err = send(ctx, args, os.Stdout)
	case "invoke":
		err = invoke(ctx, args, os.Stdout)
	case "replay":
		err = replay(ctx, args, os.Stdout)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "roomkeeper: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "roomkeeper %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
