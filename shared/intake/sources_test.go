package intake

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Invitee ids of one Calendly-style chain: inv1 rescheduled to inv2, inv2 to inv3.
const (
	inv1 = "https://api.calendly.com/scheduled_events/E1/invitees/I1"
	inv2 = "https://api.calendly.com/scheduled_events/E2/invitees/I2"
	inv3 = "https://api.calendly.com/scheduled_events/E3/invitees/I3"
)

func (f *fixture) chained(typ booking.EventType, id, previous string, at, shift time.Duration) booking.Change {
	ch := booking.Change{
		Source: "calendly", ExternalID: id, Previous: previous, Type: typ,
		At: f.now.Add(at), DeliveryID: fmt.Sprintf("%s:%s", typ, id),
	}
	if typ != booking.EventLinked && typ != booking.EventCancelled {
		ch.Details = f.details()
		ch.Details.Start = ch.Details.Start.Add(shift)
		ch.Details.End = ch.Details.End.Add(shift)
	}
	return ch
}

func (f *fixture) record(t *testing.T, source, id string) *booking.Booking {
	t.Helper()
	b, err := f.store.Get(context.Background(), booking.KeyOf(source, id))
	require.NoError(t, err)
	return b
}

func (f *fixture) missing(t *testing.T, source, id string) {
	t.Helper()
	_, err := f.store.Get(context.Background(), booking.KeyOf(source, id))
	require.ErrorIs(t, err, booking.ErrNotFound)
}

func TestRescheduleChainIsOneBookingInAnyOrder(t *testing.T) {
	created := func(f *fixture) booking.Change { return f.chained(booking.EventCreated, inv1, "", 0, 0) }
	linked := func(f *fixture) booking.Change { return f.chained(booking.EventLinked, inv2, inv1, time.Minute, 0) }
	moved := func(f *fixture) booking.Change {
		return f.chained(booking.EventUpdated, inv2, inv1, time.Minute, time.Hour)
	}
	tests := []struct {
		name  string
		order []func(*fixture) booking.Change
	}{
		{"cancelled half first", []func(*fixture) booking.Change{created, linked, moved}},
		{"created half first", []func(*fixture) booking.Change{created, moved, linked}},
		{"both halves twice", []func(*fixture) booking.Change{created, linked, moved, linked, moved}},
		{"only the created half", []func(*fixture) booking.Change{created, moved}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for _, c := range tt.order {
				f.apply(t, c(f))
			}
			b := f.record(t, "calendly", inv1)
			assert.Equal(t, booking.Confirmed, b.Status)
			assert.Equal(t, 1, b.Sequence, "one update")
			assert.Equal(t, f.details().Start.Add(time.Hour), b.Details.Start, "the new time")
			alias := f.record(t, "calendly", inv2)
			assert.Equal(t, inv1, alias.AliasOf)
			assert.True(t, alias.DueAt.IsZero(), "an alias is never due")
			assert.Equal(t, []string{b.Key, b.Key}, f.queue.keys, "the worker is nudged for the create and the move only")
		})
	}
}

func TestTheCancelledHalfAloneChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.chained(booking.EventCreated, inv1, "", 0, 0))
	before := f.record(t, "calendly", inv1)
	res := f.apply(t, f.chained(booking.EventLinked, inv2, inv1, time.Minute, 0))
	assert.Equal(t, Unchanged, res.Outcome)
	assert.Equal(t, before.Key, res.Key)
	after := f.record(t, "calendly", inv1)
	assert.Equal(t, before.Version, after.Version, "the booking is not written")
	assert.Equal(t, booking.Confirmed, after.Status, "the room stays: it is cleaned up after the end as usual")
}

func TestCreatedHalfBeforeTheFirstBookingIsKnown(t *testing.T) {
	f := newFixture(t)
	res := f.apply(t, f.chained(booking.EventUpdated, inv2, inv1, time.Minute, time.Hour))
	assert.Equal(t, Applied, res.Outcome)
	b := f.record(t, "calendly", inv1)
	assert.Equal(t, res.Key, b.Key, "the chain is stored under the earliest id")
	assert.Equal(t, inv1, b.ExternalID)

	// The first invitee's own creation arriving late is older: ignored.
	assert.Equal(t, Stale, f.apply(t, f.chained(booking.EventCreated, inv1, "", 0, 0)).Outcome)
	assert.Equal(t, f.details().Start.Add(time.Hour), f.record(t, "calendly", inv1).Details.Start)
}

