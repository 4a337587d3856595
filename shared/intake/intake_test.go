package intake

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
)

type recordingQueue struct {
	mu   sync.Mutex
	keys []string
	err  error
}

func (q *recordingQueue) Enqueue(_ context.Context, key string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.keys = append(q.keys, key)
	return q.err
}

type fixture struct {
	store *bolt.Store
	queue *recordingQueue
	now   time.Time
	in    *Intake
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &fixture{store: st, queue: &recordingQueue{}, now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	f.in = &Intake{Store: st, Queue: f.queue, Now: func() time.Time { return f.now }, Retention: 720 * time.Hour, Deployment: "test"}
	return f
}

func (f *fixture) details() booking.Details {
	return booking.Details{
		Title:     "Intro call",
		Start:     f.now.Add(24 * time.Hour),
		End:       f.now.Add(24*time.Hour + 30*time.Minute),
		Organizer: booking.Person{Email: "ada@example.com"},
		Attendees: []booking.Person{{Email: "bob@example.net"}},
		Room:      booking.RoomOptions{Provider: "whereby", Size: booking.Small},
	}
}

func (f *fixture) change(typ booking.EventType, at time.Duration, delivery string) booking.Change {
	return booking.Change{
		Source: "generic", ExternalID: "bk_1", Type: typ,
		At: f.now.Add(at), DeliveryID: delivery, Details: f.details(),
	}
}

func (f *fixture) apply(t *testing.T, ch booking.Change) Result {
	t.Helper()
	res, err := f.in.Apply(context.Background(), ch)
	require.NoError(t, err)
	return res
}

func (f *fixture) get(t *testing.T) *booking.Booking {
	t.Helper()
	b, err := f.store.Get(context.Background(), booking.KeyOf("generic", "bk_1"))
	require.NoError(t, err)
	require.NoError(t, booking.LoadActivity(context.Background(), f.store, b))
	return b
}

func TestCreateStoresTheBookingDueNowAndNudges(t *testing.T) {
	f := newFixture(t)
	res := f.apply(t, f.change(booking.EventCreated, 0, "msg_1"))
	assert.Equal(t, Applied, res.Outcome)
	assert.Equal(t, []string{res.Key}, f.queue.keys)

	b := f.get(t)
	assert.Equal(t, booking.Confirmed, b.Status)
	assert.Equal(t, 0, b.Sequence)
	assert.Equal(t, f.now, b.DueAt)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, b.UID)
	assert.Equal(t, b.Details.End.Add(720*time.Hour), b.ExpiresAt)
}

func TestSourceUIDIsKept(t *testing.T) {
	f := newFixture(t)
	ch := f.change(booking.EventCreated, 0, "")
	ch.UID = "calcom-ical-uid@Cal.com"
	f.apply(t, ch)
	assert.Equal(t, "calcom-ical-uid@Cal.com", f.get(t).UID)
}

func TestRepeatedDeliveryDoesNoNewWork(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.change(booking.EventCreated, 0, "msg_1"))
	before := f.get(t)
	res := f.apply(t, f.change(booking.EventUpdated, time.Second, "msg_1"))
	assert.Equal(t, Duplicate, res.Outcome)
	assert.Len(t, f.queue.keys, 1)
	assert.Equal(t, before.Version, f.get(t).Version, "nothing written")
}

func TestUpdateRaisesSequenceOnlyWhenSomethingChanged(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.change(booking.EventCreated, 0, "msg_1"))

	same := f.change(booking.EventUpdated, time.Second, "msg_2")
	assert.Equal(t, Unchanged, f.apply(t, same).Outcome)
	assert.Equal(t, 0, f.get(t).Sequence)

	moved := f.change(booking.EventUpdated, 2*time.Second, "msg_3")
	moved.Details.Start = moved.Details.Start.Add(time.Hour)
	moved.Details.End = moved.Details.End.Add(time.Hour)
	assert.Equal(t, Applied, f.apply(t, moved).Outcome)
	b := f.get(t)
	assert.Equal(t, 1, b.Sequence)
	assert.Equal(t, moved.Details.Start, b.Details.Start)
	assert.Equal(t, f.now, b.DueAt)
}

func TestOlderOrEqualEventsAreIgnored(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.change(booking.EventCreated, time.Minute, "msg_1"))
	for _, at := range []time.Duration{time.Minute, 0} {
		old := f.change(booking.EventUpdated, at, "msg_old"+at.String())
		old.Details.Title = "Should not apply"
		assert.Equal(t, Stale, f.apply(t, old).Outcome)
	}
	assert.Equal(t, "Intro call", f.get(t).Details.Title)
}

