package main

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
)

// BenchmarkPipeline measures one booking through the whole local product: the signed webhook
// over loopback HTTP, intake, the worker creating the room in the in-process sandbox (over
// loopback HTTP, as in `make dev`) and sending both invites to the outbox. cpu-ns/op is the
// process's CPU time per booking; wall time also includes bbolt's fsyncs.
func BenchmarkPipeline(b *testing.B) {
	s := startStack(b, nil)
	b.ReportAllocs()
	cpu := cpuTime()
	for i := 0; b.Loop(); i++ {
		status, body := s.post("booking-created.json", newRunID())
		if status != http.StatusAccepted {
			b.Fatalf("status %d: %v", status, body)
		}
		s.work()
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
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
