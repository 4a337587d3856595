package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/roomkeeper/roomkeeper/shared/access"
)

// ClientAddr returns the IP address a request came from, for the limiter of failed tokens
// (access.ClientKey): the peer of the connection, r.RemoteAddr. Behind API Gateway that is the
// HTTP API's requestContext.http.sourceIp (shared/lambda/apigw puts it there), the address API
// Gateway itself saw; locally, the loopback peer. Headers such as X-Forwarded-For, which any
// client can write, are never read.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// SessionCookie is the name of the console's session cookie; its value is the session's ID.
const SessionCookie = "roomkeeper_session"

// SetSessionCookie sets the cookie naming session s on the answer to r: HttpOnly, SameSite
// Strict, Path /console, and Secure unless r came over plain HTTP to a loopback address (the
// local server, which has no TLS). It has no Max-Age: the browser keeps it until it closes, and
// the server ends the session after access.DefaultIdleTimeout unused.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, s access.Session) {
	http.SetCookie(w, sessionCookie(r, s.ID, 0))
}

// ClearSessionCookie deletes the session cookie (at sign-out).
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, sessionCookie(r, "", -1))
}

// SessionID returns the session ID r's cookie names, "" when it has none.
func SessionID(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

func sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return ConsoleCookie(r, SessionCookie, value, maxAge)
}

// ConsoleCookie returns a cookie of the console's named name, for the answer to r, with the
// session cookie's attributes: HttpOnly, SameSite Strict, Path /console, and Secure unless r came
// over plain HTTP to a loopback address. maxAge is http.Cookie's (0: until the browser closes;
// negative: delete it now).
func ConsoleCookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/console",
		MaxAge:   maxAge,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   !plainLoopback(r),
	}
}

// plainLoopback reports whether r came over plain HTTP to a loopback host.
func plainLoopback(r *http.Request) bool {
	if r.TLS != nil {
		return false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}
