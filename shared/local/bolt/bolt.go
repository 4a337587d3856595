// Package bolt is the embedded booking.Store and access.Store of the local server: one bbolt file
// (go.etcd.io/bbolt, a B+tree key/value store with serializable transactions) that survives
// restarts.
//
// Buckets:
//   - "bookings": booking key → JSON of booking.Booking;
//   - "due": big-endian DueAt + booking key → nothing, so Due reads only what is due, oldest first
//     (the embedded counterpart of the DynamoDB adapter's sparse dueAt index);
//   - "expires": big-endian ExpiresAt + booking key → nothing, so Purge reads only what expired;
//   - "list": list state + "#" + booking.Position of the meeting's start → booking key, so a page
//     of List reads only its own entries (and the next, to tell whether the list goes on);
//   - "seen": delivery id → big-endian expiry; "seen-long": the same for ids over 1 KiB, keyed by
//     their SHA-256 (a bbolt key holds at most 32 KiB, and the id is the sender's);
//   - "usage": day + "#" + room tag → big-endian expiry, then JSON of booking.Usage;
//   - "people": booking.PersonHash of an address + "#" + booking key → big-endian expiry;
//   - "pauses": provider + "#" + booking.PauseKind → big-endian end of the pause;
//   - "activity": booking key + "#" + booking.Position of an event's time and identity →
//     big-endian expiry (the record's), then JSON of booking.ActivityItem;
//
// and the buckets of access.Store, listed in access.go.
//
// The due, expiry and list indexes are kept in step with the record in the same transaction as
// every Put; a file written before the list index existed gets it at Open. Every value of the
// seen, seen-long, usage, people, pauses and activity buckets (and of access.Store's) starts with its
// expiry, so Purge treats them alike.
package bolt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	bookingsBucket = []byte("bookings")
	dueBucket      = []byte("due")
	expiresBucket  = []byte("expires")
	listBucket     = []byte("list")
	seenBucket     = []byte("seen")
	longSeenBucket = []byte("seen-long")
	usageBucket    = []byte("usage")
	peopleBucket   = []byte("people")
	pausesBucket   = []byte("pauses")
)

// lockTimeout is how long Open waits for another process to release the file.
const lockTimeout = time.Second

// Store is a booking.Store in one bbolt file. It is safe for concurrent use.
type Store struct {
	db      *bbolt.DB
	reads   atomic.Int64 // records and index entries read, for Reads
	commits atomic.Int64 // write transactions, for Commits
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
		// A file from before the list index has records but no list bucket.
		rebuild := tx.Bucket(listBucket) == nil
		for _, name := range [][]byte{bookingsBucket, dueBucket, expiresBucket, listBucket, seenBucket, longSeenBucket, usageBucket, peopleBucket,
			activityBucket, operatorsBucket, sessionsBucket, auditBucket, limitsBucket, pausesBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if rebuild {
			return reindex(tx)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: create buckets: %w", path, err)
	}
	return &Store{db: db}, nil
}

// reindex writes every index entry of every record. Entries already there are written again
// unchanged, so it only adds what is missing.
func reindex(tx *bbolt.Tx) error {
	return tx.Bucket(bookingsBucket).ForEach(func(k, _ []byte) error {
		b, err := load(tx, string(k))
		if err != nil {
			return err
		}
		return index(tx, b)
	})
}

// Reads returns how many records and index entries the store has read since Open. It is for
// tests and benchmarks, to show that a read touches only what it returns.
func (s *Store) Reads() int64 { return s.reads.Load() }

// Commits returns how many write transactions the store has committed or tried since Open: each
// is a durable commit, two fdatasyncs. It is for benchmarks, to replay a run's writes.
func (s *Store) Commits() int64 { return s.commits.Load() }

// update runs fn in a write transaction, counted for Commits.
func (s *Store) update(fn func(*bbolt.Tx) error) error {
	s.commits.Add(1)
	return s.db.Update(fn)
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
		b, err = s.load(tx, key)
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
	return s.putWith(b, func(*bbolt.Tx) error { return nil }, func(*bbolt.Tx) error { return nil })
}

// PutIndexed writes b, its people entries and the delivery's mark in one transaction.
func (s *Store) PutIndexed(ctx context.Context, b *booking.Booking, people []string, delivery string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put booking %s: %w", b.Key, err)
	}
	if b.Key == "" {
		return errors.New("put booking: empty key")
	}
	return s.putWith(b,
		func(tx *bbolt.Tx) error { return indexPeople(tx, b.Key, people, b.ExpiresAt) },
		func(tx *bbolt.Tx) error {
			if delivery == "" {
				return nil
			}
			bucket, key := seenKey(tx, delivery)
			return bucket.Put(key, encodeTime(until))
		})
}

