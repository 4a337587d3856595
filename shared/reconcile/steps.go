package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
)

type actKind int

const (
	actNone           actKind = iota
	actRecover                // a run stopped while creating a room: adopt it or delete strays
	actCreate                 // create a room (replacing one that no longer fits)
	actCheck                  // confirm the room still exists at the provider: before the start, after a reschedule
	actDeleteRoom             // delete the current room: cancelled, or cleanup after the meeting
	actDeleteRetired          // delete a room a newer one replaced
	actSend                   // send one recipient the invite for the current sequence
	actNotify                 // e-mail the organizer a permanent failure
	actKnock                  // e-mail the organizer that a guest is waiting
	actMove                   // move a hand-made room to its record's new end (providers that move rooms)
	actCount                  // record an ended room's usage
	actUndelivered            // e-mail the organizer that a guest's invitation bounced or was complained of
	actIDs                    // give participants recipient ids (a record stored before ids), before any link is made
	actQueueNotice            // store an outbound webhook event the record calls for (notice.go)
	actSendNotice             // send a queued event to the integrations' receiver
	actDropNotice             // give up an event: 24 hours without a 2xx, or its room is gone
	actRemind                 // e-mail one recipient a reminder before the start (remind.go)
	actSummary                // e-mail the organizer who came, once the room is cleaned up (summary.go)
	actExpireActivity         // give the activity items the record's expiry, which changed (Booking.KeepUntil)
)

// action is the next missing step for a booking.
type action struct {
	kind      actKind
	person    booking.Person // actSend, actRemind: the recipient
	organizer bool           // actSend, actRemind: the recipient is the organizer
	method    booking.Method // actSend; a REQUEST's links for actRemind
	reminder  time.Duration  // actRemind: how long before the start it is due
	cleanup   bool           // actDeleteRoom: after the meeting (else cancelled)
	room      *booking.Room  // actCount: the ended room
	due       time.Time      // actNone: when the booking next needs work; zero: never
	// reason says why: for a cleanup (actDeleteRoom with cleanup), why the room goes now; for
	// actNone, why a cleanup that is due was put off (empty when nothing was put off); for
	// actDropNotice, why the notice is dropped.
	reason string
	// For actNone: finished says the meeting needs nothing more (its notices aside: they may still
	// be due), and until is when the meeting itself next needs work (zero: never).
	finished bool
	until    time.Time
	// For the notice steps: the notice's id, and for actQueueNotice its type.
	notice, noticeKind string
}

// Why a cleanup happens, or waits (Result.Cleanup, Result.Postponed).
const (
	CleanupAfterGrace   = "end + grace passed"
	CleanupMeetingOver  = "the meeting ran past its end and is over"
	CleanupOverrunCap   = "the overrun cap is reached"
	CleanupCapWhileLive = "the overrun cap is reached while a session is live"
	PostponedLive       = "a session is live"
	PostponedLiveToCap  = "a session is live; the overrun cap comes before the next check"
)

// mails reports whether the action sends mail.
func (a action) mails() bool {
	return a.kind == actSend || a.kind == actNotify || a.kind == actKnock || a.kind == actUndelivered || a.kind == actRemind || a.kind == actSummary
}

// makesDialIn reports whether the action makes (or adopts, after a stopped run) a room with
// dial-in numbers, which only a reconciler whose providers normalise phone numbers can do.
func (a action) makesDialIn(b *booking.Booking) bool {
	return (a.kind == actCreate || a.kind == actRecover) && b.Details.Room.DialIn
}

// plan returns the next missing step for b at now. It is pure: running it twice on the same
// record gives the same answer, which is what makes every step idempotent. The outbound
// webhook's notices come after every step the meeting needs; with nothing left to do, due is the
// earliest of the meeting's next step and the next notice's.
func (r *Reconciler) plan(b *booking.Booking, now time.Time) action {
	a := r.planMeeting(b, now)
	if a.kind != actNone {
		return a
	}
	a.finished, a.until = a.due.IsZero(), a.due
	n, due := r.planNotices(b, now)
	if n.kind != actNone {
		return n
	}
	if !b.ActivityExpires.IsZero() {
		// Last: the items have the retention of the record's old end to go, so this never holds
		// up a step the meeting or its notices need.
		return action{kind: actExpireActivity}
	}
	if !due.IsZero() && (a.due.IsZero() || due.Before(a.due)) {
		a.due = due
	}
	return a
}

