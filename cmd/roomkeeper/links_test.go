package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
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
	assert.Equal(t, rooms[0].RoomURL, unnamed(t, resp.Request.URL.String()), "the sandbox room")
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
	assert.Equal(t, now[0].RoomURL, unnamed(t, loc), "the link in last week's mail leads to the new room")
	_, loc = s.follow(hostLink)
	assert.Equal(t, now[0].HostRoomURL, unnamed(t, loc), "and the organizer's to its host link")
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
	assert.True(t, strings.HasPrefix(loc, s.app.sandbox.Rooms()[0].RoomURL+"?"), "Cleo's own link leads to the room while she is invited: %s", loc)
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
		assert.NotEqual(t, now[0].HostRoomURL, unnamed(t, loc))
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

// TestWherebyGuestsArriveNamedEndToEnd: a guest's and the organizer's own /j/ links lead to the
// Whereby room with displayName and externalId (their recipient id, never an address); the
// sandbox room page they reach passes the id on in Whereby's webhooks, so the record shows which
// invitee joined whatever name they typed, and booking.attended matches them by it.
func TestWherebyGuestsArriveNamedEndToEnd(t *testing.T) {
	var s *stack
	rcv := newReceiver(t, func() *stack { return s })
	s = newStack(t, map[string]string{
		"ROOMKEEPER_NOTIFY_URL":    rcv.URL + "/hook",
		"ROOMKEEPER_NOTIFY_SECRET": notifySecret,
	})
	run := "links-named"
	status, body := s.post("booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	room := rooms[0]
	b := s.booking(run)
	bobP, ada := b.Details.Attendees[0], b.Details.Organizer
	require.NotEmpty(t, bobP.ID)
	require.NotEmpty(t, ada.ID)
	mails := s.mail()
	bobLink := s.joinLinks(to(t, mails, bob).Text)[0]
	hostLink := s.joinLinks(to(t, mails, organizer).Text)[0]

	status, loc := s.follow(bobLink)
	require.Equal(t, http.StatusFound, status)
	assert.NotContains(t, loc, "@")
	assert.NotContains(t, loc, "%40", "never an address")
	u, err := url.Parse(loc)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"displayName": {bobP.Name}, "externalId": {bobP.ID}}, u.Query())
	assert.Equal(t, room.RoomURL, unnamed(t, loc))

	status, loc = s.follow(hostLink)
	require.Equal(t, http.StatusFound, status)
	u, err = url.Parse(loc)
	require.NoError(t, err)
	assert.Equal(t, ada.ID, u.Query().Get("externalId"), "the organizer's host link names them too")
	assert.Equal(t, ada.Name, u.Query().Get("displayName"))
	assert.NotEmpty(t, u.Query().Get("roomKey"))

	// Bob follows his link as a browser would, and joins from the room page under another name;
	// the organizer joins by their host link from a device named for the meeting room.
	s.until(b.Details.Start)
	come := func(link, action, name string) {
		t.Helper()
		resp, err := http.Get(link)
		require.NoError(t, err)
		page := readAll(t, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, page, `id="external-id"`, "the sandbox page took the link's externalId")
		resp, err = http.PostForm(resp.Request.URL.String(), url.Values{"action": {action}, "displayName": {name}})
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		s.work()
	}
	come(bobLink, "join", "Robert")
	come(hostLink, "host", "Meeting room 4")
	b = s.booking(run)
	got := map[string]string{}
	for _, c := range b.Activity.Connections {
		got[c.Name] = c.ExternalID
	}
	assert.Equal(t, map[string]string{"Robert": bobP.ID, "Meeting room 4": ada.ID}, got, "each recorded with the externalId their link carried")

	s.advance(10 * time.Minute)
	p, err := s.app.sandbox.Presence(room.RoomName)
	require.NoError(t, err)
	for _, q := range p.Present {
		s.leave(room.RoomName, q.ID)
	}
	rcv.take()
	s.until(b.Details.End.Add(s.cfg.CleanupGrace))
	events := rcv.take()
	require.Len(t, events, 1)
	require.Equal(t, booking.BookingAttended, events[0].Type)
	var data reconcile.AttendedData
	raw, err := json.Marshal(events[0].Data)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &data))
	require.Len(t, data.Invitees, 1)
	assert.True(t, data.Invitees[0].Joined, "Bob, matched by his externalId though he typed another name")
	assert.Equal(t, 10, data.Invitees[0].Minutes)
	assert.True(t, data.Organizer.Joined)
	assert.Empty(t, data.Others)
	assert.NotContains(t, events[0].Body, bobP.ID, "the event gives its own ids, not the links'")
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
