package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/link"
)

func TestCreatedBookingGetsOneRoomAndOneInvitePerParticipant(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	res := f.reconcile(key)
	assert.Equal(t, []string{"create room", "send REQUEST to organizer", "send REQUEST to guest", "send REQUEST to guest"}, res.Steps)

	require.Len(t, f.provider.live(), 1)
	room := f.provider.live()[0]
	assert.Equal(t, booking.Tag{Key: key, Gen: 1, Deployment: booking.DeploymentTag("test")}.String(), room.Tag)

	mails := f.mails()
	require.Len(t, mails, 3)
	org := mails["ada@example.com"]
	assert.Equal(t, "REQUEST", org.Method)
	assert.Equal(t, 0, org.Sequence)
	assert.Contains(t, org.Text, f.linkFor(key, "ada@example.com"), "the organizer gets the host link")
	assert.Contains(t, org.Text, linkOf(t, key, booking.RoomLink, booking.ForGuest), "and the room's guest link to share")
	for _, guest := range []string{"bob@example.net", "cy@example.org"} {
		m := mails[guest]
		require.NotNil(t, m, guest)
		assert.Contains(t, m.Text, f.linkFor(key, guest), "each guest's own link")
		assert.NotContains(t, m.Text+m.HTML+string(m.Calendar), room.GuestURL, "never the provider's")
		assert.Contains(t, m.Text, "tel:+12125550142,1234567890")
		assert.Equal(t, "0f8e5c7a-1d2b-4c3d-9e8f-000000000001", m.UID)
	}
	requireNoHostLinkToGuests(t, mails, "ada@example.com")

	b := f.get(key)
	assert.Equal(t, b.Details.Start.Add(-CheckLead), b.DueAt, "the room check is due before the start, then the cleanup")
	assert.Equal(t, b.DueAt, res.Due, "the result says when the booking is due")
	assert.Empty(t, b.Lease.Owner, "the lease is released")
	assert.False(t, b.Done)
}

func TestReconcileTwiceDoesNothingNew(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	res := f.reconcile(key)
	assert.Empty(t, res.Steps)
	assert.Empty(t, f.mails())
	assert.Equal(t, 1, f.provider.created)
}

func TestUpdateThatFitsKeepsTheRoomAndRaisesSequence(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	before := f.provider.live()[0]
	f.mails()

	f.change(key, func(b *booking.Booking) {
		b.Details.Start = b.Details.Start.Add(time.Hour)
		b.Details.End = b.Details.End.Add(time.Hour)
	})
	res := f.reconcile(key)
	assert.NotContains(t, res.Steps, "create room")
	require.Len(t, f.provider.live(), 1)
	assert.Equal(t, before.ID, f.provider.live()[0].ID)

	mails := f.mails()
	require.Len(t, mails, 3)
	for to, m := range mails {
		assert.Equal(t, "REQUEST", m.Method, to)
		assert.Equal(t, 1, m.Sequence, to)
		assert.Equal(t, "0f8e5c7a-1d2b-4c3d-9e8f-000000000001", m.UID, to)
	}
	b := f.get(key)
	assert.Equal(t, b.Details.Start.Add(-CheckLead), b.DueAt, "the room check moved with the meeting")
}

func TestUpdateBeyondTheRoomsLifeReplacesTheRoom(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	old := f.provider.live()[0]
	f.mails()

	f.change(key, func(b *booking.Booking) {
		b.Details.Start = b.Details.Start.Add(10 * 24 * time.Hour)
		b.Details.End = b.Details.End.Add(10 * 24 * time.Hour)
	})
	res := f.reconcile(key)
	assert.Equal(t, "create room", res.Steps[0])
	assert.Equal(t, "delete replaced room", res.Steps[len(res.Steps)-1], "the old room goes once the new links are out")
	live := f.provider.live()
	require.Len(t, live, 1, "at most one live room per booking")
	assert.NotEqual(t, old.ID, live[0].ID)
	assert.Equal(t, booking.Tag{Key: key, Gen: 2, Deployment: booking.DeploymentTag("test")}.String(), live[0].Tag)
	for to, m := range f.mails() {
		assert.Contains(t, m.Text, f.linkFor(key, to), to)
		assert.NotContains(t, m.Text, live[0].GuestURL, to)
		assert.NotContains(t, m.Text, old.GuestURL, to)
	}
}

