// Package ses is the booking.Mailer on Amazon SES: each message goes out through the SES API v2
// SendEmail operation as Raw content, the exact bytes the invite package rendered (SES API v2
// reference, SendEmail and EmailContent). SES errors are classified for the reconciler:
// throttling and quota errors are temporary with a delay (booking.RetryAfter), refusals retrying
// cannot fix are booking.Permanent, anything else is temporary.
//
// SendEmail has no idempotency token, so a retried Send can deliver twice; the reconciler's
// pending-invite record limits that to a run that stops between SES accepting a message and the
// record being saved.
//
// Every message carries its booking's key as the EmailTag BookingTag. SES publishes a bounce or
// a complaint through the configuration set's event destination with the message's tags (Amazon
// SES Developer Guide, "Monitor email sending using Amazon SES event publishing"); ParseEvent
// reads such an event back into a booking.MailEvent that names the booking.
package ses

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Delays a throttled send asks for. SES returns no Retry-After; it drops a throttled message, and
// AWS advises waiting before sending again.
const (
	// RateDelay follows "Maximum sending rate exceeded" and other per-second throttling.
	RateDelay = time.Minute
	// QuotaDelay follows "Daily message quota exceeded": the quota is a rolling 24 hours, so
	// capacity comes back gradually.
	QuotaDelay = time.Hour
)

type sendEmail = func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

// Mailer sends messages with SES v2. It is safe for concurrent use.
type Mailer struct {
	client           struct{ SendEmail sendEmail } // the client's one call (see dynamo.Store's api)
	configurationSet string
}

var _ booking.Mailer = (*Mailer)(nil)

// New returns a Mailer sending through client. configurationSet, when not empty, is passed as
// ConfigurationSetName so the account's event destinations see every send
// (ROOMKEEPER_SES_CONFIGURATION_SET).
func New(client *sesv2.Client, configurationSet string) *Mailer {
	m := &Mailer{configurationSet: configurationSet}
	m.client.SendEmail = client.SendEmail
	return m
}

// Send sends msg.Raw unchanged as Raw content, with msg.From as the sending identity and msg.To
// as the envelope recipients (when empty, SES takes them from the message's headers), and returns
// the SES MessageId. Errors are classified as the package comment says; their text never contains
// an e-mail address.
func (m *Mailer) Send(ctx context.Context, msg booking.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("send message with SES: %w", err)
	}
	if len(msg.Raw) == 0 {
		return "", booking.Permanent(errors.New("send message with SES: empty message"))
	}
	in := &sesv2.SendEmailInput{Content: &types.EmailContent{Raw: &types.RawMessage{Data: msg.Raw}}}
	if len(msg.To) > 0 {
		in.Destination = &types.Destination{ToAddresses: msg.To}
	}
	if msg.From != "" {
		in.FromEmailAddress = &msg.From
	}
	if m.configurationSet != "" {
		in.ConfigurationSetName = &m.configurationSet
	}
	if msg.Key != "" {
		in.EmailTags = []types.MessageTag{{Name: aws.String(BookingTag), Value: aws.String(msg.Key)}}
	}
	out, err := m.client.SendEmail(ctx, in)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return "", fmt.Errorf("send message with SES: %w", cerr)
		}
		return "", classify(err)
	}
	if out.MessageId == nil || *out.MessageId == "" {
		return "", errors.New("send message with SES: no message id in the answer")
	}
	return *out.MessageId, nil
}

// classify wraps an error of the SES v2 API for the reconciler:
//   - throttling (TooManyRequestsException, ThrottlingException, LimitExceededException, or a
//     message saying "Maximum sending rate exceeded") → booking.RetryAfter with RateDelay, or
//     QuotaDelay when the daily quota is what ran out;
//   - MessageRejected, MailFromDomainNotVerifiedException, AccountSuspendedException,
//     BadRequestException, NotFoundException → booking.Permanent;
//   - anything else (5xx, network, sending paused) → temporary.
//
// The result's text never contains an e-mail address: SES names unverified identities in its
// messages, and failure text is logged and shown to organizers.
func classify(err error) error {
	err = &sendError{err: err}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return err
	}
	msg := strings.ToLower(api.ErrorMessage())
	switch code := api.ErrorCode(); {
	case strings.Contains(msg, "daily message quota exceeded"):
		return booking.RetryAfter(err, QuotaDelay)
	case code == "TooManyRequestsException", code == "ThrottlingException", code == "Throttling",
		code == "LimitExceededException", strings.Contains(msg, "maximum sending rate exceeded"):
		return booking.RetryAfter(err, RateDelay)
	case code == "MessageRejected", code == "MailFromDomainNotVerifiedException",
		code == "AccountSuspendedException", code == "BadRequestException", code == "NotFoundException":
		return booking.Permanent(err)
	}
	return err
}

// sendError is a failed SendEmail. Its text has e-mail addresses blanked; Unwrap still reaches the
// SDK's error for errors.As.
type sendError struct{ err error }

func (e *sendError) Error() string {
	return "send message with SES: " + booking.RedactAddresses(e.err.Error())
}

func (e *sendError) Unwrap() error { return e.err }