// planMeeting returns the next step the meeting needs: its room, invitations, notices by mail,
// cleanup and usage.
func (r *Reconciler) planMeeting(b *booking.Booking, now time.Time) action {
	f := b.Failure
	if f != nil && f.Permanent && !f.Notified && b.Status == booking.Confirmed && mailable(b, b.Details.Organizer.Email) {
		return action{kind: actNotify}
	}
	if b.Creating != nil {
		return action{kind: actRecover}
	}
	if f != nil && f.Permanent {
		if len(b.Retired) > 0 {
			return action{kind: actDeleteRetired}
		}
		if summaryDue(b) {
			return action{kind: actSummary}
		}
		if a := countNext(b); a.kind != actNone || b.Room == nil {
			return a
		}
		// A room made before the failure (a reschedule whose new room was refused for good)
		// is still deleted after the meeting, never left for the provider to expire.
		return r.planCleanup(b, now)
	}
	if b.Status == booking.Cancelled {
		switch {
		case b.Room != nil:
			return action{kind: actDeleteRoom}
		case len(b.Retired) > 0:
			return action{kind: actDeleteRetired}
		}
		if a, ok := r.planInvites(b); ok {
			return a
		}
		return countNext(b)
	}
	if b.Done {
		if summaryDue(b) {
			return action{kind: actSummary}
		}
		return countNext(b)
	}
	if b.Source != booking.Manual && b.MissingIDs() {
		return action{kind: actIDs}
	}
	if b.Room == nil || !r.fits(b.Room, b) {
		return action{kind: actCreate}
	}
	checkAt := r.checkDue(b, now)
	if !checkAt.IsZero() && !checkAt.After(now) {
		return action{kind: actCheck}
	}
	d := &b.Details
	if b.Activity.KnockToTell() != nil && mailable(b, d.Organizer.Email) {
		return action{kind: actKnock}
	}
	if inv := b.ProblemToTell(); inv != nil && mailable(b, d.Organizer.Email) {
		return action{kind: actUndelivered, person: inv.Person}
	}
	if b.Source == booking.Manual {
		// A hand-made room sends no invitations: its maker has the links. Its end may move.
		if room := b.Room; r.updater(room.Provider) != nil && !room.End.IsZero() && !room.End.Equal(d.End) {
			return action{kind: actMove}
		}
	} else if a, ok := r.planInvites(b); ok {
		return a
	}
	remind, remindAt := r.planReminder(b, now)
	if remind.kind != actNone {
		return remind
	}
	if len(b.Retired) > 0 {
		return action{kind: actDeleteRetired}
	}
	if a := countNext(b); a.kind != actNone {
		return a
	}
	a := r.planCleanup(b, now)
	if a.kind == actNone {
		// dueAt is the earliest pending step.
		for _, at := range []time.Time{checkAt, remindAt} {
			if !at.IsZero() && at.Before(a.due) {
				a.due = at
			}
		}
	}
	return a
}

// CheckLead is how long before a meeting's start roomkeeper confirms that its room still exists
// at the provider, so that a room deleted outside roomkeeper is replaced, and its new link sent,
// before anyone tries to join.
const CheckLead = 15 * time.Minute

// checkDue returns when the booking's room must next be read at the provider to confirm it still
// exists (Provider.CheckRoom), or zero for never. It is due at once after a reschedule that kept
// the room — the meeting's times differ from those the room was last made, moved or checked for —
// unless the provider moves rooms in place, since the move finds a room that is gone (update.go); and
// CheckLead before the start, unless the room was made, moved or checked since. From the meeting's
// end on, only the cleanup is left.
func (r *Reconciler) checkDue(b *booking.Booking, now time.Time) time.Time {
	room, d := b.Room, &b.Details
	if !now.Before(d.End) {
		return time.Time{}
	}
	c := room.Checked
	if r.updater(room.Provider) == nil && (!c.Start.Equal(d.Start) || !c.End.Equal(d.End)) {
		return now
	}
	if at := d.Start.Add(-CheckLead); c.At.Before(at) {
		return at
	}
	return time.Time{}
}

// countNext counts the first ended room whose usage is not recorded yet, if any. It comes after
// every step a meeting needs, so a provider slow to report its figures holds up neither a
// replacement room nor the invitations.
func countNext(b *booking.Booking) action {
	for i := range b.Ended {
		if !b.Ended[i].Counted {
			return action{kind: actCount, room: &b.Ended[i]}
		}
	}
	return action{kind: actNone}
}

// planInvites returns the next invitation to send, if any (invitesDue).
func (r *Reconciler) planInvites(b *booking.Booking) (action, bool) {
	if due := invitesDue(b); len(due) > 0 {
		return due[0], true
	}
	return action{}, false
}

// invitesDue lists the invitations a booking's current sequence still needs, in the order they
// go out: the organizer's REQUEST first, then each attendee's, then a CANCEL to each recipient
// who left; for a cancelled booking, a CANCEL to everyone who may hold a REQUEST.
func invitesDue(b *booking.Booking) []action {
	d := &b.Details
	var out []action
	if b.Status != booking.Cancelled {
		if a, ok := sendRequest(b, d.Organizer, true); ok {
			out = append(out, a)
		}
		for _, p := range d.Attendees {
			if a, ok := sendRequest(b, p, false); ok {
				out = append(out, a)
			}
		}
	}
	for _, inv := range b.Invites {
		if mayHoldRequest(inv) && (b.Status == booking.Cancelled || !isParticipant(d, inv.Email)) && mailable(b, inv.Email) {
			out = append(out, action{kind: actSend, person: inv.Person, organizer: inv.Organizer, method: booking.Cancel})
		}
	}
	return out
}

// mailable reports whether mail about b may go to an address: not to none, not to one in the
// reserved .invalid domain (RFC 2606), which an erasure puts in place of a person's address, and
// not to one whose mail about b was complained of or bounced for good.
func mailable(b *booking.Booking, email string) bool {
	return email != "" && !strings.HasSuffix(strings.ToLower(email), ".invalid") && !b.Unreachable(email)
}

// LiveRecheck is how often a room whose cleanup is due but which has a live session is checked
// again (a session's end normally triggers the cleanup at once).
const LiveRecheck = 5 * time.Minute

