// Package console serves the operator's web console at /console: server-rendered pages over the
// operator's rules (shared/operator) — the HTML twin of the JSON admin API, with no rule of its
// own — for the people who run meetings: the rooms with who is in them now, making a room by hand,
// each room's sessions and participants, the bookings with their invites and errors, usage per
// day, the audit list and help (docs/console.md).
//
// Operators sign in with their token in a form (never in a URL); the session lives server-side
// (shared/access) and the browser holds only its id, in an HttpOnly, SameSite=Strict cookie limited to
// /console and marked Secure unless the request came over plain HTTP to a loopback address. Every
// form carries the session's CSRF token and a POST without it is refused (403), behind the
// standard library's cross-origin protection (Sec-Fetch-Site, Origin). Every answer carries a
// strict Content-Security-Policy — no inline script or style; the one script, for the copy
// buttons, is a file — and X-Frame-Options, Referrer-Policy, nosniff and Cache-Control: no-store.
// Viewers see; admins also make, extend and delete rooms (access.Operator.CanChange), and every
// change is recorded in the audit list with the operator's name. Host links are never in a page
// until an operator asks for one (a POST), since they give host powers for the room's whole life.
//
// The templates, stylesheet, script and icon are embedded (templates/console).
package console

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	web "github.com/roomkeeper/roomkeeper/templates/console"
)

// Console serves the console's pages. Set its fields once in main.
type Console struct {
	// Operator carries out what the pages ask; its Now, Zone (ROOMKEEPER_TIME_ZONE, the zone of
	// operators who chose none) and Providers are the console's too.
	Operator *operator.Operator
	// Access decides who may sign in and do what, and keeps the sessions and the audit list.
	Access *access.Access
	Log    *slog.Logger
}

// Cookies and limits.
const (
	signInCookie = "roomkeeper_sign_in" // the sign-in form's CSRF token, before there is a session
	maxForm      = 16 << 10
	pageSize     = 25
)

// contentSecurityPolicy allows the console's own files only: no inline script or style, no
// frames, forms posting only to the console.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Register adds the console's routes, under /console, to mux. The console's own route table is
// built on its first request, not here: most of the admin function's cold starts are for a
// person's link (/j/{token}) or the admin API, which should not pay for the console's routes (a
// registration looks up its caller's file and line, about 12 µs each at a cold start;
// docs/benchmarks.md).
func (c *Console) Register(mux *http.ServeMux) {
	pages := sync.OnceValue(c.pages)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, nil, booking.Errorf(booking.Forbidden, "", "This form came from another site, so it was refused."))
	}))
	h := headers(c.enabled(cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages().ServeHTTP(w, r)
	}))))
	mux.Handle("/console", h)
	mux.Handle("/console/", h)
	// The static files are served even while the console is off: the pages of a person's link
	// (GET /j/{token}) use the same stylesheet and icon, and nothing in them is secret.
	mux.Handle(web.StaticPath, headers(web.Static()))
}

// pages is the console's route table.
func (c *Console) pages() *http.ServeMux {
	pages := http.NewServeMux()
	pages.HandleFunc("GET /console/sign-in", c.signInPage)
	pages.HandleFunc("POST /console/sign-in", c.signIn)
	pages.Handle("POST /console/sign-out", c.authed("sign-out", false, c.signOut))
	pages.Handle("GET /console", c.authed("rooms", false, c.rooms))
	pages.Handle("GET /console/{$}", c.authed("rooms", false, c.rooms))
	pages.Handle("GET /console/rooms/new", c.authed("create-form", true, c.createForm))
	pages.Handle("POST /console/rooms", c.authed("create", true, c.create))
	pages.Handle("GET /console/rooms/{roomId}", c.authed("room", false, c.room))
	pages.Handle("POST /console/rooms/{roomId}/host-link", c.authed("host-link", false, c.hostLink))
	pages.Handle("POST /console/rooms/{roomId}/end", c.authed("extend", true, c.extend))
	pages.Handle("GET /console/rooms/{roomId}/delete", c.authed("delete-form", true, c.deleteForm))
	pages.Handle("POST /console/rooms/{roomId}/delete", c.authed("delete", true, c.delete))
	pages.Handle("GET /console/rooms/{roomId}/sessions", c.authed("sessions", false, c.sessions))
	pages.Handle("GET /console/rooms/{roomId}/sessions/{sessionId}", c.authed("participants", false, c.participants))
	pages.Handle("GET /console/bookings", c.authed("bookings", false, c.bookings))
	pages.Handle("GET /console/bookings/{id}", c.authed("booking", false, c.booking))
	pages.Handle("GET /console/usage", c.authed("usage", false, c.usage))
	pages.Handle("GET /console/audit", c.authed("audit", false, c.audit))
	pages.Handle("GET /console/help", c.authed("help", false, c.help))
	pages.Handle("GET /console/account", c.authed("account", false, c.account))
	pages.Handle("POST /console/account/time-zone", c.authed("time-zone", false, c.setTimeZone))
	pages.HandleFunc("/console/", c.notFound)
	return pages
}

