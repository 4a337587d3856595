package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/link"
)

// TestLinksFollowTheBookingEndToEnd runs the local server and follows the links its mail carries:
// each person's own /j/ link and nothing else; followed, it reaches the sandbox room; after a
// reschedule that replaces the room, the link mailed before leads to the new room; a guest
// taken off the booking gets a 410 page; after cleanup, "this meeting has ended".
func TestLinksFollowTheBookingEndToEnd(t *testing.T) {
	s := newStack(t, nil)
	run := "links"
	status, body := s.post("booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	mails := s.mail()
	org, guest := to(t, mails, organizer), to(t, mails, bob)
	orgLinks, guestLinks := s.joinLinks(org.Text), s.joinLinks(guest.Text)
	require.Len(t, orgLinks, 2, "the organizer's host link and the room's guest link")
	require.Len(t, guestLinks, 1)
	hostLink, shareLink, bobLink := orgLinks[0], orgLinks[1], guestLinks[0]
	for _, m := range []string{org.HTML, string(org.Calendar)} {
		assert.Contains(t, strings.ReplaceAll(m, "\r\n ", ""), hostLink, "the same link in every part")
	}
	assert.NotContains(t, guest.Text+guest.HTML+string(guest.Calendar), hostLink)
	assert.NotContains(t, guest.Text+guest.HTML+string(guest.Calendar), shareLink, "a guest gets their own link")
	assert.Less(t, len(bobLink), len(s.cfg.PublicURL)+3+60, "short enough for a mail line: %s", bobLink)

	// Followed as a browser would, the guest's link reaches the sandbox room.
	resp, err := http.Get(bobLink)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, rooms[0].RoomURL, resp.Request.URL.String(), "the sandbox room")
	assert.NotEmpty(t, page)

	// A reschedule beyond the room's life (ROOMKEEPER_ROOM_SLACK, a week) replaces the room.
	s.clock.Add(time.Minute)
	status, body = s.post("booking-updated.json", run, func(v map[string]any) {
		d := v["data"].(map[string]any)
		d["start"] = s.clock.Now().Add(10 * 24 * time.Hour).Format(time.RFC3339)
		d["end"] = s.clock.Now().Add(10*24*time.Hour + 30*time.Minute).Format(time.RFC3339)
	})
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	now := s.app.sandbox.Rooms()
	require.Len(t, now, 1, "the old room is deleted")
	require.NotEqual(t, rooms[0].RoomURL, now[0].RoomURL, "a new room")
	_, loc := s.follow(bobLink)
	assert.Equal(t, now[0].RoomURL, loc, "the link in last week's mail leads to the new room")
	_, loc = s.follow(hostLink)
	assert.Equal(t, now[0].HostRoomURL, loc, "and the organizer's to its host link")
	_, loc = s.follow(shareLink)
	assert.Equal(t, now[0].RoomURL, loc)
	for addr, ms := range s.mail() {
		if strings.Contains(addr, cleo) {
			continue // added by the update: her own, new link
		}
		for _, m := range ms {
			for _, u := range s.joinLinks(m.Text) {
				assert.Contains(t, []string{hostLink, shareLink, bobLink}, u, "the update repeats the same links: %s", addr)
			}
		}
	}

	// Cleo, added by the update, is then taken off: her link answers 410.
	b := s.booking(run)
	cleoID := b.Details.Attendees[1].ID
	require.NotEmpty(t, cleoID)
	tok, err := link.Make(s.cfg.LinkSecret, link.Token{Key: b.Key, Recipient: cleoID, Purpose: booking.ForGuest})
	require.NoError(t, err)
	cleoLink := link.URL(s.cfg.PublicURL, tok)
	status, loc = s.follow(cleoLink)
	require.Equal(t, http.StatusFound, status)
	s.clock.Add(time.Minute)
	status, body = s.post("booking-updated.json", run, func(v map[string]any) {
		d := v["data"].(map[string]any)
		d["start"] = s.clock.Now().Add(10 * 24 * time.Hour).Add(-time.Minute).Format(time.RFC3339)
		d["end"] = s.clock.Now().Add(10*24*time.Hour + 29*time.Minute).Format(time.RFC3339)
		d["attendees"] = d["attendees"].([]any)[:1]
	})
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	assert.Equal(t, "CANCEL", to(t, s.mail(), cleo).Method)
	status, loc = s.follow(cleoLink)
	assert.Equal(t, http.StatusGone, status, "a removed guest's link")
	assert.Empty(t, loc)
	status, _ = s.follow(bobLink)
	assert.Equal(t, http.StatusFound, status, "Bob is still invited")

	// A guest's link changed in any character is a 404, never the host link.
	for i := len(s.cfg.PublicURL) + 3; i < len(bobLink); i++ {
		c := byte('A')
		if bobLink[i] == 'A' {
			c = 'B'
		}
		status, loc = s.follow(bobLink[:i] + string(c) + bobLink[i+1:])
		assert.Equal(t, http.StatusNotFound, status)
		assert.NotEqual(t, now[0].HostRoomURL, loc)
	}

	// After the meeting and its cleanup: "this meeting has ended".
	b = s.booking(run)
	s.advance(b.Details.End.Add(2 * time.Minute).Sub(s.clock.Now()))
	s.work()
	assert.Empty(t, s.app.sandbox.Rooms(), "cleaned up")
	for _, u := range []string{bobLink, hostLink, shareLink} {
		resp := s.get(u)
		assert.Equal(t, http.StatusGone, resp.status, u)
		assert.Contains(t, resp.body, "This meeting has ended")
	}
}

// TestCancelledBookingsLinks checks that a cancelled booking's links answer 410 with a page
// saying so, and that a host link of the older kind (/v1/host/, verified with
// ROOMKEEPER_HOST_SECRET) is still checked.
func TestCancelledBookingsLinks(t *testing.T) {
	s := newStack(t, nil)
	run := "links-cancel"
	status, body := s.post("booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	guestLink := s.joinLinks(to(t, s.mail(), bob).Text)[0]
	s.clock.Add(time.Minute)
	status, body = s.post("booking-cancelled.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	for _, m := range s.mail() {
		assert.Empty(t, s.joinLinks(m[0].Text), "a CANCEL carries no link")
	}
	resp := s.get(guestLink)
	assert.Equal(t, http.StatusGone, resp.status)
	assert.Contains(t, resp.body, "This meeting was cancelled")
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
	assert.Equal(t, "no-referrer", resp.header.Get("Referrer-Policy"))
	assert.Contains(t, resp.header.Get("Content-Security-Policy"), "default-src 'none'")
	assert.NotContains(t, resp.body, "<script")
}

type page struct {
	status int
	header http.Header
	body   string
}

// get requests a page without following redirects.
func (s *stack) get(u string) page {
	s.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header, string(b)}
}
