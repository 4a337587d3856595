package dialin_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/lambda/dialin"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
)

func TestHandle(t *testing.T) {
	h := &dialin.Handler{Normalize: phone.Normalize}
	tests := []struct {
		name, payload string
		want          dialin.Answer
		wantErr       string // the function error; empty: an answer is expected
	}{
		{name: "national", payload: `{"number":"(212) 555-0142","region":"US"}`, want: dialin.Answer{E164: "+12125550142"}},
		{name: "international without region", payload: `{"number":"+44 20 7946 0018"}`, want: dialin.Answer{E164: "+442079460018"}},
		{name: "the plan rejects it", payload: `{"number":"111-867-5309","region":"US"}`, want: dialin.Answer{
			Reason:  "normalize phone number (region \"US\"): not a valid number",
			Invalid: "normalize phone number (region \"US\"): not a valid number: invalid phone number",
		}},
		{name: "empty number", payload: `{"number":"","region":"US"}`, want: dialin.Answer{
			Reason:  "normalize phone number: empty",
			Invalid: "normalize phone number: empty: invalid phone number",
		}},

		{name: "no number", payload: `{"region":"US"}`, wantErr: `dialin: the request has no "number"`},
		{name: "null", payload: `null`, wantErr: `dialin: the request has no "number"`},
		{name: "number of the wrong type", payload: `{"number":2125550142,"region":"US"}`, wantErr: `dialin: decode the request: "number" is a JSON number, not a string`},
		{name: "region of the wrong type", payload: `{"number":"212","region":["US"]}`, wantErr: `dialin: decode the request: "region" is a JSON array, not a string`},
		{name: "unknown field", payload: `{"number":"212","country":"US"}`, wantErr: `dialin: decode the request: json: unknown field "country"`},
		{name: "not an object", payload: `["212-555-0142"]`, wantErr: `dialin: decode the request: the request is a JSON array, not an object`},
		{name: "not JSON", payload: `{"number":+12125550142}`, wantErr: `dialin: decode the request: not JSON`},
		{name: "two objects", payload: `{"number":"+12125550142"} {}`, wantErr: `dialin: decode the request: data after the JSON object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Handle(context.Background(), json.RawMessage(tt.payload))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), "2125550142", "no number in a function error")
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestAnswerShape pins the JSON both sides speak: the fields named as documented, each only
// when set.
func TestAnswerShape(t *testing.T) {
	for _, tt := range []struct {
		a    dialin.Answer
		want string
	}{
		{dialin.Answer{E164: "+12125550142"}, `{"e164":"+12125550142"}`},
		{dialin.Answer{Reason: "not a valid number", Invalid: "not a valid number: invalid phone number"},
			`{"reason":"not a valid number","invalid":"not a valid number: invalid phone number"}`},
	} {
		got, err := json.Marshal(tt.a)
		require.NoError(t, err)
		assert.JSONEq(t, tt.want, string(got))
	}
	n := "212-555-0142"
	got, err := json.Marshal(dialin.Request{Number: &n, Region: "US"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"number":"212-555-0142","region":"US"}`, string(got))
}

// TestSampleEvent answers events/dialin-number.json as the function receives it.
func TestSampleEvent(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "dialin-number.json"))
	require.NoError(t, err)
	got, err := (&dialin.Handler{Normalize: phone.Normalize}).Handle(context.Background(), raw)
	require.NoError(t, err)
	assert.Equal(t, dialin.Answer{E164: "+12125550142"}, got)
}

// TestAWorkerOfThePreviousVersionReadsTheAnswer: during a deployment a worker of the previous
// version may invoke this function. It decoded only "e164" and "invalid", wanted exactly one of
// them, and took the reason to be "invalid" without the words of booking.ErrInvalidNumber at its
// end: it must read this version's answers as it read its own.
func TestAWorkerOfThePreviousVersionReadsTheAnswer(t *testing.T) {
	h := &dialin.Handler{Normalize: phone.Normalize}
	for payload, want := range map[string]struct{ e164, reason string }{
		`{"number":"(212) 555-0142","region":"US"}`: {e164: "+12125550142"},
		`{"number":"111-867-5309","region":"US"}`:   {reason: "normalize phone number (region \"US\"): not a valid number"},
	} {
		a, err := h.Handle(t.Context(), json.RawMessage(payload))
		require.NoError(t, err)
		raw, err := json.Marshal(a)
		require.NoError(t, err)

		var previous struct {
			E164    string `json:"e164"`
			Invalid string `json:"invalid"`
		}
		require.NoError(t, json.Unmarshal(raw, &previous))
		assert.NotEqual(t, previous.E164 == "", previous.Invalid == "", "exactly one of the two: %s", raw)
		assert.Equal(t, want.e164, previous.E164)
		if want.reason != "" {
			require.True(t, strings.HasSuffix(previous.Invalid, ": "+booking.ErrInvalidNumber.Error()), "%s", raw)
			assert.Equal(t, want.reason, strings.TrimSuffix(previous.Invalid, ": "+booking.ErrInvalidNumber.Error()))
		}
	}
}
