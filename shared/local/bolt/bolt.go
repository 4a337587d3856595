// Package bolt is the embedded booking.Store of the local server: one bbolt file (go.etcd.io/bbolt,
// a B+tree key/value store with serializable transactions) that survives restarts.
//
// Buckets:
//   - "bookings": booking key → JSON of booking.Booking;
//   - "due": big-endian DueAt + booking key → nothing, so Due reads only what is due, oldest first
//     (the embedded counterpart of the DynamoDB adapter's sparse dueAt index);
//   - "expires": big-endian ExpiresAt + booking key → nothing, so Purge reads only what expired;
//   - "seen": delivery id → big-endian expiry.
//
// Both indexes are kept in step with the record in the same transaction as every Put.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	bookingsBucket = []byte("bookings")
	dueBucket      = []byte("due")
	expiresBucket  = []byte("expires")
	seenBucket     = []byte("seen")
)

// lockTimeout is how long Open waits for another process to release the file.
const lockTimeout = time.Second

// Store is a booking.Store in one bbolt file. It is safe for concurrent use.
type Store struct {
	db *bbolt.DB
}

var _ booking.Store = (*Store)(nil)

// Open opens or creates the store file at path, creating its parent directories. bbolt locks the
// file, so while one process has it open another fails within a second with an error saying so.
func Open(path string) (*Store, error) {
	return open(path, lockTimeout)
}

func open(path string, timeout time.Duration) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: the file is in use by another process (is another roomkeeper running?): %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bookingsBucket, dueBucket, expiresBucket, seenBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: create buckets: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file and releases its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Get returns the booking with the key, or an error wrapping booking.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) (*booking.Booking, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get booking %s: %w", key, err)
	}
	var b *booking.Booking
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		b, err = load(tx, key)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get booking %s: %w", key, err)
	}
	if b == nil {
		return nil, fmt.Errorf("get booking %s: %w", key, booking.ErrNotFound)
	}
	return b, nil
}

// Put writes b following the version rules of booking.Store: Version 0 creates the record if no
// record has the key; any other Version replaces the record only if the stored version equals it.
// Otherwise the error wraps booking.ErrConflict. On success b.Version is raised by one.
func (s *Store) Put(ctx context.Context, b *booking.Booking) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put booking %s: %w", b.Key, err)
	}
	if b.Key == "" {
		return errors.New("put booking: empty key")
	}
	next := *b
	next.Version++
	data, err := json.Marshal(&next)
	if err != nil {
		return fmt.Errorf("put booking %s: encode: %w", b.Key, err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		old, err := load(tx, b.Key)
		if err != nil {
			return err
		}
		switch {
		case old == nil && b.Version != 0:
			return fmt.Errorf("version %d of a missing record: %w", b.Version, booking.ErrConflict)
		case old != nil && old.Version != b.Version:
			return fmt.Errorf("version %d, stored %d: %w", b.Version, old.Version, booking.ErrConflict)
		}
		if old != nil {
			if err := unindex(tx, old); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bookingsBucket).Put([]byte(b.Key), data); err != nil {
			return err
		}
		return index(tx, &next)
	})
	if err != nil {
		return fmt.Errorf("put booking %s: %w", b.Key, err)
	}
	b.Version = next.Version
	return nil
}

// Due returns up to limit keys of bookings whose DueAt is set and not after now, oldest first.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list due bookings: %w", err)
	}
	var keys []string
	err := s.db.View(func(tx *bbolt.Tx) error {
		keys = keysUpTo(tx.Bucket(dueBucket), now, limit)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list due bookings: %w", err)
	}
	return keys, nil
}

// Seen reports whether a delivery id was marked and its mark has not expired by now.
func (s *Store) Seen(ctx context.Context, id string, now time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("check delivery id: %w", err)
	}
	var seen bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(seenBucket).Get([]byte(id))
		seen = v != nil && bytes.Compare(encodeTime(now), v) < 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("check delivery id: %w", err)
	}
	return seen, nil
}