func TestChainAcrossTwoReschedulesAndCancel(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.chained(booking.EventCreated, inv1, "", 0, 0))
	f.apply(t, f.chained(booking.EventUpdated, inv2, inv1, time.Minute, time.Hour))
	// The second pair arrives cancelled half first, each half once.
	f.apply(t, f.chained(booking.EventLinked, inv3, inv2, 2*time.Minute, 0))
	f.apply(t, f.chained(booking.EventUpdated, inv3, inv2, 2*time.Minute, 2*time.Hour))
	b := f.record(t, "calendly", inv1)
	assert.Equal(t, 2, b.Sequence)
	assert.Equal(t, f.details().Start.Add(2*time.Hour), b.Details.Start)

	res := f.apply(t, f.chained(booking.EventCancelled, inv3, "", 3*time.Minute, 0))
	assert.Equal(t, Applied, res.Outcome)
	assert.Equal(t, b.Key, res.Key, "the newest invitee's cancel reaches the chain's booking")
	assert.Equal(t, booking.Cancelled, f.record(t, "calendly", inv1).Status)
}

func TestASplitChainKeepsTheNewerBooking(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.chained(booking.EventCreated, inv1, "", 0, 0))
	// The second reschedule overtakes the first: inv2 is not known yet, so it starts a booking.
	f.apply(t, f.chained(booking.EventUpdated, inv3, inv2, 2*time.Minute, 2*time.Hour))
	newer := f.record(t, "calendly", inv2)
	require.Empty(t, newer.AliasOf)

	res := f.apply(t, f.chained(booking.EventUpdated, inv2, inv1, time.Minute, time.Hour))
	assert.Equal(t, Stale, res.Outcome, "the first reschedule is older than what inv2's booking holds")
	assert.Equal(t, newer.Key, res.Key)
	old := f.record(t, "calendly", inv1)
	assert.Equal(t, booking.Cancelled, old.Status, "the earlier booking is cancelled, so nobody keeps two entries")
	assert.Equal(t, 1, old.Sequence, "its CANCEL has a higher SEQUENCE")
	assert.Contains(t, f.queue.keys, old.Key, "the worker is nudged to send it")
	assert.Equal(t, f.details().Start.Add(2*time.Hour), f.record(t, "calendly", inv2).Details.Start)
}

func TestAliasOutlivesTheMeetingItLeadsTo(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.chained(booking.EventCreated, inv1, "", 0, 0))
	f.apply(t, f.chained(booking.EventLinked, inv2, inv1, time.Minute, 0))
	first := f.record(t, "calendly", inv2).ExpiresAt
	assert.Equal(t, f.details().End.Add(720*time.Hour), first)

	far := 90 * 24 * time.Hour
	f.apply(t, f.chained(booking.EventUpdated, inv2, inv1, time.Minute, far))
	assert.Equal(t, f.details().End.Add(far+720*time.Hour), f.record(t, "calendly", inv2).ExpiresAt)
}

func TestConcurrentHalvesWriteOneAlias(t *testing.T) {
	for i := range 20 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			f := newFixture(t)
			f.apply(t, f.chained(booking.EventCreated, inv1, "", 0, 0))
			var wg sync.WaitGroup
			for _, ch := range []booking.Change{
				f.chained(booking.EventLinked, inv2, inv1, time.Minute, 0),
				f.chained(booking.EventUpdated, inv2, inv1, time.Minute, time.Hour),
			} {
				wg.Go(func() {
					_, err := f.in.Apply(context.Background(), ch)
					assert.NoError(t, err)
				})
			}
			wg.Wait()
			b := f.record(t, "calendly", inv1)
			assert.Equal(t, 1, b.Sequence)
			assert.Equal(t, inv1, f.record(t, "calendly", inv2).AliasOf)
		})
	}
}

func TestIfExists(t *testing.T) {
	f := newFixture(t)
	rejected := f.change(booking.EventCancelled, 0, "rej_1")
	rejected.IfExists = true
	assert.Equal(t, Ignored, f.apply(t, rejected).Outcome)
	f.missing(t, "generic", "bk_1")
	assert.Empty(t, f.queue.keys)

	f.apply(t, f.change(booking.EventCreated, time.Second, "msg_1"))
	rejected = f.change(booking.EventCancelled, 2*time.Second, "rej_2")
	rejected.IfExists = true
	assert.Equal(t, Applied, f.apply(t, rejected).Outcome)
	assert.Equal(t, booking.Cancelled, f.get(t).Status)
}

