package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
)

// End-to-end tests of provider webhooks: the sandbox's rooms send signed Whereby webhooks to the
// stack's own POST /v1/hooks/whereby, the real handler verifies and records them, and the worker
// acts on them (cleanup, knock e-mails).

// hookRoom books the sample meeting (edits applied to the event), runs the worker so its room
// exists, and returns the booking and its sandbox room. The invites are taken from the outbox.
func (s *stack) hookRoom(run string, edit ...func(map[string]any)) (*booking.Booking, sandbox.Meeting) {
	s.t.Helper()
	status, body := s.post("booking-created.json", run, edit...)
	require.Equal(s.t, http.StatusAccepted, status, body)
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(s.t, rooms, 1)
	require.Len(s.t, s.mail(), 2, "the invites")
	return s.booking(run), rooms[0]
}

// until moves the clock to t, sweeping and working on the way, as the local server's ticker does.
func (s *stack) until(t time.Time) {
	s.t.Helper()
	require.False(s.t, t.Before(s.clock.Now()), "the clock only moves forward")
	s.advance(t.Sub(s.clock.Now()))
}

// join connects someone to a sandbox room and runs the worker on what the webhooks made due.
func (s *stack) join(room, name, role string, dialIn bool) string {
	s.t.Helper()
	id, err := s.app.sandbox.Join(room, name, role, dialIn)
	require.NoError(s.t, err, "every webhook accepted")
	s.work()
	return id
}

func (s *stack) leave(room, id string) {
	s.t.Helper()
	require.NoError(s.t, s.app.sandbox.Leave(room, id), "every webhook accepted")
	s.work()
}

func (s *stack) knock(room, name string) {
	s.t.Helper()
	require.NoError(s.t, s.app.sandbox.Knock(room, name), "every webhook accepted")
	s.work()
}

// checkHooks asserts every delivery the sandbox made was verified and accepted with a 200, and that no display name or the webhook secret reached the log.
func (s *stack) checkHooks(names ...string) {
	s.t.Helper()
	hooks := s.app.sandbox.Webhooks()
	require.NotEmpty(s.t, hooks)
	for _, h := range hooks {
		assert.True(s.t, h.Delivered, "%s %s", h.Type, h.ID)
		assert.Equal(s.t, http.StatusOK, h.Status, "%s %s", h.Type, h.ID)
	}
	logs := s.logBuf.String()
	assert.Contains(s.t, logs, "provider webhook")
	for _, leak := range append(names, s.cfg.Whereby.WebhookSecret) {
		assert.NotContains(s.t, logs, leak, "the log leaks %q", leak)
	}
}

func connection(t *testing.T, b *booking.Booking, id string) booking.Connection {
	t.Helper()
	for _, c := range b.Activity.Connections {
		if c.ID == id {
			return c
		}
	}
	require.Failf(t, "no connection", "%s on booking %s", id, b.Key)
	return booking.Connection{}
}

// TestWherebyEventWithoutParticipantID posts Whereby's published room.client.joined example,
// which has no participantId, for the booking's room: it is recorded with what it has (Whereby
// does not retry a 4xx), and since its leave can never be paired with it, it does not keep the
// room from being cleaned up.
func TestWherebyEventWithoutParticipantID(t *testing.T) {
	s := newStack(t, nil)
	b, room := s.hookRoom("hooks-unpaired")
	s.until(b.Details.Start)
	body := []byte(`{"id":"d7c4df48b85318352b47d2df45872bf9","apiVersion":"1.0","createdAt":"` + s.clock.Now().Format(time.RFC3339Nano) +
		`","type":"room.client.joined","data":{"roleName":"host","displayName":"Joe Bloggs","meetingId":"` + room.MeetingID +
		`","roomName":"` + room.RoomName + `","subdomain":"example","numClients":1,"numClientsByRoleName":{"host":1},"metadata":null,"externalId":null}}`)
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/hooks/whereby", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wherebyhook.SignatureHeader, wherebyhook.Sign(s.cfg.Whereby.WebhookSecret, s.clock.Now(), body))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	answer := readAll(t, resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	assert.Contains(t, answer, `"status":"recorded"`)

	b = s.booking("hooks-unpaired")
	require.Len(t, b.Activity.Connections, 1)
	c := b.Activity.Connections[0]
	assert.True(t, c.Unpaired)
	assert.Equal(t, "Joe Bloggs", c.Name)
	assert.True(t, c.Host)
	assert.False(t, b.Activity.Live(), "a join that cannot be paired with a leave is not someone in the room")

	s.until(b.Details.End.Add(reconcile.LiveRecheck + 15*time.Minute))
	assert.Empty(t, s.app.sandbox.Rooms(), "cleaned up at end + grace, not held until the overrun cap")
	assert.True(t, s.booking("hooks-unpaired").Done)
}

