// Package httpapi holds roomkeeper's HTTP handlers, one type per audience, each with its own
// Register:
//
//   - Bookings: the booking sources' webhooks, POST /v1/bookings/{source} (bookings.go);
//   - Hooks: the video providers' webhooks, POST /v1/hooks/{provider} (hooks.go);
//   - Admin: the operator's API behind a bearer token, GET /v1/rooms… and /v1/bookings/{id}
//     (admin.go; docs/admin-api.md);
//   - HostLinks: the organizer's host links of the older kind, GET /v1/host/{token} (host.go),
//     no longer made but still verified; every person's link, GET /j/{token}, is served by
//     shared/httpapi/join.
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
	"maps"
	"mime"
	"net/http"
	"regexp"
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

// eventType returns, for the logs, the event type a verified webhook body names at the JSON path
// (the member names from the top): a Cal.com trigger, a Calendly event, a Whereby or Zoom event
// type. A body that names none, or one that does not look like an event type (a short token of
// letters, digits and . _ : -), gives "unknown": the value is the sender's, and a log line holds
// only what roomkeeper can vouch for.
func eventType(body []byte, path ...string) string {
	raw := json.RawMessage(body)
	for _, name := range path {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return unknownEvent
		}
		raw = obj[name]
	}
	var v string
	if json.Unmarshal(raw, &v) != nil || len(v) > maxEvent || !eventPattern.MatchString(v) {
		return unknownEvent
	}
	return v
}

const unknownEvent = "unknown"

// eventAt returns eventType at path.
func eventAt(path ...string) func(body []byte) string {
	return func(body []byte) string { return eventType(body, path...) }
}

// eventPattern and maxEvent are what an event type may be. The length is checked apart: a counted
// repetition ({0,63}) compiles to 64 copies of its class, about 0.7 ms and 60 KB at every cold
// start of every function that links this package.
var eventPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]*$`)

const maxEvent = 64

// otherSource is the Source of a webhook figure for a route name roomkeeper does not know, so a
// caller cannot make up dimension values.
const otherSource = "other"

// countRejected records a webhook delivery answered with a 4xx (a bad or stale signature, a body
// roomkeeper cannot read, a source that is not configured), per source: source is a name the
// route knows, or otherSource.
// delivery is a webhook being handled: the route name it is logged and counted under, its log
// (which the handler extends as it learns more) and fail, which answers an error and counts a
// 4xx as a rejected delivery.
type delivery struct {
	name string
	log  *slog.Logger
	fail func(error)
}

// openDelivery looks the {param} path value up among the known handlers of a webhook route. A
// name roomkeeper does not know is answered 404 listing the known ones, and is logged and
// counted as otherSource: the path is the sender's, never logged, as it may hold anything.
func openDelivery[T any](w http.ResponseWriter, r *http.Request, base *slog.Logger, m booking.Metrics, route, param, what string, known map[string]T) (T, *delivery, bool) {
	name := r.PathValue(param)
	h, ok := known[name]
	if !ok {
		name = otherSource
	}
	d := &delivery{name: name, log: RequestLog(base, r).With("route", route, param, name)}
	d.fail = func(err error) {
		WriteError(w, d.log, err)
		countRejected(r.Context(), m, name, err)
	}
	if !ok {
		d.fail(booking.Errorf(booking.NotFound, "", "unknown %s: want one of %s", what, strings.Join(slices.Sorted(maps.Keys(known)), ", ")))
	}
	return h, d, ok
}

func countRejected(ctx context.Context, m booking.Metrics, source string, err error) {
	if s := StatusOf(err); m == nil || s < 400 || s >= 500 {
		return
	}
	m.Put(ctx, booking.CountOf(booking.MetricWebhookRejected, 1).By("Source", source))
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

// Unrouted answers a request under prefix that no route of mux took, in the JSON error shape:
// 405 with Allow naming the methods the path takes, when it takes any, else 404. Register it
// for the prefix of a handler's routes, so a wrong method or path gets roomkeeper's error rather
// than net/http's plain-text one. route names it in the log.
func Unrouted(mux *http.ServeMux, prefix string, log *slog.Logger, route string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := RequestLog(log, r).With("route", route)
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != prefix {
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
