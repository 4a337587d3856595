package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/link"
)

const (
	zoomE2ESecret  = "zoom-e2e-secret-token"
	tfE2ESecret    = "tf-e2e-client-secret"
	tfE2EGuestLink = "https://acme.24sessions.com/join/{accessKey}"
)

// zoomStack is a local stack with Zoom configured against a Zoom fake on its own loopback
// server (ZOOM_API_URL and ZOOM_OAUTH_URL point at it). The fake's webhooks come back to the
// stack's POST /v1/hooks/zoom.
func zoomStack(t *testing.T) (*stack, *sandbox.Zoom, *httptest.Server) {
	t.Helper()
	return zoomStackWith(t, newStack)
}

// zoomStackWith is zoomStack with the stack started by start: newStack, or startStack for a
// test that checks its mail itself.
func zoomStackWith(t *testing.T, start func(*testing.T, map[string]string) *stack) (*stack, *sandbox.Zoom, *httptest.Server) {
	t.Helper()
	var s *stack
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/v1/hooks/zoom"
		s.app.handler.ServeHTTP(w, r)
	}))
	t.Cleanup(hooks.Close)
	srv := httptest.NewUnstartedServer(nil)
	clk := newClock(time.Now().UTC().Truncate(time.Second))
	fake, err := sandbox.NewZoom(sandbox.ZoomOptions{
		PublicURL: "http://" + srv.Listener.Addr().String(),
		AccountID: "acct-e2e", ClientID: "client-e2e", ClientSecret: "zoom-client-secret-e2e",
		HostEmail: "zoomhost@example.org", Licensed: []string{organizer},
		WebhookURL: hooks.URL, WebhookSecret: zoomE2ESecret, Now: clk.Now,
	})
	require.NoError(t, err)
	srv.Config.Handler = fake
	srv.Start()
	t.Cleanup(srv.Close)
	s = start(t, map[string]string{
		"ZOOM_ACCOUNT_ID": "acct-e2e", "ZOOM_CLIENT_ID": "client-e2e", "ZOOM_CLIENT_SECRET": "zoom-client-secret-e2e",
		"ZOOM_API_URL":        srv.URL + sandbox.ZoomAPIPath,
		"ZOOM_OAUTH_URL":      srv.URL + sandbox.ZoomOAuthPath,
		"ZOOM_WEBHOOK_SECRET": zoomE2ESecret,
	})
	s.clock = clk // one clock for the stack and the fake
	s.restart()
	return s, fake, srv
}

// onZoom makes a sample booking ask for a Zoom room with dial-in.
func onZoom(v map[string]any) {
	v["data"].(map[string]any)["room"] = map[string]any{"provider": "zoom", "dialIn": true}
}

// everyPart is all of a message a recipient can see or a client can parse.
func everyPart(m *invitetest.Mail) string {
	return string(m.Raw) + m.Text + m.HTML + string(m.Calendar)
}

var startURL = regexp.MustCompile(`zak=|/sandbox/zoom/s/|start_url`)

