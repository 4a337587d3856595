package twentyfour_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/providertest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/video/twentyfour"
)

const (
	clientID     = "rk-client"
	clientSecret = "s3cret-24"
	userID       = "123"
	typeID       = "2"
	guestURL     = "https://acme.24sessions.com/join/{accessKey}"
)

type env struct {
	fake   *sandbox.TwentyFour
	srv    *httptest.Server
	client *twentyfour.Client
	clock  *clocktest.Clock
}

func config(base string) twentyfour.Config {
	return twentyfour.Config{
		Instance: "acme", ClientID: clientID, ClientSecret: clientSecret,
		UserID: userID, MeetingTypeID: typeID, GuestURL: guestURL, APIURL: base,
	}
}

func newEnv(t *testing.T, pageSize int, edit func(*twentyfour.Config)) *env {
	t.Helper()
	e := &env{clock: clocktest.New(time.Now().UTC().Truncate(time.Second))}
	fake, err := sandbox.NewTwentyFour(sandbox.TwentyFourOptions{
		ClientID: clientID, ClientSecret: clientSecret, UserID: userID, MeetingTypeID: typeID,
		PageSize: pageSize, Now: e.clock.Now,
	})
	require.NoError(t, err)
	e.fake = fake
	e.srv = httptest.NewServer(fake)
	t.Cleanup(e.srv.Close)
	cfg := config(e.srv.URL + sandbox.TwentyFourAPIPath)
	cfg.HTTPClient, cfg.Now = e.srv.Client(), e.clock.Now
	if edit != nil {
		edit(&cfg)
	}
	e.client, err = twentyfour.New(cfg)
	require.NoError(t, err)
	return e
}

func spec(opts booking.RoomOptions) booking.RoomSpec {
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	opts.Provider = twentyfour.Name
	return booking.RoomSpec{
		Tag:       booking.Tag{Key: booking.KeyOf("generic", "bk_24"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String(),
		Title:     "Intake call",
		Start:     start,
		End:       start.Add(45 * time.Minute),
		ExpiresAt: start.Add(45*time.Minute + 168*time.Hour),
		TimeZone:  "Europe/Amsterdam",
		Options:   opts,
		Host:      booking.Person{Name: "Ada Host", Email: "ada@example.com"},
		Guests:    []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}, {Name: "Cleo", Email: "cleo@example.net"}},
	}
}

func TestValidInstanceAndID(t *testing.T) {
	for s, want := range map[string]bool{
		"acme": true, "a": true, "acme-eu-1": true, "a" + strings.Repeat("-b", 31): true,
		"": false, "Acme": false, "-acme": false, "acme-": false, "acme.24sessions.com": false,
		strings.Repeat("a", 64): false,
	} {
		assert.Equal(t, want, twentyfour.ValidInstance(s), "instance %q", s)
	}
	for s, want := range map[string]bool{
		"1": true, "12": true, "9223372036854775807": true,
		"": false, "0": false, "012": false, "-1": false, "+1": false, "1e3": false, "9223372036854775808": false,
	} {
		assert.Equal(t, want, twentyfour.ValidID(s), "id %q", s)
	}
}

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(*twentyfour.Config)
		want string
	}{
		{"instance", func(c *twentyfour.Config) { c.Instance = "Acme Corp" }, "TWENTYFOUR_INSTANCE"},
		{"secret", func(c *twentyfour.Config) { c.ClientSecret = "" }, "TWENTYFOUR_CLIENT_SECRET"},
		{"user", func(c *twentyfour.Config) { c.UserID = "/users/1" }, "TWENTYFOUR_USER_ID"},
		{"type", func(c *twentyfour.Config) { c.MeetingTypeID = "" }, "TWENTYFOUR_MEETING_TYPE_ID"},
		{"guest link without key", func(c *twentyfour.Config) { c.GuestURL = "https://acme.24sessions.com/join" }, "TWENTYFOUR_GUEST_URL"},
		{"guest link not absolute", func(c *twentyfour.Config) { c.GuestURL = "/join/{accessKey}" }, "TWENTYFOUR_GUEST_URL"},
		{"update method", func(c *twentyfour.Config) { c.UpdateMethod = "POST" }, "TWENTYFOUR_UPDATE_METHOD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config("")
			tt.edit(&cfg)
			_, err := twentyfour.New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), clientSecret)
		})
	}
	_, err := twentyfour.New(config(""))
	require.NoError(t, err, "the API URL defaults to the instance's")
}

