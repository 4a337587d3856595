package bolt

import (
	"context"
	"path/filepath"
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
	due, err := s.Due(ctx, now, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{b.Key}, due)
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
		{"Due", func() error { _, err := s.Due(cctx, now, 1); return err }},
		{"Seen", func() error { _, err := s.Seen(cctx, "x", now); return err }},
		{"MarkSeen", func() error { return s.MarkSeen(cctx, "x", now) }},
		{"Purge", func() error { _, err := s.Purge(cctx, now); return err }},
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
	due, err := s.Due(ctx, now, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{forever.Key, kept.Key, atNow.Key}, due, "purged bookings leave the due index")

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
