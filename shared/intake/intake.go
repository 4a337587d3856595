// Package intake applies validated changes from booking sources to booking records: ordering by
// the source's timestamp, final cancellation with tombstones, delivery-id dedupe, roomkeeper's own
// SEQUENCE, and the nudge that tells the worker to reconcile (docs/design.md, "Intake";
// docs/generic-event.md).
//
// Beyond the generic event's whole-booking changes it handles what the other sources need
// (docs/sources.md): a booking whose source id changes on every reschedule (a Calendly invitee),
// found again through small alias records, one per later id, since the store offers only
// single-item conditional writes; the other ids a source gives a booking (a Cal.com uid),
// recorded as aliases the same way, so a delivery without the booking's own id (a Cal.com
// reschedule without iCalUID) still finds it, and is refused when nothing links it; attendees
// joining and leaving one at a time (a Calendly group event), each sent only what concerns them;
// cancellations that apply only to a booking already known (Cal.com's BOOKING_REJECTED); and a
// meeting reported over (Cal.com's MEETING_ENDED).
package intake

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// DedupeWindow is how long a delivery id is remembered. It far exceeds every source's retry
// window and the signature tolerance, which bounds how late a replay can be accepted at all.
const DedupeWindow = 72 * time.Hour

// Intake applies changes. Its fields are set once in main.
type Intake struct {
	Store     booking.Store
	Queue     booking.Queue
	Now       func() time.Time
	Retention time.Duration // records are kept this long after the meeting's end
	// Deployment is this deployment's id (ROOMKEEPER_DEPLOYMENT): provider webhooks about rooms
	// another deployment tagged are acknowledged and ignored.
	Deployment string
	// NewID returns a fresh recipient id (booking.Person.ID); nil means booking.NewRecipientID.
	NewID func() string
}

// Outcome says what Apply did with a change.
type Outcome string

// Outcomes of Apply.
const (
	Applied   Outcome = "applied"   // the booking changed; the worker was nudged
	Unchanged Outcome = "unchanged" // newer, but nothing a recipient would see changed
	Stale     Outcome = "stale"     // not newer than the last change applied: ignored
	Final     Outcome = "cancelled" // the booking is cancelled: later events are ignored
	Duplicate Outcome = "duplicate" // this delivery id was seen before
	Ignored   Outcome = "ignored"   // it concerns no booking roomkeeper holds: nothing stored
)

// Result reports what Apply did.
type Result struct {
	Key      string
	Outcome  Outcome
	NudgeErr error // the queue refused the nudge; the sweeper will find the booking anyway
}

// maxConflicts bounds retries when another writer changes the record between read and write.
const maxConflicts = 8

