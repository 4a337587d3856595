package join_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/join"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	web "github.com/roomkeeper/roomkeeper/templates/console"
)

const (
	secret   = "link-secret-one"
	guestURL = "https://example.whereby.com/intro-rkabc"
	hostURL  = "https://example.whereby.com/intro-rkabc?roomKey=host-key"
)

type secrets struct {
	mu      sync.Mutex
	current string
	next    string // a fresh read returns it (a rotation)
}

func (s *secrets) Secret(_ context.Context, name string, fresh bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name != link.Secret {
		return "", nil
	}
	if fresh && s.next != "" {
		s.current = s.next
	}
	return s.current, nil
}

// startURLs is Zoom's side: a new start_url on every call, as Zoom's expire.
type startURLs struct {
	mu    sync.Mutex
	calls int
}

func (z *startURLs) HostLink(_ context.Context, room booking.Room) (string, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.calls++
	return fmt.Sprintf("https://zoom.example/s/%s?zak=fresh-%d", room.ID, z.calls), nil
}

type fixture struct {
	t     *testing.T
	store *bolt.Store
	sec   *secrets
	zoom  *startURLs
	logs  *bytes.Buffer
	srv   http.Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, store: st, sec: &secrets{current: secret}, zoom: &startURLs{}, logs: &bytes.Buffer{}}
	mux := http.NewServeMux()
	(&join.Links{Store: st, Secrets: f.sec, Linkers: map[string]booking.HostLinker{"zoom": f.zoom},
		Log: slog.New(slog.NewJSONHandler(f.logs, nil))}).Register(mux)
	f.srv = mux
	return f
}

