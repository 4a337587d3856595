package bolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/storetest"
)

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) booking.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	})
}

func mustOpen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func newBooking(id string) *booking.Booking {
	return &booking.Booking{
		Key:        booking.KeyOf("generic", id),
		Source:     "generic",
		ExternalID: id,
		Status:     booking.Confirmed,
	}
}

func TestOpenCreatesParentDirsAndSurvivesRestart(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), ".roomkeeper", "nested", "roomkeeper.db")
	s, err := Open(path)
	require.NoError(t, err)
	b := newBooking("bk_1")
	b.DueAt = now
	require.NoError(t, s.Put(ctx, b))
	require.NoError(t, s.MarkSeen(ctx, "msg_1", now.Add(time.Hour)))
	require.NoError(t, s.Close())

	s = mustOpen(t, path)
	got, err := s.Get(ctx, b.Key)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version)
	due, _, err := s.Due(ctx, now, "", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{b.Key}, booking.DueKeys(due))
	seen, err := s.Seen(ctx, "msg_1", now)
	require.NoError(t, err)
	assert.True(t, seen)
}

func TestOpenFailsFastWhileAnotherHoldsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roomkeeper.db")
	mustOpen(t, path)

	// bbolt's flock is per open file, so a second open in this process stands in for a second
	// process.
	_, err := open(path, 10*time.Millisecond)
	require.ErrorIs(t, err, bolterrors.ErrTimeout)
	assert.Contains(t, err.Error(), "in use by another process")
	assert.Contains(t, err.Error(), path)
}

func TestCancelledContext(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	ctx := t.Context()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	b := newBooking("bk_1")
	tests := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, err := s.Get(cctx, b.Key); return err }},
		{"Put", func() error { return s.Put(cctx, b) }},
		{"Due", func() error { _, _, err := s.Due(cctx, now, "", 1); return err }},
		{"Seen", func() error { _, err := s.Seen(cctx, "x", now); return err }},
		{"MarkSeen", func() error { return s.MarkSeen(cctx, "x", now) }},
		{"List", func() error {
			_, err := s.List(cctx, booking.ListQuery{State: booking.Active, Limit: 1})
			return err
		}},
		{"PutUsage", func() error { return s.PutUsage(cctx, booking.Usage{Day: "2026-11-22", RoomID: "rk"}, now) }},
		{"Usage", func() error { _, err := s.Usage(cctx, "2026-11-22", "2026-11-22"); return err }},
		{"IndexPeople", func() error { return s.IndexPeople(cctx, b.Key, []string{"ada@example.com"}, now) }},
		{"People", func() error { _, err := s.People(cctx, "ada@example.com"); return err }},
		{"ForgetPerson", func() error { return s.ForgetPerson(cctx, "ada@example.com") }},
		{"Purge", func() error { _, err := s.Purge(cctx, now); return err }},
		{"Pause", func() error { return s.Pause(cctx, "whereby", booking.PauseAll, now) }},
		{"PausedUntil", func() error { _, err := s.PausedUntil(cctx, "whereby", booking.PauseAll); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, tt.call(), context.Canceled)
		})
	}
	_, err := s.Get(ctx, b.Key)
	require.ErrorIs(t, err, booking.ErrNotFound, "a cancelled Put must store nothing")
}

