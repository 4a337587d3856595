// Package httpapi holds roomkeeper's HTTP handlers (DESIGN.md, "HTTP surface"). They are plain
// net/http handlers: the local server serves them directly and the Lambda functions serve them
// through an API Gateway adapter, so there is one code path. Errors are JSON with a code, a
// message and the field at fault; internals are logged, never returned.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/intake"
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
	Log             *slog.Logger
	Insights        Insights // optional: the provider's session figures in the admin API (admin.go)
	// HostLinkers are the providers whose host link GET /v1/host/{token} fetches, by name (host.go).
	HostLinkers map[string]HostLinker
}

// Register adds the server's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/bookings/{source}", s.handleBooking)
	mux.HandleFunc("POST /v1/hooks/{provider}", s.handleHook) // hooks.go
	s.registerAdmin(mux)                                      // admin.go
	mux.HandleFunc("GET /v1/host/{token}", s.handleHost)      // host.go
}

// handleBooking verifies, validates and records one booking webhook, then answers 202 and
// leaves the rest to the worker. Each source (sources.go) has its own secret, signature and
// payload; a source whose secret is not configured answers 404. A delivery the source sends for
// nothing roomkeeper acts on is acknowledged with 200 and "ignored"; one may also carry several
// changes (the attendees of a Cal.com seated booking), answered 202 if any was applied.
func (s *Server) handleBooking(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("source")
	log := s.logger(r).With("route", "bookings", "source", name)
	src, ok := sources[name]
	if !ok {
		writeError(w, log, booking.Errorf(booking.NotFound, "", "unknown booking source %q", name))
		return
	}
	now := s.Now()
	var deliveryID string
	body, _, err := s.verifiedBody(w, r, src.secret, fmt.Sprintf("booking source %q", name), func(secret string, body []byte) (err error) {
		deliveryID, err = src.verify(s, secret, r.Header, body, now)
		return err
	})
	if err != nil {
		writeError(w, log, err)
		return
	}
	changes, err := src.parse(s, body, now)
	if err != nil {
		writeError(w, log, err)
		return
	}
	if len(changes) == 0 {
		log.Info("booking webhook", "status", http.StatusOK, "outcome", string(intake.Ignored))
		writeJSON(w, http.StatusOK, map[string]string{"status": string(intake.Ignored)})
		return
	}
	status, reply := http.StatusOK, map[string]string{}
	for i, ch := range changes {
		if deliveryID != "" {
			ch.DeliveryID = deliveryID
		}
		res, err := s.Intake.Apply(ctx, ch)
		if err != nil {
			writeError(w, log, unavailable(err))
			return
		}
		clog := log.With("booking", res.Key, "outcome", string(res.Outcome))
		if res.NudgeErr != nil {
			clog.Warn("worker nudge failed; the sweeper will pick the booking up", "err", res.NudgeErr)
		}
		clog.Info("booking change")
		if i == 0 || (res.Outcome == intake.Applied && status != http.StatusAccepted) {
			reply["status"], reply["booking"] = string(res.Outcome), res.Key
		}
		if res.Outcome == intake.Applied {
			status = http.StatusAccepted
		}
	}
	log.Info("booking webhook", "status", status)
	writeJSON(w, status, reply)
}

// logger returns the server's logger for one request, with the Lambda request id when the
// request came through a Lambda invocation (the API Gateway adapter passes its context on), so
// a function's log lines can be found by invocation.
func (s *Server) logger(r *http.Request) *slog.Logger {
	if lc, ok := lambdacontext.FromContext(r.Context()); ok {
		return s.Log.With("requestId", lc.AwsRequestID)
	}
	return s.Log
}

// verifiedBody reads the request's body and verifies it with the named secret, over the raw
// bytes. When verification fails the secret is read once more (Secrets rate-limits that), since it
// may have been rotated after it was cached. It returns the body and the secret that verified it;
// a secret that is not configured is a 404 naming what it is for.
func (s *Server) verifiedBody(w http.ResponseWriter, r *http.Request, secretName, what string, verify func(secret string, body []byte) error) ([]byte, string, error) {
	ctx := r.Context()
	secret, err := s.Secrets.Secret(ctx, secretName, false)
	if err != nil {
		return nil, "", unavailable(err)
	}
	if secret == "" {
		return nil, "", booking.Errorf(booking.NotFound, "", "%s is not configured", what)
	}
	body, err := readBody(w, r)
	if err != nil {
		return nil, "", err
	}
	if err = verify(secret, body); err == nil {
		return body, secret, nil
	}
	fresh, ferr := s.Secrets.Secret(ctx, secretName, true)
	if ferr != nil || fresh == "" || fresh == secret {
		return nil, "", err
	}
	if err := verify(fresh, body); err != nil {
		return nil, "", err
	}
	return body, fresh, nil
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
