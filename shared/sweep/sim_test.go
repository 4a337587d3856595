package sweep

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
)

// The AWS round trips the simulation's clock charges. They are assumptions, in-region figures of
// the order AWS's own guidance gives (single-digit to low tens of milliseconds), chosen on the
// slow side; the query count per page is measured.
const (
	simQueryRTT = 10 * time.Millisecond // one Query of the due index
	simBatchRTT = 20 * time.Millisecond // one SQS SendMessageBatch
	// simQueries is the Queries dynamo.Store.Due makes for a page of n keys: one per shard, then
	// the merge's refills, 0.08 a key (TestASweepPastItsCapOnAWS on dynalite: 221 queries for
	// 2,400 keys in 3 pages). They are charged one after another, though the first 16 and many
	// refills run at once.
	simShards = 16
)

func simQueries(n int) int { return simShards + int(math.Ceil(0.08*float64(n))) }

// simStore is the embedded store as the sweep's DynamoDB would answer in time: each Due call
// moves the simulation's clock on by its queries' round trips.
type simStore struct {
	booking.Store
	clock   *time.Time
	queries int
	pages   int
}

func (s *simStore) Due(ctx context.Context, now time.Time, after string, limit int) ([]booking.Due, string, error) {
	due, next, err := s.Store.Due(ctx, now, after, limit)
	q := simQueries(len(due))
	s.queries += q
	s.pages++
	*s.clock = s.clock.Add(time.Duration(q) * simQueryRTT)
	return due, next, err
}

// simQueue is SQS as the sweep's batches would meet it: ten nudges a SendMessageBatch, eight
// calls at once (shared/aws/sqs), each round of eight moving the clock on by a round trip, each
// nudge delivered its Delay after its round ended (SQS's DelaySeconds). It records when each
// nudge is delivered and how many calls each minute saw.
type simQueue struct {
	clock    *time.Time
	start    time.Time
	sent     map[string][]time.Time // key → when its nudges are delivered
	perMin   map[int]int            // minute of the simulation → SendMessageBatch calls
	nudgeMin map[int]int            // minute → nudges
	pending  []simNudge             // nudges not yet handled by the worker
}

// simNudge is a nudge and when it is delivered.
type simNudge struct {
	key string
	at  time.Time
}

func (q *simQueue) Enqueue(context.Context, string) error {
	panic("the sweep batches its nudges")
}

func (q *simQueue) EnqueueBatch(_ context.Context, nudges []booking.Nudge) (int, error) {
	const batch, atOnce = 10, 8
	for round := range slices.Chunk(nudges, batch*atOnce) {
		*q.clock = q.clock.Add(simBatchRTT)
		minute := int(q.clock.Sub(q.start) / time.Minute)
		q.perMin[minute] += (len(round) + batch - 1) / batch
		q.nudgeMin[minute] += len(round)
		for _, n := range round {
			at := q.clock.Add(n.Delay)
			q.sent[n.Key] = append(q.sent[n.Key], at)
			q.pending = append(q.pending, simNudge{n.Key, at})
		}
	}
	return len(nudges), nil
}

// simResult is what one simulation measured.
type simResult struct {
	enqueued, repeats, backlog        int
	early                             int             // nudges delivered before their booking's dueAt
	lag                               []time.Duration // due → first nudge delivered, sorted
	reads                             int64           // records and index entries the store read
	queries, pages                    int
	maxBatchesPerMin, maxNudgesPerMin int
	longestRun                        time.Duration
}

func (r simResult) quantile(p float64) time.Duration {
	if len(r.lag) == 0 {
		return 0
	}
	return r.lag[min(len(r.lag)-1, int(p*float64(len(r.lag))))]
}

