package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func joined(id string, min int, host bool) RoomEvent {
	return RoomEvent{Kind: Joined, At: at(min), RoomID: "m1", SessionID: "s1", ParticipantID: id, Name: id, Host: host}
}

func left(id string, min int) RoomEvent {
	return RoomEvent{Kind: Left, At: at(min), RoomID: "m1", SessionID: "s1", ParticipantID: id}
}

func TestActivityIsOrderIndependentAndIdempotent(t *testing.T) {
	events := []RoomEvent{
		{Kind: SessionStarted, At: at(1), RoomID: "m1", SessionID: "s1"},
		joined("ada", 0, true), joined("bob", 1, false),
		left("bob", 20), left("ada", 30),
		{Kind: SessionEnded, At: at(31), RoomID: "m1", SessionID: "s1"},
	}
	var inOrder Activity
	for _, e := range events {
		assert.True(t, inOrder.Apply(e))
	}
	for _, e := range events {
		assert.False(t, inOrder.Apply(e), "a duplicate changes nothing: %s", e.Kind)
	}
	var reversed Activity
	for i := len(events) - 1; i >= 0; i-- {
		reversed.Apply(events[i])
	}
	assert.ElementsMatch(t, inOrder.Sessions, reversed.Sessions)
	assert.ElementsMatch(t, inOrder.Connections, reversed.Connections)
	assert.False(t, reversed.Live())
	assert.Equal(t, at(31), reversed.LastEnd())
}

func TestLeftBeforeJoined(t *testing.T) {
	var a Activity
	a.Apply(left("bob", 20))
	assert.False(t, a.Live(), "a leave alone is not presence")
	a.Apply(joined("bob", 1, false))
	assert.False(t, a.Live())
	assert.Equal(t, 19, a.ParticipantMinutes("s1", at(60)))
}

func TestSessionEndedBeforeStarted(t *testing.T) {
	var a Activity
	a.Apply(RoomEvent{Kind: SessionEnded, At: at(40), SessionID: "s1"})
	a.Apply(RoomEvent{Kind: SessionStarted, At: at(2), SessionID: "s1"})
	assert.Len(t, a.Sessions, 1)
	assert.Equal(t, at(2), a.Sessions[0].StartedAt)
	assert.Equal(t, at(40), a.Sessions[0].EndedAt)
	assert.False(t, a.Live())
}

func TestNullSessionVisitor(t *testing.T) {
	var a Activity
	e := joined("lone", 5, false)
	e.SessionID = ""
	a.Apply(e)
	assert.True(t, a.Live(), "a lone visitor keeps the room live")
	assert.Len(t, a.Participants(""), 1)
	assert.Empty(t, a.Sessions)
	// The visitor's later events name the session that formed around them.
	l := left("lone", 9)
	a.Apply(l)
	assert.Equal(t, "s1", a.Connections[0].SessionID)
}

func TestParticipantMinutesRoundUpEachConnection(t *testing.T) {
	var a Activity
	a.Apply(RoomEvent{Kind: Joined, At: t0, SessionID: "s1", ParticipantID: "a"})
	a.Apply(RoomEvent{Kind: Left, At: t0.Add(61 * time.Second), SessionID: "s1", ParticipantID: "a"})   // 2
	a.Apply(RoomEvent{Kind: Joined, At: t0, SessionID: "s1", ParticipantID: "b"})                       //
	a.Apply(RoomEvent{Kind: Left, At: t0.Add(60 * time.Second), SessionID: "s1", ParticipantID: "b"})   // 1
	a.Apply(RoomEvent{Kind: Joined, At: t0, SessionID: "s1", ParticipantID: "c", DialIn: true})         //
	a.Apply(RoomEvent{Kind: Left, At: t0.Add(1 * time.Second), SessionID: "s1", ParticipantID: "c"})    // 1
	a.Apply(RoomEvent{Kind: Joined, At: t0, SessionID: "s2", ParticipantID: "d"})                       // other session
	a.Apply(RoomEvent{Kind: Joined, At: t0.Add(10 * time.Minute), SessionID: "s1", ParticipantID: "e"}) // open: until now
	assert.Equal(t, 2+1+1+5, a.ParticipantMinutes("s1", t0.Add(14*time.Minute+30*time.Second)))
	assert.True(t, a.Connections[2].DialIn)
}

