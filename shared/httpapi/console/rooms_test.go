package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// createForm is a valid create form: a 2–200 room with dial-in, ending in a week.
func createForm(key string) url.Values {
	return url.Values{
		"key": {key}, "size": {"large"}, "title": {"Team sync"}, "namePrefix": {"team"}, "end": {"1w"},
		"organizerName": {"Ada Front Desk"}, "organizerEmail": {"ada@clinic.example"}, "dialIn": {"on"},
	}
}

func TestCreateRoom(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(f.adminToken)

	form := b.page("/console/rooms/new")
	assert.Contains(t, form, `value="ada@clinic.example"`, "the organizer defaults to the operator's e-mail")
	assert.Contains(t, form, "2–4 people")
	assert.Contains(t, form, "Peer to peer, end-to-end encrypted: for consultations and 1:1s.")
	assert.Contains(t, form, "2–200 people")
	assert.Contains(t, form, "For larger gatherings.")
	for _, quick := range []string{`value="1h" checked`, `value="today"`, `value="1w"`, `value="custom"`, `type="datetime-local"`} {
		assert.Contains(t, form, quick)
	}
	assert.NotContains(t, form, `id="provider"`, "one provider configured: no choice to make")
	for _, id := range []string{"title", "namePrefix", "end-at", "organizerName", "organizerEmail"} {
		assert.Contains(t, form, `<label for="`+id+`"`, "every control has a label")
	}

	a, page := b.post("/console/rooms", createForm("k-1"))
	require.Equal(t, http.StatusCreated, a.StatusCode, page)
	rooms := f.sb.Rooms()
	require.Len(t, rooms, 1)
	assert.Equal(t, "group", rooms[0].RoomMode, "2–200 people")
	assert.Contains(t, page, "Room created")
	assert.Contains(t, page, `id="guest-link" value="`+rooms[0].RoomURL+`"`)
	assert.Contains(t, page, `id="host-link" value="`+rooms[0].HostRoomURL+`"`, "its maker sees the host link once")
	assert.Contains(t, page, `data-copy="guest-link"`)
	assert.Contains(t, page, `data-copy="host-link"`)
	require.NotNil(t, rooms[0].DialIn)
	assert.Contains(t, page, `href="tel:`, "a tap-to-dial link")
	assert.Contains(t, page, rooms[0].DialIn.Code)

	// Sent again (a reload of the answer): the same room.
	a, _ = b.post("/console/rooms", createForm("k-1"))
	assert.Equal(t, http.StatusCreated, a.StatusCode)
	assert.Len(t, f.sb.Rooms(), 1, "one form, one room")

	list := b.page("/console")
	assert.Contains(t, list, "Team sync")
	assert.Contains(t, list, "Made by hand")
	assert.Contains(t, list, rooms[0].RoomURL, "Join")
	assert.NotContains(t, list, "roomKey", "no host link in the list")
	assert.Contains(t, list, "Fri 11 Dec, 10:00", "the end in the operator's zone (Europe/Oslo)")

	entries := f.roomChanges()
	require.Len(t, entries, 2)
	assert.Equal(t, "room.create", entries[0].Action)
	assert.Equal(t, "ada", entries[0].Operator)
}

func TestCreateRoomShowsEachMessageBesideItsField(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(f.adminToken)
	for _, tt := range []struct {
		name   string
		edit   url.Values
		field  string // the id of the field's message
		msg    string
		status int
	}{
		{"name prefix", url.Values{"namePrefix": {"Front Desk!"}}, "namePrefix-error", "Must be at most 13 of a-z, 0-9 and -.", 400},
		{"organizer e-mail", url.Values{"organizerEmail": {"not an address"}}, "organizerEmail-error", "", 400},
		{"no date picked", url.Values{"end": {"custom"}, "endAt": {""}}, "end-error", "Pick a date and time, or one of the quick choices.", 400},
		{"end in the past", url.Values{"end": {"custom"}, "endAt": {"2026-12-01T10:00"}}, "end-error", "Must be in the future.", 400},
		{"end too far", url.Values{"end": {"custom"}, "endAt": {"2028-12-01T10:00"}}, "end-error", "Must be at most a year ahead.", 400},
		{"size", url.Values{"size": {"huge"}}, "size-error", "", 400},
		{"title", url.Values{"title": {strings.Repeat("x", 501)}}, "title-error", "", 400},
		{"provider", url.Values{"provider": {"zoom"}}, "", `Provider &#34;zoom&#34; is not configured; configured: whereby.`, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b.page("/console/rooms/new")
			form := createForm("k-" + tt.name)
			for k, v := range tt.edit {
				form[k] = v
			}
			a, page := b.post("/console/rooms", form)
			assert.Equal(t, tt.status, a.StatusCode)
			if tt.field != "" {
				assert.Regexp(t, `<p class="field-error" id="`+tt.field+`">[^<]+</p>`, page, "the message beside the field")
			}
			assert.Contains(t, page, tt.msg)
			assert.Contains(t, page, `value="`+form.Get("title")+`"`, "what was typed is kept")
			assert.Contains(t, page, `value="`+form.Get("organizerEmail")+`"`)
			assert.Contains(t, page, `value="Ada Front Desk"`)
			if tt.name != "size" {
				assert.Contains(t, page, `value="large" checked`)
			}
			assert.Contains(t, page, `name="dialIn" id="dialIn" checked`)
			if v := tt.edit.Get("namePrefix"); v != "" {
				assert.Contains(t, page, `value="Front Desk!"`)
			}
			if v := tt.edit.Get("endAt"); v != "" {
				assert.Contains(t, page, `value="`+v+`"`)
				assert.Contains(t, page, `value="custom" checked`)
			}
		})
	}
	assert.Empty(t, f.sb.Rooms(), "nothing made")
}