func TestPurge(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	put := func(id string, expiresAt, dueAt time.Time) *booking.Booking {
		t.Helper()
		b := newBooking(id)
		b.ExpiresAt = expiresAt
		b.DueAt = dueAt
		require.NoError(t, s.Put(ctx, b))
		return b
	}
	expired := put("expired", now.Add(-time.Hour), now.Add(-2*time.Hour))
	expiredMoved := put("expired-moved", now.Add(time.Hour), time.Time{})
	expiredMoved.ExpiresAt = now.Add(-time.Minute) // moved earlier by a later Put
	require.NoError(t, s.Put(ctx, expiredMoved))
	atNow := put("expires-now", now, now.Add(-time.Minute))
	kept := put("kept", now.Add(time.Hour), now.Add(-time.Hour))
	forever := put("no-expiry", time.Time{}, now.Add(-3*time.Hour))
	require.NoError(t, s.MarkSeen(ctx, "old", now.Add(-time.Second)))
	require.NoError(t, s.MarkSeen(ctx, "ends-now", now))
	require.NoError(t, s.MarkSeen(ctx, "fresh", now.Add(time.Second)))

	n, err := s.Purge(ctx, now)
	require.NoError(t, err)
	assert.Equal(t, 4, n, "2 bookings and 2 marks")

	for _, b := range []*booking.Booking{expired, expiredMoved} {
		_, err := s.Get(ctx, b.Key)
		require.ErrorIs(t, err, booking.ErrNotFound, b.ExternalID)
	}
	for _, b := range []*booking.Booking{atNow, kept, forever} {
		_, err := s.Get(ctx, b.Key)
		require.NoError(t, err, b.ExternalID)
	}
	due, _, err := s.Due(ctx, now, "", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{forever.Key, kept.Key, atNow.Key}, booking.DueKeys(due), "purged bookings leave the due index")

	seen, err := s.Seen(ctx, "fresh", now)
	require.NoError(t, err)
	assert.True(t, seen)
	require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
		var ids []string
		require.NoError(t, tx.Bucket(seenBucket).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		}))
		assert.Equal(t, []string{"fresh"}, ids)
		assert.Equal(t, 2, tx.Bucket(expiresBucket).Stats().KeyN, "expiry index entries of the two kept bookings that expire")
		return nil
	}))

	n, err = s.Purge(ctx, now)
	require.NoError(t, err)
	assert.Zero(t, n, "a second purge finds nothing")
}

func TestPutKeepsIndexesInStep(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	b := newBooking("bk_1")
	for _, step := range []struct{ dueAt, expiresAt time.Time }{
		{now, now.Add(time.Hour)},
		{now.Add(time.Minute), now.Add(2 * time.Hour)},
		{time.Time{}, now.Add(2 * time.Hour)},
		{now, time.Time{}},
	} {
		b.DueAt, b.ExpiresAt = step.dueAt, step.expiresAt
		require.NoError(t, s.Put(ctx, b))
		require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
			assert.Equal(t, count(step.dueAt), tx.Bucket(dueBucket).Stats().KeyN, "due entries")
			assert.Equal(t, count(step.expiresAt), tx.Bucket(expiresBucket).Stats().KeyN, "expiry entries")
			return nil
		}))
	}
}

func count(t time.Time) int {
	if t.IsZero() {
		return 0
	}
	return 1
}

func TestEncodeTimeOrdersLikeTime(t *testing.T) {
	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0),
		time.Unix(0, 1),
		now,
		now.Add(time.Nanosecond),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		t.Run(times[i].String(), func(t *testing.T) {
			assert.Less(t, string(encodeTime(times[i-1])), string(encodeTime(times[i])))
		})
	}
}

func TestOpenBuildsTheListIndexOfAnOlderFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "roomkeeper.db")
	s, err := Open(path)
	require.NoError(t, err)
	var keys []string
	for i := range 3 {
		b := newBooking(fmt.Sprint("old-", i))
		b.Details.Start = now.Add(time.Duration(i) * time.Hour)
		b.DueAt = now
		require.NoError(t, s.Put(ctx, b))
		keys = append(keys, b.Key)
	}
	alias := newBooking("old-alias")
	alias.AliasOf = "old-0"
	require.NoError(t, s.Put(ctx, alias))
	// A file from before the list index: no list bucket.
	require.NoError(t, s.db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(listBucket) }))
	require.NoError(t, s.Close())

	s = mustOpen(t, path)
	page, err := s.List(ctx, booking.ListQuery{State: booking.Active, Limit: 10})
	require.NoError(t, err)
	var got []string
	for _, e := range page.Entries {
		got = append(got, e.Key)
	}
	assert.Equal(t, keys, got)
	due, _, err := s.Due(ctx, now, "", 10)
	require.NoError(t, err)
	assert.Len(t, due, 3, "the other indexes are as they were")
}

