package reconcile

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/roomkeeper/roomkeeper/shared/notify"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// fakeNotifier records the notices sent; fail scripts the receiver's answers.
type fakeNotifier struct {
	mu   sync.Mutex
	sent []booking.Notice // every attempt, failed or not
	fail func(n booking.Notice) error
}

func (n *fakeNotifier) Notify(_ context.Context, notice booking.Notice) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, notice)
	if n.fail != nil {
		return n.fail(notice)
	}
	return nil
}

func (n *fakeNotifier) take() []booking.Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.sent
	n.sent = nil
	return out
}

func withNotifier(f *fixture) *fakeNotifier {
	n := &fakeNotifier{}
	f.r.Notifier = n
	return n
}

// event decodes a notice's body.
func event(t *testing.T, n booking.Notice) map[string]any {
	t.Helper()
	var ev map[string]any
	require.NoError(t, json.Unmarshal(n.Body, &ev))
	require.Equal(t, n.Type, ev["type"])
	return ev
}

// requireNothingPersonal fails if a notice's body carries a host link — the provider's, or
// roomkeeper's own /j/ links (a person's, the organizer's host link among them) — or any address.
func requireNothingPersonal(t *testing.T, n booking.Notice) {
	t.Helper()
	body := string(n.Body)
	for _, s := range []string{"roomKey", "secret-host-key", "hostUrl", testPublicURL, "/j/", "@", "ada@", "bob@", "cy@"} {
		require.NotContains(t, body, s, "%s notice carries %q", n.Type, s)
	}
}

func TestNoticesReportTheRoomThenWhoCame(t *testing.T) {
	f := newFixture(t)
	notifier := withNotifier(f)
	key := f.put()

	res := f.reconcile(key)
	assert.Equal(t, []string{"create room", "send REQUEST to organizer", "send REQUEST to guest", "send REQUEST to guest", "send room.ready notice"}, res.Steps,
		"the room and the invitations first")
	sent := notifier.take()
	require.Len(t, sent, 1)
	ready := sent[0]
	assert.Equal(t, booking.RoomReady, ready.Type)
	assert.Equal(t, "msg_"+key+"_ready_1", ready.ID)
	requireNothingPersonal(t, ready)
	ev := event(t, ready)
	data := ev["data"].(map[string]any)
	room := data["room"].(map[string]any)
	assert.Equal(t, "https://video.example/room1", room["guestUrl"])
	assert.NotNil(t, room["dialIn"])
	assert.Equal(t, "bk-1", data["booking"].(map[string]any)["bookingId"])
	assert.NotContains(t, string(ready.Body), "Intro call", "no title: it may name people")
	assert.Empty(t, f.reconcile(key).Steps, "sent once")
	assert.Empty(t, notifier.take())
	assert.Empty(t, f.get(key).Notices[0].Body, "a sent notice keeps no body")

	// The meeting: the organizer as host, Bob, a stranger with an address for a name, a caller.
	b := f.get(key)
	start := b.Details.Start
	f.record(key,
		booking.RoomEvent{Kind: booking.SessionStarted, At: start, SessionID: "s1"},
		booking.RoomEvent{Kind: booking.Joined, At: start, SessionID: "s1", ParticipantID: "p1", Name: "Ada", Host: true},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(time.Minute), SessionID: "s1", ParticipantID: "p2", Name: "bob guest"},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(2 * time.Minute), SessionID: "s1", ParticipantID: "p3", Name: "eve@example.com"},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(3 * time.Minute), SessionID: "s1", ParticipantID: "p4", Name: "+47 912 34 567", DialIn: true},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(21 * time.Minute), SessionID: "s1", ParticipantID: "p2"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(22 * time.Minute), SessionID: "s1", ParticipantID: "p3"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(23 * time.Minute), SessionID: "s1", ParticipantID: "p4"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(30 * time.Minute), SessionID: "s1", ParticipantID: "p1"},
		booking.RoomEvent{Kind: booking.SessionEnded, At: start.Add(30 * time.Minute), SessionID: "s1"},
	)
	f.at(key, 15*time.Minute)
	res = f.reconcile(key)
	assert.Equal(t, []string{"clean up room", stepSummary, "send booking.attended notice"}, res.Steps)
	sent = notifier.take()
	require.Len(t, sent, 1)
	attended := sent[0]
	assert.Equal(t, "msg_"+key+"_attended_1", attended.ID)
	requireNothingPersonal(t, attended)
	assert.NotContains(t, string(attended.Body), "912", "never a caller's number")

	var got struct {
		Data AttendedData `json:"data"`
	}
	require.NoError(t, json.Unmarshal(attended.Body, &got))
	want := AttendedData{
		Booking:   EventBooking{Key: key, Source: "generic", BookingID: "bk-1", Start: start, End: b.Details.End},
		Organizer: AttendedOrganizer{Joined: true, Minutes: 30},
		Invitees: []AttendedInvitee{
			{ID: InviteeID(key, "bob@example.net"), Name: "Bob Guest", Joined: true, Minutes: 20, First: start.Add(time.Minute), Last: start.Add(21 * time.Minute)},
			{ID: InviteeID(key, "cy@example.org"), Name: "Cy Guest"},
		},
		Others:             []AttendedOther{{Name: "<address>", Minutes: 20}},
		DialIn:             AttendedDialIn{Calls: 1, Minutes: 20},
		Sessions:           1,
		ParticipantMinutes: 90,
	}
	assert.Equal(t, want, got.Data)
	assert.Equal(t, InviteeID(key, "BOB@example.net "), InviteeID(key, "bob@example.net"), "the id ignores case")
	assert.NotEqual(t, InviteeID(key, "bob@example.net"), InviteeID(booking.KeyOf("generic", "bk-2"), "bob@example.net"), "one id per booking")

	assert.Empty(t, f.reconcile(key).Steps)
	assert.Empty(t, notifier.take())
	after := f.get(key)
	assert.True(t, after.Done)
	assert.True(t, after.DueAt.IsZero(), "nothing left")
}