func TestKnockToldOncePerStretchWithoutHost(t *testing.T) {
	var a Activity
	knock := func(min int) { a.Apply(RoomEvent{Kind: Knocked, At: at(min), Name: "Bob"}) }
	knock(1)
	k := a.KnockToTell()
	if assert.NotNil(t, k) {
		assert.Equal(t, "Bob", k.Name)
	}
	a.KnockNoticeAt, a.Knock = at(1), nil // the organizer was told
	knock(2)
	assert.Nil(t, a.KnockToTell(), "no second e-mail while still no host")

	a.Apply(joined("ada", 3, true))
	knock(4)
	assert.Nil(t, a.KnockToTell(), "no e-mail while a host is in the room")
	a.Apply(left("ada", 5))
	knock(6)
	assert.NotNil(t, a.KnockToTell(), "a new stretch without a host")
}

func TestKnockCancelled(t *testing.T) {
	var a Activity
	a.Apply(RoomEvent{Kind: Knocked, At: at(1), Name: "Bob"})
	a.Apply(RoomEvent{Kind: KnockCancelled, At: at(2)})
	assert.Nil(t, a.KnockToTell())
	assert.False(t, a.Apply(RoomEvent{Kind: KnockCancelled, At: at(3)}))
}

func TestFirstInWithoutSessionCountsInTheSession(t *testing.T) {
	for _, order := range []string{"session first", "session last"} {
		t.Run(order, func(t *testing.T) {
			host := RoomEvent{Kind: Joined, At: at(0), RoomID: "m1", ParticipantID: "ada", Host: true}
			hostLeft := RoomEvent{Kind: Left, At: at(40), RoomID: "m1", ParticipantID: "ada"}
			guest := joined("bob", 5, false)
			guestLeft := left("bob", 30)
			started := RoomEvent{Kind: SessionStarted, At: at(5), RoomID: "m1", SessionID: "s1"}
			ended := RoomEvent{Kind: SessionEnded, At: at(32), RoomID: "m1", SessionID: "s1"}
			events := []RoomEvent{host, guest, started, guestLeft, ended, hostLeft}
			if order == "session last" {
				events = []RoomEvent{host, hostLeft, guest, guestLeft, started, ended}
			}
			var a Activity
			for _, e := range events {
				a.Apply(e)
			}
			assert.Len(t, a.Participants("s1"), 2, "the host who came first is in the session")
			assert.Empty(t, a.Participants(""))
			assert.Equal(t, 40+25, a.ParticipantMinutes("s1", at(60)))
		})
	}
}

func TestAdmittedKnockIsNotToldLater(t *testing.T) {
	var a Activity
	a.Apply(joined("ada", 0, true))
	a.Apply(RoomEvent{Kind: Knocked, At: at(1), Name: "Dan"})
	assert.Nil(t, a.KnockToTell(), "the host is there")
	a.Apply(RoomEvent{Kind: Joined, At: at(2), RoomID: "m1", SessionID: "s1", ParticipantID: "dan", Name: "Dan", Role: "granted_visitor"})
	a.Apply(left("ada", 10))
	assert.Nil(t, a.KnockToTell(), "Dan was let in: nobody is waiting")

	var b Activity
	b.Apply(joined("ada", 0, true))
	b.Apply(RoomEvent{Kind: Knocked, At: at(1), Name: "Eve"})
	b.Apply(left("ada", 3))
	assert.Nil(t, b.KnockToTell(), "a host was in the room after the knock: it was theirs to answer")
	b.Apply(RoomEvent{Kind: Knocked, At: at(4), Name: "Eve"})
	assert.NotNil(t, b.KnockToTell(), "knocking again with no host is told")
}

