package bolt

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// BenchmarkMillionRecords loads a million records (bulkLoad: one transaction, each record with
// its people entry and a usage entry; one in a hundred due) once per run, into a file in the
// benchmark's temporary directory, and measures the sweep's query of what is due and the admin
// lists on it. Each sub-benchmark reports what one call returned (returned/op) and the records
// and index entries it read (reads/op): bounded by the call, not by the million. load-s is the
// load's time and file-MB the file's size.
func BenchmarkMillionRecords(b *testing.B) {
	const records = 1_000_000
	ctx := b.Context()
	path := filepath.Join(b.TempDir(), "roomkeeper.db")
	s, err := Open(path)
	require.NoError(b, err)
	b.Cleanup(func() { _ = s.Close() })
	began := time.Now()
	bulkLoad(b, s, records)
	loaded := time.Since(began)
	runtime.GC() // the load's garbage is not the calls'
	info, err := os.Stat(path)
	require.NoError(b, err)

	measure := func(name string, call func() int) {
		b.Run(name, func(b *testing.B) {
			before := s.Reads()
			returned := 0
			for b.Loop() {
				returned += call()
			}
			b.ReportMetric(float64(returned)/float64(b.N), "returned/op")
			b.ReportMetric(float64(s.Reads()-before)/float64(b.N), "reads/op")
			b.ReportMetric(loaded.Seconds(), "load-s")
			b.ReportMetric(float64(info.Size())/1e6, "file-MB")
		})
	}
	// A sweep past its cap: 10,000 records are due, the sweeper takes 1,000 a run.
	measure("Due/cap", func() int {
		keys, _, err := s.Due(ctx, now, "", 1000)
		require.NoError(b, err)
		return len(keys)
	})
	// A sweep under its cap: 500 due by 950,000 s before now.
	measure("Due/under-cap", func() int {
		keys, _, err := s.Due(ctx, now.Add(-950_000*time.Second), "", 1000)
		require.NoError(b, err)
		return len(keys)
	})
	list := func(q booking.ListQuery) func() int {
		return func() int {
			page, err := s.List(ctx, q)
			require.NoError(b, err)
			return len(page.Entries)
		}
	}
	measure("List/active", list(booking.ListQuery{State: booking.Active, Limit: 50}))
	measure("List/ended-newest", list(booking.ListQuery{State: booking.Ended, Limit: 50, Newest: true}))
	measure("List/ended-range", list(booking.ListQuery{State: booking.Ended, From: bulkStart(records / 3), To: bulkStart(records / 2), Limit: 50, Newest: true}))
	measure("Usage/day", func() int {
		day := now.AddDate(0, 0, 5000).Format(booking.DayLayout)
		usage, err := s.Usage(ctx, day, day)
		require.NoError(b, err)
		return len(usage)
	})
	measure("People", func() int {
		keys, err := s.People(ctx, "person-424242@example.com")
		require.NoError(b, err)
		return len(keys)
	})
}