// TestNamesLinkChangesWithoutAnIDOfTheirOwn: a booking's other ids (Change.Names, a Cal.com uid)
// are recorded as aliases; a later change that has only such ids applies to the booking the first
// known one leads to, records its own, and is refused with its Unlinked error when none is known.
func TestNamesLinkChangesWithoutAnIDOfTheirOwn(t *testing.T) {
	f := newFixture(t)
	created := f.change(booking.EventCreated, 0, "d1")
	created.Source, created.ExternalID, created.Names = "calcom", "ical-1", []string{"uid:a"}
	assert.Equal(t, Applied, f.apply(t, created).Outcome)
	assert.Equal(t, "ical-1", f.record(t, "calcom", "uid:a").AliasOf)

	moved := f.change(booking.EventUpdated, time.Minute, "d2")
	moved.Source, moved.ExternalID, moved.Names = "calcom", "", []string{"uid:a", "uid:b"}
	moved.Details.Title = "Moved"
	moved.Unlinked = booking.Errorf(booking.Invalid, "payload.iCalUID", "nothing links it")
	res := f.apply(t, moved)
	assert.Equal(t, Applied, res.Outcome)
	assert.Equal(t, booking.KeyOf("calcom", "ical-1"), res.Key)
	b := f.record(t, "calcom", "ical-1")
	assert.Equal(t, "Moved", b.Details.Title)
	assert.Equal(t, 1, b.Sequence)
	assert.Equal(t, "ical-1", f.record(t, "calcom", "uid:b").AliasOf, "its own uid is recorded too")
	assert.False(t, f.record(t, "calcom", "uid:b").ExpiresAt.Before(b.ExpiresAt), "as long as the booking")

	stray := f.change(booking.EventCancelled, 2*time.Minute, "d3")
	stray.Source, stray.ExternalID, stray.Names, stray.IfExists = "calcom", "", []string{"uid:x", "uid:y"}, true
	stray.Unlinked = moved.Unlinked
	_, err := f.in.Apply(context.Background(), stray)
	require.ErrorIs(t, err, moved.Unlinked)
	f.missing(t, "calcom", "uid:x")
	f.missing(t, "calcom", "uid:y")
	seen, err := f.store.Seen(context.Background(), "calcom:d3", f.now)
	require.NoError(t, err)
	assert.False(t, seen, "a refused delivery is not marked")
	assert.Equal(t, booking.Confirmed, f.record(t, "calcom", "ical-1").Status)
}

// group is a fixture for attendee-level changes to one group event.
func (f *fixture) member(typ booking.EventType, email, member string) booking.Change {
	d := f.details()
	d.Attendees = []booking.Person{{Email: email}}
	d.Room.Size = booking.Large
	d.OrganizerCalendar = false
	return booking.Change{
		Source: "calendly", ExternalID: "https://api.calendly.com/scheduled_events/G1", Type: typ,
		At: f.now, DeliveryID: string(typ) + ":" + member, Member: member, Details: d,
	}
}

// sent records that the worker sent everyone the REQUEST of the current sequence.
func (f *fixture) sent(t *testing.T, b *booking.Booking) {
	t.Helper()
	b.Invites = nil
	for i, p := range b.Details.Participants() {
		b.Invites = append(b.Invites, booking.Invite{Person: p, Organizer: i == 0, Sequence: b.Sequence, Method: booking.Request, SentAt: f.now})
	}
	require.NoError(t, f.store.Put(context.Background(), b))
}

