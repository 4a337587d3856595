package reconcile

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// record applies room events to the stored booking, as the provider webhook handler does.
func (f *fixture) record(key string, events ...booking.RoomEvent) {
	f.t.Helper()
	b := f.get(key)
	for i, e := range events {
		if e.RoomID == "" && b.Room != nil {
			events[i].RoomID = b.Room.ID
		}
	}
	_, err := f.store.AddActivity(context.Background(), key, events, b.ExpiresAt)
	require.NoError(f.t, err)
}

func (f *fixture) at(key string, fromEnd time.Duration) {
	f.t.Helper()
	b := f.get(key)
	f.clock.Set(b.Details.End.Add(fromEnd))
}

func TestCleanupWaitsForALiveSessionUntilTheCap(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	b := f.get(key)
	end := b.Details.End
	f.record(key,
		booking.RoomEvent{Kind: booking.SessionStarted, At: end.Add(-20 * time.Minute), SessionID: "s1"},
		booking.RoomEvent{Kind: booking.Joined, At: end.Add(-20 * time.Minute), SessionID: "s1", ParticipantID: "p1", Name: "Bob"},
	)

	f.at(key, 15*time.Minute) // end + grace
	assert.Empty(t, f.reconcile(key).Steps, "not while the session is live")
	require.Len(t, f.provider.live(), 1)
	assert.Equal(t, f.clock.Now().Add(LiveRecheck), f.get(key).DueAt, "checked again soon")

	f.at(key, 2*time.Hour-time.Minute)
	assert.Empty(t, f.reconcile(key).Steps)
	assert.Equal(t, end.Add(2*time.Hour), f.get(key).DueAt, "never later than the cap")

	f.at(key, 2*time.Hour) // the cap: webhooks may be missing, the room goes anyway
	assert.Equal(t, []string{"clean up room", stepSummary}, f.reconcile(key).Steps)
	assert.Empty(t, f.provider.live())
}

func TestSessionEndingAfterTheEndCleansUpAtOnce(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	end := f.get(key).Details.End
	f.record(key,
		booking.RoomEvent{Kind: booking.SessionStarted, At: end.Add(-30 * time.Minute), SessionID: "s1"},
		booking.RoomEvent{Kind: booking.SessionEnded, At: end.Add(5 * time.Minute), SessionID: "s1"},
	)
	f.at(key, 6*time.Minute) // before end + grace
	assert.Equal(t, []string{"clean up room", stepSummary}, f.reconcile(key).Steps)
	assert.Empty(t, f.provider.live())
}

func TestSessionEndingBeforeTheEndWaitsForTheGrace(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	end := f.get(key).Details.End
	f.record(key,
		booking.RoomEvent{Kind: booking.SessionStarted, At: end.Add(-30 * time.Minute), SessionID: "s1"},
		booking.RoomEvent{Kind: booking.SessionEnded, At: end.Add(-10 * time.Minute), SessionID: "s1"},
	)
	f.at(key, time.Minute)
	assert.Empty(t, f.reconcile(key).Steps, "they may come back before the booked end + grace")
	f.at(key, 15*time.Minute)
	assert.Equal(t, []string{"clean up room", stepSummary}, f.reconcile(key).Steps)
}

func TestKnockEmailsTheOrganizerOnceAndNotWithAHost(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.Details.Room.Locked = true })
	f.reconcile(key)
	f.mails()
	start := f.get(key).Details.Start
	f.clock.Set(start)

	f.record(key, booking.RoomEvent{Kind: booking.Knocked, At: start, Name: "Bob Guest"})
	assert.Equal(t, []string{"check room", "tell organizer a guest is waiting"}, f.reconcile(key).Steps, "the room check was due too")
	mails := f.mails()
	require.Len(t, mails, 1)
	m := mails["ada@example.com"]
	require.NotNil(t, m, "only the organizer is told")
	assert.Contains(t, m.Subject, "Bob Guest is waiting")
	assert.Contains(t, m.Text, f.linkFor(key, "ada@example.com"), "with the host link to let them in")
	assert.NotContains(t, m.Text, f.get(key).Room.HostURL, "roomkeeper's own, not the provider's")

	f.record(key, booking.RoomEvent{Kind: booking.Knocked, At: start.Add(time.Minute), Name: "Bob Guest"})
	assert.Empty(t, f.reconcile(key).Steps, "once per stretch without a host")
	assert.Empty(t, f.mails())

	f.record(key,
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(2 * time.Minute), ParticipantID: "h", Host: true, Role: "host"},
		booking.RoomEvent{Kind: booking.Knocked, At: start.Add(3 * time.Minute), Name: "Cy Guest"},
	)
	assert.Empty(t, f.reconcile(key).Steps, "no e-mail while a host is in the room")

	f.record(key,
		booking.RoomEvent{Kind: booking.Left, At: start.Add(4 * time.Minute), ParticipantID: "h"},
		booking.RoomEvent{Kind: booking.Knocked, At: start.Add(5 * time.Minute), Name: "Cy Guest"},
	)
	f.clock.Add(5 * time.Minute)
	f.reconcile(key)
	assert.Len(t, f.mails(), 1, "a new stretch without a host")
}

