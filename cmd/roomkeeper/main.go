// Command roomkeeper runs roomkeeper locally and drives it from the command line.
//
//	roomkeeper serve                 the whole product in one process on embedded defaults
//	roomkeeper demo                  send the sample booking events to a running server and show the invites
//	roomkeeper send FILE             sign and send one event file to a running server
//	roomkeeper invoke FUNCTION FILE  run a Lambda function's handler locally on a sample event
//	roomkeeper replay -source S FILE post exported Cal.com, Calendly or Cronofy webhooks again
//	roomkeeper rooms list|create|…   rooms, bookings, usage and erasure through the admin API
//	roomkeeper operators add|list|…  operators and their tokens, and the audit list
//	roomkeeper slack fake|send       try the Slack app locally against a stand-in for Slack
//
// `roomkeeper help` lists every command. Configuration comes from the environment variables listed
// in the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], cli{
		stdout: os.Stdout,
		stderr: os.Stderr,
		getenv: os.Getenv,
		client: &http.Client{Timeout: time.Minute},
	})
	stop()
	os.Exit(code)
}

// cli is what a command takes from the process it runs in. main fills it from the os package;
// tests fill it by hand and call run, so that no test needs a subprocess.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	client         *http.Client // for the admin API
	random         io.Reader    // for idempotency keys; nil means crypto/rand
}

// command is one of roomkeeper's commands.
type command struct {
	name    string // as typed: "serve", "rooms create"
	summary string // one line for `roomkeeper help`
	run     func(ctx context.Context, args []string, c cli) error
}

// localCommands run roomkeeper on this machine or send it events.
var localCommands = []command{
	{"serve", "run roomkeeper locally: API, worker, sweeper, outbox and the Whereby sandbox",
		func(ctx context.Context, args []string, _ cli) error { return serve(ctx, args) }},
	{"demo", "send events/booking-{created,updated,cancelled}.json to a running server and show the invites",
		func(ctx context.Context, args []string, c cli) error { return demo(ctx, args, c.stdout) }},
	{"send", "sign and send one event file to a running server",
		func(ctx context.Context, args []string, c cli) error { return send(ctx, args, c.stdout) }},
	{"invoke", "run a Lambda function's handler locally on one event file",
		func(ctx context.Context, args []string, c cli) error { return invoke(ctx, args, c.stdout) }},
	{"replay", "post exported Cal.com, Calendly or Cronofy webhook bodies again",
		func(ctx context.Context, args []string, c cli) error { return replay(ctx, args, c.stdout) }},
	{"slack fake", "run a stand-in for Slack's Web API to try the Slack app locally (docs/slack.md)",
		func(ctx context.Context, args []string, c cli) error { return slackFake(ctx, args, c.stdout) }},
	{"slack send", "send a signed /rooms command to a running server, as Slack would, and print the answer",
		func(ctx context.Context, args []string, c cli) error { return slackSend(ctx, args, c) }},
}

// adminCommands call the admin API of a running roomkeeper, in the order help lists them.
var adminCommands = []adminCommand{
	roomsList, roomsCreate, roomsShow, roomsExtend, roomsDelete, roomsSessions, roomsParticipants,
	bookingsList, bookingsShow, usageCommand, peopleErase,
	operatorsAdd, operatorsList, operatorsRemove, auditCommand,
}

// run runs the command args name and returns the process's exit status: 0 when it is done (or
// printed its help), 1 when it failed, 2 when the command line is wrong.
func run(ctx context.Context, args []string, c cli) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, helpText())
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 { // roomkeeper help rooms create
			return run(ctx, append(args[1:len(args):len(args)], "-h"), c)
		}
		fmt.Fprint(c.stdout, helpText())
		return 0
	}
	cmd, rest, ok := lookup(args)
	if !ok {
		return group(args, c)
	}
	err := cmd.run(ctx, rest, c)
	var misuse *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &misuse):
		fmt.Fprintf(c.stderr, "roomkeeper %s: %s\n\n%s", cmd.name, misuse.msg, misuse.usage)
		return 2
	default:
		fmt.Fprintf(c.stderr, "roomkeeper %s: %v\n", cmd.name, err)
		return 1
	}
}

// usageError is a wrong command line: a bad flag, a bad value, a missing argument. run prints it
// with the command's usage and exits 2.
type usageError struct {
	msg   string
	usage string
}

func (e *usageError) Error() string { return e.msg }

func allCommands() []command {
	cmds := append([]command(nil), localCommands...)
	for _, ac := range adminCommands {
		cmds = append(cmds, command{ac.name, ac.summary, ac.run})
	}
	return cmds
}

// lookup finds the command args start with, "rooms create" before "rooms", and returns it with
// the arguments that follow its name.
func lookup(args []string) (command, []string, bool) {
	for _, cmd := range allCommands() {
		words := strings.Fields(cmd.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == cmd.name {
			return cmd, args[len(words):], true
		}
	}
	return command{}, nil, false
}

// group answers a command line that names no command: the commands of a group ("rooms -h"),
// or what is wrong with it.
func group(args []string, c cli) int {
	var cmds []command
	var names []string
	for _, cmd := range allCommands() {
		if strings.HasPrefix(cmd.name, args[0]+" ") {
			cmds, names = append(cmds, cmd), append(names, cmd.name)
		}
	}
	switch {
	case len(cmds) == 0:
		fmt.Fprintf(c.stderr, "roomkeeper: unknown command %q\n\n%s", args[0], helpText())
	case len(args) > 1 && slices.Contains([]string{"-h", "-help", "--help"}, args[1]):
		fmt.Fprint(c.stdout, commandList(cmds))
		return 0
	case len(args) > 1:
		fmt.Fprintf(c.stderr, "roomkeeper %s: unknown command %q: want one of: %s\n", args[0], args[1], strings.Join(names, ", "))
	default:
		fmt.Fprintf(c.stderr, "roomkeeper %s: want one of: %s\n", args[0], strings.Join(names, ", "))
	}
	return 2
}

func helpText() string {
	all := allCommands()
	return "usage: roomkeeper <command> [flags] [arguments]\n\nRun roomkeeper on this machine:\n" +
		commandList(all[:len(localCommands)]) +
		"\nRun rooms, look at bookings and usage, and manage operators through the admin API of\n" +
		"ROOMKEEPER_URL (default: the local server) with ROOMKEEPER_TOKEN, an operator's token, or\n" +
		"ROOMKEEPER_ADMIN_TOKEN (default: the local server's):\n" +
		commandList(all[len(localCommands):]) +
		"\n`roomkeeper help <command>` or `roomkeeper <command> -h` says more about a command.\n"
}

// commandList lists commands with their summaries, the summaries lined up across every list.
func commandList(cmds []command) string {
	width := 0
	for _, cmd := range allCommands() {
		width = max(width, len(cmd.name))
	}
	var b strings.Builder
	for _, cmd := range cmds {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, cmd.name, cmd.summary)
	}
	return b.String()
}
