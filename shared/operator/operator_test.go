package operator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/video/twentyfour"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
)

// fixture is an operator over the embedded store and the Whereby sandbox, spoken to over HTTP
// by the real Whereby client, with the worker's reconciler.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *clocktest.Clock
	st    *bolt.Store
	sb    *sandbox.Whereby
	r     *reconcile.Reconciler
	op    *operator.Operator
	queue *queue
}

type queue struct{ keys []string }

func (q *queue) Enqueue(_ context.Context, key string) error {
	q.keys = append(q.keys, key)
	return nil
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	clock := clocktest.New(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	srv := httptest.NewUnstartedServer(nil)
	sb, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://" + srv.Listener.Addr().String(), Now: clock.Now})
	require.NoError(t, err)
	srv.Config.Handler = sb
	srv.Start()
	t.Cleanup(srv.Close)
	wb := whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath, APIKey: "key", Now: clock.Now, Phone: phone.Normalize})
	insights := map[string]booking.Insights{whereby.Name: wb}
	r := &reconcile.Reconciler{
		Store: st, Providers: map[string]booking.Provider{whereby.Name: wb}, Deployment: "ops-test",
		Insights: insights, Now: clock.Now, Jitter: func() float64 { return 0 },
		CleanupGrace: 15 * time.Minute, MaxOverrun: 2 * time.Hour, RoomSlack: 168 * time.Hour,
	}
	q := &queue{}
	op := &operator.Operator{
		Store: st, Reconciler: r, Queue: q, Insights: insights, Now: clock.Now,
		DefaultProvider: whereby.Name, Providers: []string{whereby.Name}, Retention: 720 * time.Hour, Wait: time.Second,
		Links: &link.Linker{PublicURL: "https://rk.example", Secrets: linkSecret(testLinkSecret)},
	}
	return &fixture{t: t, ctx: context.Background(), clock: clock, st: st, sb: sb, r: r, op: op, queue: q}
}

func (f *fixture) create(req operator.NewRoom, key string) operator.Made {
	f.t.Helper()
	made, err := f.op.CreateRoom(f.ctx, req, key)
	require.NoError(f.t, err)
	return made
}

func (f *fixture) record(roomID string) *booking.Booking {
	f.t.Helper()
	tag, ok := booking.ParseTag(roomID)
	require.True(f.t, ok, roomID)
	b, err := f.st.Get(f.ctx, tag.Key)
	require.NoError(f.t, err)
	return b
}

func (f *fixture) createBodies() []map[string]any {
	var out []map[string]any
	for _, r := range f.sb.Requests() {
		if r.Method == http.MethodPost {
			var v map[string]any
			require.NoError(f.t, json.Unmarshal(r.Body, &v))
			out = append(out, v)
		}
	}
	return out
}

// TestCreateRoomWithDialInIsTheWorkersInTheAdminFunction: the admin function's reconciler leaves
// a room with dial-in to the worker (it links no phone-number library), which is nudged at once;
// the answer says the room is being made, and the worker's reconciler makes it.
func TestCreateRoomWithDialInIsTheWorkersInTheAdminFunction(t *testing.T) {
	f := newFixture(t)
	f.r.LeaveDialIn = true
	made := f.create(operator.NewRoom{NamePrefix: "support", EndDate: "+2h", DialIn: true}, "")
	assert.False(t, made.Ready, "being made")
	assert.Empty(t, f.createBodies(), "no provider call")
	require.Len(t, f.queue.keys, 1, "the worker is nudged")

	f.r.LeaveDialIn = false // the worker's
	_, err := f.r.Reconcile(f.ctx, f.queue.keys[0])
	require.NoError(t, err)
	b := f.record(made.Room.RoomID)
	require.NotNil(t, b.Room)
	assert.NotNil(t, b.Room.DialIn)
}

func TestCreateRoomIsReadyAtOnce(t *testing.T) {
	for _, tt := range []struct {
		size, mode string
	}{{"", "normal"}, {"small", "normal"}, {"large", "group"}} {
		t.Run("size "+tt.size, func(t *testing.T) {
			f := newFixture(t)
			org := &booking.Person{Name: "Fay Front Desk", Email: "fay@clinic.example"}
			made := f.create(operator.NewRoom{Size: tt.size, NamePrefix: "support", EndDate: "+2h", Title: "Walk-in", DialIn: true, Organizer: org}, "")
			require.True(t, made.Ready)
			room := made.Room
			assert.Equal(t, "manual", room.Kind)
			assert.Equal(t, operator.Active, room.State)
			tag, _ := booking.ParseTag(room.RoomID)
			assert.Equal(t, joinLink(t, tag.Key, booking.ForGuest), room.GuestURL, "the room's own guest link")
			assert.Equal(t, joinLink(t, tag.Key, booking.ForHost), room.HostURL, "its maker gets the room's own host link")
			assert.NotContains(t, room.GuestURL+room.HostURL, "whereby", "never the provider's links")
			assert.NotNil(t, room.DialIn)
			assert.Equal(t, "Walk-in", room.Title)
			assert.Equal(t, f.clock.Now().Add(2*time.Hour), room.End)
			assert.Equal(t, &booking.Person{Name: "Fay Front Desk", Email: "fay@clinic.example"}, room.Organizer)

			bodies := f.createBodies()
			require.Len(t, bodies, 1)
			assert.Equal(t, tt.mode, bodies[0]["roomMode"])
			assert.Equal(t, "support-"+room.RoomID+"-", bodies[0]["roomNamePrefix"])
			assert.Equal(t, f.clock.Now().Add(2*time.Hour+168*time.Hour).Format(time.RFC3339), bodies[0]["endDate"])
			assert.Equal(t, booking.DeploymentTag("ops-test"), tag.Deployment, "the room carries this deployment")

			got, err := f.op.Room(f.ctx, room.RoomID, false)
			require.NoError(t, err)
			assert.Empty(t, got.HostURL, "not shown again unless asked for")
			assert.Equal(t, room.GuestURL, got.GuestURL)
			people, err := f.st.People(f.ctx, "FAY@clinic.example")
			require.NoError(t, err)
			assert.Equal(t, []string{tag.Key}, people, "the organizer is in the people index")
		})
	}
}

