// Package join serves every person's own link, GET /j/{token} (docs/design.md, "Links"): the
// token (shared/link) names a record, a recipient id on it and a purpose under an HMAC keyed
// with ROOMKEEPER_LINK_SECRET, and a click resolves it against the record as it is then. A
// working link answers 302 to the room the booking has now — a room replaced after a reschedule
// included — and the organizer's host link to a host link fetched from the provider at that
// moment where the provider's expires (booking.HostLinker: Zoom's start_url). Otherwise it
// answers a page from templates/pages:
//
//	200 the room is not made yet (it says when the meeting is, and reloads itself)
//	404 the token is malformed, tampered with, or signed with another secret
//	410 the booking was cancelled; the person was taken off it; the meeting has ended (its room
//	    was cleaned up, or its record's retention is over): each for good, so 410 rather than 404
//	503 the video service or the store could not be reached, or the room could not be made
//
// A page is in the language of the person the link names (booking.Person.Locale, matched by
// shared/locale), else the one the browser asks for (Accept-Language: a link naming no one, a
// tampered one), else ROOMKEEPER_LOCALE's, with Content-Language and <html lang> saying which.
//
// Every answer is never cached (Cache-Control: no-store), sends no referrer, and the pages carry
// a Content-Security-Policy that allows nothing but stylesheets and images of the same origin: they
// link the console's stylesheet and icon (templates/console, served under /console/static/ by
// shared/httpapi/console next to this route, locally and in the admin function alike). No inline
// style, no script.
// Neither the token nor an address is logged. It is its own package, not part of
// shared/httpapi, so that only the local server and the admin function link html/template.
package join

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/locale"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
	"github.com/roomkeeper/roomkeeper/templates"
	web "github.com/roomkeeper/roomkeeper/templates/console"
)

// Links serves GET /j/{token}. Set its fields once in main.
type Links struct {
	Store interface {
		Get(ctx context.Context, key string) (*booking.Booking, error)
	}
	Secrets httpapi.Secrets // ROOMKEEPER_LINK_SECRET
	// Linkers are the providers whose host link is fetched at click time (Zoom), by name; the
	// others' host link is the one recorded with the room.
	Linkers map[string]booking.HostLinker
	// Locale is ROOMKEEPER_LOCALE: the language of a page for someone whose language is known
	// neither from the record nor from their browser.
	Locale string
	Log    *slog.Logger
}

// Register adds the route to mux, and a JSON 404 or 405 for the rest of /j/.
func (s *Links) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /j/{token}", s.handle)
	mux.Handle("/j/", httpapi.Unrouted(s.Log, "join.unrouted", mux))
}

// hostLinkTimeout bounds the provider call behind a host link's click.
const hostLinkTimeout = 10 * time.Second

// refresh is how often (seconds) a page that may change soon reloads itself (a meta refresh:
// no script).
const refresh = 30

// page is one answer that is not a redirect.
type page struct {
	name   string // its template in templates/pages
	status int
	reason string // logged: why (never the token or an address)
	b      *booking.Booking
	zone   string // the recipient's time zone
	locale string // the recipient's language as the source gave it (booking.Person.Locale)
	err    error  // logged for a 5xx
}

// handle resolves a link.
func (s *Links) handle(w http.ResponseWriter, r *http.Request) {
	log := httpapi.RequestLog(s.Log, r).With("route", "join")
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	to, tok, p := s.resolve(r.Context(), r.PathValue("token"))
	if tok != nil {
		log = log.With("booking", tok.Key, "purpose", string(tok.Purpose))
	}
	if to != "" {
		log.Info("link followed", "status", http.StatusFound)
		h.Set("Location", to)
		w.WriteHeader(http.StatusFound)
		return
	}
	if p.status >= 500 {
		log.Error("link failed", "status", p.status, "reason", p.reason, "err", p.err)
	} else {
		log.Info("link refused", "status", p.status, "reason", p.reason)
	}
	s.render(w, r, log, p)
}

