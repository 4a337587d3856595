package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

func TestRejectionLogCarriesNoAddress(t *testing.T) {
	for _, field := range []string{"bob@example.net", "data.bob@example.net.x", strings.Repeat("f", 10_000)} {
		var logs bytes.Buffer
		w := httptest.NewRecorder()
		WriteError(w, slog.New(slog.NewTextHandler(&logs, nil)), booking.Errorf(booking.Invalid, field, "is not a field of this request"))
		assert.Equal(t, http.StatusBadRequest, w.Code)
		var out map[string]map[string]string
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
		assert.Equal(t, field, out["error"]["field"], "the sender is told which field")
		assert.NotContains(t, logs.String(), "@example.", "the log is not")
		assert.Less(t, logs.Len(), 500, "the log line is bounded")
	}
}

func TestWriteErrorStatusesAndRetryAfter(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		retryAfter string
	}{
		{"forbidden", booking.Errorf(booking.Forbidden, "", "needs the admin role"), http.StatusForbidden, "forbidden", ""},
		{"too many, rounded up", &booking.Error{Code: booking.TooManyRequests, Message: "slow down", RetryAfter: 1500 * time.Millisecond}, http.StatusTooManyRequests, "too_many_requests", "2"},
		{"too many, whole seconds", &booking.Error{Code: booking.TooManyRequests, Message: "slow down", RetryAfter: 3 * time.Second}, http.StatusTooManyRequests, "too_many_requests", "3"},
		{"wrapped", fmt.Errorf("sign in: %w", booking.Errorf(booking.Unauthorized, "", "no")), http.StatusUnauthorized, "unauthorized", ""},
		{"internal", fmt.Errorf("boom"), http.StatusInternalServerError, "internal", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, log, tt.err)
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.status, StatusOf(tt.err))
			assert.Contains(t, w.Body.String(), `"code":"`+tt.code+`"`)
			assert.Equal(t, tt.retryAfter, w.Header().Get("Retry-After"))
		})
	}
}
