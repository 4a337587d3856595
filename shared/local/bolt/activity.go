package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	bbolt "go.etcd.io/bbolt"
)

// activityBucket holds the bookings' activity items: booking key + "#" + booking.Position of the
// event's time and identity → big-endian expiry, then JSON of booking.ActivityItem.
var activityBucket = []byte("activity")

// AddActivity stores each event that is not stored yet, all in one transaction. A delivery whose
// events are all stored already is found so in a read-only transaction and costs no sync to disk.
func (s *Store) AddActivity(ctx context.Context, key string, events []booking.RoomEvent, expires time.Time) ([]booking.ActivityItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("add activity of booking %s: %w", key, err)
	}
	if key == "" {
		return nil, errors.New("add activity: empty key")
	}
	items := booking.ActivityItems(events)
	var fresh []booking.ActivityItem
	missing := func(tx *bbolt.Tx) {
		fresh = fresh[:0]
		for _, it := range items {
			s.reads.Add(1)
			if tx.Bucket(activityBucket).Get(activityKey(key, it)) == nil && !containsID(fresh, it.ID) {
				fresh = append(fresh, it)
			}
		}
	}
	if err := s.db.View(func(tx *bbolt.Tx) error { missing(tx); return nil }); err != nil {
		return nil, fmt.Errorf("add activity of booking %s: %w", key, err)
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	err := s.update(func(tx *bbolt.Tx) error {
		missing(tx) // another writer may have stored some meanwhile
		return putActivity(tx, key, fresh, expires)
	})
	if err != nil {
		return nil, fmt.Errorf("add activity of booking %s: %w", key, err)
	}
	return fresh, nil
}

func containsID(items []booking.ActivityItem, id string) bool {
	for _, it := range items {
		if it.ID == id {
			return true
		}
	}
	return false
}

// Activity returns the booking's items, earliest first, reading only them and the entry after.
func (s *Store) Activity(ctx context.Context, key string) ([]booking.ActivityItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read activity of booking %s: %w", key, err)
	}
	prefix := []byte(key + "#")
	var out []booking.ActivityItem
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(activityBucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && len(out) < booking.MaxActivity; k, v = c.Next() {
			s.reads.Add(1)
			if !bytes.HasPrefix(k, prefix) {
				break
			}
			var it booking.ActivityItem
			if len(v) < timeLen {
				return fmt.Errorf("activity item %s: too short", k)
			}
			if err := json.Unmarshal(v[timeLen:], &it); err != nil {
				return fmt.Errorf("decode activity item %s: %w", k, err)
			}
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read activity of booking %s: %w", key, err)
	}
	return out, nil
}

// ReplaceActivity rewrites the items, in one transaction.
func (s *Store) ReplaceActivity(ctx context.Context, key string, items []booking.ActivityItem, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("replace activity of booking %s: %w", key, err)
	}
	if key == "" {
		return errors.New("replace activity: empty key")
	}
	if len(items) == 0 {
		return nil
	}
	if err := s.update(func(tx *bbolt.Tx) error { return putActivity(tx, key, items, expires) }); err != nil {
		return fmt.Errorf("replace activity of booking %s: %w", key, err)
	}
	return nil
}

// ExpireActivity gives every item of the booking key the expiry at, in one transaction; an item's
// content is left as it is. A booking whose items all have it is found so in a read-only
// transaction and costs no sync to disk.
func (s *Store) ExpireActivity(ctx context.Context, key string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("expire activity of booking %s: %w", key, err)
	}
	if key == "" || at.IsZero() {
		return errors.New("expire activity: empty key or expiry")
	}
	stamp := encodeTime(at)
	prefix := []byte(key + "#")
	var other [][]byte
	find := func(tx *bbolt.Tx) {
		other = other[:0]
		c := tx.Bucket(activityBucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			s.reads.Add(1)
			if len(v) >= timeLen && !bytes.Equal(v[:timeLen], stamp) {
				other = append(other, bytes.Clone(k))
			}
		}
	}
	if err := s.db.View(func(tx *bbolt.Tx) error { find(tx); return nil }); err != nil {
		return fmt.Errorf("expire activity of booking %s: %w", key, err)
	}
	if len(other) == 0 {
		return nil
	}
	err := s.update(func(tx *bbolt.Tx) error {
		find(tx) // another writer may have changed some meanwhile
		bucket := tx.Bucket(activityBucket)
		for _, k := range other {
			v := bucket.Get(k)
			if err := bucket.Put(k, append(bytes.Clone(stamp), v[timeLen:]...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("expire activity of booking %s: %w", key, err)
	}
	return nil
}

// never is the expiry of items whose record has none: Purge leaves them.
var never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// putActivity writes the items of the booking key.
func putActivity(tx *bbolt.Tx, key string, items []booking.ActivityItem, expires time.Time) error {
	if expires.IsZero() {
		expires = never
	}
	entries := make([]indexEntry, 0, len(items))
	for _, it := range items {
		data, err := json.Marshal(it)
		if err != nil {
			return fmt.Errorf("encode activity item %s: %w", it.ID, err)
		}
		entries = append(entries, indexEntry{activityBucket, activityKey(key, it), append(encodeTime(expires), data...)})
	}
	return put(tx, entries)
}

// activityKey is the key of an item: its booking, then its time and identity, so a booking's items
// are together in the order of their time.
func activityKey(key string, it booking.ActivityItem) []byte {
	return []byte(key + "#" + booking.Position(it.Event.At, it.ID))
}