// planCleanup decides when the room goes: at end + grace; not while a session is live, until the
// overrun cap; and at once when the meeting ended after its scheduled end. Missing webhooks only
// mean no live session is known: the cap always holds.
func (r *Reconciler) planCleanup(b *booking.Booking, now time.Time) action {
	end := b.Details.End
	act := &b.Activity
	live := act.Live()
	capAt := end.Add(r.MaxOverrun)
	switch {
	case !now.Before(capAt) && live:
		return action{kind: actDeleteRoom, cleanup: true, reason: CleanupCapWhileLive}
	case !now.Before(capAt):
		return action{kind: actDeleteRoom, cleanup: true, reason: CleanupOverrunCap}
	case live && !now.Before(end.Add(r.CleanupGrace)):
		if recheck := now.Add(LiveRecheck); recheck.Before(capAt) {
			return action{kind: actNone, due: recheck, reason: PostponedLive}
		}
		return action{kind: actNone, due: capAt, reason: PostponedLiveToCap}
	case live:
		return action{kind: actNone, due: end.Add(r.CleanupGrace)}
	case !now.Before(end.Add(r.CleanupGrace)):
		return action{kind: actDeleteRoom, cleanup: true, reason: CleanupAfterGrace}
	case !now.Before(end) && !act.LastEnd().Before(end):
		return action{kind: actDeleteRoom, cleanup: true, reason: CleanupMeetingOver}
	}
	return action{kind: actNone, due: end.Add(r.CleanupGrace)}
}

func earliestTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// mayHoldRequest reports whether a recipient may hold a live invitation: the last thing recorded
// for them is a REQUEST, or a REQUEST was pending when a run stopped, so it may have gone out.
func mayHoldRequest(inv booking.Invite) bool {
	return (inv.Method == booking.Request && inv.Error == "") ||
		(inv.Pending != nil && inv.Pending.Method == booking.Request)
}

// sendRequest returns a send action if p lacks the REQUEST for the current sequence.
func sendRequest(b *booking.Booking, p booking.Person, organizer bool) (action, bool) {
	if !mailable(b, p.Email) {
		return action{}, false
	}
	inv := b.InviteFor(p.Email)
	if inv != nil && inv.Sequence == b.Sequence && inv.Method == booking.Request {
		return action{}, false
	}
	return action{kind: actSend, person: p, organizer: organizer, method: booking.Request}, true
}

// A CANCEL is also a change of sequence for the recipient: a removed attendee who got a CANCEL
// at sequence n and is added back gets the REQUEST of a later sequence.
func isParticipant(d *booking.Details, email string) bool {
	if strings.EqualFold(d.Organizer.Email, email) {
		return true
	}
	for _, p := range d.Attendees {
		if strings.EqualFold(p.Email, email) {
			return true
		}
	}
	return false
}

// fits reports whether the booking can keep its room: same provider and options, and the room
// still works until the end plus the overrun cap — or its provider moves rooms in place
// (booking.RoomUpdater, update.go), so its end date is no limit.
//
// A hand-made room is never replaced for its end date: its link is all its users have, so an end
// it cannot reach is refused when asked for (shared/operator), not met with a new room.
func (r *Reconciler) fits(room *booking.Room, b *booking.Booking) bool {
	return room.Options == b.Details.Room &&
		(b.Source == booking.Manual || r.updater(room.Provider) != nil || !room.ExpiresAt.Before(b.Details.End.Add(r.MaxOverrun)))
}

func (r *Reconciler) provider(name string) (booking.Provider, error) {
	p, ok := r.Providers[name]
	if !ok {
		return nil, booking.Permanent(&notConfiguredError{provider: name})
	}
	return p, nil
}

// notConfiguredError is a booking asking for a provider the reconciler has not been given.
type notConfiguredError struct{ provider string }

func (e *notConfiguredError) Error() string {
	return fmt.Sprintf("video provider %q is not configured", e.provider)
}

// do performs one action's side effect and records it. The errors of the steps that call a
// provider name it (providerError), for the metrics.
func (w *run) do(ctx context.Context, a action) error {
	b := w.b
	// The provider the step calls, named before the step changes the record in place.
	var provider string
	switch {
	case a.kind == actRecover:
		provider = b.Creating.Provider
	case a.kind == actCreate:
		provider = b.Details.Room.Provider
	case a.kind == actDeleteRetired:
		provider = b.Retired[0].Provider
	case b.Room != nil:
		provider = b.Room.Provider
	}
	switch a.kind {
	case actRecover:
		return onProvider(provider, w.recoverRoom(ctx))
	case actCreate:
		return onProvider(provider, w.createRoom(ctx))
	case actCheck:
		return onProvider(provider, w.checkRoom(ctx))
	case actDeleteRoom:
		if a.cleanup {
			w.res.Cleanup = a.reason
			w.report(booking.DurationOf(booking.MetricCleanupLag, max(w.now.Sub(w.r.cleanupDue(b)), 0)))
		}
		return onProvider(provider, w.deleteRoom(ctx, a.cleanup))
	case actDeleteRetired:
		return onProvider(provider, w.deleteRetired(ctx))
	case actSend:
		if a.organizer && a.method == booking.Request && b.Room != nil {
			// A change reaches the organizer first: move the room before telling anyone.
			if gone, err := w.updateRoom(ctx); err != nil || gone {
				return onProvider(provider, err)
			}
		}
		return w.sendAll(ctx, invitesDue(w.b))
	case actNotify:
		return w.notify(ctx)
	case actKnock:
		return w.knock(ctx)
	case actUndelivered:
		return w.undelivered(ctx, a.person)
	case actMove:
		_, err := w.moveRoom(ctx)
		return onProvider(provider, err)
	case actCount:
		return onProvider(a.room.Provider, w.count(ctx, a.room))
	case actIDs:
		w.step("assign recipient ids")
		w.stage(func(b *booking.Booking) { b.AssignIDs(nil, w.r.NewID) })
		return nil
	case actSummary:
		return w.summarize(ctx)
	case actQueueNotice:
		return w.queueNotice(ctx, a)
	case actSendNotice:
		return w.sendNotice(ctx, a)
	case actDropNotice:
		return w.dropNotice(ctx, a)
	case actRemind:
		due, _ := w.r.remindersDue(w.b, w.now)
		return w.remindAll(ctx, due)
	case actExpireActivity:
		return w.expireActivity(ctx)
	}
	return fmt.Errorf("unknown action %d", a.kind)
}

