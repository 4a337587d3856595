package accesstoken

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

func TestReadGrant(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ep := Endpoint{Name: "acme", Credentials: "the client credentials", Check: "ACME_CLIENT_ID", Throttle: 7 * time.Second}
	answer := func(status int, body string, header ...string) rest.Answer {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return rest.Answer{Status: status, Header: h, Body: []byte(body)}
	}

	t.Run("a token and its lifetime", func(t *testing.T) {
		tok, ttl, err := readGrant(answer(200, `{"access_token":"tk","token_type":"bearer","expires_in":1800}`), &ep, now)
		require.NoError(t, err)
		assert.Equal(t, "tk", tok)
		assert.Equal(t, 30*time.Minute, ttl)
	})
	t.Run("no expires_in is an hour", func(t *testing.T) {
		_, ttl, err := readGrant(answer(200, `{"access_token":"tk"}`), &ep, now)
		require.NoError(t, err)
		assert.Equal(t, time.Hour, ttl)
	})
	t.Run("200 without a token is temporary", func(t *testing.T) {
		_, _, err := readGrant(answer(200, `<html>maintenance</html>`), &ep, now)
		require.Error(t, err)
		assert.False(t, booking.IsPermanent(err))
	})
	t.Run("429 with and without Retry-After", func(t *testing.T) {
		_, _, err := readGrant(answer(429, ``, "Retry-After", "30"), &ep, now)
		require.Error(t, err)
		assert.Equal(t, 30*time.Second, booking.RetryDelay(err))
		_, _, err = readGrant(answer(429, ``), &ep, now)
		assert.Equal(t, 7*time.Second, booking.RetryDelay(err), "the endpoint's throttle")
		assert.False(t, booking.IsPermanent(err))
	})
	t.Run("5xx is temporary", func(t *testing.T) {
		_, _, err := readGrant(answer(503, `{}`), &ep, now)
		require.EqualError(t, err, "acme answered 503")
		assert.False(t, booking.IsPermanent(err))
	})
	t.Run("a refusal is permanent and names only the error code", func(t *testing.T) {
		_, _, err := readGrant(answer(401, `{"error":"invalid_client","error_description":"bad secret s3cr3t"}`), &ep, now)
		require.Error(t, err)
		assert.True(t, booking.IsPermanent(err))
		assert.Contains(t, err.Error(), "acme rejected the client credentials (401 invalid_client); check ACME_CLIENT_ID")
		assert.NotContains(t, err.Error(), "s3cr3t")
	})
	t.Run("a long error code is cut", func(t *testing.T) {
		_, _, err := readGrant(answer(400, `{"error":"`+strings.Repeat("x", 100)+`"}`), &ep, now)
		assert.Contains(t, err.Error(), "(400 "+strings.Repeat("x", 40)+"…)")
	})
}

func TestEndpointFetch(t *testing.T) {
	var got *http.Request
	var form url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		require.NoError(t, r.ParseForm())
		form = r.PostForm
		fmt.Fprint(w, `{"access_token":"tk","expires_in":1800}`)
	}))
	defer srv.Close()
	ep := func(inQuery bool) *Endpoint {
		return &Endpoint{
			Name: "acme", Credentials: "the client credentials", Check: "ACME_CLIENT_ID", Throttle: time.Second,
			URL: srv.URL + "/oauth/token", ClientID: "id", ClientSecret: "s3cr3t",
			Params: url.Values{"grant_type": {"client_credentials"}}, InQuery: inQuery,
			HTTPClient: srv.Client(), Now: time.Now,
		}
	}

	t.Run("a POST form with HTTP Basic auth", func(t *testing.T) {
		tok, ttl, err := ep(false).Fetch(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "tk", tok)
		assert.Equal(t, 30*time.Minute, ttl)
		assert.Equal(t, http.MethodPost, got.Method)
		id, secret, ok := got.BasicAuth()
		assert.True(t, ok)
		assert.Equal(t, "id", id)
		assert.Equal(t, "s3cr3t", secret)
		assert.Equal(t, "grant_type=client_credentials", form.Encode())
		assert.Empty(t, got.URL.RawQuery)
		assert.Equal(t, "application/json", got.Header.Get("Accept"))
	})
	t.Run("a GET with everything in the query string", func(t *testing.T) {
		_, _, err := ep(true).Fetch(t.Context())
		require.NoError(t, err)
		assert.Equal(t, http.MethodGet, got.Method)
		assert.Equal(t, "/oauth/token", got.URL.Path)
		assert.Equal(t, "client_id=id&client_secret=s3cr3t&grant_type=client_credentials", got.URL.RawQuery)
		_, _, ok := got.BasicAuth()
		assert.False(t, ok)
	})
	t.Run("errors carry nothing of the URL", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		e := ep(true)
		e.URL = down.URL + "/oauth/token"
		_, _, err := e.Fetch(t.Context())
		require.Error(t, err)
		assert.False(t, booking.IsPermanent(err), "a refused connection is temporary")
		assert.True(t, strings.HasPrefix(err.Error(), "acme: get access token: token request: "), "%q", err)
		assert.NotContains(t, err.Error(), "s3cr3t")
		assert.NotContains(t, err.Error(), "oauth")

		e.URL = "http://[::1/oauth/token"
		_, _, err = e.Fetch(t.Context())
		require.EqualError(t, err, "acme: get access token: build the token request: the token URL is not valid")
		assert.True(t, booking.IsPermanent(err))
	})
}