// put stores a booking with a Whereby room, the organizer Ada and the guests Bob and Cy.
func (f *fixture) put(mutate ...func(*booking.Booking)) *booking.Booking {
	f.t.Helper()
	start := time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	b := &booking.Booking{
		Key: booking.KeyOf("generic", "bk-1"), Source: "generic", ExternalID: "bk-1", UID: "uid-1",
		Status: booking.Confirmed,
		Details: booking.Details{
			Title: "Intro call", Start: start, End: start.Add(30 * time.Minute), TimeZone: "Europe/Oslo",
			Organizer: booking.Person{ID: "org00001", Name: "Ada Host", Email: "ada@example.com"},
			Attendees: []booking.Person{
				{ID: "bob00001", Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York"},
				{ID: "cy000001", Name: "Cy Guest", Email: "cy@example.org"},
			},
			Room: booking.RoomOptions{Provider: "whereby", Size: booking.Small},
		},
		Room: &booking.Room{Provider: "whereby", ID: "m1", Name: "/intro-rkabc", Tag: "rkabc", GuestURL: guestURL, HostURL: hostURL},
	}
	for _, m := range mutate {
		m(b)
	}
	if old, err := f.store.Get(context.Background(), b.Key); err == nil {
		b.Version = old.Version
	}
	require.NoError(f.t, f.store.Put(context.Background(), b))
	return b
}

func (f *fixture) token(key, recipient string, p booking.Purpose) string {
	f.t.Helper()
	tok, err := link.Make(secret, link.Token{Key: key, Recipient: recipient, Purpose: p})
	require.NoError(f.t, err)
	return tok
}

func (f *fixture) get(token string) *httptest.ResponseRecorder {
	f.t.Helper()
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/j/"+token, nil))
	h := rec.Header()
	assert.Equal(f.t, "no-store", h.Get("Cache-Control"))
	assert.Equal(f.t, "no-referrer", h.Get("Referrer-Policy"))
	if rec.Code != http.StatusFound {
		checkPage(f.t, rec)
	}
	return rec
}

// checkPage checks a page's policy: nothing but its own stylesheet, no script.
func checkPage(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.String()
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	csp := rec.Header().Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'none'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.NotContains(t, strings.ToLower(body), "<script")
	assert.NotRegexp(t, `(?i)\son[a-z]+=`, body, "no event handlers")
	assert.NotContains(t, strings.ToLower(body), "<style", "no inline stylesheet")
	assert.NotRegexp(t, `(?i)\sstyle=`, body, "no style attribute")
	assert.Contains(t, body, `<link rel="stylesheet" href="`+web.Asset("style.css")+`">`, "the console's stylesheet")
	assert.Contains(t, body, `<link rel="icon" href="`+web.Asset("favicon.svg")+`"`)
	assert.Equal(t, "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", csp,
		"same-origin stylesheets and images only: the console serves its static files next to /j/")
}

func TestGuestLinkFollowsTheRoomAsItIsAtClickTime(t *testing.T) {
	f := newFixture(t)
	b := f.put()
	bob := f.token(b.Key, "bob00001", booking.ForGuest)
	rec := f.get(bob)
	require.Equal(t, http.StatusFound, rec.Code)
	assert.Equal(t, guestURL+"?displayName=Bob+Guest&externalId=bob00001", rec.Header().Get("Location"))

	// A reschedule replaced the room: the link mailed before now leads to the new one.
	f.put(func(b *booking.Booking) {
		b.Retired = []booking.Room{*b.Room}
		b.Room = &booking.Room{Provider: "whereby", ID: "m2", Tag: "rkabc2", GuestURL: "https://example.whereby.com/new-room", HostURL: "https://example.whereby.com/new-room?roomKey=k2"}
	})
	rec = f.get(bob)
	require.Equal(t, http.StatusFound, rec.Code)
	assert.Equal(t, "https://example.whereby.com/new-room?displayName=Bob+Guest&externalId=bob00001", rec.Header().Get("Location"))

	org := f.get(f.token(b.Key, "org00001", booking.ForHost))
	require.Equal(t, http.StatusFound, org.Code)
	assert.Equal(t, "https://example.whereby.com/new-room?displayName=Ada+Host&externalId=org00001&roomKey=k2", org.Header().Get("Location"), "the organizer's link gives the host link")

	share := f.get(f.token(b.Key, booking.RoomLink, booking.ForGuest))
	require.Equal(t, http.StatusFound, share.Code)
	assert.Equal(t, "https://example.whereby.com/new-room", share.Header().Get("Location"), "the room's guest link, to pass on")

	assert.NotContains(t, f.logs.String(), bob, "tokens are never logged")
	assert.NotContains(t, f.logs.String(), "@", "nor addresses")
}

// TestWherebyGuestsArriveNamed checks that a person's own link to a Whereby room carries
// Whereby's displayName and externalId parameters, properly encoded: their name and their opaque
// recipient id, never their address; the room's own links name nobody.
func TestWherebyGuestsArriveNamed(t *testing.T) {
	f := newFixture(t)
	b := f.put(func(b *booking.Booking) {
		b.Details.Attendees[0].Name = "Bøb O'Brien & Co: <Sales>; $50!"
		b.Details.Attendees[1].Name = "cy@example.org"
	})
	location := func(recipient string, p booking.Purpose) *neturl.URL {
		t.Helper()
		rec := f.get(f.token(b.Key, recipient, p))
		require.Equal(t, http.StatusFound, rec.Code)
		loc := rec.Header().Get("Location")
		assert.NotContains(t, loc, "@", "never an address")
		assert.NotContains(t, loc, "%40")
		u, err := neturl.Parse(loc)
		require.NoError(t, err)
		assert.Equal(t, "https://example.whereby.com/intro-rkabc", u.Scheme+"://"+u.Host+u.Path)
		return u
	}
	bob := location("bob00001", booking.ForGuest)
	assert.Equal(t, neturl.Values{"displayName": {"Bøb O'Brien & Co Sales 50"}, "externalId": {"bob00001"}}, bob.Query(),
		"Whereby's refused characters ($!<>:;) left out, the rest encoded")
	assert.NotContains(t, bob.RawQuery, " ", "encoded")

	cy := location("cy000001", booking.ForGuest)
	assert.Equal(t, neturl.Values{"externalId": {"cy000001"}}, cy.Query(), "a name that is an address is left out")

	host := location("org00001", booking.ForHost)
	assert.Equal(t, neturl.Values{"displayName": {"Ada Host"}, "externalId": {"org00001"}, "roomKey": {"host-key"}}, host.Query(),
		"the organizer's host link keeps its key and names them")

	share := location(booking.RoomLink, booking.ForGuest)
	assert.Empty(t, share.RawQuery, "the room's guest link, passed on, names nobody")

	for _, ms := range []string{"bob@example.net", "cy@example.org", "ada@example.com"} {
		assert.NotContains(t, f.logs.String(), ms)
	}
}

func TestDisplayName(t *testing.T) {
	assert.Equal(t, "Ada Lovelace", join.DisplayName("  Ada\tLovelace\n"))
	assert.Equal(t, "", join.DisplayName("ada@example.com"))
	assert.Equal(t, "", join.DisplayName("Ada <ada@example.com>"))
	assert.Equal(t, "", join.DisplayName(":;!"))
	long := strings.Repeat("é", 150)
	assert.Equal(t, strings.Repeat("é", 100), join.DisplayName(long), "100 characters at most")
}

func TestZoomHostLinkIsFetchedAtClickTime(t *testing.T) {
	f := newFixture(t)
	b := f.put(func(b *booking.Booking) {
		b.Details.Room.Provider = "zoom"
		b.Room = &booking.Room{Provider: "zoom", ID: "85746302158", Tag: "rkabc", GuestURL: "https://zoom.example/j/85746302158?pwd=p"}
	})
	host := f.token(b.Key, "org00001", booking.ForHost)
	for i := 1; i <= 2; i++ {
		rec := f.get(host)
		require.Equal(t, http.StatusFound, rec.Code)
		assert.Equal(t, fmt.Sprintf("https://zoom.example/s/85746302158?zak=fresh-%d", i), rec.Header().Get("Location"), "a fresh start_url on each click")
	}
	rec := f.get(f.token(b.Key, "bob00001", booking.ForGuest))
	assert.Equal(t, "https://zoom.example/j/85746302158?pwd=p", rec.Header().Get("Location"), "no Whereby parameters for Zoom")
	assert.Equal(t, 2, f.zoom.calls, "a guest's click never asks for a start_url")
	assert.NotContains(t, f.logs.String(), "zak=", "the start_url is never logged")
}

func TestLinksThatNoLongerOpenTheRoom(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(*booking.Booking)
		recipient string
		purpose   booking.Purpose
		status    int
		says      string
	}{
		{"before the room exists", func(b *booking.Booking) { b.Room = nil }, "bob00001", booking.ForGuest, http.StatusOK, "not open yet"},
		{"cancelled", func(b *booking.Booking) { b.Status = booking.Cancelled; b.Room = nil }, "bob00001", booking.ForGuest, http.StatusGone, "cancelled"},
		{"cancelled, room not yet deleted", func(b *booking.Booking) { b.Status = booking.Cancelled }, "org00001", booking.ForHost, http.StatusGone, "cancelled"},
		{"guest removed", func(b *booking.Booking) {
			b.Invites = []booking.Invite{{Person: b.Details.Attendees[1], Method: booking.Cancel, Sequence: 1}}
			b.Details.Attendees = b.Details.Attendees[:1]
		}, "cy000001", booking.ForGuest, http.StatusGone, "no longer on this meeting"},
		{"cleaned up", func(b *booking.Booking) {
			r := *b.Room
			r.DeletedAt = b.Details.End.Add(15 * time.Minute)
			b.Ended, b.Room, b.Done = []booking.Room{r}, nil, true
		}, "bob00001", booking.ForGuest, http.StatusGone, "has ended"},
		{"no room, failed for good", func(b *booking.Booking) {
			b.Room, b.Failure = nil, &booking.Failure{Message: "rejected key", Permanent: true}
		}, "bob00001", booking.ForGuest, http.StatusServiceUnavailable, "could not be set up"},
		{"unknown recipient", nil, "nobody01", booking.ForGuest, http.StatusNotFound, "not valid"},
		{"a guest's id with the host purpose", nil, "bob00001", booking.ForHost, http.StatusNotFound, "not valid"},
		{"the room's host link of a booking", nil, booking.RoomLink, booking.ForHost, http.StatusNotFound, "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var b *booking.Booking
			if tt.mutate != nil {
				b = f.put(tt.mutate)
			} else {
				b = f.put()
			}
			rec := f.get(f.token(b.Key, tt.recipient, tt.purpose))
			assert.Equal(t, tt.status, rec.Code)
			assert.Contains(t, rec.Body.String(), tt.says)
			assert.Empty(t, rec.Header().Get("Location"))
			if tt.status != http.StatusNotFound {
				assert.Contains(t, rec.Body.String(), "Intro call", "the page names the meeting")
			} else {
				assert.NotContains(t, rec.Body.String(), "Intro call", "a refused link tells nothing of the meeting")
			}
			if tt.status == http.StatusOK {
				assert.Contains(t, rec.Body.String(), `http-equiv="refresh"`, "it tries again on its own")
				assert.Contains(t, rec.Body.String(), "America/New_York", "in the guest's own zone")
			}
		})
	}
}

