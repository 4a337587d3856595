package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// RoomResult says what ApplyRoomEvents did with one webhook delivery.
type RoomResult struct {
	Duplicate bool     // every event was stored before (a redelivery): nothing written
	Applied   int      // events stored for a booking
	Dropped   int      // events for rooms roomkeeper did not create (or no longer knows)
	Nudged    []string // bookings the worker was asked to look at now
	NudgeErr  error
}

// ApplyRoomEvents records one provider webhook delivery's events (sessions, participants,
// knocks) on the bookings whose rooms they concern, each as an activity item of its own
// (Store.AddActivity): the booking's record is read, not written, and an event stored before (a
// redelivery) writes nothing, so no delivery id needs marking. A room is recognised by the
// roomkeeper tag in its name, which must name this deployment (or none: a room tagged before
// deployments had ids), and must be one the booking made; events for any other room are dropped.
// A knock to tell the organizer about, or a meeting that ended after its scheduled end, makes the
// booking due now (the one case that writes the record), so the worker e-mails or cleans up at
// once even if the nudge is lost.
func (in *Intake) ApplyRoomEvents(ctx context.Context, provider string, events []booking.RoomEvent) (RoomResult, error) {
	var res RoomResult
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
	res.Duplicate = res.Applied == 0 && res.Dropped < len(events)
	return res, nil
}

// applyRoom stores one booking's events and, when they make the booking due, marks it so.
func (in *Intake) applyRoom(ctx context.Context, key, provider string, events []booking.RoomEvent) (applied, dropped int, due bool, err error) {
	b, err := in.Store.Get(ctx, key)
	if errors.Is(err, booking.ErrNotFound) {
		return 0, len(events), false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("load booking %s: %w", key, err)
	}
	var owned []booking.RoomEvent
	for _, e := range events {
		if !ownsRoom(b, provider, e) {
			dropped++
			continue
		}
		owned = append(owned, b.Identify(e))
	}
	if len(owned) == 0 {
		return 0, dropped, false, nil
	}
	added, err := in.Store.AddActivity(ctx, key, owned, b.ExpiresAt)
	if err != nil {
		return 0, 0, false, fmt.Errorf("record activity of booking %s: %w", key, err)
	}
	if len(added) == 0 {
		return 0, dropped, false, nil
	}
	due, err = in.markDue(ctx, b, added)
	if err != nil {
		return 0, 0, false, err
	}
	return len(added), dropped, due, nil
}

// markDue sets b due now, with a versioned write retried on conflicts, when the events just
// added leave a knock to tell the organizer about, or end a meeting after its scheduled end. Only
// then is the activity read: a knock or a meeting past its end.
func (in *Intake) markDue(ctx context.Context, b *booking.Booking, added []booking.ActivityItem) (bool, error) {
	now := in.Now()
	if b.Status != booking.Confirmed || b.Done || b.Room == nil {
		return false, nil
	}
	knocked := slices.ContainsFunc(added, func(it booking.ActivityItem) bool { return it.Event.Kind == booking.Knocked })
	if !knocked && now.Before(b.Details.End) {
		return false, nil
	}
	key := b.Key
	for attempt := 0; ; attempt++ {
		items, err := in.Store.Activity(ctx, key)
		if err != nil {
			return false, fmt.Errorf("read activity of booking %s: %w", key, err)
		}
		// The items just added may not be readable yet: they are merged in, each once.
		act := b.WithActivity(append(items, added...))
		due := act.KnockToTell() != nil ||
			(!now.Before(b.Details.End) && !act.Live() && !act.LastEnd().Before(b.Details.End))
		if !due || b.DueAt.Equal(now) {
			return due, nil
		}
		b.DueAt, b.UpdatedAt = now, now
		err = in.Store.Put(ctx, b)
		if errors.Is(err, booking.ErrConflict) && attempt < maxConflicts {
			if b, err = in.Store.Get(ctx, key); err != nil {
				return false, fmt.Errorf("load booking %s: %w", key, err)
			}
			if b.Status != booking.Confirmed || b.Done || b.Room == nil {
				return false, nil
			}
			continue
		}
		if err != nil {
			return false, fmt.Errorf("save booking %s: %w", key, err)
		}
		return true, nil
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
