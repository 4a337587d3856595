// Package httpapi holds roomkeeper's HTTP handlers and what they share. Each audience has its own
// type with its own Register:
//
//   - HostLinks: the organizer's host links of the older kind, GET /v1/host/{token} (host.go),
//     no longer made but still verified;
//   - Admin, the operator's API behind a bearer token (shared/httpapi/admin; docs/admin-api.md),
//     and the console, the operator's web pages (shared/httpapi/console);
//   - every person's link, GET /j/{token} (shared/httpapi/join);
//   - the Slack app's routes (shared/httpapi/slackapp);
//   - the booking sources' and the video providers' webhooks, POST /v1/bookings/{source} and
//     POST /v1/hooks/{provider} (shared/httpapi/webhook): a package of their own, so that the
//     functions that take no webhook link no booking-source parser and no intake.
//
// This package holds what they share: the JSON error shape, {"error": {"code", "message",
// "field"}}, with the code mapped to the status here (WriteError; internals are logged, never
// returned), the 404 or 405 for a path no route took (Unrouted), the request's log (RequestLog),
// the secrets port (Secrets), the client's address and the session cookie (client.go).
//
// They are plain net/http handlers: the local server serves them all on one mux, and each
// Lambda function serves its own through the API Gateway adapter (shared/lambda/apigw), so there
// is one code path.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// MaxBody is the largest webhook body accepted; larger ones get 413.
const MaxBody = 256 << 10

// Secrets gives the handlers their secrets, by name. Locally a name's value is the environment
// variable's; in AWS it is read from the Secrets Manager secret <NAME>_SECRET_ARN names.
type Secrets interface {
	// Secret returns the named secret, or "" when it is not configured. fresh asks for the
	// newest value, bypassing a cache: it is used once after a signature fails, so a rotated
	// secret is picked up.
	Secret(ctx context.Context, name string, fresh bool) (string, error)
}

// RequestLog returns log for one request, with the Lambda request id when the request came
// through a Lambda invocation (the API Gateway adapter passes its context on), so a function's
// log lines can be found by invocation.
func RequestLog(log *slog.Logger, r *http.Request) *slog.Logger {
	if lc, ok := lambdacontext.FromContext(r.Context()); ok {
		return log.With("requestId", lc.AwsRequestID)
	}
	return log
}

var statusOf = map[booking.Code]int{
	booking.Invalid:          http.StatusBadRequest,
	booking.Unauthorized:     http.StatusUnauthorized,
	booking.Forbidden:        http.StatusForbidden,
	booking.NotFound:         http.StatusNotFound,
	booking.MethodNotAllowed: http.StatusMethodNotAllowed,
	booking.Conflict:         http.StatusConflict,
	booking.TooLarge:         http.StatusRequestEntityTooLarge,
	booking.Unsupported:      http.StatusUnsupportedMediaType,
	booking.Unprocessable:    http.StatusUnprocessableEntity,
	booking.TooManyRequests:  http.StatusTooManyRequests,
	booking.Unavailable:      http.StatusServiceUnavailable,
}

// StatusOf returns the HTTP status of an error's code: that of the first *booking.Error in its
// chain, 500 for any other error.
func StatusOf(err error) int {
	var e *booking.Error
	if errors.As(err, &e) {
		if s, ok := statusOf[e.Code]; ok {
			return s
		}
	}
	return http.StatusInternalServerError
}

// WriteError answers with the JSON error shape and the status its code maps to, with
// Retry-After (whole seconds, rounded up) when the error asks the caller to wait. Internal
// errors are logged with their cause and answered with a generic message.
func WriteError(w http.ResponseWriter, log *slog.Logger, err error) {
	body := struct {
		Error errorBody `json:"error"`
	}{}
	var e *booking.Error
	status := StatusOf(err)
	if status != http.StatusInternalServerError && errors.As(err, &e) {
		body.Error = errorBody{Code: string(e.Code), Message: e.Message, Field: e.Field}
		SetRetryAfter(w, err)
	}
	if status >= 500 {
		log.Error("request failed", "status", status, "err", err)
		if status == http.StatusInternalServerError {
			body.Error = errorBody{Code: string(booking.Internal), Message: "internal error"}
		}
	} else {
		log.Info("request rejected", "status", status, "code", body.Error.Code, "field", logField(body.Error.Field))
	}
	WriteJSON(w, status, body)
}

// SetRetryAfter sets Retry-After, in whole seconds rounded up, when err is a *booking.Error that
// asks the caller to wait (RetryAfter, as access's limiter sets on a 429).
func SetRetryAfter(w http.ResponseWriter, err error) {
	var e *booking.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
}

// maxLogField bounds the field a rejection's log line names.
const maxLogField = 100

// logField is an error's field as the log may carry it. A field can be a name the sender chose
// (an unknown member of an admin request), so addresses are redacted and the length bounded:
// no e-mail address reaches a log.
func logField(field string) string {
	field = booking.RedactAddresses(field)
	if len(field) > maxLogField {
		field = strings.ToValidUTF8(field[:maxLogField], "") + "…"
	}
	return field
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Unrouted answers a request that no route took, in the JSON error shape: 405 with Allow naming
// the methods the path takes, when it takes any, else 404. Register it for the prefix of a
// handler's routes, so a wrong method or path gets roomkeeper's error rather than net/http's
// plain-text one. A path takes a method when one of muxes routes it to a pattern naming that
// method ("GET /v1/rooms"): a pattern without one is a catch-all such as this one, or the mount
// of another mux, itself one of muxes. route names it in the log.
func Unrouted(log *slog.Logger, route string, muxes ...*http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := RequestLog(log, r).With("route", route)
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if slices.ContainsFunc(muxes, func(mux *http.ServeMux) bool {
				_, pattern := mux.Handler(probe)
				return strings.HasPrefix(pattern, m+" ")
			}) {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			WriteError(w, log, booking.Errorf(booking.NotFound, "", "no route %s", r.URL.Path))
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		WriteError(w, log, booking.Errorf(booking.MethodNotAllowed, "", "%s takes %s", r.URL.Path, strings.Join(allow, ", ")))
	})
}

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
