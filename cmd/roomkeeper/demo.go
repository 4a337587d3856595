package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
)

// demo sends the three sample events of one booking to a running server, waiting after each for
// the invites it produced, and prints them.
func demo(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("demo", flag.ContinueOnError)
	events := fl.String("events", "events", "folder holding booking-created.json, booking-updated.json and booking-cancelled.json")
	wait := fl.Duration("wait", 20*time.Second, "how long to wait for each step's invites")
	if err := fl.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	secret, err := loadDevSecret(cfg, os.Getenv, "ROOMKEEPER_GENERIC_SECRET")
	if err != nil {
		return err
	}
	if _, err := http.Get(cfg.PublicURL + "/healthz"); err != nil {
		return fmt.Errorf("no roomkeeper at %s: start it with `make dev` in another terminal first", cfg.PublicURL)
	}
	run := newRunID()
	ob, err := outbox.New(filepath.Join(cfg.DataDir, "outbox"), time.Now)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo booking demo-%s\n", run)
	for _, step := range []string{"created", "updated", "cancelled"} {
		before := seen(ob)
		file := filepath.Join(*events, "booking-"+step+".json")
		ans, err := postEvent(ctx, cfg.PublicURL, generic.Source, secret, file, run)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n== booking.%s: %s %s\n", step, ans.status, strings.TrimSpace(ans.body))
		fresh := waitForMail(ctx, ob, before, *wait)
		if len(fresh) == 0 {
			fmt.Fprintf(out, "   no e-mail within %s: see the server's log\n", *wait)
		}
		for _, e := range fresh {
			fmt.Fprintf(out, "   to %-40s %s\n      %s/outbox/%s\n", e.To, e.Subject, cfg.PublicURL, e.ID)
		}
	}
	fmt.Fprintf(out, "\nAll messages: %s/outbox\n", cfg.PublicURL)
	return nil
}

// send fills one event file's placeholders, signs it as its booking source does and posts it. It
// prints the answer, and fails on a 4xx or 5xx so that a script sending events sees the refusal.
func send(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("send", flag.ContinueOnError)
	run := fl.String("run", newRunID(), "value for {{run}} in the file")
	source := fl.String("source", generic.Source, "the booking source the file is from: generic, calcom, calendly or cronofy")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "usage: roomkeeper send [-source S] [-run ID] FILE\n\nFills the file's {{now…}} and {{run}} placeholders, signs it with the source's secret (from the environment, else the local development secrets) and posts it to ROOMKEEPER_PUBLIC_URL/v1/bookings/<source>.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	secretName, ok := sourceSecrets[*source]
	if !ok || fl.NArg() != 1 {
		fl.Usage()
		return fmt.Errorf("want a known -source and one event file")
	}
	cfg, err := config.FromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	secret, err := loadDevSecret(cfg, os.Getenv, secretName)
	if err != nil {
		return err
	}
	ans, err := postEvent(ctx, cfg.PublicURL, *source, secret, fl.Arg(0), *run)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s %s\n", ans.status, strings.TrimSpace(ans.body))
	if ans.code >= 400 {
		return fmt.Errorf("%s answered %s", ans.url, ans.status)
	}
	return nil
}

// eventAnswer is what roomkeeper answered to one posted event.
type eventAnswer struct {
	url          string // where the event went
	code         int
	status, body string // "202 Accepted", the body as sent (up to 64 KiB)
}

// postEvent expands an event file, signs it as source does and posts it.
func postEvent(ctx context.Context, baseURL, source, secret, file, run string) (eventAnswer, error) {
	ans := eventAnswer{url: baseURL + "/v1/bookings/" + source}
	raw, err := os.ReadFile(file)
	if err != nil {
		return ans, err
	}
	now := time.Now()
	payload, err := eventfile.Expand(raw, eventfile.Vars{Now: now, Run: run})
	if err != nil {
		return ans, fmt.Errorf("%s: %w", file, err)
	}
	h, err := signedHeaders(source, secret, now, payload)
	if err != nil {
		return ans, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ans.url, bytes.NewReader(payload))
	if err != nil {
		return ans, err
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ans, fmt.Errorf("post %s: %w", file, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	ans.code, ans.status, ans.body = resp.StatusCode, resp.Status, string(b)
	return ans, nil
}

func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// waitForMail waits until messages not in before appear in the outbox and stop arriving for a
// moment, and returns them oldest first.
func waitForMail(ctx context.Context, ob *outbox.Outbox, before map[string]bool, limit time.Duration) []outbox.Entry {
	deadline := time.Now().Add(limit)
	var fresh []outbox.Entry
	quietSince := time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		entries, _ := ob.List()
		var now []outbox.Entry
		for _, e := range entries {
			if !before[e.ID] {
				now = append([]outbox.Entry{e}, now...)
			}
		}
		if len(now) != len(fresh) {
			fresh, quietSince = now, time.Now()
		}
		if len(fresh) > 0 && time.Since(quietSince) > 1500*time.Millisecond {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fresh
}

func seen(ob *outbox.Outbox) map[string]bool {
	entries, _ := ob.List()
	ids := make(map[string]bool, len(entries))
	for _, e := range entries {
		ids[e.ID] = true
	}
	return ids
}
