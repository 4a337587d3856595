package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/chat"
	"github.com/roomkeeper/roomkeeper/shared/devkit/slackfake"
)

type slackToken string

func (s slackToken) Secret(context.Context, string, bool) (string, error) { return string(s), nil }

// TestKnockAlertsTheOrganizerInSlackOnce: with the Slack app configured, the knock step also
// posts the knock to the organizer (found by e-mail) as a direct message with the host link —
// once per stretch without a host, like the e-mail; an organizer Slack does not know costs
// nothing but the alert.
func TestKnockAlertsTheOrganizerInSlackOnce(t *testing.T) {
	fake := slackfake.New("xoxb-test")
	t.Cleanup(fake.Close)
	fake.AddUser(slackfake.User{ID: "UADA", TeamID: "T1", Name: "ada", Email: "ada@example.com"})
	f := newFixture(t)
	f.r.Alerter = &chat.Slack{Secrets: slackToken("xoxb-test"), APIURL: fake.APIURL()}
	key := f.put(func(b *booking.Booking) { b.Details.Room.Locked = true })
	f.reconcile(key)
	f.mails()
	start := f.get(key).Details.Start
	f.clock.Set(start)

	f.record(key, booking.RoomEvent{Kind: booking.Knocked, At: start, Name: "Bob Guest"})
	assert.Equal(t, []string{"check room", "tell organizer a guest is waiting", "alert organizer in chat that a guest is waiting"}, f.reconcile(key).Steps)
	f.mails()
	require.Len(t, fake.Calls("users.lookupByEmail"), 1)
	assert.Equal(t, "ada@example.com", fake.Calls("users.lookupByEmail")[0].Params["email"])
	posts := fake.Calls("chat.postMessage")
	require.Len(t, posts, 1)
	assert.Equal(t, "UADA", posts[0].Params["channel"], "a direct message to the organizer alone")
	assert.Contains(t, posts[0].Params["text"], "Bob Guest is waiting")
	assert.Contains(t, posts[0].Params["blocks"], f.linkFor(key, "ada@example.com"), "the organizer's host link, to let them in")
	assert.NotContains(t, string(posts[0].Body), f.get(key).Room.HostURL, "roomkeeper's own link, not the provider's")

	f.record(key, booking.RoomEvent{Kind: booking.Knocked, At: start.Add(time.Minute), Name: "Bob Guest"})
	assert.Empty(t, f.reconcile(key).Steps, "once per stretch without a host")
	assert.Len(t, fake.Calls("chat.postMessage"), 1)

	f.record(key,
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(2 * time.Minute), ParticipantID: "h", Host: true, Role: "host"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(4 * time.Minute), ParticipantID: "h"},
		booking.RoomEvent{Kind: booking.Knocked, At: start.Add(5 * time.Minute), Name: "Cy Guest"},
	)
	f.clock.Add(5 * time.Minute)
	f.reconcile(key)
	f.mails()
	require.Len(t, fake.Calls("chat.postMessage"), 2, "a new stretch without a host")
	assert.Contains(t, fake.Calls("chat.postMessage")[1].Params["text"], "Cy Guest")

	// An organizer Slack does not know: the e-mail goes, the alert is no error.
	other := f.put(func(b *booking.Booking) {
		b.Key, b.ExternalID = booking.KeyOf("generic", "bk-2"), "bk-2"
		b.Details.Room.Locked = true
		b.Details.Organizer.Email = "nobody@example.org"
	})
	f.reconcile(other)
	f.mails()
	f.record(other, booking.RoomEvent{Kind: booking.Knocked, At: f.clock.Now(), Name: "Dee Guest"})
	f.clock.Add(time.Second)
	steps := f.reconcile(other).Steps
	assert.Contains(t, steps, "tell organizer a guest is waiting")
	assert.Contains(t, steps, "alert organizer in chat that a guest is waiting")
	assert.Len(t, fake.Calls("chat.postMessage"), 2, "nobody to post to")
}
