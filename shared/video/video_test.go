package video

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/video/twentyfour"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
	"github.com/roomkeeper/roomkeeper/shared/video/zoom"
	"github.com/roomkeeper/roomkeeper/shared/video/zoomhook"
)

// fakeSecrets serves secrets by name and counts reads; err, while set, fails them.
type fakeSecrets struct {
	mu     sync.Mutex
	values map[string]string
	err    error
	reads  map[string]int
}

func newSecrets(values map[string]string) *fakeSecrets {
	return &fakeSecrets{values: values, reads: map[string]int{}}
}

func (s *fakeSecrets) Secret(_ context.Context, name string, _ bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads[name]++
	if s.err != nil {
		return "", s.err
	}
	return s.values[name], nil
}

func (s *fakeSecrets) set(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[name] = value
}

func (s *fakeSecrets) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.reads {
		n += r
	}
	return n
}

// keyedProvider records the secrets it was built with and the calls it gets. It has only
// booking.Provider's methods.
type keyedProvider struct {
	secrets map[string]string
	mu      sync.Mutex
	calls   []string
}

func (p *keyedProvider) record(call string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call)
}

func (p *keyedProvider) CreateRoom(context.Context, booking.RoomSpec) (booking.Room, error) {
	p.record("create")
	return booking.Room{ID: "r1"}, nil
}

func (p *keyedProvider) DeleteRoom(context.Context, booking.Room) error {
	p.record("delete")
	return nil
}

func (p *keyedProvider) TaggedRooms(context.Context) ([]booking.Room, error) {
	p.record("list")
	return nil, nil
}

func (p *keyedProvider) CheckRoom(context.Context, booking.Room) error {
	p.record("check")
	return nil
}

// fullProvider has every optional interface a view can show.
type fullProvider struct{ keyedProvider }

func (p *fullProvider) UpdateRoom(_ context.Context, room booking.Room, _ booking.RoomSpec) (booking.Room, error) {
	p.record("update")
	room.Name = "moved"
	return room, nil
}

func (p *fullProvider) HostLink(context.Context, booking.Room) (string, error) {
	p.record("hostlink")
	return "https://provider.example/start", nil
}

func (p *fullProvider) RoomSessions(context.Context, string) (map[string]booking.SessionInsight, error) {
	p.record("insights")
	return map[string]booking.SessionInsight{"s1": {RecorderMinutes: 3}}, nil
}

// lazy returns a SecretProvider over the secrets names, building with build, and the providers
// it built.
func lazy(sec Secrets, build func(map[string]string) booking.Provider, names ...string) (*SecretProvider, *[]booking.Provider) {
	var built []booking.Provider
	var mu sync.Mutex
	return &SecretProvider{Secrets: sec, Names: names, New: func(s map[string]string) (booking.Provider, error) {
		mu.Lock()
		defer mu.Unlock()
		p := build(s)
		built = append(built, p)
		return p, nil
	}}, &built
}

func keyed(s map[string]string) booking.Provider { return &keyedProvider{secrets: s} }
func full(s map[string]string) booking.Provider  { return &fullProvider{keyedProvider{secrets: s}} }