// TestAttendedMatchesByExternalIDFirst: a connection whose room link carried an externalId (the
// recipient id of the person's own /j/ link) is that person, whatever display name they typed;
// one without falls back to the display name.
func TestAttendedMatchesByExternalIDFirst(t *testing.T) {
	f := newFixture(t)
	notifier := withNotifier(f)
	key := f.put()
	f.reconcile(key)
	notifier.take()
	b := f.get(key)
	start := b.Details.Start
	org, bob, cy := b.Details.Organizer.ID, b.Details.Attendees[0].ID, b.Details.Attendees[1].ID
	require.NotEmpty(t, org)
	require.NotEmpty(t, bob)
	require.NotEmpty(t, cy)
	f.record(key,
		booking.RoomEvent{Kind: booking.SessionStarted, At: start, SessionID: "s1"},
		// The organizer, on a laptop named for the room, by their own host link.
		booking.RoomEvent{Kind: booking.Joined, At: start, SessionID: "s1", ParticipantID: "p1", Name: "Meeting room 4", ExternalID: org, Role: "visitor"},
		// Bob, with a name of his own choosing.
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(time.Minute), SessionID: "s1", ParticipantID: "p2", Name: "Robert", ExternalID: bob},
		// Cy, on a borrowed device still named for Bob: the id wins over the name.
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(2 * time.Minute), SessionID: "s1", ParticipantID: "p3", Name: "Bob Guest", ExternalID: cy},
		// Someone with an id the booking never held is matched by name, or not at all.
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(3 * time.Minute), SessionID: "s1", ParticipantID: "p4", Name: "Dee", ExternalID: "zzzzzzzz"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(11 * time.Minute), SessionID: "s1", ParticipantID: "p2"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(12 * time.Minute), SessionID: "s1", ParticipantID: "p3"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(13 * time.Minute), SessionID: "s1", ParticipantID: "p4"},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(30 * time.Minute), SessionID: "s1", ParticipantID: "p1"},
		booking.RoomEvent{Kind: booking.SessionEnded, At: start.Add(30 * time.Minute), SessionID: "s1"},
	)
	f.at(key, 15*time.Minute)
	f.reconcile(key)
	sent := notifier.take()
	require.Len(t, sent, 1)
	requireNothingPersonal(t, sent[0])
	assert.NotContains(t, string(sent[0].Body), bob, "the recipient ids stay roomkeeper's: the event has its own")
	var got struct {
		Data AttendedData `json:"data"`
	}
	require.NoError(t, json.Unmarshal(sent[0].Body, &got))
	assert.Equal(t, AttendedOrganizer{Joined: true, Minutes: 30}, got.Data.Organizer, "by id, without host powers or their name")
	assert.Equal(t, []AttendedInvitee{
		{ID: InviteeID(key, "bob@example.net"), Name: "Bob Guest", Joined: true, Minutes: 10, First: start.Add(time.Minute), Last: start.Add(11 * time.Minute)},
		{ID: InviteeID(key, "cy@example.org"), Name: "Cy Guest", Joined: true, Minutes: 10, First: start.Add(2 * time.Minute), Last: start.Add(12 * time.Minute)},
	}, got.Data.Invitees)
	assert.Equal(t, []AttendedOther{{Name: "Dee", Minutes: 10}}, got.Data.Others)
}

