package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Reap deletes provider rooms that carry a roomkeeper tag but that no booking references:
// strays of a run that stopped mid-create and was never retried, or rooms whose record expired.
// A room is kept while its booking records it as the current or a replaced room, or is still
// creating it under that tag. It returns how many rooms it deleted.
func (r *Reconciler) Reap(ctx context.Context) (int, error) {
	names := make([]string, 0, len(r.Providers))
	for name := range r.Providers {
		names = append(names, name)
	}
	sort.Strings(names)
	deleted := 0
	var errs []error
	for _, name := range names {
		p := r.Providers[name]
		rooms, err := p.TaggedRooms(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("reap: list %s rooms: %w", name, err))
			continue
		}
		for _, room := range rooms {
			key, _, ok := booking.ParseRoomTag(room.Tag)
			if !ok {
				continue
			}
			b, err := r.Store.Get(ctx, key)
			switch {
			case errors.Is(err, booking.ErrNotFound):
				b = nil
			case err != nil:
				return deleted, fmt.Errorf("reap: load booking %s: %w", key, err)
			}
			if b != nil && references(b, name, room) {
				continue
			}
			if err := p.DeleteRoom(ctx, room); err != nil {
				errs = append(errs, fmt.Errorf("reap: delete %s room %s: %w", name, room.ID, err))
				continue
			}
			deleted++
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