func TestSandboxWebhooksRecordTheMeeting(t *testing.T) {
	s := newStack(t, noReminders)
	b, room := s.hookRoom("hooks-record")
	s.until(b.Details.Start.Add(-2 * time.Minute))

	joinedAt := s.clock.Now()
	ada := s.join(room.RoomName, "Ada Host", "host", false)
	b = s.booking("hooks-record")
	assert.True(t, b.Activity.HostPresent())
	assert.Empty(t, b.Activity.Sessions, "one person is no session")

	bob := s.join(room.RoomName, "Bob Guest", "visitor", false)
	caller := s.join(room.RoomName, "Phone Caller", "visitor", true)
	p, err := s.app.sandbox.Presence(room.RoomName)
	require.NoError(t, err)
	require.NotEmpty(t, p.SessionID)
	b = s.booking("hooks-record")
	require.Len(t, b.Activity.Sessions, 1, "two people form a session")
	assert.Equal(t, booking.Session{ID: p.SessionID, RoomID: room.MeetingID, StartedAt: joinedAt}, b.Activity.Sessions[0])
	assert.True(t, b.Activity.Live())
	c := connection(t, b, caller)
	assert.True(t, c.DialIn, "the phone caller is listed as one")
	assert.Equal(t, "Phone Caller", c.Name)
	assert.Equal(t, p.SessionID, c.SessionID)

	s.advance(20*time.Minute + 30*time.Second) // a few seconds into each 21st minute
	leftAt := s.clock.Now()
	s.leave(room.RoomName, caller)
	s.leave(room.RoomName, ada) // the host leaves Bob alone: the session ends
	b = s.booking("hooks-record")
	assert.Equal(t, leftAt, b.Activity.Sessions[0].EndedAt)
	assert.True(t, b.Activity.Live(), "Bob is still in the room")
	s.leave(room.RoomName, bob)

	b = s.booking("hooks-record")
	assert.False(t, b.Activity.Live())
	want := map[string]booking.Connection{
		ada:    {ID: ada, RoomID: room.MeetingID, SessionID: p.SessionID, Name: "Ada Host", Role: "host", Host: true, JoinedAt: joinedAt, LeftAt: leftAt},
		bob:    {ID: bob, RoomID: room.MeetingID, SessionID: p.SessionID, Name: "Bob Guest", Role: "visitor", JoinedAt: joinedAt, LeftAt: leftAt},
		caller: {ID: caller, RoomID: room.MeetingID, SessionID: p.SessionID, Name: "Phone Caller", Role: "visitor", DialIn: true, JoinedAt: joinedAt, LeftAt: leftAt},
	}
	got := map[string]booking.Connection{}
	for _, c := range b.Activity.Connections {
		got[c.ID] = c
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 3*21, b.Activity.ParticipantMinutes(p.SessionID, s.clock.Now()), "each connection rounded up to the minute")
	assert.Len(t, s.app.sandbox.Rooms(), 1, "a meeting that ends before its end keeps its room until end + grace")
	assert.Empty(t, s.mail(), "nobody knocked")
	s.checkHooks("Ada Host", "Bob Guest", "Phone Caller")
}

