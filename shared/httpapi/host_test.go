package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
)

const (
	hostTestSecret = "host-secret-one"
	hostPublicURL  = "https://rk.example"
	hostStartURL   = "https://zoom.example/s/85746302158?zak=fresh-host-key"
)

// hostSecrets serves ROOMKEEPER_HOST_SECRET; a fresh read gets next when set (a rotation).
type hostSecrets struct {
	mu      sync.Mutex
	current string
	next    string
	err     error
	fresh   int
}

func (s *hostSecrets) Secret(_ context.Context, name string, fresh bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name != link.HostSecret {
		return "", nil
	}
	if fresh {
		s.fresh++
		if s.next != "" {
			s.current = s.next
		}
	}
	return s.current, s.err
}

// hostLinker is a provider's host-link side: a fixed link, or an error.
type hostLinker struct {
	mu      sync.Mutex
	hostURL string
	err     error
	calls   []booking.Room
}

func (l *hostLinker) HostLink(_ context.Context, room booking.Room) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, room)
	return l.hostURL, l.err
}

type hostFixture struct {
	s       *HostLinks
	store   *bolt.Store
	secrets *hostSecrets
	linker  *hostLinker
	logs    *bytes.Buffer
}

func newHostFixture(t *testing.T) *hostFixture {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &hostFixture{store: st, secrets: &hostSecrets{current: hostTestSecret}, linker: &hostLinker{hostURL: hostStartURL}, logs: &bytes.Buffer{}}
	f.s = &HostLinks{
		Store:   st,
		Secrets: f.secrets,
		Log:     slog.New(slog.NewTextHandler(f.logs, nil)),
		Linkers: map[string]booking.HostLinker{"zoom": f.linker},
	}
	return f
}

// putZoomBooking stores a confirmed booking with a Zoom room of generation gen and returns the
// booking and the room's host link.
func (f *hostFixture) putZoomBooking(t *testing.T, id string, gen int, edit ...func(*booking.Booking)) (*booking.Booking, string) {
	t.Helper()
	key := booking.KeyOf("generic", id)
	tag := booking.Tag{Key: key, Gen: gen, Deployment: booking.DeploymentTag("test")}.String()
	hostURL := link.HostURL(hostPublicURL, hostTestSecret, tag, "85746302158")
	b := &booking.Booking{
		Key: key, Source: "generic", ExternalID: id, UID: "uid-" + id, Status: booking.Confirmed,
		Details: booking.Details{
			Title: "Intro call", Start: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC),
			Organizer: booking.Person{Email: "ada@example.com"}, Attendees: []booking.Person{{Email: "bob@example.net"}},
			Room: booking.RoomOptions{Provider: "zoom", Size: booking.Small},
		},
		Room: &booking.Room{Provider: "zoom", ID: "85746302158", Name: "Intro call (" + tag + ")", Tag: tag,
			GuestURL: "https://zoom.example/j/85746302158?pwd=x", HostURL: hostURL},
		RoomGen: gen,
	}
	for _, e := range edit {
		e(b)
	}
	require.NoError(t, f.store.Put(context.Background(), b))
	return b, hostURL
}