func TestClosingSessionEndEndsOpenConnections(t *testing.T) {
	ended := RoomEvent{Kind: SessionEnded, At: at(50), RoomID: "m1", SessionID: "s1", Closes: true}
	for _, order := range []string{"end last", "end first"} {
		t.Run(order, func(t *testing.T) {
			events := []RoomEvent{joined("ada", 0, true), joined("bob", 5, false), left("bob", 30), ended}
			if order == "end first" {
				events = []RoomEvent{ended, joined("ada", 0, true), joined("bob", 5, false), left("bob", 30)}
			}
			var a Activity
			for _, e := range events {
				a.Apply(e)
			}
			assert.False(t, a.Live(), "Ada's lost left event does not keep the meeting live")
			assert.Equal(t, 50+25, a.ParticipantMinutes("s1", at(120)))
		})
	}
	var whereby Activity // a session end that does not close: one person may stay
	whereby.Apply(joined("ada", 0, true))
	whereby.Apply(RoomEvent{Kind: SessionEnded, At: at(50), RoomID: "m1", SessionID: "s1"})
	assert.True(t, whereby.Live())
}

// TestUnpairedJoinDoesNotKeepTheRoomLive: a join the provider named no participant for (Whereby's
// published example) is recorded, but its leave can never be matched to it, so it must not hold
// the meeting live until the overrun cap, nor count minutes it cannot know.
func TestUnpairedJoinDoesNotKeepTheRoomLive(t *testing.T) {
	host := RoomEvent{Kind: Joined, At: at(0), RoomID: "m1", ParticipantID: "unpaired:evt-1", Unpaired: true, Name: "Joe Bloggs", Host: true}
	var a Activity
	assert.True(t, a.Apply(host))
	assert.False(t, a.Apply(host), "a duplicate is one connection")
	assert.Len(t, a.Connections, 1)
	assert.True(t, a.Connections[0].Unpaired)
	assert.False(t, a.Live(), "its leave will never be paired with it")
	assert.False(t, a.HostPresent())
	assert.Equal(t, at(0), a.HostSeenAt, "a host was seen")
	assert.Zero(t, a.ParticipantMinutes("", at(60)))

	// The unpaired leave that follows is another record, and changes nothing of the above.
	assert.True(t, a.Apply(RoomEvent{Kind: Left, At: at(30), RoomID: "m1", ParticipantID: "unpaired:evt-2", Unpaired: true, Name: "Joe Bloggs"}))
	assert.False(t, a.Live())
	assert.Equal(t, at(30), a.LastEnd())

	// Paired connections beside it still count as before.
	a.Apply(joined("bob", 5, false))
	assert.True(t, a.Live())
	a.Apply(left("bob", 25))
	assert.False(t, a.Live())
	assert.Equal(t, 20, a.ParticipantMinutes("s1", at(60)))
}

func TestConnectionKeepsItsExternalID(t *testing.T) {
	for _, order := range [][]RoomEvent{
		{withExternal(joined("p1", 1, false), "bob00001"), left("p1", 9)},
		{left("p1", 9), withExternal(joined("p1", 1, false), "bob00001")},
		{joined("p1", 1, false), withExternal(left("p1", 9), "bob00001")},
	} {
		var a Activity
		for _, e := range order {
			a.Apply(e)
		}
		assert.Len(t, a.Connections, 1)
		assert.Equal(t, "bob00001", a.Connections[0].ExternalID, "whichever event carries it")
	}
	var a Activity
	a.Apply(joined("p2", 1, false))
	assert.Empty(t, a.Connections[0].ExternalID, "optional")
}

func withExternal(e RoomEvent, id string) RoomEvent { e.ExternalID = id; return e }

// TestAKnockAsTheHostLeavesIsKeptInEitherOrder: the activity read from items applies events of
// one instant in no particular order, so a host leaving as a guest knocks leaves the knock to
// tell whichever comes first.
func TestAKnockAsTheHostLeavesIsKeptInEitherOrder(t *testing.T) {
	knock := RoomEvent{Kind: Knocked, At: at(10), Name: "Eve"}
	for _, order := range [][]RoomEvent{
		{joined("ada", 0, true), left("ada", 10), knock},
		{joined("ada", 0, true), knock, left("ada", 10)},
	} {
		var a Activity
		for _, e := range order {
			a.Apply(e)
		}
		require.NotNil(t, a.KnockToTell(), "%v", order)
		assert.Equal(t, "Eve", a.KnockToTell().Name)
	}
}
