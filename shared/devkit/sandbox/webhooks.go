package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Whereby's webhook delivery rules (webhooks.md in github.com/whereby/docs): a 5 s timeout, and a
// 5xx or a timeout is retried twice with a short exponential back-off. The sandbox signs as Whereby
// documents, with its own few lines rather than roomkeeper's whereby package, so a test of one
// against the other checks both.
const (
	webhookTimeout   = 5 * time.Second
	webhookRetries   = 2
	webhookRetryWait = 100 * time.Millisecond // doubled for each retry
	webhookAPI       = "1.0"
	webhookSubdomain = "sandbox"
	maxWebhooks      = 1000 // deliveries kept for Webhooks and the room pages
)

// Webhook is one delivery the sandbox made or holds.
type Webhook struct {
	ID        string    // the envelope id: 64 hex digits
	Type      string    // room.client.joined, …
	MeetingID string    // the room the event is about
	CreatedAt time.Time // the envelope's createdAt
	Body      []byte    // exactly the bytes sent (and signed)
	Attempts  int       // POSTs made; 0 while held
	Status    int       // the last answer's HTTP status; 0 when none came
	Err       string    // the last attempt's failure, if any
	Delivered bool      // answered 2xx
}

// DeliveryError reports a webhook the receiver did not accept: a 4xx, or a 5xx or no answer
// within the timeout after the retries. The room action it reports on happened anyway, as it does
// in Whereby.
type DeliveryError struct {
	ID, Type string
	Status   int // 0: no answer
	Err      string
}

func (e *DeliveryError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("whereby sandbox: webhook %s %s answered %d", e.Type, e.ID, e.Status)
	}
	return fmt.Sprintf("whereby sandbox: webhook %s %s failed: %s", e.Type, e.ID, e.Err)
}

// webhookSender posts signed deliveries to the configured URL.
type webhookSender struct {
	url    string
	secret string
	hc     *http.Client
}

func newWebhookSender(opts WherebyOptions) (webhookSender, error) {
	if opts.WebhookURL == "" {
		return webhookSender{}, nil
	}
	u, err := url.Parse(opts.WebhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return webhookSender{}, fmt.Errorf("whereby sandbox: webhook URL %q is not an absolute http(s) URL", opts.WebhookURL)
	}
	if opts.WebhookSecret == "" {
		return webhookSender{}, fmt.Errorf("whereby sandbox: a webhook URL needs a webhook secret")
	}
	timeout := opts.WebhookTimeout
	if timeout <= 0 {
		timeout = webhookTimeout
	}
	return webhookSender{url: opts.WebhookURL, secret: opts.WebhookSecret, hc: &http.Client{Timeout: timeout}}, nil
}

func (s webhookSender) enabled() bool { return s.url != "" }