// headers sets the headers every answer of the console carries. The static files replace
// Cache-Control with their own.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// enabled answers 404 for every page while access is off (no admin token is configured), as the
// admin API does: nobody could sign in.
func (c *Console) enabled(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		on, err := c.Access.Enabled(r.Context())
		if err == nil && !on {
			err = booking.Errorf(booking.NotFound, "", "The console is off: roomkeeper's admin token is not set.")
		}
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// request is one signed-in request.
type request struct {
	w   http.ResponseWriter
	r   *http.Request
	s   access.Session
	log *slog.Logger
	z   zoned
}

func (q *request) ctx() context.Context { return q.r.Context() }

// form returns a posted field, trimmed.
func (q *request) form(name string) string { return strings.TrimSpace(q.r.PostForm.Get(name)) }

// authed wraps a page for signed-in operators: without a valid session it sends the browser to
// the sign-in page; a POST must carry the session's CSRF token; admin pages refuse viewers. The
// handler's error is shown as an error page.
func (c *Console) authed(name string, admin bool, h func(*request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := httpapi.RequestLog(c.Log, r).With("route", "console."+name)
		s, err := c.session(r)
		if err != nil {
			if booking.ErrorCode(err) != booking.Unauthorized {
				c.fail(w, r, nil, err)
				return
			}
			httpapi.ClearSessionCookie(w, r)
			http.Redirect(w, r, "/console/sign-in?next="+url.QueryEscape(localPath(r)), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if err := readForm(w, r); err != nil {
				c.fail(w, r, &s, err)
				return
			}
			if !s.CheckCSRF(r.PostForm.Get("csrf")) {
				log.Info("form refused: no valid CSRF token")
				c.fail(w, r, &s, errCSRF)
				return
			}
		}
		if admin && !s.Operator.CanChange() {
			c.fail(w, r, &s, booking.Errorf(booking.Forbidden, "", "Only an admin can do this. You are signed in as a viewer: you can see every room, session and booking, but not change them."))
			return
		}
		q := &request{w: w, r: r, s: s, log: log, z: c.zoneOf(s.Operator)}
		if err := h(q); err != nil {
			c.fail(w, r, &s, err)
		}
	})
}

var errCSRF = booking.Errorf(booking.Forbidden, "", "This form has expired or did not come from this console. Go back, reload the page and try again.")

// session reads the session cookie; no cookie is Unauthorized.
func (c *Console) session(r *http.Request) (access.Session, error) {
	id := httpapi.SessionID(r)
	if id == "" {
		return access.Session{}, booking.Errorf(booking.Unauthorized, "", "sign in first")
	}
	return c.Access.Session(r.Context(), id)
}

// readForm parses a posted form of at most maxForm bytes.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return booking.Errorf(booking.Invalid, "", "The form could not be read.")
	}
	return nil
}

// equal compares two secrets in constant time; an empty one never matches.
func equal(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// localPath is the request's path and query, to come back to after signing in.
func localPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/console"
	}
	return r.URL.RequestURI()
}

// safeNext returns where to go after signing in: a path inside the console, else the console.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) ||
		(u.Path != "/console" && !strings.HasPrefix(u.Path, "/console/")) || strings.HasPrefix(u.Path, "/console/sign-") {
		return "/console"
	}
	return u.RequestURI()
}

// view is what every page's template gets.
type view struct {
	Title   string
	Nav     string          // the menu item to mark
	Session *access.Session // nil before signing in
	Notice  string          // what just happened
	Bare    bool            // no menu: the sign-in page
	Z       zoned
	Data    any
}

