package reconcile

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// deleteOutside deletes a booking's room at the provider, as a person in its dashboard would.
func (f *fixture) deleteOutside(key string) booking.Room {
	f.t.Helper()
	room := *f.get(key).Room
	require.NoError(f.t, f.provider.DeleteRoom(context.Background(), room))
	return room
}

// toCheck moves the clock to the booking's room check, CheckLead before its start.
func (f *fixture) toCheck(key string) {
	f.t.Helper()
	f.clock.Set(f.get(key).Details.Start.Add(-CheckLead))
}

func TestTheRoomIsCheckedOnceBeforeTheStart(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	room := *f.get(key).Room
	assert.Zero(t, f.provider.checks, "a room just made needs no check")

	f.toCheck(key)
	res := f.reconcile(key)
	assert.Equal(t, []string{"check room"}, res.Steps)
	assert.Equal(t, 1, f.provider.checks, "one provider request")
	b := f.get(key)
	assert.Equal(t, room.ID, b.Room.ID)
	assert.Equal(t, booking.RoomCheck{At: f.clock.Now(), Start: b.Details.Start, End: b.Details.End}, b.Room.Checked)
	assert.Equal(t, b.Details.End.Add(15*time.Minute), b.DueAt, "then the cleanup")
	assert.Empty(t, f.mails())

	for _, d := range []time.Duration{0, 5 * time.Minute, CheckLead} {
		f.clock.Add(d)
		assert.Empty(t, f.reconcile(key).Steps)
	}
	assert.Equal(t, 1, f.provider.checks, "recorded: not repeated on later runs")
}

func TestARoomMadeWithinTheLeadIsNotChecked(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) {
		b.Details.Start = f.clock.Now().Add(10 * time.Minute)
		b.Details.End = b.Details.Start.Add(30 * time.Minute)
	})
	f.reconcile(key)
	f.clock.Add(10 * time.Minute)
	assert.Empty(t, f.reconcile(key).Steps)
	assert.Zero(t, f.provider.checks)
	assert.Equal(t, f.get(key).Details.End.Add(15*time.Minute), f.get(key).DueAt)
}

func TestARoomGoneBeforeTheStartIsReplacedAndEveryoneUpdated(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	old := f.deleteOutside(key)

	f.toCheck(key)
	res := f.reconcile(key)
	assert.Equal(t, []string{"room gone at the provider", "create room",
		"send REQUEST to organizer", "send REQUEST to guest", "send REQUEST to guest"}, res.Steps)
	assert.Empty(t, res.Failure)

	live := f.provider.live()
	require.Len(t, live, 1)
	room := live[0]
	assert.Equal(t, booking.Tag{Key: key, Gen: 2, Deployment: booking.DeploymentTag("test")}.String(), room.Tag)
	mails := f.mails()
	require.Len(t, mails, 3, "every recipient")
	for to, m := range mails {
		assert.Equal(t, "REQUEST", m.Method, to)
		assert.Equal(t, 1, m.Sequence, "a new sequence, so calendars take the update: %s", to)
		assert.Contains(t, m.Text, f.linkFor(key, to), "the same link as before: it now leads to the new room: %s", to)
		assert.NotContains(t, m.Text+m.HTML+string(m.Calendar), room.GuestURL, "never the provider's link: %s", to)
		assert.NotContains(t, m.Text+m.HTML+string(m.Calendar), old.GuestURL, to)
		assert.True(t, strings.HasPrefix(m.Subject, "Updated invitation: ") || to == "ada@example.com" && strings.HasPrefix(m.Subject, "Updated meeting: "), "%s: %s", to, m.Subject)
	}
	assert.NotContains(t, mails["ada@example.com"].Text, room.HostURL, "the organizer's host link is roomkeeper's")
	requireNoHostLinkToGuests(t, mails, "ada@example.com")

	b := f.get(key)
	assert.Equal(t, 1, b.Sequence)
	require.Len(t, b.Ended, 1, "the vanished room stays in the history")
	assert.Equal(t, old.ID, b.Ended[0].ID)
	assert.True(t, b.Ended[0].Vanished)
	assert.Equal(t, f.clock.Now(), b.Ended[0].DeletedAt, "when it was found gone")
	assert.Empty(t, b.Retired, "nothing left to delete")
	assert.Equal(t, b.Details.End.Add(15*time.Minute), b.DueAt, "the new room needs no check")

	assert.Empty(t, f.reconcile(key).Steps)
	assert.Empty(t, f.mails())
}

