package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
)

// TestTheOrganizerIsToldWhoCameEndToEnd runs the attendance summary through the local server: a
// booking with two guests, Bob following his own /j/ link to the Whereby sandbox and joining
// under another name (matched by the externalId his link carried), the organizer by their host
// link, a visitor not on the booking and a phone caller, all reported by the sandbox's Whereby
// webhooks; Cleo never comes. The session ends when fewer than two remain, which is not the end:
// nothing is mailed until the cleanup, which mails the organizer, once, and no guest.
func TestTheOrganizerIsToldWhoCameEndToEnd(t *testing.T) {
	s := newStack(t, nil)
	run := "attendance"
	status, body := s.post("booking-created.json", run, func(ev map[string]any) {
		data := ev["data"].(map[string]any)
		data["attendees"] = append(data["attendees"].([]any), map[string]any{"name": "Cleo Guest", "email": cleo})
	})
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	room := rooms[0]
	b := s.booking(run)
	mails := s.mail()
	require.Len(t, mails, 3, "the invitations")
	bobLink := s.joinLinks(to(t, mails, bob).Text)[0]
	hostLink := s.joinLinks(to(t, mails, organizer).Text)[0]

	s.until(b.Details.Start)
	come := func(link, action, name string) {
		t.Helper()
		resp, err := http.Get(link)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		resp, err = http.PostForm(resp.Request.URL.String(), url.Values{"action": {action}, "displayName": {name}})
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		s.work()
	}
	come(hostLink, "host", "Meeting room 4")
	s.advance(2 * time.Minute)
	come(bobLink, "join", "Robert")
	s.advance(time.Minute)
	eve := s.join(room.RoomName, "Eve Visitor", "visitor", false)
	caller := s.join(room.RoomName, "+1 212 555 0142", "visitor", true)
	s.advance(5 * time.Minute)
	s.leave(room.RoomName, eve)
	s.leave(room.RoomName, caller)
	s.advance(10 * time.Minute)
	p, err := s.app.sandbox.Presence(room.RoomName)
	require.NoError(t, err)
	require.Len(t, p.Present, 2)
	for _, q := range p.Present {
		s.leave(room.RoomName, q.ID) // the session ends with the first to go: not the end
		assert.Empty(t, s.mail(), "nothing before the cleanup")
	}

	s.until(b.Details.End.Add(s.cfg.CleanupGrace))
	assert.Empty(t, s.app.sandbox.Rooms(), "cleaned up")
	mails = s.mail()
	require.Len(t, mails, 1, "the organizer only: %v", mails)
	m := to(t, mails, organizer)
	assert.True(t, strings.HasPrefix(m.Subject, "Who came: Intro call @ "), m.Subject)
	start := b.Details.Start.In(mustZone(t, "Europe/Oslo")) // the organizer's zone
	clock := func(d time.Duration) string { return start.Add(d).Format("15:04") }
	for _, part := range []string{m.Text, m.HTML} {
		assert.Contains(t, part, "Bob Guest: joined "+clock(2*time.Minute)+", left "+clock(18*time.Minute)+", 16 min",
			"Bob, matched by the externalId his link carried though he typed another name")
		assert.Contains(t, part, "Cleo Guest: ")
		assert.Contains(t, part, "did not join")
		assert.Contains(t, part, "Eve Visitor: 5 min")
		assert.Contains(t, part, "1 call, 5 min", "the phone caller counted, never their number")
		assert.Contains(t, part, "You were in the room for 18 min.")
		assert.Contains(t, part, "44", "total participant minutes: 18+16+5+5")
		for _, leak := range []string{"555", "0142", "Robert", "Meeting room 4", "roomKey", "http"} {
			assert.NotContains(t, part, leak)
		}
	}
	assert.Contains(t, m.Text, "- Cleo Guest: did not join")

	s.until(b.Details.End.Add(3 * time.Hour))
	assert.Empty(t, s.mail(), "once")
	assert.False(t, s.booking(run).Summary.SentAt.IsZero())
	s.checkAllMail()
	s.checkLogs()
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// onlyWhoCame asserts that the mail a cleanup sent is the organizer's attendance summary and
// nothing else.
func onlyWhoCame(t *testing.T, mails map[string][]*invitetest.Mail) {
	t.Helper()
	require.Len(t, mails, 1, "the organizer only")
	m := to(t, mails, organizer)
	assert.True(t, strings.HasPrefix(m.Subject, "Who came: "), m.Subject)
}