// simulate loads a store with bookings falling due at rate a second for arrive, then runs the
// sweeper s every minute (EventBridge Scheduler's rate(1 minute)) for minutes minutes, the worker
// doing, before each sweep, every booking whose nudge was delivered by then (it clears their
// DueAt), as a worker whose concurrency matches the sweep's ceiling does. A booking whose delayed
// nudge is delivered after the next sweep begins is still due for that sweep.
func simulate(b *testing.B, s Sweeper, rate int, arrive time.Duration, minutes int) simResult {
	b.Helper()
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(b.TempDir(), "sim.db"))
	require.NoError(b, err)
	defer st.Close()
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	total := rate * int(arrive/time.Second)
	dueAt := map[string]time.Time{}
	for i := range total {
		id := fmt.Sprintf("peak-%06d", i)
		bk := &booking.Booking{Key: booking.KeyOf("generic", id), Source: "generic", ExternalID: id,
			DueAt: start.Add(time.Duration(i) * time.Second / time.Duration(rate))}
		require.NoError(b, st.Put(ctx, bk))
		dueAt[bk.Key] = bk.DueAt
	}

	clock := start
	store := &simStore{Store: st, clock: &clock}
	q := &simQueue{clock: &clock, start: start, sent: map[string][]time.Time{}, perMin: map[int]int{}, nudgeMin: map[int]int{}}
	s.Store, s.Queue, s.Now = store, q, func() time.Time { return clock }
	var res simResult
	for minute := range minutes + 1 {
		tick := start.Add(time.Duration(minute) * time.Minute)
		if clock.Before(tick) {
			clock = tick // a sweep that overran its minute delays the next
		}
		// The worker: every nudge delivered by now.
		var later []simNudge
		for _, n := range q.pending {
			if n.at.After(clock) {
				later = append(later, n)
				continue
			}
			bk, err := st.Get(ctx, n.key)
			require.NoError(b, err)
			if !bk.DueAt.IsZero() {
				bk.DueAt = time.Time{}
				require.NoError(b, st.Put(ctx, bk))
			}
		}
		q.pending = later
		began := clock
		readsBefore := st.Reads()
		_, err := s.Sweep(ctx)
		require.NoError(b, err)
		res.reads += st.Reads() - readsBefore
		res.longestRun = max(res.longestRun, clock.Sub(began))
	}
	res.queries, res.pages = store.queries, store.pages
	for key, at := range q.sent {
		res.enqueued++
		res.repeats += len(at) - 1
		first := slices.MinFunc(at, time.Time.Compare)
		if first.Before(dueAt[key]) {
			res.early++
		}
		res.lag = append(res.lag, first.Sub(dueAt[key]))
	}
	slices.Sort(res.lag)
	res.backlog = total - res.enqueued
	for _, n := range q.perMin {
		res.maxBatchesPerMin = max(res.maxBatchesPerMin, n)
	}
	for _, n := range q.nudgeMin {
		res.maxNudgesPerMin = max(res.maxNudgesPerMin, n)
	}
	return res
}

// BenchmarkSweepAtPeak simulates issue 15's peak of a million bookings a day: 200 bookings fall
// due every second for five minutes (60,000), in the embedded store, and the sweeper runs every
// minute on a simulated clock that charges DynamoDB's and SQS's round trips and holds each nudge
// back for its DelaySeconds (simStore, simQueue). It reports the lag from a booking's due time to
// the delivery of its first nudge, the nudges delivered early (before the dueAt), the repeated
// nudges, the reads per nudge, and the SendMessageBatch calls a minute, for the sweep as it is
// (pages until nothing is due by the next sweep and its margin, each nudge delayed until its
// booking's dueAt; the ceiling of a worker of concurrency 250, a 40 s budget) and, in the same
// loop, for the sweep before it (the same, enqueueing only what is due) and the one before that
// (one Due of at most 1,000 a run), over the same seven minutes. One simulation takes minutes
// (loading the store and the worker's saves), so b.N is 1; the figures are the simulated clock's,
// not the benchmark's time.
func BenchmarkSweepAtPeak(b *testing.B) {
	const rate, minutes = 200, 7
	const arrive = 5 * time.Minute
	for _, c := range []struct {
		name string
		s    Sweeper
	}{
		{"lookahead", Sweeper{Max: Ceiling(250), Budget: 40 * time.Second, Lookahead: Lookahead(time.Minute)}},
		{"due-only", Sweeper{Max: Ceiling(250), Budget: 40 * time.Second}},
		{"one-page-of-1000", Sweeper{Max: 1000}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var res simResult
			for range b.N {
				res = simulate(b, c.s, rate, arrive, minutes)
			}
			b.ReportMetric(res.quantile(0.5).Seconds(), "lag-p50-s")
			b.ReportMetric(res.quantile(0.99).Seconds(), "lag-p99-s")
			b.ReportMetric(res.quantile(1).Seconds(), "lag-max-s")
			b.ReportMetric(float64(res.backlog), "left-due")
			nudges := float64(max(res.enqueued+res.repeats, 1)) // every nudge sent, repeats too
			b.ReportMetric(float64(res.reads)/nudges, "reads/nudge")
			b.ReportMetric(float64(res.maxBatchesPerMin), "batches/min")
			b.ReportMetric(float64(res.maxNudgesPerMin), "nudges/min")
			b.ReportMetric(res.longestRun.Seconds(), "run-max-s")
			b.ReportMetric(float64(res.repeats), "repeats")
			b.ReportMetric(float64(res.early), "early")
			b.Logf("%s: %d of %d enqueued, %d repeats, %d early, lag p50 %s p90 %s p99 %s max %s; %d pages, %d modelled queries (%.3f a nudge); store reads %.4f a nudge; at most %d SendMessageBatch (%d nudges) a minute; longest run %s",
				c.name, res.enqueued, rate*int(arrive/time.Second), res.repeats, res.early, res.quantile(0.5), res.quantile(0.9), res.quantile(0.99), res.quantile(1),
				res.pages, res.queries, float64(res.queries)/nudges, float64(res.reads)/nudges,
				res.maxBatchesPerMin, res.maxNudgesPerMin, res.longestRun)
		})
	}
}
