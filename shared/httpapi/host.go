package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// HostSecret names the secret that signs the organizer's host links (GET /v1/host/{token}).
const HostSecret = "ROOMKEEPER_HOST_SECRET"

// HostLinker is a provider whose host link is fetched when the organizer clicks, not mailed:
// Zoom's start_url logs its holder in as the host and expires after two hours. *zoom.Client
// implements it.
type HostLinker interface {
	// HostLink returns the provider's current host link for room. A room the provider no
	// longer has is an error wrapping booking.ErrNotFound.
	HostLink(ctx context.Context, room booking.Room) (string, error)
}

// hostLinkTimeout bounds the provider call behind a click.
const hostLinkTimeout = 10 * time.Second

// hostMACLabel separates host-link MACs from any other use of the secret.
const hostMACLabel = "roomkeeper host link v1"

// HostLinkURL returns the organizer's host link for a room: publicURL + "/v1/host/" + a token
// naming the room's tag (and so its booking) and the provider's room id, with an HMAC-SHA256 of
// both keyed with secret. Nothing is stored for it; it is as unguessable as the secret and stops
// working when the booking is cancelled or the room replaced. secret may list several
// comma-separated secrets, for rotation: the first signs, any verifies. An empty secret or tag
// gives "".
func HostLinkURL(publicURL, secret, tag, roomID string) string {
	secret, _, _ = strings.Cut(secret, ",")
	secret = strings.TrimSpace(secret)
	if secret == "" || tag == "" || roomID == "" {
		return ""
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(tag + "." + roomID))
	mac := base64.RawURLEncoding.EncodeToString(hostMAC(secret, tag, roomID))
	return strings.TrimRight(publicURL, "/") + "/v1/host/" + payload + "." + mac
}

func hostMAC(secret, tag, roomID string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(hostMACLabel + "\n" + tag + "\n" + roomID))
	return m.Sum(nil)
}

// hostMACValid reports whether mac is the MAC of the tag and room id under any of the
// comma-separated secrets, comparing each in constant time.
func hostMACValid(secrets string, mac []byte, tag, roomID string) bool {
	ok := false
	for _, secret := range strings.Split(secrets, ",") {
		if secret = strings.TrimSpace(secret); secret != "" && hmac.Equal(mac, hostMAC(secret, tag, roomID)) {
			ok = true
		}
	}
	return ok
}

// parseHostToken splits a token into the tag, the room id and the MAC; ok is false for one that
// is malformed.
func parseHostToken(token string) (tag, roomID string, mac []byte, ok bool) {
	p, m, found := strings.Cut(token, ".")
	if !found || len(token) > 512 {
		return "", "", nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return "", "", nil, false
	}
	mac, err = base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(mac) != sha256.Size {
		return "", "", nil, false
	}
	tag, roomID, found = strings.Cut(string(payload), ".")
	if !found || tag == "" || roomID == "" {
		return "", "", nil, false
	}
	return tag, roomID, mac, true
}

// Host link refusals: what the organizer is told.
var (
	hostInvalid   = booking.Errorf(booking.NotFound, "", "This host link is not valid. Use the link in your latest invitation.")
	hostCancelled = booking.Errorf(booking.NotFound, "", "This meeting was cancelled.")
	hostReplaced  = booking.Errorf(booking.NotFound, "", "This host link is for a video room that has been replaced or removed. Use the link in your latest invitation.")
	hostGone      = booking.Errorf(booking.NotFound, "", "The video room no longer exists at the video provider.")
	hostNoLinker  = booking.Errorf(booking.NotFound, "", "This video room has no host link to fetch.")
)

// handleHost serves the organizer's host link (GET /v1/host/{token}): it checks the token's MAC in
// constant time, loads the booking the token names and checks that the room is still the
// booking's current one, then asks the provider for a fresh host link and redirects to it (302,
// never cached, no referrer). A tampered token, a cancelled booking, a room replaced or cleaned
// up, or one the provider has lost is a 404; an outage a 503. A browser gets a short page, other
// clients the JSON error. Neither the token nor the link is logged.
func (s *Server) handleHost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := s.logger(r).With("route", "host")
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	link, b, err := s.hostLink(ctx, r.PathValue("token"))
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
	h.Set("Location", link)
	w.WriteHeader(http.StatusFound)
}

// hostLink checks a token and returns the provider's host link, and the booking when one was
// found.
func (s *Server) hostLink(ctx context.Context, token string) (string, *booking.Booking, error) {
	tag, roomID, mac, ok := parseHostToken(token)
	if !ok {
		return "", nil, hostInvalid
	}
	secret, err := s.Secrets.Secret(ctx, HostSecret, false)
	if err != nil {
		return "", nil, unavailable(err)
	}
	if secret == "" {
		return "", nil, booking.Errorf(booking.NotFound, "", "Host links are not configured here.")
	}
	if !hostMACValid(secret, mac, tag, roomID) {
		// The secret may have been rotated since it was cached: read it once more.
		fresh, ferr := s.Secrets.Secret(ctx, HostSecret, true)
		if ferr != nil || fresh == "" || fresh == secret || !hostMACValid(fresh, mac, tag, roomID) {
			return "", nil, hostInvalid
		}
	}
	key, gen, ok := booking.ParseRoomTag(tag)
	if !ok || booking.RoomTag(key, gen) != tag {
		return "", nil, hostInvalid
	}
	b, err := s.Intake.Store.Get(ctx, key)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return "", nil, hostReplaced // expired with its booking record
	case err != nil:
		return "", nil, unavailable(err)
	case b.Status == booking.Cancelled:
		return "", b, hostCancelled
	case b.Room == nil || b.Room.Tag != tag || b.Room.ID != roomID:
		return "", b, hostReplaced
	}
	linker := s.HostLinkers[b.Room.Provider]
	if linker == nil {
		return "", b, hostNoLinker
	}
	lctx, cancel := context.WithTimeout(ctx, hostLinkTimeout)
	defer cancel()
	link, err := linker.HostLink(lctx, *b.Room)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return "", b, hostGone
	case err != nil:
		return "", b, unavailable(err)
	}
	if u, err := url.Parse(link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", b, unavailable(errors.New("the provider's host link is not an absolute http(s) URL"))
	}
	return link, b, nil
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
		writeError(w, log, err)
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
