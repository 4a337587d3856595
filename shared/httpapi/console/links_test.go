package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

const (
	testPublicURL  = "https://rk.example"
	testLinkSecret = "console-link-secret"
)

// withLinks gives the fixture's operator the link maker the local server and the admin function
// give theirs: the rooms' links are roomkeeper's own, /j/.
func withLinks(f *fixture) {
	f.op.Links = &link.Linker{PublicURL: testPublicURL, Secrets: secrets{link.Secret: testLinkSecret}}
}

// joinLink is the /j/ link of a record for a recipient id and purpose.
func joinLink(t *testing.T, key, recipient string, p booking.Purpose) string {
	t.Helper()
	tok, err := link.Make(testLinkSecret, link.Token{Key: key, Recipient: recipient, Purpose: p})
	require.NoError(t, err)
	return link.URL(testPublicURL, tok)
}

// TestRoomsShowRoomkeepersOwnLinks: with /j/ links, the console shows what the admin API answers —
// a room's own guest link in Rooms, on its page and after it is made, and its own host link only
// when asked for (a hand-made room's, a booking's organizer's) — never the provider's.
func TestRoomsShowRoomkeepersOwnLinks(t *testing.T) {
	f := newFixture(t)
	withLinks(f)
	b := f.signedIn(f.adminToken)

	b.page("/console/rooms/new")
	a, page := b.post("/console/rooms", createForm("k-links"))
	require.Equal(t, http.StatusCreated, a.StatusCode, page)
	rooms := f.sb.Rooms()
	require.Len(t, rooms, 1)
	list, err := f.op.Rooms(f.ctx, operator.RoomsQuery{})
	require.NoError(t, err)
	require.Len(t, list.Rooms, 1)
	made := list.Rooms[0]
	key := made.Booking.Key
	guest := joinLink(t, key, booking.RoomLink, booking.ForGuest)
	host := joinLink(t, key, booking.RoomLink, booking.ForHost)
	assert.Equal(t, guest, made.GuestURL, "the operator answers the room's own guest link")

	assert.Contains(t, page, `id="guest-link" value="`+guest+`"`, "the success page: the room's own guest link")
	assert.Contains(t, page, `id="host-link" value="`+host+`"`, "and its own host link, once")
	assert.NotContains(t, page, rooms[0].RoomURL, "not the provider's links")
	assert.NotContains(t, page, "roomKey")

	listPage := b.page("/console")
	assert.Contains(t, listPage, `href="`+guest+`"`, "Join: the room's own guest link")
	assert.NotContains(t, listPage, host, "no host link in the list")
	assert.NotContains(t, listPage, rooms[0].RoomURL)

	roomPage := b.page("/console/rooms/" + made.RoomID)
	assert.Contains(t, roomPage, `id="guest-link" value="`+guest+`"`)
	assert.NotContains(t, roomPage, host, "no host link until asked for")
	a, shown := b.post("/console/rooms/"+made.RoomID+"/host-link", url.Values{})
	require.Equal(t, http.StatusOK, a.StatusCode, shown)
	assert.Contains(t, shown, `id="host-link" value="`+host+`"`, "the room's own host link, on request")
	assert.NotContains(t, shown, "roomKey")

	// A booking's room: its guest link, and the organizer's own host link.
	tag := putBooking(t, f)
	rec := f.record(tag)
	rec.Details.Organizer.ID = "org00001"
	require.NoError(t, f.st.Put(f.ctx, rec))
	bookingGuest := joinLink(t, rec.Key, booking.RoomLink, booking.ForGuest)
	organizerHost := joinLink(t, rec.Key, "org00001", booking.ForHost)
	listPage = b.page("/console")
	assert.Contains(t, listPage, `href="`+bookingGuest+`"`)
	assert.NotContains(t, listPage, "https://rooms.test/intro", "not the provider's link")
	b.page("/console/rooms/" + tag)
	a, shown = b.post("/console/rooms/"+tag+"/host-link", url.Values{})
	require.Equal(t, http.StatusOK, a.StatusCode, shown)
	assert.Contains(t, shown, `id="host-link" value="`+organizerHost+`"`, "the organizer's own host link")
	assert.False(t, strings.Contains(shown, "secret-host-key"), "not the provider's host link")
}
