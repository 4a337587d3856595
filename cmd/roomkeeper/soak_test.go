package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/faultproxy"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// The fault soak's settings. `make test` runs it small, `make soak` large (N=1000).
var (
	soakN      = flag.Int("soak.n", 24, "bookings the fault soak drives")
	soakKills  = flag.Int("soak.kills", 2, "times the fault soak kills roomkeeper (SIGKILL) and restarts it")
	soakCrash  = flag.Bool("soak.crash", false, "kill roomkeeper wherever it is; without it a kill waits until nothing is due (a run killed mid-step holds its booking for reconcile.DefaultLeaseTTL, longer than make test waits)")
	soakFaults = flag.Float64("soak.faults", 0.06, "share of provider requests that meet a fault")
	soakRate   = flag.Float64("soak.rate", 10, "bookings handed to the senders per second in each wave, so the work (and the kills) spread over the wave")
	soakSeed   = flag.Uint64("soak.seed", 1, "seed of the bookings, the kills and the faults")
	// A booking whose steps fail three times before a run completes has waited 35–70 s in
	// back-off, four times 75–150 s (pauses turning it away count): at make test's 6% the first
	// is rare, the second rarer still.
	soakSettle = flag.Duration("soak.settle", 3*time.Minute, "how long the bookings may take to settle after each wave")
)

// soakMix is how the faults share the soak's fault rate: mostly refusals and unknown outcomes,
// fewer hangs (each holds one of the eight local workers until the call's 5 or 10 s timeout).
var soakMix = map[faultproxy.Fault]float64{
	faultproxy.ServerError: 0.25, faultproxy.Throttle: 0.2, faultproxy.LostAnswer: 0.2, faultproxy.Drop: 0.2, faultproxy.Hang: 0.15,
}

// soakMaxRetryAfter bounds the proxy's Retry-After. A 429 pauses every call to the provider
// until then, and each booking a pause turns away counts an attempt, which lengthens its next
// back-off: a short pause keeps make test's run under a minute.
const soakMaxRetryAfter = time.Second

// TestSoak is the fault soak (make soak): the real `roomkeeper serve`, built once, against the
// Whereby sandbox behind a fault proxy, fed bookings through the signed generic webhook with
// repeated and reordered deliveries, reschedules that replace rooms and cancels racing updates,
// and killed with SIGKILL and restarted on the same data directory. The sandbox and the proxy live
// in the test, so they outlive the kills. When nothing is left due, the sandbox's rooms and the
// outbox must show every booking as it ended: docs/design.md, "Testing".
func TestSoak(t *testing.T) {
	began := time.Now()
	rng := rand.New(rand.NewPCG(*soakSeed, 1))
	s := startSoak(t)
	bookings := newSoakPlanner(t, rng, began).plan(*soakN)
	kills := s.killPlan(rng, bookings)

	for w := range soakWaves {
		s.deliver(rng, bookings, w, kills.during[w])
		if !*soakCrash || w == soakWaves-1 {
			s.settle(bookings)
		}
		for range kills.after[w] {
			s.kill()
			s.settle(bookings)
		}
	}

	f := s.check(bookings)
	f.duration = time.Since(began)
	s.stop()
	f.logLeaks = s.logLeaks()
	t.Log("\n" + f.report(s))

	assert.Zero(t, f.lost, "lost bookings")
	assert.Zero(t, f.duplicateRooms, "duplicate rooms")
	assert.Zero(t, f.orphanRooms, "orphan rooms")
	assert.Zero(t, f.cancelledWithRoom, "cancelled bookings keeping a room")
	assert.Zero(t, f.hostLinks, "host links in guest mail")
	assert.Zero(t, f.staleInvites, "recipients left holding an invitation they should have had cancelled")
	assert.LessOrEqual(t, f.duplicateInvites, f.possibleDuplicates, "duplicate invites the records did not count")
	// Each run records an invite's intent before sending it, so only a run killed between the
	// send and the record sends it again: at most one per run a kill stops (kills × workers),
	// and the issue asks no more than one per kill.
	assert.LessOrEqual(t, f.duplicateInvites, s.kills, "duplicate invites: no more than the kills")
	assert.Zero(t, f.rejected, "deliveries refused with 4xx")
	assert.Empty(t, f.logLeaks, "e-mail addresses or phone numbers in roomkeeper's log")
}

// soak is the harness: the sandbox and the fault proxy in this process, roomkeeper in a child.
type soak struct {
	t       *testing.T
	bin     string // the roomkeeper binary
	dir     string // its data directory, and its logs beside it
	addr    string // its loopback address, the same across restarts
	env     []string
	secret  string // ROOMKEEPER_GENERIC_SECRET
	admin   *adminAPI
	sandbox *sandbox.Whereby
	// sandboxURL is the sandbox's own address, which room links start with.
	sandboxURL string
	proxy      *faultproxy.Proxy
	client     *http.Client

	proc    *exec.Cmd
	started int // processes started
	kills   int

	mu         sync.Mutex
	posts      int            // deliveries posted, counting retries
	retries    int            // posts that got no answer or a 5xx and were sent again
	answers    map[string]int // acknowledged deliveries by roomkeeper's status: applied, duplicate, stale…
	rejections []string       // 4xx answers
	deliverDur time.Duration
	settleDur  time.Duration // every settle
	lastSettle time.Duration // the last
}

