// Package providertest is the contract test suite every booking.Provider adapter passes
// (docs/design.md, "One core, ports, adapters"): rooms carry separate guest and host links and
// the tag they were created with, dial-in numbers are E.164 with a tel: link, tagged rooms can be
// found and deleted (twice, harmlessly), a deleted room reads as booking.ErrNotFound, and failures
// are classified as booking.Provider says — throttling temporary with a delay and a pause of every
// call, a 5xx temporary with an unknown outcome, a rejected key permanent; a 429 and a rejected key
// are refusals (nothing was done), and none of them is taken for a room that is gone.
//
// Run it from the adapter's tests against a fake speaking the provider's API (for Whereby, the
// sandbox). The suite only looks at rooms it created, and deletes them when done, so it can also
// run against a real account. Options adapt it to what a provider lacks (dial-in) or does on its
// own (fetching a new token after a refusal); a provider that can move a room in place (an
// UpdateRoom method, as the reconciler's RoomUpdater) is also checked for that.
package providertest

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Faults makes the provider's API misbehave for the next n requests.
type Faults interface {
	// Throttle answers the next n requests as rate limited, asking to wait retryAfter.
	Throttle(n int, retryAfter time.Duration)
	// Fail answers the next n requests with the HTTP status.
	Fail(n int, status int)
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Option adapts the suite to a provider.
type Option func(*options)

type options struct {
	noDialIn    bool
	reauth      bool
	readsDelete bool
}

// WithoutDialIn is for a provider that has no dial-in (24sessions): a room asked for with
// dial-in is made without it, rather than failing.
func WithoutDialIn() Option { return func(o *options) { o.noDialIn = true } }

// Reauthenticates is for a provider that answers a refused access token by fetching a new one
// and trying once more (the OAuth providers, Zoom and 24sessions): a rejected key shows only
// when two requests in a row are refused.
func Reauthenticates() Option { return func(o *options) { o.reauth = true } }

// ReadsBeforeDeleting is for a provider whose DeleteRoom first reads the room (24sessions, to
// leave a meeting that has begun alone): a fault on that read is asked once more, as any read's.
func ReadsBeforeDeleting() Option { return func(o *options) { o.readsDelete = true } }

// updater is a provider that moves a room in place (booking.RoomUpdater).
type updater interface {
	UpdateRoom(ctx context.Context, room booking.Room, spec booking.RoomSpec) (booking.Room, error)
}

// Run runs the contract subtests. newProvider is called once per subtest and returns a provider
// and the fault controls of the API it talks to.
func Run(t *testing.T, newProvider func(t *testing.T) (booking.Provider, Faults), opts ...Option) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	t.Run("create", func(t *testing.T) {
		p, _ := newProvider(t)
		s := spec(t, 1, false)
		room := mustCreate(t, p, s)

		assert.NotEmpty(t, room.Provider, "Provider")
		assert.NotEmpty(t, room.ID, "ID")
		assert.Equal(t, s.Tag, room.Tag, "Tag")
		require.NotEmpty(t, room.GuestURL, "GuestURL")
		if _, fetched := p.(booking.HostLinker); !fetched {
			// A provider whose host link expires (Zoom) records none: it is fetched at click time.
			require.NotEmpty(t, room.HostURL, "HostURL")
		}
		assert.NotEqual(t, room.GuestURL, room.HostURL, "guests and host need different links")
		for _, secret := range hostSecrets(t, room) {
			assert.NotContains(t, room.GuestURL, secret, "GuestURL must not carry the host key")
		}
		assert.False(t, room.ExpiresAt.Before(s.ExpiresAt.Add(-time.Second)),
			"ExpiresAt %v is before the requested %v", room.ExpiresAt, s.ExpiresAt)
		assert.Nil(t, room.DialIn, "no dial-in was asked for")
	})

	t.Run("create with dial-in", func(t *testing.T) {
		p, _ := newProvider(t)
		room := mustCreate(t, p, spec(t, 1, true))

		if o.noDialIn {
			assert.Nil(t, room.DialIn, "the provider has no dial-in")
			assert.NotEmpty(t, room.GuestURL, "GuestURL")
			return
		}
		require.NotNil(t, room.DialIn, "DialIn")
		assert.NotEmpty(t, room.DialIn.Code, "Code")
		require.NotEmpty(t, room.DialIn.Numbers, "Numbers")
		for _, n := range room.DialIn.Numbers {
			assert.Regexp(t, e164, n.E164)
			assert.True(t, strings.HasPrefix(n.Tel, "tel:+"), "Tel %q must start with tel:+", n.Tel)
			assert.True(t, strings.HasPrefix(n.Tel, "tel:"+n.E164), "Tel %q must dial %s", n.Tel, n.E164)
			assert.NotContains(t, n.Tel, "#", "'#' must be written %23 in a tel: URI")
			assert.NotContains(t, n.Tel, " ")
		}
	})

	t.Run("tagged rooms", func(t *testing.T) {
		p, _ := newProvider(t)
		tagged := mustCreate(t, p, spec(t, 3, false))
		untaggedSpec := spec(t, 1, false)
		untaggedSpec.Tag = ""
		untagged := mustCreate(t, p, untaggedSpec)

		rooms := mustList(t, p)
		got, ok := find(rooms, tagged.ID)
		require.True(t, ok, "the tagged room %s is not listed", tagged.ID)
		assert.Equal(t, tagged.Tag, got.Tag)
		assert.Equal(t, tagged.GuestURL, got.GuestURL)
		_, ok = find(rooms, untagged.ID)
		assert.False(t, ok, "an untagged room is listed")
		for _, r := range rooms {
			tag, ok := booking.ParseTag(r.Tag)
			assert.True(t, ok, "listed room %s has tag %q", r.ID, r.Tag)
			assert.Equal(t, tag.String(), r.Tag)
		}
	})

	t.Run("delete", func(t *testing.T) {
		p, _ := newProvider(t)
		room := mustCreate(t, p, spec(t, 1, false))
		require.NoError(t, p.DeleteRoom(context.Background(), room))
		_, ok := find(mustList(t, p), room.ID)
		assert.False(t, ok, "a deleted room is still listed")
		require.NoError(t, p.DeleteRoom(context.Background(), room), "deleting twice must be fine")
	})

	t.Run("check", func(t *testing.T) {
		p, _ := newProvider(t)
		room := mustCreate(t, p, spec(t, 1, false))
		require.NoError(t, p.CheckRoom(context.Background(), room), "a room the provider has")

		require.NoError(t, p.DeleteRoom(context.Background(), room)) // as another tool would
		err := p.CheckRoom(context.Background(), room)
		require.Error(t, err, "a deleted room")
		assert.ErrorIs(t, err, booking.ErrNotFound, "the reconciler replaces a room on ErrNotFound")
	})

	t.Run("update in place", func(t *testing.T) {
		p, _ := newProvider(t)
		u, ok := p.(updater)
		if !ok {
			t.Skip("the provider replaces rooms rather than moving them")
		}
		s := spec(t, 1, false)
		room := mustCreate(t, p, s)

		moved := s
		moved.Title = "Contract test, moved"
		moved.Start, moved.End = s.Start.Add(24*time.Hour), s.End.Add(25*time.Hour)
		moved.ExpiresAt = moved.End.Add(2 * time.Hour)
		got, err := u.UpdateRoom(context.Background(), room, moved)
		require.NoError(t, err, "UpdateRoom")
		assert.Equal(t, room.ID, got.ID, "the room keeps its id")
		assert.Equal(t, room.Tag, got.Tag, "and its tag")
		assert.Equal(t, room.GuestURL, got.GuestURL, "and the guests' link")
		assert.Equal(t, room.HostURL, got.HostURL, "and the host's link")
		assert.False(t, got.ExpiresAt.Before(moved.ExpiresAt.Add(-time.Second)),
			"ExpiresAt %v is before the requested %v", got.ExpiresAt, moved.ExpiresAt)
		listed, ok := find(mustList(t, p), room.ID)
		require.True(t, ok, "the moved room is still listed")
		assert.Equal(t, room.Tag, listed.Tag)

		again, err := u.UpdateRoom(context.Background(), got, moved)
		require.NoError(t, err, "updating to the same details again")
		assert.Equal(t, got.ID, again.ID)

		require.NoError(t, p.DeleteRoom(context.Background(), room))
		_, err = u.UpdateRoom(context.Background(), room, s)
		require.Error(t, err, "a deleted room cannot be updated")
		assert.ErrorIs(t, err, booking.ErrNotFound, "the reconciler makes a new room on ErrNotFound")
	})

	// Each fault is tried on every operation; the provider must recover once it passes.
	refusals := 1
	if o.reauth {
		refusals = 2
	}
	faults := []struct {
		name      string
		set       func(f Faults, tries int) // tries: how many requests the call makes before it fails
		permanent bool
		delay     bool // a 429: a delay, and a pause of every call (booking.Throttle)
		refused   bool // the provider certainly did nothing (booking.IsRefused)
	}{
		{"throttled", func(f Faults, _ int) { f.Throttle(1, 2*time.Second) }, false, true, true},
		{"server error", func(f Faults, tries int) { f.Fail(tries, http.StatusInternalServerError) }, false, false, false},
		{"unavailable", func(f Faults, tries int) { f.Fail(tries, http.StatusServiceUnavailable) }, false, false, false},
		{"rejected key", func(f Faults, _ int) { f.Fail(refusals, http.StatusUnauthorized) }, true, false, true},
	}
	ops := []struct {
		name string
		// tries is how many requests a 5xx costs the call: a read is asked once more
		// (rest.Client.Do), so it fails only when the fault outlasts both tries.
		tries int
		do    func(t *testing.T, p booking.Provider, room booking.Room) error
	}{
		{"create", 1, func(t *testing.T, p booking.Provider, _ booking.Room) error {
			room, err := p.CreateRoom(context.Background(), spec(t, 2, false))
			if err == nil {
				cleanup(t, p, room)
			}
			return err
		}},
		{"delete", 1, func(_ *testing.T, p booking.Provider, room booking.Room) error {
			return p.DeleteRoom(context.Background(), room)
		}},
		{"list", 2, func(_ *testing.T, p booking.Provider, _ booking.Room) error {
			_, err := p.TaggedRooms(context.Background())
			return err
		}},
		{"check", 2, func(_ *testing.T, p booking.Provider, room booking.Room) error {
			return p.CheckRoom(context.Background(), room)
		}},
	}
	for i := range ops {
		if ops[i].name == "delete" && o.readsDelete {
			ops[i].tries = 2
		}
	}
	for _, f := range faults {
		for _, op := range ops {
			t.Run(f.name+"/"+op.name, func(t *testing.T) {
				p, faults := newProvider(t)
				room := mustCreate(t, p, spec(t, 1, false))

				f.set(faults, op.tries)
				err := op.do(t, p, room)
				require.Error(t, err)
				assert.Equal(t, f.permanent, booking.IsPermanent(err), "IsPermanent(%v)", err)
				assert.NotErrorIs(t, err, booking.ErrNotFound, "a fault is no sign that the room is gone")
				assert.Equal(t, f.refused, booking.IsRefused(err), "IsRefused(%v)", err)
				if f.delay {
					assert.Positive(t, booking.RetryDelay(err), "RetryDelay(%v)", err)
					kind, _, ok := booking.Throttle(err)
					assert.True(t, ok, "Throttle(%v)", err)
					assert.Equal(t, booking.PauseAll, kind)
				}

				require.NoError(t, op.do(t, p, room), "once the fault has passed")
			})
		}
	}
	// A passing 5xx costs a read one more request, not a failure.
	for _, op := range ops {
		if op.tries == 1 {
			continue
		}
		t.Run("passing server error/"+op.name, func(t *testing.T) {
			p, faults := newProvider(t)
			room := mustCreate(t, p, spec(t, 1, false))
			faults.Fail(1, http.StatusServiceUnavailable)
			require.NoError(t, op.do(t, p, room), "the read is asked again")
		})
	}
}