func TestLiveSessionPostponesCleanupUntilEveryoneLeft(t *testing.T) {
	s := newStack(t, nil)
	b, room := s.hookRoom("hooks-postpone")
	end := b.Details.End
	s.until(end.Add(-10 * time.Minute))
	ada := s.join(room.RoomName, "Ada Host", "host", false)
	bob := s.join(room.RoomName, "Bob Guest", "visitor", false)

	s.until(end.Add(s.cfg.CleanupGrace + 30*time.Second))
	require.Len(t, s.app.sandbox.Rooms(), 1, "not while the session is live")
	b = s.booking("hooks-postpone")
	assert.Equal(t, s.clock.Now().Add(reconcile.LiveRecheck), b.DueAt, "checked again soon")
	assert.False(t, b.Done)

	s.advance(3 * time.Minute)
	s.leave(room.RoomName, bob) // the session ends; Ada is still connected
	require.Len(t, s.app.sandbox.Rooms(), 1, "someone is still in the room")
	s.leave(room.RoomName, ada)
	assert.Empty(t, s.app.sandbox.Rooms(), "deleted at once when the meeting ends after its end")
	b = s.booking("hooks-postpone")
	assert.True(t, b.Done)
	assert.True(t, b.DueAt.IsZero())
	s.checkHooks("Ada Host", "Bob Guest")
}

func TestMeetingEndingAfterItsEndIsCleanedUpAtOnce(t *testing.T) {
	s := newStack(t, map[string]string{"ROOMKEEPER_CLEANUP_GRACE": "15m"})
	b, room := s.hookRoom("hooks-early")
	end := b.Details.End
	s.until(end.Add(-10 * time.Minute))
	ada := s.join(room.RoomName, "Ada Host", "host", false)
	bob := s.join(room.RoomName, "Bob Guest", "visitor", false)

	s.until(end.Add(2 * time.Minute)) // overrunning, well before end + grace
	require.Len(t, s.app.sandbox.Rooms(), 1)
	s.leave(room.RoomName, bob)
	s.leave(room.RoomName, ada)
	assert.Empty(t, s.app.sandbox.Rooms(), "no need to wait for end + grace")
	assert.True(t, s.booking("hooks-early").Done)
	s.checkHooks("Ada Host", "Bob Guest")
}

func TestOverrunCapDeletesALiveRoom(t *testing.T) {
	s := newStack(t, nil)
	b, room := s.hookRoom("hooks-cap")
	end := b.Details.End
	s.until(end.Add(-10 * time.Minute))
	ada := s.join(room.RoomName, "Ada Host", "host", false)
	bob := s.join(room.RoomName, "Bob Guest", "visitor", false)

	capAt := end.Add(s.cfg.MaxOverrun)
	for s.clock.Now().Before(capAt.Add(-reconcile.LiveRecheck)) {
		s.advance(reconcile.LiveRecheck)
		require.Len(t, s.app.sandbox.Rooms(), 1, "postponed at %s", s.clock.Now().Sub(end))
	}
	s.until(capAt)
	assert.Empty(t, s.app.sandbox.Rooms(), "the cap holds even with a live session")
	b = s.booking("hooks-cap")
	assert.True(t, b.Done)
	// Deleting the room removed both; the sandbox told roomkeeper so.
	assert.Equal(t, capAt, connection(t, b, ada).LeftAt)
	assert.Equal(t, capAt, connection(t, b, bob).LeftAt)
	assert.Equal(t, capAt, b.Activity.Sessions[0].EndedAt)
	onlyWhoCame(t, s.mail())
	s.checkHooks("Ada Host", "Bob Guest")
}

