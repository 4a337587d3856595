package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// ReapAge is how old an unreferenced room must be before the reaper deletes it.
const ReapAge = time.Hour

// Reap deletes provider rooms that this deployment tagged but that no record references: strays
// of a run that stopped mid-create and was never retried, or rooms whose record expired. Only
// rooms whose tag names this deployment are candidates: another deployment's rooms on the same
// provider account, and rooms tagged before deployments had ids, are never deleted. A room is
// kept while its record names it as the current, a replaced or an ended room, or is still
// creating it under that tag, and while it is younger than ReapAge (by the provider's creation
// time; a provider that gives none counts as older, since the creating intent written before
// every create keeps a fresh room referenced). It returns how many rooms it deleted.
func (r *Reconciler) Reap(ctx context.Context) (int, error) {
	own := booking.DeploymentTag(r.Deployment)
	now := r.Now()
	names := make([]string, 0, len(r.Providers))
	for name := range r.Providers {
		names = append(names, name)
	}
	sort.Strings(names)
	deleted := 0
	var errs []error
	var reaped []booking.Metric
	defer func() { r.put(ctx, reaped...) }()
	for _, name := range names {
		p := r.Providers[name]
		var rooms []booking.Room
		err := r.call(ctx, now, name, false, func() (err error) {
			rooms, err = p.TaggedRooms(ctx)
			return err
		})
		if isStoreErr(err) {
			return deleted, fmt.Errorf("reap: %w", err)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reap: list %s rooms: %w", name, err))
			continue
		}
		for _, room := range rooms {
			tag, ok := booking.ParseTag(room.Tag)
			if !ok || tag.Deployment != own || now.Sub(room.CreatedAt) < ReapAge {
				continue
			}
			b, err := r.Store.Get(ctx, tag.Key)
			switch {
			case errors.Is(err, booking.ErrNotFound):
				b = nil
			case err != nil:
				return deleted, fmt.Errorf("reap: load booking %s: %w", tag.Key, err)
			}
			if b != nil && references(b, name, room) {
				continue
			}
			err = r.call(ctx, now, name, false, func() error { return p.DeleteRoom(ctx, room) })
			if isStoreErr(err) {
				return deleted, fmt.Errorf("reap: %w", err)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("reap: delete %s room %s: %w", name, room.ID, err))
				continue
			}
			deleted++
			reaped = append(reaped, booking.CountOf(booking.MetricRoomsReaped, 1).By("Provider", name))
		}
	}
	return deleted, errors.Join(errs...)
}

func references(b *booking.Booking, provider string, room booking.Room) bool {
	if c := b.Creating; c != nil && c.Provider == provider && c.Tag == room.Tag {
		return true
	}
	if b.Room != nil && b.Room.Provider == provider && b.Room.ID == room.ID {
		return true
	}
	for _, r := range b.Retired {
		if r.Provider == provider && r.ID == room.ID {
			return true
		}
	}
	return false
}
