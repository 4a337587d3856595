package ses

import (
	"encoding/json"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// BookingTag is the name of the EmailTag every message carries: its value is the key of the
// booking the message is about (booking.Message.Key). SES hands the message's tags back in the
// "mail" object of the events it publishes through the configuration set, which is how a bounce
// or a complaint finds its booking.
const BookingTag = "roomkeeper-booking"

// event is an SES event record as SES publishes it to an Amazon SNS topic, and as SNS delivers it
// to an SQS queue with raw message delivery ("Contents of event data that Amazon SES publishes to
// Amazon SNS", https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html).
// Only the members roomkeeper reads are declared; the others are ignored.
type event struct {
	EventType *string `json:"eventType"`
	// NotificationType is the name of the type in the feedback notifications an identity sends
	// without event publishing; those carry no tags.
	NotificationType *string `json:"notificationType"`
	Mail             *struct {
		MessageID string              `json:"messageId"`
		Timestamp string              `json:"timestamp"`
		Tags      map[string][]string `json:"tags"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string      `json:"bounceType"`
		BounceSubType     string      `json:"bounceSubType"`
		BouncedRecipients []recipient `json:"bouncedRecipients"`
		Timestamp         string      `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients  []recipient `json:"complainedRecipients"`
		ComplaintFeedbackType string      `json:"complaintFeedbackType"`
		ComplaintSubType      *string     `json:"complaintSubType"`
		Timestamp             string      `json:"timestamp"`
	} `json:"complaint"`
}

type recipient struct {
	EmailAddress string `json:"emailAddress"`
}

// classPattern is what SES's classes look like (Permanent, OnAccountSuppressionList, abuse): the
// only part of an event besides the booking's key and the addresses that is kept. Their length
// (at most 40) is checked apart by isClass: a counted repetition compiles to a copy per count at
// every cold start.
var classPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`) })

// isClass reports whether s looks like an SES class.
func isClass(s string) bool { return len(s) <= 40 && classPattern().MatchString(s) }

// ParseEvent reads a body of the work queue that may be an SES event record. It returns:
//   - for a Bounce or Complaint event of a message that carries BookingTag with a booking key,
//     the event as a booking.MailEvent and ok;
//   - ok false and no error for every other SES event record: another event type, or a message
//     without roomkeeper's tag (another sender's mail through a shared configuration set, or a
//     feedback notification of the identity, which carries no tags). The worker acknowledges
//     those;
//   - a booking.Invalid error, which names the member at fault but never repeats the body, when
//     the body is no SES event record, or is a Bounce or Complaint of roomkeeper's without its
//     recipients.
//
// The event's Type is the bounce's "bounceType/bounceSubType" ("Permanent/General"), or the
// complaint's feedback type ("abuse") or sub-type ("OnAccountSuppressionList"); a value that does
// not look like one of SES's classes is left out.
func ParseEvent(body []byte) (booking.MailEvent, bool, error) {
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil || (ev.EventType == nil && ev.NotificationType == nil) || ev.Mail == nil {
		return booking.MailEvent{}, false, booking.Errorf(booking.Invalid, "body", "not an SES event record")
	}
	if ev.EventType == nil {
		return booking.MailEvent{}, false, nil // a feedback notification: no tags, not ours to match
	}
	var key string
	if tags := ev.Mail.Tags[BookingTag]; len(tags) > 0 {
		key = tags[0]
	}
	if !booking.IsKey(key) {
		return booking.MailEvent{}, false, nil
	}
	out := booking.MailEvent{Key: key, MessageID: ev.Mail.MessageID}
	var rcpts []recipient
	var stamp string
	switch *ev.EventType {
	case "Bounce":
		if ev.Bounce == nil {
			return booking.MailEvent{}, false, booking.Errorf(booking.Invalid, "bounce", "a Bounce event without its bounce")
		}
		out.Kind = booking.MailBounced
		if isClass(ev.Bounce.BounceType) {
			out.Type = ev.Bounce.BounceType
			if isClass(ev.Bounce.BounceSubType) {
				out.Type += "/" + ev.Bounce.BounceSubType
			}
		}
		rcpts, stamp = ev.Bounce.BouncedRecipients, ev.Bounce.Timestamp
	case "Complaint":
		if ev.Complaint == nil {
			return booking.MailEvent{}, false, booking.Errorf(booking.Invalid, "complaint", "a Complaint event without its complaint")
		}
		out.Kind = booking.MailComplained
		if st := ev.Complaint.ComplaintSubType; st != nil && isClass(*st) {
			out.Type = *st
		} else if isClass(ev.Complaint.ComplaintFeedbackType) {
			out.Type = ev.Complaint.ComplaintFeedbackType
		}
		rcpts, stamp = ev.Complaint.ComplainedRecipients, ev.Complaint.Timestamp
	default:
		return booking.MailEvent{}, false, nil // Send, Delivery…: not subscribed, not acted on
	}
	for _, r := range rcpts {
		if addr := address(r.EmailAddress); addr != "" {
			out.Recipients = append(out.Recipients, addr)
		}
	}
	if len(out.Recipients) == 0 {
		return booking.MailEvent{}, false, booking.Errorf(booking.Invalid, string(out.Kind)+"Recipients", "no recipient in a %s event", *ev.EventType)
	}
	for _, s := range []string{stamp, ev.Mail.Timestamp} {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			out.At = t.UTC()
			break
		}
	}
	return out, true, nil
}

// address returns the bare address of an SES recipient, which may come with a display name.
func address(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "<\"") {
		if a, err := mail.ParseAddress(s); err == nil {
			return a.Address
		}
	}
	return s
}
