package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

func (f *fixture) mailEvent(key string, kind booking.MailEventKind, typ string, to ...string) bool {
	f.t.Helper()
	changed, err := f.r.RecordMail(context.Background(), booking.MailEvent{
		Kind: kind, Key: key, MessageID: "msg-x", Recipients: to, Type: typ, At: f.clock.Now(),
	})
	require.NoError(f.t, err)
	return changed
}

func TestEveryMessageNamesItsBooking(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	sent := f.mailer.take()
	require.Len(t, sent, 3)
	for _, m := range sent {
		assert.Equal(t, key, m.Key, "the mail service hands the key back with a bounce")
	}
}

func TestABouncedGuestIsMarkedAndTheOrganizerToldOnce(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	f.metrics.take()

	f.clock.Add(time.Minute)
	assert.True(t, f.mailEvent(key, booking.MailBounced, "Permanent/General", "BOB@example.net"))
	assert.Equal(t, []booking.Metric{booking.CountOf(booking.MetricMailBounced, 1)}, f.metrics.take())
	b := f.get(key)
	bob := b.InviteFor("bob@example.net")
	require.NotNil(t, bob.Problem)
	assert.Equal(t, booking.MailProblem{Kind: booking.MailBounced, Type: "Permanent/General", MessageID: "msg-x", At: f.clock.Now(), Permanent: true}, *bob.Problem)
	assert.Nil(t, b.InviteFor("cy@example.org").Problem)
	assert.Equal(t, f.clock.Now(), b.DueAt, "due at once, for the notice")

	res := f.reconcile(key)
	assert.Equal(t, []string{"tell organizer a guest's invitation failed"}, res.Steps)
	mails := f.mails()
	require.Len(t, mails, 1)
	m := mails["ada@example.com"]
	require.NotNil(t, m, "the organizer, and only the organizer, is told")
	assert.Contains(t, m.Text, "Bob Guest <bob@example.net>", "which guest's address failed")
	assert.True(t, f.get(key).InviteFor("bob@example.net").Problem.Notified)

	assert.Empty(t, f.reconcile(key).Steps, "told once")
	assert.False(t, f.mailEvent(key, booking.MailBounced, "Permanent/General", "bob@example.net"), "a second report changes nothing")
	assert.Empty(t, f.reconcile(key).Steps)
	assert.Empty(t, f.mails())

	// A hard-bounced address gets no more mail about the booking; the others do.
	f.change(key, func(b *booking.Booking) { b.Details.Title = "Intro call (moved)" })
	f.reconcile(key)
	mails = f.mails()
	assert.Len(t, mails, 2)
	assert.NotContains(t, mails, "bob@example.net")
}

func TestAComplainedAddressGetsNoMoreMail(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	assert.True(t, f.mailEvent(key, booking.MailComplained, "abuse", "cy@example.org"))
	f.reconcile(key)
	m := f.mails()["ada@example.com"]
	require.NotNil(t, m)
	assert.Contains(t, m.Text, "marked as unwanted")

	f.change(key, func(b *booking.Booking) { b.Status = booking.Cancelled })
	f.reconcile(key)
	mails := f.mails()
	assert.Len(t, mails, 2, "the organizer and Bob get the CANCEL")
	assert.NotContains(t, mails, "cy@example.org", "not even a CANCEL")
}

func TestASoftBounceIsToldAndAComplaintAfterItToo(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	assert.True(t, f.mailEvent(key, booking.MailBounced, "Transient/MailboxFull", "bob@example.net"))
	f.reconcile(key)
	assert.Contains(t, f.mails()["ada@example.com"].Text, "could not be delivered.")

	f.change(key, func(b *booking.Booking) { b.Details.Title = "Intro call (moved)" })
	f.reconcile(key)
	assert.Contains(t, f.mails(), "bob@example.net", "a soft bounce stops nothing")

	assert.True(t, f.mailEvent(key, booking.MailComplained, "abuse", "bob@example.net"), "a complaint outweighs a soft bounce")
	assert.False(t, f.mailEvent(key, booking.MailBounced, "Transient/General", "bob@example.net"), "and is not outweighed by one")
	f.reconcile(key)
	assert.Contains(t, f.mails()["ada@example.com"].Text, "marked as unwanted", "the organizer hears of the complaint too")
}

func TestTheOrganizersOwnProblem(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.Details.Room.Locked = true })
	f.reconcile(key)
	f.mails()
	assert.True(t, f.mailEvent(key, booking.MailComplained, "abuse", "ada@example.com"))
	assert.Empty(t, f.reconcile(key).Steps, "nobody to tell")

	start := f.get(key).Details.Start
	f.clock.Set(start)
	f.record(key, booking.RoomEvent{Kind: booking.Knocked, At: start, Name: "Bob Guest"})
	f.reconcile(key)
	assert.Empty(t, f.mails(), "no knock notice to an organizer who complained")
}

func TestAMailEventForNothingWeHold(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	assert.False(t, f.mailEvent(booking.KeyOf("generic", "gone"), booking.MailBounced, "Permanent/General", "bob@example.net"))
	assert.False(t, f.mailEvent(key, booking.MailBounced, "Permanent/General", "stranger@example.com"))
	assert.False(t, f.get(key).DueAt.Equal(f.clock.Now()), "nothing made due")
}