func TestDialInChangeReplacesTheRoom(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.Details.Room.DialIn = false })
	f.reconcile(key)
	f.change(key, func(b *booking.Booking) { b.Details.Room.DialIn = true })
	f.reconcile(key)
	live := f.provider.live()
	require.Len(t, live, 1)
	require.NotNil(t, live[0].DialIn)
}

func TestAttendeeChangesSendCancelToRemovedAndRequestToAdded(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()

	f.change(key, func(b *booking.Booking) {
		b.Details.Attendees = []booking.Person{
			{Name: "Bob Guest", Email: "bob@example.net"},
			{Name: "Dee New", Email: "dee@example.com"},
		}
	})
	f.reconcile(key)
	mails := f.mails()
	require.Len(t, mails, 4)
	assert.Equal(t, "CANCEL", mails["cy@example.org"].Method)
	assert.Equal(t, 1, mails["cy@example.org"].Sequence)
	assert.Equal(t, "REQUEST", mails["dee@example.com"].Method)
	assert.Equal(t, "REQUEST", mails["bob@example.net"].Method)
	assert.Equal(t, "REQUEST", mails["ada@example.com"].Method)
	assert.NotContains(t, string(mails["ada@example.com"].Calendar), "cy@example.org", "the organizer's calendar lists the current guests")
	requireNoHostLinkToGuests(t, mails, "ada@example.com")
	assert.Empty(t, f.reconcile(key).Steps)
}

func TestCancelDeletesTheRoomAndSendsCancelToEveryoneInvited(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()

	const desc = "Agenda: the quarterly numbers"
	f.change(key, func(b *booking.Booking) {
		b.Status = booking.Cancelled
		b.Details.Description = desc
		b.Details.CancelReason = "Ada is ill, sorry."
	})
	res := f.reconcile(key)
	assert.Equal(t, "delete room of cancelled booking", res.Steps[0], "the room goes at once")
	assert.Empty(t, f.provider.live())
	mails := f.mails()
	require.Len(t, mails, 3)
	for to, m := range mails {
		assert.Equal(t, "CANCEL", m.Method, to)
		assert.Equal(t, 1, m.Sequence, to)
		assert.Contains(t, string(m.Calendar), "STATUS:CANCELLED", to)
		assert.NotContains(t, m.Text, "video.example", "a cancellation carries no join link")
		assert.Contains(t, m.Text, "Reason given:\r\nAda is ill, sorry.\r\n", to)
		assert.NotContains(t, m.Text+m.HTML, desc, "not the description of a meeting that is off: %s", to)
	}
	b := f.get(key)
	assert.True(t, b.DueAt.IsZero(), "nothing left due")
	assert.True(t, b.Done)
	assert.Empty(t, f.reconcile(key).Steps)
}

func TestCancelBeforeAnyInviteSendsNothing(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.Status = booking.Cancelled })
	res := f.reconcile(key)
	assert.Empty(t, res.Steps)
	assert.Empty(t, f.mails())
	assert.True(t, f.get(key).DueAt.IsZero())
}

func TestCleanupAfterEndPlusGrace(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	b := f.get(key)

	f.clock.Add(b.Details.End.Add(14 * time.Minute).Sub(f.clock.Now()))
	assert.Empty(t, f.reconcile(key).Steps, "not before end + grace")
	require.Len(t, f.provider.live(), 1)

	f.clock.Add(time.Minute)
	res := f.reconcile(key)
	assert.Equal(t, []string{"clean up room", stepSummary}, res.Steps)
	assert.Empty(t, f.provider.live())
	b = f.get(key)
	assert.True(t, b.Done)
	assert.True(t, b.DueAt.IsZero())
	assert.Nil(t, b.Room)
	assert.Empty(t, f.reconcile(key).Steps)
}

