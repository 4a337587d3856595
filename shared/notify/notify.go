// Package notify is the adapter of booking.Notifier: it sends roomkeeper's outbound webhook for
// integrations (ROOMKEEPER_NOTIFY_URL; docs/notify.md) as Standard Webhooks v1.0.0 specifies
// (https://github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md): one POST
// of the event's JSON per attempt, with webhook-id (the notice's id, the same on every attempt),
// webhook-timestamp (the attempt's time) and webhook-signature, made by shared/stdwebhook, the
// package that verifies the generic source's deliveries.
//
// A 2xx is success; 410 Gone says the receiver wants no more, and stops the notice; anything else,
// a redirect included, is a failure the reconciler retries. An attempt gives up after Timeout. No
// error carries the receiver's URL (it may hold a token), so the steps and logs never show it.
package notify

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

// SecretName is the secret that signs the events: "whsec_" and the base64 of at least 24 bytes.
const SecretName = "ROOMKEEPER_NOTIFY_SECRET"

// Timeout bounds one attempt: the receiver is to answer at once and do its work later.
const Timeout = 5 * time.Second

// maxAnswer is how much of the receiver's answer is read (and dropped).
const maxAnswer = 64 << 10

// Secrets reads secrets by name (shared/aws/secrets in AWS). A secret that is not set is "".
type Secrets interface {
	Secret(ctx context.Context, name string, fresh bool) (string, error)
}

// Notifier posts notices to URL. Set its fields once in main.
type Notifier struct {
	URL     string
	Secrets Secrets // SecretName, read on each attempt (cached by the source)
	Now     func() time.Time
	// Client sends the requests; nil means one that follows no redirect.
	Client *http.Client
	// Timeout bounds an attempt; zero means the constant Timeout.
	Timeout time.Duration
}

var _ booking.Notifier = (*Notifier)(nil)

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Notify makes one attempt at delivering n.
func (s *Notifier) Notify(ctx context.Context, n booking.Notice) error {
	label := "notify " + n.Type
	secret, err := s.Secrets.Secret(ctx, SecretName, false)
	if err != nil {
		return fmt.Errorf("%s: read secret: %w", label, err)
	}
	if secret == "" {
		return fmt.Errorf("%s: %s is not set (in AWS, its secret in Secrets Manager has no value yet)", label, SecretName)
	}
	ts := s.Now()
	sig, err := stdwebhook.Sign(secret, n.ID, ts, n.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(s.Timeout, Timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(n.Body))
	if err != nil {
		return booking.Permanent(fmt.Errorf("%s: the receiver's URL cannot be used", label))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "roomkeeper")
	req.Header.Set(stdwebhook.HeaderID, n.ID)
	req.Header.Set(stdwebhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(stdwebhook.HeaderSignature, sig)
	a, err := rest.Send(cmp.Or(s.Client, noRedirects), req, label, maxAnswer)
	switch {
	case err != nil:
		return err
	case a.Status >= 200 && a.Status <= 299:
		return nil
	case a.Status == http.StatusGone:
		return booking.Permanent(fmt.Errorf("%s: the receiver answered 410 Gone: no more events", label))
	}
	return fmt.Errorf("%s: the receiver answered %d", label, a.Status)
}
