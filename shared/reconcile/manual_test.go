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

// putManual stores a hand-made room's record, as the operator writes it, and returns its key.
func (f *fixture) putManual(organizer string, mutate ...func(*booking.Booking)) string {
	f.t.Helper()
	now := f.clock.Now()
	b := &booking.Booking{
		Key:        booking.KeyOf(booking.Manual, "walk-in"),
		Source:     booking.Manual,
		ExternalID: "walk-in",
		UID:        "manual-walk-in",
		Status:     booking.Confirmed,
		Details: booking.Details{
			Title:     "Walk-in support",
			Start:     now,
			End:       now.Add(2 * time.Hour),
			TimeZone:  "UTC",
			Organizer: booking.Person{Email: organizer},
			Attendees: []booking.Person{},
			Room:      booking.RoomOptions{Provider: "fake", Size: booking.Small},
		},
		DueAt:     now,
		ExpiresAt: now.Add(2*time.Hour + 720*time.Hour),
	}
	for _, m := range mutate {
		m(b)
	}
	require.NoError(f.t, f.store.Put(context.Background(), b))
	return b.Key
}

func TestAHandMadeRoomIsMadeFollowedAndCleanedUpWithoutInvitations(t *testing.T) {
	f := newFixture(t)
	key := f.putManual("")
	res := f.reconcile(key)
	assert.Equal(t, []string{"create room"}, res.Steps, "no invitations: its maker has the links")
	b := f.get(key)
	require.NotNil(t, b.Room)
	assert.Equal(t, b.Details.End, b.Room.End)
	assert.Equal(t, b.Details.End.Add(15*time.Minute), b.DueAt, "cleanup at the end date + grace")
	assert.Empty(t, f.mailer.take())

	// A live call holds the cleanup up to the cap, as for a booking.
	f.record(key,
		booking.RoomEvent{Kind: booking.SessionStarted, At: b.Details.End.Add(-10 * time.Minute), SessionID: "s1"},
		booking.RoomEvent{Kind: booking.Joined, At: b.Details.End.Add(-10 * time.Minute), SessionID: "s1", ParticipantID: "p1", Name: "Walk-in"},
	)
	f.at(key, 15*time.Minute)
	assert.Empty(t, f.reconcile(key).Steps, "not while someone is in the room")
	f.at(key, 2*time.Hour)
	assert.Equal(t, []string{"clean up room"}, f.reconcile(key).Steps)
	assert.Empty(t, f.mailer.take(), "a room without an organizer mails no one")
}

func TestCleanupKeepsTheRoomsHistoryAndCountsItsUsageOnce(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mailer.take()
	b := f.get(key)
	start, room := b.Details.Start, *b.Room
	f.record(key,
		booking.RoomEvent{Kind: booking.SessionStarted, At: start, SessionID: "s1"},
		booking.RoomEvent{Kind: booking.Joined, At: start, SessionID: "s1", ParticipantID: "p1", Name: "Ada Host", Host: true},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(time.Minute), SessionID: "s1", ParticipantID: "p2", Name: "Bob Guest"},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(2 * time.Minute), SessionID: "s1", ParticipantID: "p3", Name: "Phone", DialIn: true},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(20 * time.Minute), SessionID: "s1", ParticipantID: "p1"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(20 * time.Minute), SessionID: "s1", ParticipantID: "p2"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(10 * time.Minute), SessionID: "s1", ParticipantID: "p3"},
		booking.RoomEvent{Kind: booking.SessionEnded, At: start.Add(20 * time.Minute), SessionID: "s1"},
	)
	f.at(key, 15*time.Minute)
	assert.Equal(t, []string{"clean up room", stepSummary}, f.reconcile(key).Steps)

	b = f.get(key)
	assert.Nil(t, b.Room)
	require.Len(t, b.Ended, 1, "the deleted room stays in the record")
	assert.Equal(t, room.ID, b.Ended[0].ID)
	assert.Equal(t, f.clock.Now(), b.Ended[0].DeletedAt)
	assert.True(t, b.Ended[0].Counted)
	assert.True(t, b.Done)
	assert.Len(t, b.RoomActivity(&b.Ended[0]).Connections, 3, "and what happened in it")
	state, ok := b.Listed()
	assert.True(t, ok)
	assert.Equal(t, booking.Ended, state)

	day := start.UTC().Format(time.DateOnly)
	usage, err := f.store.Usage(context.Background(), day, day)
	require.NoError(t, err)
	require.Len(t, usage, 1)
	assert.Equal(t, booking.Usage{Day: day, RoomID: room.Tag, Provider: "fake", Sessions: 1, Participants: 3,
		ParticipantMinutes: 20 + 19 + 8, DialInCallers: 1}, usage[0])

	// A count repeated (a run that stopped after writing the usage) replaces, never adds.
	b.Ended[0].Counted = false
	b.DueAt, b.Done = f.clock.Now(), false
	require.NoError(t, f.store.Put(context.Background(), b))
	f.reconcile(key)
	again, err := f.store.Usage(context.Background(), day, day)
	require.NoError(t, err)
	assert.Equal(t, usage, again)
}