func TestTemporaryProviderFailureBacksOffAndRecovers(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	calls := 0
	f.provider.fail = func(op string) error {
		if op == "create" && calls < 2 {
			calls++
			return booking.RetryAfter(errors.New("whereby: 429 too many requests"), 90*time.Second)
		}
		return nil
	}
	res, err := f.r.Reconcile(context.Background(), key)
	require.NoError(t, err, "a provider failure is not a queue failure")
	assert.False(t, res.Permanent)
	b := f.get(key)
	require.NotNil(t, b.Failure)
	assert.Contains(t, b.Failure.Message, "429")
	assert.Equal(t, f.clock.Now().Add(90*time.Second), b.DueAt, "Retry-After beats the shorter back-off")
	assert.Equal(t, b.DueAt, res.Due, "the result says when the booking is due")
	assert.Empty(t, b.Lease.Owner)

	// A second failure waits what the provider asks again, not a growing back-off.
	f.clock.Add(90 * time.Second)
	f.reconcile(key)
	assert.Equal(t, 2, f.get(key).Attempts)

	f.clock.Add(90 * time.Second)
	res = f.reconcile(key)
	assert.Contains(t, res.Steps, "create room")
	b = f.get(key)
	assert.Nil(t, b.Failure, "success clears the failure")
	assert.Zero(t, b.Attempts)
	assert.Len(t, f.provider.live(), 1, "exactly one room after the retries")
	assert.Len(t, f.mails(), 3)
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	assert.Equal(t, 5*time.Second, backoff(1, 0, 0))
	assert.Equal(t, 10*time.Second, backoff(2, 0, 0))
	assert.InDelta(t, float64(20*time.Second), float64(backoff(2, 0, 0.999999999)), float64(time.Millisecond))
	assert.Equal(t, 5*time.Minute, backoff(30, 0, 0))
	assert.Equal(t, time.Hour, backoff(1, time.Hour, 0))
	assert.Equal(t, time.Second, backoff(5, time.Second, 0), "the service's delay, not a floor under the back-off")
}

// TestRefusedCreateIsRetriedWithoutAListing checks that a create the provider certainly did not
// act on drops the creating intent in the save that records the back-off, so the next attempt
// creates at once; only a create whose outcome is unknown is followed by a listing to recover
// the room it may have made.
func TestRefusedCreateIsRetriedWithoutAListing(t *testing.T) {
	for _, tt := range []struct {
		name    string
		err     func(answeredAt time.Time) error
		refused bool
		due     time.Duration // after the answer; 0: the back-off
	}{
		{"429", func(at time.Time) error {
			return booking.Throttled(errors.New("whereby answered 429"), booking.PauseAll, at, 3*time.Second)
		}, true, 3 * time.Second},
		{"no connection", func(time.Time) error {
			return booking.Refused(errors.New("POST meetings: dial tcp: connection refused"))
		}, true, 0},
		{"5xx", func(time.Time) error { return errors.New("whereby answered 503 Service Unavailable") }, false, 0},
		{"timeout", func(time.Time) error {
			return fmt.Errorf("POST meetings: %w", context.DeadlineExceeded)
		}, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			key := f.put()
			var ops []string
			f.provider.fail = func(op string) error {
				ops = append(ops, op)
				if len(ops) > 1 {
					return nil
				}
				f.clock.Add(2 * time.Second) // a slow answer
				return tt.err(f.clock.Now())
			}
			start := f.clock.Now()
			f.reconcile(key)
			b := f.get(key)
			require.NotNil(t, b.Failure)
			if tt.refused {
				assert.Nil(t, b.Creating, "nothing was made: the intent goes with the back-off's save")
				assert.Zero(t, b.RoomGen, "the next attempt uses the same tag")
			} else {
				assert.NotNil(t, b.Creating, "a room may have been made: the intent stays")
			}
			if tt.due > 0 {
				assert.Equal(t, start.Add(2*time.Second+tt.due), b.DueAt, "Retry-After, from the answer")
			}

			f.clock.Set(b.DueAt)
			f.reconcile(key)
			if tt.refused {
				assert.Equal(t, []string{"create", "create"}, ops, "no listing before the second attempt")
			} else {
				assert.Equal(t, []string{"create", "list", "create"}, ops, "the rooms are listed to recover one")
			}
			live := f.provider.live()
			require.Len(t, live, 1)
			assert.Equal(t, booking.Tag{Key: key, Gen: 1, Deployment: booking.DeploymentTag("test")}.String(), live[0].Tag)
			assert.Equal(t, live[0].ID, f.get(key).Room.ID)
		})
	}
}