func TestContract(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (booking.Provider, providertest.Faults) {
		e := newEnv(t, 0, nil)
		return e.client, e.fake
	}, providertest.WithoutDialIn(), providertest.Reauthenticates(), providertest.ReadsBeforeDeleting())
}

// The options table of docs/providers.md, as 24sessions sees it: none of the options has an
// equivalent, and each is ignored.
func TestRoomOptions(t *testing.T) {
	for _, opts := range []booking.RoomOptions{
		{Size: booking.Small},
		{Size: booking.Large},
		{Size: booking.Small, Locked: true},
		{Size: booking.Small, DialIn: true},
		{Size: booking.Small, NamePrefix: "intake-"},
	} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			e := newEnv(t, 0, nil)
			room, err := e.client.CreateRoom(context.Background(), spec(opts))
			require.NoError(t, err)
			assert.Nil(t, room.DialIn, "no dial-in")
			m := e.fake.Meetings()
			require.Len(t, m, 1)
			assert.Empty(t, m[0].Extra, "nothing but the documented fields")
			assert.NotContains(t, room.GuestURL+room.Name, "intake-")
		})
	}
}

func TestCreateRoom(t *testing.T) {
	e := newEnv(t, 0, nil)
	s := spec(booking.RoomOptions{})
	room, err := e.client.CreateRoom(context.Background(), s)
	require.NoError(t, err)

	reqs := e.fake.Requests()
	require.Len(t, reqs, 1)
	var body map[string]any
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
	assert.Equal(t, map[string]any{
		"date":        s.Start.Format("2006-01-02T15:04:05") + "+00:00",
		"status":      "scheduled",
		"description": "Intake call\n\nroomkeeper " + s.Tag,
		"user":        map[string]any{"@id": "/users/" + userID},
		"type":        map[string]any{"@id": "/meeting_types/" + typeID},
		"guest":       map[string]any{"name": "Bob Guest", "email": "bob@example.net"},
	}, body, "the host user, the meeting type and the first guest")
	assert.Equal(t, "Bearer", strings.Fields(reqs[0].Header.Get("Authorization"))[0])

	m := e.fake.Meetings()[0]
	id := fmt.Sprint(m.ID)
	assert.Equal(t, twentyfour.Name, room.Provider)
	assert.Equal(t, id, room.ID)
	assert.Equal(t, s.Tag, room.Tag)
	assert.Equal(t, "https://acme.24sessions.com/join/"+m.AccessKey, room.GuestURL, "every guest's link, from the accessKey")
	assert.Equal(t, "https://acme.24sessions.com/room/meeting/"+id, room.HostURL, "the organizer's, behind a 24sessions login")
	assert.Equal(t, s.ExpiresAt, room.ExpiresAt)
	assert.Nil(t, room.DialIn)
}

func TestMeetingExtraFields(t *testing.T) {
	e := newEnv(t, 0, func(c *twentyfour.Config) {
		c.MeetingExtra = map[string]any{"sendEmails": false, "status": "canceled_user"}
	})
	_, err := e.client.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
	require.NoError(t, err)
	m := e.fake.Meetings()[0]
	assert.Equal(t, map[string]any{"sendEmails": false}, m.Extra, "passed through, to turn 24sessions' own e-mails off")
	assert.Equal(t, "scheduled", m.Status, "but never over roomkeeper's own fields")
}

// TestGuestLink: the guest link is 24sessions' own, https://<instance>.24sessions.com/join/<accessKey>
// (its guide "Joining a 24sessions meeting"), unless a template overrides it for an instance on its
// own domain.
func TestGuestLink(t *testing.T) {
	for name, tt := range map[string]struct{ template, want string }{
		"the instance's own":   {"", "https://acme.24sessions.com/join/"},
		"an instance's domain": {"https://video.acme.example/join/{accessKey}?lang=en", "https://video.acme.example/join/"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, 0, func(c *twentyfour.Config) { c.GuestURL = tt.template })
			room, err := e.client.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(room.GuestURL, tt.want+e.fake.Meetings()[0].AccessKey), room.GuestURL)
		})
	}
	assert.Equal(t, "https://acme.24sessions.com/join/{accessKey}", twentyfour.DefaultGuestURL("acme"))
	require.NoError(t, twentyfour.Config{Instance: "acme", ClientID: clientID, UserID: userID, MeetingTypeID: typeID}.Check(),
		"TWENTYFOUR_GUEST_URL is not required")
}

