package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
)

// mapSecrets serves secrets by name; fresh reads return current, others cached.
type mapSecrets struct {
	mu              sync.Mutex
	cached, current map[string]string
}

func (s *mapSecrets) Secret(_ context.Context, name string, fresh bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fresh {
		s.cached[name] = s.current[name]
	}
	return s.cached[name], nil
}

func secretsOf(m map[string]string) *mapSecrets {
	c, cur := map[string]string{}, map[string]string{}
	for k, v := range m {
		c[k], cur[k] = v, v
	}
	return &mapSecrets{cached: c, current: cur}
}

// writes counts what reaches the store.
type writes struct {
	booking.Store
	mu          sync.Mutex
	puts, marks int
}

func (w *writes) Put(ctx context.Context, b *booking.Booking) error {
	w.mu.Lock()
	w.puts++
	w.mu.Unlock()
	return w.Store.Put(ctx, b)
}

func (w *writes) MarkSeen(ctx context.Context, id string, expires time.Time) error {
	w.mu.Lock()
	w.marks++
	w.mu.Unlock()
	return w.Store.MarkSeen(ctx, id, expires)
}

const (
	calcomKey   = "calcom-secret"
	calendlyKey = "calendly-key"
	cronofyKey  = "CRN_cronofy-secret"
)

var allSecrets = map[string]string{
	GenericSecret:  testSecret,
	CalcomSecret:   calcomKey,
	CalendlySecret: calendlyKey,
	CronofySecret:  "CRN_old," + cronofyKey,
}

// sourceRequest builds a delivery as the source sends it, signed with key (a Cronofy header
// carries one value).
func sourceRequest(t *testing.T, source, key string, now time.Time, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/v1/bookings/"+source, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	switch source {
	case calcom.Source:
		r.Header.Set(calcom.HeaderSignature, calcom.Sign(key, body))
	case calendly.Source:
		r.Header.Set(calendly.HeaderSignature, calendly.Sign(key, now, body))
	case cronofy.Source:
		r.Header.Set(cronofy.HeaderSignature, cronofy.Sign(key, body))
	default:
		return request(t, key, "msg_"+fmt.Sprint(now.UnixNano()), now, body)
	}
	return r
}

func sampleAt(t *testing.T, file string, now time.Time) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", file))
	require.NoError(t, err)
	body, err := eventfile.Expand(raw, eventfile.Vars{Now: now, Run: "h"})
	require.NoError(t, err)
	return body
}

type sourceCase struct {
	source, key, file string
	field             string // the field named when the organizer's address is removed
	drop              func(map[string]any)
}

var sourceCases = []sourceCase{
	{calcom.Source, calcomKey, "calcom-booking-created.json", "payload.organizer.email",
		func(v map[string]any) { delete(v["payload"].(map[string]any)["organizer"].(map[string]any), "email") }},
	{calendly.Source, calendlyKey, "calendly-invitee-created.json", "payload.scheduled_event.event_memberships[0].user_email",
		func(v map[string]any) {
			ev := v["payload"].(map[string]any)["scheduled_event"].(map[string]any)
			delete(ev["event_memberships"].([]any)[0].(map[string]any), "user_email")
		}},
	{cronofy.Source, cronofyKey, "cronofy-scheduling-request-time-chosen.json", "scheduling_request.event.metadata.roomkeeper_organizer_email",
		func(v map[string]any) {
			ev := v["scheduling_request"].(map[string]any)["event"].(map[string]any)
			delete(ev["metadata"].(map[string]any), "roomkeeper_organizer_email")
		}},
}

func TestSourcesAcceptSignedBookings(t *testing.T) {
	for _, tc := range sourceCases {
		t.Run(tc.source, func(t *testing.T) {
			s, st, now := newServer(t, secretsOf(allSecrets))
			w := serve(s, sourceRequest(t, tc.source, tc.key, now, sampleAt(t, tc.file, now)))
			require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
			var reply map[string]string
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &reply))
			assert.Equal(t, "applied", reply["status"])
			b, err := st.Get(context.Background(), reply["booking"])
			require.NoError(t, err)
			assert.Equal(t, tc.source, b.Source)
			assert.False(t, b.Details.OrganizerCalendar, "the source already put it in the organizer's calendar")

			// The same delivery again is a duplicate.
			w = serve(s, sourceRequest(t, tc.source, tc.key, now, sampleAt(t, tc.file, now)))
			assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), `"duplicate"`)
		})
	}
}