// Apply applies ch to its booking. An error means nothing was applied: ch.Unlinked when nothing
// links a change without an id of its own to a booking (the caller answers it, a 400), otherwise
// the store failed and the caller should answer 503 so the source retries.
func (in *Intake) Apply(ctx context.Context, ch booking.Change) (Result, error) {
	now := in.Now()
	res := Result{Key: booking.KeyOf(ch.Source, ch.ExternalID)}
	var dedupeID string
	if ch.DeliveryID != "" {
		dedupeID = ch.Source + ":" + ch.DeliveryID
		seen, err := in.Store.Seen(ctx, dedupeID, now)
		if err != nil {
			return res, fmt.Errorf("check delivery %s: %w", dedupeID, err)
		}
		if seen {
			res.Outcome = Duplicate
			return res, nil
		}
	}
	var superseded string
	var named *target // the booking ch.Names are recorded for, once it is stored
	marked := false   // the delivery was marked with the booking's write
	if left, ok := in.departed(ch); ok {
		// A departure is recorded before anything else: a join for the same member that arrives
		// late, or is being applied right now, must not bring them back.
		if ch.Type == booking.EventLeft {
			if err := in.Store.MarkSeen(ctx, left, now.Add(DedupeWindow)); err != nil {
				return res, fmt.Errorf("record departure %s: %w", left, err)
			}
		} else if gone, err := in.Store.Seen(ctx, left, now); err != nil {
			return res, fmt.Errorf("check departure %s: %w", left, err)
		} else if gone {
			res.Outcome = Stale
		}
	}
	for attempt := 0; res.Outcome == ""; attempt++ {
		t, err := in.target(ctx, ch, now)
		if errors.Is(err, booking.ErrConflict) && attempt < maxConflicts {
			continue
		}
		if err != nil {
			return res, err
		}
		res.Key = t.key
		if t.superseded != "" {
			superseded = t.superseded
		}
		var next *booking.Booking
		next, res.Outcome = in.apply(t, ch, now)
		if t.b != nil || next != nil {
			named = &t
		}
		if next == nil {
			break
		}
		// The people index goes first (a record saved without it could escape an erasure), the
		// delivery's mark after, in one write where the store can: with nothing else to record
		// after the booking (ch.Names), the mark goes with it.
		mark := ""
		if len(ch.Names) == 0 {
			mark = dedupeID
		}
		err = in.Store.PutIndexed(ctx, next, newEmails(t.b, next), mark, now.Add(DedupeWindow))
		if errors.Is(err, booking.ErrConflict) && attempt < maxConflicts {
			res.Outcome = ""
			continue
		}
		if err != nil {
			return res, fmt.Errorf("save booking %s: %w", res.Key, err)
		}
		marked = mark != ""
	}
	if named != nil {
		if err := in.name(ctx, ch, *named, now); err != nil {
			return res, err
		}
	}
	// Marking the delivery after the change is saved means a crash in between lets the retry
	// through, where the timestamp rule makes it harmless; marking first could lose the booking.
	if dedupeID != "" && !marked {
		if err := in.Store.MarkSeen(ctx, dedupeID, now.Add(DedupeWindow)); err != nil {
			return res, fmt.Errorf("mark delivery %s: %w", dedupeID, err)
		}
	}
	if res.Outcome == Applied {
		res.NudgeErr = in.Queue.Enqueue(ctx, res.Key)
	}
	if superseded != "" {
		if err := in.Queue.Enqueue(ctx, superseded); err != nil {
			res.NudgeErr = err
		}
	}
	return res, nil
}

// newEmails returns the addresses next holds that prior (nil for a new record) did not, or
// whose index entries may expire before next's record does.
func newEmails(prior, next *booking.Booking) []string {
	if prior == nil || next.ExpiresAt.After(prior.ExpiresAt) {
		return next.Emails()
	}
	old := prior.Emails()
	var out []string
	for _, e := range next.Emails() {
		if !slices.Contains(old, e) {
			out = append(out, e)
		}
	}
	return out
}

// departed returns the record that marks ch's member as gone, for attendee-level changes that
// name one.
func (in *Intake) departed(ch booking.Change) (string, bool) {
	if ch.Member == "" || (ch.Type != booking.EventJoined && ch.Type != booking.EventLeft) {
		return "", false
	}
	return ch.Source + ":left:" + ch.Member, true
}

// target is the booking a change applies to.
type target struct {
	key, externalID string
	b               *booking.Booking // nil: none stored yet
	superseded      string           // a booking cancelled because this one continues it
}

// maxHops bounds how many alias records one lookup follows.
const maxHops = 16

// resolve finds the booking a source's id names, following alias records. alias is the id's own
// record when that is an alias.
func (in *Intake) resolve(ctx context.Context, source, id string) (t target, alias *booking.Booking, err error) {
	t.externalID, t.key = id, booking.KeyOf(source, id)
	for hop := 0; ; hop++ {
		b, err := in.Store.Get(ctx, t.key)
		if errors.Is(err, booking.ErrNotFound) {
			return t, alias, nil
		}
		if err != nil {
			return t, nil, fmt.Errorf("load booking %s: %w", t.key, err)
		}
		if b.AliasOf == "" {
			t.b = b
			return t, alias, nil
		}
		if hop == 0 {
			alias = b
		}
		if hop == maxHops {
			return t, nil, fmt.Errorf("load booking %s: more than %d aliases in a row", booking.KeyOf(source, id), maxHops)
		}
		t.externalID, t.key = b.AliasOf, booking.KeyOf(source, b.AliasOf)
	}
}

