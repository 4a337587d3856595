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