func TestSourcesRejectWithoutStoring(t *testing.T) {
	for _, tc := range sourceCases {
		t.Run(tc.source, func(t *testing.T) {
			s, st, now := newServer(t, secretsOf(allSecrets))
			counted := &writes{Store: st}
			s.Intake.Store = counted
			good := sampleAt(t, tc.file, now)

			w := serve(s, sourceRequest(t, tc.source, "wrong-key", now, good))
			assert.Equal(t, http.StatusUnauthorized, w.Code, "bad signature")
			assert.Contains(t, w.Body.String(), `"code":"unauthorized"`)

			tampered := bytes.Replace(good, []byte("bob@example.net"), []byte("eve@example.net"), 1)
			r := httptest.NewRequest(http.MethodPost, "/v1/bookings/"+tc.source, bytes.NewReader(tampered))
			r.Header = sourceRequest(t, tc.source, tc.key, now, good).Header
			assert.Equal(t, http.StatusUnauthorized, serve(s, r).Code, "tampered body")

			var v map[string]any
			require.NoError(t, json.Unmarshal(good, &v))
			tc.drop(v)
			missing, err := json.Marshal(v)
			require.NoError(t, err)
			w = serve(s, sourceRequest(t, tc.source, tc.key, now, missing))
			assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			var reply struct{ Error errorBody }
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &reply))
			assert.Equal(t, "invalid", reply.Error.Code)
			assert.Equal(t, tc.field, reply.Error.Field, "named as the source spells it")

			assert.Zero(t, counted.puts, "nothing stored for a 4xx")
			assert.Zero(t, counted.marks, "not even a delivery mark")
		})
	}
}

func TestUnconfiguredSourcesAre404(t *testing.T) {
	for _, tc := range sourceCases {
		t.Run(tc.source, func(t *testing.T) {
			only := map[string]string{GenericSecret: testSecret}
			s, _, now := newServer(t, secretsOf(only))
			w := serve(s, sourceRequest(t, tc.source, tc.key, now, sampleAt(t, tc.file, now)))
			assert.Equal(t, http.StatusNotFound, w.Code)
			assert.Contains(t, w.Body.String(), "not configured")
		})
	}
	s, _, _ := newServer(t, secretsOf(allSecrets))
	r := httptest.NewRequest(http.MethodPost, "/v1/bookings/acuity", bytes.NewReader([]byte(`{}`)))
	w := serve(s, r)
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Contains(t, w.Body.String(), "unknown booking source")
}

func TestIgnoredDeliveriesAreAcknowledged(t *testing.T) {
	tests := []struct{ source, key, file string }{
		{calcom.Source, calcomKey, "calcom-booking-requested.json"},
		{calcom.Source, calcomKey, "calcom-booking-reschedule-requested.json"},
		{cronofy.Source, cronofyKey, "cronofy-push-change.json"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, st, now := newServer(t, secretsOf(allSecrets))
			counted := &writes{Store: st}
			s.Intake.Store = counted
			w := serve(s, sourceRequest(t, tt.source, tt.key, now, sampleAt(t, tt.file, now)))
			assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.JSONEq(t, `{"status":"ignored"}`, w.Body.String())
			assert.Zero(t, counted.puts)
		})
	}
}

func TestRotatedSourceSecretIsReadAgain(t *testing.T) {
	secrets := secretsOf(allSecrets)
	secrets.cached[CalcomSecret] = "calcom-old"
	s, _, now := newServer(t, secrets)
	w := serve(s, sourceRequest(t, calcom.Source, calcomKey, now, sampleAt(t, "calcom-booking-created.json", now)))
	assert.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
}

func TestSeatedBookingAppliesEachSeat(t *testing.T) {
	s, st, now := newServer(t, secretsOf(allSecrets))
	var v map[string]any
	require.NoError(t, json.Unmarshal(sampleAt(t, "calcom-booking-created.json", now), &v))
	v["payload"].(map[string]any)["seatsPerTimeSlot"] = 10
	body, err := json.Marshal(v)
	require.NoError(t, err)
	w := serve(s, sourceRequest(t, calcom.Source, calcomKey, now, body))
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	b, err := st.Get(context.Background(), booking.KeyOf(calcom.Source, "bkha@Cal.com"))
	require.NoError(t, err)
	assert.Len(t, b.Details.Attendees, 2, "both seats joined")
	assert.Equal(t, "bkha@Cal.com", b.UID)
}