// target finds the booking ch applies to. A change with Previous joins its id to the booking
// Previous belongs to, with an alias record written (create-only) before the booking is touched,
// so either half of a reschedule may arrive first and both find the same booking. If the id
// already names a booking of its own, deliveries overtook each other across two reschedules and
// the chain was split: the id's booking holds the newer state, and the earlier one is cancelled
// so its guests do not keep two calendar entries. A conflicting write returns ErrConflict for
// the caller to start again.
func (in *Intake) target(ctx context.Context, ch booking.Change, now time.Time) (target, error) {
	if ch.ExternalID == "" {
		return in.byName(ctx, ch)
	}
	t, alias, err := in.resolve(ctx, ch.Source, ch.ExternalID)
	if err != nil || ch.Previous == "" {
		return t, err
	}
	prev, _, err := in.resolve(ctx, ch.Source, ch.Previous)
	if err != nil {
		return t, err
	}
	own := booking.KeyOf(ch.Source, ch.ExternalID)
	switch {
	case t.key == prev.key:
		return t, in.keepAlias(ctx, alias, ch, now)
	case t.key == own && t.b == nil:
		link := &booking.Booking{
			Key: own, Source: ch.Source, ExternalID: ch.ExternalID, AliasOf: prev.externalID,
			CreatedAt: now, UpdatedAt: now, ExpiresAt: in.aliasExpiry(ch, prev.b, now),
		}
		if err := in.Store.Put(ctx, link); err != nil {
			return t, fmt.Errorf("link booking %s to %s: %w", own, prev.key, err)
		}
		return prev, nil
	case t.b == nil:
		// The id names a booking not stored yet under another name; Previous's is the one known.
		return prev, nil
	}
	if prev.b != nil && prev.b.Status != booking.Cancelled {
		c := prev.b
		c.Status = booking.Cancelled
		c.Sequence++
		c.UpdatedAt = now
		in.reopen(c, now)
		if err := in.Store.Put(ctx, c); err != nil {
			return t, fmt.Errorf("cancel booking %s continued as %s: %w", prev.key, t.key, err)
		}
		t.superseded = prev.key
	}
	return t, nil
}

// byName finds the booking a change without an id of its own applies to: the first of its Names
// that leads to one. When none does, nothing links the change to a booking: ch.Unlinked.
func (in *Intake) byName(ctx context.Context, ch booking.Change) (target, error) {
	for _, n := range ch.Names {
		t, _, err := in.resolve(ctx, ch.Source, n)
		if err != nil || t.b != nil {
			return t, err
		}
	}
	if ch.Unlinked == nil {
		return target{}, booking.Errorf(booking.Invalid, "", "the change names no booking")
	}
	return target{}, ch.Unlinked
}

// name records each of ch.Names that names nothing yet as an alias of t's booking, create-only:
// a name already recorded, or recorded by a concurrent delivery, is left as it is. Aliases
// expire with the booking, as far as now is known.
func (in *Intake) name(ctx context.Context, ch booking.Change, t target, now time.Time) error {
	for _, n := range ch.Names {
		key := booking.KeyOf(ch.Source, n)
		if key == t.key {
			continue
		}
		alias := &booking.Booking{
			Key: key, Source: ch.Source, ExternalID: n, AliasOf: t.externalID,
			CreatedAt: now, UpdatedAt: now, ExpiresAt: in.aliasExpiry(ch, t.b, now),
		}
		if err := in.Store.Put(ctx, alias); err != nil && !errors.Is(err, booking.ErrConflict) {
			return fmt.Errorf("name booking %s by another id: %w", t.key, err)
		}
	}
	return nil
}

// keepAlias makes an alias last as long as the booking's latest meeting needs it: it was written
// when only an earlier meeting was known.
func (in *Intake) keepAlias(ctx context.Context, alias *booking.Booking, ch booking.Change, now time.Time) error {
	if alias == nil || ch.Details.End.IsZero() {
		return nil
	}
	want := in.aliasExpiry(ch, nil, now)
	if !alias.ExpiresAt.Before(want) {
		return nil
	}
	alias.ExpiresAt, alias.UpdatedAt = want, now
	if err := in.Store.Put(ctx, alias); err != nil {
		return fmt.Errorf("extend alias %s: %w", alias.Key, err)
	}
	return nil
}

// aliasExpiry keeps an alias as long as the booking it names, as far as now is known.
func (in *Intake) aliasExpiry(ch booking.Change, b *booking.Booking, now time.Time) time.Time {
	end := now
	if ch.Details.End.After(end) {
		end = ch.Details.End
	}
	if b != nil && b.Details.End.After(end) {
		end = b.Details.End
	}
	return end.Add(in.Retention)
}