func startSoak(t *testing.T) *soak {
	t.Helper()
	root := t.TempDir()
	s := &soak{t: t, dir: filepath.Join(root, "data"), answers: map[string]int{}, client: &http.Client{Timeout: 30 * time.Second}}

	build := exec.Command("go", "build", "-o", filepath.Join(root, "roomkeeper"), ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	s.bin = filepath.Join(root, "roomkeeper")

	sb := httptest.NewUnstartedServer(nil)
	s.sandbox, err = sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://" + sb.Listener.Addr().String()})
	require.NoError(t, err)
	sb.Config.Handler = s.sandbox
	sb.Start()
	t.Cleanup(sb.Close)
	s.sandboxURL = sb.URL
	rates := faultproxy.Rates{}
	for f, share := range soakMix {
		rates[f] = share * *soakFaults
	}
	s.proxy, err = faultproxy.New(faultproxy.Options{Target: sb.URL, Rates: rates, Seed: *soakSeed, MaxRetryAfter: soakMaxRetryAfter})
	require.NoError(t, err)
	px := httptest.NewServer(s.proxy)
	t.Cleanup(px.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.addr = ln.Addr().String()
	require.NoError(t, ln.Close())
	s.secret, err = stdwebhook.NewSecret()
	require.NoError(t, err)
	token, err := randomToken()
	require.NoError(t, err)
	s.admin = &adminAPI{base: "http://" + s.addr, token: token, client: s.client}
	s.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + root,
		"ROOMKEEPER_ADDR=" + s.addr,
		"ROOMKEEPER_DATA_DIR=" + s.dir,
		"ROOMKEEPER_GENERIC_SECRET=" + s.secret,
		"ROOMKEEPER_ADMIN_TOKEN=" + token,
		"ROOMKEEPER_DEPLOYMENT=soak",
		"ROOMKEEPER_SWEEP_INTERVAL=1s",
		// A room lasts 3 h past its meeting's end, so a move of more than an hour outlives it
		// (with the default 2 h overrun) and the booking needs a new one.
		"ROOMKEEPER_ROOM_SLACK=3h",
		"WHEREBY_API_KEY=soak",
		"WHEREBY_API_URL=" + px.URL + sandbox.WherebyAPIPath,
	}
	s.start()
	t.Cleanup(func() {
		if s.proc != nil {
			_ = s.proc.Process.Kill()
			_ = s.proc.Wait()
		}
	})
	return s
}

// start starts roomkeeper and waits until it answers.
func (s *soak) start() {
	s.t.Helper()
	s.started++
	logs := func(name string) *os.File {
		f, err := os.Create(filepath.Join(filepath.Dir(s.dir), fmt.Sprintf("%s-%d.log", name, s.started)))
		require.NoError(s.t, err)
		return f
	}
	stdout, stderr := logs("stdout"), logs("stderr")
	cmd := exec.Command(s.bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = s.env, stdout, stderr
	require.NoError(s.t, cmd.Start())
	stdout.Close()
	stderr.Close()
	s.proc = cmd
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := s.client.Get(s.admin.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		require.True(s.t, time.Now().Before(deadline), "roomkeeper did not start: %v", err)
		time.Sleep(50 * time.Millisecond)
	}
}

// kill stops roomkeeper with SIGKILL, as a crash would, and starts it again on the same data.
func (s *soak) kill() {
	s.t.Helper()
	require.NoError(s.t, s.proc.Process.Kill())
	_ = s.proc.Wait()
	s.kills++
	s.start()
}

// stop stops roomkeeper as Ctrl-C does.
func (s *soak) stop() {
	s.t.Helper()
	require.NoError(s.t, s.proc.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- s.proc.Wait() }()
	select {
	case err := <-done:
		assert.NoError(s.t, err, "roomkeeper's exit")
	case <-time.After(30 * time.Second):
		s.t.Error("roomkeeper did not stop within 30 s of SIGTERM")
		_ = s.proc.Process.Kill()
		<-done
	}
	s.proc = nil
}

// killPoints says where the kills fall in each wave: during[w][i] kills come before the wave's
// i-th booking is handed out (-soak.crash), after[w] once the wave has settled (the default).
type killPoints struct {
	during [soakWaves]map[int]int
	after  [soakWaves]int
}

// killPlan spreads -soak.kills over the waves.
func (s *soak) killPlan(rng *rand.Rand, bookings []*soakBooking) killPoints {
	var plan killPoints
	for k := range *soakKills {
		w := k % soakWaves
		if plan.during[w] == nil {
			plan.during[w] = map[int]int{}
		}
		if *soakCrash {
			plan.during[w][rng.IntN(len(bookings))]++
		} else {
			plan.after[w]++
		}
	}
	return plan
}

// deliver sends one wave: each booking's sends in order, the bookings shuffled, handed out at
// -soak.rate to four senders, with the kills of the plan in between.
func (s *soak) deliver(rng *rand.Rand, bookings []*soakBooking, wave int, kills map[int]int) {
	began := time.Now()
	order := rng.Perm(len(bookings))
	work := make(chan *soakBooking)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for b := range work {
				for _, send := range b.waves[wave] {
					var race sync.WaitGroup
					for _, ev := range send {
						race.Go(func() { s.post(ev) })
					}
					race.Wait()
				}
			}
		})
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / *soakRate))
	defer tick.Stop()
	for i, n := range order {
		for range kills[i] {
			s.kill()
		}
		work <- bookings[n]
		<-tick.C
	}
	close(work)
	wg.Wait()
	s.deliverDur += time.Since(began)
}

