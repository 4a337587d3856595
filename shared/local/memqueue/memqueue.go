// Package memqueue is the in-process booking.Queue of the local server, standing in for SQS: a
// bounded set of booking keys waiting for a worker, and the workers that reconcile them.
package memqueue

import (
	"context"
	"fmt"
	"sync"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Queue holds booking keys waiting for a worker, each at most once, up to a capacity. It is safe
// for concurrent use.
type Queue struct {
	keys chan string

	mu      sync.Mutex
	waiting map[string]bool // keys in the channel
	running map[string]bool // keys being handled by Run → nudged again meanwhile
}

var _ booking.Queue = (*Queue)(nil)

// New returns a queue holding up to capacity keys (at least 1).
func New(capacity int) *Queue {
	return &Queue{
		keys:    make(chan string, max(capacity, 1)),
		waiting: map[string]bool{},
		running: map[string]bool{},
	}
}

// Enqueue adds key unless it is already waiting. It never blocks: when the queue is full the nudge
// is dropped and Enqueue still returns nil, because a lost nudge only costs time — the sweeper
// finds every booking that is due and enqueues it again. It fails only if ctx is already done.
func (q *Queue) Enqueue(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("enqueue booking %s: %w", key, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.waiting[key] {
		return nil
	}
	select {
	case q.keys <- key:
		q.waiting[key] = true
	default: // full: dropped, see above
	}
	return nil
}

// Receive removes a key from the queue, waiting for one while there is none. It returns ctx's
// error when ctx is done first; a key already waiting is returned even then, so a caller that
// drains the queue with a short deadline never leaves one behind on a busy machine (a select
// over a ready key and a done context picks either).
func (q *Queue) Receive(ctx context.Context) (string, error) {
	select {
	case key := <-q.keys:
		return q.received(key), nil
	default:
	}
	select {
	case key := <-q.keys:
		return q.received(key), nil
	case <-ctx.Done():
		return "", fmt.Errorf("receive booking key: %w", ctx.Err())
	}
}

// received marks key as no longer waiting.
func (q *Queue) received(key string) string {
	q.mu.Lock()
	delete(q.waiting, key)
	q.mu.Unlock()
	return key
}

// Run receives keys and calls handle for each on up to workers goroutines (at least 1) until ctx
// is done, then waits for the calls in progress to return. handle is never running for one key on
// two workers at once: a key received while it is being handled is handled again, once, after the
// current call returns, so the nudge is not lost.
func (q *Queue) Run(ctx context.Context, workers int, handle func(ctx context.Context, key string)) {
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for ctx.Err() == nil { // once ctx is done, the keys still waiting stay for no one
				key, err := q.Receive(ctx)
				if err != nil {
					return
				}
				q.work(ctx, key, handle)
			}
		})
	}
	wg.Wait()
}

// work handles key unless another worker is handling it, in which case it asks that worker to
// handle it once more.
func (q *Queue) work(ctx context.Context, key string, handle func(ctx context.Context, key string)) {
	q.mu.Lock()
	if _, busy := q.running[key]; busy {
		q.running[key] = true
		q.mu.Unlock()
		return
	}
	q.running[key] = false
	q.mu.Unlock()
	for {
		handle(ctx, key)
		q.mu.Lock()
		again := q.running[key] && ctx.Err() == nil
		if !again {
			delete(q.running, key)
			q.mu.Unlock()
			return
		}
		q.running[key] = false
		q.mu.Unlock()
	}
}
