package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noReminders configures a stack that sends no reminders, for a test that counts the mail of
// something else as the meeting's start passes (TestReminderArrivesOnce tests the reminders).
var noReminders = map[string]string{"ROOMKEEPER_REMINDERS": "none"}

// TestReminderArrivesOnce runs the default reminders of the generic source (15 minutes before
// the start) through the local server, its sweeper and its outbox, with the clock moved as the
// ticker would see it: the invitations' calendars remind too, and each recipient's reminder
// arrives once, at its time, with their own link, the dial-in and their own time zone.
func TestReminderArrivesOnce(t *testing.T) {
	s := newStack(t, nil)
	run := "remind"
	status, body := s.post("booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	for addr, ms := range s.mail() {
		require.Len(t, ms, 1, addr)
		assert.Contains(t, string(ms[0].Calendar), "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder: Intro call\r\nTRIGGER:-PT15M\r\nEND:VALARM", addr)
	}
	b := s.booking(run)
	remindAt := b.Details.Start.Add(-15 * time.Minute)
	assert.Equal(t, remindAt, b.DueAt, "the sweep finds the booking at the reminder's time")

	s.until(remindAt.Add(-time.Second))
	assert.Empty(t, s.mail(), "not before its time")
	s.until(remindAt.Add(5 * time.Second)) // the next tick
	mails := s.mail()
	require.Len(t, mails, 2, "the organizer and Bob")
	org, guest := to(t, mails, organizer), to(t, mails, bob)
	room := s.app.sandbox.Rooms()[0]
	for _, m := range []struct {
		addr, zone string
		text       string
	}{{organizer, "Europe/Oslo", org.Text}, {bob, "America/New_York", guest.Text}} {
		assert.Contains(t, m.text, "starts in 15 minutes.", m.addr)
		assert.Contains(t, m.text, "("+m.zone+")", "the time in %s's zone", m.addr)
		assert.Contains(t, m.text, "tel:+1", "tap-to-dial link to %s", m.addr)
		assert.Contains(t, m.text, room.DialIn.Code, "the access code as text to %s", m.addr)
	}
	for _, m := range []string{org.Subject, guest.Subject} {
		assert.True(t, strings.HasPrefix(m, "Reminder: Intro call @ "), m)
	}
	assert.Empty(t, org.Calendar)
	assert.Equal(t, []string{room.HostRoomURL, room.RoomURL}, s.leadsTo(org), "the organizer's host link and the guest link to pass on")
	assert.Equal(t, []string{room.RoomURL}, s.leadsTo(guest), "Bob's own link")
	assert.NotContains(t, guest.Text+guest.HTML, "roomKey")

	s.advance(5 * time.Second)
	s.restart()
	s.until(b.Details.End.Add(2 * time.Minute))
	after := s.mail()
	require.Len(t, after, 1, "once: no reminder again up to the cleanup, only the organizer's summary of who came")
	assert.True(t, strings.HasPrefix(to(t, after, organizer).Subject, "Who came: "), to(t, after, organizer).Subject)
	assert.Empty(t, s.app.sandbox.Rooms(), "cleaned up")
	assert.Zero(t, s.booking(run).PossibleDuplicates)
}