func TestSecretProvider(t *testing.T) {
	ctx := context.Background()

	t.Run("reads every secret on first use, once, and builds with them", func(t *testing.T) {
		sec := newSecrets(map[string]string{"API_KEY": "key-1", "HOST": "host-1"})
		p, built := lazy(sec, keyed, "API_KEY", "HOST")
		assert.Zero(t, sec.total(), "nothing read before the first call")
		room, err := p.CreateRoom(ctx, booking.RoomSpec{})
		require.NoError(t, err)
		assert.Equal(t, "r1", room.ID)
		require.NoError(t, p.DeleteRoom(ctx, room))
		_, err = p.TaggedRooms(ctx)
		require.NoError(t, err)
		require.NoError(t, p.CheckRoom(ctx, room))
		assert.Equal(t, map[string]int{"API_KEY": 1, "HOST": 1}, sec.reads)
		require.Len(t, *built, 1)
		kp := (*built)[0].(*keyedProvider)
		assert.Equal(t, map[string]string{"API_KEY": "key-1", "HOST": "host-1"}, kp.secrets)
		assert.Equal(t, []string{"create", "delete", "list", "check"}, kp.calls)
	})

	t.Run("a failed read is a temporary error, tried again", func(t *testing.T) {
		sec := newSecrets(map[string]string{"API_KEY": "key-1"})
		sec.err = errors.New("secrets manager: throttled")
		p, built := lazy(sec, keyed, "API_KEY")
		_, err := p.CreateRoom(ctx, booking.RoomSpec{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "read secret API_KEY")
		assert.False(t, booking.IsPermanent(err))
		assert.Empty(t, *built)

		sec.err = nil
		_, err = p.CreateRoom(ctx, booking.RoomSpec{})
		require.NoError(t, err)
		assert.Equal(t, 2, sec.reads["API_KEY"])
		assert.Len(t, *built, 1)
	})

	t.Run("a secret that is not configured is permanent until it is set", func(t *testing.T) {
		sec := newSecrets(map[string]string{"API_KEY": "key-1"})
		p, built := lazy(sec, keyed, "API_KEY", "HOST")
		for _, call := range []func() error{
			func() error { _, err := p.CreateRoom(ctx, booking.RoomSpec{}); return err },
			func() error { return p.DeleteRoom(ctx, booking.Room{}) },
			func() error { _, err := p.TaggedRooms(ctx); return err },
		} {
			err := call()
			require.Error(t, err)
			assert.True(t, booking.IsPermanent(err))
			assert.Contains(t, err.Error(), "HOST is not configured")
			assert.Contains(t, err.Error(), "HOST_SECRET_ARN")
			assert.NotContains(t, err.Error(), "key-1", "errors never carry a secret")
		}
		assert.Empty(t, *built)

		sec.set("HOST", "host-1")
		_, err := p.TaggedRooms(ctx)
		require.NoError(t, err, "a value put in later is read then")
		assert.Len(t, *built, 1)
	})

	t.Run("a provider New refuses is permanent", func(t *testing.T) {
		sec := newSecrets(map[string]string{"API_KEY": "key-1"})
		p := &SecretProvider{Secrets: sec, Names: []string{"API_KEY"}, New: func(map[string]string) (booking.Provider, error) {
			return nil, errors.New("zoom: ZOOM_ACCOUNT_ID not set")
		}}
		_, err := p.CreateRoom(ctx, booking.RoomSpec{})
		require.Error(t, err)
		assert.True(t, booking.IsPermanent(err))
		assert.Contains(t, err.Error(), "ZOOM_ACCOUNT_ID not set")
	})

	t.Run("concurrent first calls build one provider", func(t *testing.T) {
		sec := newSecrets(map[string]string{"API_KEY": "key-1"})
		p, built := lazy(sec, keyed, "API_KEY")
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { _, _ = p.TaggedRooms(ctx) })
		}
		wg.Wait()
		assert.Equal(t, 1, sec.reads["API_KEY"])
		assert.Len(t, *built, 1)
	})
}

