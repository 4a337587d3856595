package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunSweepsWhenABookingIsDueSooner checks that the sweep loop comes back for a booking a
// worker left due before the next regular sweep (here the provider asked for 3 s), instead of a
// whole interval later.
func TestRunSweepsWhenABookingIsDueSooner(t *testing.T) {
	s := newStack(t, map[string]string{"ROOMKEEPER_SWEEP_INTERVAL": "1h"})
	timers := make(chan time.Duration, 100)
	s.app.after = func(d time.Duration) <-chan time.Time {
		timers <- d
		return nil // never fires: the test only reads what the loop waits for
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.app.run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	next := func() time.Duration {
		t.Helper()
		select {
		case d := <-timers:
			return d
		case <-time.After(30 * time.Second):
			t.Fatal("the sweep loop set no timer")
			return 0
		}
	}
	require.Equal(t, time.Hour, next(), "after the first sweep and reap: the regular interval")
	s.app.sandbox.Throttle(1, 3*time.Second)
	status, body := s.post("booking-created.json", newRunID())
	require.Equal(t, http.StatusAccepted, status, body)
	for {
		d := next()
		if d < time.Hour {
			assert.Positive(t, d)
			assert.Less(t, d, time.Minute, "the loop wakes when the refused booking is due again")
			return
		}
	}
}