func TestAProviderOutageDuringTheCheckIsRetriedNeverAReplacement(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	room := *f.get(key).Room
	outage := booking.RetryAfter(errors.New("whereby answered 503"), 30*time.Second)
	f.provider.fail = func(op string) error {
		if op == "check" {
			return outage
		}
		return nil
	}

	f.toCheck(key)
	res := f.reconcile(key)
	assert.Empty(t, res.Steps)
	assert.Contains(t, res.Failure, "503")
	assert.False(t, res.Permanent)
	b := f.get(key)
	assert.Equal(t, room.ID, b.Room.ID, "the room is kept")
	assert.Equal(t, f.clock.Now().Add(30*time.Second), b.DueAt, "back-off, honouring Retry-After")
	assert.Equal(t, 1, f.provider.created, "no new room")

	f.provider.fail = nil
	f.clock.Add(30 * time.Second)
	assert.Equal(t, []string{"check room"}, f.reconcile(key).Steps)
	b = f.get(key)
	assert.Nil(t, b.Failure)
	assert.Equal(t, room.ID, b.Room.ID)
	assert.Empty(t, f.mails())
	assert.Equal(t, 2, f.provider.checks)
}

func TestACheckRefusedForGoodLeavesTheRoomAndTheBooking(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	f.provider.fail = func(op string) error {
		if op == "check" {
			return booking.Permanent(errors.New("whereby rejected the API key (401)"))
		}
		return nil
	}
	f.toCheck(key)
	res := f.reconcile(key)
	assert.Equal(t, []string{"room not checked: whereby rejected the API key (401)"}, res.Steps)
	assert.Empty(t, res.Failure, "the room may well be fine: the booking goes on")
	b := f.get(key)
	require.NotNil(t, b.Room)
	assert.Equal(t, b.Details.End.Add(15*time.Minute), b.DueAt, "not asked again: the cleanup is next")
	assert.Empty(t, f.mails())
}

func TestARescheduleThatKeepsTheRoomChecksItBeforeTheUpdate(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	room := *f.get(key).Room
	f.mails()

	f.clock.Add(time.Minute)
	f.change(key, moveByAnHour)
	res := f.reconcile(key)
	require.NotEmpty(t, res.Steps)
	assert.Equal(t, "check room", res.Steps[0], "before anyone is told")
	assert.NotContains(t, res.Steps, "create room")
	assert.Equal(t, 1, f.provider.checks)
	b := f.get(key)
	assert.Equal(t, room.ID, b.Room.ID)
	assert.Equal(t, b.Details.Start.Add(-CheckLead), b.DueAt, "and again before the new start")
	assert.Len(t, f.mails(), 3)

	f.clock.Add(time.Minute)
	f.change(key, func(b *booking.Booking) { b.Details.Title = "Intro call, renamed" })
	assert.NotContains(t, f.reconcile(key).Steps, "check room", "a new title is no reschedule")
	assert.Equal(t, 1, f.provider.checks)
}

func TestARoomGoneAtARescheduleIsReplacedInTheUpdate(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	old := f.deleteOutside(key)

	f.clock.Add(time.Minute)
	f.change(key, moveByAnHour)
	res := f.reconcile(key)
	assert.Equal(t, []string{"room gone at the provider", "create room"}, res.Steps[:2])
	room := f.provider.live()[0]
	mails := f.mails()
	require.Len(t, mails, 3)
	for to, m := range mails {
		assert.Equal(t, 1, m.Sequence, "the change's own sequence: nobody held it yet: %s", to)
		assert.Contains(t, m.Text, f.linkFor(key, to), to)
		assert.NotContains(t, m.Text, room.GuestURL, to)
		assert.NotContains(t, m.Text, old.GuestURL, to)
	}
	requireNoHostLinkToGuests(t, mails, "ada@example.com")
	assert.Equal(t, 1, f.get(key).Sequence)
}

func TestARunStoppedAfterTheCheckRepeatsOnlyTheCheck(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	f.toCheck(key)
	stopped := &failingStore{Store: f.store, failPut: func(b *booking.Booking) bool {
		return b.Room != nil && !b.Room.Checked.At.Before(b.Details.Start.Add(-CheckLead))
	}}
	f.r.Store = stopped
	_, err := f.r.Reconcile(context.Background(), key)
	require.Error(t, err, "the store failed: the queue redelivers")
	assert.Equal(t, 1, f.provider.checks)

	f.r.Store = f.store
	f.clock.Add(DefaultLeaseTTL)
	assert.Equal(t, []string{"check room"}, f.reconcile(key).Steps)
	assert.Equal(t, 2, f.provider.checks, "one request repeated")
	assert.Empty(t, f.reconcile(key).Steps)
	assert.Equal(t, 2, f.provider.checks)
	assert.Equal(t, 1, f.provider.created)
	assert.Empty(t, f.mails())
}

