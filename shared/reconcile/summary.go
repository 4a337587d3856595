package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
)

// The organizer's attendance summary ("who came"). It is sent at the cleanup, when the room is
// deleted after the meeting, not when a session ends: a Whereby session ends whenever fewer than
// two people remain, and more may come after. It is sent once per booking, whether anyone came
// or not (an organizer told nothing cannot tell "nobody came" from "no summary"); never for a
// cancelled booking, nor for a hand-made room (source manual), whose maker has the room's
// history in the admin API and console and invited nobody roomkeeper knows. Who matched whom is
// booking.attended's matching (run.attended, notice.go), so the e-mail and the outbound webhook
// always agree.

// summaryDue reports whether b's organizer is still to be sent the attendance summary.
func summaryDue(b *booking.Booking) bool {
	return b.Status == booking.Confirmed && b.Done && b.Room == nil && len(b.Ended) > 0 &&
		b.Source != booking.Manual && !b.Summary.Settled() && mailable(b, b.Details.Organizer.Email)
}

// summarize e-mails the organizer who came. As with an invite, the intent is recorded before the
// send (with the cleanup's delete when that made it due): a run that stops between the mail
// service accepting the message and the record being saved leaves it set, and the next run sends
// again and counts a possible duplicate. A summary
// that cannot be rendered, or that the mail service refuses for good, is dropped, not retried.
func (w *run) summarize(ctx context.Context) error {
	b := w.b
	d := &b.Details
	got := w.attended()
	sum := invite.Attendance{
		From:             w.r.MailFrom,
		Organizer:        w.r.reader(d, d.Organizer),
		Title:            d.Title,
		Start:            d.Start,
		End:              d.End,
		OrganizerJoined:  got.Organizer.Joined,
		OrganizerMinutes: got.Organizer.Minutes,
		DialInCalls:      got.DialIn.Calls,
		DialInMinutes:    got.DialIn.Minutes,
		TotalMinutes:     got.ParticipantMinutes,
		Stamp:            w.now,
	}
	for i, in := range got.Invitees { // one per attendee, in the same order
		sum.Invitees = append(sum.Invitees, invite.AttendanceInvitee{
			Person: d.Attendees[i], Joined: in.Joined, First: in.First, Last: in.Last, Minutes: in.Minutes,
		})
	}
	for _, o := range got.Others {
		sum.Others = append(sum.Others, invite.AttendanceOther{Name: o.Name, Minutes: o.Minutes})
	}
	msg, err := w.r.Renderer.Attendance(&sum)
	if err != nil {
		// An organizer address no mail can reach, in a record stored before intake refused
		// them: it never will render.
		// An intent stored with the cleanup is put back by the run's last write (run.unwind).
		w.step("drop attendance summary: " + err.Error())
		w.stage(func(b *booking.Booking) { b.Summary.Dropped = err.Error() })
		return nil
	}
	msg.Key = b.Key
	if !w.intended(summaryIntent) {
		w.intendSummary()
	}
	if err := w.hold(ctx); err != nil {
		return err
	}
	id, err := w.r.Mailer.Send(ctx, msg)
	switch {
	case err != nil && !booking.IsPermanent(err):
		// Nothing went out now: the failure puts the intent back (run.unwind).
		return fmt.Errorf("send attendance summary for booking %s: %w", b.Key, err)
	case err != nil:
		w.step("mail service refused the attendance summary")
	default:
		w.step("send attendance summary to organizer")
	}
	w.sent(summaryIntent)
	w.stage(func(b *booking.Booking) {
		b.Summary.PendingAt = time.Time{}
		if err != nil {
			b.Summary.Dropped = "refused: " + err.Error()
		} else {
			b.Summary.SentAt, b.Summary.MessageID = w.now, id
		}
	})
	return nil
}

const summaryIntent = "summary"

// intendSummary stages the summary's intent (Summary.PendingAt), to be stored before the send:
// with the cleanup's delete, which makes it due, or on its own. A stopped run's intent means it
// may have gone out: sending again is counted as a possible duplicate.
func (w *run) intendSummary() {
	prior := w.b.Summary.PendingAt
	again := !prior.IsZero()
	if again {
		w.res.PossibleDuplicates++
	}
	w.guard(func(b *booking.Booking) {
		b.Summary.PendingAt = w.now
		if again {
			b.PossibleDuplicates++
		}
	})
	w.intend(summaryIntent, func(b *booking.Booking) { b.Summary.PendingAt = prior })
}
