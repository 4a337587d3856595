package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

func TestSplitBodies(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  string
	}{
		{"JSON Lines", "{\"a\":1}\n\n{\"b\": 2}\r\n", []string{`{"a":1}`, `{"b": 2}`}, ""},
		{"JSON array", "[\n  {\"a\":1},\n  {\"b\": 2}\n]\n", []string{`{"a":1}`, `{"b": 2}`}, ""},
		{"one body over several lines", "{\n  \"a\": 1\n}\n", []string{"{\n  \"a\": 1\n}"}, ""},
		{"empty", "", nil, ""},
		{"a line that is not JSON", "{\"a\":1}\n{\"b\":\n2}\n", nil, "line 2"},
		{"a broken array", "[{\"a\":1},", nil, "not a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitBodies([]byte(tt.in))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			var s []string
			for _, b := range got {
				s = append(s, string(b))
			}
			assert.Equal(t, tt.want, s)
		})
	}
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, json.Compact(&out, b))
	return out.Bytes()
}

// useStack points the environment at a test stack, as a user's shell points at `make dev`.
func useStack(t *testing.T, s *stack) {
	t.Helper()
	t.Setenv("ROOMKEEPER_ADDR", s.cfg.Addr)
	t.Setenv("ROOMKEEPER_PUBLIC_URL", s.srv.URL)
	t.Setenv("ROOMKEEPER_DATA_DIR", s.cfg.DataDir)
	for _, name := range sourceSecrets {
		t.Setenv(name, "")
		os.Unsetenv(name) // read from the development secrets, like `send`
	}
}

// TestReplayCreatesOnlyWhatIsMissing replays a Cal.com export in which roomkeeper already has
// the first delivery: it is acknowledged as a duplicate, the missing reschedule is applied, a
// broken body is reported, and replaying the export again changes nothing.
func TestReplayCreatesOnlyWhatIsMissing(t *testing.T) {
	s := newStack(t, nil)
	useStack(t, s)
	created := compact(t, s.expand("calcom-booking-created.json", "rp")) // as Cal.com sends it
	status, body := s.postSourceRaw(calcom.Source, created)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	require.Len(t, s.mail(), 3)

	s.clock.Add(time.Minute)
	moved := compact(t, s.expand("calcom-booking-rescheduled.json", "rp"))
	var broken map[string]any
	require.NoError(t, json.Unmarshal(s.expand("calcom-booking-created.json", "rq"), &broken))
	delete(broken["payload"].(map[string]any), "iCalUID")
	brokenBody, err := json.Marshal(broken)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "calcom-export.jsonl")
	require.NoError(t, os.WriteFile(file, bytes.Join([][]byte{created, moved, brokenBody}, []byte("\n")), 0o600))

	var out bytes.Buffer
	require.NoError(t, replay(context.Background(), []string{"-source", "calcom", file}, &out))
	assert.Contains(t, out.String(), "#1 200 duplicate")
	assert.Contains(t, out.String(), "#2 202 applied")
	assert.Contains(t, out.String(), "#3 rejected: 400")
	assert.Contains(t, out.String(), "(payload.iCalUID)")
	assert.Contains(t, out.String(), "replayed 3 calcom deliveries: 1 applied, 1 duplicate, 1 rejected, 0 failed")
	s.work()
	mails := s.mail()
	require.Len(t, mails, 3, "the missing reschedule reached everyone")
	assert.Equal(t, 1, to(t, mails, bob).Sequence)

	out.Reset()
	require.NoError(t, replay(context.Background(), []string{"-source", "calcom", file}, &out))
	assert.Contains(t, out.String(), "replayed 3 calcom deliveries: 2 duplicate, 1 rejected, 0 failed", out.String())
	s.work()
	assert.Empty(t, s.mail(), "a second replay sends nothing")
}

