package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// errorBody is the error shape httpapi.WriteError answers, as a sender reads it.
type errorBody struct{ Code, Message, Field string }

type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, string) error { return nil }

// rotatingSecrets serves the secret named name, an old value until asked for a fresh one,
// counting fresh reads; every other secret is not configured.
type rotatingSecrets struct {
	name, cached, current string
	fresh                 int
}

func (s *rotatingSecrets) Secret(_ context.Context, name string, fresh bool) (string, error) {
	if name != s.name {
		return "", nil
	}
	if fresh {
		s.fresh++
		s.cached = s.current
	}
	return s.cached, nil
}

// server is both webhook handlers over one store, wired as the local server wires them.
// Bookings and Hooks share Intake, so a test can swap the store under both.
type server struct {
	Intake   *intake.Intake
	Bookings *Bookings
	Hooks    *Hooks
}

func newServer(tb testing.TB, secrets httpapi.Secrets) (*server, *bolt.Store, time.Time) {
	tb.Helper()
	st, err := bolt.Open(filepath.Join(tb.TempDir(), "db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	in := &intake.Intake{Store: st, Queue: nopQueue{}, Now: clock, Retention: time.Hour, Deployment: "test"}
	return &server{
		Intake: in,
		Bookings: &Bookings{
			Intake:          in,
			Secrets:         secrets,
			Now:             clock,
			Tolerance:       5 * time.Minute,
			DefaultProvider: "whereby",
			Providers:       []string{"whereby"},
			Log:             log,
		},
		Hooks: &Hooks{Intake: in, Secrets: secrets, Now: clock, Tolerance: 5 * time.Minute, Log: log},
	}, st, now
}

func (s *server) Register(mux *http.ServeMux) {
	s.Bookings.Register(mux)
	s.Hooks.Register(mux)
}

func event(id string, now time.Time) []byte {
	return fmt.Appendf(nil, `{"type":"booking.created","timestamp":%q,"data":{"bookingId":%q,
		"start":%q,"end":%q,"organizer":{"email":"ada@example.com"},"attendees":[{"email":"bob@example.net"}]}}`,
		now.Format(time.RFC3339), id, now.Add(time.Hour).Format(time.RFC3339), now.Add(90*time.Minute).Format(time.RFC3339))
}

func request(tb testing.TB, secret, id string, now time.Time, body []byte) *http.Request {
	tb.Helper()
	sig, err := stdwebhook.Sign(secret, id, now, body)
	require.NoError(tb, err)
	r := httptest.NewRequest(http.MethodPost, "/v1/bookings/generic", bytes.NewReader(body))
	r.Header.Set("content-type", "application/json")
	r.Header.Set("webhook-id", id)
	r.Header.Set("webhook-timestamp", fmt.Sprint(now.Unix()))
	r.Header.Set("webhook-signature", sig)
	return r
}

func serve(s *server, r *http.Request) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	s.Register(mux)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

func TestRotatedSecretIsReadOnceAfterASignatureFailure(t *testing.T) {
	secrets := &rotatingSecrets{name: GenericSecret, cached: "whsec_b2xkLW9sZC1vbGQtb2xkLW9sZC1vbGQ=", current: testSecret}
	s, st, now := newServer(t, secrets)
	w := serve(s, request(t, testSecret, "msg_1", now, event("bk_1", now)))
	assert.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Equal(t, 1, secrets.fresh)
	_, err := st.Get(context.Background(), booking.KeyOf("generic", "bk_1"))
	assert.NoError(t, err)

	// A request signed with neither secret costs one fresh read and is refused.
	w = serve(s, request(t, "whsec_d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmc=", "msg_2", now, event("bk_2", now)))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
}

func TestUnconfiguredSourceIs404(t *testing.T) {
	s, _, now := newServer(t, &rotatingSecrets{})
	w := serve(s, request(t, testSecret, "msg_1", now, event("bk_1", now)))
	assert.Equal(t, http.StatusNotFound, w.Code)
	var body struct{ Error errorBody }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	assert.Equal(t, "not_found", body.Error.Code)
}

// failingStore is unreachable.
type failingStore struct{ booking.Store }

var errUnreachable = fmt.Errorf("dial tcp 10.0.0.1:443: i/o timeout")

func (failingStore) Seen(context.Context, string, time.Time) (bool, error) {
	return false, errUnreachable
}

func (failingStore) AddActivity(context.Context, string, []booking.RoomEvent, time.Time) ([]booking.ActivityItem, error) {
	return nil, errUnreachable
}

func TestStoreOutageIs503WithoutInternals(t *testing.T) {
	s, st, now := newServer(t, &rotatingSecrets{name: GenericSecret, cached: testSecret, current: testSecret})
	s.Intake.Store = failingStore{st}
	w := serve(s, request(t, testSecret, "msg_1", now, event("bk_1", now)))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.NotContains(t, w.Body.String(), "10.0.0.1", "internal detail stays in the log")
	assert.Contains(t, w.Body.String(), `"code":"unavailable"`)
}

// BenchmarkIntake measures one booking webhook through the handler: verify the signature,
// validate the event, persist it in the embedded store (bbolt, with its fsync).
func BenchmarkIntake(b *testing.B) {
	s, _, now := newServer(b, &rotatingSecrets{name: GenericSecret, cached: testSecret, current: testSecret})
	mux := http.NewServeMux()
	s.Register(mux)
	b.ReportAllocs()
	cpu := cpuTime()
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprintf("bk_%d", i)
		r := request(b, testSecret, "msg_"+id, now, event(id, now))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user + system CPU time: wall time here is mostly bbolt's fsync.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
