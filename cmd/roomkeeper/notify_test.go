package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

const notifySecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqr"

// event is one delivery the integrations' receiver got, its signature verified.
type event struct {
	ID   string
	Body string
	Type string
	Data map[string]any
}

// receiver is an integration's webhook receiver: it verifies each delivery with the Standard
// Webhooks verifier and answers with the next of its statuses (then 204).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []event
	statuses []int
}

func newReceiver(t *testing.T, s func() *stack, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		require.NoError(t, err)
		id, err := stdwebhook.Verify(notifySecret, req.Header, body, s().clock.Now(), time.Minute)
		if !assert.NoError(t, err, "every delivery verifies") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var env struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &env))
		r.mu.Lock()
		r.got = append(r.got, event{ID: id, Body: string(body), Type: env.Type, Data: env.Data})
		status := http.StatusNoContent
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) take() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

// TestNotifyTellsTheRoomThenWhoCame runs the outbound webhook end to end: the local server, a
// booking, a receiver that fails once, sandbox joins and leaves through Whereby's webhooks, and
// the cleanup.
func TestNotifyTellsTheRoomThenWhoCame(t *testing.T) {
	var s *stack
	rcv := newReceiver(t, func() *stack { return s }, http.StatusInternalServerError)
	s = newStack(t, map[string]string{
		"ROOMKEEPER_NOTIFY_URL":    rcv.URL + "/hook?token=receiver-token",
		"ROOMKEEPER_NOTIFY_SECRET": notifySecret,
	})
	b, room := s.hookRoom("notify")

	// The first attempt fails; the invitations went out regardless (hookRoom took them), and the
	// sweep brings the event back with the same id.
	first := rcv.take()
	require.Len(t, first, 1)
	s.advance(time.Minute)
	again := rcv.take()
	require.Len(t, again, 1)
	assert.Equal(t, first[0].ID, again[0].ID, "the same webhook-id on the retry")
	assert.Equal(t, first[0].Body, again[0].Body)
	ready := again[0]
	assert.Equal(t, booking.RoomReady, ready.Type)
	assert.Equal(t, "msg_"+b.Key+"_ready_1", ready.ID)
	assert.Equal(t, room.RoomURL, ready.Data["room"].(map[string]any)["guestUrl"])
	s.advance(time.Minute)
	assert.Empty(t, rcv.take(), "delivered once")

	s.until(b.Details.Start)
	bob := s.join(room.RoomName, "Bob Guest", "visitor", false)
	ada := s.join(room.RoomName, "Ada Host", "host", false)
	caller := s.join(room.RoomName, "+1 212 555 0142", "visitor", true)
	s.advance(10*time.Minute + 30*time.Second)
	s.leave(room.RoomName, caller)
	s.leave(room.RoomName, bob)
	s.leave(room.RoomName, ada)
	assert.Empty(t, rcv.take(), "nothing until the cleanup")

	s.until(b.Details.End.Add(s.cfg.CleanupGrace))
	assert.Empty(t, s.app.sandbox.Rooms(), "cleaned up")
	got := rcv.take()
	require.Len(t, got, 1)
	attended := got[0]
	assert.Equal(t, booking.BookingAttended, attended.Type)
	assert.Equal(t, "msg_"+b.Key+"_attended_1", attended.ID)
	var data reconcile.AttendedData
	raw, err := json.Marshal(attended.Data)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &data))
	assert.Equal(t, reconcile.AttendedOrganizer{Joined: true, Minutes: 11}, data.Organizer)
	require.Len(t, data.Invitees, 1)
	assert.Equal(t, reconcile.InviteeID(b.Key, "bob@example.net"), data.Invitees[0].ID)
	assert.Equal(t, "Bob Guest", data.Invitees[0].Name)
	assert.True(t, data.Invitees[0].Joined)
	assert.Equal(t, 11, data.Invitees[0].Minutes)
	assert.Equal(t, reconcile.AttendedDialIn{Calls: 1, Minutes: 11}, data.DialIn)
	assert.Empty(t, data.Others)
	assert.Equal(t, 33, data.ParticipantMinutes)
	assert.Equal(t, 1, data.Sessions)

	for _, ev := range []event{ready, attended} {
		for _, leak := range []string{"roomKey", "hostUrl", "@", "555 0142", "5550142", "Intro call"} {
			assert.NotContains(t, ev.Body, leak, "%s carries %q", ev.Type, leak)
		}
	}
	s.until(b.Details.End.Add(time.Hour))
	assert.Empty(t, rcv.take())
	assert.NotContains(t, s.logBuf.String(), "receiver-token", "the receiver's address stays out of the log")
	assert.True(t, strings.Contains(s.logBuf.String(), "send booking.attended notice"))
}
