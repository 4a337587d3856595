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

const stepSummary = "send attendance summary to organizer"

// meet records a meeting in the booking's room: the organizer by their link's externalId, Bob
// by his (under another display name), a stranger, a phone caller whose name is their number,
// and a guest who came by a shared link under Cy's name. Cy's externalId never shows up.
func (f *fixture) meet(key string) {
	f.t.Helper()
	b := f.get(key)
	start := b.Details.Start
	org, bob := b.Details.Organizer.ID, b.Details.Attendees[0].ID
	f.record(key,
		booking.RoomEvent{Kind: booking.SessionStarted, At: start, SessionID: "s1"},
		booking.RoomEvent{Kind: booking.Joined, At: start, SessionID: "s1", ParticipantID: "p1", Name: "Ada's laptop", ExternalID: org},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(2 * time.Minute), SessionID: "s1", ParticipantID: "p2", Name: "Robert's iPad", ExternalID: bob},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(3 * time.Minute), SessionID: "s1", ParticipantID: "p3", Name: "Eve Visitor"},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(4 * time.Minute), SessionID: "s1", ParticipantID: "p4", Name: "+47 912 34 567", DialIn: true},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(5 * time.Minute), SessionID: "s1", ParticipantID: "p5", Name: "cy guest"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(10 * time.Minute), SessionID: "s1", ParticipantID: "p3"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(14 * time.Minute), SessionID: "s1", ParticipantID: "p4"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(15 * time.Minute), SessionID: "s1", ParticipantID: "p5"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(28 * time.Minute), SessionID: "s1", ParticipantID: "p2"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(30 * time.Minute), SessionID: "s1", ParticipantID: "p1"},
		booking.RoomEvent{Kind: booking.SessionEnded, At: start.Add(30 * time.Minute), SessionID: "s1"},
	)
}

func TestTheOrganizerIsToldWhoCameOnceAtCleanup(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	f.meet(key)

	// Whereby ends a session whenever fewer than two remain: that is not the end. Nothing is
	// sent before the cleanup.
	f.at(key, -time.Minute)
	assert.NotContains(t, f.reconcile(key).Steps, stepSummary)
	assert.Empty(t, f.mails())

	f.at(key, 15*time.Minute)
	res := f.reconcile(key)
	assert.Equal(t, []string{"clean up room", stepSummary}, res.Steps)
	mails := f.mails()
	require.Len(t, mails, 1, "the organizer only: no guest is sent a summary")
	m := mails["ada@example.com"]
	require.NotNil(t, m)
	assert.Equal(t, "Who came: Intro call @ Mon 23 Nov 2026 11:00 CET (Europe/Oslo)", m.Subject)
	for _, part := range []string{m.Text, m.HTML} {
		// Times in the organizer's zone (the booking's: Europe/Oslo).
		assert.Contains(t, part, "Bob Guest: joined 11:02, left 11:28, 26 min", "matched by externalId, whatever his display name")
		assert.Contains(t, part, "Cy Guest: joined 11:05, left 11:15, 10 min", "matched by display name")
		assert.Contains(t, part, "Eve Visitor: 7 min", "not on the booking: by display name")
		assert.Contains(t, part, "1 call, 10 min", "the phone caller counted")
		assert.Contains(t, part, "You were in the room for 30 min.", "the organizer by externalId")
		assert.Contains(t, part, "83", "total participant minutes: 30+26+7+10+10")
		assert.NotContains(t, part, "912", "never a caller's number")
		assert.NotContains(t, part, "Robert", "an invitee is shown as booked")
		assert.NotContains(t, part, "http", "no link, least of all a host link")
	}
	b := f.get(key)
	assert.False(t, b.Summary.SentAt.IsZero())
	assert.NotEmpty(t, b.Summary.MessageID)
	assert.True(t, b.Summary.PendingAt.IsZero())
	assert.True(t, b.Done)
	assert.True(t, b.DueAt.IsZero(), "nothing left to do")

	f.clock.Add(time.Hour)
	b.DueAt = f.clock.Now() // due again (a stray queue message), with nothing new
	require.NoError(t, f.store.Put(context.Background(), b))
	assert.Empty(t, f.reconcile(key).Steps, "once per booking")
	assert.Empty(t, f.mails())
}

func TestNobodyCameIsStillToldToTheOrganizer(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	f.at(key, 15*time.Minute)
	assert.Equal(t, []string{"clean up room", stepSummary}, f.reconcile(key).Steps)
	mails := f.mails()
	require.Len(t, mails, 1)
	m := mails["ada@example.com"]
	require.NotNil(t, m)
	assert.Contains(t, m.Text, "Nobody joined the meeting.")
	assert.Contains(t, m.Text, "- Bob Guest: did not join")
	assert.Contains(t, m.Text, "- Cy Guest: did not join")
	assert.Contains(t, m.Text, "Total participant minutes: 0")
}

