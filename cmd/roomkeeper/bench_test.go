package main

import (
	"net/http"
	"syscall"
	"testing"
	"time"
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