func TestCreateRoomLeavesASlowProviderToTheWorker(t *testing.T) {
	f := newFixture(t)
	f.op.Wait = 100 * time.Millisecond
	f.sb.Delay(2 * time.Second)
	made := f.create(operator.NewRoom{EndDate: "+1h"}, "")
	assert.False(t, made.Ready)
	assert.Equal(t, operator.Creating, made.Room.State)
	assert.Empty(t, made.Room.GuestURL)
	got, err := f.op.Room(f.ctx, made.Room.RoomID, false)
	require.NoError(t, err)
	assert.Equal(t, operator.Creating, got.State, "the id answers while the room is being made")
	b := f.record(made.Room.RoomID)
	assert.Equal(t, f.clock.Now(), b.DueAt, "due at once, for the worker")
	assert.Empty(t, b.Lease.Owner, "and free for it")
	assert.Nil(t, b.Failure, "a caller that stopped waiting is no failure of the provider's")
	assert.Equal(t, []string{b.Key}, f.queue.keys, "the worker is nudged")

	f.sb.Delay(0)
	res, err := f.r.Reconcile(f.ctx, b.Key)
	require.NoError(t, err)
	assert.Contains(t, res.Steps, "create room")
	got, err = f.op.Room(f.ctx, made.Room.RoomID, false)
	require.NoError(t, err)
	assert.Equal(t, operator.Active, got.State)
	assert.NotEmpty(t, got.GuestURL)
	assert.Len(t, f.sb.Rooms(), 1)
}

func TestCreateRoomIdempotency(t *testing.T) {
	f := newFixture(t)
	req := operator.NewRoom{Size: "small", EndDate: "+2h", Title: "Standup"}
	first := f.create(req, "key-123")
	again := f.create(req, "key-123")
	assert.Equal(t, first.Room.RoomID, again.Room.RoomID)
	assert.Equal(t, first.Room.GuestURL, again.Room.GuestURL)
	assert.Len(t, f.createBodies(), 1, "one room")

	other := req
	other.Title = "Retro"
	other.Organizer = &booking.Person{Email: "fay@example.org"}
	_, err := f.op.CreateRoom(f.ctx, other, "key-123")
	assert.Equal(t, booking.Unprocessable, booking.ErrorCode(err), "%v", err)
	keys, err := f.st.People(f.ctx, "fay@example.org")
	require.NoError(t, err)
	assert.Empty(t, keys, "the refused request's organizer is not indexed")

	f.clock.Add(operator.IdempotencyWindow + time.Minute)
	req.EndDate = "+3h"
	_, err = f.op.CreateRoom(f.ctx, req, "key-123")
	assert.Equal(t, booking.Unprocessable, booking.ErrorCode(err), "another body still")
	_, err = f.op.CreateRoom(f.ctx, operator.NewRoom{Size: "small", EndDate: "+2h", Title: "Standup"}, "key-123")
	assert.Equal(t, booking.Conflict, booking.ErrorCode(err), "the key is too old: %v", err)
	assert.Len(t, f.createBodies(), 1)
}

