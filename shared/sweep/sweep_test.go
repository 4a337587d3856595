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

func TestSweepEnqueuesWhatIsDue(t *testing.T) {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
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

// batchQueue is a queue with EnqueueBatch, as shared/aws/sqs's; it takes at most accept keys
// (all when 0) and records each batch. Its Enqueue always fails: a sweep must batch.
type batchQueue struct {
	keys    []string
	batches [][]string
	accept  int
}

func (q *batchQueue) Enqueue(context.Context, string) error {
	return errors.New("one Enqueue per booking: the sweep did not batch")
}

func (q *batchQueue) EnqueueBatch(_ context.Context, keys []string) (int, error) {
	q.batches = append(q.batches, keys)
	if q.accept > 0 && len(keys) > q.accept {
		q.keys = append(q.keys, keys[:q.accept]...)
		return q.accept, errors.New("queue refused some")
	}
	q.keys = append(q.keys, keys...)
	return len(keys), nil
}

func TestSweepSendsOneBatchWhenTheQueueTakesBatches(t *testing.T) {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
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