func TestUpdateForUnknownBookingCreatesIt(t *testing.T) {
	f := newFixture(t)
	assert.Equal(t, Applied, f.apply(t, f.change(booking.EventUpdated, 0, "msg_1")).Outcome)
	assert.Equal(t, booking.Confirmed, f.get(t).Status)
}

func TestCancelIsFinal(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.change(booking.EventCreated, 0, "msg_1"))
	cancel := f.change(booking.EventCancelled, time.Second, "msg_2")
	cancel.Reason = "Ada is ill.\x07"
	assert.Equal(t, Applied, f.apply(t, cancel).Outcome)
	b := f.get(t)
	assert.Equal(t, booking.Cancelled, b.Status)
	assert.Equal(t, 1, b.Sequence, "a CANCEL raises the sequence")
	assert.Equal(t, "Ada is ill.", b.Details.CancelReason, "the reason given, for the cancellation mail")

	later := f.change(booking.EventUpdated, time.Hour, "msg_3")
	assert.Equal(t, Final, f.apply(t, later).Outcome)
	assert.Equal(t, booking.Cancelled, f.get(t).Status)
}

func TestCancelForUnknownBookingLeavesATombstone(t *testing.T) {
	f := newFixture(t)
	res := f.apply(t, f.change(booking.EventCancelled, 0, "msg_1"))
	assert.Equal(t, Applied, res.Outcome)
	b := f.get(t)
	assert.Equal(t, booking.Cancelled, b.Status)
	assert.True(t, b.DueAt.IsZero(), "a tombstone needs no work")
	assert.Equal(t, f.now.Add(720*time.Hour), b.ExpiresAt)

	assert.Equal(t, Final, f.apply(t, f.change(booking.EventCreated, time.Second, "msg_2")).Outcome)
}

func TestNudgeFailureStillAccepts(t *testing.T) {
	f := newFixture(t)
	f.queue.err = errors.New("queue down")
	res := f.apply(t, f.change(booking.EventCreated, 0, "msg_1"))
	assert.Equal(t, Applied, res.Outcome)
	assert.Error(t, res.NudgeErr)
	assert.Equal(t, f.now, f.get(t).DueAt, "the sweeper finds it")
}

// brokenStore fails every call, as an unreachable DynamoDB would.
type brokenStore struct{ booking.Store }

func (brokenStore) Seen(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("store unreachable")
}

func TestStoreFailureIsReturned(t *testing.T) {
	f := newFixture(t)
	f.in.Store = brokenStore{f.store}
	_, err := f.in.Apply(context.Background(), f.change(booking.EventCreated, 0, "msg_1"))
	require.Error(t, err)
	assert.Empty(t, f.queue.keys)
}

// TestRemindersArmWhenTheStartIsSetOrMoved: a new booking's reminders count from when it was
// made; a move starts every recipient's reminders over from then; another change keeps them.
func TestRemindersArmWhenTheStartIsSetOrMoved(t *testing.T) {
	f := newFixture(t)
	made := f.now
	f.apply(t, f.change(booking.EventCreated, 0, "msg_1"))
	assert.Equal(t, made, f.get(t).RemindFrom)

	// The reconciler reminded Bob an hour before.
	b := f.get(t)
	b.Invites = []booking.Invite{{Person: b.Details.Attendees[0], Method: booking.Request, Reminded: 60, RemindPending: 15}}
	require.NoError(t, f.store.Put(context.Background(), b))

	f.now = f.now.Add(time.Minute)
	retitled := f.change(booking.EventUpdated, time.Minute, "msg_2")
	retitled.Details.Title = "Intro call, agenda attached"
	retitled.Details.Start, retitled.Details.End = b.Details.Start, b.Details.End
	assert.Equal(t, Applied, f.apply(t, retitled).Outcome)
	b = f.get(t)
	assert.Equal(t, made, b.RemindFrom, "the same start: nothing re-armed")
	assert.Equal(t, 60, b.InviteFor("bob@example.net").Reminded)

	f.now = f.now.Add(time.Minute)
	moved := f.change(booking.EventUpdated, 2*time.Minute, "msg_3")
	moved.Details.Title = retitled.Details.Title
	moved.Details.Start, moved.Details.End = b.Details.Start.Add(time.Hour), b.Details.End.Add(time.Hour)
	assert.Equal(t, Applied, f.apply(t, moved).Outcome)
	b = f.get(t)
	assert.Equal(t, f.now, b.RemindFrom, "moved: reminders count from now")
	assert.Zero(t, b.InviteFor("bob@example.net").Reminded)
	assert.Zero(t, b.InviteFor("bob@example.net").RemindPending)
}