func TestCreateRoomRefusesBadInputAndStoresNothing(t *testing.T) {
	tests := []struct {
		name  string
		req   operator.NewRoom
		key   string
		field string
	}{
		{"no end date", operator.NewRoom{}, "", "endDate"},
		{"end date in the past", operator.NewRoom{EndDate: "2026-12-04T08:00:00Z"}, "", "endDate"},
		{"end date not a time", operator.NewRoom{EndDate: "tomorrow"}, "", "endDate"},
		{"negative duration", operator.NewRoom{EndDate: "+-2h"}, "", "endDate"},
		{"more than a year ahead", operator.NewRoom{EndDate: "+9000h"}, "", "endDate"},
		{"size", operator.NewRoom{EndDate: "+1h", Size: "2-4"}, "", "size"},
		{"provider not configured", operator.NewRoom{EndDate: "+1h", Provider: "zoom"}, "", "provider"},
		{"prefix too long", operator.NewRoom{EndDate: "+1h", NamePrefix: strings.Repeat("a", booking.MaxNamePrefix+1)}, "", "namePrefix"},
		{"prefix not a-z", operator.NewRoom{EndDate: "+1h", NamePrefix: "Support"}, "", "namePrefix"},
		{"title too long", operator.NewRoom{EndDate: "+1h", Title: strings.Repeat("t", booking.MaxTitle+1)}, "", "title"},
		{"organizer without address", operator.NewRoom{EndDate: "+1h", Organizer: &booking.Person{Name: "Fay"}}, "", "organizer.email"},
		{"organizer address", operator.NewRoom{EndDate: "+1h", Organizer: &booking.Person{Email: "fay at clinic"}}, "", "organizer.email"},
		{"idempotency key", operator.NewRoom{EndDate: "+1h"}, "a key with spaces", "Idempotency-Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.op.CreateRoom(f.ctx, tt.req, tt.key)
			var e *booking.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, booking.Invalid, e.Code)
			assert.Equal(t, tt.field, e.Field, e.Message)
			for _, state := range []booking.ListState{booking.Active, booking.Ended} {
				page, err := f.st.List(f.ctx, booking.ListQuery{State: state, Limit: 10})
				require.NoError(t, err)
				assert.Empty(t, page.Entries, "nothing stored")
			}
			assert.Empty(t, f.sb.Requests(), "nothing asked of the provider")
		})
	}
}

func TestExtendRoom(t *testing.T) {
	f := newFixture(t)
	made := f.create(operator.NewRoom{EndDate: "+2h"}, "")
	later := f.clock.Now().Add(5 * time.Hour)
	room, err := f.op.ExtendRoom(f.ctx, made.Room.RoomID, later.Format(time.RFC3339))
	require.NoError(t, err)
	assert.Equal(t, later, room.End)
	b := f.record(made.Room.RoomID)
	assert.Equal(t, later.Add(15*time.Minute), b.DueAt, "cleaned up at the new end + grace")
	assert.Equal(t, later.Add(720*time.Hour), b.ExpiresAt)

	sooner, err := f.op.ExtendRoom(f.ctx, made.Room.RoomID, "+30m")
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now().Add(30*time.Minute), sooner.End, "or shortened")

	// A Whereby room keeps its end date (end + slack): an end the room cannot reach is refused.
	_, err = f.op.ExtendRoom(f.ctx, made.Room.RoomID, "+200h")
	var e *booking.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, booking.Conflict, e.Code)
	assert.Equal(t, "endDate", e.Field)
	assert.Contains(t, e.Message, "at the latest")
	assert.Len(t, f.createBodies(), 1, "never a new room: its link is all its users have")

	_, err = f.op.ExtendRoom(f.ctx, made.Room.RoomID, "yesterday")
	assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
}

// TestExtendingARoomKeepsItsSessions: what happened in a hand-made room before its end moved
// later lasts as long as its record now does, not the retention of the end it was made with; and
// no longer than the record when its end moves earlier again.
func TestExtendingARoomKeepsItsSessions(t *testing.T) {
	f := newFixture(t)
	made := f.create(operator.NewRoom{EndDate: "+2h"}, "")
	b := f.record(made.Room.RoomID)
	stored := b.ExpiresAt
	joined := booking.RoomEvent{Kind: booking.Joined, At: f.clock.Now(), RoomID: b.Room.ID, SessionID: "s1", ParticipantID: "p1", Name: "Bob"}
	_, err := f.st.AddActivity(f.ctx, b.Key, []booking.RoomEvent{joined}, b.ExpiresAt) // as the webhook does
	require.NoError(t, err)

	_, err = f.op.ExtendRoom(f.ctx, made.Room.RoomID, "+5h")
	require.NoError(t, err)
	b = f.record(made.Room.RoomID)
	assert.True(t, b.ActivityExpires.IsZero(), "kept by the request's own run")

	_, err = f.st.Purge(f.ctx, stored.Add(time.Second))
	require.NoError(t, err)
	room, err := f.op.Room(f.ctx, made.Room.RoomID, true)
	require.NoError(t, err)
	assert.Equal(t, 1, room.InRoom, "Bob, still in the room, outlives the record's first expiry")

	// Shortened again, the room's history goes with its record, not later.
	_, err = f.op.ExtendRoom(f.ctx, made.Room.RoomID, "+3h")
	require.NoError(t, err)
	b = f.record(made.Room.RoomID)
	assert.True(t, b.ActivityExpires.IsZero())
	_, err = f.st.Purge(f.ctx, b.ExpiresAt.Add(time.Second))
	require.NoError(t, err)
	items, err := f.st.Activity(f.ctx, b.Key)
	require.NoError(t, err)
	assert.Empty(t, items, "no participant's name outlives the record")
}

