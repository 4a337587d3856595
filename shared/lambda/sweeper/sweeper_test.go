package sweeper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/local/memqueue"
	"github.com/roomkeeper/roomkeeper/shared/sweep"
)

// fakeReaper counts reaps and answers with deleted and err.
type fakeReaper struct {
	calls   int
	deleted int
	err     error
}

func (f *fakeReaper) Reap(context.Context) (int, error) {
	f.calls++
	return f.deleted, f.err
}

// fakeBackfill records the pages it is asked for and answers with updated and err.
type fakeBackfill struct {
	pages   []int
	updated int
	err     error
}

func (f *fakeBackfill) Backfill(_ context.Context, pages int) (int, error) {
	f.pages = append(f.pages, pages)
	return f.updated, f.err
}

// downStore is a store whose Due fails, as an unreachable DynamoDB would.
type downStore struct{ booking.Store }

func (downStore) Due(context.Context, time.Time, string, int) ([]booking.Due, string, error) {
	return nil, "", errors.New("connection refused")
}

type fixture struct {
	store  *bolt.Store
	queue  *memqueue.Queue
	reaper *fakeReaper
	logs   *bytes.Buffer
	h      *Handler
	now    time.Time
}

// newFixture returns a handler over a real embedded store and in-process queue, whose clock
// reads now, with one booking due a minute ago and one due in an hour.
func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	for _, b := range []struct {
		id  string
		due time.Duration
	}{{"due", -time.Minute}, {"later", time.Hour}} {
		require.NoError(t, store.Put(context.Background(), &booking.Booking{
			Key: booking.KeyOf("generic", b.id), Source: "generic", ExternalID: b.id, UID: b.id,
			Status: booking.Confirmed, DueAt: now.Add(b.due),
		}))
	}
	f := &fixture{store: store, queue: memqueue.New(16), reaper: &fakeReaper{}, logs: &bytes.Buffer{}, now: now}
	f.h = &Handler{
		Sweeper: &sweep.Sweeper{Store: store, Queue: f.queue, Now: func() time.Time { return now }},
		Reaper:  f.reaper,
		Log:     slog.New(slog.NewJSONHandler(f.logs, nil)),
	}
	return f
}

// queued drains the queue.
func (f *fixture) queued(t *testing.T) []string {
	t.Helper()
	var keys []string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		key, err := f.queue.Receive(ctx)
		cancel()
		if err != nil {
			return keys
		}
		keys = append(keys, key)
	}
}

func TestHandleSweepsEveryMinuteAndReapsHourly(t *testing.T) {
	onTheHour := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	past := onTheHour.Add(7 * time.Minute)
	tests := []struct {
		name     string
		clock    time.Time
		event    Event
		wantReap bool
	}{
		{"scheduled on the hour", past, Event{ScheduledTime: onTheHour}, true},
		{"scheduled on the hour, delivered late", onTheHour.Add(90 * time.Second), Event{ScheduledTime: onTheHour}, true},
		{"scheduled past the hour", onTheHour, Event{ScheduledTime: past}, false},
		{"on the hour in another zone", past, Event{ScheduledTime: onTheHour.In(time.FixedZone("IST", 5*3600+1800)).Add(30 * time.Minute)}, false},
		{"the event asks", past, Event{ScheduledTime: past, Reap: true}, true},
		{"a scheduled rule's time", past, Event{Time: onTheHour}, true},
		{"no time: the clock's, on the hour", onTheHour, Event{}, true},
		{"no time: the clock's, past the hour", past, Event{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.clock)
			res, err := f.h.Handle(context.Background(), tt.event)
			require.NoError(t, err)
			assert.Equal(t, 1, res.Enqueued)
			assert.Equal(t, []string{booking.KeyOf("generic", "due")}, f.queued(t), "only the due booking is enqueued")
			assert.Equal(t, tt.wantReap, res.Reaped)
			assert.Equal(t, map[bool]int{true: 1, false: 0}[tt.wantReap], f.reaper.calls, "reaps")
		})
	}
}

func TestHandleFailures(t *testing.T) {
	onTheHour := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

	t.Run("a failed sweep is an error, and the reap still runs", func(t *testing.T) {
		f := newFixture(t, onTheHour)
		f.h.Sweeper.Store = downStore{f.store}
		f.reaper.deleted = 2
		res, err := f.h.Handle(context.Background(), Event{ScheduledTime: onTheHour})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "connection refused")
		assert.Equal(t, Result{Enqueued: 0, Reaped: true, Deleted: 2}, res)
		assert.Contains(t, f.logs.String(), `"msg":"sweep failed"`)
	})

	t.Run("a failed reap is logged, not an error", func(t *testing.T) {
		f := newFixture(t, onTheHour)
		f.reaper.deleted, f.reaper.err = 1, errors.New("whereby: 503")
		res, err := f.h.Handle(context.Background(), Event{ScheduledTime: onTheHour})
		require.NoError(t, err)
		assert.Equal(t, Result{Enqueued: 1, Reaped: true, Deleted: 1}, res)
		assert.Contains(t, f.logs.String(), "reaping orphaned rooms failed")
		assert.Contains(t, f.logs.String(), "whereby: 503")
	})
}

