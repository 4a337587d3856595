package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// MovesRooms reports whether the provider moves a room to new times in place
// (booking.RoomUpdater): its rooms have no end date a later end could outlive.
func (r *Reconciler) MovesRooms(provider string) bool { return r.updater(provider) != nil }

func (r *Reconciler) updater(provider string) booking.RoomUpdater {
	u, _ := r.Providers[provider].(booking.RoomUpdater)
	return u
}

// updateRoom runs before the organizer is sent a REQUEST. It moves the booking's room to its
// current details when the provider updates rooms in place and the organizer was already sent an
// invitation for this room: the REQUEST about to go out is then for a change, which the room must
// follow. (A room made since the organizer's last invitation was made from the current details.)
// Repeating it after a stopped run is harmless: the update is idempotent.
func (w *run) updateRoom(ctx context.Context) (gone bool, err error) {
	room := w.b.Room
	if room == nil {
		return false, nil
	}
	inv := w.b.InviteFor(w.b.Details.Organizer.Email)
	if w.r.updater(room.Provider) == nil || inv == nil || inv.Method != booking.Request || inv.SentAt.IsZero() || inv.SentAt.Before(room.CreatedAt) {
		return false, nil
	}
	return w.moveRoom(ctx)
}

// moveRoom asks the provider to move the current room to the record's details, in place.
//
// gone reports that the provider no longer has the room: it is kept as an ended room (vanish), and
// the next step makes a new one. A permanent failure, or a pause of the calls that move rooms (Zoom's
// daily cap), does not hold the invitations up, as the room and its links still work; a
// temporary one is retried first.
func (w *run) moveRoom(ctx context.Context) (gone bool, err error) {
	room := w.b.Room
	u := w.r.updater(room.Provider)
	var updated booking.Room
	err = w.r.call(ctx, w.now, room.Provider, true, func() (err error) {
		if err := w.hold(ctx); err != nil {
			return err
		}
		updated, err = u.UpdateRoom(ctx, *room, w.roomSpec(w.b.Details, room.Tag))
		return err
	})
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return true, w.vanish(ctx, *room)
	case booking.IsPermanent(err) || createsPaused(err):
		w.step("room not moved: " + err.Error())
		w.stage(func(b *booking.Booking) {
			if b.Room != nil && b.Room.ID == room.ID {
				b.Room.End = b.Details.End // not asked again for this end
			}
		})
		return false, nil
	case err != nil:
		return false, fmt.Errorf("update %s room %s of booking %s: %w", room.Provider, room.ID, w.b.Key, err)
	}
	w.step("update room")
	updated.Options, updated.CreatedAt, updated.End = room.Options, room.CreatedAt, w.b.Details.End
	updated.Checked = w.checked() // an update succeeds only on a room the provider has
	// Staged: the update is idempotent, so a run that stops before its next write repeats it.
	w.stage(func(b *booking.Booking) {
		if b.Room != nil && b.Room.ID == room.ID {
			b.Room = &updated
		}
	})
	return false, nil
}
