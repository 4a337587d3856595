package dialin_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		{name: "the plan rejects it", payload: `{"number":"111-867-5309","region":"US"}`, want: dialin.Answer{Invalid: "normalize phone number (region \"US\"): not a valid number: invalid phone number"}},
		{name: "empty number", payload: `{"number":"","region":"US"}`, want: dialin.Answer{Invalid: "normalize phone number: empty: invalid phone number"}},

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

// TestAnswerShape pins the JSON both sides speak: exactly one field, named as documented.
func TestAnswerShape(t *testing.T) {
	for _, tt := range []struct {
		a    dialin.Answer
		want string
	}{
		{dialin.Answer{E164: "+12125550142"}, `{"e164":"+12125550142"}`},
		{dialin.Answer{Invalid: "not a valid number"}, `{"invalid":"not a valid number"}`},
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
