package intake

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// withRoom stores a created booking with a recorded Whereby room and returns it.
func (f *fixture) withRoom(t *testing.T) *booking.Booking {
	t.Helper()
	f.apply(t, f.change(booking.EventCreated, 0, "msg_1"))
	b := f.get(t)
	b.Room = &booking.Room{Provider: "whereby", ID: "87673375", Name: "/demo-" + booking.Tag{Key: b.Key, Gen: 1, Deployment: booking.DeploymentTag("test")}.String() + "-6f1c", Tag: booking.Tag{Key: b.Key, Gen: 1, Deployment: booking.DeploymentTag("test")}.String()}
	b.DueAt = b.Details.End.Add(15 * time.Minute)
	require.NoError(t, f.store.Put(context.Background(), b))
	f.queue.keys = nil
	return b
}

func roomEvent(b *booking.Booking, kind booking.RoomEventKind, at time.Time) booking.RoomEvent {
	return booking.RoomEvent{Kind: kind, At: at, RoomID: b.Room.ID, RoomName: b.Room.Name, SessionID: "s1", ParticipantID: "p1", Name: "Bob"}
}

func TestRoomEventsAreRecordedOnce(t *testing.T) {
	f := newFixture(t)
	b := f.withRoom(t)
	ev := roomEvent(b, booking.Joined, b.Details.Start)
	res, err := f.in.ApplyRoomEvents(context.Background(), "whereby", []booking.RoomEvent{ev})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Applied)
	assert.Empty(t, res.Nudged, "a join needs no work")
	require.Len(t, f.get(t).Activity.Connections, 1)

	// A redelivery (the same delivery, or the same event under another delivery id) stores
	// nothing.
	res, err = f.in.ApplyRoomEvents(context.Background(), "whereby", []booking.RoomEvent{ev})
	require.NoError(t, err)
	assert.True(t, res.Duplicate)
	assert.Zero(t, res.Applied)
	items, err := f.store.Activity(context.Background(), b.Key)
	require.NoError(t, err)
	assert.Len(t, items, 1)
}

// TestRoomEventsDoNotWriteTheRecord: a webhook's events are items of their own; the booking's
// record is written only to make it due (a knock to tell, a late end), so a hook never races
// the worker's saves for a join or a leave.
func TestRoomEventsDoNotWriteTheRecord(t *testing.T) {
	f := newFixture(t)
	b := f.withRoom(t)
	before := f.get(t).Version
	var events []booking.RoomEvent
	for i, kind := range []booking.RoomEventKind{booking.SessionStarted, booking.Joined, booking.Left, booking.SessionEnded} {
		events = append(events, roomEvent(b, kind, b.Details.Start.Add(time.Duration(i)*time.Minute)))
	}
	for _, e := range events {
		res, err := f.in.ApplyRoomEvents(context.Background(), "whereby", []booking.RoomEvent{e})
		require.NoError(t, err)
		assert.Equal(t, 1, res.Applied)
	}
	got := f.get(t)
	assert.Equal(t, before, got.Version, "the record was not written")
	assert.Len(t, got.Activity.Sessions, 1)
	require.Len(t, got.Activity.Connections, 1)
	assert.False(t, got.Activity.Live())
}

