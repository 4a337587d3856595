package intake

import (
	"context"
	"errors"
	"fmt"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// RoomResult says what ApplyRoomEvents did with one webhook delivery.
type RoomResult struct {
	Duplicate bool     // the delivery id was seen before: nothing done
	Applied   int      // events that changed a booking's record
	Dropped   int      // events for rooms roomkeeper did not create (or no longer knows)
	Nudged    []string // bookings the worker was asked to look at now
	NudgeErr  error
}

// ApplyRoomEvents records one provider webhook delivery's events (sessions, participants,
// knocks) on the bookings whose rooms they concern. A room is recognised by the roomkeeper tag
// in its name, which must name this deployment (or none: a room tagged before deployments had
// ids), and must be one the booking made; events for any other room are dropped. A knock
// to tell the organizer about, or a meeting that ended after its scheduled end, makes the
// booking due now, so the worker e-mails or cleans up at once.
func (in *Intake) ApplyRoomEvents(ctx context.Context, provider, deliveryID string, events []booking.RoomEvent) (RoomResult, error) {
	var res RoomResult
	now := in.Now()
	dedupeID := ""
	if deliveryID != "" {
		dedupeID = "hook:" + provider + ":" + deliveryID
		seen, err := in.Store.Seen(ctx, dedupeID, now)
		if err != nil {
			return res, fmt.Errorf("check delivery %s: %w", dedupeID, err)
		}
		if seen {
			res.Duplicate = true
			return res, nil
		}
	}
	byKey := map[string][]booking.RoomEvent{}
	var keys []string
	own := booking.DeploymentTag(in.Deployment)
	for _, e := range events {
		tag, ok := booking.ParseTag(e.RoomName)
		if !ok || (tag.Deployment != "" && tag.Deployment != own) {
			res.Dropped++ // not roomkeeper's, or another deployment's
			continue
		}
		key := tag.Key
		if _, ok := byKey[key]; !ok {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], e)
	}
	for _, key := range keys {
		applied, dropped, due, err := in.applyRoom(ctx, key, provider, byKey[key])
		if err != nil {
			return res, err
		}
		res.Applied += applied
		res.Dropped += dropped
		if due {
			res.Nudged = append(res.Nudged, key)
			if err := in.Queue.Enqueue(ctx, key); err != nil {
				res.NudgeErr = err
			}
		}
	}
	if dedupeID != "" {
		if err := in.Store.MarkSeen(ctx, dedupeID, now.Add(DedupeWindow)); err != nil {
			return res, fmt.Errorf("mark delivery %s: %w", dedupeID, err)
		}
	}
	return res, nil
}

// applyRoom applies one booking's events with a versioned write, retrying on conflicts.
func (in *Intake) applyRoom(ctx context.Context, key, provider string, events []booking.RoomEvent) (applied, dropped int, due bool, err error) {
	for attempt := 0; ; attempt++ {
		b, err := in.Store.Get(ctx, key)
		if errors.Is(err, booking.ErrNotFound) {
			return 0, len(events), false, nil
		}
		if err != nil {
			return 0, 0, false, fmt.Errorf("load booking %s: %w", key, err)
		}
		applied, dropped = 0, 0
		for _, e := range events {
			if !ownsRoom(b, provider, e) {
				dropped++
				continue
			}
			if b.Activity.Apply(b.Identify(e)) {
				applied++
			}
		}
		if applied == 0 {
			return 0, dropped, false, nil
		}
		now := in.Now()
		act := &b.Activity
		due = b.Status == booking.Confirmed && !b.Done && b.Room != nil &&
			(act.KnockToTell() != nil ||
				(!now.Before(b.Details.End) && !act.Live() && !act.LastEnd().Before(b.Details.End)))
		if due {
			b.DueAt = now
		}
		b.UpdatedAt = now
		err = in.Store.Put(ctx, b)
		if errors.Is(err, booking.ErrConflict) && attempt < maxConflicts {
			continue
		}
		if err != nil {
			return 0, 0, false, fmt.Errorf("save booking %s: %w", key, err)
		}
		return applied, dropped, due, nil
	}
}

// ownsRoom reports whether an event concerns a room the booking made: its current room or one
// it replaced, matched by the provider's id or, when the event carries none, by name.
func ownsRoom(b *booking.Booking, provider string, e booking.RoomEvent) bool {
	match := func(r *booking.Room) bool {
		if r.Provider != provider {
			return false
		}
		if e.RoomID != "" {
			return r.ID == e.RoomID
		}
		return r.Name == e.RoomName
	}
	if b.Room != nil && match(b.Room) {
		return true
	}
	for i := range b.Retired {
		if match(&b.Retired[i]) {
			return true
		}
	}
	return false
}