func TestCreateRoomOffersTheProvidersWhenThereAreSeveral(t *testing.T) {
	f := newFixture(t)
	f.op.Providers = []string{"whereby", "zoom"}
	form := f.signedIn(f.adminToken).page("/console/rooms/new")
	assert.Contains(t, form, `<label for="provider">Video provider</label>`)
	assert.Contains(t, form, `<option value="whereby" selected>whereby</option>`, "the default provider first chosen")
	assert.Contains(t, form, `<option value="zoom">zoom</option>`)
}

func TestCreateRoomEndChoices(t *testing.T) {
	f := newFixture(t)
	b := f.signedIn(f.adminToken)
	oslo := f.op.Zone
	for choice, want := range map[string]time.Time{
		"1h":     f.clock.Now().Add(time.Hour),
		"today":  time.Date(2026, 12, 4, 23, 59, 0, 0, oslo),
		"1w":     f.clock.Now().Add(7 * 24 * time.Hour),
		"custom": time.Date(2026, 12, 5, 17, 30, 0, 0, oslo),
	} {
		b.page("/console/rooms/new")
		form := createForm("k-" + choice)
		form.Set("end", choice)
		form.Set("endAt", "2026-12-05T17:30")
		a, page := b.post("/console/rooms", form)
		require.Equal(t, http.StatusCreated, a.StatusCode, page)
		rooms, err := f.op.Rooms(f.ctx, operator.RoomsQuery{})
		require.NoError(t, err)
		var found bool
		for _, r := range rooms.Rooms {
			found = found || r.End.Equal(want)
		}
		assert.True(t, found, "%s ends at %s", choice, want)
	}
}

func TestHostLinkOnlyWhenAskedFor(t *testing.T) {
	f := newFixture(t)
	room := f.create(operator.NewRoom{EndDate: "+2h", Title: "Walk-in"})
	host := f.sb.Rooms()[0].HostRoomURL
	key := host[strings.Index(host, "roomKey=")+len("roomKey="):]
	b := f.signedIn(f.adminToken)
	for _, path := range []string{"/console", "/console/rooms/" + room.RoomID, "/console/rooms/" + room.RoomID + "/sessions", "/console/bookings", "/console/audit"} {
		page := b.page(path)
		assert.NotContains(t, page, key, "%s: no host link in the page's source", path)
	}
	b.page("/console/rooms/" + room.RoomID)
	a, page := b.post("/console/rooms/"+room.RoomID+"/host-link", url.Values{})
	require.Equal(t, http.StatusOK, a.StatusCode)
	assert.Contains(t, page, key, "shown when asked for")
	assert.Contains(t, page, `id="host-link"`)
	assert.Contains(t, page, "Share it only with hosts.")
	entries := f.roomChanges()
	require.Len(t, entries, 1)
	assert.Equal(t, access.ActionRoomHostLink, entries[0].Action)
	assert.Equal(t, room.RoomID, entries[0].Target)
	assert.NotContains(t, b.page("/console/rooms/"+room.RoomID), key, "and gone again on the next page")
	assert.Contains(t, b.page("/console/audit"), "Viewed a host link")
}