// apply returns the record to save (nil: nothing to save) and the outcome. t.b is nil for a
// booking not seen before.
func (in *Intake) apply(t target, ch booking.Change, now time.Time) (*booking.Booking, Outcome) {
	b := t.b
	if b == nil {
		switch {
		case ch.Type == booking.EventLinked:
			return nil, Unchanged // the link is recorded; the booking comes with its details
		case ch.IfExists || ch.Type == booking.EventLeft || ch.Type == booking.EventEnded:
			return nil, Ignored
		}
		b = &booking.Booking{
			Key:        t.key,
			Source:     ch.Source,
			ExternalID: t.externalID,
			UID:        ch.UID,
			CreatedAt:  now,
		}
		if b.UID == "" {
			b.UID = newUID()
		}
		b.LastEventAt = ch.At
		b.UpdatedAt = now
		if ch.Type == booking.EventCancelled {
			// A tombstone: the booking is final before it was ever seen.
			b.Status = booking.Cancelled
			b.KeepUntil(now.Add(in.Retention))
			return b, Applied
		}
		b.Status = booking.Confirmed
		b.Details = in.withIDs(nil, ch.Details)
		b.ArmReminders(now)
		b.DueAt = now
		b.KeepUntil(ch.Details.End.Add(in.Retention))
		return b, Applied
	}
	if b.Status == booking.Cancelled {
		return nil, Final
	}
	switch ch.Type {
	case booking.EventLinked:
		return nil, Unchanged
	case booking.EventJoined, booking.EventLeft:
		d := &ch.Details
		switch {
		case len(d.Attendees) == 1:
		case len(d.Attendees) == 0 && len(d.Uninvited) == 1:
			// One mail cannot reach: nobody is sent an invitation or a CANCEL for them.
			return in.uninvited(b, ch.Type, d.Uninvited[0], now)
		default:
			return nil, Ignored // a source always names exactly one attendee
		}
	}
	switch ch.Type {
	case booking.EventJoined:
		return in.join(b, ch.Details.Attendees[0], now)
	case booking.EventLeft:
		return in.leave(b, ch.Details.Attendees[0], now)
	case booking.EventEnded:
		return in.ended(b, ch, now)
	}
	if !ch.At.After(b.LastEventAt) {
		return nil, Stale
	}
	b.LastEventAt = ch.At
	b.UpdatedAt = now
	if ch.Type == booking.EventCancelled {
		b.Status = booking.Cancelled
		b.Details.CancelReason = booking.CleanReason(ch.Reason)
		b.Sequence++
		in.reopen(b, now)
		return b, Applied
	}
	next := in.withIDs(b, ch.Details)
	if reflect.DeepEqual(b.Details, next) {
		return b, Unchanged
	}
	if !next.Start.Equal(b.Details.Start) {
		b.ArmReminders(now) // moved: reminders start over from the new start
	}
	b.Details = next
	b.Sequence++
	b.KeepUntil(ch.Details.End.Add(in.Retention))
	in.reopen(b, now)
	return b, Applied
}

// withIDs returns d with every participant's recipient id: the one prior (nil for a new record)
// holds for the same address, else a new one. Ids a source sent are replaced.
func (in *Intake) withIDs(prior *booking.Booking, d booking.Details) booking.Details {
	d.Attendees = slices.Clone(d.Attendees)
	d.Uninvited = slices.Clone(d.Uninvited)
	d.Organizer.ID = ""
	for i := range d.Attendees {
		d.Attendees[i].ID = ""
	}
	next := &booking.Booking{Details: d}
	if prior != nil {
		next.Invites = prior.Invites
	}
	next.AssignIDs(prior, in.NewID)
	return next.Details
}

// reopen makes a changed booking due now and clears the previous run's failure, so a change
// retries what an earlier failure stopped.
func (in *Intake) reopen(b *booking.Booking, now time.Time) {
	b.DueAt = now
	b.Done = false
	b.Failure = nil
	b.Attempts = 0
	if b.ExpiresAt.Before(now.Add(in.Retention)) && b.Status == booking.Cancelled {
		b.KeepUntil(now.Add(in.Retention))
	}
}

// newUID returns a random RFC 4122 version 4 UUID, the form RFC 7986 recommends for UID.
func newUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails on supported platforms
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}