func TestExpiredRecordIsAnEndedMeeting(t *testing.T) {
	f := newFixture(t)
	rec := f.get(f.token(booking.KeyOf("generic", "gone"), "bob00001", booking.ForGuest))
	assert.Equal(t, http.StatusGone, rec.Code)
	assert.Contains(t, rec.Body.String(), "has ended")
}

func TestHandMadeRoomsPair(t *testing.T) {
	f := newFixture(t)
	b := f.put(func(b *booking.Booking) {
		b.Source, b.Details.Attendees, b.Details.Organizer = booking.Manual, nil, booking.Person{}
	})
	rec := f.get(f.token(b.Key, booking.RoomLink, booking.ForHost))
	assert.Equal(t, hostURL, rec.Header().Get("Location"))
	rec = f.get(f.token(b.Key, booking.RoomLink, booking.ForGuest))
	assert.Equal(t, guestURL, rec.Header().Get("Location"))
}

// TestTamperedTokensAreRefusedAndNeverGiveAHostLink changes a guest's token character by
// character and byte by byte, swaps its purpose, and signs it with another secret: every
// answer is a 404 (or, for an unchanged token, the guest link), never the host link.
func TestTamperedTokensAreRefusedAndNeverGiveAHostLink(t *testing.T) {
	f := newFixture(t)
	b := f.put()
	guest := f.token(b.Key, "bob00001", booking.ForGuest)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	check := func(tok string) {
		t.Helper()
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/j/"+url(tok), nil))
		assert.NotEqual(t, hostURL, rec.Header().Get("Location"), "never the host link: %q", tok)
		if tok != guest {
			assert.Equal(t, http.StatusNotFound, rec.Code, "%q", tok)
		}
	}
	for i := range len(guest) {
		for _, c := range alphabet {
			check(guest[:i] + string(c) + guest[i+1:])
		}
		check(guest[:i])
	}
	raw, err := base64.RawURLEncoding.DecodeString(guest)
	require.NoError(t, err)
	for i := range raw {
		for _, v := range []byte{0, 1, 'g', 'h', 0x80, 0xff, raw[i] ^ 1} {
			c := append([]byte(nil), raw...)
			c[i] = v
			check(base64.RawURLEncoding.EncodeToString(c))
		}
	}
	other, err := link.Make("another-secret", link.Token{Key: b.Key, Recipient: "org00001", Purpose: booking.ForHost})
	require.NoError(t, err)
	check(other)
	check("")
	check(strings.Repeat("A", 600))
}

