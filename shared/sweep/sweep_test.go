package sweep

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
)

// queue records what is enqueued and refuses once it holds failAfter keys (never when 0).
type queue struct {
	keys      []string
	failAfter int
}

func (q *queue) Enqueue(_ context.Context, key string) error {
	if q.failAfter > 0 && len(q.keys) == q.failAfter {
		return errors.New("queue unreachable")
	}
	q.keys = append(q.keys, key)
	return nil
}

// openStore opens an embedded store in the test's directory.
func openStore(t *testing.T) *bolt.Store {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func TestSweepEnqueuesWhatIsDue(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	due := func(id string, at time.Time) string {
		b := &booking.Booking{Key: booking.KeyOf("generic", id), Source: "generic", ExternalID: id, DueAt: at}
		require.NoError(t, st.Put(ctx, b))
		return b.Key
	}
	first := due("a", now.Add(-2*time.Minute))
	second := due("b", now)
	later := due("later", now.Add(time.Minute))
	for i := range 3 {
		due(fmt.Sprint("old-", i), now.Add(-time.Hour))
	}
	clock := func() time.Time { return now }

	q := &queue{}
	n, err := (&Sweeper{Store: st, Queue: q, Now: clock}).Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	assert.Subset(t, q.keys, []string{first, second})
	assert.NotContains(t, q.keys, later, "not yet due")

	n, err = (&Sweeper{Store: st, Queue: &queue{}, Now: clock, Max: 2}).Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "Max bounds one sweep; the next finds the rest")

	n, err = (&Sweeper{Store: st, Queue: &queue{failAfter: 1}, Now: clock}).Sweep(ctx)
	assert.ErrorContains(t, err, "queue unreachable")
	assert.Equal(t, 1, n, "what was enqueued before the failure is counted")
}

// batchQueue is a queue with EnqueueBatch, as shared/aws/sqs's; it takes at most accept nudges
// (all when 0) and records each batch's keys, and each key's delay. Its Enqueue always fails: a
// sweep must batch.
type batchQueue struct {
	keys    []string
	batches [][]string
	delays  map[string]time.Duration
	accept  int
}

func (q *batchQueue) Enqueue(context.Context, string) error {
	return errors.New("one Enqueue per booking: the sweep did not batch")
}

func (q *batchQueue) EnqueueBatch(_ context.Context, nudges []booking.Nudge) (int, error) {
	var keys []string
	for _, n := range nudges {
		keys = append(keys, n.Key)
		if q.delays == nil {
			q.delays = map[string]time.Duration{}
		}
		q.delays[n.Key] = n.Delay
	}
	q.batches = append(q.batches, keys)
	if q.accept > 0 && len(keys) > q.accept {
		q.keys = append(q.keys, keys[:q.accept]...)
		return q.accept, errors.New("queue refused some")
	}
	q.keys = append(q.keys, keys...)
	return len(keys), nil
}

func TestSweepSendsOneBatchWhenTheQueueTakesBatches(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	var due []string
	for i := range 25 {
		b := &booking.Booking{Key: booking.KeyOf("generic", fmt.Sprint(i)), Source: "generic", ExternalID: fmt.Sprint(i), DueAt: now.Add(time.Duration(i-30) * time.Minute)}
		require.NoError(t, st.Put(ctx, b))
		due = append(due, b.Key)
	}
	clock := func() time.Time { return now }

	q := &batchQueue{}
	n, err := (&Sweeper{Store: st, Queue: q, Now: clock, Max: 20}).Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 20, n)
	assert.Equal(t, [][]string{due[:20]}, q.batches, "the due keys, oldest first, in one call")

	q = &batchQueue{accept: 7}
	n, err = (&Sweeper{Store: st, Queue: q, Now: clock}).Sweep(ctx)
	assert.ErrorContains(t, err, "queue refused some")
	assert.Equal(t, 7, n, "what was enqueued before the failure is counted")
}

// pagedStore counts the Due calls (the sweep's pages) of a store and the keys they returned, and
// moves a fake clock on by step at each, as the round trips of a page's queries would.
type pagedStore struct {
	booking.Store
	clock    *time.Time
	step     time.Duration
	pages    []int // keys returned by each call
	returned map[string]int
}

func (p *pagedStore) Due(ctx context.Context, now time.Time, after string, limit int) ([]booking.Due, string, error) {
	due, next, err := p.Store.Due(ctx, now, after, limit)
	*p.clock = p.clock.Add(p.step)
	p.pages = append(p.pages, len(due))
	for _, d := range due {
		p.returned[d.Key]++
	}
	return due, next, err
}