func TestAHandMadeRoomThatVanishedIsMadeAgainUnderItsID(t *testing.T) {
	f := newFixture(t)
	made := f.create(operator.NewRoom{EndDate: "+2h"}, "")
	id := made.Room.RoomID
	gone := *f.record(id).Room
	require.NoError(t, f.r.Providers[whereby.Name].DeleteRoom(f.ctx, gone)) // in Whereby's dashboard
	f.clock.Add(10 * time.Minute)

	room, err := f.op.ExtendRoom(f.ctx, id, "+3h")
	require.NoError(t, err)
	assert.Equal(t, id, room.RoomID, "the id its maker holds still finds it")
	assert.Equal(t, operator.Active, room.State)
	assert.Equal(t, made.Room.GuestURL, room.GuestURL, "the same link: it now leads to the new room")
	live := f.sb.Rooms()
	require.Len(t, live, 1)
	assert.NotEqual(t, gone.GuestURL, live[0].RoomURL, "a new room")
	assert.Equal(t, live[0].RoomURL, f.record(id).Room.GuestURL)

	view, err := f.op.Booking(f.ctx, f.record(id).Key, false)
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now(), view.RoomVanishedAt)
	require.Len(t, view.EndedRooms, 1)
	assert.True(t, view.EndedRooms[0].Vanished)
	assert.Equal(t, gone.GuestURL, view.EndedRooms[0].GuestURL, "an ended room shows the link it had")
	require.NotNil(t, view.Room)
	assert.False(t, view.Room.Vanished)
	assert.Equal(t, id, view.Room.RoomID)

	page, err := f.op.Rooms(f.ctx, operator.RoomsQuery{})
	require.NoError(t, err)
	require.Len(t, page.Rooms, 1, "listed once, as active")
	assert.Equal(t, room.GuestURL, page.Rooms[0].GuestURL)
}

func TestDeleteRoom(t *testing.T) {
	f := newFixture(t)
	made := f.create(operator.NewRoom{EndDate: "+2h"}, "")
	id := made.Room.RoomID
	b := f.record(id)
	_, err := f.st.AddActivity(f.ctx, b.Key, []booking.RoomEvent{
		{Kind: booking.Joined, At: f.clock.Now(), RoomID: b.Room.ID, ParticipantID: "p1", Name: "Walk-in"},
	}, b.ExpiresAt)
	require.NoError(t, err)
	live, err := f.op.Room(f.ctx, id, false)
	require.NoError(t, err)
	assert.True(t, live.Live)
	assert.Equal(t, 1, live.InRoom, "one person in the room now")

	err = f.op.DeleteRoom(f.ctx, id, false)
	assert.Equal(t, booking.Conflict, booking.ErrorCode(err), "someone is in the room")
	assert.Len(t, f.sb.Rooms(), 1)

	require.NoError(t, f.op.DeleteRoom(f.ctx, id, true))
	assert.Empty(t, f.sb.Rooms(), "deleted at the provider now")
	room, err := f.op.Room(f.ctx, id, true)
	require.NoError(t, err)
	assert.Equal(t, operator.Ended, room.State)
	assert.Zero(t, room.InRoom, "nobody is in a deleted room")
	assert.Empty(t, room.HostURL, "an ended room has no host link to give")
	require.NoError(t, f.op.DeleteRoom(f.ctx, id, false), "deleting again is no error")

	// A booking's room is the booking's.
	key := booking.KeyOf("generic", "bk-1")
	tag := booking.Tag{Key: key, Gen: 1, Deployment: booking.DeploymentTag("ops-test")}.String()
	require.NoError(t, f.st.Put(f.ctx, &booking.Booking{Key: key, Source: "generic", ExternalID: "bk-1", Status: booking.Confirmed,
		Details: booking.Details{Title: "Intro", Start: f.clock.Now().Add(time.Hour), End: f.clock.Now().Add(2 * time.Hour)},
		Room:    &booking.Room{Provider: whereby.Name, ID: "77", Tag: tag, GuestURL: "https://rooms.test/x"}}))
	err = f.op.DeleteRoom(f.ctx, tag, true)
	var e *booking.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, booking.Conflict, e.Code)
	assert.Contains(t, e.Message, "bk-1", "it names the booking")
	_, err = f.op.ExtendRoom(f.ctx, tag, "+3h")
	assert.Equal(t, booking.Conflict, booking.ErrorCode(err))
	assert.Equal(t, booking.NotFound, booking.ErrorCode(f.op.DeleteRoom(f.ctx, "rknothing", false)))
}

