package sandbox_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
)

// step is one request a rate-limit test sends: after moving the clock by after, a GET is
// answered with status, and a 429 asks for msLeft milliseconds.
type step struct {
	after  time.Duration
	status int
	msLeft int64
}

func runSteps(t *testing.T, w *sandbox.Whereby, c *clocktest.Clock, steps []step) {
	t.Helper()
	for i, s := range steps {
		c.Add(s.after)
		r := call(t, w, http.MethodGet, api+"/meetings", "")
		require.Equal(t, s.status, r.status, "request %d", i)
		if s.status != http.StatusTooManyRequests {
			continue
		}
		left := time.Duration(s.msLeft) * time.Millisecond
		assert.Equal(t, fmt.Sprint(s.msLeft), fmt.Sprint(r.json(t)["data"].(map[string]any)["msLeft"]), "request %d: msLeft", i)
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		require.NoError(t, err)
		assert.Equal(t, (left+time.Second-1)/time.Second, time.Duration(secs), "request %d: Retry-After, whole seconds rounded up", i)
	}
}

func TestFixedWindow(t *testing.T) {
	w, c := mustSandbox(t, "")
	w.Limit(sandbox.FixedWindow(3, time.Minute))
	ok, limited := http.StatusOK, http.StatusTooManyRequests
	runSteps(t, w, c, []step{
		{0, ok, 0},
		{10 * time.Second, ok, 0},
		{0, ok, 0},
		{0, limited, 50_000},              // the window opened by the first request has 50 s left
		{49 * time.Second, limited, 1000}, // refused requests spend nothing, but the window is full
		{time.Second, ok, 0},              // the next window
		{0, ok, 0},
		{0, ok, 0},
		{59*time.Second + 500*time.Millisecond, limited, 500},
		{2 * time.Minute, ok, 0}, // a window may pass with no request
	})
	assert.Equal(t, 3, w.RateLimited())
	assert.Len(t, w.Requests(), 10, "refused requests are recorded too")

	w.Limit(nil)
	for range 5 {
		assert.Equal(t, ok, call(t, w, http.MethodGet, api+"/meetings", "").status, "no budget")
	}
}

func TestSpaced(t *testing.T) {
	w, c := mustSandbox(t, "")
	w.Limit(sandbox.Spaced(30, time.Minute)) // one every 2 s
	ok, limited := http.StatusOK, http.StatusTooManyRequests
	runSteps(t, w, c, []step{
		{0, ok, 0},
		{0, limited, 2000},
		{1500 * time.Millisecond, limited, 500},
		{500 * time.Millisecond, ok, 0},                // refused requests moved nothing: 2 s after the last allowed one
		{2*time.Second - time.Microsecond, limited, 1}, // rounded up to the millisecond
		{time.Microsecond, ok, 0},
		{10 * time.Second, ok, 0}, // no burst after a quiet spell
		{0, limited, 2000},
	})
	assert.Equal(t, 4, w.RateLimited())
}

func TestRateLimitRefusesBeforeTheEndpointRuns(t *testing.T) {
	w, _ := mustSandbox(t, "")
	w.Limit(sandbox.Spaced(1, time.Minute))
	create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
	r := call(t, w, http.MethodPost, api+"/meetings", `{"endDate":"2026-11-30T17:00:00Z"}`)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "Rate limit active for throttle key: organization:1", r.json(t)["error"])
	assert.Len(t, w.Rooms(), 1, "a refused create makes no room")
}
