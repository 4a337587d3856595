// Package dialin normalises the providers' dial-in numbers to E.164 for the worker by invoking
// the dialin Lambda function (functions/dialin) synchronously: Lambda's Invoke with the
// RequestResponse invocation type (AWS Lambda API Reference, "Invoke"), carrying the payload of
// shared/lambda/dialin. The worker so does not link the phone-number metadata, which would cost
// every one of its cold starts about 5 ms and its binary 4 MB.
//
// Each answer is kept for the life of the process: Zoom gives every meeting the same global
// dial-in numbers, so a warm worker invokes the function once per distinct number.
package dialin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/lambda/dialin"
)

// callTimeout bounds one Normalize, the SDK's retries included, within the deadline of the
// context it is given (the worker's invocation's): a warm function answers in milliseconds, a
// cold one in tens of them.
const callTimeout = 10 * time.Second

// maxKnown is how many answers a Normalizer keeps; past it, it starts over. A deployment's
// providers give a few dozen distinct numbers.
const maxKnown = 4096

// Normalizer normalises numbers with the dialin function. It is safe for concurrent use.
type Normalizer struct {
	// invoke is the Lambda client's Invoke method value, not the client: the worker renders
	// templates, and text/template's MethodByName would keep every operation of a client
	// reachable from an interface (see shared/aws/dynamo's api).
	invoke   func(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
	function string

	mu    sync.Mutex
	known map[query]dialin.Answer
}

type query struct{ number, region string }

// New returns a Normalizer invoking the function (its name or ARN) with client.
func New(client *lambda.Client, function string) *Normalizer {
	return &Normalizer{invoke: client.Invoke, function: function, known: map[query]dialin.Answer{}}
}

// Normalize returns number, of the ISO 3166 region, in E.164 form, as shared/video/phone.Normalize
// does: a number the numbering plan rejects is an error wrapping a *booking.InvalidNumberError
// with the function's reason (and so booking.ErrInvalidNumber). Any other error (the invocation
// throttled, failed or timed out, ctx done, or the function's error) is temporary and is not
// remembered. The invocation is cancelled with ctx and gives up after callTimeout at the latest.
// Errors never contain the number.
func (n *Normalizer) Normalize(ctx context.Context, number, region string) (string, error) {
	q := query{number, region}
	n.mu.Lock()
	a, ok := n.known[q]
	n.mu.Unlock()
	if !ok {
		var err error
		if a, err = n.ask(ctx, q); err != nil {
			return "", fmt.Errorf("normalize a dial-in number with %s: %w", n.function, err)
		}
		n.mu.Lock()
		if len(n.known) >= maxKnown {
			clear(n.known)
		}
		n.known[q] = a
		n.mu.Unlock()
	}
	if a.Reason != "" {
		return "", fmt.Errorf("normalize a dial-in number with %s: %w", n.function, &booking.InvalidNumberError{Reason: a.Reason})
	}
	return a.E164, nil
}

// ask invokes the function once and returns its answer.
func (n *Normalizer) ask(ctx context.Context, q query) (dialin.Answer, error) {
	payload, err := json.Marshal(dialin.Request{Number: &q.number, Region: q.region})
	if err != nil {
		return dialin.Answer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	out, err := n.invoke(ctx, &lambda.InvokeInput{
		FunctionName:   &n.function,
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        payload,
	})
	if err != nil {
		return dialin.Answer{}, err
	}
	if out.FunctionError != nil {
		// The function's errors name a field or what went wrong, never a number.
		var fe struct {
			Type    string `json:"errorType"`
			Message string `json:"errorMessage"`
		}
		_ = json.Unmarshal(out.Payload, &fe)
		return dialin.Answer{}, fmt.Errorf("function error (%s) %s: %s", *out.FunctionError, fe.Type, fe.Message)
	}
	var a dialin.Answer
	if err := json.Unmarshal(out.Payload, &a); err != nil {
		return dialin.Answer{}, fmt.Errorf("decode the answer: %w", err)
	}
	if a.Reason == "" {
		// A function of the previous version, met during a deployment, gives the whole refusal
		// alone: it is the reason, the words of booking.ErrInvalidNumber then said twice.
		a.Reason = a.Invalid
	}
	if (a.E164 == "") == (a.Reason == "") {
		return dialin.Answer{}, errors.New(`the answer has neither or both of "e164" and "reason"`)
	}
	return a, nil
}