func TestPurgeDeletesPausesOver(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	require.NoError(t, s.Pause(ctx, "whereby", booking.PauseAll, now))
	require.NoError(t, s.Pause(ctx, "zoom", booking.PauseCreate, now.Add(time.Hour)))

	n, err := s.Purge(ctx, now)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	over, err := s.PausedUntil(ctx, "whereby", booking.PauseAll)
	require.NoError(t, err)
	assert.True(t, over.IsZero())
	kept, err := s.PausedUntil(ctx, "zoom", booking.PauseCreate)
	require.NoError(t, err)
	assert.True(t, now.Add(time.Hour).Equal(kept))
}

func TestPurgeDeletesExpiredUsageAndPeople(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	key := booking.KeyOf("generic", "purged")
	require.NoError(t, s.PutUsage(ctx, booking.Usage{Day: "2026-11-20", RoomID: "rkold"}, now.Add(-time.Second)))
	require.NoError(t, s.PutUsage(ctx, booking.Usage{Day: "2026-11-21", RoomID: "rkkept"}, now.Add(time.Hour)))
	require.NoError(t, s.IndexPeople(ctx, key, []string{"gone@example.com"}, now))
	require.NoError(t, s.IndexPeople(ctx, key, []string{"kept@example.com"}, now.Add(time.Hour)))

	n, err := s.Purge(ctx, now)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "one usage entry and one people entry")
	usage, err := s.Usage(ctx, "2026-11-01", "2026-11-30")
	require.NoError(t, err)
	assert.Equal(t, []booking.Usage{{Day: "2026-11-21", RoomID: "rkkept"}}, usage)
	gone, err := s.People(ctx, "gone@example.com")
	require.NoError(t, err)
	assert.Empty(t, gone)
	kept, err := s.People(ctx, "kept@example.com")
	require.NoError(t, err)
	assert.Equal(t, []string{key}, kept)
}

// bulkStart is the meeting's start of the i-th record of a bulk load: one a minute from now.
func bulkStart(i int) time.Time { return now.Add(time.Duration(i) * time.Minute) }

// bulkRecord is the i-th of n records of a bulk load: every other one ended, each organizer
// shared by two records, and one in a hundred due by now (an active record whose work is
// waiting); the other active records are due at their meeting's start, after now, and the ended
// ones are due never.
func bulkRecord(i, n int) *booking.Booking {
	b := newBooking(fmt.Sprint("bulk-", i))
	b.Version = 1
	b.Details = booking.Details{
		Title: "Bulk", Start: bulkStart(i), End: bulkStart(i).Add(30 * time.Minute),
		Organizer: booking.Person{Email: fmt.Sprintf("person-%d@example.com", i%(n/2))},
	}
	b.Done = i%2 == 1
	switch {
	case i%100 == 0:
		b.DueAt = now.Add(-time.Duration(i) * time.Second)
	case !b.Done:
		b.DueAt = bulkStart(i)
	}
	return b
}

