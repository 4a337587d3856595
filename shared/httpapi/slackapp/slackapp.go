// Package slackapp is roomkeeper's Slack app (docs/slack.md): the slash command /rooms, its
// Create Room dialog and buttons, the Home tab and link unfurls, served on
// POST /v1/slack/{commands,interactions,events} over the operator's rules (shared/operator), so
// that Slack, the admin API and the console follow the same rules.
//
// Every request is verified before anything is parsed: Slack's v0 signature, HMAC-SHA256 with
// the app's signing secret over "v0:" + X-Slack-Request-Timestamp + ":" + the raw body, within
// five minutes (https://api.slack.com/authentication/verifying-requests-from-slack). One
// workspace (SLACK_TEAM_ID) may use the app; its guest accounts may not. Listing rooms is for
// every member; making and deleting rooms and reading sessions and participants are for the
// admins (SLACK_ADMIN_USERGROUP, else SLACK_ADMIN_USERS), and each of those is recorded in the
// operator audit list as "slack:<user id>".
//
// Slack waits three seconds for an answer (https://api.slack.com/interactivity/handling#acknowledgment_response).
// A dialog opens (views.open) before the answer, since its trigger_id expires then; any other
// slow work is acknowledged at once and finished by a Job on the queue, which answers through
// the request's response_url or a direct message. Slack's retries are answered without new
// work: each request's trigger_id or event_id is marked in the store, so a retry that reaches
// another instance is recognised too.
package slackapp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/chat/roomsapp"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
)

// SigningSecret names the app's signing secret: SLACK_SIGNING_SECRET.
const SigningSecret = "SLACK_SIGNING_SECRET"

// Tolerance is how far a request's timestamp may be from now.
const Tolerance = 5 * time.Minute

// seenFor is how long a request's id is remembered against Slack's retries (Slack retries
// within minutes).
const seenFor = time.Hour

// App serves the Slack app: its requests, over the app's work (roomsapp.App). Set its fields once
// in main.
type App struct {
	*roomsapp.App
	// Store remembers the ids of requests answered, so a retry does nothing new.
	Store booking.Store
	Jobs  Jobs
	Now   func() time.Time
}

// Jobs queues the work a request leaves to after its answer, a roomsapp.Job, for
// roomsapp.App.Run: the local server's in-process queue, or the work queue on AWS (sqs.Queue),
// whose worker runs it.
type Jobs interface {
	EnqueueSlack(ctx context.Context, job any) error
}

// Register adds the app's routes.
func (a *App) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/slack/commands", a.commands)
	mux.HandleFunc("POST /v1/slack/interactions", a.interactions)
	mux.HandleFunc("POST /v1/slack/events", a.events)
	mux.Handle("/v1/slack/", httpapi.Unrouted(a.Log, "slack.unrouted", mux))
}

// Errors of Verify.
var (
	ErrNoSignature = errors.New("no Slack signature or timestamp")
	ErrStale       = errors.New("the request's timestamp is outside the tolerance")
	ErrSignature   = errors.New("the signature does not match")
)

// Verify checks Slack's v0 signature of body: X-Slack-Signature must be "v0=" and the hex
// HMAC-SHA256, keyed with secret, of "v0:" + X-Slack-Request-Timestamp + ":" + body, compared
// in constant time, and the timestamp within tolerance of now.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if ts == "" || !ok {
		return ErrNoSignature
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrNoSignature
	}
	if d := now.Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrSignature
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrSignature
	}
	return nil
}

// verified reads and verifies a request's body; it answers the request itself (404 when the app
// is off, 401 for a bad signature) and returns false when the handler must stop.
func (a *App) verified(w http.ResponseWriter, r *http.Request, log *slog.Logger) ([]byte, bool) {
	secret, err := a.Secrets.Secret(r.Context(), SigningSecret, false)
	if err != nil {
		httpapi.WriteError(w, log, booking.Outage(err))
		return nil, false
	}
	if secret == "" {
		httpapi.WriteError(w, log, booking.Errorf(booking.NotFound, "", "the Slack app is not configured"))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpapi.MaxBody))
	if err != nil {
		httpapi.WriteError(w, log, booking.Errorf(booking.TooLarge, "", "the request is too large"))
		return nil, false
	}
	err = Verify(secret, r.Header, body, a.Now(), Tolerance)
	if errors.Is(err, ErrSignature) {
		// Once more with the newest secret: it may have been rotated.
		if fresh, ferr := a.Secrets.Secret(r.Context(), SigningSecret, true); ferr == nil && fresh != secret && fresh != "" {
			err = Verify(fresh, r.Header, body, a.Now(), Tolerance)
		}
	}
	if err != nil {
		httpapi.WriteError(w, log, booking.Errorf(booking.Unauthorized, "X-Slack-Signature", "%s", err.Error()))
		return nil, false
	}
	return body, true
}

// first reports whether the request with the id is seen for the first time; a retry of one
// answered is not.
func (a *App) first(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return true, nil
	}
	seen, err := a.Store.Seen(ctx, "slack:"+id, a.Now())
	return !seen, err
}

// answered marks the request with the id answered.
func (a *App) answered(ctx context.Context, id string) {
	if id != "" {
		_ = a.Store.MarkSeen(ctx, "slack:"+id, a.Now().Add(seenFor)) // a lost mark costs at most a repeat
	}
}

// ephemeral answers a request with a message only its sender sees.
func ephemeral(w http.ResponseWriter, text string, blocks ...slack.Block) {
	msg := slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: text}
	msg.Blocks.BlockSet = blocks
	httpapi.WriteJSON(w, http.StatusOK, msg)
}

// restore puts a verified body back for slack-go's form parsers.
func restore(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Form, r.PostForm = nil, nil
}