func TestSecretProviderViews(t *testing.T) {
	ctx := context.Background()

	t.Run("a bare SecretProvider shows no optional interface", func(t *testing.T) {
		// The reconciler would move such a provider's rooms in place, and the host route would
		// call it: a bare one must not claim what its provider may not have.
		var p booking.Provider = &SecretProvider{}
		_, updates := p.(booking.RoomUpdater)
		_, links := p.(booking.HostLinker)
		_, insights := p.(booking.Insights)
		assert.False(t, updates || links || insights)
	})

	t.Run("the views forward to one provider, built once", func(t *testing.T) {
		sec := newSecrets(map[string]string{"API_KEY": "key-1"})
		p, built := lazy(sec, full, "API_KEY")
		var asProvider booking.Provider = SecretRoomUpdater{p}
		up, ok := asProvider.(booking.RoomUpdater)
		require.True(t, ok, "the reconciler sees SecretRoomUpdater as a RoomUpdater")

		room, err := up.UpdateRoom(ctx, booking.Room{ID: "r1"}, booking.RoomSpec{})
		require.NoError(t, err)
		assert.Equal(t, "moved", room.Name)
		link, err := SecretHostLinker{p}.HostLink(ctx, room)
		require.NoError(t, err)
		assert.Equal(t, "https://provider.example/start", link)
		figures, err := SecretInsights{p}.RoomSessions(ctx, "/room")
		require.NoError(t, err)
		assert.Equal(t, 3, figures["s1"].RecorderMinutes)
		_, err = asProvider.CreateRoom(ctx, booking.RoomSpec{})
		require.NoError(t, err)

		assert.Equal(t, 1, sec.reads["API_KEY"])
		require.Len(t, *built, 1)
		assert.Equal(t, []string{"update", "hostlink", "insights", "create"}, (*built)[0].(*fullProvider).calls)
	})

	t.Run("a view over a provider without its method fails for good", func(t *testing.T) {
		p, _ := lazy(newSecrets(map[string]string{"API_KEY": "key-1"}), keyed, "API_KEY")
		_, err := SecretRoomUpdater{p}.UpdateRoom(ctx, booking.Room{}, booking.RoomSpec{})
		require.Error(t, err)
		assert.True(t, booking.IsPermanent(err))
		assert.Contains(t, err.Error(), "booking.RoomUpdater")
		_, err = SecretHostLinker{p}.HostLink(ctx, booking.Room{})
		assert.True(t, booking.IsPermanent(err))
		_, err = SecretInsights{p}.RoomSessions(ctx, "/room")
		assert.True(t, booking.IsPermanent(err))
	})

	t.Run("a view reports the secret's failure", func(t *testing.T) {
		p, _ := lazy(newSecrets(map[string]string{}), full, "ZOOM_CLIENT_SECRET")
		_, err := SecretHostLinker{p}.HostLink(ctx, booking.Room{})
		require.Error(t, err)
		assert.True(t, booking.IsPermanent(err))
		assert.Contains(t, err.Error(), "ZOOM_CLIENT_SECRET is not configured")
	})
}

// env builds a getenv from pairs.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestProviders(t *testing.T) {
	t.Run("whereby only", func(t *testing.T) {
		cfg, err := config.FromEnv(env(map[string]string{"WHEREBY_API_KEY_SECRET_ARN": "arn:whereby"}))
		require.NoError(t, err)
		sec := newSecrets(map[string]string{})
		v, err := New(cfg, sec, time.Now, phone.Normalize)
		require.NoError(t, err)
		assert.Nil(t, v.Zoom)
		assert.Nil(t, v.TwentyFour)
		ps := v.ByName()
		require.Equal(t, []string{whereby.Name}, keys(ps))
		_, updates := ps[whereby.Name].(booking.RoomUpdater)
		assert.False(t, updates, "Whereby rooms are replaced, not moved")
		assert.Empty(t, v.HostLinkers())
		assert.NotNil(t, v.Insights())
		assert.Zero(t, sec.total(), "building the providers reads nothing")
	})

	t.Run("zoom and 24sessions", func(t *testing.T) {
		cfg, err := config.FromEnv(env(map[string]string{
			"ROOMKEEPER_PUBLIC_URL": "https://rooms.example.com",
			"ZOOM_ACCOUNT_ID":       "acct", "ZOOM_CLIENT_ID": "client", "ZOOM_CLIENT_SECRET_SECRET_ARN": "arn:zoom",
			"TWENTYFOUR_INSTANCE": "acme", "TWENTYFOUR_CLIENT_ID": "client", "TWENTYFOUR_CLIENT_SECRET_SECRET_ARN": "arn:24",
			"TWENTYFOUR_USER_ID": "12", "TWENTYFOUR_MEETING_TYPE_ID": "34",
			"TWENTYFOUR_GUEST_URL": "https://acme.24sessions.com/join/{accessKey}",
		}))
		require.NoError(t, err)
		sec := newSecrets(map[string]string{})
		v, err := New(cfg, sec, time.Now, phone.Normalize)
		require.NoError(t, err)
		ps := v.ByName()
		assert.ElementsMatch(t, []string{whereby.Name, zoom.Name, twentyfour.Name}, keys(ps))
		for _, name := range []string{zoom.Name, twentyfour.Name} {
			_, updates := ps[name].(booking.RoomUpdater)
			assert.True(t, updates, "%s moves meetings in place", name)
		}
		for name, p := range ps {
			g, bound := p.(booking.GuestBound)
			assert.Equal(t, name == twentyfour.Name, bound && g.NeedsGuest(), "%s: only 24sessions makes rooms only for a guest", name)
		}
		assert.Equal(t, []string{zoom.Name}, keys(v.HostLinkers()))
		assert.Equal(t, []string{ZoomClientSecret}, v.Zoom.Names, "no host secret: the organizer's link is made by the reconciler")
		assert.Equal(t, []string{TwentyFourClientSecret}, v.TwentyFour.Names)
		assert.Zero(t, sec.total(), "building the providers reads nothing")
	})
}