func TestGuestLinkIsNeverTheHostLink(t *testing.T) {
	e := newEnv(t, 0, func(c *twentyfour.Config) { c.GuestURL = "https://acme.24sessions.com/room/meeting/{accessKey}" })
	_, err := e.client.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err))
	assert.Equal(t, "canceled_user", e.fake.Meetings()[0].Status, "the unusable meeting is cancelled again")
}

func TestUpdateRoom(t *testing.T) {
	for _, method := range []string{http.MethodPut, http.MethodPatch} {
		t.Run(method, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, 0, func(c *twentyfour.Config) { c.UpdateMethod = method })
			s := spec(booking.RoomOptions{})
			room, err := e.client.CreateRoom(ctx, s)
			require.NoError(t, err)

			moved := s
			moved.Start = s.Start.Add(3 * time.Hour)
			moved.End = moved.Start.Add(time.Hour)
			moved.ExpiresAt = moved.End.Add(168 * time.Hour)
			got, err := e.client.UpdateRoom(ctx, room, moved)
			require.NoError(t, err)
			assert.Equal(t, room.GuestURL, got.GuestURL, "the same link")
			assert.Equal(t, moved.ExpiresAt, got.ExpiresAt)
			m := e.fake.Meetings()[0]
			assert.True(t, moved.Start.Equal(m.Date), "update by date: %v", m.Date)
			reqs := e.fake.Requests()
			assert.Equal(t, method, reqs[len(reqs)-1].Method)
			if method == http.MethodPatch {
				assert.Equal(t, "application/merge-patch+json", reqs[len(reqs)-1].Header.Get("Content-Type"))
			}

			n := len(e.fake.Requests())
			_, err = e.client.UpdateRoom(ctx, got, moved)
			require.NoError(t, err)
			assert.Len(t, e.fake.Requests(), n+1, "unchanged: read, nothing written")
		})
	}
}

func TestDeleteRoom(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0, nil)
	s := spec(booking.RoomOptions{})
	before, err := e.client.CreateRoom(ctx, s)
	require.NoError(t, err)
	require.NoError(t, e.client.DeleteRoom(ctx, before))
	m := e.fake.Meetings()[0]
	assert.Equal(t, "canceled_user", m.Status, "before its start a meeting is cancelled, not deleted")
	reqs := e.fake.Requests()
	assert.Equal(t, http.MethodPut, reqs[len(reqs)-1].Method)
	assert.JSONEq(t, `{"status":"canceled_user"}`, string(reqs[len(reqs)-1].Body))
	require.NoError(t, e.client.DeleteRoom(ctx, before), "cancelled already: fine")

	after, err := e.client.CreateRoom(ctx, s)
	require.NoError(t, err)
	e.clock.Add(48*time.Hour + time.Hour) // past the meeting
	n := len(e.fake.Requests())
	require.NoError(t, e.client.DeleteRoom(ctx, after))
	assert.Len(t, e.fake.Requests(), n+1, "after the meeting there is nothing to delete: one read")
	assert.Equal(t, "scheduled", e.fake.Meetings()[1].Status, "a held meeting stays in the reports")

	require.NoError(t, e.client.DeleteRoom(ctx, booking.Room{ID: "999999"}), "unknown: gone")
	err = e.client.DeleteRoom(ctx, booking.Room{ID: "/meetings/1"})
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err))
}

func TestCheckRoom(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0, nil)
	room, err := e.client.CreateRoom(ctx, spec(booking.RoomOptions{}))
	require.NoError(t, err)
	n := len(e.fake.Requests())
	require.NoError(t, e.client.CheckRoom(ctx, room))
	reqs := e.fake.Requests()
	require.Len(t, reqs, n+1, "one request")
	assert.Equal(t, http.MethodGet, reqs[n].Method)

	// Cancelled in 24sessions' own pages: the meeting is still there, but over.
	require.NoError(t, e.client.DeleteRoom(ctx, room))
	assert.ErrorIs(t, e.client.CheckRoom(ctx, room), booking.ErrNotFound)
	assert.ErrorIs(t, e.client.CheckRoom(ctx, booking.Room{ID: "999999"}), booking.ErrNotFound, "gone")
}

