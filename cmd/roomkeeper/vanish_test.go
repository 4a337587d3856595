package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
)

// deleteAtWhereby deletes a room through the sandbox's API, as a person in Whereby's dashboard or
// another tool would, behind roomkeeper's back.
func (s *stack) deleteAtWhereby(meetingID string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodDelete, s.srv.URL+sandbox.WherebyAPIPath+"/meetings/"+meetingID, nil)
	require.NoError(s.t, err)
	req.Header.Set("Authorization", "Bearer another-tool")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	resp.Body.Close()
	require.Equal(s.t, http.StatusNoContent, resp.StatusCode)
}

// admin reads an admin API route as an operator.
func (s *stack) admin(path string) map[string]any {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
	require.NoError(s.t, err)
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	require.Equal(s.t, http.StatusOK, resp.StatusCode)
	var out map[string]any
	require.NoError(s.t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// requests returns the sandbox's API requests from the n-th on, as "METHOD path".
func (s *stack) requests(n int) []string {
	var out []string
	for _, r := range s.app.sandbox.Requests()[n:] {
		out = append(out, r.Method+" "+strings.TrimPrefix(r.Path, sandbox.WherebyAPIPath))
	}
	return out
}

func TestARoomDeletedBehindRoomkeepersBackIsReplacedBeforeTheStart(t *testing.T) {
	s := newStack(t, noReminders)
	run := "vanish"
	status, body := s.post("booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	require.Len(t, s.mail(), 2)
	old := s.app.sandbox.Rooms()[0]
	b := s.booking(run)

	s.deleteAtWhereby(old.MeetingID)
	require.Empty(t, s.app.sandbox.Rooms())
	n := len(s.app.sandbox.Requests())

	s.advance(b.Details.Start.Add(-reconcile.CheckLead - time.Minute).Sub(s.clock.Now()))
	assert.Empty(t, s.requests(n), "nothing is asked before the check is due")
	assert.Empty(t, s.mail())

	s.advance(time.Minute) // 15 minutes before the start
	require.True(t, s.clock.Now().Before(b.Details.Start))
	assert.Equal(t, []string{"GET /meetings/" + old.MeetingID, "POST /meetings", "GET /insights/room-sessions"}, s.requests(n),
		"one request finds the room gone, one makes the new room; the vanished room's usage is counted last")
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	room := rooms[0]
	assert.NotEqual(t, old.RoomURL, room.RoomURL)

	mails := s.mail()
	require.Len(t, mails, 2, "everyone invited hears of the new link, before the start")
	for _, addr := range []string{organizer, bob} {
		m := to(t, mails, addr)
		assert.Equal(t, "REQUEST", m.Method, addr)
		assert.Equal(t, 1, m.Sequence, "a new sequence: calendars take the update (%s)", addr)
		assert.Equal(t, b.UID, m.UID, "the same event (%s)", addr)
		want := map[string]string{organizer: "Updated meeting: ", bob: "Updated invitation: "}[addr]
		assert.True(t, strings.HasPrefix(m.Subject, want), "%s: %s", addr, m.Subject)
		assert.Equal(t, room.RoomURL, s.leadsTo(m)[len(s.leadsTo(m))-1], "the link leads to the new room (%s)", addr)
		assert.NotContains(t, everyPart(m), old.RoomURL, "the dead link is gone (%s)", addr)
	}
	guest := to(t, mails, bob)
	assert.NotContains(t, everyPart(guest), "roomKey", "a guest never gets a host link")
	assert.Equal(t, room.HostRoomURL, s.leadsTo(to(t, mails, organizer))[0], "the organizer's link leads to the new host link")

	b = s.booking(run)
	require.Len(t, b.Ended, 1)
	assert.Equal(t, old.MeetingID, b.Ended[0].ID)
	assert.True(t, b.Ended[0].Vanished)
	view := s.admin("/v1/bookings/" + b.Key)
	assert.Equal(t, s.clock.Now().UTC().Format(time.RFC3339), view["roomVanishedAt"], "the operator sees it")
	ended := view["endedRooms"].([]any)
	require.Len(t, ended, 1)
	assert.Equal(t, true, ended[0].(map[string]any)["vanished"])
	_, loc := s.follow(view["room"].(map[string]any)["guestUrl"].(string))
	assert.Equal(t, room.RoomURL, loc, "the room's own link leads to the new room")
	assert.Contains(t, s.logBuf.String(), "room gone at the provider", "and the worker's log")

	// The new room needs no check: nothing more until the cleanup.
	n = len(s.app.sandbox.Requests())
	s.advance(reconcile.CheckLead)
	assert.Empty(t, s.requests(n))
	assert.Empty(t, s.mail())
}

func TestTheRoomCheckIsOneProviderRequestPerBookingPerCheck(t *testing.T) {
	s := newStack(t, noReminders)
	run := "requests"
	status, body := s.post("booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	id := s.booking(run).Room.ID
	assert.Equal(t, []string{"POST /meetings"}, s.requests(0))

	// A reschedule that keeps the room checks it before the update goes out.
	s.clock.Add(time.Minute)
	status, body = s.post("booking-updated.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	assert.Equal(t, []string{"POST /meetings", "GET /meetings/" + id}, s.requests(0))
	s.mail()

	b := s.booking(run)
	s.advance(b.Details.Start.Add(-reconcile.CheckLead).Sub(s.clock.Now()))
	s.advance(time.Minute)
	s.advance(b.Details.End.Add(2 * time.Minute).Sub(s.clock.Now())) // past end + grace
	assert.Equal(t, []string{"POST /meetings", "GET /meetings/" + id, "GET /meetings/" + id, "DELETE /meetings/" + id, "GET /insights/room-sessions"}, s.requests(0),
		"create, a check after the reschedule, the check before the start, cleanup and its usage")
	onlyWhoCame(t, s.mail()) // a room that is there costs no mail: the cleanup's summary is all
	assert.True(t, s.booking(run).Done)
}