// resolve returns where a token leads now, or the page to show instead; tok is the verified
// token, nil when it did not verify.
func (s *Links) resolve(ctx context.Context, token string) (to string, tok *link.Token, p page) {
	secret, err := s.Secrets.Secret(ctx, link.Secret, false)
	if err != nil {
		return "", nil, page{name: "unavailable", status: http.StatusServiceUnavailable, reason: "link secret unreadable", err: err}
	}
	t, ok := link.Parse(secret, token)
	if !ok && secret != "" {
		// The secret may have been rotated since it was cached: read it once more.
		if fresh, ferr := s.Secrets.Secret(ctx, link.Secret, true); ferr == nil && fresh != secret {
			t, ok = link.Parse(fresh, token)
		}
	}
	if !ok {
		return "", nil, page{name: "invalid", status: http.StatusNotFound, reason: "token not valid"}
	}
	tok = &t
	b, err := s.Store.Get(ctx, t.Key)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		// Only roomkeeper makes tokens, so the record existed: its retention is over.
		return "", tok, page{name: "ended", status: http.StatusGone, reason: "record expired"}
	case err != nil:
		return "", tok, page{name: "unavailable", status: http.StatusServiceUnavailable, reason: "store", err: err}
	case b.AliasOf != "":
		return "", tok, page{name: "invalid", status: http.StatusNotFound, reason: "token names an alias"}
	}
	d := &b.Details
	zone, lang := d.ZoneOf(d.Organizer), ""
	var who booking.Recipient
	if t.Recipient == booking.RoomLink {
		// The room's own links: the guest link the organizer passes on, and a hand-made room's
		// pair. A booking's host link always names its organizer.
		if t.Purpose == booking.ForHost && b.Source != booking.Manual {
			return "", tok, page{name: "invalid", status: http.StatusNotFound, reason: "room host link of a booking"}
		}
	} else {
		var found bool
		if who, found = b.RecipientByID(t.Recipient); !found {
			return "", tok, page{name: "invalid", status: http.StatusNotFound, reason: "unknown recipient"}
		}
		zone, lang = d.ZoneOf(who.Person), who.Locale
		switch {
		case who.Removed:
			return "", tok, page{name: "removed", status: http.StatusGone, reason: "recipient removed", b: b, zone: zone, locale: lang}
		case t.Purpose == booking.ForHost && !who.Organizer:
			return "", tok, page{name: "invalid", status: http.StatusNotFound, reason: "host link of a guest"}
		}
	}
	at := func(name string, status int, reason string) page {
		return page{name: name, status: status, reason: reason, b: b, zone: zone, locale: lang}
	}
	room := b.Room
	switch {
	case b.Status == booking.Cancelled:
		return "", tok, at("cancelled", http.StatusGone, "cancelled")
	case room == nil && b.Failure != nil && b.Failure.Permanent && len(b.Ended) == 0:
		return "", tok, at("failed", http.StatusServiceUnavailable, "no room: failed for good")
	case room == nil && b.Done:
		return "", tok, at("ended", http.StatusGone, "cleaned up")
	case room == nil:
		return "", tok, at("waiting", http.StatusOK, "no room yet")
	case t.Purpose == booking.ForGuest:
		to = room.GuestURL
	default:
		if linker := s.Linkers[room.Provider]; linker != nil {
			lctx, cancel := context.WithTimeout(ctx, hostLinkTimeout)
			defer cancel()
			to, err = linker.HostLink(lctx, *room)
			if err != nil {
				// A room the provider lost is replaced by the next run; either way, try again.
				p := at("unavailable", http.StatusServiceUnavailable, "provider host link")
				p.err = err
				return "", tok, p
			}
		} else {
			to = room.HostURL
		}
	}
	if u, err := url.Parse(to); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p := at("unavailable", http.StatusServiceUnavailable, "room link not an absolute http(s) URL")
		return "", tok, p
	}
	if room.Provider == wherebyhook.Provider && t.Recipient != booking.RoomLink {
		to = whereby(to, who.Person)
	}
	return to, tok, page{}
}

// Whereby's room URL parameters
// (whereby-101/customizing-rooms/using-url-parameters.md in github.com/whereby/docs): displayName, any characters but $!<>:; and at most 100 of them
// (else Whereby asks for a name); externalId, A-Za-z0-9-_ and at most 36 characters (else
// Whereby refuses it), passed on in the room.client.* webhooks.
const (
	maxDisplayName = 100
	nameNotAllowed = "$!<>:;"
)

