package zoom_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/providertest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/video/zoom"
)

const (
	accountID    = "acct-123"
	clientID     = "client-abc"
	clientSecret = "s3cret-client"
	organizer    = "ada@example.com"
)

type env struct {
	fake   *sandbox.Zoom
	srv    *httptest.Server
	client *zoom.Client
	clock  *clocktest.Clock
}

// newEnv starts a Zoom fake on a loopback server and a client for it.
func newEnv(t *testing.T, fakeOpts func(*sandbox.ZoomOptions), cfgOpts func(*zoom.Config)) *env {
	t.Helper()
	e := &env{clock: clocktest.New(time.Now().UTC().Truncate(time.Second))}
	e.srv = httptest.NewUnstartedServer(nil)
	opts := sandbox.ZoomOptions{
		PublicURL: "http://" + e.srv.Listener.Addr().String(),
		AccountID: accountID, ClientID: clientID, ClientSecret: clientSecret,
		Now: e.clock.Now,
	}
	if fakeOpts != nil {
		fakeOpts(&opts)
	}
	fake, err := sandbox.NewZoom(opts)
	require.NoError(t, err)
	e.fake = fake
	e.srv.Config.Handler = fake
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	cfg := zoom.Config{
		AccountID: accountID, ClientID: clientID, ClientSecret: clientSecret,
		APIURL:     e.srv.URL + sandbox.ZoomAPIPath,
		OAuthURL:   e.srv.URL + sandbox.ZoomOAuthPath,
		HTTPClient: e.srv.Client(),
		Now:        e.clock.Now,
		Phone:      phone.Normalize,
	}
	if cfgOpts != nil {
		cfgOpts(&cfg)
	}
	e.client, err = zoom.New(cfg)
	require.NoError(t, err)
	return e
}

func spec(opts booking.RoomOptions) booking.RoomSpec {
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	opts.Provider = zoom.Name
	return booking.RoomSpec{
		Tag:       booking.Tag{Key: booking.KeyOf("generic", "bk_123"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String(),
		Title:     "Intro call",
		Start:     start,
		End:       start.Add(30*time.Minute + 10*time.Second),
		ExpiresAt: start.Add(30*time.Minute + 168*time.Hour),
		TimeZone:  "Europe/Oslo",
		Options:   opts,
		Host:      booking.Person{Name: "Ada Host", Email: organizer},
		Guests:    []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}},
	}
}

func (e *env) create(t *testing.T, s booking.RoomSpec) booking.Room {
	t.Helper()
	room, err := e.client.CreateRoom(context.Background(), s)
	require.NoError(t, err)
	return room
}

// lastBody decodes the body of the last API request with the method.
func (e *env) lastBody(t *testing.T, method string) map[string]any {
	t.Helper()
	reqs := e.fake.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method {
			var v map[string]any
			require.NoError(t, json.Unmarshal(reqs[i].Body, &v))
			return v
		}
	}
	require.Failf(t, "no request", "no %s request", method)
	return nil
}

func TestNewNeedsCredentials(t *testing.T) {
	_, err := zoom.New(zoom.Config{ClientID: "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ZOOM_ACCOUNT_ID")
	assert.Contains(t, err.Error(), "ZOOM_CLIENT_SECRET")
	_, err = zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "c"})
	require.NoError(t, err)
}

// TestCheckWantsAlpha2Countries: ZOOM_DIAL_IN_COUNTRIES takes two capital letters a code, and the
// error names each code it refuses.
func TestCheckWantsAlpha2Countries(t *testing.T) {
	cfg := zoom.Config{AccountID: "a", ClientID: "b", DialInCountries: []string{"US", "NO"}}
	require.NoError(t, cfg.Check())
	bad := []string{"no", "USA", "N0", "U", "", "ÅL", "Us"}
	cfg.DialInCountries = append([]string{"US"}, bad...)
	err := cfg.Check()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ZOOM_DIAL_IN_COUNTRIES")
	for _, cc := range bad {
		assert.Contains(t, err.Error(), fmt.Sprintf("got %q", cc))
	}
	assert.NotContains(t, err.Error(), `got "US"`)
}

func TestContract(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (booking.Provider, providertest.Faults) {
		e := newEnv(t, nil, nil)
		return e.client, e.fake
	}, providertest.Reauthenticates())
}