func TestHistoryOutlivesTheRoom(t *testing.T) {
	f := newFixture(t)
	made := f.create(operator.NewRoom{EndDate: "+1h"}, "")
	id := made.Room.RoomID
	b := f.record(id)
	start := f.clock.Now()
	var events []booking.RoomEvent
	for _, e := range []booking.RoomEvent{
		{Kind: booking.SessionStarted, At: start.Add(5 * time.Minute), SessionID: "s1"},
		{Kind: booking.Joined, At: start.Add(5 * time.Minute), SessionID: "s1", ParticipantID: "p1", Name: "Fay"},
		{Kind: booking.Joined, At: start.Add(6 * time.Minute), SessionID: "s1", ParticipantID: "p2", Name: "Walk-in", DialIn: true},
		{Kind: booking.Left, At: start.Add(16 * time.Minute), SessionID: "s1", ParticipantID: "p2"},
		{Kind: booking.Left, At: start.Add(20 * time.Minute), SessionID: "s1", ParticipantID: "p1"},
		{Kind: booking.SessionEnded, At: start.Add(20 * time.Minute), SessionID: "s1"},
	} {
		e.RoomID = b.Room.ID
		events = append(events, e)
	}
	_, err := f.st.AddActivity(f.ctx, b.Key, events, b.ExpiresAt)
	require.NoError(t, err)

	f.clock.Set(b.Details.End.Add(15 * time.Minute))
	res, err := f.r.Reconcile(f.ctx, b.Key)
	require.NoError(t, err)
	assert.Equal(t, []string{"clean up room"}, res.Steps)
	assert.Empty(t, f.sb.Rooms())

	room, err := f.op.Room(f.ctx, id, false)
	require.NoError(t, err)
	assert.Equal(t, operator.Ended, room.State)
	sessions, err := f.op.Sessions(f.ctx, id)
	require.NoError(t, err)
	require.Len(t, sessions.Sessions, 1, "the history is still there")
	assert.Equal(t, 15+10, sessions.Sessions[0].ParticipantMinutes)
	parts, err := f.op.Participants(f.ctx, id, "s1")
	require.NoError(t, err)
	assert.Len(t, parts.Participants, 2)

	active, err := f.op.Rooms(f.ctx, operator.RoomsQuery{})
	require.NoError(t, err)
	assert.Empty(t, active.Rooms)
	ended, err := f.op.Rooms(f.ctx, operator.RoomsQuery{State: operator.Ended})
	require.NoError(t, err)
	require.Len(t, ended.Rooms, 1)
	assert.Equal(t, id, ended.Rooms[0].RoomID)

	day := start.Format(time.DateOnly)
	usage, err := f.op.Usage(f.ctx, day, day)
	require.NoError(t, err)
	require.Len(t, usage.Days, 1)
	assert.Equal(t, operator.Figures{Rooms: 1, Sessions: 1, Participants: 2, ParticipantMinutes: 25, DialInCallers: 1}, usage.Days[0].Figures)
	assert.Equal(t, usage.Days[0].Figures, usage.Totals)

	// A retried cleanup (a run that stopped after recording the usage) counts nothing twice.
	b = f.record(id)
	b.Ended[0].Counted, b.Done, b.DueAt = false, false, f.clock.Now()
	require.NoError(t, f.st.Put(f.ctx, b))
	_, err = f.r.Reconcile(f.ctx, b.Key)
	require.NoError(t, err)
	again, err := f.op.Usage(f.ctx, day, day)
	require.NoError(t, err)
	assert.Equal(t, usage, again)
}

func TestUsageRange(t *testing.T) {
	f := newFixture(t)
	f.op.Zone, _ = time.LoadLocation("Europe/Oslo")
	u, err := f.op.Usage(f.ctx, "", "")
	require.NoError(t, err)
	assert.Len(t, u.Days, operator.DefaultUsageDays, "the last 30 days, today included")
	assert.Equal(t, "2026-12-04", u.To)
	assert.Equal(t, "Europe/Oslo", u.TimeZone)
	for _, tt := range []struct{ from, to, field string }{
		{"2026-12-05", "2026-12-04", "to"},
		{"2025-01-01", "2026-12-04", "from"},
		{"yesterday", "", "from"},
		{"", "12/04/2026", "to"},
	} {
		_, err := f.op.Usage(f.ctx, tt.from, tt.to)
		var e *booking.Error
		require.ErrorAs(t, err, &e, "%s..%s", tt.from, tt.to)
		assert.Equal(t, tt.field, e.Field)
	}
}

