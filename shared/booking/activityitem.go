package booking

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// ActivityItem is one provider event as the store keeps it: its own small item beside the
// booking's record (Store.AddActivity), so a webhook never reads, rewrites or grows the record.
type ActivityItem struct {
	// ID is the event's identity, ActivityID of the event as first stored: a redelivered webhook's
	// event has the same one and is stored once. An erasure rewrites the event and keeps its ID.
	ID    string    `json:"id"`
	Event RoomEvent `json:"event"`
}

// MaxActivity is the most activity items Store.Activity returns for one booking: a meeting of
// LargeMax people each joining and leaving ten times. Past it, the earliest items are returned
// and the later ones left out.
const MaxActivity = 4000

// ActivityID returns the identity of an event as it is stored: a hash of everything it records
// (the room's name and any address are not), so two deliveries of one event share it and two
// different events never do.
func ActivityID(e RoomEvent) string {
	data, _ := json.Marshal(e) // a RoomEvent always encodes
	sum := sha256.Sum256(data)
	return keyEncoding.EncodeToString(sum[:16])
}

// ActivityItems returns events as the store keeps them, each with its identity.
func ActivityItems(events []RoomEvent) []ActivityItem {
	out := make([]ActivityItem, len(events))
	for i, e := range events {
		e.RoomName, e.Email = "", ""
		out[i] = ActivityItem{ID: ActivityID(e), Event: e}
	}
	return out
}

// WithActivity returns the booking's activity: what the record itself holds (Embedded) with the
// items applied, each once, in the order of their time and then their identity. Applying is
// idempotent and, but for which of two names a participant is shown under, order-independent, so
// the result does not depend on how the items were read; a fixed order makes even that one
// choice stable (the latest report's name).
func (b *Booking) WithActivity(items []ActivityItem) Activity {
	act := b.Embedded.clone()
	items = slices.Clone(items)
	slices.SortFunc(items, func(x, y ActivityItem) int {
		return cmp.Or(x.Event.At.Compare(y.Event.At), cmp.Compare(x.ID, y.ID))
	})
	items = slices.CompactFunc(items, func(x, y ActivityItem) bool { return x.ID == y.ID })
	for _, it := range items {
		act.Apply(it.Event)
	}
	return act
}

// ActivityReader reads a booking's activity items (Store.Activity).
type ActivityReader interface {
	Activity(ctx context.Context, key string) ([]ActivityItem, error)
}

// LoadActivity sets b.Activity to the booking's activity: its items read from the store merged
// with what the record holds. A record that never had a room has no items, and none are read.
func LoadActivity(ctx context.Context, s ActivityReader, b *Booking) error {
	if !b.MayHaveActivity() {
		b.Activity = b.Embedded.clone()
		return nil
	}
	items, err := s.Activity(ctx, b.Key)
	if err != nil {
		return fmt.Errorf("read the activity of booking %s: %w", b.Key, err)
	}
	b.Activity = b.WithActivity(items)
	return nil
}

// clone returns a deep copy of a.
func (a Activity) clone() Activity {
	a.Sessions = slices.Clone(a.Sessions)
	a.Connections = slices.Clone(a.Connections)
	if a.Knock != nil {
		k := *a.Knock
		a.Knock = &k
	}
	return a
}

// ToldKnock records that the organizer was told of the knock k at now: in the record
// (Embedded, which the store keeps) and in the activity as read, so a knock told is not told
// again, and a knock at or before now is ignored when the activity is next read.
func (b *Booking) ToldKnock(k Knock, now time.Time) {
	for _, a := range []*Activity{&b.Embedded, &b.Activity} {
		a.KnockNoticeAt = now
		if a.Knock != nil && !a.Knock.At.After(k.At) {
			a.Knock = nil
		}
	}
}
