package booking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// HeaderValues returns the values of header name under any spelling of the name: net/http
// canonicalises names, while a header map built from API Gateway's event has them lower-cased.
// The order across spellings is unspecified. h is an http.Header (the core does not import
// net/http).
func HeaderValues(h map[string][]string, name string) []string {
	var vs []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			vs = append(vs, v...)
		}
	}
	return vs
}

// UnixTimestamp reads the timestamp a webhook signature covers: unix seconds in decimal digits,
// without sign, space or fraction. A malformed one is an Unauthorized *Error whose message says
// where it was sent (where, such as "webhook-timestamp header").
func UnixTimestamp(where, s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strings.TrimLeft(s, "0123456789") != "" {
		return 0, Errorf(Unauthorized, "", "malformed %s: want unix seconds", where)
	}
	return n, nil
}

// TimestampSignature is the "t=<unix seconds>,v1=<lowercase hex MAC>" signature header Calendly
// and Whereby both send (the scheme Stripe made common), for a delivery of body sent at t, keyed
// with secret's UTF-8 bytes. Each verifier parses the header its vendor's way; the MAC is
// TimestampMAC.
func TimestampSignature(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(TimestampMAC(secret, ts, body))
}

// TimestampMAC is HMAC-SHA256 (RFC 2104) over "<ts>.<body>", ts exactly as the header carries it.
func TimestampMAC(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