func TestAReplacedRoomIsKeptInTheHistory(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	first := *f.get(key).Room
	f.change(key, func(b *booking.Booking) { b.Details.Room.Size = booking.Large })
	f.reconcile(key)
	b := f.get(key)
	require.NotNil(t, b.Room)
	assert.NotEqual(t, first.ID, b.Room.ID)
	assert.Empty(t, b.Retired)
	require.Len(t, b.Ended, 1)
	assert.Equal(t, first.ID, b.Ended[0].ID)
	assert.True(t, b.Ended[0].Counted)
	state, _ := b.Listed()
	assert.Equal(t, booking.Active, state, "the booking goes on with its new room")
}

func TestAHandMadeRoomsEndMovesInPlaceWhereTheProviderCan(t *testing.T) {
	f, p := newUpdatingFixture(t)
	key := f.putManual("")
	f.reconcile(key)
	b := f.get(key)
	b.Details.End = b.Details.End.Add(3 * time.Hour)
	b.DueAt = f.clock.Now()
	require.NoError(t, f.store.Put(context.Background(), b))

	assert.Equal(t, []string{"update room"}, f.reconcile(key).Steps)
	calls := p.calls()
	require.Len(t, calls, 1)
	assert.Equal(t, b.Details.End, calls[0].End)
	b = f.get(key)
	assert.Equal(t, b.Details.End, b.Room.End)
	assert.Equal(t, b.Details.End.Add(15*time.Minute), b.DueAt)
	assert.Empty(t, f.reconcile(key).Steps, "asked once")
}

func TestAHandMadeRoomIsNeverReplacedForItsEnd(t *testing.T) {
	f := newFixture(t)
	key := f.putManual("")
	f.reconcile(key)
	b := f.get(key)
	b.Details.End = b.Room.ExpiresAt.Add(time.Hour) // past what the room can do (the operator refuses this)
	b.DueAt = f.clock.Now()
	require.NoError(t, f.store.Put(context.Background(), b))
	assert.Equal(t, []string{"check room"}, f.reconcile(key).Steps, "its link is all its users have: checked, not replaced")
}

func TestAReconcilerWithoutAMailerLeavesTheMailToTheWorker(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.r.Mailer, f.r.Renderer = nil, nil // the admin API's: it sends no mail, so it needs no renderer
	res := f.reconcile(key)
	assert.Equal(t, []string{"create room"}, res.Steps)
	b := f.get(key)
	require.NotNil(t, b.Room)
	assert.Equal(t, f.clock.Now(), b.DueAt, "the invitations are due now, for a reconciler that mails")
	assert.Empty(t, b.Invites)
	assert.False(t, b.Done)
}

// TestAReconcilerWithAMailerAndNoRendererRefusesToRun: a Mailer wired without a Renderer is a
// wiring error, which Reconcile returns before it reads or does anything, rather than render
// nothing and drop every message as unrenderable.
func TestAReconcilerWithAMailerAndNoRendererRefusesToRun(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	before := f.get(key)
	f.r.Renderer = nil
	_, err := f.r.Reconcile(context.Background(), key)
	require.ErrorIs(t, err, ErrNoRenderer)
	assert.Contains(t, err.Error(), "Renderer", "the error names what is missing")
	assert.Equal(t, before, f.get(key), "nothing stored")
	assert.Zero(t, f.provider.created, "no room made")
	assert.Empty(t, f.mailer.take(), "nothing sent")
}