// TestNewChecksTheProviderSettings: every enabled provider's settings are checked when the
// providers are built, before any secret is read, and each error names its variable.
func TestNewChecksTheProviderSettings(t *testing.T) {
	twentyfour := func(k, v string) map[string]string {
		m := map[string]string{
			"TWENTYFOUR_INSTANCE": "acme", "TWENTYFOUR_CLIENT_ID": "id", "TWENTYFOUR_CLIENT_SECRET": "very-secret",
			"TWENTYFOUR_USER_ID": "12", "TWENTYFOUR_MEETING_TYPE_ID": "3",
			"TWENTYFOUR_GUEST_URL": "https://acme.24sessions.com/join/{accessKey}",
		}
		m[k] = v
		return m
	}
	zoom := func(k, v string) map[string]string {
		m := map[string]string{"ZOOM_ACCOUNT_ID": "acct", "ZOOM_CLIENT_ID": "id", "ZOOM_CLIENT_SECRET": "very-secret", "AWS_LAMBDA_FUNCTION_NAME": "rk-worker", "ROOMKEEPER_DEPLOYMENT": "prod", "ROOMKEEPER_PUBLIC_URL": "https://rooms.example.com"}
		m[k] = v
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"half a zoom", map[string]string{"ZOOM_CLIENT_ID": "id"}, "Zoom is half configured: set ZOOM_ACCOUNT_ID"},
		{"bad dial-in country", zoom("ZOOM_DIAL_IN_COUNTRIES", "USA"), "ZOOM_DIAL_IN_COUNTRIES"},
		{"half a 24sessions", map[string]string{"TWENTYFOUR_INSTANCE": "acme"}, "TWENTYFOUR_CLIENT_ID"},
		{"guest link not absolute", twentyfour("TWENTYFOUR_GUEST_URL", "/join/{accessKey}"), "TWENTYFOUR_GUEST_URL"},
		{"guest link without key", twentyfour("TWENTYFOUR_GUEST_URL", "https://acme.24sessions.com/join"), "{accessKey}"},
		{"bad instance", twentyfour("TWENTYFOUR_INSTANCE", "acme.24sessions.com"), "TWENTYFOUR_INSTANCE"},
		{"bad user", twentyfour("TWENTYFOUR_USER_ID", "/users/12"), "TWENTYFOUR_USER_ID"},
		{"bad meeting type", twentyfour("TWENTYFOUR_MEETING_TYPE_ID", "two"), "TWENTYFOUR_MEETING_TYPE_ID"},
		{"instance longer than a DNS label", twentyfour("TWENTYFOUR_INSTANCE", strings.Repeat("a", 64)), "TWENTYFOUR_INSTANCE"},
		{"instance ending with -", twentyfour("TWENTYFOUR_INSTANCE", "acme-"), "TWENTYFOUR_INSTANCE"},
		{"user id beyond int64", twentyfour("TWENTYFOUR_USER_ID", "9223372036854775808"), "TWENTYFOUR_USER_ID"},
		{"user id with a leading zero", twentyfour("TWENTYFOUR_USER_ID", "012"), "TWENTYFOUR_USER_ID"},
		{"bad update method", twentyfour("TWENTYFOUR_UPDATE_METHOD", "POST"), "TWENTYFOUR_UPDATE_METHOD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.FromEnv(env(tt.env))
			require.NoError(t, err, "config reads the values; the providers' rules are checked here")
			sec := newSecrets(map[string]string{})
			_, err = New(cfg, sec, time.Now, phone.Normalize)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "very-secret", "secrets are never echoed")
			assert.Zero(t, sec.total(), "checked before any secret is read")
		})
	}

	t.Run("no guest link: the instance's own", func(t *testing.T) {
		cfg, err := config.FromEnv(env(twentyfour("TWENTYFOUR_GUEST_URL", "")))
		require.NoError(t, err)
		_, err = New(cfg, newSecrets(map[string]string{}), time.Now, phone.Normalize)
		require.NoError(t, err, "TWENTYFOUR_GUEST_URL only overrides https://<instance>.24sessions.com/join/<accessKey>")
	})

	t.Run("the limits themselves are valid", func(t *testing.T) {
		cfg, err := config.FromEnv(env(map[string]string{
			"TWENTYFOUR_INSTANCE": "a" + strings.Repeat("-b", 31), "TWENTYFOUR_CLIENT_ID": "id",
			"TWENTYFOUR_USER_ID": "9223372036854775807", "TWENTYFOUR_MEETING_TYPE_ID": "1",
			"TWENTYFOUR_GUEST_URL": "https://acme.24sessions.com/join/{accessKey}",
		}))
		require.NoError(t, err)
		_, err = New(cfg, newSecrets(map[string]string{}), time.Now, phone.Normalize)
		require.NoError(t, err, "a 63-character instance and the largest int64 id are valid")
	})
}

