// Package dialin is the dialin Lambda function's handler and the payload it speaks, which the
// worker's client (shared/aws/dialin) sends and reads: one dial-in number and its ISO 3166 region
// in, its E.164 form (ITU-T E.164) or the numbering plan's refusal out. The function exists so
// that only it links the phone-number metadata (shared/video/phone), which costs milliseconds and
// megabytes of every cold start; the worker invokes it synchronously where it makes rooms.
//
// The payload is JSON, as Lambda's Invoke API carries it ("Invoke", AWS Lambda API Reference):
//
//	request  {"number": "(212) 555-0142", "region": "US"}
//	answer   {"e164": "+12125550142"}
//	    or   {"reason": "<why, naming no digit>", "invalid": "<why>: invalid phone number"}
//
// A request that is not that shape is a function error naming the field; a number the plan
// rejects is an answer, not an error, so the caller can tell it from a failed invocation.
//
// During a deployment a worker of one version may invoke a function of the other, so each
// version reads the other's answers. "reason" is new; "invalid", the whole refusal, is what a
// worker of the previous version reads (it drops the words of booking.ErrInvalidNumber from its
// end), and a worker reads an answer with "invalid" alone, a function of the previous version's,
// taking the whole refusal for the reason. Once no worker of the previous version runs, the next
// version may drop "invalid".
package dialin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Request asks for one number in E.164 form.
type Request struct {
	// Number is the number as a provider gives it, national or international ("+…"). Required;
	// an empty one is the numbering plan's to refuse.
	Number *string `json:"number"`
	// Region is the ISO 3166 alpha-2 code a national number is read in; ignored for "+…".
	Region string `json:"region,omitempty"`
}

// Answer is the function's answer to a Request: E164, or Reason with Invalid.
type Answer struct {
	E164 string `json:"e164,omitempty"`
	// Reason is why the numbering plan rejects the number: a booking.InvalidNumberError's.
	Reason string `json:"reason,omitempty"`
	// Invalid is the whole refusal, Reason and the words of booking.ErrInvalidNumber, for a
	// worker of the previous version, which reads only it (see the package comment).
	Invalid string `json:"invalid,omitempty"`
}

// Handler answers Requests with Normalize.
type Handler struct {
	// Normalize is shared/video/phone.Normalize: a number it rejects is a
	// *booking.InvalidNumberError, and its errors never contain the number.
	Normalize func(ctx context.Context, number, region string) (string, error)
}

// Handle decodes payload strictly (unknown fields, a field of the wrong type or trailing data
// are errors naming what is wrong) and answers it.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (Answer, error) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return Answer{}, fmt.Errorf("dialin: decode the request: %w", unquoted(err))
	}
	if dec.More() {
		return Answer{}, errors.New("dialin: decode the request: data after the JSON object")
	}
	if req.Number == nil {
		return Answer{}, errors.New(`dialin: the request has no "number"`)
	}
	e164, err := h.Normalize(ctx, *req.Number, req.Region)
	var invalid *booking.InvalidNumberError
	if errors.As(err, &invalid) {
		return Answer{Reason: invalid.Reason, Invalid: invalid.Error()}, nil
	}
	if err != nil {
		return Answer{}, fmt.Errorf("dialin: %w", err)
	}
	return Answer{E164: e164}, nil
}

// unquoted keeps a decoding error's words but not the value it quotes: a number in the wrong
// place must not reach the function's error, which Lambda logs.
func unquoted(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field == "" {
		return fmt.Errorf("the request is a JSON %s, not an object", typ.Value)
	}
	if errors.As(err, &typ) {
		return fmt.Errorf("%q is a JSON %s, not a %s", typ.Field, typ.Value, typ.Type)
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("not JSON (offset %d)", syn.Offset)
	}
	return err
}