// bulkLoad writes n bulkRecords, each with its people entry and a usage entry (100 rooms a day),
// in one transaction, with the entries Put, PutUsage and IndexPeople write. It is for tests and
// benchmarks. bbolt splits a transaction's pages only at its commit, so entries put in random
// order make each insert move everything after it in one ever larger page; they are put in
// order instead, as full pages: seconds for 100,000 records where random order took half a
// minute.
func bulkLoad(tb testing.TB, s *Store, n int) {
	tb.Helper()
	expires := now.Add(720 * time.Hour)
	var entries []indexEntry
	for i := range n {
		b := bulkRecord(i, n)
		data, err := json.Marshal(b)
		require.NoError(tb, err)
		entries = append(entries, indexEntry{bookingsBucket, []byte(b.Key), data})
		entries = append(entries, indexEntries(b)...)
		entries = append(entries, peopleEntries(b.Key, b.Emails(), expires)...)
		u := booking.Usage{Day: now.AddDate(0, 0, i/100).Format(booking.DayLayout), RoomID: fmt.Sprintf("rk%03d", i%100), Sessions: 1}
		data, err = json.Marshal(u)
		require.NoError(tb, err)
		entries = append(entries, usageEntry(u, data, expires))
	}
	slices.SortFunc(entries, func(a, b indexEntry) int {
		return cmp.Or(bytes.Compare(a.bucket, b.bucket), bytes.Compare(a.key, b.key))
	})
	require.NoError(tb, s.db.Update(func(tx *bbolt.Tx) error {
		for _, e := range entries {
			tx.Bucket(e.bucket).FillPercent = 1 // appending
		}
		return put(tx, entries)
	}))
}

// TestReadsAreBoundedByThePage loads 100,000 records, each with its people entry and a usage
// entry, and checks that the sweep's query of what is due, a page of a list, a day of usage and
// one person's records read about what they return, not the table. BenchmarkMillionRecords
// measures the same at a million.
func TestReadsAreBoundedByThePage(t *testing.T) {
	const records = 100_000
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	start := bulkStart
	bulkLoad(t, s, records)

	reads := func(t *testing.T, name string, returned int, call func()) {
		t.Helper()
		before := s.Reads()
		call()
		n := s.Reads() - before
		t.Logf("%s: %d returned, %d records and entries read (%d records in the store)", name, returned, n, records)
		assert.LessOrEqual(t, n, int64(returned+2), "reads beyond the page and the entry after it")
	}
	list := func(t *testing.T, q booking.ListQuery) booking.ListPage {
		t.Helper()
		var page booking.ListPage
		reads(t, "List", q.Limit, func() {
			var err error
			page, err = s.List(ctx, q)
			require.NoError(t, err)
		})
		require.Len(t, page.Entries, q.Limit)
		assert.True(t, page.More)
		return page
	}

	t.Run("Due", func(t *testing.T) {
		var due []booking.Due
		reads(t, "Due", records/100, func() {
			var err error
			due, _, err = s.Due(ctx, now, "", records)
			require.NoError(t, err)
		})
		require.Len(t, due, records/100, "one record in a hundred is due")
		for _, d := range due {
			b, err := s.Get(ctx, d.Key)
			require.NoError(t, err)
			assert.False(t, b.DueAt.After(now), "%s is not due", d.Key)
		}
	})
	t.Run("List", func(t *testing.T) {
		first := list(t, booking.ListQuery{State: booking.Active, Limit: 50})
		list(t, booking.ListQuery{State: booking.Active, Limit: 50, After: first.Entries[49].Cursor})
		list(t, booking.ListQuery{State: booking.Ended, Limit: 50, Newest: true})
		list(t, booking.ListQuery{State: booking.Ended, From: start(records / 3), To: start(records / 2), Limit: 50, Newest: true})
	})
	t.Run("Usage", func(t *testing.T) {
		day := now.AddDate(0, 0, 500).Format(booking.DayLayout)
		var usage []booking.Usage
		reads(t, "Usage", 100, func() {
			var err error
			usage, err = s.Usage(ctx, day, day)
			require.NoError(t, err)
		})
		assert.Len(t, usage, 100)
	})
	t.Run("People", func(t *testing.T) {
		var keys []string
		reads(t, "People", 2, func() {
			var err error
			keys, err = s.People(ctx, "PERSON-4242@example.com")
			require.NoError(t, err)
		})
		assert.ElementsMatch(t, []string{booking.KeyOf("generic", "bulk-4242"), booking.KeyOf("generic", fmt.Sprint("bulk-", 4242+records/2))}, keys)
	})
}

