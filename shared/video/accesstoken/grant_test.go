package accesstoken

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

func TestReadGrant(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ep := Endpoint{Name: "acme", Credentials: "the client credentials", Check: "ACME_CLIENT_ID", Throttle: 7 * time.Second}
	answer := func(status int, body string, header ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
	}

	t.Run("a token and its lifetime", func(t *testing.T) {
		tok, ttl, err := ReadGrant(answer(200, `{"access_token":"tk","token_type":"bearer","expires_in":1800}`), ep, now)
		require.NoError(t, err)
		assert.Equal(t, "tk", tok)
		assert.Equal(t, 30*time.Minute, ttl)
	})
	t.Run("no expires_in is an hour", func(t *testing.T) {
		_, ttl, err := ReadGrant(answer(200, `{"access_token":"tk"}`), ep, now)
		require.NoError(t, err)
		assert.Equal(t, time.Hour, ttl)
	})
	t.Run("200 without a token is temporary", func(t *testing.T) {
		_, _, err := ReadGrant(answer(200, `<html>maintenance</html>`), ep, now)
		require.Error(t, err)
		assert.False(t, booking.IsPermanent(err))
	})
	t.Run("429 with and without Retry-After", func(t *testing.T) {
		_, _, err := ReadGrant(answer(429, ``, "Retry-After", "30"), ep, now)
		require.Error(t, err)
		assert.Equal(t, 30*time.Second, booking.RetryDelay(err))
		_, _, err = ReadGrant(answer(429, ``), ep, now)
		assert.Equal(t, 7*time.Second, booking.RetryDelay(err), "the endpoint's throttle")
		assert.False(t, booking.IsPermanent(err))
	})
	t.Run("5xx is temporary", func(t *testing.T) {
		_, _, err := ReadGrant(answer(503, `{}`), ep, now)
		require.EqualError(t, err, "acme answered 503")
		assert.False(t, booking.IsPermanent(err))
	})
	t.Run("a refusal is permanent and names only the error code", func(t *testing.T) {
		_, _, err := ReadGrant(answer(401, `{"error":"invalid_client","error_description":"bad secret s3cr3t"}`), ep, now)
		require.Error(t, err)
		assert.True(t, booking.IsPermanent(err))
		assert.Contains(t, err.Error(), "acme rejected the client credentials (401 invalid_client); check ACME_CLIENT_ID")
		assert.NotContains(t, err.Error(), "s3cr3t")
	})
	t.Run("a long error code is cut", func(t *testing.T) {
		_, _, err := ReadGrant(answer(400, `{"error":"`+strings.Repeat("x", 100)+`"}`), ep, now)
		assert.Contains(t, err.Error(), "(400 "+strings.Repeat("x", 40)+"…)")
	})
}
