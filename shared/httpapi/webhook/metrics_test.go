package webhook

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
)

// recordedMetrics records the figures put.
type recordedMetrics struct {
	mu  sync.Mutex
	got []booking.Metric
}

func (m *recordedMetrics) Put(_ context.Context, ms ...booking.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, ms...)
}

func (m *recordedMetrics) take() []booking.Metric {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.got
	m.got = nil
	return out
}

// TestRejectedWebhooksAreCounted: every delivery answered with a 4xx counts once, per source,
// a source name roomkeeper does not know counting as "other"; a 2xx or a 5xx counts nothing.
func TestRejectedWebhooksAreCounted(t *testing.T) {
	f := newHookFixture(t)
	m := &recordedMetrics{}
	f.s.Bookings.Metrics, f.s.Hooks.Metrics = m, m
	f.s.Bookings.Secrets = &rotatingSecrets{name: GenericSecret, cached: testSecret, current: testSecret}
	rejected := func(source string) []booking.Metric {
		return []booking.Metric{booking.CountOf(booking.MetricWebhookRejected, 1).By("Source", source)}
	}
	post := func(path string, r *http.Request) int {
		t.Helper()
		if r == nil {
			r = httptest.NewRequest(http.MethodPost, path, bytes.NewReader([]byte(`{}`)))
			r.Header.Set("Content-Type", "application/json")
		}
		return serve(f.s, r).Code
	}
	now := f.now

	assert.Equal(t, http.StatusAccepted, post("", request(t, testSecret, "msg_1", now, event("bk_1", now))))
	assert.Empty(t, m.take(), "an accepted delivery")

	assert.Equal(t, http.StatusUnauthorized, post("", request(t, "whsec_d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmc=", "msg_2", now, event("bk_2", now))))
	assert.Equal(t, rejected("generic"), m.take(), "a bad signature")

	assert.Equal(t, http.StatusNotFound, post("/v1/bookings/calcom", nil))
	assert.Equal(t, rejected("calcom"), m.take(), "a source that is not configured")

	assert.Equal(t, http.StatusNotFound, post("/v1/bookings/bob@example.net", nil))
	assert.Equal(t, rejected("other"), m.take(), "a made-up source is not a dimension value")

	assert.Equal(t, http.StatusNotFound, post("/v1/hooks/teams", nil))
	assert.Equal(t, rejected("other"), m.take())

	body := f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, joined("p1", "Bob", "visitor", ""))
	status, _ := f.post("whereby", body, http.Header{"Whereby-Signature": {wherebyhook.Sign("wbsec_wrong", f.now, body)}})
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, rejected("whereby"), m.take())

	status, _ = f.send(body)
	assert.Equal(t, http.StatusOK, status)
	assert.Empty(t, m.take())

	f.s.Intake.Store = failingStore{f.st}
	status, _ = f.send(f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, joined("p2", "Cy", "visitor", "")))
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Empty(t, m.take(), "an outage is ours, not the sender's")
}