func TestZoomBookingEndToEnd(t *testing.T) {
	s, fake, zsrv := zoomStack(t)
	ctx := context.Background()
	run := "zoom"

	status, body := s.post("booking-created.json", run, onZoom)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()

	meetings := fake.Meetings()
	require.Len(t, meetings, 1, "one Zoom meeting")
	m := meetings[0]
	id := strconv.FormatInt(m.ID, 10)
	b := s.booking(run)
	require.NotNil(t, b.Room)
	assert.Equal(t, "zoom", b.Room.Provider)
	assert.Equal(t, id, b.Room.ID)
	assert.Equal(t, "Intro call ("+booking.Tag{Key: b.Key, Gen: 1, Deployment: booking.DeploymentTag(s.cfg.Deployment)}.String()+")", m.Topic, "the tag rides in the topic")
	assert.Equal(t, b.Details.Start.UTC(), m.StartTime)
	assert.Equal(t, 30, m.Duration)
	assert.Equal(t, "Europe/Oslo", m.Timezone)
	assert.Equal(t, organizer, m.AlternativeHosts, "the organizer is a licensed user here")
	assert.Regexp(t, `^[0-9]{8}$`, m.Password)

	mails := s.mail()
	require.Len(t, mails, 2)
	org, guest := to(t, mails, organizer), to(t, mails, bob)
	tel := "tel:+12125550142,," + id + "%23,,,,*" + m.Password + "%23"
	for _, mail := range []*invitetest.Mail{org, guest} {
		assert.Equal(t, "REQUEST", mail.Method)
		assert.NotContains(t, everyPart(mail), m.JoinURL, "everyone gets roomkeeper's link, never join_url")
		assert.Equal(t, m.JoinURL, s.leadsTo(mail)[len(s.leadsTo(mail))-1], "which leads to join_url")
		assert.Contains(t, everyPart(mail), tel, "Zoom's one-tap dial string")
		assert.Contains(t, mail.Text, id+"#, passcode "+m.Password+"#", "the numbers as text")
		assert.NotRegexp(t, startURL, everyPart(mail), "start_url never goes into an e-mail")
	}
	assert.Empty(t, b.Room.HostURL, "no start_url is kept")
	hostLink := s.joinLinks(org.Text)[0]
	assert.NotContains(t, everyPart(guest), hostLink, "a guest never gets the host link")
	assert.NotContains(t, everyPart(org)+everyPart(guest), "/v1/host/", "no host link of the older kind is made")

	// The organizer's link fetches a fresh start_url at each click and redirects to it.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(hostLink)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	start := resp.Header.Get("Location")
	assert.True(t, strings.HasPrefix(start, zsrv.URL+"/sandbox/zoom/s/"+id+"?zak="), start)
	resp, err = http.Get(start)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the start link works")
	startCalls := func() int {
		n := 0
		for _, r := range fake.Requests() {
			if r.Method == http.MethodGet && r.Path == "/sandbox/zoom/v2/meetings/"+id {
				n++
			}
		}
		return n
	}
	before := startCalls()
	_, again := s.follow(hostLink)
	assert.True(t, strings.HasPrefix(again, zsrv.URL+"/sandbox/zoom/s/"+id+"?zak="), again)
	assert.Equal(t, before+1, startCalls(), "each click asks Zoom for the start_url afresh")
	_, _ = s.follow(s.joinLinks(guest.Text)[0])
	assert.Equal(t, before+1, startCalls(), "a guest's click never does")

	// A host link of the older kind, mailed before /j/ links, is still verified with
	// ROOMKEEPER_HOST_SECRET.
	old := link.HostURL(s.cfg.PublicURL, s.cfg.HostSecret, b.Room.Tag, b.Room.ID)
	status, loc := s.follow(old)
	require.Equal(t, http.StatusFound, status)
	assert.True(t, strings.HasPrefix(loc, zsrv.URL+"/sandbox/zoom/s/"+id+"?zak="), loc)
	status, _ = s.follow(link.HostURL(s.cfg.PublicURL, "another-secret", b.Room.Tag, b.Room.ID))
	assert.Equal(t, http.StatusNotFound, status, "and refused when signed with another secret")
	tampered := hostLink[:len(hostLink)-3] + "AAA"
	if tampered == hostLink {
		tampered = hostLink[:len(hostLink)-3] + "BBB"
	}
	resp, err = noFollow.Get(tampered)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "a tampered host link")

	// Zoom's webhooks: the endpoint answers the challenge and records the meeting.
	require.NoError(t, fake.ValidateEndpoint(ctx))
	host, err := fake.Join(ctx, m.ID, "Ada Host", "", true)
	require.NoError(t, err)
	_, err = fake.Join(ctx, m.ID, "+1 212 555 0142", "+12125550142", false)
	require.NoError(t, err)
	act := s.booking(run).Activity
	require.Len(t, act.Sessions, 1)
	require.Len(t, act.Connections, 2)
	// Zoom's join times are whole seconds: two joins in one second are read back in no set
	// order, so each is found by what it is.
	hostAt := slices.IndexFunc(act.Connections, func(c booking.Connection) bool { return c.Host })
	require.NotEqual(t, -1, hostAt, "the host's connection")
	assert.False(t, act.Connections[hostAt].DialIn)
	assert.True(t, act.Connections[1-hostAt].DialIn, "the caller's connection")
	assert.False(t, act.Connections[1-hostAt].Host)
	require.NoError(t, fake.Leave(ctx, m.ID, host))
	require.NoError(t, fake.EndMeeting(ctx, m.ID))
	assert.False(t, s.booking(run).Activity.Live())

	// A reschedule moves the meeting in place: the same links, an updated invitation.
	s.clock.Add(time.Minute)
	status, body = s.post("booking-updated.json", run, onZoom)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	meetings = fake.Meetings()
	require.Len(t, meetings, 1, "no second meeting")
	assert.Equal(t, m.ID, meetings[0].ID)
	b = s.booking(run)
	assert.Equal(t, b.Details.Start.UTC(), meetings[0].StartTime, "PATCH /meetings/{id} moved it")
	mails = s.mail()
	require.Len(t, mails, 3)
	for _, addr := range []string{organizer, bob, cleo} {
		mail := to(t, mails, addr)
		assert.Equal(t, 1, mail.Sequence, addr)
		assert.Equal(t, m.JoinURL, s.leadsTo(mail)[len(s.leadsTo(mail))-1], addr)
		assert.NotRegexp(t, startURL, everyPart(mail), addr)
	}
	assert.Equal(t, hostLink, s.joinLinks(to(t, mails, organizer).Text)[0], "the host link stays")

	// Cancelling deletes the meeting (held already, so Zoom answers 3007: nothing left to
	// delete); the host link then says so.
	s.clock.Add(time.Minute)
	status, body = s.post("booking-cancelled.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	reqs := fake.Requests()
	assert.Equal(t, http.MethodDelete, reqs[len(reqs)-1].Method)
	assert.Equal(t, "/sandbox/zoom/v2/meetings/"+id, reqs[len(reqs)-1].Path)
	assert.Nil(t, s.booking(run).Room)
	assert.Nil(t, s.booking(run).Failure)
	for _, mail := range s.mail() {
		assert.Equal(t, "CANCEL", mail[0].Method)
	}
	req, err := http.NewRequest(http.MethodGet, hostLink, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/html")
	resp, err = noFollow.Do(req)
	require.NoError(t, err)
	page := readAll(t, resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusGone, resp.StatusCode)
	assert.Contains(t, page, "cancelled")
	status, _ = s.follow(old)
	assert.Equal(t, http.StatusNotFound, status, "the older host link says so too")

	logs := s.logBuf.String()
	for _, leak := range []string{"zak=", zoomE2ESecret, "zoom-client-secret-e2e", s.cfg.HostSecret, "555 0142"} {
		assert.NotContains(t, logs, leak)
	}
}

func TestZoomMeetingInProgressIsDeletedLater(t *testing.T) {
	s, fake, _ := zoomStack(t)
	ctx := context.Background()
	run := "zoom-live"
	status, body := s.post("booking-created.json", run, onZoom)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	id := fake.Meetings()[0].ID
	s.mail()

	// The meeting runs past the overrun cap: cleanup tries, and Zoom refuses while it is live.
	require.NoError(t, fake.StartMeeting(ctx, id))
	b := s.booking(run)
	s.advance(b.Details.End.Add(s.cfg.MaxOverrun).Sub(s.clock.Now()))
	assert.Len(t, fake.Meetings(), 1, "Zoom refuses to delete a meeting in progress (3002): tried again later")
	b = s.booking(run)
	require.NotNil(t, b.Failure)
	assert.False(t, b.Failure.Permanent)
	assert.Contains(t, b.Failure.Message, "3002")

	require.NoError(t, fake.EndMeeting(ctx, id))
	s.advance(10 * time.Minute)
	b = s.booking(run)
	assert.Nil(t, b.Room, "an ended meeting (3007) counts as gone")
	assert.True(t, b.Done)
}

// TestZoomDailyCapIsReportedToTheOrganizer: Zoom's daily cap lifts at midnight UTC, so a booking
// whose meeting is over by then fails at once and its organizer is told; one whose meeting comes
// later waits for midnight, without asking Zoom again.
func TestZoomDailyCapIsReportedToTheOrganizer(t *testing.T) {
	s, fake, _ := zoomStack(t)
	s.clock.Set(time.Date(2026, 11, 22, 22, 0, 0, 0, time.UTC))
	midnight := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	fake.SetDailyLimit(0)
	tonight := func(v map[string]any) {
		d := v["data"].(map[string]any)
		d["start"] = s.clock.Now().Add(30 * time.Minute).Format(time.RFC3339)
		d["end"] = s.clock.Now().Add(time.Hour).Format(time.RFC3339)
	}
	status, body := s.post("booking-created.json", "zoom-cap", onZoom, tonight)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	b := s.booking("zoom-cap")
	require.NotNil(t, b.Failure)
	assert.True(t, b.Failure.Permanent, "no retries: the cap lifts at midnight UTC, after the meeting")
	assert.True(t, b.Failure.Notified)
	mails := s.mail()
	require.Len(t, mails, 1, "only the organizer hears, of the failure")
	notice := to(t, mails, organizer)
	assert.Equal(t, booking.FailurePaused, b.Failure.Kind)
	assert.Contains(t, b.Failure.Message, "daily limit", "the record keeps roomkeeper's own account")
	assert.Contains(t, notice.Text, "What went wrong: The video service has reached its limit on new rooms, and will not make one again until after this meeting has ended.")
	assert.Contains(t, notice.Text, "What you can do: Please let your guests know how to meet instead")
	for _, internal := range []string{b.Failure.Message, "create zoom room", "booking ", "daily limit", "paused until"} {
		assert.NotContains(t, everyPart(notice), internal, "no internal error text in the mail")
	}

	creates := len(fake.Requests())
	status, body = s.post("booking-created.json", "zoom-cap-tomorrow", onZoom) // tomorrow at 22:00
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	b = s.booking("zoom-cap-tomorrow")
	require.NotNil(t, b.Failure)
	assert.False(t, b.Failure.Permanent, "the meeting is after midnight: it waits")
	assert.Equal(t, midnight, b.DueAt.UTC())
	assert.Len(t, fake.Requests(), creates, "Zoom is paused for creates: not asked again")
	assert.Empty(t, s.mail())

	fake.SetDailyLimit(100)
	s.advance(midnight.Sub(s.clock.Now()))
	b = s.booking("zoom-cap-tomorrow")
	assert.NotNil(t, b.Room, "made once the cap lifted")
	assert.Nil(t, b.Failure)
}

func TestUnconfiguredProviderIs400(t *testing.T) {
	s := newStack(t, nil)
	status, body := s.post("booking-created.json", "no-zoom", onZoom)
	require.Equal(t, http.StatusBadRequest, status)
	e := body["error"].(map[string]any)
	assert.Equal(t, "data.room.provider", e["field"])
	_, err := s.app.store.Get(context.Background(), booking.KeyOf("generic", "demo-no-zoom"))
	assert.ErrorIs(t, err, booking.ErrNotFound, "nothing stored for it")
}

func TestTwentyFourBookingEndToEnd(t *testing.T) {
	fake, err := sandbox.NewTwentyFour(sandbox.TwentyFourOptions{
		ClientID: "tf-client", ClientSecret: tfE2ESecret, UserID: "77", MeetingTypeID: "5",
	})
	require.NoError(t, err)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	s := newStack(t, map[string]string{
		"TWENTYFOUR_INSTANCE": "acme", "TWENTYFOUR_CLIENT_ID": "tf-client", "TWENTYFOUR_CLIENT_SECRET": tfE2ESecret,
		"TWENTYFOUR_USER_ID": "77", "TWENTYFOUR_MEETING_TYPE_ID": "5",
		"TWENTYFOUR_API_URL":  srv.URL + sandbox.TwentyFourAPIPath,
		"ROOMKEEPER_PROVIDER": "24sessions", // no TWENTYFOUR_GUEST_URL: the instance's own guest link
	})
	run := "24s"
	twoGuests := func(v map[string]any) {
		d := v["data"].(map[string]any)
		delete(d, "room") // ROOMKEEPER_PROVIDER
		d["attendees"] = append(d["attendees"].([]any), map[string]any{"name": "Cleo Guest", "email": cleo})
	}
	status, body := s.post("booking-created.json", run, twoGuests)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()

	meetings := fake.Meetings()
	require.Len(t, meetings, 1)
	m := meetings[0]
	assert.Equal(t, bob, m.GuestEmail, "24sessions' guest is the first attendee")
	assert.Equal(t, "/users/77", m.User)
	b := s.booking(run)
	assert.Contains(t, m.Description, booking.Tag{Key: b.Key, Gen: 1, Deployment: booking.DeploymentTag(s.cfg.Deployment)}.String())
	hostLink := fmt.Sprintf("https://acme.24sessions.com/room/meeting/%d", m.ID)
	guestLink := "https://acme.24sessions.com/join/" + m.AccessKey

	mails := s.mail()
	require.Len(t, mails, 3)
	assert.Equal(t, hostLink, s.leadsTo(to(t, mails, organizer))[0], "the organizer's login-protected host link")
	for _, addr := range []string{bob, cleo} {
		mail := to(t, mails, addr)
		assert.Equal(t, []string{guestLink}, s.leadsTo(mail), "every guest's link leads to the accessKey link")
		assert.NotContains(t, everyPart(mail), hostLink, "no guest ever gets the host link")
		assert.NotContains(t, everyPart(mail), "/room/meeting/")
		assert.NotContains(t, mail.Text, "tel:", "24sessions has no dial-in")
	}

	s.clock.Add(time.Minute)
	status, body = s.post("booking-updated.json", run, func(v map[string]any) { delete(v["data"].(map[string]any), "room") })
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	require.Len(t, fake.Meetings(), 1, "moved, not replaced")
	assert.True(t, s.booking(run).Details.Start.Equal(fake.Meetings()[0].Date), "update by date")
	mails = s.mail()
	require.Len(t, mails, 3)
	for _, addr := range []string{bob, cleo} {
		mail := to(t, mails, addr)
		assert.Equal(t, []string{guestLink}, s.leadsTo(mail), "the same room after the move")
		assert.NotContains(t, everyPart(mail), "/room/meeting/")
	}

	s.clock.Add(time.Minute)
	status, body = s.post("booking-cancelled.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	assert.Equal(t, "canceled_user", fake.Meetings()[0].Status, "cancelled by status, kept for 24sessions' reports")
	assert.NotContains(t, s.logBuf.String(), tfE2ESecret, "the token URL never reaches a log")
	assert.NotContains(t, s.logBuf.String(), "client_secret")
}

// TestHandMadeRoomsOnZoomAnd24sessions: a room made by hand on Zoom is a Zoom meeting of the
// size's kind, moved in place when its end moves; 24sessions makes a meeting for one guest, so
// a room made by hand there is refused up front, a 422 naming provider, with nothing stored and
// nothing asked of 24sessions.
func TestHandMadeRoomsOnZoomAnd24sessions(t *testing.T) {
	// The stack's clock stands still, so the create and the extend below happen at one instant.
	// On the wall clock a second could pass between them, and since a meeting's start is when it
	// was made, "+150m" from a later second makes it 150 minutes and that second long: 151 in
	// Zoom's whole minutes, rounded up so the meeting never ends before the room may.
	s, fake, _ := zoomStack(t)
	vars := map[string]string{"ROOMKEEPER_URL": s.srv.URL, "ROOMKEEPER_ADMIN_TOKEN": s.cfg.AdminToken, "ROOMKEEPER_DATA_DIR": s.cfg.DataDir}
	for _, size := range []string{"2-4", "2-200"} {
		res := runWith(t, vars, nil, "rooms", "create", "--provider", "zoom", "--size", size, "--end", "+90m", "--title", "Zoom "+size, "--json")
		require.Equal(t, 0, res.code, res.stderr)
		assert.Contains(t, res.stdout, `"provider":"zoom"`)
		assert.Contains(t, res.stdout, `"state":"active"`)
	}
	meetings := fake.Meetings()
	require.Len(t, meetings, 2)
	for _, m := range meetings {
		assert.Contains(t, m.Topic, "(rk", "the tag rides in the topic")
		assert.Equal(t, 90, m.Duration)
	}
	tag, ok := booking.ParseTag(meetings[0].Topic)
	require.True(t, ok)
	res := runWith(t, vars, nil, "rooms", "extend", tag.String(), "--end", "+150m")
	require.Equal(t, 0, res.code, res.stderr)
	moved := fake.Meetings()
	require.Len(t, moved, 2, "moved in place, not replaced")
	assert.Equal(t, 150, moved[0].Duration)

	tfFake, err := sandbox.NewTwentyFour(sandbox.TwentyFourOptions{ClientID: "tf-client", ClientSecret: tfE2ESecret, UserID: "77", MeetingTypeID: "5"})
	require.NoError(t, err)
	tfSrv := httptest.NewServer(tfFake)
	t.Cleanup(tfSrv.Close)
	tf := newStack(t, map[string]string{
		"TWENTYFOUR_INSTANCE": "acme", "TWENTYFOUR_CLIENT_ID": "tf-client", "TWENTYFOUR_CLIENT_SECRET": tfE2ESecret,
		"TWENTYFOUR_USER_ID": "77", "TWENTYFOUR_MEETING_TYPE_ID": "5",
		"TWENTYFOUR_API_URL": tfSrv.URL + sandbox.TwentyFourAPIPath, "TWENTYFOUR_GUEST_URL": tfE2EGuestLink,
	})
	tf.clock.real = true
	res = runWith(t, map[string]string{"ROOMKEEPER_URL": tf.srv.URL, "ROOMKEEPER_ADMIN_TOKEN": tf.cfg.AdminToken, "ROOMKEEPER_DATA_DIR": tf.cfg.DataDir},
		nil, "rooms", "create", "--provider", "24sessions", "--size", "2-4", "--end", "+1h")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "24sessions makes a room only for a booking with a guest, and a room made by hand has none; choose another provider: whereby")
	assert.NotContains(t, res.stderr, "needs a guest", "not the provider's own words")

	req, err := http.NewRequest(http.MethodPost, tf.srv.URL+"/v1/rooms", strings.NewReader(`{"provider":"24sessions","endDate":"+1h"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tf.cfg.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var refused struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&refused))
	resp.Body.Close()
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "unprocessable", refused.Error.Code)
	assert.Equal(t, "provider", refused.Error.Field)
	assert.Contains(t, refused.Error.Message, "a room made by hand has none")
	assert.Empty(t, tf.admin("/v1/rooms")["rooms"], "nothing stored")
	assert.Empty(t, tfFake.Meetings(), "nothing asked of 24sessions")
	assert.Empty(t, tfFake.Requests(), "not even a token")
}