// TestAReconcilerThatLeavesDialInLeavesThoseRoomsToTheWorker is the admin API's reconciler, whose
// providers normalise no phone numbers: a hand-made room with dial-in is made by the worker's, at
// once, and one without is made on the spot.
func TestAReconcilerThatLeavesDialInLeavesThoseRoomsToTheWorker(t *testing.T) {
	tests := []struct {
		name      string
		dialIn    bool
		wantSteps []string
	}{
		{"with dial-in", true, nil},
		{"without", false, []string{"create room"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			key := f.putManual("", func(b *booking.Booking) { b.Details.Room.DialIn = tt.dialIn })
			f.r.Mailer, f.r.LeaveDialIn = nil, true
			assert.Equal(t, tt.wantSteps, f.reconcile(key).Steps)
			b := f.get(key)
			assert.Equal(t, booking.Lease{}, b.Lease, "the run frees the booking")
			if tt.dialIn {
				assert.Nil(t, b.Room)
				assert.Equal(t, 0, f.provider.created, "no provider call")
				assert.Equal(t, f.clock.Now(), b.DueAt, "due now, for the worker")
				assert.Nil(t, b.Failure, "leaving a step is no failure")

				// The worker's reconciler makes it.
				f.r.Mailer, f.r.LeaveDialIn = f.mailer, false
				assert.Equal(t, []string{"create room"}, f.reconcile(key).Steps)
				require.NotNil(t, f.get(key).Room)
				return
			}
			require.NotNil(t, b.Room)
		})
	}
}

func TestErasedAddressesGetNoMail(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) {
		b.Details.Attendees[1].Email = "erased-0123456789ab@erased.invalid"
	})
	f.reconcile(key)
	mails := f.mails()
	assert.Contains(t, mails, "ada@example.com")
	assert.Contains(t, mails, "bob@example.net")
	for to := range mails {
		assert.False(t, strings.HasSuffix(to, ".invalid"), "mail to %s", to)
	}
	f.change(key, func(b *booking.Booking) { b.Status = booking.Cancelled })
	f.reconcile(key)
	for to := range f.mails() {
		assert.False(t, strings.HasSuffix(to, ".invalid"), "a CANCEL to %s", to)
	}
}

// usageFails is a store whose usage writes fail while fail is set.
type usageFails struct {
	booking.Store
	fail bool
}

func (s *usageFails) PutUsage(ctx context.Context, u booking.Usage, expires time.Time) error {
	if s.fail {
		return errors.New("ProvisionedThroughputExceededException")
	}
	return s.Store.PutUsage(ctx, u, expires)
}

// TestAUsageWriteThatFailsRepeatsOnlyTheCount: the usage is counted after the cleanup and the
// summary; a store that refuses the usage item still takes the record's write, so the run's
// cleanup and summary are recorded and the next run counts and does nothing else: no second
// summary, no second delete.
func TestAUsageWriteThatFailsRepeatsOnlyTheCount(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mailer.take()
	b := f.get(key)
	f.record(key,
		booking.RoomEvent{Kind: booking.Joined, At: b.Details.Start, SessionID: "s1", ParticipantID: "p2", Name: "Bob Guest"},
		booking.RoomEvent{Kind: booking.Left, At: b.Details.Start.Add(20 * time.Minute), SessionID: "s1", ParticipantID: "p2"},
	)
	store := &usageFails{Store: f.store, fail: true}
	f.r.Store = store
	f.at(key, 15*time.Minute)
	res, err := f.r.Reconcile(context.Background(), key)
	require.ErrorContains(t, err, "record usage")
	assert.Equal(t, []string{"clean up room", stepSummary}, res.Steps)
	assert.Len(t, f.mailer.take(), 1, "the organizer's summary")
	deletes := len(f.provider.deleted)

	store.fail = false
	f.clock.Add(DefaultLeaseTTL) // the failed run's lease runs out
	assert.Empty(t, f.reconcile(key).Steps, "only the count, which reports no step")
	assert.Empty(t, f.mailer.take(), "no second summary")
	assert.Len(t, f.provider.deleted, deletes, "no second delete")
	b = f.get(key)
	assert.True(t, b.Done)
	require.Len(t, b.Ended, 1)
	assert.True(t, b.Ended[0].Counted)
}
