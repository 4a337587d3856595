// Package intake applies validated changes from booking sources to booking records: ordering by
// the source's timestamp, final cancellation with tombstones, delivery-id dedupe, roomkeeper's own
// SEQUENCE, and the nudge that tells the worker to reconcile (DESIGN.md, "The reconciliation
// model" and "The generic booking event").
package intake

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// DedupeWindow is how long a delivery id is remembered. It far exceeds every source's retry
// window and the signature tolerance, which bounds how late a replay can be accepted at all.
const DedupeWindow = 72 * time.Hour

// Intake applies changes. Its fields are set once in main.
type Intake struct {
	Store     booking.Store
	Queue     booking.Queue
	Now       func() time.Time
	Retention time.Duration // records are kept this long after the meeting's end
}

// Outcome says what Apply did with a change.
type Outcome string

// Outcomes of Apply.
const (
	Applied   Outcome = "applied"   // the booking changed; the worker was nudged
	Unchanged Outcome = "unchanged" // newer, but nothing a recipient would see changed
	Stale     Outcome = "stale"     // not newer than the last change applied: ignored
	Final     Outcome = "cancelled" // the booking is cancelled: later events are ignored
	Duplicate Outcome = "duplicate" // this delivery id was seen before
)

// Result reports what Apply did.
type Result struct {
	Key      string
	Outcome  Outcome
	NudgeErr error // the queue refused the nudge; the sweeper will find the booking anyway
}

// maxConflicts bounds retries when another writer changes the record between read and write.
const maxConflicts = 8

// Apply applies ch to its booking. An error means nothing was applied (the store failed) and the
// caller should answer 503 so the source retries.
func (in *Intake) Apply(ctx context.Context, ch booking.Change) (Result, error) {
	now := in.Now()
	res := Result{Key: booking.KeyOf(ch.Source, ch.ExternalID)}
	var dedupeID string
	if ch.DeliveryID != "" {
		dedupeID = ch.Source + ":" + ch.DeliveryID
		seen, err := in.Store.Seen(ctx, dedupeID, now)
		if err != nil {
			return res, fmt.Errorf("check delivery %s: %w", dedupeID, err)
		}
		if seen {
			res.Outcome = Duplicate
			return res, nil
		}
	}
	for attempt := 0; ; attempt++ {
		b, err := in.Store.Get(ctx, res.Key)
		if errors.Is(err, booking.ErrNotFound) {
			b, err = nil, nil
		}
		if err != nil {
			return res, fmt.Errorf("load booking %s: %w", res.Key, err)
		}
		var next *booking.Booking
		next, res.Outcome = in.apply(b, ch, now)
		if next == nil {
			break
		}
		err = in.Store.Put(ctx, next)
		if errors.Is(err, booking.ErrConflict) && attempt < maxConflicts {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("save booking %s: %w", res.Key, err)
		}
		break
	}
	// Marking the delivery after the change is saved means a crash in between lets the retry
	// through, where the timestamp rule makes it harmless; marking first could lose the booking.
	if dedupeID != "" {
		if err := in.Store.MarkSeen(ctx, dedupeID, now.Add(DedupeWindow)); err != nil {
			return res, fmt.Errorf("mark delivery %s: %w", dedupeID, err)
		}
	}
	if res.Outcome == Applied {
		res.NudgeErr = in.Queue.Enqueue(ctx, res.Key)
	}
	return res, nil
}

// apply returns the record to save (nil: nothing to save) and the outcome. b is nil for a booking
// not seen before.
func (in *Intake) apply(b *booking.Booking, ch booking.Change, now time.Time) (*booking.Booking, Outcome) {
	if b == nil {
		b = &booking.Booking{
			Key:        booking.KeyOf(ch.Source, ch.ExternalID),
			Source:     ch.Source,
			ExternalID: ch.ExternalID,
			UID:        ch.UID,
			CreatedAt:  now,
		}
		if b.UID == "" {
			b.UID = newUID()
		}
		b.LastEventAt = ch.At
		b.UpdatedAt = now
		if ch.Type == booking.EventCancelled {
			// A tombstone: the booking is final before it was ever seen.
			b.Status = booking.Cancelled
			b.ExpiresAt = now.Add(in.Retention)
			return b, Applied
		}
		b.Status = booking.Confirmed
		b.Details = ch.Details
		b.DueAt = now
		b.ExpiresAt = ch.Details.End.Add(in.Retention)
		return b, Applied
	}
	if b.Status == booking.Cancelled {
		return nil, Final
	}
	if !ch.At.After(b.LastEventAt) {
		return nil, Stale
	}
	b.LastEventAt = ch.At
	b.UpdatedAt = now
	if ch.Type == booking.EventCancelled {
		b.Status = booking.Cancelled
		b.Sequence++
		in.reopen(b, now)
		return b, Applied
	}
	if reflect.DeepEqual(b.Details, ch.Details) {
		return b, Unchanged
	}
	b.Details = ch.Details
	b.Sequence++
	b.ExpiresAt = ch.Details.End.Add(in.Retention)
	in.reopen(b, now)
	return b, Applied
}

// reopen makes a changed booking due now and clears the previous run's failure, so a change
// retries what an earlier failure stopped.
func (in *Intake) reopen(b *booking.Booking, now time.Time) {
	b.DueAt = now
	b.Done = false
	b.Failure = nil
	b.Attempts = 0
	if b.ExpiresAt.Before(now.Add(in.Retention)) && b.Status == booking.Cancelled {
		b.ExpiresAt = now.Add(in.Retention)
	}
}

// newUID returns a random RFC 4122 version 4 UUID, the form RFC 7986 recommends for UID.
func newUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails on supported platforms
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}