func TestAVanishedHandMadeRoomIsMadeAgainUnderItsID(t *testing.T) {
	for _, moves := range []bool{false, true} {
		name := "provider with end dates"
		if moves {
			name = "provider that moves rooms"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			if moves {
				f, _ = newUpdatingFixture(t)
			}
			key := f.putManual("ada@example.com")
			f.reconcile(key)
			old := f.deleteOutside(key)

			// The operator extends it (operator.ExtendRoom): a change of times that keeps the room.
			b := f.get(key)
			b.Details.End = b.Details.End.Add(30 * time.Minute)
			b.DueAt = f.clock.Now()
			require.NoError(t, f.store.Put(context.Background(), b))
			res := f.reconcile(key)
			assert.Equal(t, []string{"room gone at the provider", "create room"}, res.Steps)
			b = f.get(key)
			require.NotNil(t, b.Room)
			assert.Equal(t, old.Tag, b.Room.Tag, "the same id in the admin API")
			assert.NotEqual(t, old.GuestURL, b.Room.GuestURL, "a new link: the old one is dead")
			require.Len(t, b.Ended, 1)
			assert.True(t, b.Ended[0].Vanished)
			assert.Equal(t, 0, b.Sequence, "no invitations to update")
			assert.Empty(t, f.mailer.take(), "a hand-made room sends no mail")
			assert.Len(t, f.provider.live(), 1)
		})
	}
}

func TestARoomMadeAgainUnderItsIDCountsBothRoomsUsage(t *testing.T) {
	f := newFixture(t)
	key := f.putManual("")
	f.reconcile(key)
	start := f.clock.Now()
	f.record(key,
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(time.Minute), SessionID: "s1", ParticipantID: "p1", Name: "Ada"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(11 * time.Minute), SessionID: "s1", ParticipantID: "p1"},
	)
	f.deleteOutside(key)
	f.clock.Add(20 * time.Minute)
	b := f.get(key)
	b.Details.End = b.Details.End.Add(30 * time.Minute)
	b.DueAt = f.clock.Now()
	require.NoError(t, f.store.Put(context.Background(), b))
	f.reconcile(key)
	tag := f.get(key).Room.Tag
	f.record(key,
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(30 * time.Minute), SessionID: "s2", ParticipantID: "p2", Name: "Bob"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(35 * time.Minute), SessionID: "s2", ParticipantID: "p2"},
	)
	f.at(key, 15*time.Minute)
	assert.Equal(t, []string{"clean up room"}, f.reconcile(key).Steps)

	day := start.UTC().Format(time.DateOnly)
	usage, err := f.store.Usage(context.Background(), day, day)
	require.NoError(t, err)
	require.Len(t, usage, 1, "one room id, one figure a day")
	assert.Equal(t, tag, usage[0].RoomID)
	assert.Equal(t, 2, usage[0].Sessions, "the vanished room's session and the new one's")
	assert.Equal(t, 10+5, usage[0].ParticipantMinutes)
}

// slowInsights is a provider's insights API that is down.
type slowInsights struct{ calls int }

func (s *slowInsights) RoomSessions(context.Context, string) (map[string]booking.SessionInsight, error) {
	s.calls++
	return nil, errors.New("insights answered 503")
}

func TestAReplacementWaitsForNoUsageFigures(t *testing.T) {
	f := newFixture(t)
	in := &slowInsights{}
	f.r.Insights = map[string]booking.Insights{"fake": in}
	key := f.put()
	f.reconcile(key)
	f.mails()
	f.deleteOutside(key)

	f.toCheck(key)
	res := f.reconcile(key)
	assert.Equal(t, []string{"room gone at the provider", "create room",
		"send REQUEST to organizer", "send REQUEST to guest", "send REQUEST to guest"}, res.Steps,
		"the vanished room's usage is counted after everything the meeting needs")
	assert.Contains(t, res.Failure, "503", "and retried later")
	assert.Equal(t, 1, in.calls)
	assert.Len(t, f.mails(), 3)
	assert.NotNil(t, f.get(key).Room)
}