func url(tok string) string { return strings.ReplaceAll(tok, "%", "%25") }

func TestRotatedSecret(t *testing.T) {
	f := newFixture(t)
	b := f.put()
	tok := f.token(b.Key, "bob00001", booking.ForGuest)
	f.sec.current, f.sec.next = "stale", "new, "+secret
	rec := f.get(tok)
	assert.Equal(t, http.StatusFound, rec.Code, "a fresh read finds the new secret list, the old one still verifying")
	f.sec.current, f.sec.next = "new", ""
	assert.Equal(t, http.StatusNotFound, f.get(tok).Code, "once the old secret is dropped")
}

// TestPagesInTheReadersLanguage: a page is in the language of the person the link names (their
// source's tag, matched), else the browser's (Accept-Language: a tampered link names no one),
// else ROOMKEEPER_LOCALE's; Content-Language and <html lang> say which, and the dates follow it.
func TestPagesInTheReadersLanguage(t *testing.T) {
	f := newFixture(t)
	mux := http.NewServeMux()
	(&join.Links{Store: f.store, Secrets: f.sec, Locale: "es", Log: slog.New(slog.NewJSONHandler(f.logs, nil))}).Register(mux)
	b := f.put(func(b *booking.Booking) {
		b.Status = booking.Cancelled
		b.Details.Start = time.Date(2030, 11, 25, 14, 0, 0, 0, time.UTC) // a Monday
		b.Details.End = b.Details.Start.Add(30 * time.Minute)
		b.Details.Attendees[0].Locale = "de-CH"
		b.Details.Attendees[1].Locale = "ja"
	})
	get := func(token, accept string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/j/"+token, nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		checkPage(t, rec)
		return rec
	}
	for _, c := range []struct {
		name, token, accept, lang string
		status                    int
		says                      []string
	}{
		{"the person's own", f.token(b.Key, "bob00001", booking.ForGuest), "fr", "de", http.StatusGone,
			[]string{"Dieses Meeting wurde abgesagt", "Montag, 25. November 2030, 09:00–09:30 EST (America/New_York)"}},
		{"one roomkeeper does not write: the browser's", f.token(b.Key, "cy000001", booking.ForGuest), "nb-NO, en;q=0.5", "nb", http.StatusGone,
			[]string{"Dette møtet er avlyst", "mandag 25. november 2030 kl. 15:00–15:30 CET (Europe/Oslo)"}},
		{"none at all: ROOMKEEPER_LOCALE", f.token(b.Key, "cy000001", booking.ForGuest), "", "es", http.StatusGone,
			[]string{"Esta reunión se ha cancelado", "lunes, 25 de noviembre de 2030, 15:00–15:30"}},
		{"a tampered link: the browser's", "not-a-token", "fr-CA;q=0.8, ja", "fr", http.StatusNotFound,
			[]string{"Ce lien n’est pas valide"}},
		{"a tampered link, no browser language: ROOMKEEPER_LOCALE", "not-a-token", "", "es", http.StatusNotFound,
			[]string{"Este enlace no es válido"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := get(c.token, c.accept)
			assert.Equal(t, c.status, rec.Code)
			assert.Equal(t, c.lang, rec.Header().Get("Content-Language"))
			assert.Contains(t, rec.Header().Get("Vary"), "Accept-Language")
			body := rec.Body.String()
			assert.Contains(t, body, `<html lang="`+c.lang+`">`)
			for _, s := range c.says {
				assert.Contains(t, body, html.EscapeString(s))
			}
		})
	}
}
