package eventfile

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// apigwEvent is the part of an HTTP API v2 event the tests read.
type apigwEvent struct {
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	RequestContext  struct {
		Time      string `json:"time"`
		TimeEpoch int64  `json:"timeEpoch"`
		RequestID string `json:"requestId"`
		Stage     string `json:"stage"`
	} `json:"requestContext"`
	PathParameters map[string]string `json:"pathParameters"`
}

// verify checks the event's signature the way the bookings function does.
func verify(t *testing.T, ev apigwEvent, secret string, now time.Time) string {
	t.Helper()
	h := http.Header{}
	for k, v := range ev.Headers {
		h[http.CanonicalHeaderKey(k)] = []string{v}
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		body, err = base64.StdEncoding.DecodeString(ev.Body)
		require.NoError(t, err)
	}
	id, err := stdwebhook.Verify(secret, h, body, now, 5*time.Minute)
	require.NoError(t, err)
	return id
}

func TestSignAPIGatewaySample(t *testing.T) {
	secret, err := stdwebhook.NewSecret()
	require.NoError(t, err)
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "apigw-booking-created.json"))
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	expanded, err := Expand(raw, Vars{Now: now, Run: "r1"})
	require.NoError(t, err)
	signed, err := SignAPIGateway(expanded, secret, "msg_1", now)
	require.NoError(t, err)

	var ev apigwEvent
	require.NoError(t, json.Unmarshal(signed, &ev))
	assert.Equal(t, "msg_1", verify(t, ev, secret, now))
	assert.Equal(t, "1795341600", ev.Headers["webhook-timestamp"])
	assert.Equal(t, "application/json", ev.Headers["content-type"], "the sample's headers are kept")
	assert.Equal(t, "22/Nov/2026:10:00:00 +0000", ev.RequestContext.Time)
	assert.Equal(t, now.UnixMilli(), ev.RequestContext.TimeEpoch)
	assert.Equal(t, "sample-r1", ev.RequestContext.RequestID)
	assert.Equal(t, "$default", ev.RequestContext.Stage)
	assert.Equal(t, map[string]string{"source": "generic"}, ev.PathParameters)

	// The body is the booking-created sample, expanded.
	var body struct {
		Type string `json:"type"`
		Data struct {
			BookingID string `json:"bookingId"`
			Start     string `json:"start"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(ev.Body), &body))
	assert.Equal(t, "booking.created", body.Type)
	assert.Equal(t, "demo-r1", body.Data.BookingID)
	assert.Equal(t, "2026-11-23T10:00:00Z", body.Data.Start)
	assert.Equal(t, len(ev.Body), atoi(t, ev.Headers["content-length"]))
}

func TestSignAPIGateway(t *testing.T) {
	secret, err := stdwebhook.NewSecret()
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	// Bytes a re-encoding would change: spacing, an escaped slash, "\u003c", a trailing newline.
	body := "{\"a\" :  \"x \\/ \\u003c\"}\n"
	tests := []struct {
		name    string
		event   map[string]any
		wantErr string
	}{
		{"plain body", map[string]any{"body": body, "headers": map[string]any{"x-other": "kept"}}, ""},
		{"base64 body", map[string]any{"body": base64.StdEncoding.EncodeToString([]byte(body)), "isBase64Encoded": true}, ""},
		{"no headers or request context", map[string]any{"body": body}, ""},
		{"no body", map[string]any{"headers": map[string]any{}}, `no string member "body"`},
		{"bad base64", map[string]any{"body": "!!", "isBase64Encoded": true}, "not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tt.event)
			require.NoError(t, err)
			signed, err := SignAPIGateway(raw, secret, "msg_2", now)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			var ev apigwEvent
			require.NoError(t, json.Unmarshal(signed, &ev))
			assert.Equal(t, "msg_2", verify(t, ev, secret, now), "the signature covers the body's exact bytes")
			assert.Equal(t, tt.event["body"], ev.Body, "the body is unchanged")
			if h, ok := tt.event["headers"].(map[string]any); ok && h["x-other"] != nil {
				assert.Equal(t, "kept", ev.Headers["x-other"])
			}
		})
	}

	_, err = SignAPIGateway([]byte(`{"body":"{}"}`), "not-a-secret!", "msg_3", now)
	assert.Error(t, err, "a malformed secret")
	_, err = SignAPIGateway([]byte(`[1]`), secret, "msg_3", now)
	assert.Error(t, err, "not an object")
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	require.NoError(t, json.Unmarshal([]byte(s), &n))
	return n
}
