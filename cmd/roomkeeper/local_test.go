package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// timer is one wait the sweep loop asked for: how long, and the channel that ends it.
type timer struct {
	d    time.Duration
	fire chan time.Time
}

// TestRunSweepsWhenABookingIsDue checks that the sweep loop comes back for a booking a worker
// left due before the next regular sweep (here the provider asked for 3 s), instead of up to a
// whole interval later, and that it remembers a due time later than the next regular sweep.
func TestRunSweepsWhenABookingIsDue(t *testing.T) {
	s := newStack(t, map[string]string{"ROOMKEEPER_SWEEP_INTERVAL": "2s"})
	timers := make(chan timer, 100)
	s.app.after = func(d time.Duration) <-chan time.Time {
		c := make(chan time.Time, 1)
		timers <- timer{d, c}
		return c
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.app.run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	next := func() timer {
		t.Helper()
		select {
		case w := <-timers:
			return w
		case <-time.After(30 * time.Second):
			t.Fatal("the sweep loop set no timer")
			return timer{}
		}
	}

	require.Equal(t, 2*time.Second, next().d, "after the first sweep and reap: the regular interval")
	s.app.sandbox.Throttle(1, 3*time.Second)
	run := newRunID()
	status, body := s.post("booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	w := next() // set once the worker, refused, has told the loop when the booking is due
	b := s.booking(run)
	require.NotNil(t, b.Failure)
	require.Equal(t, s.clock.Now().Add(3*time.Second), b.DueAt)
	require.Equal(t, 2*time.Second, w.d, "the booking is due in 3 s: the regular sweep comes first")

	s.clock.Add(2 * time.Second)
	w.fire <- s.clock.Now()
	assert.Equal(t, time.Second, next().d, "after that sweep, the loop still wakes when the booking is due")
}

// TestRunSweepsEveryFiveSecondsByDefault: with ROOMKEEPER_SWEEP_INTERVAL unset (the sweeper on
// AWS is then told no schedule), the local server sweeps every config.LocalSweepInterval.
func TestRunSweepsEveryFiveSecondsByDefault(t *testing.T) {
	s := newStack(t, nil)
	require.Zero(t, s.cfg.SweepInterval)
	timers := make(chan time.Duration, 100)
	s.app.after = func(d time.Duration) <-chan time.Time {
		timers <- d
		return make(chan time.Time)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.app.run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case d := <-timers:
		assert.Equal(t, 5*time.Second, d)
	case <-time.After(30 * time.Second):
		t.Fatal("the sweep loop set no timer")
	}
}

// TestHungProviderCallsLeaveTheRestFlowing: with a few of the provider's calls hanging (until
// their timeout), the local server's other workers still make the other bookings' rooms and send
// their invites in the meantime.
func TestHungProviderCallsLeaveTheRestFlowing(t *testing.T) {
	const hung, bookings = 3, 10
	s := newStack(t, nil)
	sb := s.app.sandbox
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.app.run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done }) // the hung calls give up with the workers
	require.Eventually(t, func() bool { return len(sb.Requests()) > 0 }, 30*time.Second, time.Millisecond, "the first reap")

	sb.Hang(hung)
	for range bookings {
		status, body := s.post("booking-created.json", newRunID())
		require.Equal(t, http.StatusAccepted, status, body)
	}
	require.Eventually(t, func() bool { return len(sb.Rooms()) == bookings-hung }, time.Minute, 5*time.Millisecond)
	assert.Equal(t, hung, sb.Hanging(), "the other rooms were made while the hung calls still waited")
	require.Eventually(t, func() bool {
		entries, err := s.app.outbox.List()
		return err == nil && len(entries) == 2*(bookings-hung)
	}, time.Minute, 5*time.Millisecond, "and their invites sent")
	assert.Equal(t, hung, sb.Hanging())
}