func TestEventsForForeignRoomsAreDropped(t *testing.T) {
	f := newFixture(t)
	b := f.withRoom(t)
	untagged := roomEvent(b, booking.Joined, b.Details.Start)
	untagged.RoomName, untagged.RoomID = "/someone-elses-room", "1"
	unknownBooking := roomEvent(b, booking.Joined, b.Details.Start)
	unknownBooking.RoomName = "/" + booking.Tag{Key: booking.KeyOf("generic", "nope"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String() + "-x"
	otherRoom := roomEvent(b, booking.Joined, b.Details.Start)
	otherRoom.RoomID = "999" // tagged for this booking, but not a room it recorded
	res, err := f.in.ApplyRoomEvents(context.Background(), "whereby", []booking.RoomEvent{untagged, unknownBooking, otherRoom})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Dropped)
	assert.Zero(t, res.Applied)
	assert.Empty(t, f.get(t).Activity.Connections)
}

func TestKnockAndLateEndMakeTheBookingDueNow(t *testing.T) {
	f := newFixture(t)
	b := f.withRoom(t)
	knock := roomEvent(b, booking.Knocked, b.Details.Start)
	res, err := f.in.ApplyRoomEvents(context.Background(), "whereby", []booking.RoomEvent{knock})
	require.NoError(t, err)
	assert.Equal(t, []string{b.Key}, res.Nudged)
	assert.Equal(t, f.now, f.get(t).DueAt)

	f.now = b.Details.End.Add(10 * time.Minute)
	started := roomEvent(b, booking.SessionStarted, b.Details.Start)
	ended := roomEvent(b, booking.SessionEnded, b.Details.End.Add(9*time.Minute))
	res, err = f.in.ApplyRoomEvents(context.Background(), "whereby", []booking.RoomEvent{ended, started})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Applied)
	assert.Equal(t, []string{b.Key}, res.Nudged, "a meeting over after its end is cleaned up at once")
	assert.Equal(t, f.now, f.get(t).DueAt)
}

// TestEventsForAnotherDeploymentsRoomsAreIgnored: two deployments sharing a provider account
// may receive each other's webhooks (and, for the same booking from one source, share its key):
// a room another deployment tagged is never recorded here, while a room tagged before
// deployments had ids still is, if the booking made it.
func TestEventsForAnotherDeploymentsRoomsAreIgnored(t *testing.T) {
	f := newFixture(t)
	b := f.withRoom(t)
	theirs := roomEvent(b, booking.Joined, b.Details.Start)
	theirs.RoomName = "/demo-" + booking.Tag{Key: b.Key, Gen: 1, Deployment: booking.DeploymentTag("staging")}.String() + "-6f1c"
	// Even were its id one the booking recorded (ids are the provider's, and a provider account
	// is shared), the tag says whose room it is.
	res, err := f.in.ApplyRoomEvents(context.Background(), "whereby", []booking.RoomEvent{theirs})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Dropped)
	assert.Empty(t, f.get(t).Activity.Connections)

	legacy := f.get(t)
	legacy.Room.Tag = booking.Tag{Key: b.Key, Gen: 1}.String()
	legacy.Room.Name = "/demo-" + legacy.Room.Tag + "-6f1c"
	require.NoError(t, f.store.Put(context.Background(), legacy))
	res, err = f.in.ApplyRoomEvents(context.Background(), "whereby", []booking.RoomEvent{roomEvent(legacy, booking.Joined, b.Details.Start)})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Applied, "a room tagged the old way is still followed")
}

func TestAParticipantsAddressNamesThePersonAndIsNotKept(t *testing.T) {
	f := newFixture(t)
	b := f.withRoom(t)
	guest := b.Details.Attendees[0]
	require.NotEmpty(t, guest.ID)
	registrant := roomEvent(b, booking.Joined, b.Details.Start)
	registrant.Name, registrant.Email = "Phone in the car", "  "+strings.ToUpper(guest.Email)+" "
	stranger := roomEvent(b, booking.Joined, b.Details.Start)
	stranger.ParticipantID, stranger.Email = "p2", "someone@else.example"
	linked := roomEvent(b, booking.Joined, b.Details.Start)
	linked.ParticipantID, linked.ExternalID, linked.Email = "p3", "rcp_own-link", guest.Email
	_, err := f.in.ApplyRoomEvents(context.Background(), "whereby", []booking.RoomEvent{registrant, stranger, linked})
	require.NoError(t, err)
	conns := map[string]booking.Connection{}
	for _, c := range f.get(t).Activity.Connections {
		conns[c.ID] = c
	}
	require.Len(t, conns, 3)
	assert.Equal(t, guest.ID, conns["p1"].ExternalID, "matched by address, ignoring case and spaces")
	assert.Empty(t, conns["p2"].ExternalID, "an address not on the booking names no one")
	assert.Equal(t, "rcp_own-link", conns["p3"].ExternalID, "the link's own id comes first")
	items, err := f.store.Activity(context.Background(), b.Key)
	require.NoError(t, err)
	raw, err := json.Marshal([]any{f.get(t), items})
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "someone@else.example", "no address is kept")
}
