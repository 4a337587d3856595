package httpapi

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
)

func TestClientAddrIsThePeerNeverAHeader(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/v1/rooms", nil)
	r.RemoteAddr = "198.51.100.7:51234"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	r.Header.Set("X-Real-Ip", "203.0.113.9")
	assert.Equal(t, "198.51.100.7", ClientAddr(r))
	r.RemoteAddr = "[2001:db8::1]:443"
	assert.Equal(t, "2001:db8::1", ClientAddr(r))
	r.RemoteAddr = "odd"
	assert.Equal(t, "odd", ClientAddr(r))
}

func TestSessionCookie(t *testing.T) {
	tests := []struct {
		name   string
		host   string
		tls    bool
		secure bool
	}{
		{"local server", "127.0.0.1:8080", false, false},
		{"localhost", "localhost:8080", false, false},
		{"ipv6 loopback", "[::1]:8080", false, false},
		{"API Gateway", "abc123.execute-api.eu-west-1.amazonaws.com", false, true},
		{"custom domain", "rooms.example.com", false, true},
		{"loopback over TLS", "127.0.0.1:8443", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/console/sign-in", nil)
			r.Host = tt.host
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			SetSessionCookie(w, r, access.Session{ID: "session-id"})
			cookies := w.Result().Cookies()
			require.Len(t, cookies, 1)
			c := cookies[0]
			assert.Equal(t, SessionCookie, c.Name)
			assert.Equal(t, "session-id", c.Value)
			assert.True(t, c.HttpOnly)
			assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
			assert.Equal(t, "/console", c.Path)
			assert.Equal(t, tt.secure, c.Secure)
			assert.Zero(t, c.MaxAge, "a browser-session cookie; the server ends the session when idle")

			back := httptest.NewRequest(http.MethodGet, "/console", nil)
			back.AddCookie(c)
			assert.Equal(t, "session-id", SessionID(back))
		})
	}
	w := httptest.NewRecorder()
	ClearSessionCookie(w, httptest.NewRequest(http.MethodPost, "/console/sign-out", nil))
	c := w.Result().Cookies()[0]
	assert.Equal(t, -1, c.MaxAge)
	assert.Empty(t, c.Value)
	assert.Empty(t, SessionID(httptest.NewRequest(http.MethodGet, "/console", nil)))
}
