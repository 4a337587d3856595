package link_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/link"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func mustMake(t *testing.T, secrets string, tok link.Token) string {
	t.Helper()
	s, err := link.Make(secrets, tok)
	require.NoError(t, err)
	return s
}

func TestTokenRoundTrip(t *testing.T) {
	key := booking.KeyOf("generic", "bk_1")
	for _, tok := range []link.Token{
		{Key: key, Recipient: "Ab3_x-9Q", Purpose: booking.ForGuest},
		{Key: key, Recipient: "Ab3_x-9Q", Purpose: booking.ForHost},
		{Key: key, Recipient: booking.RoomLink, Purpose: booking.ForGuest},
	} {
		s := mustMake(t, "new,old", tok)
		assert.LessOrEqual(t, len(s), 52, "short enough for a mail line: %s", s)
		got, ok := link.Parse("new", s)
		require.True(t, ok)
		assert.Equal(t, tok, got)
		assert.NotContains(t, s, key, "the key is not readable at a glance (it is not a secret either)")
	}
}

func TestTokenSecrets(t *testing.T) {
	tok := link.Token{Key: "abcdefghijklm", Recipient: "r1", Purpose: booking.ForGuest}
	s := mustMake(t, "old", tok)
	tests := []struct {
		name    string
		secrets string
		ok      bool
	}{
		{"same secret", "old", true},
		{"while rotating, the old one still verifies", "new, old", true},
		{"after rotation", "new", false},
		{"no secret", "", false},
		{"another secret", "other", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok := link.Parse(tt.secrets, s)
			assert.Equal(t, tt.ok, ok)
		})
	}
	_, err := link.Make("", tok)
	assert.Error(t, err, "no secret, no link")
	_, err = link.Make("s", link.Token{Key: "k", Purpose: 'x'})
	assert.Error(t, err, "unknown purpose")
}

// TestGuestTokenNeverBecomesHost changes a guest's token in every way a holder could: every
// character to every other, truncation, extension, and the purpose byte swapped (with and
// without re-encoding). None may parse as anything but the same guest token.
func TestGuestTokenNeverBecomesHost(t *testing.T) {
	const secret = "link-secret"
	guest := link.Token{Key: "abcdefghijklm", Recipient: "Ab3_x-9Q", Purpose: booking.ForGuest}
	s := mustMake(t, secret, guest)
	check := func(t *testing.T, changed string) {
		t.Helper()
		if changed == s {
			return
		}
		got, ok := link.Parse(secret, changed)
		assert.False(t, ok, "a changed token is refused: %q", changed)
		assert.NotEqual(t, booking.ForHost, got.Purpose)
	}
	t.Run("every character", func(t *testing.T) {
		for i := range len(s) {
			for _, c := range alphabet + "=.+/ %" {
				check(t, s[:i]+string(c)+s[i+1:])
			}
		}
	})
	t.Run("truncated and extended", func(t *testing.T) {
		for i := range len(s) {
			check(t, s[:i])
			check(t, s[i:])
		}
		for _, c := range alphabet {
			check(t, s+string(c))
		}
	})
	t.Run("every byte", func(t *testing.T) {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		require.NoError(t, err)
		for i := range raw {
			for v := range 256 {
				b := append([]byte(nil), raw...)
				b[i] = byte(v)
				check(t, base64.RawURLEncoding.EncodeToString(b))
			}
		}
	})
	t.Run("purpose swapped", func(t *testing.T) {
		raw, _ := base64.RawURLEncoding.DecodeString(s)
		raw[0] = byte(booking.ForHost)
		check(t, base64.RawURLEncoding.EncodeToString(raw))
		host := mustMake(t, secret, link.Token{Key: guest.Key, Recipient: guest.Recipient, Purpose: booking.ForHost})
		// The guest's MAC on the host's payload, and the host's on the guest's.
		check(t, host[:len(host)-22]+s[len(s)-22:])
	})
}

type secrets map[string]string

func (s secrets) Secret(_ context.Context, name string, _ bool) (string, error) { return s[name], nil }

func TestLinker(t *testing.T) {
	l := &link.Linker{PublicURL: "https://rooms.example.com/", Secrets: secrets{link.Secret: "a,b"}}
	u, err := l.Link(context.Background(), "abcdefghijklm", "r1", booking.ForHost)
	require.NoError(t, err)
	tok, ok := strings.CutPrefix(u, "https://rooms.example.com/j/")
	require.True(t, ok, u)
	got, ok := link.Parse("a", tok)
	require.True(t, ok)
	assert.Equal(t, link.Token{Key: "abcdefghijklm", Recipient: "r1", Purpose: booking.ForHost}, got)
	_, err = (&link.Linker{PublicURL: "x", Secrets: secrets{}}).Link(context.Background(), "k", "r", booking.ForGuest)
	assert.Error(t, err, "no secret configured")
}
