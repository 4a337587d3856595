// Package link signs and verifies the links roomkeeper hands out to people, so that a link is
// its own credential: nothing is stored for it, and only a holder of the secret can make one.
//
// Every link mailed or shown is GET /j/{token} (token.go): a token naming a record, a recipient
// id on it and a purpose (guest or host) under an HMAC-SHA256 (RFC 2104), truncated to 128 bits,
// keyed with ROOMKEEPER_LINK_SECRET. The link is resolved against the record when it is
// followed (shared/httpapi.Links), so it keeps working when the room behind it is replaced.
//
// The organizer's host links of the kind sent before, GET /v1/host/{token} (this file): a token
// naming a room (its roomkeeper tag, and so its booking, and the provider's room id) under an
// HMAC-SHA256 keyed with ROOMKEEPER_HOST_SECRET, which a click exchanges for a fresh provider
// host link (Zoom's start_url expires after two hours, so it cannot be mailed). No new ones are
// made; those already sent are still verified until their record's retention ends.
package link

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// HostSecret names the secret that signs host links. Its value may list several
// comma-separated secrets while rotating: the first signs, any verifies.
const HostSecret = "ROOMKEEPER_HOST_SECRET"

// hostLabel separates host-link MACs from any other use of the secret.
const hostLabel = "roomkeeper host link v1"

// maxToken bounds the token a request may present: a real one is well under 200 characters.
const maxToken = 512

// HostURL returns the organizer's host link of the old kind for a room (tests make the links
// sent before /j/ links, to check they still work): publicURL + "/v1/host/" + a token
// naming the room's tag and the provider's room id, signed with the first of secrets. The same
// room always gets the same link; the link stops working when its booking is cancelled or the
// room replaced, because the handler checks the token against the booking. An empty secret, tag
// or room id gives "".
func HostURL(publicURL, secrets, tag, roomID string) string {
	secret, _, _ := strings.Cut(secrets, ",")
	secret = strings.TrimSpace(secret)
	if secret == "" || tag == "" || roomID == "" {
		return ""
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(tag + "." + roomID))
	mac := base64.RawURLEncoding.EncodeToString(hostMAC(secret, tag, roomID))
	return strings.TrimRight(publicURL, "/") + "/v1/host/" + payload + "." + mac
}

// HostToken is a host link's token, read but not yet verified.
type HostToken struct {
	Tag    string // the room's roomkeeper tag, which names its booking
	RoomID string // the provider's room id
	mac    []byte
}

// ParseHostToken reads the {token} of a host link; ok is false for one that is malformed.
func ParseHostToken(token string) (t HostToken, ok bool) {
	p, m, found := strings.Cut(token, ".")
	if !found || len(token) > maxToken {
		return HostToken{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return HostToken{}, false
	}
	mac, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(mac) != sha256.Size {
		return HostToken{}, false
	}
	tag, roomID, found := strings.Cut(string(payload), ".")
	if !found || tag == "" || roomID == "" {
		return HostToken{}, false
	}
	return HostToken{Tag: tag, RoomID: roomID, mac: mac}, true
}

// SignedWith reports whether the token was signed with any of the comma-separated secrets,
// comparing each MAC in constant time.
func (t HostToken) SignedWith(secrets string) bool {
	ok := false
	for _, secret := range strings.Split(secrets, ",") {
		if secret = strings.TrimSpace(secret); secret != "" && hmac.Equal(t.mac, hostMAC(secret, t.Tag, t.RoomID)) {
			ok = true
		}
	}
	return ok
}

func hostMAC(secret, tag, roomID string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(hostLabel + "\n" + tag + "\n" + roomID))
	return m.Sum(nil)
}