func TestLiveBadgeAndDeleteAsksAgain(t *testing.T) {
	f := newFixture(t)
	room := f.create(operator.NewRoom{EndDate: "+2h", Title: "Walk-in"})
	now := f.clock.Now()
	f.happen(room.RoomID,
		booking.RoomEvent{Kind: booking.Joined, At: now, ParticipantID: "p1", Name: "Fay"},
		booking.RoomEvent{Kind: booking.Joined, At: now, ParticipantID: "p2", Name: "Walk-in guest"},
	)
	b := f.signedIn(f.adminToken)
	assert.Contains(t, b.page("/console"), `<span class="badge live">Live · 2 in the room</span>`)

	confirm := b.page("/console/rooms/" + room.RoomID + "/delete")
	assert.Contains(t, confirm, "This room is live.")
	assert.Contains(t, confirm, "2 people are in it.")
	a, page := b.post("/console/rooms/"+room.RoomID+"/delete", url.Values{})
	assert.Equal(t, http.StatusConflict, a.StatusCode, "a live room asks again")
	assert.Contains(t, page, "Someone is in this room now.")
	assert.Contains(t, page, `name="force" value="yes"`)
	assert.Contains(t, page, "End the call and delete")
	assert.Len(t, f.sb.Rooms(), 1, "not deleted yet")

	a, _ = b.post("/console/rooms/"+room.RoomID+"/delete", url.Values{"force": {"yes"}})
	require.Equal(t, http.StatusSeeOther, a.StatusCode)
	assert.Equal(t, "/console?done=deleted", a.Header.Get("Location"))
	assert.Empty(t, f.sb.Rooms(), "deleted at the provider")
	list := b.page("/console?done=deleted")
	assert.Contains(t, list, "The room was deleted.")
	assert.NotContains(t, list, "Walk-in")
	ended := b.page("/console?state=ended")
	assert.Contains(t, ended, "Walk-in")
	assert.Contains(t, ended, `<span class="badge">Ended</span>`)
	entries := f.roomChanges()
	require.Len(t, entries, 1)
	assert.Equal(t, "room.delete", entries[0].Action)
}

func TestDeleteAQuietRoom(t *testing.T) {
	f := newFixture(t)
	room := f.create(operator.NewRoom{EndDate: "+2h", Title: "Walk-in"})
	b := f.signedIn(f.adminToken)
	confirm := b.page("/console/rooms/" + room.RoomID + "/delete")
	assert.Contains(t, confirm, "Delete “Walk-in”?")
	assert.NotContains(t, confirm, `name="force"`)
	a, _ := b.post("/console/rooms/"+room.RoomID+"/delete", url.Values{})
	require.Equal(t, http.StatusSeeOther, a.StatusCode)
	assert.Empty(t, f.sb.Rooms())
	a = b.get("/console/rooms/" + room.RoomID + "/delete")
	assert.Equal(t, http.StatusConflict, a.StatusCode, "already deleted")
}

func TestABookingsRoomIsNotDeletedByHand(t *testing.T) {
	f := newFixture(t)
	id := putBooking(t, f)
	b := f.signedIn(f.adminToken)
	page := b.page("/console")
	assert.Contains(t, page, "Intro call")
	assert.NotContains(t, page, "/delete", "no Delete for a booking's room")
	a := b.get("/console/rooms/" + id + "/delete")
	assert.Equal(t, http.StatusConflict, a.StatusCode)
	assert.Contains(t, a.body, "This room belongs to a booking")
	b.page("/console")
	a, page = b.post("/console/rooms/"+id+"/delete", url.Values{"force": {"yes"}})
	assert.Equal(t, http.StatusConflict, a.StatusCode)
	assert.Contains(t, page, "change or cancel the booking instead", "the operator's refusal")
}

func TestExtendRoom(t *testing.T) {
	f := newFixture(t)
	room := f.create(operator.NewRoom{EndDate: "+2h", Title: "Walk-in"})
	b := f.signedIn(f.adminToken)
	b.page("/console/rooms/" + room.RoomID)
	a, _ := b.post("/console/rooms/"+room.RoomID+"/end", url.Values{"end": {"today"}})
	require.Equal(t, http.StatusSeeOther, a.StatusCode)
	got, err := f.op.Room(f.ctx, room.RoomID, false)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 12, 4, 23, 59, 0, 0, f.op.Zone).UTC(), got.End.UTC())
	assert.Contains(t, b.page("/console/rooms/"+room.RoomID+"?done=extended"), "The room&#39;s end was moved.")

	// A Whereby room keeps the end date it was made with: a week on is too far.
	a, page := b.post("/console/rooms/"+room.RoomID+"/end", url.Values{"end": {"custom"}, "endAt": {"2026-12-20T10:00"}})
	assert.Equal(t, http.StatusConflict, a.StatusCode)
	assert.Regexp(t, `<p class="field-error" id="extend-end-error">A whereby room keeps the end date it was made with`, page)
	assert.Contains(t, page, `value="2026-12-20T10:00"`)
}

