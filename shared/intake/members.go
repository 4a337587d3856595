package intake

import (
	"slices"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// join adds one attendee to b. Each guest's calendar lists only the organizer and that guest, so
// nobody else's invite changes: the newcomer's first REQUEST goes out at the current SEQUENCE. The
// SEQUENCE rises only when the newcomer was sent a CANCEL before (a REQUEST at that SEQUENCE would
// be stale to their calendar) or the organizer's calendar lists the attendees; see raise.
func (in *Intake) join(b *booking.Booking, p booking.Person, now time.Time) (*booking.Booking, Outcome) {
	d := &b.Details
	if strings.EqualFold(p.Email, d.Organizer.Email) || slices.ContainsFunc(d.Attendees, sameEmail(p.Email)) {
		return nil, Unchanged
	}
	if len(d.Attendees)+2 > booking.LargeMax {
		return nil, Ignored // no room holds more; the source's own limit should have stopped this
	}
	d.Attendees = append(d.Attendees, p)
	b.AssignIDs(nil, in.NewID) // a guest who left and comes back gets their id again
	everyone := false
	if len(d.Attendees)+1 > booking.SmallMax && d.Room.Size == booking.Small {
		// The room is too small now: the next one is a new room, whose link everyone needs.
		d.Room.Size = booking.Large
		everyone = true
	}
	inv := b.InviteFor(p.Email)
	cancelled := inv != nil && (inv.Method == booking.Cancel || inv.Pending != nil)
	raise(b, p.Email, everyone || cancelled || d.OrganizerCalendar, everyone)
	b.UpdatedAt = now
	in.reopen(b, now)
	return b, Applied
}

// leave removes one attendee from b. The leaver's CANCEL must carry a higher SEQUENCE than the
// REQUEST they hold (RFC 5546 §2.1.4), so the SEQUENCE rises when they may hold one; the others'
// invites do not change, so they are sent nothing. A booking whose last attendee left is kept:
// the slot may still be booked by someone else, and the room is cleaned up after the end as usual.
func (in *Intake) leave(b *booking.Booking, p booking.Person, now time.Time) (*booking.Booking, Outcome) {
	d := &b.Details
	i := slices.IndexFunc(d.Attendees, sameEmail(p.Email))
	if i < 0 {
		return nil, Unchanged
	}
	d.Attendees = slices.Delete(d.Attendees, i, i+1)
	inv := b.InviteFor(p.Email)
	holds := inv != nil && ((inv.Method == booking.Request && inv.Error == "") ||
		(inv.Pending != nil && inv.Pending.Method == booking.Request))
	raise(b, p.Email, holds || d.OrganizerCalendar, false)
	b.UpdatedAt = now
	in.reopen(b, now)
	return b, Applied
}

// raise raises b's SEQUENCE for a change concerning one attendee, if needed. Unless everyone must
// be sent the new version, a participant who holds the REQUEST of the previous SEQUENCE and whose
// calendar does not show the change is recorded as holding the new one: the content they hold is
// the same, and any later change still reaches them with a higher SEQUENCE than theirs. So the
// worker sends the change to the one attendee concerned (and to the organizer when their calendar
// lists the attendees), not an identical "updated invitation" to everyone else.
func raise(b *booking.Booking, who string, needed, everyone bool) {
	if !needed {
		return
	}
	prev := b.Sequence
	b.Sequence++
	if everyone {
		return
	}
	d := &b.Details
	for i := range b.Invites {
		inv := &b.Invites[i]
		switch {
		case strings.EqualFold(inv.Email, who),
			inv.Organizer && d.OrganizerCalendar,
			inv.Sequence != prev || inv.Method != booking.Request || inv.Error != "" || inv.Pending != nil,
			!inv.Organizer && !slices.ContainsFunc(d.Attendees, sameEmail(inv.Email)):
			continue
		}
		inv.Sequence = b.Sequence
	}
}

// uninvited records one attendee mail cannot reach joining or leaving (booking.Details.Uninvited).
// A newcomer is named to the organizer: the SEQUENCE rises for the organizer's message only,
// the others holding the same invitation as before (see raise). One leaving is dropped from the
// list, and nobody is sent anything, since they were never invited.
func (in *Intake) uninvited(b *booking.Booking, typ booking.EventType, p booking.Person, now time.Time) (*booking.Booking, Outcome) {
	d := &b.Details
	i := slices.IndexFunc(d.Uninvited, sameEmail(p.Email))
	switch {
	case typ == booking.EventLeft && i < 0:
		return nil, Unchanged
	case typ == booking.EventLeft:
		d.Uninvited = slices.Delete(d.Uninvited, i, i+1)
	case i >= 0 || strings.EqualFold(p.Email, d.Organizer.Email) || slices.ContainsFunc(d.Attendees, sameEmail(p.Email)):
		return nil, Unchanged
	case len(d.Attendees)+len(d.Uninvited)+2 > booking.LargeMax:
		return nil, Ignored // no room holds more; the source's own limit should have stopped this
	default:
		d.Uninvited = append(d.Uninvited, p)
		raise(b, d.Organizer.Email, true, false)
	}
	b.UpdatedAt = now
	in.reopen(b, now)
	return b, Applied
}

// ended records that the meeting is over (Cal.com's MEETING_ENDED) as a session that ended at
// the scheduled end, and makes the booking due: the worker's cleanup rule then deletes the room at
// once, unless the provider's webhooks report the call still live, which keeps the room up to the
// overrun cap. An end for another time than the booking's (a meeting since moved) changes nothing.
func (in *Intake) ended(b *booking.Booking, ch booking.Change, now time.Time) (*booking.Booking, Outcome) {
	end := ch.Details.End
	if !end.Equal(b.Details.End) {
		return nil, Stale
	}
	if !b.Embedded.Apply(booking.RoomEvent{Kind: booking.SessionEnded, At: end, SessionID: ch.Source + ":meeting-ended"}) {
		return nil, Unchanged
	}
	b.UpdatedAt = now
	if b.Done || b.Room == nil {
		return b, Unchanged
	}
	b.DueAt = now
	if end.After(now) {
		b.DueAt = end
	}
	return b, Applied
}

func sameEmail(email string) func(booking.Person) bool {
	return func(p booking.Person) bool { return strings.EqualFold(p.Email, email) }
}
