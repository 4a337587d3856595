// Package httpapi holds roomkeeper's HTTP handlers, one type per audience, each with its own
// Register:
//
//   - Bookings: the booking sources' webhooks, POST /v1/bookings/{source} (bookings.go);
//   - Hooks: the video providers' webhooks, POST /v1/hooks/{provider} (hooks.go);
//   - Admin: the operator's API behind a bearer token, GET /v1/rooms… and /v1/bookings/{id}
//     (admin.go; docs/admin-api.md);
//   - HostLinks: the organizer's host links, GET /v1/host/{token} (host.go).
//
// They are plain net/http handlers: the local server serves them all on one mux, and each
// Lambda function serves its own through the API Gateway adapter (shared/lambda/apigw), so there
// is one code path. Errors are JSON, {"error": {"code", "message", "field"}}, with the code
// mapped to the status here; internals are logged, never returned.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"

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

// verifiedBody reads the request's body and verifies it with the named secret, over the raw
// bytes. When verification fails the secret is read once more (Secrets rate-limits that), since it
// may have been rotated after it was cached. It returns the body and the secret that verified it;
// a secret that is not configured is a 404 naming what it is for.
func verifiedBody(w http.ResponseWriter, r *http.Request, secrets Secrets, secretName, what string, verify func(secret string, body []byte) error) ([]byte, string, error) {
	ctx := r.Context()
	secret, err := secrets.Secret(ctx, secretName, false)
	if err != nil {
		return nil, "", booking.Outage(err)
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
	fresh, ferr := secrets.Secret(ctx, secretName, true)
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
	booking.Unavailable:      http.StatusServiceUnavailable,
}

// StatusOf returns the HTTP status err's code maps to and the error a caller may see; an error
// without a known code is a 500 with no public error (nil): its message is internal.
func StatusOf(err error) (int, *booking.Error) {
	var e *booking.Error
	if errors.As(err, &e) {
		if s, ok := statusOf[e.Code]; ok {
			return s, e
		}
	}
	return http.StatusInternalServerError, nil
}

// WriteError answers with the JSON error shape and the status its code maps to. Internal errors
// are logged with their cause and answered with a generic message.
func WriteError(w http.ResponseWriter, log *slog.Logger, err error) {
	body := struct {
		Error errorBody `json:"error"`
	}{}
	status, e := StatusOf(err)
	if e != nil {
		body.Error = errorBody{Code: string(e.Code), Message: e.Message, Field: e.Field}
	}
	if status >= 500 {
		log.Error("request failed", "status", status, "err", err)
		if status == http.StatusInternalServerError {
			body.Error = errorBody{Code: string(booking.Internal), Message: "internal error"}
		}
	} else {
		log.Info("request rejected", "status", status, "code", body.Error.Code, "field", body.Error.Field)
	}
	WriteJSON(w, status, body)
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
