package webhook

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// Secret names of the booking sources. A source whose secret has no value answers 404.
const (
	GenericSecret  = "ROOMKEEPER_GENERIC_SECRET"
	CalcomSecret   = "CALCOM_WEBHOOK_SECRET"
	CalendlySecret = "CALENDLY_WEBHOOK_SIGNING_KEY"
	CronofySecret  = "CRONOFY_CLIENT_SECRETS" // comma-separated, for rotation
)

// Bookings serves the booking sources' webhooks, POST /v1/bookings/{source}: it verifies each
// delivery over its raw body, validates it, applies it to the booking's record (Intake) and
// nudges the worker, then answers; the worker does the rest. Set its fields once in main.
type Bookings struct {
	Intake          *intake.Intake
	Secrets         httpapi.Secrets
	Now             func() time.Time
	Tolerance       time.Duration // ROOMKEEPER_WEBHOOK_TOLERANCE
	DefaultProvider string        // ROOMKEEPER_PROVIDER
	Providers       []string      // providers configured in this deployment
	// Metrics counts the deliveries answered with a 4xx (WebhookRejected); nil drops them.
	Metrics booking.Metrics
	Log     *slog.Logger
}

// Register adds the booking webhooks' route to mux.
func (s *Bookings) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/bookings/{source}", s.handle)
}

// handle verifies, validates and records one booking webhook, then answers 202 and
// leaves the rest to the worker. Each source (sources, below) has its own secret, signature and
// payload; a source whose secret is not configured answers 404. A delivery the source sends for
// nothing roomkeeper acts on is acknowledged with 200 and "ignored"; one may also carry several
// changes (the attendees of a Cal.com seated booking), answered 202 if any was applied.
func (s *Bookings) handle(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	src, d, ok := openDelivery(w, r, s.Log, s.Metrics, "bookings", "source", "booking source", sources)
	if !ok {
		return
	}
	name, fail := d.name, d.fail
	now := s.Now()
	var deliveryID string
	body, _, err := verifiedBody(w, r, s.Secrets, src.secret, fmt.Sprintf("booking source %q", name), func(secret string, body []byte) (err error) {
		deliveryID, err = src.verify(s, secret, r.Header, body, now)
		return err
	})
	if err != nil {
		fail(err)
		return
	}
	d.log = d.log.With("event", src.event(body))
	changes, err := src.parse(s, body, now)
	if err != nil {
		fail(err)
		return
	}
	if len(changes) == 0 {
		d.log.Info("booking webhook", "status", http.StatusOK, "outcome", string(intake.Ignored))
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": string(intake.Ignored)})
		return
	}
	status, reply := http.StatusOK, map[string]string{}
	for i, ch := range changes {
		if deliveryID != "" {
			ch.DeliveryID = deliveryID
		}
		res, err := s.Intake.Apply(ctx, ch)
		if booking.ErrorCode(err) == booking.Invalid {
			httpapi.WriteError(w, d.log, err) // nothing links the change to a booking (Change.Unlinked)
			return
		}
		if err != nil {
			fail(booking.Outage(err))
			return
		}
		clog := d.log.With("booking", res.Key, "outcome", string(res.Outcome))
		if res.NudgeErr != nil {
			clog.Warn("worker nudge failed; the sweeper will pick the booking up", "err", res.NudgeErr)
		}
		clog.Debug("booking change")
		if i == 0 || (res.Outcome == intake.Applied && status != http.StatusAccepted) {
			reply["status"], reply["booking"] = string(res.Outcome), res.Key
		}
		if res.Outcome == intake.Applied {
			status = http.StatusAccepted
		}
	}
	// One line a delivery at INFO, naming the booking and the outcome its answer names (each
	// change's is at DEBUG).
	d.log.Info("booking webhook", "status", status, "booking", reply["booking"], "outcome", reply["status"])
	httpapi.WriteJSON(w, status, reply)
}

// rules are the deployment's settings every booking is checked against.
func (s *Bookings) rules() booking.Rules {
	return booking.Rules{DefaultProvider: s.DefaultProvider, Providers: s.Providers}
}

// source is one booking source behind POST /v1/bookings/{source}: the secret it is signed with,
// how a delivery is verified over the raw body, and how a verified body becomes changes.
type source struct {
	secret string
	// event returns the source's own name for a verified delivery's event, which the logs show:
	// the trigger or event type it was sent for.
	event func(body []byte) string
	// verify checks the signature and returns the delivery id the signature covers, if any
	// (the parse functions derive their own from the body).
	verify func(s *Bookings, secret string, h http.Header, body []byte, now time.Time) (string, error)
	parse  func(s *Bookings, body []byte, now time.Time) ([]booking.Change, error)
}

// sources are the booking sources by path name. A source whose secret is not configured
// answers 404.
var sources = map[string]source{
	generic.Source: {
		secret: GenericSecret,
		event:  eventAt("type"),
		verify: func(s *Bookings, secret string, h http.Header, body []byte, now time.Time) (string, error) {
			return stdwebhook.Verify(secret, h, body, now, s.Tolerance)
		},
		parse: func(s *Bookings, body []byte, now time.Time) ([]booking.Change, error) {
			ch, err := generic.Parse(body, now, generic.Options{DefaultProvider: s.DefaultProvider, Providers: s.Providers, MaxSkew: s.Tolerance})
			if err != nil {
				return nil, err
			}
			return []booking.Change{ch}, nil
		},
	},
	calcom.Source: {
		secret: CalcomSecret,
		event:  eventAt("triggerEvent"),
		verify: func(_ *Bookings, secret string, h http.Header, body []byte, _ time.Time) (string, error) {
			return "", calcom.Verify(secret, h, body)
		},
		parse: func(s *Bookings, body []byte, now time.Time) ([]booking.Change, error) {
			return calcom.Parse(body, now, s.rules())
		},
	},
	calendly.Source: {
		secret: CalendlySecret,
		event:  eventAt("event"),
		verify: func(s *Bookings, secret string, h http.Header, body []byte, now time.Time) (string, error) {
			return "", calendly.Verify(secret, h, body, now, s.Tolerance)
		},
		parse: func(s *Bookings, body []byte, now time.Time) ([]booking.Change, error) {
			return calendly.Parse(body, now, s.rules())
		},
	},
	cronofy.Source: {
		secret: CronofySecret,
		// A Real-Time Scheduling completion callback carries no notification type.
		event: func(body []byte) string {
			if t := eventType(body, "notification", "type"); t != unknownEvent {
				return t
			}
			return "real_time_scheduling"
		},
		verify: func(_ *Bookings, secret string, h http.Header, body []byte, _ time.Time) (string, error) {
			return "", cronofy.Verify(secret, h, body)
		},
		parse: func(s *Bookings, body []byte, now time.Time) ([]booking.Change, error) {
			return cronofy.Parse(body, now, s.rules())
		},
	},
}
