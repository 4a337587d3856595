package booking

import (
	"strings"
	"time"
)

// MailEventKind is what the mail service reported about a message after it accepted it.
type MailEventKind string

// Mail events roomkeeper acts on.
const (
	// MailBounced: the message could not be delivered to the recipient.
	MailBounced MailEventKind = "bounce"
	// MailComplained: the recipient marked the message as unwanted.
	MailComplained MailEventKind = "complaint"
)

// MailEvent is the mail service's report that a message roomkeeper sent bounced or was
// complained of (Amazon SES: a Bounce or Complaint event; locally, the outbox's). Key names the
// booking: every message carries its booking's key (Message.Key), and the service hands it back.
type MailEvent struct {
	Kind       MailEventKind
	Key        string    // the booking the message was about
	MessageID  string    // the mail service's id of the message
	Recipients []string  // the addresses concerned
	Type       string    // the service's class: for SES a bounce's "Permanent/General", a complaint's "abuse"
	At         time.Time // when the service reported it
}

// Permanent reports whether the event says the address will never take mail: a complaint, or a
// bounce the service calls permanent (a hard bounce).
func (e MailEvent) Permanent() bool {
	return e.Kind == MailComplained || strings.HasPrefix(e.Type, "Permanent")
}

// MailProblem records that mail to a recipient bounced or was complained of.
type MailProblem struct {
	Kind      MailEventKind `json:"kind"`
	Type      string        `json:"type,omitempty"`
	MessageID string        `json:"messageId,omitempty"`
	At        time.Time     `json:"at"`
	// Permanent: no more mail goes to the address for this booking (MailEvent.Permanent).
	Permanent bool `json:"permanent,omitempty"`
	// Notified: the organizer was told (guests only; an organizer is not told of their own).
	Notified bool `json:"notified,omitempty"`
}

// ApplyMailEvent records ev on the invite of each recipient it names, and reports whether
// anything changed. An organizer who has no invite record (a hand-made room's, who gets only
// notices) gets one. A recipient the booking does not hold is ignored. What is recorded first
// is kept, except that a permanent problem replaces a passing one (a complaint, or a hard
// bounce, after a soft bounce), and the organizer is then told again.
func (b *Booking) ApplyMailEvent(ev MailEvent) bool {
	changed := false
	for _, addr := range ev.Recipients {
		inv := b.InviteFor(addr)
		if inv == nil && addr != "" && strings.EqualFold(addr, b.Details.Organizer.Email) {
			b.Invites = append(b.Invites, Invite{Person: b.Details.Organizer, Organizer: true})
			inv = &b.Invites[len(b.Invites)-1]
		}
		if inv == nil {
			continue
		}
		if p := inv.Problem; p != nil && (p.Permanent || !ev.Permanent()) {
			continue
		}
		inv.Problem = &MailProblem{Kind: ev.Kind, Type: ev.Type, MessageID: ev.MessageID, At: ev.At, Permanent: ev.Permanent()}
		changed = true
	}
	return changed
}

// Unreachable reports whether no more mail may go to email for this booking: a message to it
// was complained of or bounced for good.
func (b *Booking) Unreachable(email string) bool {
	inv := b.InviteFor(email)
	return inv != nil && inv.Problem != nil && inv.Problem.Permanent
}

// ProblemToTell returns the guest whose mail problem the organizer has not been told of, or nil.
func (b *Booking) ProblemToTell() *Invite {
	for i := range b.Invites {
		if inv := &b.Invites[i]; !inv.Organizer && inv.Problem != nil && !inv.Problem.Notified {
			return inv
		}
	}
	return nil
}

// IsKey reports whether s has the shape of a key KeyOf makes.
func IsKey(s string) bool { return len(s) == keyLen && allKeyChars(s) }
