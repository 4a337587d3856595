package intake

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// TestRecipientIDsAreStableAcrossChanges checks that every participant gets an opaque id when
// added, keeps it across a reschedule and a change of names, that a source cannot set one, that
// an update that changes nothing else stays unchanged, and that a newcomer gets a new one.
func TestRecipientIDsAreStableAcrossChanges(t *testing.T) {
	f := newFixture(t)
	ch := f.change(booking.EventCreated, 0, "msg_1")
	ch.Details.Attendees[0].ID = "chosen-by-sender"
	f.apply(t, ch)
	b := f.get(t)
	org, bob := b.Details.Organizer.ID, b.Details.Attendees[0].ID
	require.NotEmpty(t, org)
	require.NotEmpty(t, bob)
	assert.NotEqual(t, org, bob)
	assert.NotEqual(t, "chosen-by-sender", bob, "a source never names an id")
	assert.NotContains(t, org+bob, "ada")
	assert.NotContains(t, org+bob, "bob")

	assert.Equal(t, Unchanged, f.apply(t, f.change(booking.EventUpdated, time.Second, "msg_2")).Outcome,
		"ids are not a change")

	moved := f.change(booking.EventUpdated, 2*time.Second, "msg_3")
	moved.Details.Start = moved.Details.Start.Add(time.Hour)
	moved.Details.End = moved.Details.End.Add(time.Hour)
	moved.Details.Attendees = []booking.Person{{Name: "Cy", Email: "cy@example.org"}, {Name: "Bob", Email: "BOB@example.net"}}
	assert.Equal(t, Applied, f.apply(t, moved).Outcome)
	b = f.get(t)
	assert.Equal(t, org, b.Details.Organizer.ID, "the organizer's id survives a reschedule")
	assert.Equal(t, bob, b.Details.Attendees[1].ID, "so does a guest's, whatever the case of the address")
	cy := b.Details.Attendees[0].ID
	assert.NotEmpty(t, cy)
	assert.NotContains(t, []string{org, bob}, cy)
}

// TestRemovedGuestKeepsTheirID checks that a guest removed after their invitation is still found
// by their id, marked removed, and gets the same id back when they return.
func TestRemovedGuestKeepsTheirID(t *testing.T) {
	b := &booking.Booking{Details: booking.Details{
		Organizer: booking.Person{Email: "ada@example.com"},
		Attendees: []booking.Person{{Email: "bob@example.net"}},
	}}
	b.AssignIDs(nil, nil)
	bob := b.Details.Attendees[0]
	b.Invites = []booking.Invite{{Person: bob, Method: booking.Request}}
	b.Details.Attendees = nil
	r, ok := b.RecipientByID(bob.ID)
	require.True(t, ok)
	assert.True(t, r.Removed)
	b.Details.Attendees = []booking.Person{{Email: "bob@example.net"}}
	b.AssignIDs(nil, nil)
	assert.Equal(t, bob.ID, b.Details.Attendees[0].ID)
	r, ok = b.RecipientByID(bob.ID)
	require.True(t, ok)
	assert.False(t, r.Removed)
	_, ok = b.RecipientByID("nobody")
	assert.False(t, ok)
	_, ok = b.RecipientByID(booking.RoomLink)
	assert.False(t, ok, "the room's own links name no person")
}