// TestReplayEachSource replays a JSON array export of each source into an empty stack.
func TestReplayEachSource(t *testing.T) {
	tests := []struct {
		source string
		files  []string
		want   string
	}{
		{calcom.Source, []string{"calcom-booking-created.json", "calcom-booking-requested.json"}, "1 applied, 1 ignored"},
		{calendly.Source, []string{"calendly-invitee-created.json", "calendly-invitee-rescheduled-canceled.json"}, "1 applied, 1 unchanged"},
		{cronofy.Source, []string{"cronofy-scheduling-request-time-chosen.json", "cronofy-push-change.json"}, "1 applied, 1 ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			s := newStack(t, nil)
			useStack(t, s)
			var bodies []json.RawMessage
			for _, f := range tt.files {
				bodies = append(bodies, s.expand(f, "arr"))
			}
			raw, err := json.MarshalIndent(bodies, "", "  ")
			require.NoError(t, err)
			file := filepath.Join(t.TempDir(), "export.json")
			require.NoError(t, os.WriteFile(file, raw, 0o600))
			var out bytes.Buffer
			require.NoError(t, replay(context.Background(), []string{"-source", tt.source, file}, &out))
			assert.Contains(t, out.String(), tt.want, out.String())
			s.work()
			assert.NotEmpty(t, s.mail(), "the replayed booking's invites")
		})
	}
}

func TestReplayReportsFailures(t *testing.T) {
	s := newStack(t, nil)
	useStack(t, s)
	file := filepath.Join(t.TempDir(), "export.jsonl")
	require.NoError(t, os.WriteFile(file, compact(t, s.expand("calcom-booking-created.json", "down")), 0o600))
	s.srv.Close() // roomkeeper is not running
	var out bytes.Buffer
	err := replay(context.Background(), []string{"-source", "calcom", file}, &out)
	require.ErrorContains(t, err, "1 of 1 deliveries failed")
	assert.Contains(t, out.String(), "#1 failed")

	err = replay(context.Background(), []string{"-source", "acuity", file}, &out)
	assert.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "calcom, calendly or cronofy"))
}

// TestSendSignsAsEachSource sends one sample of every booking source with `roomkeeper send`, as a
// developer tries a source against `make dev`: each is verified, applied and invited.
func TestSendSignsAsEachSource(t *testing.T) {
	s := newStack(t, nil)
	useStack(t, s)
	for source, file := range map[string]string{
		"generic":  "../../events/booking-created.json",
		"calcom":   "../../events/calcom-booking-created.json",
		"calendly": "../../events/calendly-invitee-created.json",
		"cronofy":  "../../events/cronofy-scheduling-request-time-chosen.json",
	} {
		t.Run(source, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, send(context.Background(), []string{"-source", source, "-run", "send-" + source, file}, &out))
			assert.Contains(t, out.String(), "202 Accepted", out.String())
		})
	}
	s.work()
	assert.Len(t, s.app.sandbox.Rooms(), 4, "a room per source's booking")
}

// TestSendFailsOnARefusal: `roomkeeper send` prints roomkeeper's answer and, for a 4xx or a 5xx,
// fails, so a script sending events sees the refusal.
func TestSendFailsOnARefusal(t *testing.T) {
	secret, err := stdwebhook.NewSecret()
	require.NoError(t, err)
	tests := []struct {
		name   string
		status int
		body   string
		err    string
	}{
		{"accepted", http.StatusAccepted, `{"status": "applied", "booking": "fmckexvfaicei"}`, ""},
		{"refused", http.StatusBadRequest, `{"error": {"code": "invalid", "message": "end is before start", "field": "end"}}`, "answered 400 Bad Request"},
		{"unavailable", http.StatusServiceUnavailable, `{"error": {"code": "unavailable", "message": "temporarily unavailable, retry later"}}`, "answered 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, "/v1/bookings/generic", r.URL.Path)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			t.Setenv("ROOMKEEPER_PUBLIC_URL", srv.URL)
			t.Setenv("ROOMKEEPER_DATA_DIR", t.TempDir())
			t.Setenv("ROOMKEEPER_GENERIC_SECRET", secret)

			var out bytes.Buffer
			err := send(context.Background(), []string{"../../events/booking-created.json"}, &out)
			assert.Equal(t, fmt.Sprintf("%d %s %s\n", tt.status, http.StatusText(tt.status), tt.body), out.String(), "the answer is printed")
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.err)
			assert.Contains(t, err.Error(), srv.URL+"/v1/bookings/generic")
		})
	}
}
