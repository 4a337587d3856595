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

// calls records the provider operations the fake is asked for, and answers the first create
// with answer when it is set.
func (f *fixture) calls(answer func(at time.Time) error) *[]string {
	var ops []string
	f.provider.fail = func(op string) error {
		ops = append(ops, op)
		if op == "create" && answer != nil {
			a := answer
			answer = nil
			return a(f.clock.Now())
		}
		return nil
	}
	return &ops
}

func (f *fixture) pausedUntil(kind booking.PauseKind) time.Time {
	f.t.Helper()
	until, err := f.store.PausedUntil(context.Background(), "fake", kind)
	require.NoError(f.t, err)
	return until
}

func TestARateLimitPausesEveryWorker(t *testing.T) {
	f := newFixture(t)
	first := f.put()
	second := f.put(func(b *booking.Booking) { b.Key, b.ExternalID = booking.KeyOf("generic", "bk-2"), "bk-2" })
	ops := f.calls(func(at time.Time) error {
		return booking.Throttled(errors.New("fake answered 429"), booking.PauseAll, at, 30*time.Second)
	})
	end := f.clock.Now().Add(30 * time.Second)

	f.reconcile(first)
	assert.Equal(t, end, f.pausedUntil(booking.PauseAll), "the 429 pauses the provider")
	assert.True(t, f.pausedUntil(booking.PauseCreate).IsZero())

	f.clock.Add(10 * time.Second)
	var puts int
	f.r.Store = &failingStore{Store: f.store, failPut: func(*booking.Booking) bool { puts++; return false }}
	res := f.reconcile(second)
	f.r.Store = f.store
	assert.Equal(t, []string{"create"}, *ops, "the second booking does not call while the provider is paused")
	assert.Equal(t, 1, puts, "it waits at the cost of one write")
	assert.Contains(t, res.Failure, "fake: every call paused until")
	assert.False(t, res.Permanent)
	b := f.get(second)
	assert.Equal(t, end, b.DueAt, "due when the pause ends")
	assert.Equal(t, end, res.Due)
	assert.Nil(t, b.Creating, "nothing was asked of the provider")
	assert.Zero(t, b.RoomGen)
	assert.Zero(t, b.Attempts, "no attempt of its own: its back-off does not grow")

	n, err := f.r.Reap(context.Background())
	require.Error(t, err, "the reaper waits too")
	assert.Contains(t, err.Error(), "paused")
	assert.Zero(t, n)
	assert.Equal(t, []string{"create"}, *ops)

	f.clock.Set(end)
	f.reconcile(first)
	f.reconcile(second)
	assert.Equal(t, []string{"create", "create", "create"}, *ops, "one create each once the pause is over, no listing")
	assert.Len(t, f.provider.live(), 2)
}

func TestACreatePauseHoldsNoOtherCall(t *testing.T) {
	f, p := newUpdatingFixture(t)
	kept := f.put()
	f.reconcile(kept)
	f.mails()
	cancelled := f.put(func(b *booking.Booking) { b.Key, b.ExternalID = booking.KeyOf("generic", "bk-2"), "bk-2" })
	f.reconcile(cancelled)
	f.mails()
	ops := f.calls(nil)
	p.failUpd = func() error { t.Error("a room was moved while creates are paused"); return nil }

	midnight := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	require.NoError(t, f.store.Pause(context.Background(), "fake", booking.PauseCreate, midnight))
	f.change(cancelled, func(b *booking.Booking) { b.Status = booking.Cancelled })
	res := f.reconcile(cancelled)
	assert.Equal(t, "delete room of cancelled booking", res.Steps[0], "deletes go on")
	assert.Equal(t, []string{"delete"}, *ops)
	f.mails()

	f.change(kept, moveByAnHour)
	res = f.reconcile(kept)
	assert.Contains(t, res.Steps[0], "room not moved: fake: making and moving rooms paused until 2026-11-23T00:00:00Z")
	assert.Len(t, f.mails(), 3, "the room and its links still work: everyone hears of the change")

	third := f.put(func(b *booking.Booking) { b.Key, b.ExternalID = booking.KeyOf("generic", "bk-3"), "bk-3" })
	res = f.reconcile(third)
	assert.False(t, res.Permanent, "the meeting is tomorrow: it can wait for midnight")
	assert.Equal(t, midnight, f.get(third).DueAt)
	assert.Equal(t, []string{"delete"}, *ops, "no create")
}

func TestAPauseOutlastingTheMeetingFailsItNow(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) {
		b.Details.Start = b.LastEventAt.Add(2 * time.Hour)
		b.Details.End = b.Details.Start.Add(30 * time.Minute)
	})
	ops := f.calls(func(at time.Time) error {
		return booking.Throttled(errors.New("fake's daily cap"), booking.PauseCreate, at, 3*time.Hour)
	})
	res := f.reconcile(key)
	assert.True(t, res.Permanent, "no room can be made before the meeting is over")
	b := f.get(key)
	assert.Contains(t, b.Failure.Message, "no video room can be made before the meeting ends: ")
	assert.Equal(t, booking.FailurePaused, b.Failure.Kind)
	assert.True(t, b.Failure.Notified, "the organizer hears of it at once, not at the meeting's start")
	mails := f.mails()
	require.Len(t, mails, 1)
	plainFailureMail(t, mails["ada@example.com"], "reached its limit on new rooms", "until after this meeting has ended")
	assert.Equal(t, []string{"create"}, *ops)

	// Another booking, arriving while the pause lasts, is told at once too, without a call.
	other := f.put(func(b *booking.Booking) {
		b.Key, b.ExternalID = booking.KeyOf("generic", "bk-2"), "bk-2"
		b.Details.Start = b.LastEventAt.Add(time.Hour)
		b.Details.End = b.Details.Start.Add(30 * time.Minute)
	})
	res = f.reconcile(other)
	assert.True(t, res.Permanent)
	assert.Contains(t, f.get(other).Failure.Message, "no video room can be made before the meeting ends: fake: making and moving rooms paused until")
	assert.True(t, f.get(other).Failure.Notified)
	assert.Len(t, f.mails(), 1)
	assert.Equal(t, []string{"create"}, *ops)

	// A pause that ends during the meeting still gets it a room, late.
	f2 := newFixture(t)
	key = f2.put(func(b *booking.Booking) {
		b.Details.Start = b.LastEventAt.Add(2 * time.Hour)
		b.Details.End = b.Details.Start.Add(2 * time.Hour)
	})
	f2.calls(func(at time.Time) error {
		return booking.Throttled(errors.New("fake's daily cap"), booking.PauseCreate, at, 3*time.Hour)
	})
	res = f2.reconcile(key)
	assert.False(t, res.Permanent)
	assert.Equal(t, f2.clock.Now().Add(3*time.Hour), f2.get(key).DueAt)
}
