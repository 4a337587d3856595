// Package httpapi holds roomkeeper's HTTP handlers (DESIGN.md, "HTTP surface"). They are plain
// net/http handlers: the local server serves them directly and the Lambda functions serve them
// through an API Gateway adapter, so there is one code path. Errors are JSON with a code, a
// message and the field at fault; internals are logged, never returned.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/generic"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// MaxBody is the largest webhook body accepted; larger ones get 413.
const MaxBody = 256 << 10

// Secret names. Locally a name's value is the environment variable's; in AWS it is read from
// the Secrets Manager secret named by <NAME>_SECRET_ARN.
const (
	GenericSecret = "ROOMKEEPER_GENERIC_SECRET"
)

// Secrets gives the handlers their webhook secrets.
type Secrets interface {
	// Secret returns the named secret, or "" when it is not configured. fresh asks for the
	// newest value, bypassing a cache: it is used once after a signature fails, so a rotated
	// secret is picked up.
	Secret(ctx context.Context, name string, fresh bool) (string, error)
}

// Server serves the booking webhooks. Set its fields once in main.
type Server struct {
	Intake          *intake.Intake
	Secrets         Secrets
	Now             func() time.Time
	Tolerance       time.Duration // ROOMKEEPER_WEBHOOK_TOLERANCE
	DefaultProvider string        // ROOMKEEPER_PROVIDER
	Providers       []string      // providers configured in this deployment
	Insights        Insights      // Whereby's insights API, for recorded and streamed minutes; nil: none
	Log             *slog.Logger
}

// Register adds the server's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/bookings/{source}", s.handleBooking)
	mux.HandleFunc("POST /v1/hooks/{provider}", s.handleHook) // hooks.go
	s.registerAdmin(mux)                                      // admin.go
	mux.HandleFunc("GET /v1/host/{token}", s.handleHost)      // host.go
}

// handleBooking verifies, validates and records one booking webhook, then answers 202 and
// leaves the rest to the worker.
func (s *Server) handleBooking(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	source := r.PathValue("source")
	log := s.Log.With("route", "bookings", "source", source)
	if source != "generic" {
		writeError(w, log, booking.Errorf(booking.NotFound, "", "unknown booking source %q", source))
		return
	}
	secret, err := s.Secrets.Secret(ctx, GenericSecret, false)
	if err != nil {
		writeError(w, log, unavailable(err))
		return
	}
	if secret == "" {
		writeError(w, log, booking.Errorf(booking.NotFound, "", "booking source %q is not configured", source))
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, log, err)
		return
	}
	now := s.Now()
	deliveryID, err := stdwebhook.Verify(secret, r.Header, body, now, s.Tolerance)
	if err != nil {
		// The secret may have been rotated since it was cached: read it once more.
		if fresh, ferr := s.Secrets.Secret(ctx, GenericSecret, true); ferr == nil && fresh != "" && fresh != secret {
			deliveryID, err = stdwebhook.Verify(fresh, r.Header, body, now, s.Tolerance)
		}
	}
	if err != nil {
		writeError(w, log, err)
		return
	}
	ch, err := generic.Parse(body, now, generic.Options{DefaultProvider: s.DefaultProvider, Providers: s.Providers, MaxSkew: s.Tolerance})
	if err != nil {
		writeError(w, log, err)
		return
	}
	ch.DeliveryID = deliveryID
	res, err := s.Intake.Apply(ctx, ch)
	if err != nil {
		writeError(w, log, unavailable(err))
		return
	}
	log = log.With("booking", res.Key, "outcome", string(res.Outcome))
	if res.NudgeErr != nil {
		log.Warn("worker nudge failed; the sweeper will pick the booking up", "err", res.NudgeErr)
	}
	status := http.StatusAccepted
	if res.Outcome != intake.Applied {
		status = http.StatusOK
	}
	log.Info("booking webhook", "status", status)
	writeJSON(w, status, map[string]string{"status": string(res.Outcome), "booking": res.Key})
}

// readBody reads at most MaxBody bytes of a JSON body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/webhook+json") {
			return nil, booking.Errorf(booking.Unsupported, "", "content type %q is not supported: send application/json", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, booking.Errorf(booking.TooLarge, "", "body is larger than %d KiB", MaxBody>>10)
	}
	if err != nil {
		return nil, booking.Errorf(booking.Invalid, "", "could not read the body")
	}
	return body, nil
}

func unavailable(err error) error {
	return &wrapped{public: booking.Errorf(booking.Unavailable, "", "temporarily unavailable, retry later"), cause: err}
}

// wrapped carries a public error and the internal cause that is logged only.
type wrapped struct {
	public *booking.Error
	cause  error
}

func (w *wrapped) Error() string { return w.cause.Error() }
func (w *wrapped) Unwrap() error { return w.public }

var statusOf = map[booking.Code]int{
	booking.Invalid:      http.StatusBadRequest,
	booking.Unauthorized: http.StatusUnauthorized,
	booking.NotFound:     http.StatusNotFound,
	booking.TooLarge:     http.StatusRequestEntityTooLarge,
	booking.Unsupported:  http.StatusUnsupportedMediaType,
	booking.Unavailable:  http.StatusServiceUnavailable,
}

// writeError answers with the JSON error shape. Internal errors are logged with their cause and
// answered with a generic message.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	body := struct {
		Error errorBody `json:"error"`
	}{}
	var e *booking.Error
	status := http.StatusInternalServerError
	if errors.As(err, &e) {
		if s, ok := statusOf[e.Code]; ok {
			status = s
			body.Error = errorBody{Code: string(e.Code), Message: e.Message, Field: e.Field}
		}
	}
	if status >= 500 {
		log.Error("request failed", "status", status, "err", err)
		if status == http.StatusInternalServerError {
			body.Error = errorBody{Code: string(booking.Internal), Message: "internal error"}
		}
	} else {
		log.Info("request rejected", "status", status, "code", body.Error.Code, "field", body.Error.Field)
	}
	writeJSON(w, status, body)
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
