package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mailBooking() *Booking {
	ada := Person{Name: "Ada", Email: "ada@example.com"}
	bob := Person{Name: "Bob", Email: "bob@example.net"}
	return &Booking{
		Key:     KeyOf("generic", "bk"),
		Details: Details{Organizer: ada, Attendees: []Person{bob}},
		Invites: []Invite{{Person: ada, Organizer: true, Method: Request}, {Person: bob, Method: Request}},
	}
}

func TestApplyMailEvent(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ev := func(kind MailEventKind, typ string, to ...string) MailEvent {
		return MailEvent{Kind: kind, Key: KeyOf("generic", "bk"), MessageID: "m1", Recipients: to, Type: typ, At: at}
	}
	for _, tt := range []struct {
		name       string
		events     []MailEvent
		want       *MailProblem
		changed    []bool
		unreachabe bool
	}{
		{"a hard bounce", []MailEvent{ev(MailBounced, "Permanent/General", "Bob@Example.net")},
			&MailProblem{Kind: MailBounced, Type: "Permanent/General", MessageID: "m1", At: at, Permanent: true}, []bool{true}, true},
		{"a soft bounce", []MailEvent{ev(MailBounced, "Transient/MailboxFull", "bob@example.net")},
			&MailProblem{Kind: MailBounced, Type: "Transient/MailboxFull", MessageID: "m1", At: at}, []bool{true}, false},
		{"an undetermined bounce", []MailEvent{ev(MailBounced, "Undetermined/Undetermined", "bob@example.net")},
			&MailProblem{Kind: MailBounced, Type: "Undetermined/Undetermined", MessageID: "m1", At: at}, []bool{true}, false},
		{"a complaint", []MailEvent{ev(MailComplained, "abuse", "bob@example.net")},
			&MailProblem{Kind: MailComplained, Type: "abuse", MessageID: "m1", At: at, Permanent: true}, []bool{true}, true},
		{"a complaint after a soft bounce", []MailEvent{ev(MailBounced, "Transient/General", "bob@example.net"), ev(MailComplained, "abuse", "bob@example.net")},
			&MailProblem{Kind: MailComplained, Type: "abuse", MessageID: "m1", At: at, Permanent: true}, []bool{true, true}, true},
		{"a soft bounce after a complaint", []MailEvent{ev(MailComplained, "", "bob@example.net"), ev(MailBounced, "Transient/General", "bob@example.net")},
			&MailProblem{Kind: MailComplained, MessageID: "m1", At: at, Permanent: true}, []bool{true, false}, true},
		{"someone the booking does not hold", []MailEvent{ev(MailBounced, "Permanent/General", "eve@example.org")}, nil, []bool{false}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := mailBooking()
			for i, e := range tt.events {
				assert.Equal(t, tt.changed[i], b.ApplyMailEvent(e), "event %d", i)
			}
			assert.Equal(t, tt.want, b.InviteFor("bob@example.net").Problem)
			assert.Equal(t, tt.unreachabe, b.Unreachable("bob@example.net"))
			assert.False(t, b.Unreachable("ada@example.com"))
			assert.Nil(t, b.InviteFor("eve@example.org"))
		})
	}
}

func TestApplyMailEventToAnOrganizerWithoutAnInvite(t *testing.T) {
	b := mailBooking()
	b.Invites = nil // a hand-made room's organizer gets notices only
	require.True(t, b.ApplyMailEvent(MailEvent{Kind: MailComplained, Recipients: []string{"ada@example.com"}}))
	inv := b.InviteFor("ada@example.com")
	require.NotNil(t, inv)
	assert.True(t, inv.Organizer)
	assert.Empty(t, inv.Method, "nothing was recorded as sent")
	assert.True(t, b.Unreachable("ada@example.com"))
	assert.Nil(t, b.ProblemToTell(), "an organizer is not told of their own")
}

func TestProblemToTellAndClone(t *testing.T) {
	b := mailBooking()
	b.ApplyMailEvent(MailEvent{Kind: MailBounced, Type: "Permanent/General", Recipients: []string{"bob@example.net"}})
	c := b.Clone()
	c.ProblemToTell().Problem.Notified = true
	assert.Nil(t, c.ProblemToTell())
	require.NotNil(t, b.ProblemToTell(), "a clone's problem is its own")
	assert.Equal(t, "bob@example.net", b.ProblemToTell().Email)
}

func TestIsKey(t *testing.T) {
	assert.True(t, IsKey(KeyOf("generic", "bk_1")))
	for _, s := range []string{"", "fsfrjwdrtwpa", "fsfrjwdrtwpacc", "FSFRJWDRTWPAC", "fsfrjwdrtwpa1"} {
		assert.False(t, IsKey(s), s)
	}
}
