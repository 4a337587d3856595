// Package stdwebhook verifies and signs webhooks as Standard Webhooks v1.0.0 specifies
// (https://github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md): headers
// webhook-id, webhook-timestamp and webhook-signature, the signature a space-separated list of
// "v1,<base64 HMAC-SHA256>" over "id.timestamp.body", the secret written "whsec_<base64>".
//
// The official Go library (github.com/standard-webhooks/standard-webhooks/libraries v0.0.1) is not
// used: it reads time.Now and a package-level tolerance, so neither the clock nor the tolerance can
// be injected, and it finds headers with http.Header.Get, which misses the lower-cased names API
// Gateway delivers when a header map is built directly. The rules are a few lines; they are here.
//
// The generic booking source verifies with it and shared/notify signs the outbound webhook with
// it; it sits outside shared/source because the worker, which links no booking source, sends
// that webhook.
package stdwebhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Header names (Standard Webhooks §"Webhook headers").
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts a symmetric Standard Webhooks secret.
const SecretPrefix = "whsec_"

// DecodeSecret returns the HMAC key of a secret: the base64 after "whsec_", or the whole secret
// when it is bare base64, as the reference libraries accept. An empty or undecodable secret is an
// error that does not repeat the secret.
func DecodeSecret(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("decode webhook secret: not base64 after %q", SecretPrefix)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("decode webhook secret: empty")
	}
	return key, nil
}

// Verify checks a delivery against secret and returns its webhook-id, the idempotency key.
//
// body must be the raw request body, byte for byte. Headers are found whatever their case. The
// delivery passes if its timestamp is within tolerance of now, in either direction, and any v1
// entry of webhook-signature matches (other versions are ignored); MACs are compared in constant
// time. A rejected delivery is a *booking.Error with Code Unauthorized whose message says what is
// wrong and never carries the secret or the expected MAC. A secret that cannot be decoded is
// roomkeeper's own misconfiguration, not the caller's: that error has Code Internal.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) (id string, err error) {
	key, err := DecodeSecret(secret)
	if err != nil {
		return "", booking.Errorf(booking.Internal, "", "verify webhook: %v", err)
	}
	id, err = single(h, HeaderID)
	if err != nil {
		return "", err
	}
	ts, err := single(h, HeaderTimestamp)
	if err != nil {
		return "", err
	}
	sigs := strings.Join(booking.HeaderValues(h, HeaderSignature), " ")
	if strings.TrimSpace(sigs) == "" {
		return "", booking.Errorf(booking.Unauthorized, "", "missing %s header", HeaderSignature)
	}
	sec, err := booking.UnixTimestamp(HeaderTimestamp+" header", ts)
	if err != nil {
		return "", err
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return "", booking.Errorf(booking.Unauthorized, "", "timestamp outside tolerance")
	}
	want := mac(key, id, ts, body)
	for _, entry := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return id, nil
		}
	}
	return "", booking.Errorf(booking.Unauthorized, "", "no matching signature")
}

// Sign returns the webhook-signature header value ("v1,<base64>") for a delivery with the given
// id, timestamp (sent as unix seconds) and raw body.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := DecodeSecret(secret)
	if err != nil {
		return "", fmt.Errorf("sign webhook %s: %w", id, err)
	}
	sig := mac(key, id, strconv.FormatInt(ts.Unix(), 10), body)
	return "v1," + base64.StdEncoding.EncodeToString(sig), nil
}

// NewSecret returns a new secret: "whsec_" and the base64 of 32 random bytes.
func NewSecret() (string, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("generate webhook secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// mac is HMAC-SHA256 over "id.timestamp.body", the timestamp exactly as sent.
func mac(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// single returns the one value of a header that must appear once.
func single(h http.Header, name string) (string, error) {
	vs := booking.HeaderValues(h, name)
	switch {
	case len(vs) == 0 || strings.TrimSpace(vs[0]) == "":
		return "", booking.Errorf(booking.Unauthorized, "", "missing %s header", name)
	case len(vs) > 1:
		return "", booking.Errorf(booking.Unauthorized, "", "more than one %s header", name)
	}
	return vs[0], nil
}