// providerError is a step's failure while it called a provider.
type providerError struct {
	provider string
	err      error
}

func (e *providerError) Error() string { return e.err.Error() }
func (e *providerError) Unwrap() error { return e.err }

// onProvider marks err as a failure of the named provider's step; a store failure stays one.
func onProvider(provider string, err error) error {
	if err == nil || isStoreErr(err) {
		return err
	}
	return &providerError{provider: provider, err: err}
}

// cleanupDue is when b's room became due for cleanup: at end + grace; at once when a meeting that
// ran past its end was over; while a session is live, at its end or at the overrun cap, whichever
// comes first.
func (r *Reconciler) cleanupDue(b *booking.Booking) time.Time {
	end := b.Details.End
	capAt := end.Add(r.MaxOverrun)
	if b.Activity.Live() {
		return capAt
	}
	due := end.Add(r.CleanupGrace)
	if last := b.Activity.LastEnd(); !last.Before(end) {
		due = last
	}
	return earliestTime(due, capAt)
}

func (w *run) step(s string) { w.res.Steps = append(w.res.Steps, s) }

// expireActivity gives the booking's activity items the record's expiry, which changed since
// they were stored, so what happened in its rooms is kept exactly as long as the record. It
// touches nothing else in them (an erasure's rewrite stays) and needs no lease: a second run does
// the same.
func (w *run) expireActivity(ctx context.Context) error {
	if err := w.r.Store.ExpireActivity(ctx, w.b.Key, w.b.ExpiresAt); err != nil {
		return &storeError{fmt.Errorf("give the activity of booking %s its expiry: %w", w.b.Key, err)}
	}
	w.step("give the activity the record's expiry")
	w.stage(func(b *booking.Booking) { b.ActivityExpires = time.Time{} })
	return nil
}

