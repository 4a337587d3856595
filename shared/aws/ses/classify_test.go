package ses

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

func TestClassify(t *testing.T) {
	operation := func(err error) error {
		return &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: err}
	}
	tests := []struct {
		name      string
		err       error
		permanent bool
		delay     time.Duration
	}{
		{"TooManyRequestsException", operation(&types.TooManyRequestsException{Message: new("Too many requests")}), false, RateDelay},
		{"LimitExceededException", operation(&types.LimitExceededException{Message: new("Limit exceeded")}), false, RateDelay},
		{"ThrottlingException", operation(&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}), false, RateDelay},
		{"sending rate by message", operation(&smithy.GenericAPIError{Code: "SomethingElse", Message: "Maximum sending rate exceeded."}), false, RateDelay},
		{"daily quota", operation(&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Daily message quota exceeded."}), false, QuotaDelay},
		{"MessageRejected", operation(&types.MessageRejected{Message: new("Email address is not verified.")}), true, 0},
		{"MailFromDomainNotVerifiedException", operation(&types.MailFromDomainNotVerifiedException{}), true, 0},
		{"AccountSuspendedException", operation(&types.AccountSuspendedException{}), true, 0},
		{"BadRequestException", operation(&types.BadRequestException{}), true, 0},
		{"NotFoundException", operation(&types.NotFoundException{}), true, 0},
		{"wrapped again", fmt.Errorf("attempt 2: %w", operation(&types.MessageRejected{})), true, 0},
		{"SendingPausedException", operation(&types.SendingPausedException{}), false, 0},
		{"InternalServiceErrorException", operation(&smithy.GenericAPIError{Code: "InternalServiceErrorException"}), false, 0},
		{"not an API error", operation(context.DeadlineExceeded), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			assert.Equal(t, tt.permanent, booking.IsPermanent(got), "IsPermanent(%v)", got)
			assert.Equal(t, tt.delay, booking.RetryDelay(got), "RetryDelay(%v)", got)
			assert.True(t, errors.Is(got, tt.err), "the SDK error stays in the chain")
		})
	}
}

func TestErrorTextHasNoAddress(t *testing.T) {
	err := classify(&types.MessageRejected{Message: new("Email address is not verified. The following identities failed the check in region EU-WEST-1: invites@roomkeeper.test, Bob.Guest+x@mail.example.net")})
	assert.Equal(t, "send message with SES: MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: <address>, <address>", err.Error())
}