// TestBuild: the local server builds every provider at start, so a secret it lacks stops it.
func TestBuild(t *testing.T) {
	cfg, err := config.FromEnv(env(map[string]string{"ZOOM_ACCOUNT_ID": "acct", "ZOOM_CLIENT_ID": "client"}))
	require.NoError(t, err)
	v, err := New(cfg, newSecrets(map[string]string{WherebyAPIKey: "key", link.HostSecret: "host"}), time.Now, phone.Normalize)
	require.NoError(t, err)
	err = v.Build(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ZOOM_CLIENT_SECRET is not configured")

	v, err = New(cfg, newSecrets(map[string]string{WherebyAPIKey: "key", link.HostSecret: "host", ZoomClientSecret: "zs"}), time.Now, phone.Normalize)
	require.NoError(t, err)
	require.NoError(t, v.Build(context.Background()))
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestProvidersAgainstFakes drives the providers New builds through the
// interfaces the reconciler and the HTTP handlers look for, against the sandbox's Zoom and
// 24sessions fakes, with the secrets read on first use.
func TestProvidersAgainstFakes(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)

	zsrv := httptest.NewUnstartedServer(nil)
	zfake, err := sandbox.NewZoom(sandbox.ZoomOptions{
		PublicURL: "http://" + zsrv.Listener.Addr().String(),
		AccountID: "acct", ClientID: "zoom-client", ClientSecret: "zoom-secret-value",
	})
	require.NoError(t, err)
	zsrv.Config.Handler = zfake
	zsrv.Start()
	t.Cleanup(zsrv.Close)

	tfake, err := sandbox.NewTwentyFour(sandbox.TwentyFourOptions{
		ClientID: "tf-client", ClientSecret: "tf-secret-value", UserID: "12", MeetingTypeID: "34",
	})
	require.NoError(t, err)
	tsrv := httptest.NewServer(tfake)
	t.Cleanup(tsrv.Close)

	cfg, err := config.FromEnv(env(map[string]string{
		"ROOMKEEPER_PUBLIC_URL": "https://rooms.example.com",
		"ZOOM_ACCOUNT_ID":       "acct", "ZOOM_CLIENT_ID": "zoom-client", "ZOOM_CLIENT_SECRET_SECRET_ARN": "arn:zoom",
		"ZOOM_API_URL": zsrv.URL + sandbox.ZoomAPIPath, "ZOOM_OAUTH_URL": zsrv.URL + sandbox.ZoomOAuthPath,
		"TWENTYFOUR_INSTANCE": "acme", "TWENTYFOUR_CLIENT_ID": "tf-client", "TWENTYFOUR_CLIENT_SECRET_SECRET_ARN": "arn:24",
		"TWENTYFOUR_USER_ID": "12", "TWENTYFOUR_MEETING_TYPE_ID": "34",
		"TWENTYFOUR_API_URL":   tsrv.URL + sandbox.TwentyFourAPIPath,
		"TWENTYFOUR_GUEST_URL": "https://acme.24sessions.com/join/{accessKey}",
	}))
	require.NoError(t, err)
	sec := newSecrets(map[string]string{
		ZoomClientSecret:       "zoom-secret-value",
		TwentyFourClientSecret: "tf-secret-value",
	})
	v, err := New(cfg, sec, func() time.Time { return now }, phone.Normalize)
	require.NoError(t, err)
	ps := v.ByName()

	spec := func(tag string, start time.Time) booking.RoomSpec {
		return booking.RoomSpec{
			Tag: tag, Title: "Intro call", Start: start, End: start.Add(30 * time.Minute),
			ExpiresAt: start.Add(170 * time.Hour), TimeZone: "Europe/Oslo",
			Host:   booking.Person{Name: "Ada Host", Email: "ada@example.com"},
			Guests: []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}},
		}
	}
	start := now.Add(24 * time.Hour)

	t.Run("zoom", func(t *testing.T) {
		tag := booking.Tag{Key: booking.KeyOf("generic", "zoom-views"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String()
		room, err := ps[zoom.Name].CreateRoom(ctx, spec(tag, start))
		require.NoError(t, err)
		assert.Empty(t, room.HostURL, "no host link is kept: Zoom's is fetched when the organizer's link is followed")

		moved, err := ps[zoom.Name].(booking.RoomUpdater).UpdateRoom(ctx, room, spec(tag, start.Add(time.Hour)))
		require.NoError(t, err)
		assert.Equal(t, room.ID, moved.ID, "moved in place")
		meetings := zfake.Meetings()
		require.Len(t, meetings, 1)
		assert.Equal(t, start.Add(time.Hour), meetings[0].StartTime)

		link, err := v.HostLinkers()[zoom.Name].HostLink(ctx, room)
		require.NoError(t, err)
		assert.Contains(t, link, "/sandbox/zoom/s/", "a fresh start_url from Zoom")
	})

	t.Run("24sessions", func(t *testing.T) {
		tag := booking.Tag{Key: booking.KeyOf("generic", "tf-views"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String()
		room, err := ps[twentyfour.Name].CreateRoom(ctx, spec(tag, start))
		require.NoError(t, err)
		moved, err := ps[twentyfour.Name].(booking.RoomUpdater).UpdateRoom(ctx, room, spec(tag, start.Add(time.Hour)))
		require.NoError(t, err)
		assert.Equal(t, room.ID, moved.ID, "moved in place")
		meetings := tfake.Meetings()
		require.Len(t, meetings, 1)
		assert.True(t, start.Add(time.Hour).Equal(meetings[0].Date), "date %s", meetings[0].Date)
	})

	assert.Equal(t, map[string]int{ZoomClientSecret: 1, TwentyFourClientSecret: 1}, sec.reads,
		"each secret read once, on first use")
}

// TestProviderNames: a provider's REST client and its webhooks name it alike, so a room the one
// made is the room the other reports on.
func TestProviderNames(t *testing.T) {
	assert.Equal(t, wherebyhook.Provider, whereby.Name)
	assert.Equal(t, zoomhook.Provider, zoom.Name)
}