func TestTaggedRoomsPages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 3, nil)
	var want []string
	for i := range 8 {
		s := spec(booking.RoomOptions{})
		s.Tag = ""
		if i%2 == 0 {
			s.Tag = booking.Tag{Key: booking.KeyOf("generic", fmt.Sprint("bk_", i)), Gen: 1, Deployment: booking.DeploymentTag("test")}.String()
		}
		room, err := e.client.CreateRoom(ctx, s)
		require.NoError(t, err)
		if s.Tag != "" && i != 4 {
			want = append(want, room.ID)
		}
		if i == 4 {
			require.NoError(t, e.client.DeleteRoom(ctx, room))
		}
	}
	rooms, err := e.client.TaggedRooms(ctx)
	require.NoError(t, err)
	var got []string
	for _, r := range rooms {
		got = append(got, r.ID)
		assert.True(t, r.ExpiresAt.IsZero())
	}
	assert.Equal(t, want, got, "tagged, not cancelled, across three pages")

	e.clock.Add(96 * time.Hour)
	rooms, err = e.client.TaggedRooms(ctx)
	require.NoError(t, err)
	assert.Empty(t, rooms, "meetings more than a day past are over")
}

func TestTokenIsCachedAndRefreshed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0, nil)
	for range 3 {
		_, err := e.client.TaggedRooms(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, e.fake.TokenRequests(), "hourly token, cached")

	e.clock.Add(56 * time.Minute)
	_, err := e.client.TaggedRooms(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, e.fake.TokenRequests(), "replaced before it lapses")

	e.fake.ExpireTokens()
	_, err = e.client.TaggedRooms(ctx)
	require.NoError(t, err, "a refused token is replaced once")
	assert.Equal(t, 3, e.fake.TokenRequests())

	e.fake.Fail(2, http.StatusUnauthorized)
	_, err = e.client.TaggedRooms(ctx)
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err))
}

func TestTokenRequestKeepsCredentialsOutOfErrors(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		permanent bool
	}{
		{"rejected", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"The client credentials are invalid"}`)
		}, true},
		{"down", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }, false},
		{"hung up", func(w http.ResponseWriter, r *http.Request) {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			queries := make(chan string, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				queries <- r.URL.RawQuery
				tt.handler(w, r)
			}))
			defer srv.Close()
			c, err := twentyfour.New(config(srv.URL))
			require.NoError(t, err)
			_, err = c.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
			require.Error(t, err)
			query := <-queries
			assert.Contains(t, query, "client_secret="+clientSecret, "the documented query-string credentials")
			assert.Contains(t, query, "grant_type=client_credentials")
			assert.NotContains(t, err.Error(), clientSecret, "the token URL never reaches an error, so never a log")
			assert.NotContains(t, err.Error(), "client_id")
			assert.Equal(t, tt.permanent, booking.IsPermanent(err))
		})
	}
}

func TestAPIErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		set       func(*sandbox.TwentyFour)
		permanent bool
		delay     time.Duration
	}{
		{"throttled", func(f *sandbox.TwentyFour) { f.Throttle(1, 3*time.Second) }, false, 3 * time.Second},
		{"server error", func(f *sandbox.TwentyFour) { f.Fail(1, http.StatusInternalServerError) }, false, 0},
		{"bad request", func(f *sandbox.TwentyFour) { f.Fail(1, http.StatusBadRequest) }, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 0, nil)
			tt.set(e.fake)
			_, err := e.client.CreateRoom(ctx, spec(booking.RoomOptions{}))
			require.Error(t, err)
			assert.Equal(t, tt.permanent, booking.IsPermanent(err))
			assert.Equal(t, tt.delay, booking.RetryDelay(err))
		})
	}

	e := newEnv(t, 0, func(c *twentyfour.Config) { c.UserID = "999" })
	_, err := e.client.CreateRoom(ctx, spec(booking.RoomOptions{}))
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err), "a wrong TWENTYFOUR_USER_ID will not fix itself")

	s := spec(booking.RoomOptions{})
	s.Guests = nil
	_, err = e.client.CreateRoom(ctx, s)
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err))
}