// TestACleanupPutOffSaysWhy: a run that finds the cleanup due but a session live reports why it
// waits and until when; the run that deletes the room reports why it goes.
func TestACleanupPutOffSaysWhy(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	end := f.get(key).Details.End
	f.record(key, booking.RoomEvent{Kind: booking.SessionStarted, At: end.Add(-20 * time.Minute), SessionID: "s1"})

	f.at(key, 10*time.Minute)
	res := f.reconcile(key)
	assert.Empty(t, res.Postponed, "before end + grace nothing is due, so nothing is put off")

	f.at(key, 15*time.Minute)
	res = f.reconcile(key)
	assert.Equal(t, PostponedLive, res.Postponed)
	assert.Equal(t, f.clock.Now().Add(LiveRecheck), res.PostponedUntil)

	f.at(key, 2*time.Hour-2*time.Minute)
	res = f.reconcile(key)
	assert.Equal(t, PostponedLiveToCap, res.Postponed)
	assert.Equal(t, end.Add(2*time.Hour), res.PostponedUntil)

	f.at(key, 2*time.Hour)
	res = f.reconcile(key)
	assert.Equal(t, []string{"clean up room", stepSummary}, res.Steps)
	assert.Equal(t, CleanupCapWhileLive, res.Cleanup)
	assert.Empty(t, res.Postponed)
}

func TestACleanupSaysWhyTheRoomGoes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		events  func(end time.Time) []booking.RoomEvent
		fromEnd time.Duration
		want    string
	}{
		{"after the grace", func(time.Time) []booking.RoomEvent { return nil }, 15 * time.Minute, CleanupAfterGrace},
		{"a meeting that ran over", func(end time.Time) []booking.RoomEvent {
			return []booking.RoomEvent{
				{Kind: booking.SessionStarted, At: end.Add(-30 * time.Minute), SessionID: "s1"},
				{Kind: booking.SessionEnded, At: end.Add(5 * time.Minute), SessionID: "s1"},
			}
		}, 6 * time.Minute, CleanupMeetingOver},
		{"the cap without webhooks", func(time.Time) []booking.RoomEvent { return nil }, 3 * time.Hour, CleanupOverrunCap},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			key := f.put()
			f.reconcile(key)
			f.record(key, tt.events(f.get(key).Details.End)...)
			f.at(key, tt.fromEnd)
			res := f.reconcile(key)
			assert.Equal(t, []string{"clean up room", stepSummary}, res.Steps)
			assert.Equal(t, tt.want, res.Cleanup)
		})
	}
}

// TestAGrownExpiryKeepsTheRoomsActivity: a booking moved a week later lives a week longer, and
// so does what happened in its room before the move: the next run gives the activity items the
// record's new expiry, once.
func TestAGrownExpiryKeepsTheRoomsActivity(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.ExpiresAt = b.Details.End.Add(30 * 24 * time.Hour) })
	f.reconcile(key)
	b := f.get(key)
	stored := b.ExpiresAt
	f.record(key,
		booking.RoomEvent{Kind: booking.Joined, At: b.Details.Start.Add(-time.Hour), SessionID: "s0", ParticipantID: "p1", Name: "Bob"},
		booking.RoomEvent{Kind: booking.Left, At: b.Details.Start.Add(-50 * time.Minute), SessionID: "s0", ParticipantID: "p1"},
	)

	week := 7 * 24 * time.Hour
	f.change(key, func(b *booking.Booking) {
		b.Details.Start, b.Details.End = b.Details.Start.Add(week), b.Details.End.Add(week)
		b.KeepUntil(b.Details.End.Add(30 * 24 * time.Hour)) // as intake does
	})
	require.Equal(t, stored, f.get(key).ActivityExpires)
	res := f.reconcile(key)
	require.NotEmpty(t, res.Steps)
	assert.Equal(t, "give the activity the record's expiry", res.Steps[len(res.Steps)-1], "after the steps the move needs: %v", res.Steps)
	assert.Contains(t, res.Steps, "send REQUEST to organizer", "the move's update went out first")
	b = f.get(key)
	assert.True(t, b.ActivityExpires.IsZero(), "done once")
	assert.NotContains(t, f.reconcile(key).Steps, "give the activity the record's expiry")

	_, err := f.store.Purge(context.Background(), stored.Add(time.Second))
	require.NoError(t, err)
	b = f.get(key)
	require.Len(t, b.Activity.Connections, 1, "Bob's visit outlives the expiry it was stored with")
	assert.Equal(t, "Bob", b.Activity.Connections[0].Name)
}

// keepFails is a store whose ExpireActivity fails, as one whose table the function may not update.
type keepFails struct{ booking.Store }

func (keepFails) ExpireActivity(context.Context, string, time.Time) error {
	return errors.New("AccessDeniedException: not authorized to perform dynamodb:UpdateItem")
}

// TestKeepingTheActivityHoldsNothingUp: the items' new expiry is the run's last step, so a store
// that cannot give it still sees the move's updated invitations go out first, recorded: the next
// run tries that step again and sends nothing twice.
func TestKeepingTheActivityHoldsNothingUp(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.ExpiresAt = b.Details.End.Add(30 * 24 * time.Hour) })
	f.reconcile(key)
	f.mails()
	f.change(key, func(b *booking.Booking) {
		week := 7 * 24 * time.Hour
		b.Details.Start, b.Details.End = b.Details.Start.Add(week), b.Details.End.Add(week)
		b.KeepUntil(b.Details.End.Add(30 * 24 * time.Hour))
	})
	f.r.Store = keepFails{f.store}
	_, err := f.r.Reconcile(context.Background(), key)
	require.ErrorContains(t, err, "give the activity of booking")
	assert.Len(t, f.mails(), 3, "the moved meeting's updates went out to all three")
	assert.False(t, f.get(key).ActivityExpires.IsZero(), "still to do")

	f.r.Store = f.store
	f.clock.Add(DefaultLeaseTTL) // the failed run's lease runs out
	assert.Equal(t, []string{"give the activity the record's expiry"}, f.reconcile(key).Steps)
	assert.True(t, f.get(key).ActivityExpires.IsZero())
}