// MarkSeen records a delivery id until expires, replacing an earlier mark.
func (s *Store) MarkSeen(ctx context.Context, id string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mark delivery id: %w", err)
	}
	if id == "" {
		return errors.New("mark delivery id: empty id")
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(seenBucket).Put([]byte(id), encodeTime(expires))
	})
	if err != nil {
		return fmt.Errorf("mark delivery id: %w", err)
	}
	return nil
}

// Purge deletes the bookings whose ExpiresAt is set and before now, with their index entries, and
// the delivery ids whose marks have expired by now. It returns how many bookings and marks it
// deleted. The local sweeper calls it; DynamoDB expires the same records with TTL.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("purge expired records: %w", err)
	}
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		n = 0
		// Strictly before now: the key range ends just below now's encoding.
		before := now.Add(-time.Nanosecond)
		for _, key := range keysUpTo(tx.Bucket(expiresBucket), before, -1) {
			b, err := load(tx, key)
			if err != nil {
				return err
			}
			if b == nil {
				return fmt.Errorf("expiry index names missing booking %s", key)
			}
			if err := unindex(tx, b); err != nil {
				return err
			}
			if err := tx.Bucket(bookingsBucket).Delete([]byte(key)); err != nil {
				return err
			}
			n++
		}
		seen := tx.Bucket(seenBucket)
		limit := encodeTime(now)
		var expired [][]byte
		err := seen.ForEach(func(id, expires []byte) error {
			if bytes.Compare(limit, expires) >= 0 {
				expired = append(expired, bytes.Clone(id))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range expired {
			if err := seen.Delete(id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge expired records: %w", err)
	}
	return n, nil
}

// load returns the stored booking with the key, or nil.
func load(tx *bbolt.Tx, key string) (*booking.Booking, error) {
	data := tx.Bucket(bookingsBucket).Get([]byte(key))
	if data == nil {
		return nil, nil
	}
	var b booking.Booking
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("decode booking %s: %w", key, err)
	}
	return &b, nil
}

// index adds b's entries to the due and expiry indexes.
func index(tx *bbolt.Tx, b *booking.Booking) error {
	if !b.DueAt.IsZero() {
		if err := tx.Bucket(dueBucket).Put(indexKey(b.DueAt, b.Key), nil); err != nil {
			return err
		}
	}
	if !b.ExpiresAt.IsZero() {
		if err := tx.Bucket(expiresBucket).Put(indexKey(b.ExpiresAt, b.Key), nil); err != nil {
			return err
		}
	}
	return nil
}

// unindex removes b's entries from the due and expiry indexes.
func unindex(tx *bbolt.Tx, b *booking.Booking) error {
	if !b.DueAt.IsZero() {
		if err := tx.Bucket(dueBucket).Delete(indexKey(b.DueAt, b.Key)); err != nil {
			return err
		}
	}
	if !b.ExpiresAt.IsZero() {
		if err := tx.Bucket(expiresBucket).Delete(indexKey(b.ExpiresAt, b.Key)); err != nil {
			return err
		}
	}
	return nil
}

// keysUpTo returns the booking keys of index entries with a time not after t, oldest first, at
// most limit of them (all when limit is negative).
func keysUpTo(bucket *bbolt.Bucket, t time.Time, limit int) []string {
	end := encodeTime(t)
	var keys []string
	c := bucket.Cursor()
	for k, _ := c.First(); k != nil && len(keys) != limit; k, _ = c.Next() {
		if bytes.Compare(k[:timeLen], end) > 0 {
			break
		}
		keys = append(keys, string(k[timeLen:]))
	}
	return keys
}

// timeLen is the length of an encoded time: seconds and nanoseconds.
const timeLen = 12

// encodeTime encodes t so that byte order is time order, for every time.Time (UnixNano would
// overflow outside 1678–2262): Unix seconds with the sign bit flipped, then nanoseconds.
func encodeTime(t time.Time) []byte {
	b := make([]byte, timeLen)
	binary.BigEndian.PutUint64(b, uint64(t.Unix())^(1<<63))
	binary.BigEndian.PutUint32(b[8:], uint32(t.Nanosecond()))
	return b
}

func indexKey(t time.Time, key string) []byte {
	return append(encodeTime(t), key...)
}
