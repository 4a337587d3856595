// Package queuetest is the contract test suite of the booking.Queue port
// (shared/booking/ports.go): every Queue adapter — the in-process queue, SQS — runs Run from its
// own tests. The port promises delivery, not order or uniqueness (SQS standard queues reorder and
// may deliver twice), so the suite checks sets of keys.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Capacity is the number of keys the suite has waiting at once; a queue under test must hold at
// least this many.
const Capacity = 120

// hang bounds every wait, so a queue that loses a key fails the test instead of hanging it. It is
// not a speed requirement.
const hang = 30 * time.Second

// Run runs the suite. newQueue returns a fresh, empty queue and receive, which waits for the next
// key (and acknowledges it, for queues that need that) or returns an error once ctx is done.
func Run(t *testing.T, newQueue func(t *testing.T) (q booking.Queue, receive func(ctx context.Context) (string, error))) {
	tests := []struct {
		name string
		test func(t *testing.T, q booking.Queue, receive func(ctx context.Context) (string, error))
	}{
		{"EveryEnqueuedKeyIsReceived", testEveryKey},
		{"ReceiveHonoursCancellation", testReceiveCancelled},
		{"ManyKeysThenMoreAreAllDelivered", testManyKeys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, receive := newQueue(t)
			tt.test(t, q, receive)
		})
	}
}

func testEveryKey(t *testing.T, q booking.Queue, receive func(ctx context.Context) (string, error)) {
	keys := []string{booking.KeyOf("generic", "bk_1"), booking.KeyOf("calcom", "uid-2"), booking.KeyOf("generic", "bk_3")}
	for _, k := range keys {
		require.NoError(t, q.Enqueue(t.Context(), k))
	}
	receiveAll(t, receive, keys)
}

func testReceiveCancelled(t *testing.T, _ booking.Queue, receive func(ctx context.Context) (string, error)) {
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := receive(ctx)
		require.Error(t, err)
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := receive(ctx)
			done <- err
		}()
		cancel()
		select {
		case err := <-done:
			require.Error(t, err)
			assert.True(t, errors.Is(err, context.Canceled), "got %v, want an error wrapping context.Canceled", err)
		case <-time.After(hang):
			require.FailNow(t, "receive did not return after its context was cancelled")
		}
	})
}

func testManyKeys(t *testing.T, q booking.Queue, receive func(ctx context.Context) (string, error)) {
	batch := func(prefix string, n int) []string {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = booking.KeyOf("generic", fmt.Sprintf("%s-%d", prefix, i))
		}
		return keys
	}
	first := batch("first", Capacity)
	for _, k := range first {
		require.NoError(t, q.Enqueue(t.Context(), k))
	}
	receiveAll(t, receive, first)

	// The queue is usable again after it was filled and drained, including for keys it has had.
	second := append(batch("second", Capacity/2), first[:Capacity/2]...)
	for _, k := range second {
		require.NoError(t, q.Enqueue(t.Context(), k))
	}
	receiveAll(t, receive, second)
}

// receiveAll receives until every key in want has arrived, failing on a key that was never
// enqueued. Duplicates of wanted keys are allowed: the port promises at-least-once delivery.
func receiveAll(t *testing.T, receive func(ctx context.Context) (string, error), want []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), hang)
	defer cancel()
	missing := map[string]bool{}
	for _, k := range want {
		missing[k] = true
	}
	wanted := len(missing)
	for len(missing) > 0 {
		key, err := receive(ctx)
		require.NoError(t, err, "%d of %d keys still missing", len(missing), wanted)
		require.Contains(t, want, key, "received a key that was not enqueued")
		delete(missing, key)
	}
}
