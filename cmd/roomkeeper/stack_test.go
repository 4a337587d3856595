package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
)

// clock is a settable clock shared by every part of a test stack. Set real before the stack's
// background workers start to follow the wall clock instead, or call run to have it run faster
// than the wall clock.
type clock struct {
	clocktest.Clock
	real  bool
	speed float64   // set by run
	since time.Time // the wall clock when run was called
}

func (c *clock) Now() time.Time {
	switch {
	case c.real:
		return time.Now()
	case c.speed > 0:
		return c.Clock.Now().Add(time.Duration(float64(time.Since(c.since)) * c.speed))
	}
	return c.Clock.Now()
}

// run makes the clock run speed times faster than the wall clock from now on, and returns a
// timer on it for the stack's sweep loop (app.after). Call it before the background workers
// start.
func (c *clock) run(speed float64) func(time.Duration) <-chan time.Time {
	c.Set(c.Now())
	c.since, c.speed = time.Now(), speed
	return func(d time.Duration) <-chan time.Time {
		return time.After(time.Duration(float64(d) / speed))
	}
}

func newClock(t time.Time) *clock {
	c := &clock{}
	c.Set(t)
	return c
}

// stack is the whole local product behind a real HTTP server on a loopback port, with the
// Whereby adapter talking to the sandbox over HTTP. The worker runs when the test drains the
// queue, so tests are deterministic.
type stack struct {
	t      testing.TB
	clock  *clock
	cfg    config.Config
	app    *app
	srv    *httptest.Server
	logBuf *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newStack starts a stack; env overrides configuration variables. Every message the stack sends
// is checked when the test ends: it parses as MIME, its calendar passes ical.js and libical, and
// no message to anyone but the booking's organizer carries a host link.
func newStack(t *testing.T, env map[string]string) *stack {
	t.Helper()
	s := startStack(t, env)
	t.Cleanup(func() {
		s.checkAllMail()
		s.checkLogs()
	})
	return s
}

// startStack starts a stack without the end-of-test mail checks (benchmarks).
func startStack(tb testing.TB, env map[string]string) *stack {
	tb.Helper()
	s := &stack{t: tb, clock: newClock(time.Now().UTC().Truncate(time.Second)), logBuf: &syncBuffer{}}
	s.srv = httptest.NewUnstartedServer(nil)
	vars := map[string]string{
		"ROOMKEEPER_ADDR":          s.srv.Listener.Addr().String(),
		"ROOMKEEPER_DATA_DIR":      tb.TempDir(),
		"ROOMKEEPER_CLEANUP_GRACE": "1m",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.FromEnv(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	require.NoError(tb, err)
	_, err = devSecrets(&cfg)
	require.NoError(tb, err)
	s.cfg = cfg
	s.start()
	tb.Cleanup(func() {
		s.srv.Close()
		s.app.Close()
	})
	return s
}

func (s *stack) start() {
	s.t.Helper()
	log := slog.New(slog.NewTextHandler(s.logBuf, nil))
	a, err := newApp(s.cfg, s.clock.Now, log)
	require.NoError(s.t, err)
	s.app = a
	if s.srv.Config.Handler == nil {
		s.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.app.handler.ServeHTTP(w, r) })
		s.srv.Start()
	}
}

// restart stops the app as a crashed process would be stopped and starts a new one on the same
// data directory.
func (s *stack) restart() {
	s.t.Helper()
	require.NoError(s.t, s.app.Close())
	s.start()
}

// post sends an events/ sample, expanded at the stack's clock and signed now.
func (s *stack) post(file, run string, edit ...func(map[string]any)) (int, map[string]any) {
	s.t.Helper()
	body := s.expand(file, run)
	var err error
	if len(edit) > 0 {
		var v map[string]any
		require.NoError(s.t, json.Unmarshal(body, &v))
		for _, e := range edit {
			e(v)
		}
		body, err = json.Marshal(v)
		require.NoError(s.t, err)
	}
	return s.postRaw(body, s.sign("msg_"+newRunID(), body))
}

// expand reads an events/ sample and fills its placeholders at the stack's clock.
func (s *stack) expand(file, run string) []byte {
	s.t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", file))
	require.NoError(s.t, err)
	body, err := eventfile.Expand(raw, eventfile.Vars{Now: s.clock.Now(), Run: run})
	require.NoError(s.t, err)
	return body
}

func (s *stack) sign(id string, body []byte) http.Header {
	s.t.Helper()
	h, err := genericHeaders(s.cfg.GenericSecret, id, s.clock.Now(), body)
	require.NoError(s.t, err)
	return h
}

func (s *stack) postRaw(body []byte, h http.Header) (int, map[string]any) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/bookings/generic", bytes.NewReader(body))
	require.NoError(s.t, err)
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	require.Equal(s.t, "application/json", resp.Header.Get("Content-Type"))
	var out map[string]any
	require.NoError(s.t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// work runs the worker on everything queued.
func (s *stack) work() { s.app.drain(context.Background()) }

// sweep runs one sweep, as the ticker does, and then the worker.
func (s *stack) sweep() {
	s.app.sweep(context.Background())
	s.work()
}

// advance moves the clock and sweeps.
func (s *stack) advance(d time.Duration) {
	s.clock.Add(d)
	s.sweep()
}

func (s *stack) booking(run string) *booking.Booking {
	s.t.Helper()
	b, err := s.app.store.Get(context.Background(), booking.KeyOf("generic", "demo-"+run))
	require.NoError(s.t, err)
	require.NoError(s.t, booking.LoadActivity(context.Background(), s.app.store, b))
	return b
}

// mail returns the messages sent since the last call, parsed and checked, by recipient.
func (s *stack) mail() map[string][]*invitetest.Mail {
	s.t.Helper()
	out := map[string][]*invitetest.Mail{}
	for _, raw := range s.newMail() {
		m := invitetest.Parse(s.t, raw)
		out[m.To] = append(out[m.To], m)
	}
	return out
}

var mailSeen = map[string]bool{}

func (s *stack) newMail() [][]byte {
	s.t.Helper()
	entries, err := s.app.outbox.List()
	require.NoError(s.t, err)
	var out [][]byte
	for i := len(entries) - 1; i >= 0; i-- { // oldest first
		id := s.cfg.DataDir + "/" + entries[i].ID
		if mailSeen[id] {
			continue
		}
		mailSeen[id] = true
		raw, err := s.app.outbox.Read(entries[i].ID)
		require.NoError(s.t, err)
		out = append(out, raw)
	}
	return out
}

// checkAllMail asserts, over every message the stack sent, that it parses and validates and
// that no message to anyone but the organizer (ada@example.com in events/ and these tests)
// contains a host link: a Whereby room key.
func (s *stack) checkAllMail() {
	s.t.Helper()
	entries, err := s.app.outbox.List()
	require.NoError(s.t, err)
	for _, e := range entries {
		raw, err := s.app.outbox.Read(e.ID)
		require.NoError(s.t, err)
		m := invitetest.Parse(s.t, raw)
		// Every link a message carries is roomkeeper's own, under ROOMKEEPER_PUBLIC_URL/j/.
		for _, part := range []string{m.Text, m.HTML, string(m.Calendar)} {
			for _, u := range webURL.FindAllString(strings.ReplaceAll(part, "\r\n ", ""), -1) {
				require.True(s.t, strings.HasPrefix(u, s.cfg.PublicURL+"/j/"), "a link that is not roomkeeper's in a message to %s: %s", m.To, u)
			}
		}
		if strings.Contains(m.To, organizer) {
			continue
		}
		body := m.Text + m.HTML + string(m.Calendar)
		require.NotContains(s.t, body, "roomKey", "host link in a message to %s", m.To)
	}
}

const organizer = "ada@example.com"

// checkLogs asserts no e-mail address, phone number or secret reached the log.
func (s *stack) checkLogs() {
	s.t.Helper()
	logs := s.logBuf.String()
	for _, leak := range []string{"@example.", "+1212", "212-555", s.cfg.GenericSecret, s.cfg.AdminToken, s.cfg.LinkSecret} {
		require.NotContains(s.t, logs, leak, "log leaks %q", leak)
	}
	require.NotRegexp(s.t, `/j/[A-Za-z0-9_-]{20}`, logs, "log leaks a link's token")
}

// webURL matches an http(s) URL in a message part.
var webURL = regexp.MustCompile(`https?://[^\s"'<>\\]+`)

// joinLinks returns the /j/ links in a text, in order, once each.
func (s *stack) joinLinks(text string) []string {
	s.t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(s.cfg.PublicURL) + `/j/[A-Za-z0-9_-]+`)
	var out []string
	for _, u := range re.FindAllString(text, -1) {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// follow requests a link as a browser would, without following the redirect, and returns the
// status and where it leads.
func (s *stack) follow(u string) (int, string) {
	s.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(s.t, err)
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}

// leadsTo returns where each /j/ link of a message's text leads now (a 302's Location, without
// the Whereby parameters that name the person: see unnamed), in order: a guest's message has
// one, the organizer's the host link, then the room's guest link.
func (s *stack) leadsTo(m *invitetest.Mail) []string {
	s.t.Helper()
	links := s.joinLinks(m.Text)
	require.NotEmpty(s.t, links, "no /j/ link in the message to %s", m.To)
	var out []string
	for _, u := range links {
		status, loc := s.follow(u)
		require.Equal(s.t, http.StatusFound, status, "%s's link", m.To)
		out = append(out, unnamed(s.t, loc))
	}
	return out
}

// unnamed returns a room link without the Whereby parameters a person's own /j/ link adds
// (displayName, externalId): the room it leads to.
func unnamed(t testing.TB, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	require.NoError(t, err)
	q := u.Query()
	if !q.Has("displayName") && !q.Has("externalId") {
		return loc
	}
	q.Del("displayName")
	q.Del("externalId")
	u.RawQuery = q.Encode()
	return u.String()
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}