// putWith writes b following the version rules, in one transaction with what before and after
// write; a conflict writes nothing.
func (s *Store) putWith(b *booking.Booking, before, after func(*bbolt.Tx) error) error {
	next := *b
	next.Version++
	data, err := json.Marshal(&next)
	if err != nil {
		return fmt.Errorf("put booking %s: encode: %w", b.Key, err)
	}
	err = s.update(func(tx *bbolt.Tx) error {
		old, err := s.load(tx, b.Key)
		if err != nil {
			return err
		}
		switch {
		case old == nil && b.Version != 0:
			return fmt.Errorf("version %d of a missing record: %w", b.Version, booking.ErrConflict)
		case old != nil && old.Version != b.Version:
			return fmt.Errorf("version %d, stored %d: %w", b.Version, old.Version, booking.ErrConflict)
		}
		if err := before(tx); err != nil {
			return err
		}
		if old != nil {
			if err := unindex(tx, old); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bookingsBucket).Put([]byte(b.Key), data); err != nil {
			return err
		}
		if err := index(tx, &next); err != nil {
			return err
		}
		return after(tx)
	})
	if err != nil {
		return fmt.Errorf("put booking %s: %w", b.Key, err)
	}
	b.Version = next.Version
	return nil
}

// Due returns up to limit bookings whose DueAt is set and not after now, with their DueAt,
// oldest first, after the position after, and the position of the last one.
func (s *Store) Due(ctx context.Context, now time.Time, after string, limit int) ([]booking.Due, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("list due bookings: %w", err)
	}
	var from []byte
	if after != "" {
		t, key, err := booking.ParsePosition(after)
		if err != nil {
			return nil, "", fmt.Errorf("list due bookings: %w", err)
		}
		from = indexKey(t, key)
	}
	var due []booking.Due
	next := after
	err := s.db.View(func(tx *bbolt.Tx) error {
		due = s.entriesUpTo(tx.Bucket(dueBucket), from, now, limit)
		if len(due) > 0 {
			last := due[len(due)-1]
			next = booking.Position(last.At, last.Key)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list due bookings: %w", err)
	}
	return due, next, nil
}

// Seen reports whether a delivery id was marked and its mark has not expired by now.
func (s *Store) Seen(ctx context.Context, id string, now time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("check delivery id: %w", err)
	}
	var seen bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		bucket, key := seenKey(tx, id)
		v := bucket.Get(key)
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
	err := s.update(func(tx *bbolt.Tx) error {
		bucket, key := seenKey(tx, id)
		return bucket.Put(key, encodeTime(expires))
	})
	if err != nil {
		return fmt.Errorf("mark delivery id: %w", err)
	}
	return nil
}

// maxDeliveryID is the longest delivery id kept as its own key. The id is the sender's (a
// webhook-id header, a Whereby envelope's id), and a bbolt key holds at most 32 KiB.
const maxDeliveryID = 1024

// seenKey returns where a delivery id's mark is kept: under the id, or, for an id longer than
// maxDeliveryID, under its SHA-256 in a bucket of their own, where no id can be taken for another.
func seenKey(tx *bbolt.Tx, id string) (*bbolt.Bucket, []byte) {
	if len(id) > maxDeliveryID {
		sum := sha256.Sum256([]byte(id))
		return tx.Bucket(longSeenBucket), sum[:]
	}
	return tx.Bucket(seenBucket), []byte(id)
}

