package httpapi

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/link"
)

// HostLinks serves the organizer's host links of the older kind, GET /v1/host/{token}
// (shared/link reads the tokens): mailed to Zoom organizers before every link became a /j/ link
// (shared/httpapi/join), no longer made, and still verified with ROOMKEEPER_HOST_SECRET. The token is its own credential: no admin token guards the route. Set its
// fields once in main.
type HostLinks struct {
	Store interface {
		Get(ctx context.Context, key string) (*booking.Booking, error)
	}
	Secrets Secrets
	// Linkers are the providers whose host link is fetched at click time (Zoom), by name.
	Linkers map[string]booking.HostLinker
	Log     *slog.Logger
}

// Register adds the host links' route to mux, and a JSON 404 or 405 for the rest of its paths.
func (s *HostLinks) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/host/{token}", s.handle)
	mux.Handle("/v1/host/", Unrouted(s.Log, "host.unrouted", mux))
}

// hostLinkTimeout bounds the provider call behind a click.
const hostLinkTimeout = 10 * time.Second

// Host link refusals: what the organizer is told.
var (
	hostInvalid   = booking.Errorf(booking.NotFound, "", "This host link is not valid. Use the link in your latest invitation.")
	hostCancelled = booking.Errorf(booking.NotFound, "", "This meeting was cancelled.")
	hostReplaced  = booking.Errorf(booking.NotFound, "", "This host link is for a video room that has been replaced or removed. Use the link in your latest invitation.")
	hostGone      = booking.Errorf(booking.NotFound, "", "The video room no longer exists at the video provider.")
	hostNoLinker  = booking.Errorf(booking.NotFound, "", "This video room has no host link to fetch.")
)

// handle serves the organizer's host link (GET /v1/host/{token}): it checks the token's MAC in
// constant time, loads the booking the token names and checks that the room is still the
// booking's current one, then asks the provider for a fresh host link and redirects to it (302,
// never cached, no referrer). A tampered token, a cancelled booking, a room replaced or cleaned
// up, or one the provider has lost is a 404; an outage a 503. A browser gets a short page, other
// clients the JSON error. Neither the token nor the link is logged.
func (s *HostLinks) handle(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := RequestLog(s.Log, r).With("route", "host")
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	to, b, err := s.hostLink(ctx, r.PathValue("token"))
	if b != nil {
		log = log.With("booking", b.Key)
		if b.Room != nil {
			log = log.With("provider", b.Room.Provider)
		}
	}
	if err != nil {
		writeHostError(w, r, log, err)
		return
	}
	log.Info("host link", "status", http.StatusFound)
	h.Set("Location", to)
	w.WriteHeader(http.StatusFound)
}

// hostLink checks a token and returns the provider's host link, and the booking when one was
// found.
func (s *HostLinks) hostLink(ctx context.Context, token string) (string, *booking.Booking, error) {
	tok, ok := link.ParseHostToken(token)
	if !ok {
		return "", nil, hostInvalid
	}
	secret, err := s.Secrets.Secret(ctx, link.HostSecret, false)
	if err != nil {
		return "", nil, booking.Outage(err)
	}
	if secret == "" {
		return "", nil, booking.Errorf(booking.NotFound, "", "Host links are not configured here.")
	}
	if !tok.SignedWith(secret) {
		// The secret may have been rotated since it was cached: read it once more.
		fresh, ferr := s.Secrets.Secret(ctx, link.HostSecret, true)
		if ferr != nil || fresh == "" || fresh == secret || !tok.SignedWith(fresh) {
			return "", nil, hostInvalid
		}
	}
	tag, ok := booking.ParseTag(tok.Tag)
	if !ok || tag.String() != tok.Tag {
		return "", nil, hostInvalid
	}
	b, err := s.Store.Get(ctx, tag.Key)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return "", nil, hostReplaced // expired with its booking record
	case err != nil:
		return "", nil, booking.Outage(err)
	case b.Status == booking.Cancelled:
		return "", b, hostCancelled
	case b.Room == nil || b.Room.Tag != tok.Tag || b.Room.ID != tok.RoomID:
		return "", b, hostReplaced
	}
	linker := s.Linkers[b.Room.Provider]
	if linker == nil {
		return "", b, hostNoLinker
	}
	lctx, cancel := context.WithTimeout(ctx, hostLinkTimeout)
	defer cancel()
	to, err := linker.HostLink(lctx, *b.Room)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return "", b, hostGone
	case err != nil:
		return "", b, booking.Outage(err)
	}
	if u, err := url.Parse(to); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", b, booking.Outage(errors.New("the provider's host link is not an absolute http(s) URL"))
	}
	return to, b, nil
}

// hostPage is the page a browser gets for a refused host link: a heading and message, escaped.
// (Written with html.EscapeString rather than html/template: linking text/template keeps every
// exported method of every reachable type in the binary, 4.6 MB of the webhook functions' 15.8,
// for one fixed page; docs/benchmarks.md.)
const hostPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Host link</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto">
<h1>%s</h1>
<p>%s</p>
</body>
</html>
`

// writeHostError answers a refused host link: a page for a browser, the JSON error otherwise.
func writeHostError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		WriteError(w, log, err)
		return
	}
	var e *booking.Error
	status, msg := http.StatusInternalServerError, "Something went wrong."
	if errors.As(err, &e) {
		if st, ok := statusOf[e.Code]; ok {
			status, msg = st, e.Message
		}
	}
	if e != nil && e.Code == booking.Unavailable {
		msg = "The video service could not be reached just now."
	}
	if status >= 500 {
		log.Error("host link failed", "status", status, "err", err)
	} else {
		log.Info("host link refused", "status", status, "reason", msg)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	heading := "This link does not start a meeting"
	if status >= 500 {
		heading = "Try again in a moment"
	}
	_, _ = fmt.Fprintf(w, hostPage, heading, html.EscapeString(msg))
}