// signature is the Whereby-Signature value: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">.
func (s webhookSender) signature(t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(s.secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// post makes one attempt and returns the status (0 with an error when no answer came).
func (s webhookSender) post(body []byte, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "whereby-sandbox-webhooks/1.0")
	req.Header.Set("Whereby-Signature", s.signature(now, body))
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// The webhook payload, field for field as Whereby sends it (WherebyWebhookInRoom and the client
// event types in Whereby's SDK). Embedded structs keep Whereby's field order.
type (
	webhookEnvelope struct {
		ID         string `json:"id"`
		APIVersion string `json:"apiVersion"`
		CreatedAt  string `json:"createdAt"`
		Type       string `json:"type"`
		Data       any    `json:"data"`
	}
	inRoomData struct {
		MeetingID     string  `json:"meetingId"`
		RoomName      string  `json:"roomName"`
		RoomSessionID *string `json:"roomSessionId"` // null while fewer than 2 are in
		Subdomain     string  `json:"subdomain"`
	}
	clientData struct {
		inRoomData
		DisplayName   string  `json:"displayName"`
		ParticipantID string  `json:"participantId"`
		Metadata      *string `json:"metadata"`
		ExternalID    *string `json:"externalId"`
	}
	memberData struct {
		clientData
		RoleName             string         `json:"roleName"`
		NumClients           int            `json:"numClients"`
		NumClientsByRoleName map[string]int `json:"numClientsByRoleName"`
		IsDialIn             bool           `json:"isDialIn"`
	}
)

// newWebhook builds a delivery of one event. Its body is encoded as JavaScript's JSON.stringify
// would (no escaping of <, > and &), so a receiver that re-encodes instead of verifying the raw
// bytes fails, as it would with Whereby.
func newWebhook(typ, meetingID string, at time.Time, data any) *Webhook {
	var id [32]byte
	_, _ = rand.Read(id[:])
	h := &Webhook{ID: hex.EncodeToString(id[:]), Type: typ, MeetingID: meetingID, CreatedAt: at.UTC()}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(webhookEnvelope{ID: h.ID, APIVersion: webhookAPI, CreatedAt: formatDate(at), Type: typ, Data: data})
	h.Body = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return h
}

// deliver sends events in order, each with Whereby's retries, unless deliveries are held. It
// returns the first delivery that failed for good. w.act must be held and w.mu must not.
func (w *Whereby) deliver(events []*Webhook) error {
	if !w.hooks.enabled() || len(events) == 0 {
		return nil
	}
	w.mu.Lock()
	for _, h := range events {
		w.sent = append(w.sent, h)
		if w.held {
			w.pending = append(w.pending, h)
		}
	}
	if n := len(w.sent) - maxWebhooks; n > 0 {
		w.sent = slices.Delete(w.sent, 0, n)
	}
	held := w.held
	w.mu.Unlock()
	if held {
		return nil
	}
	var first error
	for _, h := range events {
		if err := w.send(h); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// send posts one delivery: an answer below 500 is final; a 5xx, a timeout or a failed connection
// is retried twice.
func (w *Whereby) send(h *Webhook) error {
	wait := webhookRetryWait
	for attempt := 0; ; attempt++ {
		status, err := w.hooks.post(h.Body, w.now())
		w.mu.Lock()
		h.Attempts++
		h.Status = status
		h.Err = ""
		if err != nil {
			h.Err = err.Error()
		}
		h.Delivered = status >= 200 && status < 300
		w.mu.Unlock()
		switch {
		case status >= 200 && status < 300:
			return nil
		case err == nil && status < 500, attempt == webhookRetries:
			return &DeliveryError{ID: h.ID, Type: h.Type, Status: status, Err: h.Err}
		}
		time.Sleep(wait)
		wait *= 2
	}
}

// Webhooks returns copies of the deliveries made or held, oldest first (the last 1000).
func (w *Whereby) Webhooks() []Webhook {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Webhook, len(w.sent))
	for i, h := range w.sent {
		out[i] = *h
		out[i].Body = slices.Clone(h.Body)
	}
	return out
}

// Redeliver sends a delivery again, same id and body with a fresh signature, as Whereby may:
// receivers must treat it as a duplicate.
func (w *Whereby) Redeliver(id string) error {
	w.act.Lock()
	defer w.act.Unlock()
	w.mu.Lock()
	i := slices.IndexFunc(w.sent, func(h *Webhook) bool { return h.ID == id })
	var h *Webhook
	if i >= 0 {
		h = w.sent[i]
	}
	w.mu.Unlock()
	if h == nil {
		return fmt.Errorf("whereby sandbox: no webhook %q", id)
	}
	return w.send(h)
}

// HoldWebhooks keeps new deliveries back until ReleaseWebhooks, so a test can send them out of
// order, as Whereby may.
func (w *Whereby) HoldWebhooks() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.held = true
}

// ReleaseWebhooks sends the held deliveries, oldest first or, with reversed, newest first, and
// stops holding. It returns the first delivery that failed for good.
func (w *Whereby) ReleaseWebhooks(reversed bool) error {
	w.act.Lock()
	defer w.act.Unlock()
	w.mu.Lock()
	pending := w.pending
	w.pending, w.held = nil, false
	w.mu.Unlock()
	if reversed {
		slices.Reverse(pending)
	}
	var first error
	for _, h := range pending {
		if err := w.send(h); err != nil && first == nil {
			first = err
		}
	}
	return first
}
