package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

func (r *Reconciler) updater(provider string) booking.RoomUpdater {
	u, _ := r.Providers[provider].(booking.RoomUpdater)
	return u
}

// updateRoom runs before the organizer is sent a REQUEST. It moves the booking's room to its
// current details when the provider updates rooms in place and the organizer was already sent an
// invitation for this room: the REQUEST about to go out is then for a change, which the room must
// follow. (A room made since the organizer's last invitation was made from the current details.)
// Repeating it after a stopped run is harmless: the update is idempotent.
//
// gone reports that the provider no longer has the room: it is dropped from the record, and the
// next step makes a new one. A permanent failure (Zoom's daily cap) does not hold the invitations
// up, as the room and its links still work; a temporary one is retried first.
func (w *run) updateRoom(ctx context.Context) (gone bool, err error) {
	room := w.b.Room
	if room == nil {
		return false, nil
	}
	u := w.r.updater(room.Provider)
	inv := w.b.InviteFor(w.b.Details.Organizer.Email)
	if u == nil || inv == nil || inv.Method != booking.Request || inv.SentAt.IsZero() || inv.SentAt.Before(room.CreatedAt) {
		return false, nil
	}
	updated, err := u.UpdateRoom(ctx, *room, w.roomSpec(w.b.Details, room.Tag))
	switch {
	case errors.Is(err, booking.ErrNotFound):
		w.step("room gone at the provider")
		return true, w.save(ctx, func(b *booking.Booking) {
			if b.Room != nil && b.Room.ID == room.ID {
				b.Room = nil
			}
		})
	case booking.IsPermanent(err):
		w.step("room not moved: " + err.Error())
		return false, nil
	case err != nil:
		return false, fmt.Errorf("update %s room %s of booking %s: %w", room.Provider, room.ID, w.b.Key, err)
	}
	w.step("update room")
	updated.Options, updated.CreatedAt = room.Options, room.CreatedAt
	return false, w.save(ctx, func(b *booking.Booking) {
		if b.Room != nil && b.Room.ID == room.ID {
			b.Room = &updated
		}
	})
}