func TestPermanentFailureStopsAndNotifiesTheOrganizerOnce(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.provider.fail = func(op string) error {
		return booking.Permanent(errors.New("whereby rejected the API key (401)"))
	}
	res := f.reconcile(key)
	assert.True(t, res.Permanent)
	mails := f.mails()
	require.Len(t, mails, 1, "only the organizer hears about it")
	m := mails["ada@example.com"]
	require.NotNil(t, m)
	plainFailureMail(t, m, "The video service refused to make a room", "check the video service account")
	assert.Empty(t, m.Calendar)

	b := f.get(key)
	require.NotNil(t, b.Failure)
	assert.Contains(t, b.Failure.Message, "whereby rejected the API key (401)", "kept in the record")
	assert.Equal(t, booking.FailureRefused, b.Failure.Kind)
	assert.True(t, b.Failure.Permanent)
	assert.True(t, b.Failure.Notified)
	assert.True(t, b.DueAt.IsZero(), "no more retries")
	assert.Empty(t, f.reconcile(key).Steps)
	assert.Empty(t, f.mails())

	// A later change retries.
	f.provider.fail = nil
	f.change(key, func(b *booking.Booking) { b.Details.Title = "Intro call (moved)" })
	f.reconcile(key)
	assert.Len(t, f.provider.live(), 1)
}

// TestAFailureNoticeRefusedForGoodIsDropped: the mail service refusing the organizer's failure
// notice for good (an address it will not send to) drops the notice, as a knock or an
// undelivered notice is dropped: the failure stays on the record, and nothing is retried for
// ever. One refused for now is retried.
func TestAFailureNoticeRefusedForGoodIsDropped(t *testing.T) {
	for _, tc := range []struct {
		name      string
		refusal   error
		wantDrop  bool
		wantSteps []string
	}{
		{"for good", booking.Permanent(errors.New("MessageRejected: address on the suppression list")), true,
			[]string{"drop failure notice: MessageRejected: address on the suppression list"}},
		{"for now", errors.New("TooManyRequestsException"), false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			key := f.put()
			f.provider.fail = func(op string) error {
				return booking.Permanent(errors.New("whereby rejected the API key (401)"))
			}
			f.mailer.fail = func(booking.Message) error { return tc.refusal }
			res := f.reconcile(key)
			b := f.get(key)
			require.NotNil(t, b.Failure)
			assert.Equal(t, booking.FailureRefused, b.Failure.Kind, "the failure itself is kept")
			assert.True(t, b.Failure.Permanent)
			assert.Equal(t, tc.wantDrop, b.Failure.Notified)
			if tc.wantDrop {
				assert.Equal(t, tc.wantSteps, res.Steps)
				assert.True(t, b.DueAt.IsZero(), "nothing left to retry")
				assert.Empty(t, f.reconcile(key).Steps)
			} else {
				assert.NotContains(t, res.Steps, "notify organizer of failure")
				require.False(t, b.DueAt.IsZero(), "retried")
				f.mailer.fail = nil
				f.clock.Set(b.DueAt)
				assert.Contains(t, f.reconcile(key).Steps, "notify organizer of failure", "retried once the mail service takes it")
			}
		})
	}
}