// writes records the store writes intake makes, in order.
type writes struct {
	booking.Store
	calls []string
}

func (w *writes) Put(ctx context.Context, b *booking.Booking) error {
	w.calls = append(w.calls, "Put")
	return w.Store.Put(ctx, b)
}

func (w *writes) PutIndexed(ctx context.Context, b *booking.Booking, people []string, delivery string, until time.Time) error {
	w.calls = append(w.calls, "PutIndexed")
	return w.Store.PutIndexed(ctx, b, people, delivery, until)
}

func (w *writes) IndexPeople(ctx context.Context, key string, emails []string, expires time.Time) error {
	w.calls = append(w.calls, "IndexPeople")
	return w.Store.IndexPeople(ctx, key, emails, expires)
}

func (w *writes) MarkSeen(ctx context.Context, id string, expires time.Time) error {
	w.calls = append(w.calls, "MarkSeen")
	return w.Store.MarkSeen(ctx, id, expires)
}

// TestANewBookingIsOneWrite: a new booking's record, its people and its delivery's mark are one
// write (one transaction, one sync to disk, in the embedded store); a change that names the
// booking by other ids marks its delivery only after those names are recorded.
func TestANewBookingIsOneWrite(t *testing.T) {
	f := newFixture(t)
	w := &writes{Store: f.store}
	f.in.Store = w
	assert.Equal(t, Applied, f.apply(t, f.change(booking.EventCreated, 0, "msg_1")).Outcome)
	assert.Equal(t, []string{"PutIndexed"}, w.calls)
	keys, err := f.store.People(context.Background(), "bob@example.net")
	require.NoError(t, err)
	assert.Equal(t, []string{f.get(t).Key}, keys)
	assert.Equal(t, Duplicate, f.apply(t, f.change(booking.EventUpdated, time.Second, "msg_1")).Outcome)

	w.calls = nil
	named := f.change(booking.EventUpdated, 2*time.Second, "msg_2")
	named.Details.Title = "Renamed"
	named.Names = []string{"uid-2"}
	assert.Equal(t, Applied, f.apply(t, named).Outcome)
	assert.Equal(t, []string{"PutIndexed", "Put", "MarkSeen"}, w.calls, "the booking, its new name, then the mark")
}

// TestAMoveMarksTheActivityOfABookingWithARoom: a booking with a room moved keeps its record for
// another time, and marks the activity its room may have reported (Booking.ActivityExpires: the
// expiry it was stored with) for the reconciler to give the record's; one without a room yet
// marks nothing, and one moved back to where it was needs nothing more.
func TestAMoveMarksTheActivityOfABookingWithARoom(t *testing.T) {
	f := newFixture(t)
	f.apply(t, f.change(booking.EventCreated, 0, "msg_1"))
	moved := func(by time.Duration, at time.Duration, delivery string) *booking.Booking {
		t.Helper()
		ch := f.change(booking.EventUpdated, at, delivery)
		ch.Details.Start, ch.Details.End = ch.Details.Start.Add(by), ch.Details.End.Add(by)
		require.Equal(t, Applied, f.apply(t, ch).Outcome)
		return f.get(t)
	}
	assert.True(t, moved(time.Hour, time.Second, "msg_2").ActivityExpires.IsZero(), "no room yet: its items will carry the new expiry")

	b := f.get(t)
	b.Room = &booking.Room{Provider: "whereby", ID: "m1", Tag: "t1"}
	require.NoError(t, f.store.Put(context.Background(), b))
	stored := b.ExpiresAt

	b = moved(7*24*time.Hour, 2*time.Second, "msg_3")
	assert.Equal(t, f.details().End.Add(7*24*time.Hour+720*time.Hour), b.ExpiresAt)
	assert.Equal(t, stored, b.ActivityExpires, "moved later: the items may go with the expiry before")
	b = moved(-time.Hour, 3*time.Second, "msg_4")
	assert.Equal(t, stored, b.ActivityExpires, "moved earlier than ever: still what the items carry")
	assert.True(t, b.ExpiresAt.Before(stored))
	assert.True(t, moved(time.Hour, 4*time.Second, "msg_5").ActivityExpires.IsZero(), "back to the expiry the items carry")
}
