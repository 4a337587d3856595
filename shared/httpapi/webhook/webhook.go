// Package webhook receives the webhooks roomkeeper is sent, one type per kind of sender, each
// with its own Register:
//
//   - Bookings: the booking sources' webhooks, POST /v1/bookings/{source} (bookings.go), read by
//     shared/source/{generic,calcom,calendly,cronofy} and applied by shared/intake;
//   - Hooks: the video providers' webhooks, POST /v1/hooks/{provider} (hooks.go, hooks_zoom.go),
//     read by shared/video/wherebyhook and shared/video/zoomhook.
//
// Every delivery is verified over its raw body with its sender's secret (read once more when
// verification fails, as it may have been rotated), answered in shared/httpapi's JSON error
// shape, logged with the sender's event type (when it looks like one) and, when refused with a
// 4xx, counted as booking.MetricWebhookRejected. It is a package of its own so that only the
// functions that take webhooks (functions/bookings, functions/hooks) and the local server link
// the booking sources' parsers and intake: the admin and slack functions link shared/httpapi
// without them, and pay nothing at their cold starts for them.
package webhook

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
	"strings"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
)

// verifiedBody reads the request's body and verifies it with the named secret, over the raw
// bytes. When verification fails the secret is read once more (Secrets rate-limits that), since it
// may have been rotated after it was cached. It returns the body and the secret that verified it;
// a secret that is not configured is a 404 naming what it is for.
func verifiedBody(w http.ResponseWriter, r *http.Request, secrets httpapi.Secrets, secretName, what string, verify func(secret string, body []byte) error) ([]byte, string, error) {
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

// readBody reads at most httpapi.MaxBody bytes of a JSON body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/webhook+json") {
			return nil, booking.Errorf(booking.Unsupported, "", "content type %q is not supported: send application/json", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpapi.MaxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, booking.Errorf(booking.TooLarge, "", "body is larger than %d KiB", httpapi.MaxBody>>10)
	}
	if err != nil {
		return nil, booking.Errorf(booking.Invalid, "", "could not read the body")
	}
	return body, nil
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
	d := &delivery{name: name, log: httpapi.RequestLog(base, r).With("route", route, param, name)}
	d.fail = func(err error) {
		httpapi.WriteError(w, d.log, err)
		countRejected(r.Context(), m, name, err)
	}
	if !ok {
		d.fail(booking.Errorf(booking.NotFound, "", "unknown %s: want one of %s", what, strings.Join(slices.Sorted(maps.Keys(known)), ", ")))
	}
	return h, d, ok
}

// countRejected records a webhook delivery answered with a 4xx (a bad or stale signature, a body
// roomkeeper cannot read, a source that is not configured), per source: source is a name the
// route knows, or otherSource.
func countRejected(ctx context.Context, m booking.Metrics, source string, err error) {
	if s := httpapi.StatusOf(err); m == nil || s < 400 || s >= 500 {
		return
	}
	m.Put(ctx, booking.CountOf(booking.MetricWebhookRejected, 1).By("Source", source))
}
