package booking

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWithActivityMatchesApplyingInAnyOrder: the activity read from items is what applying the
// events to the record's own activity gives, whatever order the items come in and however often.
func TestWithActivityMatchesApplyingInAnyOrder(t *testing.T) {
	events := []RoomEvent{
		{Kind: SessionStarted, At: at(1), RoomID: "m1", SessionID: "s1"},
		joined("ada", 0, true), joined("bob", 1, false),
		left("bob", 20), left("ada", 30),
		{Kind: SessionEnded, At: at(31), RoomID: "m1", SessionID: "s1"},
	}
	var want Activity
	for _, e := range events {
		want.Apply(e)
	}
	items := ActivityItems(events)
	reversed := make([]ActivityItem, 0, 2*len(items))
	for i := len(items) - 1; i >= 0; i-- {
		reversed = append(reversed, items[i], items[i]) // and each twice
	}
	var b Booking
	got := b.WithActivity(reversed)
	assert.ElementsMatch(t, want.Sessions, got.Sessions)
	assert.ElementsMatch(t, want.Connections, got.Connections)
	assert.Equal(t, want.HostSeenAt, got.HostSeenAt)
	assert.False(t, got.Live())
	assert.Empty(t, b.Embedded.Connections, "the record is not changed")
}

// TestARecordStoredBeforeKeepsItsActivity: a record stored with its activity inside (the JSON
// field "activity") reads it as Embedded, and its items add to it.
func TestARecordStoredBeforeKeepsItsActivity(t *testing.T) {
	old := `{"key":"k","activity":{"sessions":[{"id":"s1","roomId":"m1","startedAt":"2026-11-23T15:01:00Z"}],` +
		`"connections":[{"id":"bob","roomId":"m1","sessionId":"s1","name":"bob","joinedAt":"2026-11-23T15:01:00Z"}],` +
		`"knockNoticeAt":"2026-11-23T15:00:30Z"}}`
	var b Booking
	require.NoError(t, json.Unmarshal([]byte(old), &b))
	require.Len(t, b.Embedded.Connections, 1)
	act := b.WithActivity(ActivityItems([]RoomEvent{left("bob", 20), joined("cy", 5, false)}))
	require.Len(t, act.Connections, 2)
	assert.Equal(t, at(20), act.Connections[0].LeftAt, "bob's leave, from an item, closes his stay from the record")
	assert.True(t, act.Live(), "cy is still in")
	assert.Equal(t, at(0).Add(30*time.Second), act.KnockNoticeAt)

	data, err := json.Marshal(&b)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"activity":{"sessions"`, "written back as it was")
}

// TestAToldKnockStaysTold: once the organizer is told of a knock, the record's notice time hides
// it and every knock before it when the activity is read again; a later knock is new.
func TestAToldKnockStaysTold(t *testing.T) {
	var b Booking
	knock := RoomEvent{Kind: Knocked, At: at(2), Name: "Bob"}
	items := ActivityItems([]RoomEvent{knock})
	b.Activity = b.WithActivity(items)
	k := b.Activity.KnockToTell()
	require.NotNil(t, k)
	b.ToldKnock(*k, at(3))
	assert.Nil(t, b.Activity.KnockToTell())
	again := b.WithActivity(items)
	assert.Nil(t, again.KnockToTell(), "read again, the knock told is not told again")

	items = append(items, ActivityItems([]RoomEvent{joined("ada", 10, true), left("ada", 11), {Kind: Knocked, At: at(12), Name: "Bob"}})...)
	again = b.WithActivity(items)
	assert.NotNil(t, again.KnockToTell(), "a knock after a host came and went is told")
}

func TestActivityIDIsTheEventsIdentity(t *testing.T) {
	e := joined("bob", 1, false)
	same := e
	same.RoomName, same.Email = "/rk-other", "bob@example.net" // neither is stored
	assert.Equal(t, ActivityItems([]RoomEvent{e})[0].ID, ActivityItems([]RoomEvent{same})[0].ID)
	later := e
	later.At = later.At.Add(time.Millisecond)
	assert.NotEqual(t, ActivityID(e), ActivityID(later))
}