func TestAFailingReceiverHoldsUpNothingAndIsRetriedUntilItAnswers(t *testing.T) {
	f := newFixture(t)
	notifier := withNotifier(f)
	down := true
	notifier.fail = func(booking.Notice) error {
		if down {
			return errors.New("notify: receiver answered 500")
		}
		return nil
	}
	key := f.put()
	res := f.reconcile(key)
	assert.Equal(t, []string{"create room", "send REQUEST to organizer", "send REQUEST to guest", "send REQUEST to guest", "room.ready notice failed: notify: receiver answered 500"}, res.Steps)
	assert.Empty(t, res.Failure, "the receiver's failure is not the booking's")
	b := f.get(key)
	assert.Nil(t, b.Failure)
	assert.Equal(t, f.clock.Now().Add(15*time.Second), b.DueAt, "back at the notice's back-off (jitter 0: half of 30s)")
	require.Len(t, b.Notices, 1)
	assert.Equal(t, 1, b.Notices[0].Attempts)

	first := notifier.take()
	f.clock.Add(15 * time.Second)
	f.reconcile(key)
	second := notifier.take()
	require.Len(t, second, 1)
	assert.Equal(t, f.clock.Now().Add(30*time.Second), f.get(key).DueAt, "the back-off grows")

	down = false
	f.clock.Add(30 * time.Second)
	assert.Equal(t, []string{"send room.ready notice"}, f.reconcile(key).Steps)
	third := notifier.take()
	require.Len(t, third, 1)
	for _, n := range [][]booking.Notice{second, third} {
		assert.Equal(t, first[0].ID, n[0].ID, "the same id on every attempt")
		assert.Equal(t, string(first[0].Body), string(n[0].Body), "and the same body")
	}
	b = f.get(key)
	assert.False(t, b.Notices[0].SentAt.IsZero())
	assert.Equal(t, b.Details.Start.Add(-CheckLead), b.DueAt, "only the meeting's steps are left")

	// Cleanup goes ahead while the receiver is down again.
	down = true
	f.at(key, 15*time.Minute)
	res = f.reconcile(key)
	assert.Equal(t, []string{"clean up room", stepSummary, "booking.attended notice failed: notify: receiver answered 500"}, res.Steps)
	assert.True(t, f.get(key).Done, "cleaned up whatever the receiver says")
	assert.Empty(t, f.provider.live())
}

func TestANoticeIsGivenUpAfter24Hours(t *testing.T) {
	f := newFixture(t)
	notifier := withNotifier(f)
	notifier.fail = func(booking.Notice) error { return errors.New("notify: receiver answered 503") }
	key := f.put()
	f.reconcile(key)
	require.Len(t, notifier.take(), 1)
	queued := f.get(key).Notices[0].At

	// Each run comes back when the booking is due, as the sweeper brings it.
	attempts := 0
	var res Result
	for i := 0; i < 100; i++ {
		due := f.get(key).DueAt
		require.False(t, due.IsZero())
		if !due.Before(queued.Add(booking.NoticeGiveUp)) {
			break
		}
		require.True(t, due.Sub(f.clock.Now()) <= time.Hour, "at most an hour between attempts")
		f.clock.Set(due)
		res = f.reconcile(key)
		attempts = len(notifier.take())
		require.LessOrEqual(t, attempts, 1, "%v", res.Steps)
	}
	b := f.get(key)
	n := b.Notices[0]
	assert.Empty(t, n.Dropped)
	assert.Greater(t, n.Attempts, 20, "retried all day")
	require.True(t, n.NextAt.Equal(queued.Add(booking.NoticeGiveUp)) || n.NextAt.Before(queued.Add(booking.NoticeGiveUp)))

	f.clock.Set(queued.Add(booking.NoticeGiveUp))
	res = f.reconcile(key)
	assert.Empty(t, notifier.take(), "no attempt after 24 hours")
	assert.Equal(t, []string{n.ID}, res.NoticesDropped, "the edge logs it")
	assert.Equal(t, DroppedGaveUp, f.get(key).Notices[0].Dropped)
	assert.Empty(t, f.get(key).Notices[0].Body)
	assert.Equal(t, f.get(key).Details.End.Add(15*time.Minute), f.get(key).DueAt, "the cleanup is left")
	assert.Empty(t, f.reconcile(key).Steps)
}