// List returns one page of a list of records in order of their meeting's start, reading only the
// page's index entries and the one after them.
func (s *Store) List(ctx context.Context, q booking.ListQuery) (booking.ListPage, error) {
	if err := ctx.Err(); err != nil {
		return booking.ListPage{}, fmt.Errorf("list bookings: %w", err)
	}
	if err := q.Check(); err != nil {
		return booking.ListPage{}, fmt.Errorf("list bookings: %w", err)
	}
	lo, hi := q.Span()
	prefix := string(listKey(q.State, ""))
	var page booking.ListPage
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(listBucket).Cursor()
		var k, v []byte
		next := c.Next
		if q.Newest {
			// The last entry before hi, or before the list's end: "$" follows "#".
			end := prefix + hi
			if hi == "" {
				end = string(q.State) + "$"
			}
			if k, _ = c.Seek([]byte(end)); k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
			next = c.Prev
		} else {
			k, v = c.Seek([]byte(prefix + lo))
		}
		for ; k != nil; k, v = next() {
			s.reads.Add(1)
			pos, ok := strings.CutPrefix(string(k), prefix)
			if !ok || pos < lo || (hi != "" && pos >= hi) {
				break
			}
			if pos == q.After {
				continue
			}
			if len(page.Entries) == q.Limit {
				page.More = true
				break
			}
			page.Entries = append(page.Entries, booking.ListEntry{Key: string(v), Cursor: pos})
		}
		return nil
	})
	if err != nil {
		return booking.ListPage{}, fmt.Errorf("list bookings: %w", err)
	}
	return page, nil
}

// listKey is the key of a list entry: the list, "#", the record's position in it.
func listKey(state booking.ListState, position string) []byte {
	return []byte(string(state) + "#" + position)
}

// PutUsage records one room's figures for one day, replacing those of an earlier PutUsage.
func (s *Store) PutUsage(ctx context.Context, u booking.Usage, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put usage: %w", err)
	}
	if err := u.Check(); err != nil {
		return fmt.Errorf("put usage: %w", err)
	}
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("put usage %s %s: encode: %w", u.Day, u.RoomID, err)
	}
	err = s.update(func(tx *bbolt.Tx) error { return putUsage(tx, u, data, expires) })
	if err != nil {
		return fmt.Errorf("put usage %s %s: %w", u.Day, u.RoomID, err)
	}
	return nil
}

// putUsage writes the usage entry of u, whose JSON is data.
func putUsage(tx *bbolt.Tx, u booking.Usage, data []byte, expires time.Time) error {
	return put(tx, []indexEntry{usageEntry(u, data, expires)})
}

// usageEntry is the usage bucket's entry of u, whose JSON is data.
func usageEntry(u booking.Usage, data []byte, expires time.Time) indexEntry {
	return indexEntry{usageBucket, []byte(u.Day + "#" + u.RoomID), append(encodeTime(expires), data...)}
}

// Usage returns the figures of the days from to to, inclusive, by day and room, reading only
// those and the entry after them.
func (s *Store) Usage(ctx context.Context, from, to string) ([]booking.Usage, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read usage: %w", err)
	}
	if err := booking.CheckDays(from, to); err != nil {
		return nil, fmt.Errorf("read usage: %w", err)
	}
	var out []booking.Usage
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(usageBucket).Cursor()
		for k, v := c.Seek([]byte(from)); k != nil; k, v = c.Next() {
			s.reads.Add(1)
			if string(k[:len(booking.DayLayout)]) > to {
				break
			}
			var u booking.Usage
			if err := json.Unmarshal(v[timeLen:], &u); err != nil {
				return fmt.Errorf("decode usage %s: %w", k, err)
			}
			out = append(out, u)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read usage %s to %s: %w", from, to, err)
	}
	return out, nil
}

// IndexPeople links each address to the record key until expires.
func (s *Store) IndexPeople(ctx context.Context, key string, emails []string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("index people of booking %s: %w", key, err)
	}
	if key == "" {
		return errors.New("index people: empty key")
	}
	err := s.update(func(tx *bbolt.Tx) error { return indexPeople(tx, key, emails, expires) })
	if err != nil {
		return fmt.Errorf("index people of booking %s: %w", key, err)
	}
	return nil
}