func (f *hostFixture) get(t *testing.T, hostURL string, accept string) *httptest.ResponseRecorder {
	t.Helper()
	require.True(t, strings.HasPrefix(hostURL, hostPublicURL+"/v1/host/"), "hostURL %q", hostURL)
	mux := http.NewServeMux()
	f.s.Register(mux)
	req := httptest.NewRequest(http.MethodGet, strings.TrimPrefix(hostURL, hostPublicURL), nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func TestHostLinkRedirects(t *testing.T) {
	f := newHostFixture(t)
	b, hostURL := f.putZoomBooking(t, "bk-ok", 1)
	rec := f.get(t, hostURL, "")
	require.Equal(t, http.StatusFound, rec.Code, rec.Body.String())
	assert.Equal(t, hostStartURL, rec.Header().Get("Location"), "to a start_url fetched at click time")
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "a cache must never keep a start_url")
	assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
	require.Len(t, f.linker.calls, 1)
	assert.Equal(t, *b.Room, f.linker.calls[0])

	logs := f.logs.String()
	assert.Contains(t, logs, b.Key)
	assert.NotContains(t, logs, "zak=", "the start_url is never logged")
	assert.NotContains(t, logs, strings.TrimPrefix(hostURL, hostPublicURL+"/v1/host/"), "nor the token")
}

func TestHostLinkRefusals(t *testing.T) {
	tamper := func(hostURL string, i int) string {
		b := []byte(hostURL)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name   string
		setup  func(t *testing.T, f *hostFixture) string // returns the hostURL to open
		status int
		says   string
	}{
		{"tampered MAC", func(t *testing.T, f *hostFixture) string {
			_, hostURL := f.putZoomBooking(t, "bk-1", 1)
			return tamper(hostURL, len(hostURL)-5)
		}, http.StatusNotFound, "not valid"},
		{"another room id, re-encoded", func(t *testing.T, f *hostFixture) string {
			b, hostURL := f.putZoomBooking(t, "bk-1", 1)
			mac := hostURL[strings.LastIndexByte(hostURL, '.')+1:]
			payload := base64.RawURLEncoding.EncodeToString([]byte(b.Room.Tag + ".85746302159"))
			return hostPublicURL + "/v1/host/" + payload + "." + mac
		}, http.StatusNotFound, "not valid"},
		{"signed with another secret", func(t *testing.T, f *hostFixture) string {
			b, _ := f.putZoomBooking(t, "bk-1", 1)
			return link.HostURL(hostPublicURL, "guessed-secret", b.Room.Tag, b.Room.ID)
		}, http.StatusNotFound, "not valid"},
		{"malformed", func(*testing.T, *hostFixture) string { return hostPublicURL + "/v1/host/not-a-token" }, http.StatusNotFound, "not valid"},
		{"cancelled booking", func(t *testing.T, f *hostFixture) string {
			_, hostURL := f.putZoomBooking(t, "bk-1", 1, func(b *booking.Booking) { b.Status = booking.Cancelled })
			return hostURL
		}, http.StatusNotFound, "cancelled"},
		{"replaced room", func(t *testing.T, f *hostFixture) string {
			_, old := f.putZoomBooking(t, "bk-1", 1)
			b, _ := f.putZoomBooking(t, "bk-1", 2, func(b *booking.Booking) { b.Version = 1; b.Room.ID = "85746302160" })
			_ = b
			return old
		}, http.StatusNotFound, "replaced"},
		{"room cleaned up", func(t *testing.T, f *hostFixture) string {
			_, hostURL := f.putZoomBooking(t, "bk-1", 1, func(b *booking.Booking) { b.Room, b.Done = nil, true })
			return hostURL
		}, http.StatusNotFound, "replaced or removed"},
		{"unknown booking", func(*testing.T, *hostFixture) string {
			return link.HostURL(hostPublicURL, hostTestSecret, booking.Tag{Key: booking.KeyOf("generic", "nobody"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String(), "1")
		}, http.StatusNotFound, "replaced or removed"},
		{"meeting deleted at the provider", func(t *testing.T, f *hostFixture) string {
			f.linker.err = fmt.Errorf("zoom: get start_url: %w", booking.ErrNotFound)
			_, hostURL := f.putZoomBooking(t, "bk-1", 1)
			return hostURL
		}, http.StatusNotFound, "no longer exists"},
		{"provider without fresh host links", func(t *testing.T, f *hostFixture) string {
			_, hostURL := f.putZoomBooking(t, "bk-1", 1, func(b *booking.Booking) { b.Room.Provider = "whereby" })
			return hostURL
		}, http.StatusNotFound, "no host link"},
		{"provider down", func(t *testing.T, f *hostFixture) string {
			f.linker.err = errors.New("zoom answered 502")
			_, hostURL := f.putZoomBooking(t, "bk-1", 1)
			return hostURL
		}, http.StatusServiceUnavailable, "unavailable"},
		{"host links not configured", func(t *testing.T, f *hostFixture) string {
			f.secrets.current = ""
			return link.HostURL(hostPublicURL, hostTestSecret, booking.Tag{Key: booking.KeyOf("generic", "x"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String(), "1")
		}, http.StatusNotFound, "not configured"},
		{"secret store down", func(t *testing.T, f *hostFixture) string {
			f.secrets.err = errors.New("secrets manager unreachable")
			_, hostURL := f.putZoomBooking(t, "bk-1", 1)
			return hostURL
		}, http.StatusServiceUnavailable, "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHostFixture(t)
			hostURL := tt.setup(t, f)
			rec := f.get(t, hostURL, "application/json")
			assert.Equal(t, tt.status, rec.Code)
			assert.Empty(t, rec.Header().Get("Location"))
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.Contains(t, rec.Body.String(), tt.says)
			assert.NotContains(t, rec.Body.String(), "zak=")

			page := f.get(t, hostURL, "text/html,application/xhtml+xml")
			assert.Equal(t, tt.status, page.Code)
			assert.Equal(t, "text/html; charset=utf-8", page.Header().Get("Content-Type"), "a browser gets a page")
			assert.Contains(t, page.Body.String(), "<h1>")
			assert.Equal(t, tt.status >= 500, strings.Contains(page.Body.String(), "Try again in a moment"), "a retry is suggested only for a fault")
		})
	}
}

func TestHostLinkOtherMethodsAndPaths(t *testing.T) {
	f := newHostFixture(t)
	mux := http.NewServeMux()
	f.s.Register(mux)
	for _, tt := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{http.MethodPost, "/v1/host/abc.def", http.StatusMethodNotAllowed, "method_not_allowed", "GET"},
		{http.MethodDelete, "/v1/host/abc.def", http.StatusMethodNotAllowed, "method_not_allowed", "GET"},
		{http.MethodGet, "/v1/host/abc.def/start", http.StatusNotFound, "not_found", ""},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		assert.Equal(t, tt.status, rec.Code, "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.allow, rec.Header().Get("Allow"), "%s %s", tt.method, tt.path)
		var out map[string]map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), "%s %s: %s", tt.method, tt.path, rec.Body)
		assert.Equal(t, tt.code, out["error"]["code"], "%s %s", tt.method, tt.path)
	}
}

func TestHostErrorPageEscapesTheMessage(t *testing.T) {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/v1/host/x", nil)
	r.Header.Set("Accept", "text/html")
	writeHostError(rec, r, slog.New(slog.DiscardHandler), booking.Errorf(booking.NotFound, "", `room <script>alert("x")</script> & co`))
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Contains(t, rec.Body.String(), "<h1>This link does not start a meeting</h1>")
	assert.Contains(t, rec.Body.String(), `<p>room &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</p>`)
	assert.NotContains(t, rec.Body.String(), "<script>")
}

func TestHostLinkSecretRotation(t *testing.T) {
	f := newHostFixture(t)
	b, hostURL := f.putZoomBooking(t, "bk-rot", 1)
	f.secrets.current = "new-secret, " + hostTestSecret
	rec := f.get(t, hostURL, "")
	assert.Equal(t, http.StatusFound, rec.Code, "links signed with the previous secret keep working")
	assert.Equal(t, link.HostURL(hostPublicURL, "new-secret", b.Room.Tag, b.Room.ID),
		link.HostURL(hostPublicURL, f.secrets.current, b.Room.Tag, b.Room.ID), "the first secret signs")
	rec = f.get(t, link.HostURL(hostPublicURL, "new-secret", b.Room.Tag, b.Room.ID), "")
	assert.Equal(t, http.StatusFound, rec.Code)
	f.secrets.current = "new-secret"
	assert.Equal(t, http.StatusNotFound, f.get(t, hostURL, "").Code, "until the old one is removed")
}

func TestHostLinkSurvivesSecretRotationOnce(t *testing.T) {
	f := newHostFixture(t)
	b, _ := f.putZoomBooking(t, "bk-rot", 1)
	f.secrets.current, f.secrets.next = "old-cached-secret", hostTestSecret
	rec := f.get(t, link.HostURL(hostPublicURL, hostTestSecret, b.Room.Tag, b.Room.ID), "")
	assert.Equal(t, http.StatusFound, rec.Code, "the cached secret is stale: read once more")
	assert.Equal(t, 1, f.secrets.fresh)
}