func TestNoRoomByTheStartIsPermanent(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.provider.fail = func(string) error { return errors.New("whereby: 503 service unavailable") }
	f.reconcile(key)
	assert.False(t, f.get(key).Failure.Permanent)
	f.mails()

	f.clock.Add(24 * time.Hour)
	res := f.reconcile(key)
	assert.True(t, res.Permanent)
	b := f.get(key)
	assert.Contains(t, b.Failure.Message, "still no video room at the meeting's start")
	assert.Equal(t, booking.FailureNoRoomByStart, b.Failure.Kind)
	assert.True(t, b.Failure.Notified)
	mails := f.mails()
	require.Len(t, mails, 1)
	plainFailureMail(t, mails["ada@example.com"], "did not make a room in time for the meeting")
}

// plainFailureMail asserts a failure mail that says in plain words what went wrong and what the
// organizer can do, with none of roomkeeper's own account of it.
func plainFailureMail(t *testing.T, m *invitetest.Mail, want ...string) {
	t.Helper()
	require.NotNil(t, m)
	for part, s := range map[string]string{"text": m.Text, "html": m.HTML} {
		assert.Contains(t, s, "What went wrong:", part)
		assert.Contains(t, s, "What you can do:", part)
		assert.Contains(t, s, "let your guests know how to meet instead", part)
		for _, w := range want {
			assert.Contains(t, s, w, part)
		}
		for _, internal := range []string{"create whereby room", "create fake room", "booking generic", "booking ", "whereby", "fake", "401", "503", "paused until", "not configured", "still no video room"} {
			assert.NotContains(t, s, internal, part)
		}
	}
}

func TestMailFailureIsRetriedWithoutResendingWhatWentOut(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	n := 0
	f.mailer.fail = func(booking.Message) error {
		n++
		if n == 2 {
			return errors.New("ses: throttled")
		}
		return nil
	}
	f.reconcile(key)
	assert.Len(t, f.mails(), 1)
	b := f.get(key)
	require.NotNil(t, b.Failure)
	assert.Nil(t, b.InviteFor("bob@example.net").Pending, "a failed send is not pending")

	f.clock.Add(time.Minute)
	f.reconcile(key)
	mails := f.mails()
	assert.Len(t, mails, 2, "the two guests, not the organizer again")
	assert.NotContains(t, mails, "ada@example.com")
	assert.Zero(t, f.get(key).PossibleDuplicates)
}

func TestRefusedRecipientDoesNotBlockTheOthers(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.mailer.fail = func(m booking.Message) error {
		if m.To[0] == "bob@example.net" {
			return booking.Permanent(errors.New("ses: address rejected"))
		}
		return nil
	}
	f.reconcile(key)
	assert.Len(t, f.mails(), 2)
	b := f.get(key)
	assert.Contains(t, b.InviteFor("bob@example.net").Error, "address rejected")
	assert.Equal(t, b.Details.Start.Add(-CheckLead), b.DueAt)
}

// TestGuestMailCannotReachDoesNotStopTheOthers reconciles a record stored before intake kept out
// guests mail cannot reach (jörg@…): the others are invited, the organizer's calendar lists only
// them and the organizer is told who was not invited, and nothing fails or retries.
func TestGuestMailCannotReachDoesNotStopTheOthers(t *testing.T) {
	f := newFixture(t)
	const jorg = "jörg@example.net"
	key := f.put(func(b *booking.Booking) {
		b.Details.Attendees = append(b.Details.Attendees, booking.Person{Name: "Jörg", Email: jorg})
	})
	res := f.reconcile(key)
	assert.False(t, res.Permanent, res.Failure)
	mails := f.mails()
	require.Len(t, mails, 3, "the organizer, Bob and Cy")
	org := mails["ada@example.com"]
	require.NotNil(t, org)
	assert.Contains(t, org.Text, "Not invited: Jörg <"+jorg+">")
	assert.NotContains(t, string(org.Calendar), "example.net:", "no ATTENDEE for Jörg")

	b := f.get(key)
	assert.Nil(t, b.Failure)
	inv := b.InviteFor(jorg)
	require.NotNil(t, inv)
	assert.NotEmpty(t, inv.Error, "recorded as refused for good")
	assert.NotContains(t, inv.Error, "example", "no address in the error")
	assert.Equal(t, b.Details.Start.Add(-CheckLead), b.DueAt, "nothing left to retry: next is the room check")
	assert.Empty(t, f.reconcile(key).Steps)
}

