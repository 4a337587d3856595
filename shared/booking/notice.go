package booking

import (
	"context"
	"encoding/json"
	"time"
)

// Event types of the outbound webhook for integrations (ROOMKEEPER_NOTIFY_URL; docs/notify.md
// gives each one's JSON schema).
const (
	RoomReady       = "room.ready"       // a booking's room was made or replaced
	BookingAttended = "booking.attended" // a booking's room was cleaned up: who came
	BookingFailed   = "booking.failed"   // a failure became permanent
)

// NoticeGiveUp is how long after it was queued a notice is retried before roomkeeper gives up.
const NoticeGiveUp = 24 * time.Hour

// Notice is one event of the outbound webhook, kept on its booking's record like an outbox: queued
// with its body when the record first calls for it, sent by the reconciler, retried with back-off
// until the receiver answers 2xx or NoticeGiveUp has passed. Its ID is derived from the booking
// and the event (never random), so a run that stops between the receiver's 2xx and the save sends
// it again with the same id and the same body, and the receiver drops the duplicate by its id.
type Notice struct {
	ID   string          `json:"id"` // the webhook-id
	Type string          `json:"type"`
	At   time.Time       `json:"at"`             // when it was queued
	Body json.RawMessage `json:"body,omitempty"` // sent byte for byte on every attempt; dropped once settled
	// Attempts counts failed sends; NextAt is when the next may be made.
	Attempts int       `json:"attempts,omitempty"`
	NextAt   time.Time `json:"nextAt,omitzero"`
	// Error is the last failed send's error (no address: the notifier keeps the URL out of it).
	Error  string    `json:"error,omitempty"`
	SentAt time.Time `json:"sentAt,omitzero"` // the receiver answered 2xx
	// Dropped says why no more attempts are made although it was never accepted: given up after
	// NoticeGiveUp, or the receiver answered that it wants no more (410 Gone).
	Dropped string `json:"dropped,omitempty"`
}

// Settled reports whether nothing more is to be done for the notice.
func (n *Notice) Settled() bool { return !n.SentAt.IsZero() || n.Dropped != "" }

// NoticeFor returns the record's notice with the id, or nil.
func (b *Booking) NoticeFor(id string) *Notice {
	for i := range b.Notices {
		if b.Notices[i].ID == id {
			return &b.Notices[i]
		}
	}
	return nil
}

// Notifier delivers one notice to the integrations' receiver. An error that IsPermanent stops
// the notice's retries (the receiver answered 410 Gone); any other is retried with back-off.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}
