package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/devkit/slackfake"
)

// The fake workspace of a local run (docs/slack.md): one admin, one member, one guest account.
const (
	localSlackTeam   = "T0LOCAL"
	localSlackAdmins = "S0ADMINS"
	localSlackAdmin  = "U0ADMIN"
	localSlackToken  = "xoxb-local-fake"
)

// slackFake runs a stand-in for Slack's Web API for a local run, printing each call roomkeeper
// makes (views.open, chat.postMessage, …) and each answer it posts to a response_url.
func slackFake(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("slack fake", flag.ContinueOnError)
	addr := fl.String("addr", "127.0.0.1:8091", "listen address (loopback)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if err := requireLoopback(*addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	fake := slackfake.Start(localSlackToken, ln)
	defer fake.Close()
	fake.AddUser(slackfake.User{ID: localSlackAdmin, TeamID: localSlackTeam, Name: "Ada Admin", Email: "ada@example.com"})
	fake.AddUser(slackfake.User{ID: "U0MEMBER", TeamID: localSlackTeam, Name: "Max Member", Email: "max@example.com"})
	fake.AddUser(slackfake.User{ID: "U0GUEST", TeamID: localSlackTeam, Name: "Gus Guest", Restricted: true})
	fake.SetGroup(localSlackAdmins, localSlackAdmin)
	fake.OnCall = func(c slackfake.Call) {
		fmt.Fprintf(out, "%s %s\n", time.Now().Format("15:04:05"), c.Method)
		for _, k := range []string{"channel", "user_id", "text", "blocks", "view", "unfurls"} {
			if v := c.Params[k]; v != "" {
				fmt.Fprintf(out, "  %s: %s\n", k, v)
			}
		}
		if c.Method == slackfake.ResponseURLMethod {
			fmt.Fprintf(out, "  %s\n", c.Body)
		}
	}
	fmt.Fprintf(out, "Slack's Web API fake at %s (workspace %s: admin %s, member U0MEMBER, guest account U0GUEST).\n", fake.APIURL(), localSlackTeam, localSlackAdmin)
	fmt.Fprintf(out, "Start roomkeeper with:\n  SLACK_API_URL=%s SLACK_BOT_TOKEN=%s SLACK_SIGNING_SECRET=local-signing-secret SLACK_TEAM_ID=%s SLACK_ADMIN_USERGROUP=%s make dev\n",
		fake.APIURL(), localSlackToken, localSlackTeam, localSlackAdmins)
	fmt.Fprintf(out, "and type commands with: go run ./cmd/roomkeeper slack send list\n")
	<-ctx.Done()
	return nil
}

// slackSend sends a /rooms command to a running roomkeeper as Slack would: a signed form, with a
// response_url on the fake (SLACK_API_URL), and prints the answer.
func slackSend(ctx context.Context, args []string, c cli) error {
	fl := flag.NewFlagSet("slack send", flag.ContinueOnError)
	user := fl.String("user", localSlackAdmin, "the Slack user id typing the command")
	if err := fl.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv(func(k string) (string, bool) { v := c.getenv(k); return v, v != "" })
	if err != nil {
		return err
	}
	if cfg.Slack.SigningSecret == "" {
		return &usageError{msg: "SLACK_SIGNING_SECRET is not set: set it as for the server", usage: "roomkeeper slack send [-user U0ADMIN] list\n"}
	}
	api, err := url.Parse(cfg.Slack.APIURL)
	if err != nil {
		return err
	}
	base := strings.TrimRight(c.getenv("ROOMKEEPER_URL"), "/")
	if base == "" {
		base = cfg.PublicURL
	}
	body := []byte(url.Values{
		"team_id": {cfg.Slack.TeamID}, "user_id": {*user}, "command": {"/rooms"}, "text": {strings.Join(fl.Args(), " ")},
		"channel_id": {"C0LOCAL"}, "response_url": {api.Scheme + "://" + api.Host + "/response/local"},
		"trigger_id": {"local." + strconv.FormatInt(time.Now().UnixNano(), 10)},
	}.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/slack/commands", strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header = slackfake.Sign(cfg.Slack.SigningSecret, time.Now(), body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("no roomkeeper at %s: %w", base, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s\n%s\n", resp.Status, answer)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("roomkeeper answered %s", resp.Status)
	}
	return nil
}