// The options table of docs/providers.md, as Zoom sees it.
func TestRoomOptions(t *testing.T) {
	tests := []struct {
		name           string
		opts           booking.RoomOptions
		waitingRoom    bool
		joinBeforeHost bool
		audio          any // nil: the account's default
		dialIn         bool
	}{
		{"defaults", booking.RoomOptions{Size: booking.Small}, false, true, nil, false},
		{"locked", booking.RoomOptions{Size: booking.Small, Locked: true}, true, false, nil, false},
		{"dial-in", booking.RoomOptions{Size: booking.Small, DialIn: true}, false, true, "both", true},
		{"large room, name prefix: no Zoom equivalent", booking.RoomOptions{Size: booking.Large, NamePrefix: "intro-"}, false, true, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			s := spec(tt.opts)
			room := e.create(t, s)

			body := e.lastBody(t, http.MethodPost)
			assert.EqualValues(t, 2, body["type"], "a scheduled meeting")
			assert.Equal(t, s.Start.Format("2006-01-02T15:04:05")+"Z", body["start_time"], "UTC with Z")
			assert.EqualValues(t, 31, body["duration"], "minutes, rounded up")
			assert.Equal(t, "Europe/Oslo", body["timezone"])
			assert.Equal(t, "Intro call ("+s.Tag+")", body["topic"], "the tag rides in the topic")
			assert.Regexp(t, `^[0-9]{8}$`, body["password"], "a numeric passcode phones can enter")
			settings := body["settings"].(map[string]any)
			assert.Equal(t, tt.waitingRoom, settings["waiting_room"])
			assert.Equal(t, tt.joinBeforeHost, settings["join_before_host"])
			assert.Equal(t, tt.audio, settings["audio"])
			assert.Equal(t, false, settings["email_notification"], "roomkeeper sends the invitations")
			assert.Equal(t, false, settings["alternative_hosts_email_notification"])
			assert.NotContains(t, settings, "alternative_hosts", "off unless configured")
			assert.Equal(t, tt.dialIn, room.DialIn != nil, "DialIn")
			assert.NotContains(t, strings.ToLower(body["topic"].(string)), "intro-", "no name prefix")
		})
	}
}

func TestCreatedRoom(t *testing.T) {
	e := newEnv(t, nil, nil)
	s := spec(booking.RoomOptions{Size: booking.Small, DialIn: true})
	room := e.create(t, s)

	m := e.fake.Meetings()
	require.Len(t, m, 1)
	id := fmt.Sprint(m[0].ID)
	assert.Equal(t, zoom.Name, room.Provider)
	assert.Equal(t, id, room.ID, "the int64 meeting id, as a string")
	assert.Equal(t, s.Tag, room.Tag)
	assert.Equal(t, m[0].Topic, room.Name)
	assert.Equal(t, m[0].JoinURL, room.GuestURL, "guests get join_url")
	assert.Empty(t, room.HostURL, "no host link is kept: the start_url is fetched at click time")
	assert.Equal(t, s.ExpiresAt, room.ExpiresAt)
	for _, v := range []string{room.GuestURL, room.HostURL, room.Name, fmt.Sprint(room.DialIn)} {
		assert.NotContains(t, v, "zak=", "no start_url anywhere in the room")
		assert.NotContains(t, v, "/s/", "no start_url anywhere in the room")
	}
	require.NotNil(t, room.DialIn)
	pass := m[0].Password
	assert.Equal(t, id+"#", room.DialIn.Code)
	assert.Equal(t, pass+"#", room.DialIn.Passcode)
	assert.Equal(t, []booking.PhoneNumber{
		{E164: "+12125550142", Country: "US", Tel: "tel:+12125550142,," + id + "%23,,,,*" + pass + "%23"},
		{E164: "+4721550142", Country: "NO", Tel: "tel:+4721550142,," + id + "%23,,,,*" + pass + "%23"},
	}, room.DialIn.Numbers)
}

func TestDialInRequestedButNone(t *testing.T) {
	e := newEnv(t, func(o *sandbox.ZoomOptions) { o.NoDialIn = true }, nil)
	_, err := e.client.CreateRoom(context.Background(), spec(booking.RoomOptions{DialIn: true}))
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err), "an account without audio conferencing will not change by retrying")
	assert.Empty(t, e.fake.Meetings(), "the unusable meeting is deleted again")
}