func TestAGoneReceiverStopsTheNotice(t *testing.T) {
	f := newFixture(t)
	notifier := withNotifier(f)
	notifier.fail = func(booking.Notice) error { return booking.Permanent(errors.New("notify: receiver answered 410 Gone")) }
	key := f.put()
	res := f.reconcile(key)
	assert.Len(t, res.NoticesDropped, 1)
	assert.Empty(t, res.Failure)
	assert.Len(t, notifier.take(), 1)
	assert.Empty(t, f.reconcile(key).Steps)
	assert.Empty(t, notifier.take())
}

func TestACrashAfterTheReceiversAnswerSendsTheSameIDAgain(t *testing.T) {
	f := newFixture(t)
	notifier := withNotifier(f)
	key := f.put()
	stop := true
	f.r.Store = &failingStore{Store: f.store, failPut: func(b *booking.Booking) bool {
		for _, n := range b.Notices {
			if stop && !n.SentAt.IsZero() {
				return true // the function stops before the 2xx is recorded
			}
		}
		return false
	}}
	_, err := f.r.Reconcile(context.Background(), key)
	require.Error(t, err)
	first := notifier.take()
	require.Len(t, first, 1)

	stop = false
	f.clock.Add(DefaultLeaseTTL)
	assert.Equal(t, []string{"send room.ready notice"}, f.reconcile(key).Steps)
	again := notifier.take()
	require.Len(t, again, 1)
	assert.Equal(t, first[0].ID, again[0].ID, "the receiver drops the duplicate by its id")
	assert.Equal(t, string(first[0].Body), string(again[0].Body))
	assert.Empty(t, f.reconcile(key).Steps)
}

func TestAPermanentFailureIsReported(t *testing.T) {
	f := newFixture(t)
	notifier := withNotifier(f)
	key := f.put()
	f.provider.fail = func(op string) error {
		return booking.Permanent(errors.New("whereby refused the room for ada@example.com (400)"))
	}
	res := f.reconcile(key)
	assert.True(t, res.Permanent)
	assert.Contains(t, res.Steps, "send booking.failed notice")
	sent := notifier.take()
	require.Len(t, sent, 1)
	assert.Equal(t, booking.BookingFailed, sent[0].Type)
	assert.True(t, strings.HasPrefix(sent[0].ID, "msg_"+key+"_failed_"))
	requireNothingPersonal(t, sent[0])
	data := event(t, sent[0])["data"].(map[string]any)
	assert.Equal(t, "create fake room for booking "+key+": whereby refused the room for <address> (400)", data["reason"])
	assert.Empty(t, f.reconcile(key).Steps)
	assert.Empty(t, notifier.take(), "once")
}

func TestAReplacedRoomIsAnnouncedAndAnUnsentOneDropped(t *testing.T) {
	f := newFixture(t)
	notifier := withNotifier(f)
	notifier.fail = func(booking.Notice) error { return errors.New("notify: receiver answered 500") }
	key := f.put()
	f.reconcile(key)
	notifier.take()

	notifier.fail = nil
	f.change(key, func(b *booking.Booking) { b.Details.Room.DialIn = false }) // a new room
	res := f.reconcile(key)
	assert.Contains(t, res.Steps, "drop room.ready notice ("+DroppedSuperseded+") after 1 attempts")
	sent := notifier.take()
	require.Len(t, sent, 1)
	assert.Equal(t, "msg_"+key+"_ready_2", sent[0].ID)
	assert.Contains(t, string(sent[0].Body), "https://video.example/room2")
}

func TestWithoutANotifierNothingIsQueued(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	assert.Empty(t, f.get(key).Notices)
}

func TestARealReceiverAnswering500Then200GetsTheSameSignedEvent(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var mu sync.Mutex
	var ids, bodies []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		id, err := stdwebhook.Verify(secret, r.Header, body, time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), 48*time.Hour)
		if !assert.NoError(t, err) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ids, bodies = append(ids, id), append(bodies, string(body))
		if len(ids) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(rcv.Close)
	f := newFixture(t)
	f.r.Notifier = &notify.Notifier{URL: rcv.URL, Secrets: staticSecret(secret), Now: f.clock.Now}
	key := f.put()
	res := f.reconcile(key)
	assert.Equal(t, "room.ready notice failed: notify room.ready: the receiver answered 500", res.Steps[len(res.Steps)-1])
	f.clock.Set(f.get(key).DueAt)
	assert.Equal(t, []string{"send room.ready notice"}, f.reconcile(key).Steps)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, ids, 2)
	assert.Equal(t, "msg_"+key+"_ready_1", ids[0])
	assert.Equal(t, ids[0], ids[1], "the same webhook-id on the retry")
	assert.Equal(t, bodies[0], bodies[1])
}