// render writes a page.
func (c *Console) render(w http.ResponseWriter, status int, page string, v view) {
	t, ok := pages[page]
	if !ok {
		panic("console: no page " + page)
	}
	var buf bytes.Buffer
	if err := t().ExecuteTemplate(&buf, "layout", v); err != nil {
		c.Log.Error("render console page", "page", page, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// page renders a signed-in page with status 200.
func (q *request) page(c *Console, page, title, nav string, data any) error {
	c.render(q.w, http.StatusOK, page, view{Title: title, Nav: nav, Session: &q.s, Notice: notices[q.r.URL.Query().Get("done")], Z: q.z, Data: data})
	return nil
}

// notices are the messages a page shows after a change redirected to it (?done=).
var notices = map[string]string{
	"deleted":    "The room was deleted. Its sessions stay under Ended rooms until the record's retention ends.",
	"extended":   "The room's end was moved.",
	"zone":       "Your time zone was saved.",
	"signed-out": "You have signed out.",
}

// errorData is the error page's.
type errorData struct {
	Status  int
	Heading string
	Message string
}

// fail shows an error page: the coded error's message and status; anything else is logged and
// shown as a 500 without its message.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *access.Session, err error) {
	log := httpapi.RequestLog(c.Log, r).With("path", r.URL.Path)
	status, e := public(err)
	httpapi.SetRetryAfter(w, err)
	d := errorData{Status: status, Heading: "Something went wrong", Message: "roomkeeper could not do this. Try again in a moment."}
	switch {
	case status >= 500:
		log.Error("console request failed", "status", status, "err", err)
		if status == http.StatusServiceUnavailable {
			d.Heading, d.Message = "Try again in a moment", "roomkeeper could not reach its database or the video provider just now."
		}
	default:
		log.Info("console request refused", "status", status, "code", e.Code)
		d.Message = sentence(e.Message)
		d.Heading = map[int]string{
			http.StatusBadRequest: "That did not work", http.StatusForbidden: "Not allowed", http.StatusNotFound: "Not found",
			http.StatusConflict: "That cannot be done now", http.StatusUnauthorized: "Sign in again",
			http.StatusTooManyRequests: "Wait a moment",
		}[status]
		if d.Heading == "" {
			d.Heading = "That did not work"
		}
	}
	z := c.zoneOf(access.Operator{})
	if s != nil {
		z = c.zoneOf(s.Operator)
	}
	c.render(w, status, "error", view{Title: d.Heading, Session: s, Z: z, Data: d})
}

// notFound answers a path under /console that is no page.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	var s *access.Session
	if got, err := c.session(r); err == nil {
		s = &got
	}
	c.fail(w, r, s, booking.Errorf(booking.NotFound, "", "There is no page at this address."))
}

// change runs a change for the signed-in operator through access.Change, which checks their
// role and records the change in the audit list as action on the target change returns.
func (q *request) change(c *Console, action string, change func(context.Context) (target string, err error)) error {
	return c.Access.Change(q.ctx(), q.s.Operator, action, change)
}

// public returns the status err maps to and, below 500, the *booking.Error whose message a page
// may show (nil for a 500: its message is internal).
func public(err error) (int, *booking.Error) {
	status := httpapi.StatusOf(err)
	var e *booking.Error
	if status >= 500 || !errors.As(err, &e) {
		return status, nil
	}
	return status, e
}

// redirect sends the browser on after a POST.
func (q *request) redirect(to string) error {
	http.Redirect(q.w, q.r, to, http.StatusSeeOther)
	return nil
}

// pages are the page templates, one set per page (the layout and the page's "content"), each
// parsed on the page's first use: a cold start parses none, and a request parses only its page.
var pages = lazyPages()

func lazyPages() map[string]func() *template.Template {
	funcs := template.FuncMap{
		"asset": web.Asset,
		"tel":   telURL,
		"short": shortID,
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
		"actionLabel": actionLabel,
		"hasPrefix":   strings.HasPrefix,
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
		"roomPath": func(id string) string { return "/console/rooms/" + url.PathEscape(id) },
	}
	layout := sync.OnceValue(func() *template.Template {
		return template.Must(template.New("").Funcs(funcs).ParseFS(web.FS, "layout.html"))
	})
	out := map[string]func() *template.Template{}
	for _, name := range []string{"signin", "error", "rooms", "room", "create", "made", "delete", "sessions", "participants",
		"bookings", "booking", "usage", "audit", "help", "account"} {
		out[name] = sync.OnceValue(func() *template.Template {
			return template.Must(template.Must(layout().Clone()).ParseFS(web.FS, name+".html"))
		})
	}
	return out
}

// telURL passes a dial-in number's tap-to-dial link to a template, which would refuse a tel:
// link as unsafe; anything but a tel: link of digits, pauses and a code becomes "#".
func telURL(s string) template.URL {
	if !strings.HasPrefix(s, "tel:+") || strings.IndexFunc(s[5:], func(r rune) bool {
		return !(r >= '0' && r <= '9') && !strings.ContainsRune(",;*#%pwPW=", r) && !(r >= 'A' && r <= 'F')
	}) >= 0 {
		return "#"
	}
	return template.URL(s)
}

// shortID shortens a long provider id for a table; the full id is in the title attribute.
func shortID(s string) string {
	if len(s) <= 13 {
		return s
	}
	return s[:8] + "…"
}

// actionLabel says an audit action in words.
func actionLabel(action string) string {
	if l, ok := map[string]string{
		access.ActionRoomCreate:       "Created a room",
		access.ActionRoomExtend:       "Moved a room's end",
		access.ActionRoomDelete:       "Deleted a room",
		access.ActionRoomHostLink:     "Viewed a host link",
		access.ActionPeopleErase:      "Erased a person",
		access.ActionOperatorAdd:      "Added an operator",
		access.ActionOperatorRemove:   "Removed an operator",
		access.ActionOperatorTimeZone: "Set their time zone",
		access.ActionSignIn:           "Signed in",
	}[action]; ok {
		return l
	}
	return action
}

// zoneOf is the zone an operator's pages show times in.
func (c *Console) zoneOf(op access.Operator) zoned {
	loc := c.Operator.Zone
	if loc == nil {
		loc = time.UTC
	}
	if op.TimeZone != "" {
		if l, err := booking.LoadZone(op.TimeZone); err == nil {
			loc = l
		}
	}
	return zoned{loc: loc, now: c.Operator.Now()}
}

// errorIs reports whether err carries code.
func errorIs(err error, code booking.Code) bool {
	var e *booking.Error
	return errors.As(err, &e) && e.Code == code
}
