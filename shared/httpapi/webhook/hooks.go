package webhook

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
	"github.com/roomkeeper/roomkeeper/shared/video/zoomhook"
)

// WherebyWebhookSecret names the secret Whereby signs its webhooks with.
const WherebyWebhookSecret = "WHEREBY_WEBHOOK_SECRET"

// Hooks serves the video providers' webhooks, POST /v1/hooks/{provider}: it records what they
// report (sessions, participants, knocks) on the bookings whose rooms they concern. Set its
// fields once in main.
type Hooks struct {
	Intake    *intake.Intake
	Secrets   httpapi.Secrets
	Now       func() time.Time
	Tolerance time.Duration // ROOMKEEPER_WEBHOOK_TOLERANCE
	// Metrics counts the deliveries answered with a 4xx (WebhookRejected); nil drops them.
	Metrics booking.Metrics
	Log     *slog.Logger
}

// Register adds the provider webhooks' route to mux, and a JSON 404 or 405 for the rest of its
// paths.
func (s *Hooks) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/hooks/{provider}", s.handle)
	mux.Handle("/v1/hooks/", httpapi.Unrouted(s.Log, "hooks.unrouted", mux))
}

// hookProvider is how one provider's webhooks are checked and read.
type hookProvider struct {
	secret string // the name of the signing secret, for s.Secrets
	// event returns a verified delivery's event type, which the logs show.
	event func(body []byte) string
	// verify checks a delivery's signature over the raw body; a rejection is Unauthorized.
	verify func(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error
	// parse returns the delivery id and the room events; a bad body is Invalid.
	parse func(body []byte) (id string, events []booking.RoomEvent, err error)
	// answer, when set, may answer a verified delivery itself, with the secret that verified
	// it (Zoom's endpoint.url_validation challenge): ok false passes it on to parse.
	answer func(secret string, body []byte) (v any, ok bool, err error)
}

// hookProviders are the providers whose webhooks roomkeeper takes, by the {provider} path value.
var hookProviders = map[string]hookProvider{
	wherebyhook.Provider: {secret: WherebyWebhookSecret, event: eventAt("type"), verify: wherebyhook.Verify, parse: wherebyhook.Parse},
	zoomhook.Provider:    zoomHook, // hooks_zoom.go
}

// Hook outcomes, the "status" of a 200 answer.
const (
	hookRecorded  = "recorded"  // the events concern a room roomkeeper made, and are on its booking
	hookDuplicate = "duplicate" // every event was recorded before (a redelivery): nothing done
	hookIgnored   = "ignored"   // an event type roomkeeper does not record, or rooms it did not make
)

// handle receives provider webhooks (POST /v1/hooks/{provider}): it verifies the signature
// over the raw body, parses the events and records them on the bookings whose rooms they concern,
// then answers. It makes no provider or mail call, so it answers well within Whereby's 5 s: the
// worker does whatever the events make due. A 4xx records nothing; a 503 (the store is down) makes
// the provider retry.
func (s *Hooks) handle(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, d, ok := openDelivery(w, r, s.Log, s.Metrics, "hooks", "provider", "provider", hookProviders)
	if !ok {
		return
	}
	provider, fail := d.name, d.fail
	now := s.Now()
	body, secret, err := verifiedBody(w, r, s.Secrets, p.secret, fmt.Sprintf("webhooks from provider %q", provider), func(secret string, body []byte) error {
		return p.verify(secret, r.Header, body, now, s.Tolerance)
	})
	if err != nil {
		fail(err)
		return
	}
	d.log = d.log.With("event", p.event(body))
	if p.answer != nil {
		if v, ok, err := p.answer(secret, body); ok {
			if err != nil {
				fail(err)
				return
			}
			d.log.Info("provider webhook", "status", "answered")
			httpapi.WriteJSON(w, http.StatusOK, v)
			return
		}
	}
	id, events, err := p.parse(body)
	if err != nil {
		fail(err)
		return
	}
	d.log = d.log.With("delivery", id, "events", len(events))
	answer := map[string]any{"status": hookIgnored, "applied": 0, "dropped": 0}
	if len(events) == 0 {
		// A type roomkeeper does not record: acknowledged, so the provider does not retry, and
		// nothing is written.
		d.log.Info("provider webhook", "status", hookIgnored)
		httpapi.WriteJSON(w, http.StatusOK, answer)
		return
	}
	res, err := s.Intake.ApplyRoomEvents(ctx, provider, events)
	if err != nil {
		fail(booking.Outage(err))
		return
	}
	switch {
	case res.Duplicate:
		answer["status"] = hookDuplicate
	case res.Dropped < len(events):
		answer["status"] = hookRecorded
	}
	answer["applied"], answer["dropped"] = res.Applied, res.Dropped
	if res.NudgeErr != nil {
		d.log.Warn("worker nudge failed; the sweeper will pick the booking up", "err", res.NudgeErr)
	}
	if len(res.Nudged) > 0 {
		d.log = d.log.With("due", res.Nudged) // booking keys the worker was asked to look at now
	}
	d.log.Info("provider webhook", "status", answer["status"], "applied", res.Applied, "dropped", res.Dropped)
	httpapi.WriteJSON(w, http.StatusOK, answer)
}