// TestFailureNoticeThatCannotBeRenderedIsDropped reconciles a record whose organizer address no
// mail can reach (stored before intake refused them): the booking fails for good, and the notice
// that cannot be rendered is given up rather than retried for ever.
func TestFailureNoticeThatCannotBeRenderedIsDropped(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.Details.Organizer.Email = "åse@example.com" })
	res := f.reconcile(key)
	assert.True(t, res.Permanent)
	assert.Empty(t, f.mails())
	b := f.get(key)
	require.NotNil(t, b.Failure)
	assert.True(t, b.Failure.Permanent)
	assert.True(t, b.Failure.Notified, "given up")
	assert.Equal(t, b.Details.End.Add(15*time.Minute), b.DueAt, "no more retries: only the room's cleanup")
	f.clock.Add(time.Hour)
	assert.Empty(t, f.reconcile(key).Steps)
}

func TestStoppedBetweenCreateAndRecordAdoptsTheRoom(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	stopped := &failingStore{Store: f.store, failPut: func(b *booking.Booking) bool {
		return b.Room != nil // the save that would record the room
	}}
	f.r.Store = stopped
	_, err := f.r.Reconcile(context.Background(), key)
	require.ErrorIs(t, err, errStopped)
	require.Len(t, f.provider.live(), 1, "the provider made the room")
	b := f.get(key)
	assert.NotNil(t, b.Creating)
	for _, inv := range b.Invites {
		assert.NotNil(t, inv.Pending, "%s's intent was stored with the room's", inv.Email)
	}
	// The room is recorded with the first invitation's result, before the second goes out: only
	// the first went out before the stop.
	first := f.mails()
	require.Len(t, first, 1, "the first invitation")

	// Restart: a new run cannot take over until the stopped run's lease runs out.
	f.r.Store = f.store
	assert.True(t, f.reconcile(key).Busy)
	f.clock.Add(DefaultLeaseTTL + time.Second)
	res := f.reconcile(key)
	assert.Equal(t, "adopt room", res.Steps[0])
	assert.Len(t, f.provider.live(), 1, "exactly one room")
	assert.Equal(t, 1, f.provider.created)
	second := f.mails()
	require.Len(t, second, 3, "each invitation sent, the first again once, from the adopted room")
	assert.Equal(t, 3, res.PossibleDuplicates, "every intent the stopped run left is counted (an upper bound)")
	for to, m := range first {
		// The same links and dial-in (the adopted room's, as the provider lists it).
		assert.Equal(t, m.Text, second[to].Text, "the invite to %s sent again says the same", to)
		assert.Equal(t, m.Sequence, second[to].Sequence)
	}
	assert.Contains(t, second["ada@example.com"].Text, "+1", "the organizer's has the dial-in")
	assert.Empty(t, f.reconcile(key).Steps)
}

func TestRecoveryDeletesStrayDuplicates(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	tag := booking.Tag{Key: key, Gen: 1, Deployment: booking.DeploymentTag("test")}.String()
	// Two rooms with the booking's tag, as two interrupted attempts could leave.
	for range 2 {
		_, err := f.provider.CreateRoom(context.Background(), booking.RoomSpec{Tag: tag, ExpiresAt: f.clock.Now().Add(200 * time.Hour)})
		require.NoError(t, err)
	}
	b := f.get(key)
	b.RoomGen = 1
	b.Creating = &booking.Creating{Provider: "fake", Tag: tag, At: f.clock.Now()}
	require.NoError(t, f.store.Put(context.Background(), b))

	res := f.reconcile(key)
	assert.Equal(t, []string{"delete stray room", "adopt room"}, res.Steps[:2])
	live := f.provider.live()
	require.Len(t, live, 1)
	assert.Equal(t, live[0].ID, f.get(key).Room.ID)
}