func TestGroupMembersJoinAndLeaveOneByOne(t *testing.T) {
	f := newFixture(t)
	group := "https://api.calendly.com/scheduled_events/G1"
	assert.Equal(t, Applied, f.apply(t, f.member(booking.EventJoined, "bob@example.net", "M1")).Outcome)
	assert.Equal(t, Applied, f.apply(t, f.member(booking.EventJoined, "cleo@example.net", "M2")).Outcome)
	b := f.record(t, "calendly", group)
	assert.Equal(t, 0, b.Sequence, "a newcomer's first invitation needs no new SEQUENCE")
	assert.Len(t, b.Details.Attendees, 2)
	f.sent(t, b)

	dan := f.member(booking.EventJoined, "dan@example.net", "M3")
	assert.Equal(t, Applied, f.apply(t, dan).Outcome)
	b = f.record(t, "calendly", group)
	assert.Equal(t, 0, b.Sequence)
	assert.Equal(t, []string{"bob@example.net", "cleo@example.net", "dan@example.net"}, emails(b.Details.Attendees))

	assert.Equal(t, Applied, f.apply(t, f.member(booking.EventLeft, "bob@example.net", "M1")).Outcome)
	b = f.record(t, "calendly", group)
	assert.Equal(t, []string{"cleo@example.net", "dan@example.net"}, emails(b.Details.Attendees))
	assert.Equal(t, 1, b.Sequence, "the leaver's CANCEL needs a higher SEQUENCE")
	bob, cleo, ada := b.InviteFor("bob@example.net"), b.InviteFor("cleo@example.net"), b.InviteFor("ada@example.com")
	assert.Equal(t, 0, bob.Sequence, "Bob still needs his CANCEL")
	assert.Equal(t, 1, cleo.Sequence, "Cleo's calendar does not change: nothing to send her")
	assert.Equal(t, 1, ada.Sequence, "the organizer's mail has no calendar to change")
	assert.Nil(t, b.InviteFor("dan@example.net"), "Dan still needs his first invitation")

	// Bob's join delivered late (or again) does not bring him back.
	late := f.member(booking.EventJoined, "bob@example.net", "M1")
	late.DeliveryID = "again"
	assert.Equal(t, Stale, f.apply(t, late).Outcome)
	assert.Len(t, f.record(t, "calendly", group).Details.Attendees, 2)
}

// TestGroupMembersMailCannotReach checks a group event's invitee whose address mail cannot
// reach: joining, they are named to the organizer (whose message alone is sent again) and sent
// nothing; leaving, they are dropped from the list and nobody is sent anything.
func TestGroupMembersMailCannotReach(t *testing.T) {
	f := newFixture(t)
	group := "https://api.calendly.com/scheduled_events/G1"
	uninvited := func(typ booking.EventType, email, member string) booking.Change {
		ch := f.member(typ, email, member)
		ch.Details.Uninvited, ch.Details.Attendees = ch.Details.Attendees, nil
		return ch
	}
	f.apply(t, f.member(booking.EventJoined, "bob@example.net", "M1"))
	f.sent(t, f.record(t, "calendly", group))

	assert.Equal(t, Applied, f.apply(t, uninvited(booking.EventJoined, "jörg@example.net", "M2")).Outcome)
	b := f.record(t, "calendly", group)
	assert.Equal(t, []string{"bob@example.net"}, emails(b.Details.Attendees))
	assert.Equal(t, []string{"jörg@example.net"}, emails(b.Details.Uninvited))
	assert.Equal(t, 1, b.Sequence)
	assert.Equal(t, 0, b.InviteFor("ada@example.com").Sequence, "the organizer is told who could not be invited")
	assert.Equal(t, 1, b.InviteFor("bob@example.net").Sequence, "Bob's invitation does not change")

	again := uninvited(booking.EventJoined, "JÖRG@example.net", "M2")
	again.DeliveryID = "again"
	assert.Equal(t, Unchanged, f.apply(t, again).Outcome)

	assert.Equal(t, Applied, f.apply(t, uninvited(booking.EventLeft, "jörg@example.net", "M2")).Outcome)
	b = f.record(t, "calendly", group)
	assert.Empty(t, b.Details.Uninvited)
	assert.Equal(t, 1, b.Sequence, "never invited: no CANCEL")

	// The first invitee of an event mail cannot reach still makes the booking, for the organizer.
	f.now = f.now.Add(time.Minute)
	first := uninvited(booking.EventJoined, "åse@example.net", "M5")
	first.ExternalID = "https://api.calendly.com/scheduled_events/G2"
	assert.Equal(t, Applied, f.apply(t, first).Outcome)
	b = f.record(t, "calendly", first.ExternalID)
	assert.Empty(t, b.Details.Attendees)
	assert.Equal(t, []string{"åse@example.net"}, emails(b.Details.Uninvited))
}