func TestDialInCountries(t *testing.T) {
	e := newEnv(t, nil, func(c *zoom.Config) { c.DialInCountries = []string{"US", "NO"} })
	e.create(t, spec(booking.RoomOptions{DialIn: true}))
	settings := e.lastBody(t, http.MethodPost)["settings"].(map[string]any)
	assert.Equal(t, []any{"US", "NO"}, settings["global_dial_in_countries"])
}

func TestAlternativeHosts(t *testing.T) {
	tests := []struct {
		name     string
		licensed []string
		creates  int
		want     string
	}{
		{"licensed organizer", []string{organizer}, 1, organizer},
		{"organizer outside the account: created again without", nil, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *sandbox.ZoomOptions) { o.Licensed = tt.licensed },
				func(c *zoom.Config) { c.AlternativeHosts = true })
			e.create(t, spec(booking.RoomOptions{}))
			posts := 0
			for _, r := range e.fake.Requests() {
				if r.Method == http.MethodPost {
					posts++
				}
			}
			assert.Equal(t, tt.creates, posts)
			m := e.fake.Meetings()
			require.Len(t, m, 1)
			assert.Equal(t, tt.want, m[0].AlternativeHosts)
		})
	}
}

func TestTokenIsCachedAndRefreshed(t *testing.T) {
	e := newEnv(t, nil, nil)
	ctx := context.Background()
	for range 3 {
		_, err := e.client.TaggedRooms(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, e.fake.TokenRequests(), "one token serves every call")

	e.clock.Add(50 * time.Minute)
	_, err := e.client.TaggedRooms(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, e.fake.TokenRequests(), "still valid for a while")

	e.clock.Add(6 * time.Minute) // 4 minutes left: replaced before it lapses
	_, err = e.client.TaggedRooms(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, e.fake.TokenRequests(), "refreshed before expiry")

	e.fake.ExpireTokens() // revoked early: the API answers 401 with code 124
	n := len(e.fake.Requests())
	_, err = e.client.TaggedRooms(ctx)
	require.NoError(t, err, "a refused token is replaced once and the call retried")
	assert.Equal(t, 3, e.fake.TokenRequests())
	assert.Len(t, e.fake.Requests(), n+2, "the refused call and its retry")

	e.fake.Fail(2, http.StatusUnauthorized)
	_, err = e.client.TaggedRooms(ctx)
	require.Error(t, err, "refused twice: no third try")
	assert.True(t, booking.IsPermanent(err))
	assert.Equal(t, 4, e.fake.TokenRequests())
}

func TestConcurrentCallsShareOneToken(t *testing.T) {
	e := newEnv(t, nil, nil)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = e.client.TaggedRooms(context.Background()) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 1, e.fake.TokenRequests())
}

func TestTokenRequest(t *testing.T) {
	var got *http.Request
	var form string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			got = r.Clone(context.Background())
			require.NoError(t, r.ParseForm())
			form = r.PostForm.Encode()
			fmt.Fprint(w, `{"access_token":"tok-1","token_type":"bearer","expires_in":3599}`)
			return
		}
		assert.Equal(t, "Bearer tok-1", r.Header.Get("Authorization"), "the token goes in the header only")
		assert.Empty(t, r.URL.Query().Get("access_token"))
		fmt.Fprint(w, `{"meetings":[]}`)
	}))
	defer srv.Close()
	c, err := zoom.New(zoom.Config{AccountID: accountID, ClientID: clientID, ClientSecret: clientSecret,
		APIURL: srv.URL + "/v2", OAuthURL: srv.URL + "/oauth/token"})
	require.NoError(t, err)
	_, err = c.TaggedRooms(context.Background())
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, http.MethodPost, got.Method)
	id, secret, ok := got.BasicAuth()
	assert.True(t, ok, "client credentials as HTTP Basic")
	assert.Equal(t, clientID, id)
	assert.Equal(t, clientSecret, secret)
	assert.Equal(t, "account_id="+accountID+"&grant_type=account_credentials", form)
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		permanent bool
		delay     bool
	}{
		{"wrong credentials", http.StatusUnauthorized, `{"reason":"Invalid client_id or client_secret","error":"invalid_client"}`, true, false},
		{"wrong account", http.StatusBadRequest, `{"reason":"Invalid request : Invalid account_id","error":"invalid_request"}`, true, false},
		{"throttled", http.StatusTooManyRequests, `{}`, false, true},
		{"token service down", http.StatusBadGateway, ``, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			c, err := zoom.New(zoom.Config{AccountID: accountID, ClientID: clientID, ClientSecret: clientSecret,
				APIURL: srv.URL, OAuthURL: srv.URL})
			require.NoError(t, err)
			_, err = c.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
			require.Error(t, err)
			assert.Equal(t, tt.permanent, booking.IsPermanent(err), "IsPermanent(%v)", err)
			if tt.delay {
				assert.Equal(t, 3*time.Second, booking.RetryDelay(err))
			}
			assert.NotContains(t, err.Error(), clientSecret)
		})
	}
}