func TestBookingsList(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	put := func(id string, start time.Duration, status booking.Status, done bool) {
		t.Helper()
		require.NoError(t, f.st.Put(f.ctx, &booking.Booking{
			Key: booking.KeyOf("generic", id), Source: "generic", ExternalID: id, Status: status, Done: done,
			Details: booking.Details{Title: id, Start: now.Add(start), End: now.Add(start + time.Hour)},
		}))
	}
	put("past", -48*time.Hour, booking.Confirmed, true)
	put("cancelled", -24*time.Hour, booking.Cancelled, true)
	put("today", time.Hour, booking.Confirmed, false)
	put("tomorrow", 24*time.Hour, booking.Confirmed, false)
	put("next-week", 7*24*time.Hour, booking.Confirmed, false)
	f.create(operator.NewRoom{EndDate: "+1h"}, "") // a hand-made room is no booking

	var ids []string
	cursor := ""
	for range 10 {
		page, err := f.op.Bookings(f.ctx, operator.BookingsQuery{Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(page.Bookings), 2)
		for _, b := range page.Bookings {
			ids = append(ids, b.ExternalID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	assert.Equal(t, []string{"past", "cancelled", "today", "tomorrow", "next-week"}, ids, "by start, across active and ended records")

	page, err := f.op.Bookings(f.ctx, operator.BookingsQuery{Status: "cancelled"})
	require.NoError(t, err)
	require.Len(t, page.Bookings, 1)
	assert.Equal(t, "cancelled", page.Bookings[0].ExternalID)

	page, err = f.op.Bookings(f.ctx, operator.BookingsQuery{From: "2026-12-04", To: now.Add(48 * time.Hour).Format(time.RFC3339)})
	require.NoError(t, err)
	var got []string
	for _, b := range page.Bookings {
		got = append(got, b.ExternalID)
	}
	assert.Equal(t, []string{"today", "tomorrow"}, got)

	for _, q := range []operator.BookingsQuery{{Status: "maybe"}, {From: "soon"}, {Limit: 500}, {Cursor: "!"}, {From: "2026-12-05", To: "2026-12-04"}} {
		_, err := f.op.Bookings(f.ctx, q)
		assert.Equal(t, booking.Invalid, booking.ErrorCode(err), "%+v", q)
	}
}

func TestErase(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	ob, err := outbox.New(dir, f.clock.Now)
	require.NoError(t, err)
	f.op.Outbox = ob
	now := f.clock.Now()
	bob := booking.Person{ID: "bob00001", Name: "Bob Guest", Email: "bob@example.net"}
	ada := booking.Person{Name: "Ada Host", Email: "ada@example.com"}
	store := func(id string, start time.Duration, organizer booking.Person, attendees ...booking.Person) string {
		t.Helper()
		b := &booking.Booking{
			Key: booking.KeyOf("generic", id), Source: "generic", ExternalID: id, Status: booking.Confirmed,
			Details: booking.Details{Title: id, Start: now.Add(start), End: now.Add(start + time.Hour), Organizer: organizer, Attendees: attendees},
		}
		for _, p := range append([]booking.Person{organizer}, attendees...) {
			b.Invites = append(b.Invites, booking.Invite{Person: p, Organizer: p == organizer, Sequence: 0, Method: booking.Request})
		}
		b.Room = &booking.Room{Provider: "whereby", ID: "m-" + id, Tag: "tag-" + id}
		// Bob came, recorded as an item of its own, and a knock of his.
		_, err := f.st.AddActivity(f.ctx, b.Key, []booking.RoomEvent{
			{Kind: booking.Joined, At: now, ParticipantID: "p1", Name: "Bob Guest"},
			{Kind: booking.Knocked, At: now.Add(-time.Minute), Name: "Bob Guest"},
		}, now.Add(time.Hour))
		require.NoError(t, err)
		// Bob again, under another name, by his own link: its externalId names him. Recorded in
		// the record, as records stored before activity items hold it.
		b.Embedded.Apply(booking.RoomEvent{Kind: booking.Joined, At: now, ParticipantID: "p2", Name: "Robert", ExternalID: "bob00001"})
		require.NoError(t, f.st.IndexPeople(f.ctx, b.Key, b.Emails(), now.Add(time.Hour)))
		require.NoError(t, f.st.Put(f.ctx, b))
		return b.Key
	}
	upcoming := store("upcoming", 24*time.Hour, ada, bob, booking.Person{Email: "cy@example.org"})
	past := store("past", -48*time.Hour, bob)
	other := store("other", time.Hour, ada, booking.Person{Email: "cy@example.org"})
	_, err = ob.Send(f.ctx, booking.Message{From: "rk@example.org", To: []string{"bob@example.net"},
		Raw: []byte("From: rk@example.org\r\nTo: Bob Guest <bob@example.net>\r\nSubject: Invitation\r\n\r\nhello\r\n")})
	require.NoError(t, err)
	_, err = ob.Send(f.ctx, booking.Message{From: "rk@example.org", To: []string{"ada@example.com"},
		Raw: []byte("From: rk@example.org\r\nTo: ada@example.com\r\nSubject: Invitation\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			"QVRURU5ERUU7Q049Qm9iIEd1ZXN0Om1haWx0bzpCT0JAZXhhbXBsZS5uZXQ=\r\n")}) // ATTENDEE;CN=Bob Guest:mailto:BOB@example.net
	require.NoError(t, err)
	_, err = ob.Send(f.ctx, booking.Message{From: "rk@example.org", To: []string{"cy@example.org"},
		Raw: []byte("From: rk@example.org\r\nTo: cy@example.org\r\nSubject: Invitation\r\n\r\nhello\r\n")})
	require.NoError(t, err)

	out, err := f.op.Erase(f.ctx, "Bob@Example.net")
	require.NoError(t, err)
	assert.Equal(t, operator.Erased{Records: 2, Outbox: 2}, out)

	anon := operator.Anonymous("bob@example.net")
	get := func(key string) *booking.Booking {
		b, err := f.st.Get(f.ctx, key)
		require.NoError(t, err)
		require.NoError(t, booking.LoadActivity(f.ctx, f.st, b))
		return b
	}
	u := get(upcoming)
	assert.Equal(t, []booking.Person{{Email: "cy@example.org"}}, u.Details.Attendees, "removed from a meeting still to come")
	assert.Equal(t, anon, u.Invites[1].Email)
	assert.Empty(t, u.Invites[1].Name)
	assert.Equal(t, operator.ErasedName, u.Activity.Connections[0].Name)
	assert.Equal(t, operator.ErasedName, u.Activity.Connections[1].Name, "matched by the externalId his link carried")
	p := get(past)
	assert.Equal(t, anon, p.Details.Organizer.Email, "anonymised in a meeting that is over")
	assert.Equal(t, operator.ErasedName, p.Activity.Connections[0].Name)
	uItems, err := f.st.Activity(f.ctx, upcoming)
	require.NoError(t, err)
	pItems, err := f.st.Activity(f.ctx, past)
	require.NoError(t, err)
	require.Len(t, uItems, 2, "rewritten in place")
	raw, err := json.Marshal([]any{u, p, uItems, pItems})
	require.NoError(t, err)
	assert.NotContains(t, strings.ToLower(string(raw)), "bob@example.net")
	assert.NotContains(t, string(raw), "Bob Guest")
	assert.NotContains(t, string(raw), "Robert")
	assert.Equal(t, "ada@example.com", get(other).Details.Organizer.Email, "no one else is touched")

	keys, err := f.st.People(f.ctx, "bob@example.net")
	require.NoError(t, err)
	assert.Empty(t, keys)
	entries, err := ob.List()
	require.NoError(t, err)
	assert.Len(t, entries, 1, "only the message that never named Bob is left")

	again, err := f.op.Erase(f.ctx, "bob@example.net")
	require.NoError(t, err)
	assert.Equal(t, operator.Erased{}, again, "an erasure repeated touches nothing more")
	_, err = f.op.Erase(f.ctx, "not an address")
	assert.Equal(t, booking.Invalid, booking.ErrorCode(err))

	// A guest a booking tool listed whom mail cannot reach is held too, and can be erased.
	b := get(other)
	b.Details.Uninvited = []booking.Person{{Name: "Jörg", Email: "jörg@xn--bcher-kva.example"}}
	require.NoError(t, f.st.IndexPeople(f.ctx, b.Key, b.Emails(), now.Add(time.Hour)))
	require.NoError(t, f.st.Put(f.ctx, b))
	out, err = f.op.Erase(f.ctx, "Jörg@bücher.example")
	require.NoError(t, err)
	assert.Equal(t, 1, out.Records)
	assert.Empty(t, get(other).Details.Uninvited)
}

// TestABookingShowsEachRecipientsMailProblem: GET /v1/bookings/{id} shows, per recipient, a
// bounce or complaint the mail service reported, whether mail to them stopped and whether the
// organizer was told.
func TestABookingShowsEachRecipientsMailProblem(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	ada := booking.Person{Name: "Ada Host", Email: "ada@example.com"}
	bob := booking.Person{Name: "Bob Guest", Email: "bob@example.net"}
	cy := booking.Person{Email: "cy@example.org"}
	b := &booking.Booking{
		Key: booking.KeyOf("generic", "bounced"), Source: "generic", ExternalID: "bounced", Status: booking.Confirmed,
		Details: booking.Details{Title: "Intro", Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Organizer: ada, Attendees: []booking.Person{bob, cy}},
		Invites: []booking.Invite{
			{Person: ada, Organizer: true, Method: booking.Request, SentAt: now},
			{Person: bob, Method: booking.Request, SentAt: now},
			{Person: cy, Method: booking.Request, SentAt: now},
		},
	}
	b.ApplyMailEvent(booking.MailEvent{Kind: booking.MailBounced, Type: "Permanent/General", Recipients: []string{bob.Email}, At: now})
	b.ApplyMailEvent(booking.MailEvent{Kind: booking.MailBounced, Type: "Transient/MailboxFull", Recipients: []string{cy.Email}, At: now})
	b.InviteFor(bob.Email).Problem.Notified = true
	require.NoError(t, f.st.Put(f.ctx, b))

	got, err := f.op.Booking(f.ctx, "generic:bounced", false)
	require.NoError(t, err)
	require.Len(t, got.Invites, 3)
	assert.Nil(t, got.Invites[0].MailProblem)
	assert.Equal(t, &operator.MailProblem{Kind: "bounce", Type: "Permanent/General", At: now, Stopped: true, OrganizerTold: true}, got.Invites[1].MailProblem)
	assert.Equal(t, &operator.MailProblem{Kind: "bounce", Type: "Transient/MailboxFull", At: now}, got.Invites[2].MailProblem)
	raw, err := json.Marshal(got.Invites[1])
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"mailProblem":{"kind":"bounce","type":"Permanent/General","at":"2026-12-04T09:00:00Z","stopped":true,"organizerTold":true}`)
}

// TestABookingShowsItsRemindersAndWhoWasReminded: a booking shows the reminders that apply to
// it — its own, else its source's, none for a hand-made room — and each recipient the latest
// reminder sent to them, in minutes before the start.
func TestABookingShowsItsRemindersAndWhoWasReminded(t *testing.T) {
	f := newFixture(t)
	f.r.Reminders = map[string][]time.Duration{"calcom": {24 * time.Hour, 15 * time.Minute}}
	now := f.clock.Now()
	ada := booking.Person{Name: "Ada Host", Email: "ada@example.com"}
	bob := booking.Person{Name: "Bob Guest", Email: "bob@example.net"}
	put := func(source, id string, own []int) {
		b := &booking.Booking{
			Key: booking.KeyOf(source, id), Source: source, ExternalID: id, Status: booking.Confirmed,
			Details: booking.Details{Title: "Intro", Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Organizer: ada, Attendees: []booking.Person{bob}, Reminders: own},
			Invites: []booking.Invite{
				{Person: ada, Organizer: true, Method: booking.Request, SentAt: now, Reminded: 1440},
				{Person: bob, Method: booking.Request, SentAt: now},
			},
		}
		require.NoError(t, f.st.Put(f.ctx, b))
	}
	put("calcom", "by-source", nil)
	put("generic", "own", []int{60, 10})
	put("generic", "none", []int{})

	got, err := f.op.Booking(f.ctx, "calcom:by-source", false)
	require.NoError(t, err)
	assert.Equal(t, []int{1440, 15}, got.Reminders, "the source's")
	assert.Equal(t, 1440, got.Invites[0].Reminded)
	assert.Zero(t, got.Invites[1].Reminded)
	raw, err := json.Marshal(got)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"reminded":1440`)
	assert.Contains(t, string(raw), `"reminders":[1440,15]`)

	got, err = f.op.Booking(f.ctx, "generic:own", false)
	require.NoError(t, err)
	assert.Equal(t, []int{60, 10}, got.Reminders, "its own")

	got, err = f.op.Booking(f.ctx, "generic:none", false)
	require.NoError(t, err)
	assert.Empty(t, got.Reminders)
	raw, err = json.Marshal(got)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), `"reminders"`)
}

const testLinkSecret = "ops-link-secret"

type linkSecret string

func (s linkSecret) Secret(context.Context, string, bool) (string, error) { return string(s), nil }

// joinLink is a hand-made room's own /j/ link for a purpose.
func joinLink(t *testing.T, key string, p booking.Purpose) string {
	t.Helper()
	tok, err := link.Make(testLinkSecret, link.Token{Key: key, Recipient: booking.RoomLink, Purpose: p})
	require.NoError(t, err)
	return link.URL("https://rk.example", tok)
}

// TestAHandMadeRoomIsNotOffered24sessions: 24sessions makes each meeting for a guest, and a room
// made by hand has none, so asking for one there — by name, or by a default provider of
// 24sessions — is refused up front: a 422 naming provider, nothing stored, nothing asked of
// 24sessions; the providers offered for hand-made rooms leave it out.
func TestAHandMadeRoomIsNotOffered24sessions(t *testing.T) {
	tf, err := sandbox.NewTwentyFour(sandbox.TwentyFourOptions{ClientID: "tf", ClientSecret: "tf-secret", UserID: "77", MeetingTypeID: "5"})
	require.NoError(t, err)
	srv := httptest.NewServer(tf)
	t.Cleanup(srv.Close)
	client, err := twentyfour.New(twentyfour.Config{
		Instance: "acme", ClientID: "tf", ClientSecret: "tf-secret", UserID: "77", MeetingTypeID: "5",
		APIURL: srv.URL + sandbox.TwentyFourAPIPath, HTTPClient: srv.Client(),
	})
	require.NoError(t, err)
	for _, tt := range []struct {
		name, defaultProvider, provider string
	}{
		{"asked for", whereby.Name, twentyfour.Name},
		{"by default", twentyfour.Name, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.r.Providers[twentyfour.Name] = client
			f.op.Providers = []string{whereby.Name, twentyfour.Name}
			f.op.DefaultProvider = tt.defaultProvider
			assert.Equal(t, []string{whereby.Name}, f.op.HandMadeProviders())

			_, err := f.op.CreateRoom(f.ctx, operator.NewRoom{EndDate: "+1h", Provider: tt.provider}, "")
			var e *booking.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, booking.Unprocessable, e.Code)
			assert.Equal(t, "provider", e.Field)
			assert.Equal(t, "24sessions makes a room only for a booking with a guest, and a room made by hand has none; choose another provider: whereby", e.Message)
			page, err := f.st.List(f.ctx, booking.ListQuery{State: booking.Active, Limit: 10})
			require.NoError(t, err)
			assert.Empty(t, page.Entries, "nothing stored")
			assert.Empty(t, tf.Requests(), "nothing asked of 24sessions")

			made := f.create(operator.NewRoom{EndDate: "+1h", Provider: whereby.Name}, "")
			assert.Equal(t, whereby.Name, made.Room.Provider, "another provider still makes rooms")
		})
	}
}