func TestHandleBackfillsAFewPagesPerRun(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 3, 0, 0, time.UTC)

	t.Run("every run, after the sweep", func(t *testing.T) {
		f := newFixture(t, at)
		backfill := &fakeBackfill{updated: 120}
		f.h.Backfill = backfill
		for range 2 {
			res, err := f.h.Handle(context.Background(), Event{ScheduledTime: at})
			require.NoError(t, err)
			assert.Equal(t, Result{Enqueued: 1, Backfilled: 120}, res)
		}
		assert.Equal(t, []int{backfillPages, backfillPages}, backfill.pages)
	})

	t.Run("a failed backfill is logged, not an error", func(t *testing.T) {
		f := newFixture(t, at)
		f.h.Backfill = &fakeBackfill{updated: 40, err: errors.New("throttled")}
		res, err := f.h.Handle(context.Background(), Event{ScheduledTime: at})
		require.NoError(t, err)
		assert.Equal(t, Result{Enqueued: 1, Backfilled: 40}, res)
		assert.Contains(t, f.logs.String(), "backfill failed")
		assert.Contains(t, f.logs.String(), "throttled")
	})

	t.Run("a failed sweep still backfills", func(t *testing.T) {
		f := newFixture(t, at)
		f.h.Sweeper.Store = downStore{f.store}
		backfill := &fakeBackfill{}
		f.h.Backfill = backfill
		_, err := f.h.Handle(context.Background(), Event{ScheduledTime: at})
		require.Error(t, err)
		assert.Len(t, backfill.pages, 1)
	})
}

func TestHandleLogsTheRequestID(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 22, 10, 3, 0, 0, time.UTC))
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})
	_, err := f.h.Handle(ctx, Event{})
	require.NoError(t, err)
	var line map[string]any
	require.NoError(t, json.Unmarshal(bytes.TrimSpace(f.logs.Bytes()), &line))
	assert.Equal(t, "req-123", line["requestId"])
	assert.Equal(t, "sweep done", line["msg"])
	assert.EqualValues(t, 1, line["enqueued"])
}

// TestSampleEvent decodes events/scheduler-sweep.json as the function receives it.
func TestSampleEvent(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "scheduler-sweep.json"))
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	body, err := eventfile.Expand(raw, eventfile.Vars{Now: now, Run: "t"})
	require.NoError(t, err)
	var ev Event
	require.NoError(t, json.Unmarshal(body, &ev))
	assert.True(t, ev.ScheduledTime.Equal(now), "scheduledTime is the expanded {{now}}: %s", ev.ScheduledTime)
	assert.False(t, ev.Reap)
}

// recordedMetrics records the figures put.
type recordedMetrics struct{ got []booking.Metric }

func (m *recordedMetrics) Put(_ context.Context, ms ...booking.Metric) { m.got = append(m.got, ms...) }

// TestEverySweepReportsTheBookingsDue: one figure per sweep, 0 included, so a missing figure
// means a missing sweep.
func TestEverySweepReportsTheBookingsDue(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 7, 0, 0, time.UTC)
	f := newFixture(t, now)
	m := &recordedMetrics{}
	f.h.Metrics = m
	for range 2 {
		_, err := f.h.Handle(context.Background(), Event{ScheduledTime: now})
		require.NoError(t, err)
		f.queued(t)
		require.NoError(t, f.store.Put(context.Background(), clearDue(t, f.store, booking.KeyOf("generic", "due"))))
	}
	assert.Equal(t, []booking.Metric{booking.CountOf(booking.MetricBookingsDue, 1), booking.CountOf(booking.MetricBookingsDue, 0)}, m.got)
}

// clearDue returns the record with key as the worker leaves it when nothing is left to do.
func clearDue(t *testing.T, store *bolt.Store, key string) *booking.Booking {
	t.Helper()
	b, err := store.Get(context.Background(), key)
	require.NoError(t, err)
	b.DueAt = time.Time{}
	return b
}

// TestAnIdleSweepIsLoggedAtDebug: a sweep that found nothing, every minute, writes no line at
// the functions' INFO (its BookingsDue of 0 says it ran); one that enqueued does.
func TestAnIdleSweepIsLoggedAtDebug(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 7, 0, 0, time.UTC)
	f := newFixture(t, now)
	_, err := f.h.Handle(context.Background(), Event{ScheduledTime: now})
	require.NoError(t, err)
	assert.Contains(t, f.logs.String(), `"msg":"sweep done"`)
	assert.Len(t, f.queued(t), 1)
	require.NoError(t, f.store.Put(context.Background(), clearDue(t, f.store, booking.KeyOf("generic", "due"))))

	f.logs.Reset()
	_, err = f.h.Handle(context.Background(), Event{ScheduledTime: now.Add(time.Minute)})
	require.NoError(t, err)
	assert.Empty(t, f.logs.String(), "an idle sweep at INFO")

	f.h.Log = slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, err = f.h.Handle(context.Background(), Event{ScheduledTime: now.Add(2 * time.Minute)})
	require.NoError(t, err)
	assert.Contains(t, f.logs.String(), `"enqueued":0`, "at DEBUG")
}