// post delivers one event until roomkeeper acknowledges it, as a webhook sender retries: on no
// answer (roomkeeper being killed or restarting) and on a 5xx, with the same webhook-id.
func (s *soak) post(ev soakEvent) {
	deadline := time.Now().Add(2 * time.Minute)
	for attempt := 0; ; attempt++ {
		h, err := genericHeaders(s.secret, ev.id, time.Now(), ev.body)
		if err != nil {
			s.reject(fmt.Sprintf("sign %s: %v", ev.kind, err))
			return
		}
		req, _ := http.NewRequest(http.MethodPost, s.admin.base+"/v1/bookings/"+generic.Source, bytes.NewReader(ev.body))
		req.Header = h
		resp, err := s.client.Do(req)
		var status int
		var answer struct {
			Status string `json:"status"`
		}
		if err == nil {
			status = resp.StatusCode
			_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&answer)
			resp.Body.Close()
		}
		s.mu.Lock()
		s.posts++
		switch {
		case err == nil && status < 300:
			s.answers[answer.Status]++
			s.mu.Unlock()
			return
		case err == nil && status < 500:
			s.rejections = append(s.rejections, fmt.Sprintf("%s of %s: %d %s", ev.kind, ev.b.id, status, answer.Status))
			s.mu.Unlock()
			return
		}
		s.retries++
		s.mu.Unlock()
		if time.Now().After(deadline) {
			s.reject(fmt.Sprintf("%s of %s: no 2xx in 2 minutes (last: %d %v)", ev.kind, ev.b.id, status, err))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *soak) reject(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejections = append(s.rejections, msg)
}

// settle waits until no booking has work due before its meeting (a back-off, a leased booking,
// a step to take), at most -soak.settle.
func (s *soak) settle(bookings []*soakBooking) {
	s.t.Helper()
	began := time.Now()
	defer func() {
		s.lastSettle = time.Since(began)
		s.settleDur += s.lastSettle
		s.t.Logf("settled in %s", s.lastSettle.Round(100*time.Millisecond))
	}()
	waiting := map[string]*soakBooking{}
	for _, b := range bookings {
		waiting[b.id] = b
	}
	var last string
	logged := began
	for {
		for id := range waiting {
			v, err := s.booking(id)
			switch {
			case err != nil:
				last = fmt.Sprintf("%s: %v", id, err)
			case v.DueAt.IsZero() || v.DueAt.After(time.Now().Add(time.Hour)):
				delete(waiting, id)
			default:
				last = fmt.Sprintf("%s due at %s", id, v.DueAt.Format(time.TimeOnly))
				if v.Failure != nil {
					last += ": " + v.Failure.Message
				}
			}
		}
		if len(waiting) == 0 {
			return
		}
		if time.Since(logged) >= 30*time.Second {
			logged = time.Now()
			s.t.Logf("settling for %s: work due for %d of the bookings, such as %s", time.Since(began).Round(time.Second), len(waiting), last)
		}
		if time.Since(began) > *soakSettle {
			s.t.Errorf("%d bookings still have work due after %s, such as %s", len(waiting), *soakSettle, last)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// booking reads one booking through the admin API.
func (s *soak) booking(id string) (operator.Booking, error) {
	var v operator.Booking
	ans, err := s.admin.do(context.Background(), apiCall{method: http.MethodGet, path: "/v1/bookings/" + url.PathEscape(generic.Source+":"+id)})
	if err == nil {
		err = ans.decode(&v)
	}
	return v, err
}

// logLeaks returns what of an e-mail address or a phone number roomkeeper's logs hold.
func (s *soak) logLeaks() []string {
	s.t.Helper()
	var leaks []string
	files, err := filepath.Glob(filepath.Join(filepath.Dir(s.dir), "stderr-*.log"))
	require.NoError(s.t, err)
	sort.Strings(files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(s.t, err)
		for _, line := range strings.Split(string(raw), "\n") {
			for _, leak := range []string{"@example.", "212-555", "+1212"} {
				if strings.Contains(line, leak) {
					leaks = append(leaks, filepath.Base(f)+": "+line)
				}
			}
		}
	}
	return leaks
}