// spec returns a room spec for a booking named after the test, with generation gen.
func spec(t *testing.T, gen int, dialIn bool) booking.RoomSpec {
	t.Helper()
	start := time.Now().Add(time.Hour).Truncate(time.Minute)
	end := start.Add(30 * time.Minute)
	return booking.RoomSpec{
		Tag:       booking.Tag{Key: booking.KeyOf("providertest", t.Name()), Gen: gen, Deployment: booking.DeploymentTag("providertest")}.String(),
		Title:     "Contract test",
		Start:     start,
		End:       end,
		ExpiresAt: end.Add(2 * time.Hour),
		TimeZone:  "Europe/Oslo",
		Options:   booking.RoomOptions{Size: booking.Small, DialIn: dialIn, NamePrefix: "ct-"},
		Host:      booking.Person{Name: "Ada Host", Email: "ada@example.com"},
		Guests:    []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}},
	}
}

func mustCreate(t *testing.T, p booking.Provider, s booking.RoomSpec) booking.Room {
	t.Helper()
	room, err := p.CreateRoom(context.Background(), s)
	require.NoError(t, err, "CreateRoom")
	cleanup(t, p, room)
	return room
}

func cleanup(t *testing.T, p booking.Provider, room booking.Room) {
	t.Cleanup(func() { _ = p.DeleteRoom(context.Background(), room) })
}

func mustList(t *testing.T, p booking.Provider) []booking.Room {
	t.Helper()
	rooms, err := p.TaggedRooms(context.Background())
	require.NoError(t, err, "TaggedRooms")
	return rooms
}

func find(rooms []booking.Room, id string) (booking.Room, bool) {
	for _, r := range rooms {
		if r.ID == id {
			return r, true
		}
	}
	return booking.Room{}, false
}

// hostSecrets returns the query values of the host link that the guest link does not share: the
// host key (Whereby roomKey, Zoom zak), which a guest link must never contain.
func hostSecrets(t *testing.T, room booking.Room) []string {
	t.Helper()
	host, err := url.Parse(room.HostURL)
	require.NoError(t, err, "HostURL")
	guest, err := url.Parse(room.GuestURL)
	require.NoError(t, err, "GuestURL")
	shared := map[string]bool{}
	for _, vs := range guest.Query() {
		for _, v := range vs {
			shared[v] = true
		}
	}
	var secrets []string
	for _, vs := range host.Query() {
		for _, v := range vs {
			if len(v) >= 6 && !shared[v] {
				secrets = append(secrets, v)
			}
		}
	}
	return secrets
}
