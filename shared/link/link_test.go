package link

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testSecret    = "host-secret-one"
	testPublicURL = "https://rk.example"
	testTag       = "rkabcdefghij1"
)

func TestHostURL(t *testing.T) {
	a := HostURL(testPublicURL+"/", testSecret, testTag, "85746302158")
	assert.True(t, strings.HasPrefix(a, testPublicURL+"/v1/host/"), a)
	assert.Equal(t, a, HostURL(testPublicURL, testSecret, testTag, "85746302158"), "stable: the same link in every invitation")
	assert.NotEqual(t, a, HostURL(testPublicURL, "other-secret", testTag, "85746302158"))
	assert.NotEqual(t, a, HostURL(testPublicURL, testSecret, testTag, "85746302159"))
	assert.NotContains(t, a, testSecret)
	assert.Equal(t, a, HostURL(testPublicURL, testSecret+", old-secret", testTag, "85746302158"), "the first secret signs")
	assert.Empty(t, HostURL(testPublicURL, "", testTag, "1"), "no secret, no link")
	assert.Empty(t, HostURL(testPublicURL, testSecret, "", "1"))
	assert.Empty(t, HostURL(testPublicURL, testSecret, testTag, ""))
}

func tokenOf(link string) string { return strings.TrimPrefix(link, testPublicURL+"/v1/host/") }

func TestParseHostToken(t *testing.T) {
	good := tokenOf(HostURL(testPublicURL, testSecret, testTag, "85746302158"))
	tok, ok := ParseHostToken(good)
	require.True(t, ok)
	assert.Equal(t, testTag, tok.Tag)
	assert.Equal(t, "85746302158", tok.RoomID)
	assert.True(t, tok.SignedWith(testSecret))
	assert.True(t, tok.SignedWith("new-secret, "+testSecret), "any listed secret verifies, while rotating")
	assert.False(t, tok.SignedWith("new-secret"))
	assert.False(t, tok.SignedWith(""))

	payload, mac, _ := strings.Cut(good, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name     string
		token    string
		parses   bool // the shape is right: only the MAC can refuse it
		verifies bool
	}{
		{"good", good, true, true},
		{"tampered MAC", payload + "." + flip(mac, 5), true, false},
		{"another room id, MAC kept", enc(testTag+".85746302159") + "." + mac, true, false},
		{"another tag, MAC kept", enc("rkzzzzzzzzzz1.85746302158") + "." + mac, true, false},
		{"no MAC", payload, false, false},
		{"short MAC", payload + "." + mac[:20], false, false},
		{"payload not base64", "!!!." + mac, false, false},
		{"payload without a room id", enc(testTag) + "." + mac, false, false},
		{"empty", "", false, false},
		{"too long", strings.Repeat("A", 600) + "." + mac, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, ok := ParseHostToken(tt.token)
			assert.Equal(t, tt.parses, ok)
			assert.Equal(t, tt.verifies, ok && tok.SignedWith(testSecret))
		})
	}
}
