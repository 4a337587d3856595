// Command dialin is the Lambda function that normalises the providers' dial-in numbers to E.164
// (shared/lambda/dialin over shared/video/phone). The worker invokes it synchronously
// (shared/aws/dialin) where it makes rooms, so that only this function links the phone-number
// metadata, which costs milliseconds and megabytes of every cold start: it needs no
// configuration, no AWS client and no secret, and logs nothing of its own (a number must never
// reach a log).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/roomkeeper/roomkeeper/shared/lambda/dialin"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
)

func main() {
	h := &dialin.Handler{Normalize: phone.Normalize}
	lambda.Start(h.Handle)
}
