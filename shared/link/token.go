package link

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Secret names the secret that signs every person's link, GET /j/{token}. Its value may list
// several comma-separated secrets while rotating: the first signs, any verifies.
const Secret = "ROOMKEEPER_LINK_SECRET"

// linkLabel separates /j/ link MACs from any other use of the secret.
const linkLabel = "roomkeeper link v1\n"

// macLen is the MAC's length in a token: HMAC-SHA256 truncated to 128 bits (RFC 2104 §5 allows
// truncation to half the output; 128 bits leave a forger one chance in 2^128 per try).
const macLen = 16

// maxID bounds a record key or a recipient id in a token.
const maxID = 64

// A /j/ token is base64url (no padding) of
//
//	purpose (1 byte: 'g' or 'h') | len(key) (1 byte) | key | recipient id | MAC (16 bytes)
//
// where the MAC is HMAC-SHA256(secret, linkLabel | everything before it), truncated. The
// purpose is signed, so no change to a guest's token makes a host link; the record key and the
// recipient id are roomkeeper's own opaque names (booking.KeyOf, booking.NewRecipientID), never
// an address or a list position. A booking's key and a recipient id make a 52-character token.

// Token is a /j/ link's token, verified.
type Token struct {
	Key       string          // the record's key
	Recipient string          // the recipient id on the record; booking.RoomLink for the room's own links
	Purpose   booking.Purpose // booking.ForGuest or booking.ForHost
}

// Make returns the token of t, signed with the first of the comma-separated secrets.
func Make(secrets string, t Token) (string, error) {
	secret, _, _ := strings.Cut(secrets, ",")
	secret = strings.TrimSpace(secret)
	switch {
	case secret == "":
		return "", errors.New("no link secret (" + Secret + ")")
	case t.Key == "" || len(t.Key) > maxID || len(t.Recipient) > maxID:
		return "", errors.New("link: bad record key or recipient id")
	case t.Purpose != booking.ForGuest && t.Purpose != booking.ForHost:
		return "", fmt.Errorf("link: unknown purpose %q", t.Purpose)
	}
	payload := make([]byte, 0, 2+len(t.Key)+len(t.Recipient)+macLen)
	payload = append(payload, byte(t.Purpose), byte(len(t.Key)))
	payload = append(payload, t.Key...)
	payload = append(payload, t.Recipient...)
	payload = append(payload, mac(secret, payload)...)
	return base64.RawURLEncoding.EncodeToString(payload), nil
}

// Parse verifies a token against each of the comma-separated secrets, comparing MACs in
// constant time, and returns what it names. ok is false for a token that is malformed,
// tampered with or signed with another secret.
func Parse(secrets, token string) (t Token, ok bool) {
	if len(token) > maxToken {
		return Token{}, false
	}
	// Strict: one token, one encoding, so no changed character is read as the same token.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < 2+macLen {
		return Token{}, false
	}
	body, sum := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	for _, secret := range strings.Split(secrets, ",") {
		if secret = strings.TrimSpace(secret); secret != "" && hmac.Equal(sum, mac(secret, body)) {
			ok = true
		}
	}
	if !ok {
		return Token{}, false
	}
	p, n := booking.Purpose(body[0]), int(body[1])
	if (p != booking.ForGuest && p != booking.ForHost) || n == 0 || 2+n > len(body) {
		return Token{}, false
	}
	return Token{Key: string(body[2 : 2+n]), Recipient: string(body[2+n:]), Purpose: p}, true
}

func mac(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(linkLabel))
	m.Write(body)
	return m.Sum(nil)[:macLen]
}

// Secrets reads a named secret; fresh bypasses a cache (after a rotation).
type Secrets interface {
	Secret(ctx context.Context, name string, fresh bool) (string, error)
}

// Linker makes /j/ links (booking.Linker): PublicURL + "/j/" + a token signed with the link
// secret, read through Secrets on each call (the adapters cache it).
type Linker struct {
	PublicURL string
	Secrets   Secrets
}

// Link returns the link naming key, recipient and purpose.
func (l *Linker) Link(ctx context.Context, key, recipient string, purpose booking.Purpose) (string, error) {
	secret, err := l.Secrets.Secret(ctx, Secret, false)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", Secret, err)
	}
	tok, err := Make(secret, Token{Key: key, Recipient: recipient, Purpose: purpose})
	if err != nil {
		return "", err
	}
	return URL(l.PublicURL, tok), nil
}

// URL is the link of a token under publicURL.
func URL(publicURL, token string) string {
	return strings.TrimRight(publicURL, "/") + "/j/" + token
}