func TestSessionsAndParticipants(t *testing.T) {
	f := newFixture(t)
	room := f.create(operator.NewRoom{EndDate: "+2h", Title: "Walk-in", DialIn: true})
	start := f.clock.Now()
	f.happen(room.RoomID,
		booking.RoomEvent{Kind: booking.SessionStarted, At: start, SessionID: "s-2a4ed9b1-52c4-4f33"},
		booking.RoomEvent{Kind: booking.Joined, At: start, SessionID: "s-2a4ed9b1-52c4-4f33", ParticipantID: "p1", Name: "Fay", Role: "host", Host: true},
		booking.RoomEvent{Kind: booking.Joined, At: start.Add(time.Minute), SessionID: "s-2a4ed9b1-52c4-4f33", ParticipantID: "p2", Name: "Phone caller", DialIn: true},
		booking.RoomEvent{Kind: booking.Left, At: start.Add(11 * time.Minute), SessionID: "s-2a4ed9b1-52c4-4f33", ParticipantID: "p2"},
	)
	f.clock.Add(20 * time.Minute)
	b := f.signedIn(f.viewerToken)
	page := b.page("/console/rooms/" + room.RoomID + "/sessions")
	assert.Contains(t, page, `title="s-2a4ed9b1-52c4-4f33"`)
	assert.Contains(t, page, `<span class="badge live">Live</span>`)
	assert.Contains(t, page, `data-label="Participants" class="num">2</td>`)
	assert.Contains(t, page, `data-label="Participant minutes" class="num">30</td>`, "20 + 10")
	assert.Contains(t, page, `data-label="Dial-in callers">Phone caller</td>`)
	assert.Contains(t, page, `<th scope="col">Session</th>`)

	page = b.page("/console/rooms/" + room.RoomID + "/sessions/s-2a4ed9b1-52c4-4f33")
	assert.Contains(t, page, `<th scope="row" data-label="Name">Fay</th>`)
	assert.Contains(t, page, `<span class="badge accent">Host</span>`)
	assert.Contains(t, page, `<span class="badge live">In the room</span>`)
	assert.Contains(t, page, `data-label="Minutes" class="num">10</td>`)
	assert.Contains(t, page, `By phone`)
	assert.Contains(t, page, "Today, 10:01", "joined, in Europe/Oslo")
	assert.Equal(t, http.StatusNotFound, b.get("/console/rooms/"+room.RoomID+"/sessions/nope").StatusCode)
}

// putBooking stores a booking with a room, invites and a failure, and returns the room's id.
func putBooking(t *testing.T, f *fixture) string {
	t.Helper()
	key := booking.KeyOf("generic", "bk_42")
	tag := booking.Tag{Key: key, Gen: 1, Deployment: booking.DeploymentTag("console-test")}.String()
	now := f.clock.Now()
	b := &booking.Booking{
		Key: key, Source: "generic", ExternalID: "bk_42", UID: "uid-42", Status: booking.Confirmed, Sequence: 1,
		Details: booking.Details{
			Title: "Intro call", Start: now.Add(time.Hour), End: now.Add(90 * time.Minute), TimeZone: "Europe/Oslo",
			Organizer: booking.Person{Name: "Ada Host", Email: "ada@clinic.example"},
			Attendees: []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}},
			Room:      booking.RoomOptions{Provider: "whereby", Size: booking.Small},
			Reminders: []int{60, 15},
		},
		Room: &booking.Room{Provider: "whereby", ID: "77", Tag: tag, Name: "/intro-" + tag, GuestURL: "https://rooms.test/intro", HostURL: "https://rooms.test/intro?roomKey=secret-host-key"},
		Invites: []booking.Invite{
			{Person: booking.Person{Name: "Ada Host", Email: "ada@clinic.example"}, Organizer: true, Sequence: 1, Method: booking.Request, SentAt: now.Add(-time.Hour), Reminded: 60},
			{Person: booking.Person{Name: "Bob Guest", Email: "bob@example.net"}, Sequence: 1, Method: booking.Request, SentAt: now.Add(-time.Hour)},
		},
		DueAt:     now.Add(5 * time.Minute),
		Failure:   &booking.Failure{Message: "whereby answered 503 Service Unavailable", At: now.Add(-time.Minute)},
		CreatedAt: now.Add(-2 * time.Hour), UpdatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour),
	}
	require.NoError(t, f.st.Put(f.ctx, b))
	return tag
}

// guestBound is a provider that makes rooms only for a guest, as 24sessions does
// (booking.GuestBound; shared/operator's tests use the real 24sessions client).
type guestBound struct{ booking.Provider }

func (guestBound) NeedsGuest() bool { return true }

func TestCreateRoomLeavesOutAProviderThatNeedsAGuest(t *testing.T) {
	f := newFixture(t)
	f.op.Reconciler.Providers["24sessions"] = guestBound{}
	f.op.Providers = []string{"24sessions", "whereby", "zoom"}
	f.op.DefaultProvider = "24sessions"
	form := f.signedIn(f.adminToken).page("/console/rooms/new")
	assert.Contains(t, form, `<option value="whereby" selected>whereby</option>`, "the first that can make the room chosen")
	assert.Contains(t, form, `<option value="zoom">zoom</option>`)
	assert.NotContains(t, form, `24sessions`, "a room made by hand has no guest")
}
