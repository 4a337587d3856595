package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// visit is a guest's stay in room m1, as a provider's webhooks report it.
func visit(name string, from, to time.Duration) []booking.RoomEvent {
	return []booking.RoomEvent{
		{Kind: booking.Joined, At: base.Add(from), RoomID: "m1", RoomName: "rk-tag", SessionID: "s1", ParticipantID: "p-" + name, Name: name, Email: name + "@example.net"},
		{Kind: booking.Left, At: base.Add(to), RoomID: "m1", RoomName: "rk-tag", SessionID: "s1", ParticipantID: "p-" + name},
	}
}

func testActivityOnce(t *testing.T, s booking.Store) {
	ctx := t.Context()
	key := booking.KeyOf("generic", "activity")
	started := booking.RoomEvent{Kind: booking.SessionStarted, At: base.Add(time.Minute), RoomID: "m1", SessionID: "s1"}
	events := append(visit("Bob", 2*time.Minute, 20*time.Minute), started, started) // a delivery naming one event twice
	added, err := s.AddActivity(ctx, key, events, base.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, added, 3, "each distinct event is stored once")
	for _, it := range added {
		assert.Empty(t, it.Event.Email, "no address is stored")
		assert.Empty(t, it.Event.RoomName)
		assert.Equal(t, booking.ActivityID(it.Event), it.ID)
	}

	again, err := s.AddActivity(ctx, key, events, base.Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, again, "a redelivery stores nothing")

	got, err := s.Activity(ctx, key)
	require.NoError(t, err)
	require.Len(t, got, 3)
	var kinds []booking.RoomEventKind
	for i, it := range got {
		kinds = append(kinds, it.Event.Kind)
		if i > 0 {
			assert.False(t, it.Event.At.Before(got[i-1].Event.At), "earliest first")
		}
	}
	assert.Equal(t, []booking.RoomEventKind{booking.SessionStarted, booking.Joined, booking.Left}, kinds)
	assert.Equal(t, "Bob", got[1].Event.Name)
	assert.True(t, got[1].Event.At.Equal(base.Add(2*time.Minute)))
}

func testActivityPerBooking(t *testing.T, s booking.Store) {
	ctx := t.Context()
	one, two := booking.KeyOf("generic", "one"), booking.KeyOf("generic", "two")
	_, err := s.AddActivity(ctx, one, visit("Bob", 0, time.Minute), base.Add(time.Hour))
	require.NoError(t, err)
	added, err := s.AddActivity(ctx, two, visit("Bob", 0, time.Minute), base.Add(time.Hour))
	require.NoError(t, err)
	assert.Len(t, added, 2, "the same events of another booking are that booking's own")
	_, err = s.AddActivity(ctx, two, visit("Cleo", 0, time.Minute), base.Add(time.Hour))
	require.NoError(t, err)

	got, err := s.Activity(ctx, one)
	require.NoError(t, err)
	assert.Len(t, got, 2)
	got, err = s.Activity(ctx, two)
	require.NoError(t, err)
	assert.Len(t, got, 4)
	got, err = s.Activity(ctx, booking.KeyOf("generic", "none"))
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testReplaceActivity(t *testing.T, s booking.Store) {
	ctx := t.Context()
	key := booking.KeyOf("generic", "erased")
	events := visit("Bob", 0, time.Minute)
	added, err := s.AddActivity(ctx, key, events, base.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, added, 2)
	erased := added[0]
	erased.Event.Name = "(erased)"
	require.NoError(t, s.ReplaceActivity(ctx, key, []booking.ActivityItem{erased}, base.Add(time.Hour)))

	got, err := s.Activity(ctx, key)
	require.NoError(t, err)
	require.Len(t, got, 2, "rewritten in place, not added")
	assert.Equal(t, erased, got[0])

	again, err := s.AddActivity(ctx, key, events, base.Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, again, "a redelivery of the event as first stored does not bring the name back")
	got, err = s.Activity(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, "(erased)", got[0].Event.Name)
}

// testExpireActivity: giving the items another expiry leaves what they say as it is (an
// erasure's rewrite stays erased) and touches no other booking's. The adapters' own tests check
// the expiry.
func testExpireActivity(t *testing.T, s booking.Store) {
	ctx := t.Context()
	key, other := booking.KeyOf("generic", "kept"), booking.KeyOf("generic", "other")
	added, err := s.AddActivity(ctx, key, visit("Bob", 0, time.Minute), base.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, added, 2)
	erased := added[0]
	erased.Event.Name = "(erased)"
	require.NoError(t, s.ReplaceActivity(ctx, key, []booking.ActivityItem{erased}, base.Add(time.Hour)))
	_, err = s.AddActivity(ctx, other, visit("Cleo", 0, time.Minute), base.Add(time.Hour))
	require.NoError(t, err)
	before, err := s.Activity(ctx, key)
	require.NoError(t, err)

	require.NoError(t, s.ExpireActivity(ctx, key, base.Add(30*24*time.Hour)))
	require.NoError(t, s.ExpireActivity(ctx, key, base.Add(30*24*time.Hour)), "again: nothing left to change")
	require.NoError(t, s.ExpireActivity(ctx, booking.KeyOf("generic", "none"), base.Add(30*24*time.Hour)), "a booking without items")
	assert.Error(t, s.ExpireActivity(ctx, key, time.Time{}), "a record's expiry is never zero")

	got, err := s.Activity(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, before, got)
	assert.Equal(t, "(erased)", got[0].Event.Name)
	got, err = s.Activity(ctx, other)
	require.NoError(t, err)
	assert.Len(t, got, 2)
	got, err = s.Activity(ctx, booking.KeyOf("generic", "none"))
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testActivityMergesEmbedded(t *testing.T, s booking.Store) {
	ctx := t.Context()
	// A record stored before activity items holds its activity itself: Bob's visit.
	b := newBooking("embedded")
	b.Room = &booking.Room{Provider: "whereby", ID: "m1", Name: "rk-tag", Tag: "tag", GuestURL: "https://example.whereby.com/rk-tag"}
	for _, e := range visit("Bob", 0, 30*time.Minute) {
		b.Embedded.Apply(e)
	}
	require.NoError(t, s.Put(ctx, b))
	// Since, Cleo came, and Bob's leave was delivered again.
	_, err := s.AddActivity(ctx, b.Key, append(visit("Cleo", 5*time.Minute, 40*time.Minute), visit("Bob", 0, 30*time.Minute)[1]), b.ExpiresAt)
	require.NoError(t, err)

	got := mustGet(t, s, b.Key)
	assert.Empty(t, got.Activity.Connections, "Get reads the record alone")
	require.NoError(t, booking.LoadActivity(ctx, s, got))
	require.Len(t, got.Activity.Connections, 2, "Bob from the record, Cleo from her items, each once")
	assert.Equal(t, "Bob", got.Activity.Connections[0].Name)
	assert.True(t, got.Activity.Connections[0].LeftAt.Equal(base.Add(30*time.Minute)))
	assert.Equal(t, "Cleo", got.Activity.Connections[1].Name)
	assert.Equal(t, base.Add(40*time.Minute), got.Activity.LastEnd().UTC())
	assert.Len(t, got.Embedded.Connections, 1, "the record keeps what it held")
}