func TestNoSummaryForACancelledBookingOrAHandMadeRoom(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		f := newFixture(t)
		key := f.put()
		f.reconcile(key)
		f.meet(key)
		f.change(key, func(b *booking.Booking) { b.Status = booking.Cancelled })
		f.mails()
		f.reconcile(key)
		f.at(key, 3*time.Hour)
		assert.Empty(t, f.reconcile(key).Steps)
		for to, m := range f.mails() {
			assert.NotContains(t, m.Subject, "Who came", to)
		}
		assert.True(t, f.get(key).Summary.SentAt.IsZero())
	})
	t.Run("hand-made room with an organizer", func(t *testing.T) {
		f := newFixture(t)
		key := f.putManual("ops@example.com")
		f.reconcile(key)
		f.record(key,
			booking.RoomEvent{Kind: booking.Joined, At: f.clock.Now(), ParticipantID: "p1", Name: "Walk-in"},
			booking.RoomEvent{Kind: booking.Left, At: f.clock.Now().Add(time.Minute), ParticipantID: "p1"},
		)
		f.at(key, 15*time.Minute)
		assert.Equal(t, []string{"clean up room"}, f.reconcile(key).Steps)
		assert.Empty(t, f.mails(), "its maker has the history in the admin API and console")
	})
}

func TestASummaryLeftUnrecordedByAStoppedRunIsSentAgainAndCounted(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	f.meet(key)
	f.at(key, 15*time.Minute)
	stopped := false
	f.r.Store = &failingStore{Store: f.store, failPut: func(b *booking.Booking) bool {
		// The run stops after the mail service accepted the summary, before it is recorded.
		if !b.Summary.SentAt.IsZero() && !stopped {
			stopped = true
			return true
		}
		return false
	}}
	_, err := f.r.Reconcile(context.Background(), key)
	require.ErrorIs(t, err, errStopped)
	require.Len(t, f.mails(), 1, "it went out")
	b := f.get(key)
	require.False(t, b.Summary.PendingAt.IsZero(), "the intent was recorded before the send")

	f.clock.Add(time.Minute) // the lease runs out; the sweep finds the booking due
	b.Lease = booking.Lease{}
	require.NoError(t, f.store.Put(context.Background(), b))
	f.metrics.take()
	res := f.reconcile(key)
	// The delete's result was written with the summary's: the delete is made again (a room
	// the provider no longer has counts as deleted).
	assert.Equal(t, []string{"clean up room", stepSummary}, res.Steps)
	assert.Empty(t, f.provider.live())
	assert.Equal(t, 1, res.PossibleDuplicates, "the worker counts it in the duplicates metric")
	require.Len(t, f.mails(), 1, "sent again: it may not have gone out")
	b = f.get(key)
	assert.Equal(t, 1, b.PossibleDuplicates)
	assert.False(t, b.Summary.SentAt.IsZero())
	assert.Empty(t, f.reconcile(key).Steps, "and then never again")
}

func TestASummaryTheMailServiceCannotTakeNowIsRetriedLater(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	f.meet(key)
	f.at(key, 15*time.Minute)
	f.mailer.fail = func(booking.Message) error { return errors.New("mail service answered 503") }
	res := f.reconcile(key)
	assert.Equal(t, []string{"clean up room"}, res.Steps)
	assert.Contains(t, res.Failure, "503")
	assert.False(t, res.Permanent, "a cleaned-up booking has no room because it needs none")
	b := f.get(key)
	assert.True(t, b.Summary.PendingAt.IsZero(), "nothing went out: no duplicate to count")
	assert.False(t, b.DueAt.IsZero(), "retried after a back-off")

	f.mailer.fail = nil
	f.clock.Set(b.DueAt)
	res = f.reconcile(key)
	assert.Equal(t, []string{stepSummary}, res.Steps, "no failure notice: nothing failed for good")
	assert.Zero(t, res.PossibleDuplicates)
	mails := f.mails()
	require.Len(t, mails, 1)
	assert.Contains(t, mails["ada@example.com"].Subject, "Who came")
	assert.Nil(t, f.get(key).Failure)
}

func TestASummaryRefusedForGoodIsDropped(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	f.at(key, 15*time.Minute)
	f.mailer.fail = func(booking.Message) error { return booking.Permanent(errors.New("mail service refused the message")) }
	res := f.reconcile(key)
	assert.Equal(t, []string{"clean up room", "mail service refused the attendance summary"}, res.Steps)
	b := f.get(key)
	assert.Contains(t, b.Summary.Dropped, "refused")
	assert.True(t, b.DueAt.IsZero(), "not retried")
}