func TestDeleteErrorCodes(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		prepare   func(t *testing.T, e *env, id int64)
		wantErr   bool
		permanent bool
		delay     time.Duration
	}{
		{"scheduled: deleted", func(*testing.T, *env, int64) {}, false, false, 0},
		{"gone (404, 3001)", func(t *testing.T, e *env, id int64) {
			require.NoError(t, e.client.DeleteRoom(ctx, booking.Room{ID: fmt.Sprint(id)}))
		}, false, false, 0},
		{"ended (400, 3007): nothing to delete", func(t *testing.T, e *env, id int64) {
			require.NoError(t, e.fake.StartMeeting(ctx, id))
			require.NoError(t, e.fake.EndMeeting(ctx, id))
		}, false, false, 0},
		{"in progress (400, 3002): later", func(t *testing.T, e *env, id int64) {
			require.NoError(t, e.fake.StartMeeting(ctx, id))
		}, true, false, 5 * time.Minute},
		{"throttled", func(_ *testing.T, e *env, _ int64) { e.fake.Throttle(1, 4*time.Second) }, true, false, 4 * time.Second},
		{"server error", func(_ *testing.T, e *env, _ int64) { e.fake.Fail(1, http.StatusInternalServerError) }, true, false, 0},
		{"forbidden", func(_ *testing.T, e *env, _ int64) { e.fake.Fail(1, http.StatusForbidden) }, true, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			room := e.create(t, spec(booking.RoomOptions{}))
			id := e.fake.Meetings()[0].ID
			tt.prepare(t, e, id)
			err := e.client.DeleteRoom(ctx, room)
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.permanent, booking.IsPermanent(err), "IsPermanent(%v)", err)
			assert.Equal(t, tt.delay, booking.RetryDelay(err), "RetryDelay(%v)", err)
		})
	}

	e := newEnv(t, nil, nil)
	err := e.client.DeleteRoom(ctx, booking.Room{ID: "not-a-number"})
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err))
}

func TestDeleteSendsNoZoomEmails(t *testing.T) {
	e := newEnv(t, nil, nil)
	room := e.create(t, spec(booking.RoomOptions{}))
	require.NoError(t, e.client.DeleteRoom(context.Background(), room))
	reqs := e.fake.Requests()
	del := reqs[len(reqs)-1]
	require.Equal(t, http.MethodDelete, del.Method)
	assert.Equal(t, "false", del.Query.Get("schedule_for_reminder"))
	assert.Equal(t, "false", del.Query.Get("cancel_meeting_reminder"))
}

func TestDailyCapPausesCreatesUntilMidnight(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.clock.Set(time.Date(2026, 11, 22, 21, 30, 0, 0, time.UTC))
	e.fake.SetDailyLimit(1)
	room := e.create(t, spec(booking.RoomOptions{}))
	midnight := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

	_, err := e.client.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err), "the cap lifts at midnight UTC: a booking after it can wait")
	assert.True(t, booking.IsRefused(err), "no meeting was made")
	assert.Contains(t, err.Error(), "daily limit")
	kind, until, ok := booking.Throttle(err)
	require.True(t, ok)
	assert.Equal(t, booking.PauseCreate, kind, "deletes and lists go on")
	assert.Equal(t, midnight, until)
	assert.Equal(t, 150*time.Minute, booking.RetryDelay(err))

	moved := spec(booking.RoomOptions{})
	moved.Start, moved.End = moved.Start.Add(time.Hour), moved.End.Add(time.Hour)
	_, err = e.client.UpdateRoom(context.Background(), room, moved)
	require.Error(t, err, "updates count against the cap too")
	assert.Contains(t, err.Error(), "daily limit")
	kind, _, ok = booking.Throttle(err)
	assert.True(t, ok)
	assert.Equal(t, booking.PauseCreate, kind)

	require.NoError(t, e.client.DeleteRoom(context.Background(), room), "the cap does not hold deletes")
}