// indexPeople writes the people entries linking each address to key.
func indexPeople(tx *bbolt.Tx, key string, emails []string, expires time.Time) error {
	return put(tx, peopleEntries(key, emails, expires))
}

// peopleEntries are the people bucket's entries linking each address to key.
func peopleEntries(key string, emails []string, expires time.Time) []indexEntry {
	var entries []indexEntry
	for _, e := range emails {
		if h := booking.PersonHash(e); h != "" {
			entries = append(entries, indexEntry{peopleBucket, personKey(h, key), encodeTime(expires)})
		}
	}
	return entries
}

func personKey(hash, key string) []byte { return []byte(hash + "#" + key) }

// People returns the keys of the records linked to email, reading only its entries and the one
// after them.
func (s *Store) People(ctx context.Context, email string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("find a person's bookings: %w", err)
	}
	var keys []string
	err := s.db.View(func(tx *bbolt.Tx) error {
		keys = s.personKeys(tx, booking.PersonHash(email))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find a person's bookings: %w", err)
	}
	return keys, nil
}

// ForgetPerson removes email's entries from the people index.
func (s *Store) ForgetPerson(ctx context.Context, email string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("forget a person: %w", err)
	}
	h := booking.PersonHash(email)
	err := s.update(func(tx *bbolt.Tx) error {
		for _, key := range s.personKeys(tx, h) {
			if err := tx.Bucket(peopleBucket).Delete(personKey(h, key)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget a person: %w", err)
	}
	return nil
}

// personKeys returns the record keys linked to the address with the hash h.
func (s *Store) personKeys(tx *bbolt.Tx, h string) []string {
	if h == "" {
		return nil
	}
	prefix := personKey(h, "")
	var keys []string
	c := tx.Bucket(peopleBucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil; k, _ = c.Next() {
		s.reads.Add(1)
		if !bytes.HasPrefix(k, prefix) {
			break
		}
		keys = append(keys, string(k[len(prefix):]))
	}
	return keys
}

// Pause marks the provider's calls of the kind paused until the time, unless a later end is
// marked already. That is read first, so the workers refused together write the pause once: a
// write transaction costs a sync to disk even when it changes nothing.
func (s *Store) Pause(ctx context.Context, provider string, kind booking.PauseKind, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pause %s: %w", provider, err)
	}
	if marked, err := s.PausedUntil(ctx, provider, kind); err != nil || !marked.Before(until) {
		return err
	}
	err := s.update(func(tx *bbolt.Tx) error {
		b, k, v := tx.Bucket(pausesBucket), pauseKey(provider, kind), encodeTime(until)
		if old := b.Get(k); old != nil && bytes.Compare(old, v) >= 0 {
			return nil
		}
		return b.Put(k, v)
	})
	if err != nil {
		return fmt.Errorf("pause %s: %w", provider, err)
	}
	return nil
}

// PausedUntil returns when the provider's pause of the kind ends, or the zero time.
func (s *Store) PausedUntil(ctx context.Context, provider string, kind booking.PauseKind) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, fmt.Errorf("read pause of %s: %w", provider, err)
	}
	var until time.Time
	err := s.db.View(func(tx *bbolt.Tx) error {
		s.reads.Add(1)
		if v := tx.Bucket(pausesBucket).Get(pauseKey(provider, kind)); v != nil {
			until = decodeTime(v)
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read pause of %s: %w", provider, err)
	}
	return until, nil
}

func pauseKey(provider string, kind booking.PauseKind) []byte {
	return []byte(provider + "#" + string(kind))
}

// Purge deletes the bookings whose ExpiresAt is set and before now, with their index entries, and
// the delivery-id marks, usage figures, people entries, activity items, pauses, sessions, audit entries and
// failure counts that have expired by now. It returns how many records and entries it deleted. The local sweeper calls it; DynamoDB expires the same
// items with TTL.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("purge expired records: %w", err)
	}
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		n = 0
		// Strictly before now: the key range ends just below now's encoding.
		before := now.Add(-time.Nanosecond)
		for _, e := range s.entriesUpTo(tx.Bucket(expiresBucket), nil, before, -1) {
			key := e.Key
			b, err := s.load(tx, key)
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
		for _, name := range [][]byte{seenBucket, longSeenBucket, usageBucket, peopleBucket, activityBucket, sessionsBucket, auditBucket, limitsBucket, pausesBucket} {
			purged, err := s.purgeExpired(tx.Bucket(name), now)
			if err != nil {
				return err
			}
			n += purged
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge expired records: %w", err)
	}
	return n, nil
}

// purgeExpired deletes the entries of bucket whose value starts with an expiry not after now,
// and returns how many it deleted. It reads the whole bucket: only Purge calls it.
func (s *Store) purgeExpired(bucket *bbolt.Bucket, now time.Time) (int, error) {
	limit := encodeTime(now)
	var expired [][]byte
	err := bucket.ForEach(func(k, v []byte) error {
		s.reads.Add(1)
		if len(v) < timeLen || bytes.Compare(limit, v[:timeLen]) >= 0 {
			expired = append(expired, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range expired {
		if err := bucket.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(expired), nil
}

// load returns the stored booking with the key, or nil, counting the read.
func (s *Store) load(tx *bbolt.Tx, key string) (*booking.Booking, error) {
	s.reads.Add(1)
	return load(tx, key)
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

// indexEntry is one entry of a bucket: one a record has in an index bucket, a people or usage
// entry.
type indexEntry struct{ bucket, key, value []byte }

// indexEntries returns b's entries in the due, expiry and list indexes.
func indexEntries(b *booking.Booking) []indexEntry {
	var entries []indexEntry
	if !b.DueAt.IsZero() {
		entries = append(entries, indexEntry{dueBucket, indexKey(b.DueAt, b.Key), nil})
	}
	if !b.ExpiresAt.IsZero() {
		entries = append(entries, indexEntry{expiresBucket, indexKey(b.ExpiresAt, b.Key), nil})
	}
	if state, ok := b.Listed(); ok {
		entries = append(entries, indexEntry{listBucket, listKey(state, booking.Position(b.Details.Start, b.Key)), []byte(b.Key)})
	}
	return entries
}

// index adds b's index entries.
func index(tx *bbolt.Tx, b *booking.Booking) error {
	return put(tx, indexEntries(b))
}

// put writes entries, each in its bucket.
func put(tx *bbolt.Tx, entries []indexEntry) error {
	for _, e := range entries {
		if err := tx.Bucket(e.bucket).Put(e.key, e.value); err != nil {
			return err
		}
	}
	return nil
}

// unindex removes b's index entries.
func unindex(tx *bbolt.Tx, b *booking.Booking) error {
	for _, e := range indexEntries(b) {
		if err := tx.Bucket(e.bucket).Delete(e.key); err != nil {
			return err
		}
	}
	return nil
}

// entriesUpTo returns the booking keys and times of index entries after the entry after (nil:
// from the first) with a time not after t, oldest first, at most limit of them (all when limit
// is negative).
func (s *Store) entriesUpTo(bucket *bbolt.Bucket, after []byte, t time.Time, limit int) []booking.Due {
	end := encodeTime(t)
	c := bucket.Cursor()
	k, _ := c.Seek(after) // the first entry when after is nil
	if after != nil && bytes.Equal(k, after) {
		s.reads.Add(1)
		k, _ = c.Next()
	}
	var found []booking.Due
	for ; k != nil && len(found) != limit; k, _ = c.Next() {
		s.reads.Add(1)
		if bytes.Compare(k[:timeLen], end) > 0 {
			break
		}
		found = append(found, booking.Due{Key: string(k[timeLen:]), At: decodeTime(k)})
	}
	return found
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

// decodeTime reverses encodeTime.
func decodeTime(b []byte) time.Time {
	secs := int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
	return time.Unix(secs, int64(binary.BigEndian.Uint32(b[8:]))).UTC()
}

func indexKey(t time.Time, key string) []byte {
	return append(encodeTime(t), key...)
}
