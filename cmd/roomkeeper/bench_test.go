package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
)

// BenchmarkPipeline measures one booking through the whole local product: the signed webhook
// over loopback HTTP, intake, the worker creating the room in the in-process sandbox (over
// loopback HTTP, as in `make dev`) and sending both invites to the outbox. cpu-ns/op is the
// process's CPU time per booking; wall time also includes bbolt's fsyncs.
//
// In the same loop, with the timer stopped (ns/op and allocations are the pipeline's), it replays each booking's durable writes alone, on a store and an outbox of
// their own: as many store commits as the booking took (commits/op) and its mails, read back from
// the outbox, written again. floor-cpu-ns/op is their CPU time, the part of cpu-ns/op that the
// crash guarantees' durable writes take whatever else gets faster; floor-share is floor over
// cpu-ns/op.
func BenchmarkPipeline(b *testing.B) {
	s := startStack(b, nil)
	dir := b.TempDir()
	floorStore, err := bolt.Open(filepath.Join(dir, "floor.db"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = floorStore.Close() })
	floorOutbox, err := outbox.New(filepath.Join(dir, "outbox"), time.Now)
	require.NoError(b, err)
	b.ReportAllocs()
	var pipeline, floor time.Duration
	var commits int64
	for i := 0; b.Loop(); i++ {
		before, cpu := s.app.store.Commits(), cpuTime()
		status, body := s.post("booking-created.json", newRunID())
		if status != http.StatusAccepted {
			b.Fatalf("status %d: %v", status, body)
		}
		s.work()
		pipeline += cpuTime() - cpu
		n := s.app.store.Commits() - before
		commits += n

		b.StopTimer()
		bk, err := s.app.store.Get(b.Context(), body["booking"].(string))
		require.NoError(b, err)
		var mails []booking.Message
		for _, inv := range bk.Invites {
			raw, err := s.app.outbox.Read(inv.MessageID)
			require.NoError(b, err)
			mails = append(mails, booking.Message{Raw: raw, Key: bk.Key})
		}
		require.Len(b, mails, 2)
		bk.Key, bk.Version, bk.DueAt = fmt.Sprintf("floor-%d", i), 0, time.Time{}

		cpu = cpuTime()
		for range n {
			require.NoError(b, floorStore.Put(b.Context(), bk))
		}
		for _, m := range mails {
			_, err := floorOutbox.Send(b.Context(), m)
			require.NoError(b, err)
		}
		floor += cpuTime() - cpu
		b.StartTimer()
	}
	b.ReportMetric(float64(pipeline)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(floor)/float64(b.N), "floor-cpu-ns/op")
	b.ReportMetric(float64(floor)/float64(pipeline), "floor-share")
	b.ReportMetric(float64(commits)/float64(b.N), "commits/op")
	entries, err := s.app.outbox.List()
	if err != nil || len(entries) != 2*b.N {
		b.Fatalf("%d messages for %d bookings (%v)", len(entries), b.N, err)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkThrottle measures how bookings fare against a provider's rate limit: throttleBookings
// bookings arrive at once at the whole local product (its workers and sweep loop, as `make dev`
// runs them), whose Whereby sandbox allows L requests a minute, as a fixed window or evenly
// spaced. The stack's clock runs throttleSpeed times faster than the wall clock, and so do the
// sandbox's budget and the sweep loop's timers: only the processing time is scaled up with it.
//
// floor-ratio is the time from the first booking to the last room made over the floor,
// N·cost/L minutes (cost: the one POST a room takes); extra-req/429 is the requests beyond N·cost
// per request refused with a 429 (the refused request is itself one); rooms/op the rooms made
// before the run gave up at four times the floor.
func BenchmarkThrottle(b *testing.B) {
	for _, tt := range []struct {
		name      string
		perMinute int
		limit     func(n int) *sandbox.RateLimit
	}{
		{"fixed-window-10", 10, func(n int) *sandbox.RateLimit { return sandbox.FixedWindow(n, time.Minute) }},
		{"fixed-window-30", 30, func(n int) *sandbox.RateLimit { return sandbox.FixedWindow(n, time.Minute) }},
		{"spaced-10", 10, func(n int) *sandbox.RateLimit { return sandbox.Spaced(n, time.Minute) }},
		{"spaced-60", 60, func(n int) *sandbox.RateLimit { return sandbox.Spaced(n, time.Minute) }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			var sum throttleResult
			runs := 0
			for b.Loop() {
				r := throttleRun(b, tt.limit(tt.perMinute), tt.perMinute, throttleSpeed)
				sum.ratio += r.ratio
				sum.requests += r.requests
				sum.refused += r.refused
				sum.rooms += r.rooms
				runs++
			}
			n := float64(runs)
			extra := sum.requests - float64(throttleBookings*runs)
			b.ReportMetric(sum.ratio/n, "floor-ratio")
			b.ReportMetric(extra/max(sum.refused, 1), "extra-req/429")
			b.ReportMetric(sum.requests/n, "req/op")
			b.ReportMetric(sum.refused/n, "429/op")
			b.ReportMetric(sum.rooms/n, "rooms/op")
		})
	}
}

const (
	throttleBookings = 20
	throttleSpeed    = 10
)

type throttleResult struct {
	ratio, requests, refused, rooms float64
}

// throttleRun sends throttleBookings bookings to a stack whose sandbox is behind limit, which
// allows perMinute requests a minute, and measures how long the rooms took on a clock running
// speed times faster than the wall clock.
func throttleRun(b *testing.B, limit *sandbox.RateLimit, perMinute int, speed float64) throttleResult {
	s := startStack(b, nil)
	s.app.after = s.clock.run(speed)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.app.run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	// The budget starts after the reaper's first listing, which is no booking's.
	sb := s.app.sandbox
	for len(sb.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	before := len(sb.Requests())
	sb.Limit(limit)
	start := s.clock.Now()
	for range throttleBookings {
		if status, body := s.post("booking-created.json", newRunID()); status != http.StatusAccepted {
			b.Fatalf("status %d: %v", status, body)
		}
	}
	floor := time.Duration(throttleBookings) * time.Minute / time.Duration(perMinute)
	giveUp := time.Now().Add(time.Duration(float64(4*floor) / speed))
	for len(sb.Rooms()) < throttleBookings && time.Now().Before(giveUp) {
		time.Sleep(5 * time.Millisecond)
	}
	rooms := sb.Rooms()
	last := start.Add(4 * floor) // not all made: the run gave up
	if len(rooms) >= throttleBookings {
		last = rooms[len(rooms)-1].StartDate
		for _, r := range rooms {
			last = latest(last, r.StartDate)
		}
	}
	return throttleResult{
		ratio:    float64(last.Sub(start)) / float64(floor),
		requests: float64(len(sb.Requests()) - before),
		refused:  float64(sb.RateLimited()),
		rooms:    float64(len(rooms)),
	}
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