// TestSweepDrainsMoreThanAPageInOneRun: with more bookings due than a page (and than the
// sweeper's old cap of 1,000 a run), one sweep reads page after page, each continuing after the
// last, until nothing is due: every due booking once, oldest first, and nothing read twice. Its
// budget and its ceiling stop it earlier.
func TestSweepDrainsMoreThanAPageInOneRun(t *testing.T) {
	st := openStore(t)
	began := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	const due = 2500
	var want []string // oldest first
	for i := range due {
		id := fmt.Sprintf("drain-%04d", i)
		b := &booking.Booking{Key: booking.KeyOf("generic", id), Source: "generic", ExternalID: id, DueAt: began.Add(time.Duration(i-due) * time.Second)}
		require.NoError(t, st.Put(ctx, b))
		want = append(want, b.Key)
	}
	// Due while the sweep runs: five seconds after it begins, when its first page is read.
	soon := &booking.Booking{Key: booking.KeyOf("generic", "soon"), Source: "generic", ExternalID: "soon", DueAt: began.Add(2 * time.Second)}
	later := &booking.Booking{Key: booking.KeyOf("generic", "later"), Source: "generic", ExternalID: "later", DueAt: began.Add(time.Hour)}
	require.NoError(t, st.Put(ctx, soon))
	require.NoError(t, st.Put(ctx, later))

	run := func(t *testing.T, step time.Duration, s Sweeper) (*pagedStore, *batchQueue, int) {
		t.Helper()
		clock := began
		store := &pagedStore{Store: st, clock: &clock, step: step, returned: map[string]int{}}
		q := &batchQueue{}
		s.Store, s.Queue, s.Now = store, q, func() time.Time { return clock }
		readsBefore := st.Reads()
		n, err := s.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, len(q.keys), n)
		for key, times := range store.returned {
			assert.Equal(t, 1, times, "%s read once", key)
		}
		// The embedded store reads what it returns and, per page, the entry that ends it.
		assert.LessOrEqual(t, st.Reads()-readsBefore, int64(n+len(store.pages)))
		return store, q, n
	}

	t.Run("everything due, in pages, in one run", func(t *testing.T) {
		store, q, n := run(t, 5*time.Second, Sweeper{Max: Ceiling(8), Budget: 40 * time.Second})
		assert.Equal(t, due+1, n)
		assert.Equal(t, append(want[:due:due], soon.Key), q.keys, "oldest first, each once, the one due meanwhile last")
		assert.Equal(t, []int{Page, Page, due + 1 - 2*Page}, store.pages)
		for _, b := range q.batches {
			assert.LessOrEqual(t, len(b), Page)
		}
	})
	t.Run("the budget stops it", func(t *testing.T) {
		store, q, n := run(t, 25*time.Second, Sweeper{Max: Ceiling(8), Budget: 40 * time.Second})
		assert.Equal(t, 2*Page, n, "pages begun at 0 s and 25 s; none at 50 s")
		assert.Equal(t, want[:2*Page], q.keys)
		assert.Len(t, store.pages, 2)
	})
	t.Run("the ceiling stops it", func(t *testing.T) {
		store, q, n := run(t, time.Second, Sweeper{Max: Ceiling(2), Budget: 40 * time.Second})
		assert.Equal(t, 2*PerWorker, n)
		assert.Equal(t, want[:2*PerWorker], q.keys)
		assert.Equal(t, []int{Page, 2*PerWorker - Page}, store.pages)
	})
}

func TestCeilingFollowsTheWorkersConcurrency(t *testing.T) {
	assert.Equal(t, PerWorker, Ceiling(0), "at least one worker")
	assert.Equal(t, 2*PerWorker, Ceiling(2))
	assert.Equal(t, 250*PerWorker, Ceiling(250))
}

// TestSweepLooksAheadToTheNextSweep: with a lookahead, a sweep also enqueues what falls due
// before the next sweep (and its margin), each nudge delayed until its booking's dueAt, rounded
// up to a whole second: a booking due 30 s after the sweep is enqueued by it, to arrive 30 s
// later, instead of by the next sweep, a minute later. Without one (the sweep as it was) the
// same sweep enqueues only what is due.
func TestSweepLooksAheadToTheNextSweep(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	due := func(id string, in time.Duration) string {
		b := &booking.Booking{Key: booking.KeyOf("generic", id), Source: "generic", ExternalID: id, DueAt: now.Add(in)}
		require.NoError(t, st.Put(ctx, b))
		return b.Key
	}
	late := due("late", -10*time.Second)
	onTime := due("now", 0)
	in30 := due("in-30s", 30*time.Second)
	inAFraction := due("in-29.2s", 29200*time.Millisecond)
	atTheEdge := due("in-65s", time.Minute+Margin)
	afterNext := due("in-66s", time.Minute+Margin+time.Second)
	due("in-an-hour", time.Hour)
	clock := func() time.Time { return now }

	q := &batchQueue{}
	n, err := (&Sweeper{Store: st, Queue: q, Now: clock, Lookahead: Lookahead(time.Minute)}).Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	assert.Equal(t, []string{late, onTime, inAFraction, in30, atTheEdge}, q.keys, "oldest first, up to the next sweep and its margin")
	assert.Equal(t, map[string]time.Duration{
		late:        0,
		onTime:      0,
		inAFraction: 30 * time.Second, // rounded up: never before its dueAt
		in30:        30 * time.Second,
		atTheEdge:   time.Minute + Margin,
	}, q.delays)
	assert.NotContains(t, q.keys, afterNext, "the next sweep's")

	q = &batchQueue{}
	n, err = (&Sweeper{Store: st, Queue: q, Now: clock}).Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{late, onTime}, q.keys, "without a lookahead, what is due")
	assert.Equal(t, 2, n)
}