// externalIDPattern and maxExternalID are what Whereby's externalId may be (1 to 36 of these
// characters); the length is checked apart, since a counted repetition compiles to a copy per
// count at every cold start.
var externalIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]+$`) })

const maxExternalID = 36

// whereby adds to a Whereby room link the parameters that name the person following their own
// link: displayName (their name, so Whereby does not ask for it) and externalId (their opaque
// recipient id, so Whereby's webhooks say which invitee joined). Never an address: a name that
// holds an "@" is left out, and the id is never derived from the address.
func whereby(to string, who booking.Person) string {
	u, err := url.Parse(to)
	if err != nil {
		return to
	}
	q := u.Query()
	added := false
	if name := DisplayName(who.Name); name != "" {
		q.Set("displayName", name)
		added = true
	}
	if len(who.ID) <= maxExternalID && externalIDPattern().MatchString(who.ID) {
		q.Set("externalId", who.ID)
		added = true
	}
	if !added {
		return to
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// DisplayName returns a person's name as Whereby's displayName parameter takes it: without the
// characters Whereby refuses, control characters or runs of spaces, cut to 100 characters; ""
// when nothing is left or the name holds an "@" (it may be an address: never put in a URL).
func DisplayName(name string) string {
	if strings.Contains(name, "@") {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(nameNotAllowed, r), r == utf8.RuneError:
			return -1
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	if r := []rune(name); len(r) > maxDisplayName {
		name = strings.TrimSpace(string(r[:maxDisplayName]))
	}
	return name
}

// view is what a page shows, in the reader's language: the templates write each sentence with
// .T, and <html lang> with .Lang.
type view struct {
	*locale.Locale
	Title   string // the meeting's title
	When    string // its times, in the recipient's zone
	Refresh int    // seconds; 0: no reload
}

// render writes a page in the language of the person the link names; else the one their
// browser asks for (Accept-Language: a link that names no one, a tampered one, or a person whose
// source gave no language roomkeeper writes); else ROOMKEEPER_LOCALE's.
func (s *Links) render(w http.ResponseWriter, r *http.Request, log *slog.Logger, p page) {
	l, err := locale.Pick(p.locale, locale.MatchAccept(r.Header.Get("Accept-Language")), s.Locale)
	if err != nil {
		log.Error("render link page", "page", p.name, "err", err)
		http.Error(w, http.StatusText(p.status), p.status)
		return
	}
	v := view{Locale: l}
	if p.b != nil && p.name != "invalid" {
		d := &p.b.Details
		v.Title = d.Title
		if !d.Start.IsZero() {
			v.When = invite.When(l, d.Start, d.End, p.zone)
		}
	}
	if p.name == "waiting" || p.name == "unavailable" {
		v.Refresh = refresh
	}
	var buf bytes.Buffer
	if err := pages[p.name]().ExecuteTemplate(&buf, "layout", v); err != nil {
		log.Error("render link page", "page", p.name, "err", err)
		http.Error(w, http.StatusText(p.status), p.status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", l.Lang())
	h.Set("Vary", "Accept-Language")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	if p.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", fmt.Sprint(refresh))
	}
	w.WriteHeader(p.status)
	_, _ = w.Write(buf.Bytes())
}

// contentSecurityPolicy allows the console's stylesheet and icon, files of the same origin, and
// nothing else: no inline style, no script, no form, no frame.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pages are the page templates by page name, each parsed on the page's first use: a cold start
// parses none, and a click parses only the page it is answered with.
var pages = lazyPages()

// pageNames are the pages resolve answers with.
var pageNames = []string{"waiting", "cancelled", "removed", "ended", "invalid", "failed", "unavailable"}

func lazyPages() map[string]func() *template.Template {
	layout := sync.OnceValue(func() *template.Template {
		return template.Must(template.New("").Option("missingkey=error").Funcs(template.FuncMap{"asset": web.Asset}).
			ParseFS(templates.Pages, "pages/layout.html.tmpl"))
	})
	set := map[string]func() *template.Template{}
	for _, name := range pageNames {
		set[name] = sync.OnceValue(func() *template.Template {
			return template.Must(template.Must(layout().Clone()).ParseFS(templates.Pages, "pages/"+name+".html.tmpl"))
		})
	}
	return set
}