func TestThrottleIsTemporary(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.fake.Throttle(1, 1500*time.Millisecond)
	_, err := e.client.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err))
	assert.Equal(t, 2*time.Second, booking.RetryDelay(err), "Retry-After, whole seconds")
}

func TestUpdateRoom(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	s := spec(booking.RoomOptions{DialIn: true})
	room := e.create(t, s)

	moved := s
	moved.Title = "Intro call, moved"
	moved.Start = s.Start.Add(26 * time.Hour)
	moved.End = moved.Start.Add(time.Hour)
	moved.ExpiresAt = moved.End.Add(168 * time.Hour)
	moved.TimeZone = "America/New_York"
	got, err := e.client.UpdateRoom(ctx, room, moved)
	require.NoError(t, err)

	body := e.lastBody(t, http.MethodPatch)
	assert.Equal(t, moved.Start.Format("2006-01-02T15:04:05")+"Z", body["start_time"])
	assert.EqualValues(t, 60, body["duration"])
	assert.Equal(t, "America/New_York", body["timezone"])
	assert.Equal(t, "Intro call, moved ("+s.Tag+")", body["topic"])
	assert.NotContains(t, body, "password", "the passcode, and so the dial string, stays")
	m := e.fake.Meetings()[0]
	assert.Equal(t, moved.Start, m.StartTime)
	assert.Equal(t, room.GuestURL, got.GuestURL)
	assert.Equal(t, room.DialIn, got.DialIn)
	assert.Equal(t, m.Topic, got.Name)
	assert.Equal(t, moved.ExpiresAt, got.ExpiresAt)

	patches := func() int {
		n := 0
		for _, r := range e.fake.Requests() {
			if r.Method == http.MethodPatch {
				n++
			}
		}
		return n
	}
	require.Equal(t, 1, patches())
	_, err = e.client.UpdateRoom(ctx, got, moved)
	require.NoError(t, err)
	assert.Equal(t, 1, patches(), "nothing changed: no PATCH spent from the daily cap")

	require.NoError(t, e.client.DeleteRoom(ctx, got))
	_, err = e.client.UpdateRoom(ctx, got, moved)
	assert.ErrorIs(t, err, booking.ErrNotFound)
}

func TestHostLink(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	room := e.create(t, spec(booking.RoomOptions{}))

	link, err := e.client.HostLink(ctx, room)
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`/sandbox/zoom/s/`+room.ID+`\?zak=`), link)
	resp, err := e.srv.Client().Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a fresh start link works")

	e.clock.Add(3 * time.Hour)
	resp, err = e.srv.Client().Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "start_url expires after two hours: why it is fetched at click time")

	require.NoError(t, e.client.DeleteRoom(ctx, room))
	_, err = e.client.HostLink(ctx, room)
	assert.ErrorIs(t, err, booking.ErrNotFound)
}

func TestCheckRoom(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	room := e.create(t, spec(booking.RoomOptions{}))
	n := len(e.fake.Requests())
	require.NoError(t, e.client.CheckRoom(ctx, room))
	reqs := e.fake.Requests()
	require.Len(t, reqs, n+1, "one request")
	assert.Equal(t, http.MethodGet, reqs[n].Method)
	assert.Equal(t, sandbox.ZoomAPIPath+"/meetings/"+room.ID, reqs[n].Path)

	require.NoError(t, e.client.DeleteRoom(ctx, room))
	err := e.client.CheckRoom(ctx, room)
	assert.ErrorIs(t, err, booking.ErrNotFound, "404, code 3001")
}

func TestTaggedRoomsPagesAndSkipsOthers(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.fake.SetDailyLimit(1000)
	ctx := context.Background()
	var want []string
	for i := range 305 { // more than one page of 300
		s := spec(booking.RoomOptions{})
		s.Tag = ""
		if i%100 == 0 {
			s.Tag = booking.Tag{Key: booking.KeyOf("generic", fmt.Sprint("bk_", i)), Gen: 1, Deployment: booking.DeploymentTag("test")}.String()
		}
		room := e.create(t, s)
		if s.Tag != "" {
			want = append(want, room.ID)
		}
	}
	rooms, err := e.client.TaggedRooms(ctx)
	require.NoError(t, err)
	var got []string
	for _, r := range rooms {
		got = append(got, r.ID)
		assert.Empty(t, r.HostURL)
		assert.True(t, r.ExpiresAt.IsZero(), "Zoom meetings have no end date")
	}
	assert.Equal(t, want, got)
}

func TestErrorsCarryNoAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			fmt.Fprint(w, `{"access_token":"t","expires_in":3600}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"code":1001,"message":"User does not exist: ada@example.com."}`)
	}))
	defer srv.Close()
	c, err := zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "c", UserID: organizer,
		APIURL: srv.URL, OAuthURL: srv.URL + "/token"})
	require.NoError(t, err)
	_, err = c.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err))
	assert.Contains(t, err.Error(), "code 1001")
	assert.NotContains(t, err.Error(), "@", "Zoom's message is recorded and logged: no address in it")
}

func TestCancelledContextIsTemporary(t *testing.T) {
	e := newEnv(t, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.client.CreateRoom(ctx, spec(booking.RoomOptions{}))
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled))
	assert.False(t, booking.IsPermanent(err))
}

func TestNetworkErrorsCarryNoUserAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"t","expires_in":3600}`)
	}))
	defer srv.Close()
	c, err := zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "c", UserID: organizer,
		APIURL: "http://127.0.0.1:1/v2", OAuthURL: srv.URL})
	require.NoError(t, err)
	_, err = c.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err), "a refused connection is temporary")
	assert.NotContains(t, err.Error(), "@", "ZOOM_USER_ID may be an address; errors are logged")
}

// TestWithoutPhoneNoRoomWithDialIn is the admin function's client, which links no phone-number
// library: a room with dial-in is refused before any request (the worker makes it), a room
// without is made as usual.
func TestWithoutPhoneNoRoomWithDialIn(t *testing.T) {
	e := newEnv(t, nil, func(c *zoom.Config) { c.Phone = nil })
	_, err := e.client.CreateRoom(context.Background(), spec(booking.RoomOptions{DialIn: true}))
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err), "another client can make it: %v", err)
	assert.Empty(t, e.fake.Meetings(), "no request")

	_, err = e.client.CreateRoom(context.Background(), spec(booking.RoomOptions{}))
	require.NoError(t, err)
	assert.Len(t, e.fake.Meetings(), 1)
}

// TestNormaliserOutage: while dial-in numbers cannot be normalised (the dialin function
// unreachable), making a meeting with dial-in fails with a temporary error and keeps the meeting
// for the reconciler's next run to adopt by its tag, and listing fails rather than listing a
// meeting without its numbers.
func TestNormaliserOutage(t *testing.T) {
	var down bool
	e := newEnv(t, nil, func(c *zoom.Config) {
		c.Phone = func(ctx context.Context, number, region string) (string, error) {
			if down {
				return "", errors.New("invoke roomkeeper-dialin: 503 Service Unavailable")
			}
			return phone.Normalize(ctx, number, region)
		}
	})
	down = true
	_, err := e.client.CreateRoom(context.Background(), spec(booking.RoomOptions{DialIn: true}))
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err), "retried: %v", err)
	assert.NotContains(t, err.Error(), "555", "no number in an error")
	require.Len(t, e.fake.Meetings(), 1, "the meeting is kept for the next run to adopt")

	_, err = e.client.TaggedRooms(context.Background())
	require.Error(t, err, "no meeting is listed without its numbers")

	down = false
	rooms, err := e.client.TaggedRooms(context.Background())
	require.NoError(t, err)
	require.Len(t, rooms, 1)
	require.NotNil(t, rooms[0].DialIn)
	assert.Len(t, rooms[0].DialIn.Numbers, 2)
}

// TestPhoneIsGivenTheCallsContext: the normaliser gets the context of the call that needs the
// numbers, so the dialin function's invocation ends with the worker's (shared/aws/dialin).
func TestPhoneIsGivenTheCallsContext(t *testing.T) {
	type call struct{}
	var seen []any
	e := newEnv(t, nil, func(c *zoom.Config) {
		c.Phone = func(ctx context.Context, number, region string) (string, error) {
			seen = append(seen, ctx.Value(call{}))
			return phone.Normalize(ctx, number, region)
		}
	})
	_, err := e.client.CreateRoom(context.WithValue(t.Context(), call{}, "create"), spec(booking.RoomOptions{DialIn: true}))
	require.NoError(t, err)
	_, err = e.client.TaggedRooms(context.WithValue(t.Context(), call{}, "list"))
	require.NoError(t, err)
	assert.Equal(t, []any{"create", "create", "list", "list"}, seen, "each of the meeting's two numbers, on each call")
}