// recoverRoom handles a run that stopped between asking the provider for a room and recording
// it: a room with the tag is adopted, any further one deleted; with none, the next step creates.
func (w *run) recoverRoom(ctx context.Context) error {
	c := *w.b.Creating
	p, err := w.r.provider(c.Provider)
	if err != nil {
		return err
	}
	var rooms []booking.Room
	err = w.r.call(ctx, w.now, c.Provider, false, func() (err error) {
		rooms, err = p.TaggedRooms(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("list %s rooms to recover booking %s: %w", c.Provider, w.b.Key, err)
	}
	var adopted *booking.Room
	for _, room := range rooms {
		if room.Tag != c.Tag {
			continue
		}
		if adopted == nil {
			adopted = &room
			continue
		}
		if err := w.r.call(ctx, w.now, c.Provider, false, func() error {
			if err := w.hold(ctx); err != nil {
				return err
			}
			return p.DeleteRoom(ctx, room)
		}); err != nil {
			return fmt.Errorf("delete stray %s room for booking %s: %w", c.Provider, w.b.Key, err)
		}
		w.step("delete stray room")
	}
	if adopted != nil {
		w.step("adopt room")
		adopted.Options = c.Options // a listed room cannot say what it was made for; the intent can
		adopted.CreatedAt = w.now
		adopted.Checked = w.checked()
	}
	// Staged: a run that stops before its next write lists the rooms again and adopts the same.
	w.stage(func(b *booking.Booking) {
		if adopted == nil {
			forgetCreating(b)
			return
		}
		b.Creating = nil
		if b.Room != nil {
			b.Retired = append(b.Retired, *b.Room)
		}
		b.Room = adopted
	})
	return nil
}

// forgetCreating drops the intent to create a room when no room was made under its tag. The
// next attempt makes it under the same tag, so the id a hand-made room was answered with (still
// being made) stays its id.
func forgetCreating(b *booking.Booking) {
	c := b.Creating
	if c == nil {
		return
	}
	if tag, ok := booking.ParseTag(c.Tag); ok && tag.Gen == b.RoomGen {
		b.RoomGen--
	}
	b.Creating = nil
}

func (w *run) createRoom(ctx context.Context) error {
	d := w.b.Details
	p, err := w.r.provider(d.Room.Provider)
	if err != nil {
		return err
	}
	gen := w.b.RoomGen + 1
	tag := booking.Tag{Key: w.b.Key, Gen: gen, Deployment: booking.DeploymentTag(w.r.Deployment)}.String()
	var room booking.Room
	err = w.r.call(ctx, w.now, d.Room.Provider, true, func() (err error) {
		// Record the intent first: if this run stops after the provider made the room, the
		// next run finds the room by its tag instead of making a second one. The same write
		// carries the lease and the intents of the invitations that follow the room.
		w.guard(func(b *booking.Booking) {
			if b.Room != nil {
				b.Retired = append(b.Retired, *b.Room)
				b.Room = nil
			}
			b.RoomGen = gen
			b.Creating = &booking.Creating{Provider: d.Room.Provider, Tag: tag, Options: d.Room, At: w.now}
		})
		if w.r.Mailer != nil {
			for _, a := range invitesDue(w.b) {
				w.intendInvite(a)
			}
		}
		if err := w.hold(ctx); err != nil {
			return err
		}
		room, err = p.CreateRoom(ctx, w.roomSpec(d, tag))
		return err
	})
	if err != nil {
		return fmt.Errorf("create %s room for booking %s: %w", d.Room.Provider, w.b.Key, err)
	}
	w.step("create room")
	w.report(booking.CountOf(booking.MetricRoomsCreated, 1).By("Provider", d.Room.Provider))
	room.Options, room.CreatedAt, room.End = d.Room, w.now, d.End
	room.Checked = booking.RoomCheck{At: w.now, Start: d.Start, End: d.End}
	// Staged: a run that stops before its next write adopts the room by its tag.
	w.stage(func(b *booking.Booking) {
		b.Room = &room
		b.Creating = nil
	})
	return nil
}

// roomSpec is what the provider is asked for: a room under tag for the details d.
func (w *run) roomSpec(d booking.Details, tag string) booking.RoomSpec {
	return booking.RoomSpec{
		Tag:       tag,
		Title:     d.Title,
		Start:     d.Start,
		End:       d.End,
		ExpiresAt: d.End.Add(w.r.RoomSlack),
		TimeZone:  d.TimeZone,
		Options:   d.Room,
		Host:      d.Organizer,
		Guests:    d.Attendees,
	}
}

// checked is what a room known to exist now is known for: the record's current times.
func (w *run) checked() booking.RoomCheck {
	return booking.RoomCheck{At: w.now, Start: w.b.Details.Start, End: w.b.Details.End}
}

// checkRoom reads the booking's room at the provider: one request, recorded right after, so a run
// that stops in between repeats only that request. A room the provider no longer has is replaced
// (vanish). An answer that will not change (a rejected key, say) leaves the room as it is and is
// not asked again for these times; any other failure — an outage, a timeout, a 429 — is retried
// with a back-off, and is never a reason to replace the room.
func (w *run) checkRoom(ctx context.Context) error {
	room := *w.b.Room
	p, err := w.r.provider(room.Provider)
	if err == nil {
		err = w.r.call(ctx, w.now, room.Provider, false, func() error { return p.CheckRoom(ctx, room) })
	}
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return w.vanish(ctx, room)
	case booking.IsPermanent(err):
		w.step("room not checked: " + err.Error())
	case err != nil:
		return fmt.Errorf("check %s room %s of booking %s: %w", room.Provider, room.ID, w.b.Key, err)
	default:
		w.step("check room")
	}
	checked := w.checked()
	// Staged: a run that stops before its next write repeats only the request.
	w.stage(func(b *booking.Booking) {
		if b.Room != nil && b.Room.ID == room.ID {
			b.Room.Checked = checked
		}
	})
	return nil
}

// vanish records that the provider no longer has the booking's room (deleted in its dashboard or
// by another tool): the room is kept as an ended room marked Vanished, and the next step makes a
// new one. When anyone may hold the current sequence's REQUEST, which carries the old link, the
// sequence is raised, so every recipient is sent an update with the new link.
//
// A hand-made room is made again under the same tag, which is its id in the admin API
// (shared/operator): its old link, all its users had, is dead whatever roomkeeper does, and the
// id is what its maker looks it up by to find the new one. Rooms sharing a tag count their usage
// together (count).
func (w *run) vanish(ctx context.Context, room booking.Room) error {
	w.step("room gone at the provider")
	w.stage(func(b *booking.Booking) {
		if b.Room == nil || b.Room.ID != room.ID {
			return
		}
		gone := *b.Room
		gone.Vanished = true
		w.end(b, gone)
		b.Room = nil
		if requestSent(b) {
			b.Sequence++
		}
		if tag, ok := booking.ParseTag(gone.Tag); ok && b.Source == booking.Manual && tag.Gen == b.RoomGen {
			b.RoomGen-- // the next room is made under the same tag
		}
	})
	return nil
}

// requestSent reports whether anyone may hold the REQUEST of the booking's current sequence: it
// was recorded as sent, or a stopped run was sending it.
func requestSent(b *booking.Booking) bool {
	for _, inv := range b.Invites {
		p := inv.Pending
		if (inv.Method == booking.Request && inv.Sequence == b.Sequence) ||
			(p != nil && p.Method == booking.Request && p.Sequence == b.Sequence) {
			return true
		}
	}
	return false
}

// deleteRoom deletes the booking's room. Deleting is idempotent (a room the provider no longer
// has counts as deleted), so the result is staged: a run that stops before its next write deletes
// again. The write before the delete, which carries the lease, also carries the intent of the
// organizer's summary of who came when the cleanup makes it due.
func (w *run) deleteRoom(ctx context.Context, cleanup bool) error {
	room := *w.b.Room
	p, err := w.r.provider(room.Provider)
	if err != nil {
		return err
	}
	if cleanup && w.r.Mailer != nil {
		after := w.b.Clone()
		w.end(after, room)
		after.Room, after.Done = nil, after.Status == booking.Confirmed
		if summaryDue(after) {
			w.intendSummary()
		}
	}
	if err := w.r.call(ctx, w.now, room.Provider, false, func() error {
		if err := w.hold(ctx); err != nil {
			return err
		}
		return p.DeleteRoom(ctx, room)
	}); err != nil {
		return fmt.Errorf("delete %s room %s of booking %s: %w", room.Provider, room.ID, w.b.Key, err)
	}
	if cleanup {
		w.step("clean up room")
	} else {
		w.step("delete room of cancelled booking")
	}
	w.stage(func(b *booking.Booking) {
		if b.Room != nil && b.Room.ID == room.ID {
			w.end(b, *b.Room)
			b.Room = nil
		}
		if cleanup && b.Status == booking.Confirmed {
			b.Done = true
		}
	})
	return nil
}

// end keeps a room roomkeeper deleted (or the provider lost: vanish) in the record's history, with
// what happened in it, until the record's retention ends.
func (w *run) end(b *booking.Booking, room booking.Room) {
	room.DeletedAt = w.now
	b.Ended = append(b.Ended, room)
}

func (w *run) deleteRetired(ctx context.Context) error {
	room := w.b.Retired[0]
	p, err := w.r.provider(room.Provider)
	if err != nil {
		return err
	}
	if err := w.r.call(ctx, w.now, room.Provider, false, func() error {
		if err := w.hold(ctx); err != nil {
			return err
		}
		return p.DeleteRoom(ctx, room)
	}); err != nil {
		return fmt.Errorf("delete replaced %s room %s of booking %s: %w", room.Provider, room.ID, w.b.Key, err)
	}
	w.step("delete replaced room") // idempotent, like deleteRoom: staged
	w.stage(func(b *booking.Booking) {
		kept := b.Retired[:0:0]
		for _, r := range b.Retired {
			if r.ID != room.ID || r.Provider != room.Provider {
				kept = append(kept, r)
			} else {
				w.end(b, r)
			}
		}
		b.Retired = kept
	})
	return nil
}

// sendAll delivers a batch of invitations, the intents first: one write records every
// recipient's Pending intent (with the lease), then each message is sent, its result written
// before the next send (beforeSend) and the last one's with the run's next write. A run that
// stops between the mail service accepting a message and that write leaves the intent, and the
// next run sends again (at most one message, once) and counts it in PossibleDuplicates. One recipient
// refused for good, or whose message cannot be made, is recorded as such and the others go on.
func (w *run) sendAll(ctx context.Context, acts []action) error {
	if len(acts) == 0 {
		return nil
	}
	if w.b.Room != nil && slices.ContainsFunc(acts, func(a action) bool { return a.method == booking.Request }) {
		// The links are signed with a secret the adapter may have to fetch: a failure to read
		// it is temporary (retried with back-off) and comes before the intents are saved, so it
		// neither marks an invitation refused nor counts a possible duplicate.
		if _, err := w.link(ctx, booking.RoomLink, booking.ForGuest); err != nil {
			return err
		}
	}
	for _, a := range acts {
		w.intendInvite(a)
	}
	if err := w.hold(ctx); err != nil {
		return err
	}
	for i, a := range acts {
		if err := w.beforeSend(ctx, i); err != nil {
			return err
		}
		if err := w.send(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

func inviteIntent(email string) string { return "invite " + strings.ToLower(email) }

// intendInvite stages the Pending intent of one invitation, unless this run staged it already
// (with the room's creation). An intent of the same invitation that a stopped run left means
// the message may have gone out: sending it again is counted as a possible duplicate.
func (w *run) intendInvite(a action) {
	name := inviteIntent(a.person.Email)
	if w.intended(name) {
		return
	}
	var same *booking.Pending // a stopped run's unrecorded send of this very invite
	if inv := w.b.InviteFor(a.person.Email); inv != nil && inv.Pending != nil &&
		inv.Pending.Sequence == w.b.Sequence && inv.Pending.Method == a.method {
		p := *inv.Pending
		same = &p
		w.res.PossibleDuplicates++
	}
	w.guard(func(b *booking.Booking) {
		inv := upsertInvite(b, a.person, a.organizer)
		if p := inv.Pending; p != nil && p.Method == booking.Request &&
			(p.Sequence != b.Sequence || p.Method != a.method) {
			// A stopped run's unrecorded REQUEST is assumed delivered, so the recipient is
			// sent a CANCEL if they leave; an unrecorded CANCEL is assumed lost.
			inv.Sequence, inv.Method, inv.SentAt, inv.MessageID, inv.Error = p.Sequence, p.Method, p.At, "", ""
		}
		inv.Pending = &booking.Pending{Sequence: b.Sequence, Method: a.method, At: w.now}
		if same != nil {
			b.PossibleDuplicates++
		}
	})
	// Nothing went out while the intent is unsent: the stopped run's send, if any, may still
	// have, so its intent is put back.
	w.intend(name, func(b *booking.Booking) {
		if inv := b.InviteFor(a.person.Email); inv != nil {
			inv.Pending = same
		}
	})
}

// send delivers one invitation whose intent is stored, and stages its result.
func (w *run) send(ctx context.Context, a action) error {
	seq := w.b.Sequence
	var id string
	var sendErr error
	msg, err := w.render(ctx, a)
	switch {
	case err != nil && a.organizer:
		return booking.Permanent(fmt.Errorf("render %s for booking %s: %w", a.method, w.b.Key, err))
	case err != nil:
		// One guest's message cannot be made, though the organizer's could: an address no mail
		// can reach, in a record stored before intake kept such guests out. It is recorded as
		// refused for good, as the mail service's refusals are, so the others are still invited
		// and nothing is retried.
		sendErr = booking.Permanent(fmt.Errorf("render %s for booking %s: %w", a.method, w.b.Key, err))
		w.step(fmt.Sprintf("cannot render %s for a guest", a.method))
	default:
		id, sendErr = w.r.Mailer.Send(ctx, msg)
		switch {
		case sendErr != nil && !booking.IsPermanent(sendErr):
			// Nothing went out now: the failure puts the unsent intents back (run.unwind).
			return fmt.Errorf("send %s for booking %s: %w", a.method, w.b.Key, sendErr)
		case sendErr != nil:
			w.step(fmt.Sprintf("mail service refused %s", a.method))
		default:
			w.step(fmt.Sprintf("send %s to %s", a.method, role(a.organizer)))
			w.report(booking.CountOf(booking.MetricInvitesSent, 1))
		}
	}
	w.sent(inviteIntent(a.person.Email))
	w.stage(func(b *booking.Booking) {
		inv := upsertInvite(b, a.person, a.organizer)
		inv.Sequence, inv.Method, inv.Pending = seq, a.method, nil
		inv.SentAt, inv.MessageID, inv.Error = w.now, id, ""
		if sendErr != nil {
			inv.SentAt, inv.Error = time.Time{}, sendErr.Error()
		}
	})
	return nil
}

func role(organizer bool) string {
	if organizer {
		return "organizer"
	}
	return "guest"
}

// upsertInvite returns b's invite record for p, adding one if needed and refreshing the name,
// zone and role from the desired state.
func upsertInvite(b *booking.Booking, p booking.Person, organizer bool) *booking.Invite {
	inv := b.InviteFor(p.Email)
	if inv == nil {
		b.Invites = append(b.Invites, booking.Invite{})
		inv = &b.Invites[len(b.Invites)-1]
	}
	inv.Person, inv.Organizer = p, organizer
	return inv
}

// notify e-mails the organizer what stopped the booking.
func (w *run) notify(ctx context.Context) error {
	d := w.b.Details
	msg, err := w.r.Renderer.Failure(&invite.Failure{
		From:      w.r.MailFrom,
		Organizer: w.r.reader(&d, d.Organizer),
		Title:     d.Title,
		Start:     d.Start,
		End:       d.End,
		Kind:      w.b.Failure.Kind, // never Message: the organizer is told in plain words
		Stamp:     w.now,
	})
	// A notice that cannot be rendered never will be (an organizer address no mail can reach, in
	// a record stored before intake refused them), and one the mail service refused for good
	// never will go: retried, either would keep the booking due for ever. It is dropped; the
	// failure stays on the record.
	if err := w.sendOrDrop(ctx, msg, err, "failure notice", "notify organizer of failure"); err != nil {
		return err
	}
	return w.save(ctx, func(b *booking.Booking) {
		if b.Failure != nil {
			b.Failure.Notified = true
		}
	})
}

// sendOrDrop sends the organizer a notice that must not hold up the booking, rendered as msg
// (renderErr is the rendering's error), once the run's lease is held. One that cannot be rendered
// or is refused for good is dropped, and the run's step says why; otherwise the step is done. A
// refusal for now is returned, to be retried.
func (w *run) sendOrDrop(ctx context.Context, msg booking.Message, renderErr error, what, done string) error {
	err := renderErr
	if err == nil {
		if err := w.hold(ctx); err != nil {
			return err
		}
		msg.Key = w.b.Key
		_, err = w.r.Mailer.Send(ctx, msg)
		if err != nil && !booking.IsPermanent(err) {
			return fmt.Errorf("send %s for booking %s: %w", what, w.b.Key, err)
		}
	}
	if err != nil {
		w.step("drop " + what + ": " + err.Error())
	} else {
		w.step(done)
	}
	return nil
}

// knock e-mails the organizer that a guest is waiting in a locked room with no host, with the
// host link to let them in.
func (w *run) knock(ctx context.Context) error {
	b := w.b
	d := b.Details
	k := *b.Activity.Knock
	who := d.Organizer.ID
	if b.Source == booking.Manual {
		who = booking.RoomLink // a hand-made room's pair of links names no person
	}
	host, err := w.link(ctx, who, booking.ForHost)
	if err != nil {
		return err
	}
	msg, err := w.r.Renderer.Knock(&invite.Knock{
		From:      w.r.MailFrom,
		Organizer: w.r.reader(&d, d.Organizer),
		Title:     d.Title,
		Start:     d.Start,
		End:       d.End,
		Name:      k.Name,
		HostURL:   host,
		Stamp:     w.now,
	})
	// A notice that cannot be rendered or is refused for good is dropped: it must not hold up
	// the booking, and the guest may knock again.
	if err := w.sendOrDrop(ctx, msg, err, "knock notice", "tell organizer a guest is waiting"); err != nil {
		return err
	}
	// The chat alert rides on the same record (KnockNoticeAt): it is posted at most once per
	// stretch without a host, like the e-mail, and a failure drops it rather than send the
	// e-mail again.
	if w.r.Alerter != nil && d.Organizer.Email != "" {
		if err := w.hold(ctx); err != nil {
			return err
		}
		err := w.r.Alerter.AlertKnock(ctx, booking.KnockAlert{
			OrganizerEmail: d.Organizer.Email, Title: d.Title, Start: d.Start, End: d.End, Guest: k.Name, HostURL: host,
		})
		if err != nil {
			w.step("drop knock alert in chat: " + booking.RedactAddresses(err.Error()))
		} else {
			w.step("alert organizer in chat that a guest is waiting")
		}
	}
	return w.save(ctx, func(b *booking.Booking) {
		b.ToldKnock(k, w.now)
	})
}

// undelivered e-mails the organizer that the invitation to guest bounced or was complained of,
// once per guest. A notice that cannot be rendered or is refused for good is dropped (and counts
// as told): the guest's record shows the problem either way.
func (w *run) undelivered(ctx context.Context, guest booking.Person) error {
	b := w.b
	d := b.Details
	inv := b.InviteFor(guest.Email)
	msg, err := w.r.Renderer.Undelivered(&invite.Undelivered{
		From:      w.r.MailFrom,
		Organizer: w.r.reader(&d, d.Organizer),
		Title:     d.Title,
		Start:     d.Start,
		End:       d.End,
		Guest:     inv.Person,
		Problem:   *inv.Problem,
		Stamp:     w.now,
	})
	if err := w.sendOrDrop(ctx, msg, err, "undelivered notice", "tell organizer a guest's invitation failed"); err != nil {
		return err
	}
	return w.save(ctx, func(b *booking.Booking) {
		if inv := b.InviteFor(guest.Email); inv != nil && inv.Problem != nil {
			inv.Problem.Notified = true
		}
	})
}

// insightsTimeout bounds the provider's insights call when a room's usage is counted.
const insightsTimeout = 10 * time.Second

// figures returns the provider's own figures for an ended room's sessions, by session id: none
// from a provider without them, or one that refuses for good (the step says so).
func (w *run) figures(ctx context.Context, room *booking.Room) (map[string]booking.SessionInsight, error) {
	in := w.r.Insights[room.Provider]
	if in == nil || room.Name == "" {
		return nil, nil
	}
	var f map[string]booking.SessionInsight
	err := w.r.call(ctx, w.now, room.Provider, false, func() (err error) {
		ictx, cancel := context.WithTimeout(ctx, insightsTimeout)
		defer cancel()
		f, err = in.RoomSessions(ictx, room.Name)
		return err
	})
	switch {
	case booking.IsPermanent(err):
		w.step("count without the provider's figures: " + err.Error())
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read %s figures of room %s of booking %s: %w", room.Provider, room.ID, w.b.Key, err)
	}
	return f, nil
}

// count records an ended room's usage, a figure per day its sessions started (booking.UsageOf),
// with the provider's recorded and streamed minutes where it reports them. Each day's figure
// replaces what an earlier count of the same room wrote, so a count repeated after a stopped run
// adds nothing; the room is then marked counted. The figures' room id is the tag, which a
// hand-made room made again after it vanished shares with the room it replaced: each day's figure
// sums the ended rooms with the tag, so the later count does not undo the earlier one.
func (w *run) count(ctx context.Context, room *booking.Room) error {
	var act booking.Activity
	figures := map[string]booking.SessionInsight{}
	for i := range w.b.Ended {
		r := &w.b.Ended[i]
		if r.Provider != room.Provider || (r.ID != room.ID && (room.Tag == "" || r.Tag != room.Tag)) {
			continue
		}
		a := w.b.RoomActivity(r)
		act.Sessions = append(act.Sessions, a.Sessions...)
		act.Connections = append(act.Connections, a.Connections...)
		f, err := w.figures(ctx, r)
		if err != nil {
			return err
		}
		maps.Copy(figures, f)
	}
	zone := w.r.Zone
	if zone == nil {
		zone = time.UTC
	}
	for _, u := range booking.UsageOf(room, act, figures, zone, w.now) {
		if err := w.r.Store.PutUsage(ctx, u, w.b.ExpiresAt); err != nil {
			return &storeError{fmt.Errorf("record usage of room %s of booking %s: %w", room.ID, w.b.Key, err)}
		}
	}
	id := room.ID // (a store write, not an outside effect: no step is reported)
	// Staged: the usage writes replace what they wrote, so a run that stops before its next
	// write only counts again.
	w.stage(func(b *booking.Booking) {
		for i := range b.Ended {
			if b.Ended[i].ID == id {
				b.Ended[i].Counted = true
			}
		}
	})
	return nil
}