// TestALongSweepKeepsItsHorizon: a sweep whose pages take long still looks ahead from when it
// began, not from when it reads each page: the next sweep starts an interval after this one
// began, and would nudge again whatever this one took past its own horizon.
func TestALongSweepKeepsItsHorizon(t *testing.T) {
	st := openStore(t)
	began := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	var within []string
	for i := range 2 * Page {
		id := fmt.Sprintf("within-%04d", i)
		b := &booking.Booking{Key: booking.KeyOf("generic", id), Source: "generic", ExternalID: id, DueAt: began.Add(time.Duration(i) * time.Minute / (2 * Page))}
		require.NoError(t, st.Put(ctx, b))
		within = append(within, b.Key)
	}
	beyond := &booking.Booking{Key: booking.KeyOf("generic", "beyond"), Source: "generic", ExternalID: "beyond", DueAt: began.Add(time.Minute + Margin + 10*time.Second)}
	require.NoError(t, st.Put(ctx, beyond))

	clock := began
	store := &pagedStore{Store: st, clock: &clock, step: 15 * time.Second, returned: map[string]int{}}
	q := &batchQueue{}
	n, err := (&Sweeper{Store: store, Queue: q, Now: func() time.Time { return clock }, Max: Ceiling(8), Budget: 40 * time.Second, Lookahead: Lookahead(time.Minute)}).Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, within, q.keys, "up to its horizon, though its last page is read 30 s after it began")
	assert.Equal(t, 2*Page, n)
	assert.Len(t, store.pages, 3)
}

// TestSweepNudgesAgainWhatItFindsStillDue: the next sweep finds a booking its delayed nudge has
// not yet reached still in the due index, and nudges it again, delayed by what is left; the
// worker's second run finds nothing to do (TestAnEarlyOrRepeatedNudgeIsHarmless in
// shared/lambda/worker).
func TestSweepNudgesAgainWhatItFindsStillDue(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	b := &booking.Booking{Key: booking.KeyOf("generic", "margin"), Source: "generic", ExternalID: "margin", DueAt: now.Add(time.Minute + 3*time.Second)}
	require.NoError(t, st.Put(ctx, b))

	q := &batchQueue{}
	clock := now
	s := &Sweeper{Store: st, Queue: q, Now: func() time.Time { return clock }, Lookahead: Lookahead(time.Minute)}
	_, err := s.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, time.Minute+3*time.Second, q.delays[b.Key])
	clock = now.Add(time.Minute)
	_, err = s.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{b.Key, b.Key}, q.keys, "nudged by both sweeps")
	assert.Equal(t, 3*time.Second, q.delays[b.Key], "the second, for the same instant")
}

func TestSweepLookaheadNeedsAQueueThatDelays(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	b := &booking.Booking{Key: booking.KeyOf("generic", "soon"), Source: "generic", ExternalID: "soon", DueAt: now.Add(10 * time.Second)}
	require.NoError(t, st.Put(t.Context(), b))
	q := &queue{}
	n, err := (&Sweeper{Store: st, Queue: q, Now: func() time.Time { return now }, Lookahead: time.Minute}).Sweep(t.Context())
	assert.ErrorContains(t, err, "a lookahead needs a queue that delays nudges")
	assert.Zero(t, n)
	assert.Empty(t, q.keys, "nothing enqueued to arrive early")
}

func TestDelayIsNeverEarly(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		until, want time.Duration
	}{
		{-time.Hour, 0},
		{0, 0},
		{time.Nanosecond, time.Second},
		{29200 * time.Millisecond, 30 * time.Second},
		{30 * time.Second, 30 * time.Second},
		{booking.MaxDelay - time.Millisecond, booking.MaxDelay},
		{booking.MaxDelay, booking.MaxDelay},
		{2 * time.Hour, booking.MaxDelay},
	} {
		assert.Equal(t, c.want, Delay(now, now.Add(c.until)), "due in %s", c.until)
	}
}

func TestLookaheadIsTheIntervalAndAMargin(t *testing.T) {
	assert.Equal(t, time.Minute+Margin, Lookahead(time.Minute))
	assert.Equal(t, booking.MaxDelay, Lookahead(time.Hour), "no further than SQS delays")
	assert.Zero(t, Lookahead(0), "no schedule known: only what is due")
}