func TestStoppedBetweenSendAndRecordDuplicatesAtMostOneCounted(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	stopAfterBob := &failingStore{Store: f.store, failPut: func(b *booking.Booking) bool {
		inv := b.InviteFor("bob@example.net")
		return inv != nil && inv.Method == booking.Request // recording Bob's invite
	}}
	f.r.Store = stopAfterBob
	_, err := f.r.Reconcile(context.Background(), key)
	require.ErrorIs(t, err, errStopped)
	first := f.mails()
	require.Contains(t, first, "bob@example.net", "the mail service accepted Bob's invite")

	// Each send's result is written before the next send: Ada's is on the record, Bob's and
	// Cy's intents are not settled, so Bob's invite is sent again once (f.mails fails on two
	// messages to one recipient) and Cy's for the first time; both are counted (an upper bound).
	f.r.Store = f.store
	f.clock.Add(DefaultLeaseTTL + time.Second)
	res := f.reconcile(key)
	assert.Equal(t, 2, res.PossibleDuplicates)
	second := f.mails()
	assert.Equal(t, []string{"bob@example.net", "cy@example.org"}, slices.Sorted(maps.Keys(second)),
		"one message sent and not recorded: at most one duplicate")
	assert.Equal(t, 2, f.get(key).PossibleDuplicates, "every possible duplicate is counted")
	assert.Empty(t, f.reconcile(key).Steps, "what was recorded is not resent")
	assert.Empty(t, f.mails())
}

func TestBusyWhileAnotherRunHoldsTheLease(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) {
		b.Lease = booking.Lease{Owner: "other", Until: b.LastEventAt.Add(time.Minute)}
	})
	res := f.reconcile(key)
	assert.True(t, res.Busy)
	assert.Empty(t, f.provider.live())
	f.clock.Add(2 * time.Minute)
	assert.Contains(t, f.reconcile(key).Steps, "create room")
}

func TestStoreFailureIsAQueueFailure(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.r.Store = &failingStore{Store: f.store, failPut: func(*booking.Booking) bool { return true }}
	_, err := f.r.Reconcile(context.Background(), key)
	require.Error(t, err)
	assert.Empty(t, f.provider.live(), "nothing done without the lease")
}

func TestMissingBooking(t *testing.T) {
	f := newFixture(t)
	res := f.reconcile("nosuchbooking")
	assert.True(t, res.Missing)
}

func TestUnconfiguredProviderIsPermanent(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.Details.Room.Provider = "zoom" })
	res := f.reconcile(key)
	assert.True(t, res.Permanent)
	assert.Contains(t, f.get(key).Failure.Message, `"zoom" is not configured`)
	assert.Equal(t, booking.FailureNoProvider, f.get(key).Failure.Kind)
	plainFailureMail(t, f.mails()["ada@example.com"], "a video service that roomkeeper is not set up to use")
}