func TestKnockEmailsTheOrganizerOncePerStretchWithoutAHost(t *testing.T) {
	s := newStack(t, noReminders)
	b, room := s.hookRoom("hooks-knock", func(v map[string]any) {
		v["data"].(map[string]any)["room"].(map[string]any)["locked"] = true
	})
	require.True(t, room.IsLocked)
	s.until(b.Details.Start.Add(-5 * time.Minute))

	s.knock(room.RoomName, "Bob Guest")
	mails := s.mail()
	require.Len(t, mails, 1, "only the organizer is told")
	m := to(t, mails, organizer)
	assert.Equal(t, "Bob Guest is waiting: Intro call", m.Subject)
	assert.Equal(t, []string{room.HostRoomURL}, s.leadsTo(m), "with the host link to let them in")
	assert.Empty(t, m.Calendar)

	s.advance(time.Minute)
	s.knock(room.RoomName, "Cleo Guest")
	assert.Empty(t, s.mail(), "once per stretch without a host")

	ada := s.join(room.RoomName, "Ada Host", "host", false)
	_, err := s.app.sandbox.Admit(room.RoomName, "Bob Guest")
	require.NoError(t, err)
	_, err = s.app.sandbox.Admit(room.RoomName, "Cleo Guest")
	require.NoError(t, err)
	s.work()
	s.knock(room.RoomName, "Dan Guest")
	assert.Empty(t, s.mail(), "the host is in the room and sees the knock")
	require.NoError(t, s.app.sandbox.CancelKnock(room.RoomName, "Dan Guest"))
	s.work()

	// The host leaves: a knock now starts a new stretch without a host.
	s.advance(time.Minute)
	s.leave(room.RoomName, ada)
	assert.Empty(t, s.mail())
	s.knock(room.RoomName, "Eve Guest")
	mails = s.mail()
	require.Len(t, mails, 1)
	assert.Equal(t, "Eve Guest is waiting: Intro call", to(t, mails, organizer).Subject)
	s.checkHooks("Bob Guest", "Cleo Guest", "Dan Guest", "Eve Guest", "Ada Host")
}

func TestSandboxDuplicatesAndReorderingLeaveTheSameRecord(t *testing.T) {
	s := newStack(t, nil)
	b, room := s.hookRoom("hooks-reorder")
	s.until(b.Details.Start)
	sb := s.app.sandbox

	sb.HoldWebhooks()
	start := s.clock.Now()
	ada, err := sb.Join(room.RoomName, "Ada Host", "host", false)
	require.NoError(t, err)
	bob, err := sb.Join(room.RoomName, "Bob Guest", "visitor", false)
	require.NoError(t, err)
	s.clock.Add(10 * time.Minute)
	require.NoError(t, sb.Leave(room.RoomName, ada))
	require.NoError(t, sb.Leave(room.RoomName, bob))
	require.NoError(t, sb.ReleaseWebhooks(true), "newest first: left before joined, session ended before started")
	s.work()
	for _, h := range sb.Webhooks() {
		require.NoError(t, sb.Redeliver(h.ID), "a duplicate is acknowledged")
	}
	s.work()

	b = s.booking("hooks-reorder")
	require.Len(t, b.Activity.Sessions, 1)
	sess := b.Activity.Sessions[0]
	assert.Equal(t, start, sess.StartedAt)
	assert.Equal(t, start.Add(10*time.Minute), sess.EndedAt)
	assert.Equal(t, start, connection(t, b, ada).JoinedAt)
	assert.Equal(t, start.Add(10*time.Minute), connection(t, b, ada).LeftAt)
	assert.Equal(t, sess.ID, connection(t, b, bob).SessionID)
	assert.Equal(t, 20, b.Activity.ParticipantMinutes(sess.ID, s.clock.Now()))
	assert.False(t, b.Activity.Live())
	assert.Len(t, s.app.sandbox.Rooms(), 1, "the meeting ended before its end: cleanup waits for end + grace")

	logs := s.logBuf.String()
	assert.Equal(t, 6, strings.Count(logs, "status=duplicate"), "every redelivery is recognised")
	s.checkHooks("Ada Host", "Bob Guest")
}

func TestForeignSandboxRoomIsAcknowledgedAndDropped(t *testing.T) {
	s := newStack(t, nil)
	b, _ := s.hookRoom("hooks-foreign")
	// A room someone else made in the same Whereby account: no roomkeeper tag in its name.
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+sandbox.WherebyAPIPath+"/meetings",
		strings.NewReader(`{"endDate":"`+b.Details.End.Add(time.Hour).UTC().Format(time.RFC3339)+`","roomNamePrefix":"other-"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer someone-else")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var other sandbox.Meeting
	for _, m := range s.app.sandbox.Rooms() {
		if strings.HasPrefix(m.RoomName, "/other-") {
			other = m
		}
	}
	require.NotEmpty(t, other.RoomName)

	before := s.booking("hooks-foreign")
	s.join(other.RoomName, "Stranger", "host", false)
	assert.Equal(t, before.Version, s.booking("hooks-foreign").Version, "nothing recorded")
	assert.Contains(t, s.logBuf.String(), "status=ignored")
	assert.Empty(t, s.mail())
	s.checkHooks("Stranger")
}
