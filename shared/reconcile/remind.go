package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// RemindersOf returns how long before its start a booking's participants are reminded, longest
// first: the booking's own (a generic event's data.reminders), else its source's
// (Reconciler.Reminders). A hand-made room has none: its maker holds the links, and it invites
// no one.
func (r *Reconciler) RemindersOf(b *booking.Booking) []time.Duration {
	if b.Source == booking.Manual {
		return nil
	}
	if b.Details.Reminders == nil {
		return r.Reminders[b.Source]
	}
	out := make([]time.Duration, len(b.Details.Reminders))
	for i, m := range b.Details.Reminders {
		out[i] = time.Duration(m) * time.Minute
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return cmp.Compare(b, a) }) // as intake stores them; planReminder relies on it
	return out
}

// planReminder returns the next reminder to send, organizer first (remindersDue), and when the
// next one after it comes due (zero: none).
func (r *Reconciler) planReminder(b *booking.Booking, now time.Time) (action, time.Time) {
	due, next := r.remindersDue(b, now)
	if len(due) > 0 {
		return due[0], time.Time{}
	}
	return action{}, next
}

// remindersDue returns the reminders to send now, organizer first, and when the next one comes
// due (zero: none). A recipient is reminded who holds the REQUEST of the current sequence (so
// never after a cancellation, nor someone who left); the reminder is due at start − its lead,
// and is sent from then until the start, at most once for the start: a reminder due before the
// booking was made or moved (RemindFrom), or before the recipient was sent the current
// invitation, is skipped, and of several due at once (a run held up by an outage) only the
// latest is sent, the earlier ones counted done.
func (r *Reconciler) remindersDue(b *booking.Booking, now time.Time) ([]action, time.Time) {
	leads := r.RemindersOf(b)
	d := &b.Details
	if len(leads) == 0 || b.Status != booking.Confirmed || b.Done || !now.Before(d.Start) {
		return nil, time.Time{}
	}
	from := b.RemindFrom
	if from.IsZero() {
		from = b.CreatedAt // a record stored before reminders
	}
	var (
		out  []action
		next time.Time
	)
	for i, p := range d.Participants() {
		inv := b.InviteFor(p.Email)
		if inv == nil || inv.Method != booking.Request || inv.Sequence != b.Sequence || inv.Error != "" || !mailable(b, p.Email) {
			continue
		}
		// A reminder due before the recipient was sent the current invitation (a guest added
		// late) would only repeat it.
		armed := from
		if inv.SentAt.After(armed) {
			armed = inv.SentAt
		}
		var due time.Duration // the latest reminder due, if any
		for _, lead := range leads {
			at := d.Start.Add(-lead)
			switch {
			case inv.Reminded != 0 && lead >= time.Duration(inv.Reminded)*time.Minute:
				// Sent, or passed over for a later one.
			case at.Before(armed):
				// Due before the booking was made or moved, or before this recipient's
				// invitation: skipped, never sent late.
			case !at.After(now):
				due = lead
			case next.IsZero() || at.Before(next):
				next = at
			}
		}
		if due > 0 {
			out = append(out, action{kind: actRemind, person: p, organizer: i == 0, method: booking.Request, reminder: due})
		}
	}
	if len(out) > 0 {
		return out, time.Time{}
	}
	return nil, next
}

// remindAll sends the reminders due as sendAll sends invitations: one write records every
// recipient's intent (RemindPending) with the lease, then each is sent and its result written
// before the next send. A run that stops between the mail service accepting a reminder and that
// write sends it again (at most one), counted in PossibleDuplicates. A
// reminder refused for good, or that cannot be rendered, is counted done: it is not retried,
// and the others are still reminded.
func (w *run) remindAll(ctx context.Context, acts []action) error {
	if _, err := w.link(ctx, booking.RoomLink, booking.ForGuest); err != nil {
		return err // a secret that cannot be read yet: before the intents, like sendAll
	}
	start := w.b.Details.Start
	// mine applies a change to a recipient's reminder state only while the record still holds
	// the start the reminder is for: a move (intake's ArmReminders) starts it over.
	mine := func(b *booking.Booking, email string, change func(*booking.Invite)) {
		if inv := b.InviteFor(email); inv != nil && b.Details.Start.Equal(start) {
			change(inv)
		}
	}
	for _, a := range acts {
		email, lead := a.person.Email, int(a.reminder/time.Minute)
		prior := w.b.InviteFor(email).RemindPending
		if prior == lead {
			w.res.PossibleDuplicates++
		}
		w.guard(func(b *booking.Booking) {
			mine(b, email, func(inv *booking.Invite) { inv.RemindPending = lead })
			if prior == lead {
				b.PossibleDuplicates++
			}
		})
		w.intend(remindIntent(email), func(b *booking.Booking) {
			mine(b, email, func(inv *booking.Invite) { inv.RemindPending = prior })
		})
	}
	if err := w.hold(ctx); err != nil {
		return err
	}
	for i, a := range acts {
		if err := w.beforeSend(ctx, i); err != nil {
			return err
		}
		msg, err := w.render(ctx, a)
		if err == nil {
			_, err = w.r.Mailer.Send(ctx, msg)
			if err != nil && !booking.IsPermanent(err) {
				// Nothing went out now: the failure puts the unsent intents back (run.unwind).
				return fmt.Errorf("send reminder for booking %s: %w", w.b.Key, err)
			}
		}
		if err != nil {
			// Neither the mail service's answer nor the render error goes in the steps, which
			// are logged: either may name the address.
			w.step("drop reminder to " + role(a.organizer) + ": refused for good or cannot be rendered")
		} else {
			w.step(fmt.Sprintf("send %s reminder to %s", a.reminder, role(a.organizer)))
			w.report(booking.CountOf(booking.MetricRemindersSent, 1))
		}
		email, lead := a.person.Email, int(a.reminder/time.Minute)
		w.sent(remindIntent(email))
		w.stage(func(b *booking.Booking) {
			mine(b, email, func(inv *booking.Invite) { inv.Reminded, inv.RemindPending = lead, 0 })
		})
	}
	return nil
}

func remindIntent(email string) string { return "remind " + strings.ToLower(email) }