func TestReapDeletesRoomsNoBookingReferences(t *testing.T) {
	f := newFixture(t)
	f.provider.now = f.clock.Now
	key := f.put()
	f.reconcile(key)
	kept := f.provider.live()[0]
	create := func(tag booking.Tag) booking.Room {
		t.Helper()
		room, err := f.provider.CreateRoom(context.Background(), booking.RoomSpec{Tag: tag.String()})
		require.NoError(t, err)
		return room
	}
	own, other := booking.DeploymentTag("test"), booking.DeploymentTag("staging")
	orphan := create(booking.Tag{Key: booking.KeyOf("generic", "gone"), Gen: 1, Deployment: own})
	stray := create(booking.Tag{Key: key, Gen: 7, Deployment: own}) // a stopped run's second room
	others := create(booking.Tag{Key: booking.KeyOf("generic", "gone"), Gen: 1, Deployment: other})
	legacy := create(booking.Tag{Key: booking.KeyOf("generic", "gone"), Gen: 2}) // tagged before deployments had ids

	n, err := f.r.Reap(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n, "nothing younger than an hour is deleted")

	f.clock.Add(ReapAge)
	young := create(booking.Tag{Key: booking.KeyOf("generic", "gone-too"), Gen: 1, Deployment: own})
	n, err = f.r.Reap(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.ElementsMatch(t, []string{orphan.ID, stray.ID}, f.provider.deleted, "only this deployment's unreferenced rooms")
	var live []string
	for _, r := range f.provider.live() {
		live = append(live, r.ID)
	}
	assert.ElementsMatch(t, []string{kept.ID, others.ID, legacy.ID, young.ID}, live,
		"the booking's room, another deployment's, an old-format one and a young one stay")
}

// TestALongRunKeepsItsLease: a run that takes longer than the lease, step by step, renews it with
// every save, so no other run may take the booking over while it makes progress.
func TestALongRunKeepsItsLease(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	var held []bool
	f.mailer.fail = func(booking.Message) error {
		f.clock.Add(2 * DefaultLeaseTTL / 3) // each send takes two thirds of the lease
		b := f.get(key)
		held = append(held, b.Lease.Owner != "" && b.Lease.Until.After(f.clock.Now()))
		return nil
	}
	res := f.reconcile(key)
	assert.Len(t, res.Steps, 4, "a room and three invites, over twice the lease")
	assert.Equal(t, []bool{true, true, true}, held, "another run finds the booking held at every send")
	assert.Empty(t, f.get(key).Lease.Owner, "released at the end")
}

// TestRecordWithoutRecipientIDsGetsThemBeforeAnyLink covers a record stored before recipient ids:
// the run gives every participant one and saves it before the first link is made, and keeps
// them on a later change.
func TestRecordWithoutRecipientIDsGetsThemBeforeAnyLink(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	b := f.get(key)
	b.Details.Organizer.ID = ""
	for i := range b.Details.Attendees {
		b.Details.Attendees[i].ID = ""
	}
	require.NoError(t, f.store.Put(context.Background(), b))
	res := f.reconcile(key)
	assert.Equal(t, []string{"assign recipient ids", "create room"}, res.Steps[:2])
	b = f.get(key)
	ids := map[string]bool{}
	for _, p := range b.Details.Participants() {
		require.NotEmpty(t, p.ID, p.Email)
		assert.NotContains(t, p.ID, "@")
		ids[p.ID] = true
	}
	assert.Len(t, ids, 3, "one id per person")
	for to, m := range f.mails() {
		assert.Contains(t, m.Text, f.linkFor(key, to), to)
	}
	assert.NotContains(t, f.reconcile(key).Steps, "assign recipient ids", "once")
}

type failingLinks struct{ fail bool }

func (l *failingLinks) Link(ctx context.Context, key, recipient string, p booking.Purpose) (string, error) {
	if l.fail {
		return "", errors.New("secret unreadable")
	}
	tok, err := link.Make(testLinkSecret, link.Token{Key: key, Recipient: recipient, Purpose: p})
	return link.URL(testPublicURL, tok), err
}

// TestLinkSecretUnreadableIsTemporary checks that invitations wait, with back-off, while the
// link secret cannot be read, and go out once it can: no invitation is marked refused.
func TestLinkSecretUnreadableIsTemporary(t *testing.T) {
	f := newFixture(t)
	links := &failingLinks{fail: true}
	f.r.Links = links
	key := f.put()
	f.reconcile(key)
	b := f.get(key)
	require.NotNil(t, b.Failure)
	assert.False(t, b.Failure.Permanent, "a temporary failure")
	assert.Empty(t, f.mails())
	for _, inv := range b.Invites {
		assert.Nil(t, inv.Pending, "no send was begun")
		assert.Empty(t, inv.Error)
	}
	links.fail = false
	f.clock.Add(time.Hour)
	f.reconcile(key)
	assert.Len(t, f.mails(), 3)
	assert.Zero(t, f.get(key).PossibleDuplicates)
}