func TestRejoiningAfterACancelRaisesTheSequence(t *testing.T) {
	f := newFixture(t)
	group := "https://api.calendly.com/scheduled_events/G1"
	f.apply(t, f.member(booking.EventJoined, "bob@example.net", "M1"))
	f.apply(t, f.member(booking.EventJoined, "cleo@example.net", "M2"))
	f.apply(t, f.member(booking.EventLeft, "bob@example.net", "M1"))
	b := f.record(t, "calendly", group)
	f.sent(t, b) // Ada and Cleo hold the REQUEST of sequence 0 …
	b = f.record(t, "calendly", group)
	b.Invites = append(b.Invites, booking.Invite{Person: booking.Person{Email: "bob@example.net"}, Sequence: 0, Method: booking.Cancel, SentAt: f.now})
	require.NoError(t, f.store.Put(context.Background(), b)) // … and Bob his CANCEL

	assert.Equal(t, Applied, f.apply(t, f.member(booking.EventJoined, "bob@example.net", "M4")).Outcome, "a new booking by the same person")
	b = f.record(t, "calendly", group)
	assert.Equal(t, 1, b.Sequence, "after a CANCEL at 0, Bob's REQUEST needs 1")
	assert.Equal(t, 1, b.InviteFor("cleo@example.net").Sequence)
	assert.Equal(t, 0, b.InviteFor("bob@example.net").Sequence)
}

func TestLeavingAnUnknownGroupStoresNothingButBlocksTheLateJoin(t *testing.T) {
	f := newFixture(t)
	assert.Equal(t, Ignored, f.apply(t, f.member(booking.EventLeft, "bob@example.net", "M1")).Outcome)
	f.missing(t, "calendly", "https://api.calendly.com/scheduled_events/G1")
	assert.Equal(t, Stale, f.apply(t, f.member(booking.EventJoined, "bob@example.net", "M1")).Outcome)
	f.missing(t, "calendly", "https://api.calendly.com/scheduled_events/G1")
}

func TestTheLastMemberLeavingKeepsTheBooking(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.member(booking.EventJoined, "bob@example.net", "M1"))
	f.apply(t, f.member(booking.EventLeft, "bob@example.net", "M1"))
	b := f.record(t, "calendly", "https://api.calendly.com/scheduled_events/G1")
	assert.Equal(t, booking.Confirmed, b.Status, "someone may still book the slot")
	assert.Empty(t, b.Details.Attendees)
}

func TestASmallRoomOutgrownIsReplacedForEveryone(t *testing.T) {
	f := newFixture(t)
	group := "https://api.calendly.com/scheduled_events/G1"
	for i, who := range []string{"b@example.net", "c@example.net", "d@example.net"} {
		ch := f.member(booking.EventJoined, who, fmt.Sprint("M", i))
		ch.Details.Room.Size = booking.Small
		f.apply(t, ch)
	}
	b := f.record(t, "calendly", group)
	require.Equal(t, booking.Small, b.Details.Room.Size)
	f.sent(t, b)
	f.apply(t, f.member(booking.EventJoined, "e@example.net", "M9"))
	b = f.record(t, "calendly", group)
	assert.Equal(t, booking.Large, b.Details.Room.Size)
	assert.Equal(t, 1, b.Sequence)
	assert.Equal(t, 0, b.InviteFor("b@example.net").Sequence, "everyone needs the new room's link")
}

func TestMeetingEnded(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.change(booking.EventCreated, 0, "msg_1"))
	b := f.get(t)
	b.Room = &booking.Room{Provider: "whereby", ID: "m1"}
	b.DueAt = b.Details.End.Add(15 * time.Minute)
	require.NoError(t, f.store.Put(context.Background(), b))

	ended := func(end time.Time, id string) booking.Change {
		return booking.Change{Source: "generic", ExternalID: "bk_1", Type: booking.EventEnded, At: f.now, DeliveryID: id,
			Details: booking.Details{End: end}}
	}
	assert.Equal(t, Stale, f.apply(t, ended(b.Details.End.Add(-time.Hour), "e0")).Outcome, "the end of an earlier time")

	f.now = b.Details.End.Add(time.Second)
	assert.Equal(t, Applied, f.apply(t, ended(b.Details.End, "e1")).Outcome)
	got := f.get(t)
	assert.Equal(t, f.now, got.DueAt, "cleanup may start at once")
	assert.Equal(t, b.Details.End, got.Activity.LastEnd(), "the reconciler's late-end rule sees the meeting over")
	assert.False(t, got.Activity.Live())
	assert.Equal(t, Unchanged, f.apply(t, ended(b.Details.End, "e2")).Outcome, "twice is once")

	f.missing(t, "generic", "bk_2")
	unknown := ended(b.Details.End, "e3")
	unknown.ExternalID = "bk_2"
	assert.Equal(t, Ignored, f.apply(t, unknown).Outcome)
	f.missing(t, "generic", "bk_2")
}

func emails(ps []booking.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Email)
	}
	return out
}
