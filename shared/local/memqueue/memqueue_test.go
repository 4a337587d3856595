package memqueue

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/queuetest"
)

func TestQueueContract(t *testing.T) {
	queuetest.Run(t, func(t *testing.T) (booking.Queue, func(ctx context.Context) (string, error)) {
		q := New(queuetest.Capacity)
		return q, q.Receive
	})
}

// receiveN receives n keys, in order.
func receiveN(t *testing.T, q *Queue, n int) []string {
	t.Helper()
	var got []string
	for range n {
		k, err := q.Receive(t.Context())
		require.NoError(t, err)
		got = append(got, k)
	}
	return got
}

// assertEmpty checks that nothing is waiting.
func assertEmpty(t *testing.T, q *Queue) {
	t.Helper()
	assert.Zero(t, len(q.keys), "keys still waiting")
	q.mu.Lock()
	defer q.mu.Unlock()
	assert.Empty(t, q.waiting)
}

func TestEnqueueSkipsWaitingKeys(t *testing.T) {
	ctx := t.Context()
	q := New(10)
	for _, k := range []string{"a", "b", "a", "a", "c", "b"} {
		require.NoError(t, q.Enqueue(ctx, k))
	}
	assert.Equal(t, []string{"a", "b", "c"}, receiveN(t, q, 3))
	assertEmpty(t, q)

	// Once received, a key is no longer waiting and can be enqueued again.
	require.NoError(t, q.Enqueue(ctx, "a"))
	assert.Equal(t, []string{"a"}, receiveN(t, q, 1))
}

func TestEnqueueDropsWhenFull(t *testing.T) {
	ctx := t.Context()
	q := New(2)
	for _, k := range []string{"a", "b", "c"} {
		require.NoError(t, q.Enqueue(ctx, k), "a full queue drops the nudge without an error")
	}
	assert.Equal(t, []string{"a", "b"}, receiveN(t, q, 2))
	assertEmpty(t, q)

	// The dropped key was not remembered as waiting.
	require.NoError(t, q.Enqueue(ctx, "c"))
	assert.Equal(t, []string{"c"}, receiveN(t, q, 1))
}

func TestNewClampsCapacity(t *testing.T) {
	q := New(0)
	require.NoError(t, q.Enqueue(t.Context(), "a"))
	assert.Equal(t, []string{"a"}, receiveN(t, q, 1))
}

func TestEnqueueWithDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	q := New(1)
	require.ErrorIs(t, q.Enqueue(ctx, "a"), context.Canceled)
	assertEmpty(t, q)
}

// TestReceiveReturnsAWaitingKeyAfterTheDeadline: a key already queued is received even with a
// context that is done, so draining with a short deadline (the tests' drain, roomkeeper invoke)
// never leaves a nudge behind when the machine is slow. A select over both picked either, so
// about half of these receives failed.
func TestReceiveReturnsAWaitingKeyAfterTheDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	q := New(1)
	for i := range 100 {
		key := fmt.Sprint("k", i)
		require.NoError(t, q.Enqueue(t.Context(), key))
		got, err := q.Receive(ctx)
		require.NoError(t, err, "receive %d", i)
		require.Equal(t, key, got)
	}
	_, err := q.Receive(ctx)
	require.ErrorIs(t, err, context.Canceled, "none waiting: the context's error")
	require.NoError(t, q.Enqueue(t.Context(), "k0"), "a received key may be queued again")
}

// waitFor polls until cond holds. It bounds a wait for another goroutine; it asserts nothing about
// speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(t, "gave up waiting for "+what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRunHandlesAKeyReceivedWhileRunningAfterwards(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	q := New(10)
	var active, calls atomic.Int32
	started := make(chan int32, 10)
	release := make(chan struct{})
	handled := make(chan struct{})
	go func() {
		q.Run(ctx, 4, func(ctx context.Context, key string) {
			if active.Add(1) != 1 {
				t.Errorf("key %s handled on two workers at once", key)
			}
			n := calls.Add(1)
			started <- n
			if n == 1 {
				<-release
			}
			active.Add(-1)
		})
		close(handled)
	}()

	require.NoError(t, q.Enqueue(ctx, "k"))
	assert.Equal(t, int32(1), <-started)
	// While the first call runs, another worker receives k again and must hand it back.
	require.NoError(t, q.Enqueue(ctx, "k"))
	waitFor(t, "the second nudge to reach the busy key", func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.running["k"]
	})
	assert.Len(t, started, 0, "the second nudge must wait for the first call")
	close(release)
	assert.Equal(t, int32(2), <-started, "the second nudge is handled after the first call")

	cancel()
	<-handled
	assert.Equal(t, int32(2), calls.Load())
	q.mu.Lock()
	assert.Empty(t, q.running)
	q.mu.Unlock()
}

func TestRunNeverOverlapsAKey(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	q := New(1000)
	const keys = 5
	var (
		mu     sync.Mutex
		active = map[string]int{}
		calls  atomic.Int64
	)
	done := make(chan struct{})
	go func() {
		q.Run(ctx, 8, func(ctx context.Context, key string) {
			mu.Lock()
			active[key]++
			if active[key] > 1 {
				t.Errorf("key %s handled on two workers at once", key)
			}
			mu.Unlock()
			calls.Add(1)
			mu.Lock()
			active[key]--
			mu.Unlock()
		})
		close(done)
	}()

	var wg sync.WaitGroup
	for p := range 4 {
		wg.Go(func() {
			for i := range 500 {
				assert.NoError(t, q.Enqueue(ctx, fmt.Sprintf("key-%d", (p+i)%keys)))
			}
		})
	}
	wg.Wait()
	// Every nudge is handled or folded into a run of its key, so the queue drains.
	waitFor(t, "the queue to drain", func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return len(q.keys) == 0 && len(q.running) == 0
	})
	cancel()
	<-done
	assert.Positive(t, calls.Load())
}

func TestRunReturnsWhenContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	New(1).Run(ctx, 3, func(context.Context, string) { t.Error("handle called with nothing enqueued") })
}
