package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
)

const bob, cleo = "bob@example.net", "cleo@example.net"

// to returns the one message sent to an address.
func to(t *testing.T, mails map[string][]*invitetest.Mail, addr string) *invitetest.Mail {
	t.Helper()
	for k, ms := range mails {
		if strings.Contains(k, addr) {
			require.Len(t, ms, 1, "messages to %s", addr)
			return ms[0]
		}
	}
	require.Failf(t, "no message", "to %s", addr)
	return nil
}

func TestCreatedUpdatedCancelled(t *testing.T) {
	s := newStack(t, nil)
	run := "lifecycle"

	status, body := s.post("booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	assert.Equal(t, "applied", body["status"])
	s.work()

	// Exactly one room, made with the documented Whereby request.
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	reqs := s.app.sandbox.Requests()
	require.Len(t, reqs, 1)
	var create map[string]any
	require.NoError(t, json.Unmarshal(reqs[0].Body, &create))
	b := s.booking(run)
	assert.Equal(t, b.Details.End.Add(168*time.Hour).UTC().Format(time.RFC3339), create["endDate"], "endDate = end + ROOMKEEPER_ROOM_SLACK")
	assert.Equal(t, "normal", create["roomMode"])
	assert.Equal(t, false, create["isLocked"])
	assert.Equal(t, true, create["isDialInEnabled"])
	assert.ElementsMatch(t, []any{"hostRoomUrl", "dialIn"}, create["fields"])
	assert.Equal(t, "demo-"+booking.Tag{Key: b.Key, Gen: 1, Deployment: booking.DeploymentTag(s.cfg.Deployment)}.String()+"-", create["roomNamePrefix"])

	mails := s.mail()
	require.Len(t, mails, 2)
	org, guest := to(t, mails, organizer), to(t, mails, bob)
	for _, m := range []*invitetest.Mail{org, guest} {
		assert.Equal(t, "REQUEST", m.Method)
		assert.Equal(t, 0, m.Sequence)
		assert.Equal(t, b.UID, m.UID)
		assert.NotContains(t, m.Text+m.HTML+string(m.Calendar), rooms[0].RoomURL, "never the provider's link")
		assert.Contains(t, m.Text, "tel:+1", "tap-to-dial link")
		assert.Contains(t, m.Text, rooms[0].DialIn.Code, "the access code as text")
	}
	assert.Equal(t, []string{rooms[0].HostRoomURL, rooms[0].RoomURL}, s.leadsTo(org), "the organizer's links: the host link, then the guest link to pass on")
	assert.Equal(t, []string{rooms[0].RoomURL}, s.leadsTo(guest), "the guest's own link leads to the room")
	assert.NotContains(t, guest.Text+guest.HTML+string(guest.Calendar), "roomKey", "the guest never does")
	assert.Contains(t, string(org.Calendar), "mailto:"+bob, "the organizer's calendar lists the guests")
	assert.Contains(t, guest.Text, "America/New_York", "times in the guest's own zone")
	assert.Contains(t, org.Text, "Europe/Oslo")

	s.clock.Add(time.Minute)
	status, body = s.post("booking-updated.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	require.Len(t, s.app.sandbox.Rooms(), 1, "the moved meeting keeps its room")
	assert.Equal(t, rooms[0].MeetingID, s.app.sandbox.Rooms()[0].MeetingID)
	mails = s.mail()
	require.Len(t, mails, 3, "organizer, Bob and the added Cleo")
	for _, addr := range []string{organizer, bob, cleo} {
		m := to(t, mails, addr)
		assert.Equal(t, "REQUEST", m.Method, addr)
		assert.Equal(t, 1, m.Sequence, addr)
		assert.Equal(t, b.UID, m.UID, addr)
		assert.Equal(t, rooms[0].RoomURL, s.leadsTo(m)[len(s.leadsTo(m))-1], addr)
	}
	assert.True(t, strings.HasPrefix(to(t, mails, bob).Subject, "Updated invitation: "), "Bob held the earlier version")
	assert.True(t, strings.HasPrefix(to(t, mails, cleo).Subject, "Invitation: "), "Cleo's first invitation is not an update")
	b = s.booking(run)
	assert.Equal(t, b.Details.Start.Add(-reconcile.CheckLead), b.DueAt, "the room check, then the cleanup, moved with the meeting")

	s.clock.Add(time.Minute)
	status, body = s.post("booking-cancelled.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	assert.Empty(t, s.app.sandbox.Rooms(), "the room is deleted at once")
	mails = s.mail()
	require.Len(t, mails, 3)
	for _, addr := range []string{organizer, bob, cleo} {
		m := to(t, mails, addr)
		assert.Equal(t, "CANCEL", m.Method, addr)
		assert.Equal(t, 2, m.Sequence, addr)
		assert.Contains(t, string(m.Calendar), "STATUS:CANCELLED", addr)
		assert.Contains(t, m.Text, "Reason given:\r\nThe sample booking was cancelled.\r\n", "the generic event's reason (%s)", addr)
		assert.NotContains(t, everyPart(m), "A sample booking from", "not the old description (%s)", addr)
	}
	b = s.booking(run)
	assert.True(t, b.DueAt.IsZero(), "nothing left due")

	// Cancellation is final.
	s.clock.Add(time.Minute)
	status, body = s.post("booking-updated.json", run)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "cancelled", body["status"])
	s.work()
	assert.Empty(t, s.mail())
	assert.Empty(t, s.app.sandbox.Rooms())
}

func TestCleanupAfterEndPlusGrace(t *testing.T) {
	s := newStack(t, nil)
	status, _ := s.post("booking-created.json", "cleanup")
	require.Equal(t, http.StatusAccepted, status)
	s.work()
	require.Len(t, s.app.sandbox.Rooms(), 1)
	b := s.booking("cleanup")

	s.advance(b.Details.End.Sub(s.clock.Now()) + 30*time.Second)
	assert.Len(t, s.app.sandbox.Rooms(), 1, "not before end + grace")
	s.advance(time.Minute)
	assert.Empty(t, s.app.sandbox.Rooms(), "the sandbox has no live room left")
	b = s.booking("cleanup")
	assert.True(t, b.Done)
	assert.True(t, b.DueAt.IsZero())
	assert.Len(t, s.mail(), 2, "cleanup sends no mail")
}

func TestProviderThrottlingAndFailureHeal(t *testing.T) {
	s := newStack(t, nil)
	s.app.sandbox.Throttle(1, 30*time.Second)
	s.app.sandbox.Fail(1, http.StatusInternalServerError)
	status, _ := s.post("booking-created.json", "heal")
	require.Equal(t, http.StatusAccepted, status, "the source is answered at once whatever the provider does")
	s.work()
	b := s.booking("heal")
	require.NotNil(t, b.Failure)
	assert.Contains(t, b.Failure.Message, "429")
	assert.False(t, b.Failure.Permanent)
	assert.False(t, b.DueAt.Before(s.clock.Now().Add(30*time.Second)), "Retry-After is honoured")
	assert.Empty(t, s.mail())

	for i := 0; i < 10 && len(s.app.sandbox.Rooms()) == 0; i++ {
		s.advance(time.Minute)
	}
	s.advance(time.Minute)
	require.Len(t, s.app.sandbox.Rooms(), 1, "exactly one room once the provider recovers")
	mails := s.mail()
	assert.Len(t, mails, 2, "one invite per participant")
	assert.Nil(t, s.booking("heal").Failure)
}

func TestPermanentFailureEmailsTheOrganizer(t *testing.T) {
	s := newStack(t, nil)
	s.app.sandbox.Fail(1, http.StatusBadRequest)
	status, _ := s.post("booking-created.json", "broken")
	require.Equal(t, http.StatusAccepted, status)
	s.work()
	mails := s.mail()
	require.Len(t, mails, 1, "only the organizer is told")
	m := to(t, mails, organizer)
	assert.Empty(t, m.Calendar)
	b := s.booking("broken")
	assert.Contains(t, b.Failure.Message, "400", "the record keeps what the provider answered")
	assert.Equal(t, booking.FailureRefused, b.Failure.Kind)
	for part, text := range map[string]string{"text": m.Text, "html": m.HTML} {
		assert.Contains(t, text, "What went wrong:", part)
		assert.Contains(t, text, "The video service refused to make a room for this meeting", part)
		assert.Contains(t, text, "let your guests know how to meet instead", part)
		for _, internal := range []string{b.Failure.Message, "create whereby room", "booking " + b.Key, "400", "whereby"} {
			assert.NotContains(t, text, internal, "no internal error text (%s)", part)
		}
	}
	assert.True(t, b.Failure.Permanent)
	assert.True(t, b.DueAt.IsZero(), "no more retries")
	s.advance(time.Hour)
	assert.Empty(t, s.mail())
	assert.Empty(t, s.app.sandbox.Rooms())
}

func TestStoppedAfterRoomCreatedBeforeRecorded(t *testing.T) {
	s := newStack(t, nil)
	s.app.reconciler.Store = &stopOnPut{Store: s.app.store, when: func(b *booking.Booking) bool { return b.Room != nil }}
	status, _ := s.post("booking-created.json", "crash-room")
	require.Equal(t, http.StatusAccepted, status)
	s.work()
	require.Len(t, s.app.sandbox.Rooms(), 1, "the provider made the room")
	// The room is recorded with the first invitation's result, before the second goes out.
	first := s.mail()
	require.Len(t, first, 1)

	s.restart()
	s.advance(reconcile.DefaultLeaseTTL + time.Second)
	assert.Len(t, s.app.sandbox.Rooms(), 1, "exactly one room: adopted, not duplicated")
	b := s.booking("crash-room")
	require.NotNil(t, b.Room)
	assert.Equal(t, s.app.sandbox.Rooms()[0].MeetingID, b.Room.ID)
	mails := s.mail()
	assert.Len(t, mails, 2, "the first invitation sent again (its result was not recorded), the second for the first time")
	for addr, ms := range mails {
		require.Len(t, ms, 1, "one invite to %s", addr)
		if sent, ok := first[addr]; ok {
			assert.Equal(t, sent[0].Text, ms[0].Text, "the same links, from the adopted room")
		}
	}
	assert.Equal(t, 2, b.PossibleDuplicates, "every intent the stopped run left is counted (an upper bound)")
	s.advance(time.Minute)
	assert.Empty(t, s.mail())
}

func TestStoppedAfterMailAcceptedBeforeRecorded(t *testing.T) {
	s := newStack(t, nil)
	s.app.reconciler.Store = &stopOnPut{Store: s.app.store, when: func(b *booking.Booking) bool {
		inv := b.InviteFor(bob)
		return inv != nil && inv.Method == booking.Request
	}}
	status, _ := s.post("booking-created.json", "crash-mail")
	require.Equal(t, http.StatusAccepted, status)
	s.work()
	first := s.mail()
	require.Len(t, first, 2, "both messages were accepted")

	// Each result is written before the next send: only Bob's, the last, was not recorded.
	s.restart()
	s.advance(reconcile.DefaultLeaseTTL + time.Second)
	again := s.mail()
	require.Len(t, again, 1, "at most one duplicate")
	to(t, again, bob)
	assert.Equal(t, 1, s.booking("crash-mail").PossibleDuplicates, "and it is counted")
	s.advance(time.Minute)
	assert.Empty(t, s.mail())
}

// stopOnPut fails the Put that when picks, as a function stopped before saving would.
type stopOnPut struct {
	booking.Store
	when func(*booking.Booking) bool
}

func (s *stopOnPut) Put(ctx context.Context, b *booking.Booking) error {
	if s.when(b) {
		return errors.New("function stopped")
	}
	return s.Store.Put(ctx, b)
}

func TestRejectedRequestsStoreNothing(t *testing.T) {
	s := newStack(t, nil)
	valid := func(run string) []byte { return s.expand("booking-created.json", run) }
	tests := []struct {
		name   string
		body   []byte
		header func(body []byte) http.Header
		status int
		code   string
		field  string
	}{
		{"no signature", valid("a"), func([]byte) http.Header {
			return http.Header{"Content-Type": {"application/json"}}
		}, 401, "unauthorized", ""},
		{"tampered body", valid("b"), func(body []byte) http.Header {
			return s.sign("msg_b", bytes.Replace(body, []byte("Intro call"), []byte("Intro c4ll"), 1))
		}, 401, "unauthorized", ""},
		{"stale timestamp", valid("c"), func(body []byte) http.Header {
			s.clock.Add(-10 * time.Minute)
			defer s.clock.Add(10 * time.Minute)
			return s.sign("msg_c", body)
		}, 401, "unauthorized", ""},
		{"invalid payload", []byte(strings.Replace(string(valid("d")), `"end"`, `"ignored"`, 1)), nil, 400, "invalid", "data.end"},
		{"malformed JSON", []byte(`{"type": "booking.created", "data": {`), nil, 400, "invalid", ""},
		{"body over 256 KiB", append(valid("e"), bytes.Repeat([]byte(" "), 256<<10)...), nil, 413, "too_large", ""},
		{"wrong content type", valid("f"), func(body []byte) http.Header {
			h := s.sign("msg_f", body)
			h.Set("Content-Type", "text/plain")
			return h
		}, 415, "unsupported", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			h := s.sign("msg_"+newRunID(), body)
			if tt.header != nil {
				h = tt.header(body)
			}
			status, resp := s.postRaw(body, h)
			assert.Equal(t, tt.status, status)
			e, _ := resp["error"].(map[string]any)
			require.NotNil(t, e, "JSON error body")
			assert.Equal(t, tt.code, e["code"])
			assert.NotEmpty(t, e["message"])
			if tt.field != "" {
				assert.Equal(t, tt.field, e["field"])
			}
		})
	}
	s.work()
	for _, run := range []string{"a", "b", "c", "d", "e", "f"} {
		_, err := s.app.store.Get(context.Background(), booking.KeyOf("generic", "demo-"+run))
		assert.ErrorIs(t, err, booking.ErrNotFound, "nothing stored for run %s", run)
	}
	assert.Empty(t, s.app.sandbox.Rooms())
	assert.Empty(t, s.mail())
}

func TestRepeatedDeliveryIsAcknowledgedWithoutNewWork(t *testing.T) {
	s := newStack(t, nil)
	body := s.expand("booking-created.json", "dup")
	h := s.sign("msg_same", body)
	status, _ := s.postRaw(body, h)
	require.Equal(t, http.StatusAccepted, status)
	s.work()
	require.Len(t, s.mail(), 2)

	status, resp := s.postRaw(body, h)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "duplicate", resp["status"])
	s.work()
	assert.Empty(t, s.mail())
	assert.Len(t, s.app.sandbox.Rooms(), 1)
}

func TestUnknownSourceIs404(t *testing.T) {
	s := newStack(t, nil)
	resp, err := http.Post(s.srv.URL+"/v1/bookings/nosuch", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestOutboxPageListsTheInvites(t *testing.T) {
	s := newStack(t, nil)
	status, _ := s.post("booking-created.json", "page")
	require.Equal(t, http.StatusAccepted, status)
	s.work()
	resp, err := http.Get(s.srv.URL + "/outbox")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	page := readAll(t, resp.Body)
	assert.Equal(t, 1, strings.Count(page, "Invitation: Intro call"), "the guest's")
	assert.Equal(t, 1, strings.Count(page, "Your meeting: Intro call"), "the organizer's")
}