// TestPurgeDeletesActivityWithItsBooking: a booking's activity items carry its expiry and go
// with it.
func TestPurgeDeletesActivityWithItsBooking(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	event := booking.RoomEvent{Kind: booking.Joined, At: now.Add(-2 * time.Hour), RoomID: "m1", ParticipantID: "p1", Name: "Bob"}
	gone, kept := newBooking("gone"), newBooking("kept")
	gone.ExpiresAt, kept.ExpiresAt = now.Add(-time.Minute), now.Add(time.Hour)
	for _, b := range []*booking.Booking{gone, kept} {
		require.NoError(t, s.Put(ctx, b))
		_, err := s.AddActivity(ctx, b.Key, []booking.RoomEvent{event}, b.ExpiresAt)
		require.NoError(t, err)
	}

	n, err := s.Purge(ctx, now)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the booking and its item")
	items, err := s.Activity(ctx, gone.Key)
	require.NoError(t, err)
	assert.Empty(t, items)
	items, err = s.Activity(ctx, kept.Key)
	require.NoError(t, err)
	assert.Len(t, items, 1)
}

// TestExpireActivityGivesTheItemsTheRecordsExpiry: the booking's items, stored with an earlier
// and a later expiry, both take the one given (they outlive the earlier, and no longer the
// later); another booking's item keeps its own.
func TestExpireActivityGivesTheItemsTheRecordsExpiry(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	event := func(p string) []booking.RoomEvent {
		return []booking.RoomEvent{{Kind: booking.Joined, At: now.Add(-2 * time.Hour), RoomID: "m1", ParticipantID: p, Name: "Bob"}}
	}
	key, other := booking.KeyOf("generic", "kept"), booking.KeyOf("generic", "other")
	early, record, late := now.Add(time.Hour), now.Add(48*time.Hour), now.Add(96*time.Hour)
	for _, add := range []struct {
		key     string
		p       string
		expires time.Time
	}{{key, "p1", early}, {key, "p2", late}, {other, "p1", early}} {
		_, err := s.AddActivity(ctx, add.key, event(add.p), add.expires)
		require.NoError(t, err)
	}
	require.NoError(t, s.ExpireActivity(ctx, key, record))

	purged := func(at time.Time) (int, int) {
		t.Helper()
		_, err := s.Purge(ctx, at)
		require.NoError(t, err)
		items, err := s.Activity(ctx, key)
		require.NoError(t, err)
		others, err := s.Activity(ctx, other)
		require.NoError(t, err)
		return len(items), len(others)
	}
	items, others := purged(early.Add(time.Second))
	assert.Equal(t, 2, items, "both items outlive the earlier expiry")
	assert.Zero(t, others, "another booking's item went at its own")
	items, _ = purged(record.Add(time.Second))
	assert.Zero(t, items, "both go with the record: the later one no longer outlives it")
}

// TestCommitsCountsWriteTransactions: BenchmarkPipeline replays a booking's commits by this count.
func TestCommitsCountsWriteTransactions(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	b := &booking.Booking{Key: "generic:commits", Source: "generic"}
	require.NoError(t, s.Put(ctx, b))
	require.NoError(t, s.PutIndexed(ctx, b, []string{"ada@example.com"}, "delivery-1", time.Now().Add(time.Hour)))
	assert.Equal(t, int64(2), s.Commits())
	_, err := s.Get(ctx, b.Key)
	require.NoError(t, err)
	_, _, err = s.Due(ctx, time.Now(), "", 10)
	require.NoError(t, err)
	assert.Equal(t, int64(2), s.Commits(), "reads commit nothing")
	stale := *b
	stale.Version = 1
	require.ErrorIs(t, s.Put(ctx, &stale), booking.ErrConflict)
	assert.Equal(t, int64(3), s.Commits(), "a refused write was still a transaction")
}
