// Package nudge is the body of a message on roomkeeper's work queue: the JSON object
// {"key":"<booking key>"} nudging the worker to reconcile a booking, {"reap":true} asking it
// to delete the provider rooms no booking references, or {"slack":{…}} carrying a job the Slack
// app left after answering (roomsapp.Job of shared/chat/roomsapp, which the worker runs). shared/aws/sqs sends them; the worker
// Lambda, which gets them from the SQS event source, reads them with Decode and links no SQS
// client (its generated tables would cost every cold start about 1 ms and 240 KB).
package nudge

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Message is a queue message: the key of a booking to reconcile; with Reap, a request to
// delete the provider rooms no booking references (reconcile.Reconciler.Reap); or with Slack,
// a job of the Slack app, as JSON (its runner decodes it).
type Message struct {
	Key   string          `json:"key,omitempty"`
	Reap  bool            `json:"reap,omitempty"`
	Slack json.RawMessage `json:"slack,omitempty"`
}

// Body returns the message's body as Decode reads it.
func (m Message) Body() string {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // a string, a bool and a JSON object always marshal
	}
	return string(b)
}

// Decode decodes a message body. It accepts exactly one JSON object with one member, matched
// case-sensitively: "key" holding a string in the form booking.KeyOf makes, "reap" holding true,
// or "slack" holding an object; and nothing after it but white space. Anything else is a
// booking.Invalid error, whose text does not repeat the body.
func Decode(body string) (Message, error) {
	if job, ok := slackJob(body); ok {
		return Message{Slack: job}, nil
	}
	dec := json.NewDecoder(strings.NewReader(body))
	var tokens [4]json.Token
	for i := range tokens {
		tok, err := dec.Token()
		if err != nil {
			return Message{}, invalidBody("not a JSON object with one member, \"key\" or \"reap\": %v", err)
		}
		tokens[i] = tok
	}
	var m Message
	switch {
	case tokens[0] != json.Delim('{') || tokens[3] != json.Delim('}'):
		return Message{}, invalidBody(`not a JSON object with one member, "key" or "reap"`)
	case tokens[1] == "reap":
		if tokens[2] != true {
			return Message{}, invalidBody("reap is not true")
		}
		m.Reap = true
	case tokens[1] == "key":
		key, isString := tokens[2].(string)
		switch {
		case !isString:
			return Message{}, invalidBody("key is not a string")
		case !ValidKey(key):
			return Message{}, invalidBody("key is not a booking key")
		}
		m.Key = key
	default:
		return Message{}, invalidBody(`not a JSON object with one member, "key" or "reap"`)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Message{}, invalidBody("data after the JSON object")
	}
	return m, nil
}

// slackJob reads a body that is exactly {"slack": {…}}.
func slackJob(body string) (json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &m) != nil || len(m) != 1 {
		return nil, false
	}
	job, ok := m["slack"]
	return job, ok && len(job) > 0 && job[0] == '{'
}

func invalidBody(format string, args ...any) error {
	return fmt.Errorf("decode queue message: %w", booking.Errorf(booking.Invalid, "body", format, args...))
}

// keyLen is the length of every key booking.KeyOf returns.
var keyLen = len(booking.KeyOf("", ""))

// ValidKey reports whether key has the shape of booking.KeyOf's keys: keyLen characters of the
// lowercase base32 alphabet.
func ValidKey(key string) bool {
	if len(key) != keyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}
