package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
)

// replay posts exported webhook bodies of a source that does not retry (Cal.com sends most
// webhooks once; Cronofy's retries are not documented) to a running roomkeeper, signed as the
// source signs them. roomkeeper's dedupe and ordering make it safe to replay everything: what
// it already has is acknowledged and ignored, and only what is missing is created.
func replay(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("replay", flag.ContinueOnError)
	fl.SetOutput(out)
	source := fl.String("source", "", "calcom, calendly or cronofy")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), `usage: roomkeeper replay -source calcom|calendly|cronofy FILE

Posts each webhook body in FILE to ROOMKEEPER_PUBLIC_URL/v1/bookings/<source>, signed with the
source's secret (CALCOM_WEBHOOK_SECRET, CALENDLY_WEBHOOK_SIGNING_KEY or the first of
CRONOFY_CLIENT_SECRETS; from the environment, else the local development secrets), and prints
what became of each. FILE holds the bodies exactly as the source sent them: a JSON array of
them, one per line (JSON Lines), or a single body. Bodies roomkeeper already has are acknowledged and ignored,
so replaying a whole export creates only what is missing.`)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	name, ok := sourceSecrets[*source]
	if !ok || *source == generic.Source || fl.NArg() != 1 {
		fl.Usage()
		return fmt.Errorf("want -source calcom, calendly or cronofy and one file")
	}
	cfg, err := config.FromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	secret, err := loadDevSecret(cfg, os.Getenv, name)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(fl.Arg(0))
	if err != nil {
		return err
	}
	bodies, err := splitBodies(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", fl.Arg(0), err)
	}
	r := replayer{client: http.DefaultClient, url: cfg.PublicURL + "/v1/bookings/" + *source, source: *source, secret: secret, now: time.Now}
	sum := r.run(ctx, bodies, out)
	if sum.failed > 0 {
		return fmt.Errorf("%d of %d deliveries failed: run the same replay again once roomkeeper answers", sum.failed, len(bodies))
	}
	return nil
}

// splitBodies reads an export: a JSON array of bodies, JSON Lines (blank lines skipped), or a
// single body. Each body keeps its bytes as in the file, since Cal.com and Cronofy deduplicate
// on them.
func splitBodies(raw []byte) ([][]byte, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) {
		return [][]byte{trimmed}, nil
	}
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return nil, fmt.Errorf("not a JSON array of webhook bodies: %w", err)
		}
		out := make([][]byte, len(items))
		for i, it := range items {
			out[i] = bytes.TrimSpace(it)
		}
		return out, nil
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64<<10), httpapi.MaxBody+1)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) {
			return nil, fmt.Errorf("line %d is not one JSON webhook body (want a JSON array, or one body per line)", n)
		}
		out = append(out, append([]byte(nil), line...))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read JSON Lines: %w", err)
	}
	return out, nil
}

// replayer posts bodies for one source.
type replayer struct {
	client         *http.Client
	url            string
	source, secret string
	now            func() time.Time
}

// replaySummary counts what became of the bodies: by the outcome roomkeeper answered (applied,
// duplicate, stale, unchanged, cancelled, ignored), rejected (4xx) and failed (5xx or no answer).
type replaySummary struct {
	outcomes         map[string]int
	rejected, failed int
}

func (r replayer) run(ctx context.Context, bodies [][]byte, out io.Writer) replaySummary {
	sum := replaySummary{outcomes: map[string]int{}}
	for i, body := range bodies {
		status, reply, err := r.post(ctx, body)
		n := i + 1
		switch {
		case err != nil:
			sum.failed++
			fmt.Fprintf(out, "#%d failed: %v\n", n, err)
		case status >= 500:
			sum.failed++
			fmt.Fprintf(out, "#%d failed: %d %s\n", n, status, reply.Error.Message)
		case status >= 400:
			sum.rejected++
			field := ""
			if reply.Error.Field != "" {
				field = " (" + reply.Error.Field + ")"
			}
			fmt.Fprintf(out, "#%d rejected: %d %s%s\n", n, status, reply.Error.Message, field)
		default:
			sum.outcomes[reply.Status]++
			booking := ""
			if reply.Booking != "" {
				booking = " booking " + reply.Booking
			}
			fmt.Fprintf(out, "#%d %d %s%s\n", n, status, reply.Status, booking)
		}
	}
	var parts []string
	for _, k := range sortedKeys(sum.outcomes) {
		parts = append(parts, fmt.Sprintf("%d %s", sum.outcomes[k], k))
	}
	parts = append(parts, fmt.Sprintf("%d rejected", sum.rejected), fmt.Sprintf("%d failed", sum.failed))
	fmt.Fprintf(out, "replayed %d %s deliveries: %s\n", len(bodies), r.source, strings.Join(parts, ", "))
	return sum
}

type replayReply struct {
	Status  string `json:"status"`
	Booking string `json:"booking"`
	Error   struct {
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// post signs one body as the source does and sends it.
func (r replayer) post(ctx context.Context, body []byte) (int, replayReply, error) {
	var reply replayReply
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return 0, reply, err
	}
	if req.Header, err = signedHeaders(r.source, r.secret, r.now(), body); err != nil {
		return 0, reply, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, reply, fmt.Errorf("post to %s: %w", r.url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err := json.Unmarshal(raw, &reply); err != nil && resp.StatusCode < 500 {
		return resp.StatusCode, reply, errors.New("the answer is not roomkeeper's JSON: is ROOMKEEPER_PUBLIC_URL right?")
	}
	return resp.StatusCode, reply, nil
}

// sourceSecret returns a booking source's secret for the local server: the environment
// variable, else the generated development secret, else "" (the source answers 404).
func sourceSecret(cfg config.Config, name string) string {
	v, err := loadDevSecret(cfg, os.Getenv, name)
	if err != nil {
		return ""
	}
	return v
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
