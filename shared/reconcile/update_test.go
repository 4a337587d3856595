package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// updatingProvider is the fake provider plus in-place updates, as Zoom and 24sessions have.
type updatingProvider struct {
	*fakeProvider
	umu     sync.Mutex
	updates []booking.RoomSpec
	failUpd func() error
}

func (p *updatingProvider) UpdateRoom(_ context.Context, room booking.Room, spec booking.RoomSpec) (booking.Room, error) {
	p.umu.Lock()
	defer p.umu.Unlock()
	if p.failUpd != nil {
		if err := p.failUpd(); err != nil {
			return booking.Room{}, err
		}
	}
	p.fakeProvider.mu.Lock()
	defer p.fakeProvider.mu.Unlock()
	if _, ok := p.rooms[room.ID]; !ok {
		return booking.Room{}, fmt.Errorf("no room %s: %w", room.ID, booking.ErrNotFound)
	}
	p.updates = append(p.updates, spec)
	room.ExpiresAt = spec.ExpiresAt
	p.rooms[room.ID] = room
	return room, nil
}

func (p *updatingProvider) calls() []booking.RoomSpec {
	p.umu.Lock()
	defer p.umu.Unlock()
	return slices.Clone(p.updates)
}

func newUpdatingFixture(t *testing.T) (*fixture, *updatingProvider) {
	t.Helper()
	f := newFixture(t)
	p := &updatingProvider{fakeProvider: f.provider}
	f.r.Providers["fake"] = p
	return f, p
}

func TestRescheduleMovesAnUpdatableRoomInPlace(t *testing.T) {
	f, p := newUpdatingFixture(t)
	key := f.put()
	f.reconcile(key)
	f.reconcile(key)
	assert.Empty(t, p.calls(), "a room made for the current details needs no update")
	room := f.provider.live()[0]
	f.mails()

	// Ten days on: beyond the room's end date, which would replace a Whereby room.
	f.clock.Add(time.Minute)
	f.change(key, func(b *booking.Booking) {
		b.Details.Title = "Intro call (moved)"
		b.Details.Start = b.Details.Start.Add(10 * 24 * time.Hour)
		b.Details.End = b.Details.End.Add(10*24*time.Hour + 15*time.Minute)
	})
	res := f.reconcile(key)
	assert.NotContains(t, res.Steps, "create room")
	require.Equal(t, "update room", res.Steps[0], "the room moves before anyone is told")
	assert.Equal(t, "send REQUEST to organizer", res.Steps[1])

	b := f.get(key)
	calls := p.calls()
	require.Len(t, calls, 1)
	assert.Equal(t, room.Tag, calls[0].Tag, "the room keeps its tag")
	assert.Equal(t, "Intro call (moved)", calls[0].Title)
	assert.Equal(t, b.Details.Start, calls[0].Start)
	assert.Equal(t, b.Details.End, calls[0].End)
	assert.Equal(t, b.Details.End.Add(168*time.Hour), calls[0].ExpiresAt)

	require.Len(t, f.provider.live(), 1)
	assert.Equal(t, room.ID, b.Room.ID, "same room, same links")
	assert.Equal(t, b.Details.End.Add(168*time.Hour), b.Room.ExpiresAt)
	assert.Equal(t, booking.RoomOptions{Provider: "fake", Size: booking.Small, DialIn: true}, b.Room.Options)
	for to, m := range f.mails() {
		assert.Equal(t, 1, m.Sequence, to)
		assert.Contains(t, m.Text, f.linkFor(key, to), to)
	}

	f.reconcile(key)
	assert.Len(t, p.calls(), 1, "once per change")
}

func moveByAnHour(b *booking.Booking) {
	b.Details.Start = b.Details.Start.Add(time.Hour)
	b.Details.End = b.Details.End.Add(time.Hour)
}

func TestOptionChangeStillReplacesAnUpdatableRoom(t *testing.T) {
	f, p := newUpdatingFixture(t)
	key := f.put()
	f.reconcile(key)
	old := f.provider.live()[0]
	f.clock.Add(time.Minute)
	f.change(key, func(b *booking.Booking) { b.Details.Room.DialIn = false })
	res := f.reconcile(key)
	assert.Equal(t, "create room", res.Steps[0])
	assert.Empty(t, p.calls(), "the new room is made from the current details")
	live := f.provider.live()
	require.Len(t, live, 1)
	assert.NotEqual(t, old.ID, live[0].ID)
}

func TestRoomGoneAtTheProviderIsMadeAgain(t *testing.T) {
	f, _ := newUpdatingFixture(t)
	key := f.put()
	f.reconcile(key)
	old := f.provider.live()[0]
	require.NoError(t, f.provider.DeleteRoom(context.Background(), old)) // deleted in the provider's own UI
	f.mails()

	f.clock.Add(time.Minute)
	f.change(key, moveByAnHour)
	res := f.reconcile(key)
	assert.Equal(t, []string{"room gone at the provider", "create room"}, res.Steps[:2])
	live := f.provider.live()
	require.Len(t, live, 1)
	assert.Equal(t, booking.Tag{Key: key, Gen: 2, Deployment: booking.DeploymentTag("test")}.String(), live[0].Tag)
	for to, m := range f.mails() {
		assert.Contains(t, m.Text, f.linkFor(key, to), to)
	}
	assert.Empty(t, f.get(key).Retired, "nothing left to delete")
}

func TestPermanentUpdateFailureDoesNotHoldTheInvitesUp(t *testing.T) {
	f, p := newUpdatingFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	p.failUpd = func() error { return booking.Permanent(errors.New("daily cap reached")) }

	f.clock.Add(time.Minute)
	f.change(key, moveByAnHour)
	res := f.reconcile(key)
	assert.Equal(t, "room not moved: daily cap reached", res.Steps[0])
	assert.Empty(t, res.Failure)
	assert.Len(t, f.mails(), 3, "the room and its links still work: everyone hears of the change")
	assert.Nil(t, f.get(key).Failure)
}

func TestTemporaryUpdateFailureIsRetriedFirst(t *testing.T) {
	f, p := newUpdatingFixture(t)
	key := f.put()
	f.reconcile(key)
	f.mails()
	p.failUpd = func() error { return booking.RetryAfter(errors.New("throttled"), 30*time.Second) }

	f.clock.Add(time.Minute)
	f.change(key, moveByAnHour)
	res := f.reconcile(key)
	assert.Contains(t, res.Failure, "throttled")
	assert.False(t, res.Permanent)
	assert.Empty(t, f.mails(), "nobody is told before the room follows")
	b := f.get(key)
	assert.Equal(t, f.clock.Now().Add(30*time.Second), b.DueAt)

	p.failUpd = nil
	f.clock.Add(30 * time.Second)
	res = f.reconcile(key)
	assert.Equal(t, "update room", res.Steps[0])
	assert.Len(t, f.mails(), 3)
	assert.Len(t, p.calls(), 1)
}
