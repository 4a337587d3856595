package cronofy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
)

// FuzzParse feeds arbitrary bodies and signature headers, seeded with every Cronofy sample:
// nothing panics, Parse fails only with an Invalid *booking.Error, and a header not made with
// the secret never verifies.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "events", "cronofy-*.json"))
	require.NoError(f, err)
	for _, file := range files {
		raw, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(raw, "")
		f.Add(sample(f, filepath.Base(file)), cronofy.Sign("other", raw))
	}
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		changes, err := cronofy.Parse(body, now, opts)
		if err != nil {
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err), err.Error())
			assert.Empty(t, changes)
		}
		const secret = "CRN_fuzz"
		if sig != cronofy.Sign(secret, body) {
			h := header()
			h.Set(cronofy.HeaderSignature, sig)
			assert.Error(t, cronofy.Verify(secret, h, body))
		}
	})
}

// FuzzVerify signs arbitrary bodies with arbitrary secrets: a delivery signed with any of the
// configured secrets verifies (a rotation lists the old and the new), and one changed byte or a
// secret not configured is refused as Unauthorized.
func FuzzVerify(f *testing.F) {
	f.Add("CRN_a", "CRN_b", []byte(`{"notification":{"type":"change"}}`), 0)
	f.Add("clé", "", []byte("{\"x\":\"\xff\"}"), -3)
	f.Fuzz(func(t *testing.T, secret, old string, body []byte, flip int) {
		// Secrets are printable text from the environment. (HMAC pads a key with zero bytes, so
		// "\x00" and "\x00\x00" would be the same key.)
		if secret = strings.TrimSpace(secret); secret == "" || strings.Contains(secret, ",") || strings.Contains(old, secret) ||
			strings.ContainsFunc(secret+old, unicode.IsControl) {
			return
		}
		configured := old + "," + secret
		h := header(cronofy.Sign(secret, body))
		require.NoError(t, cronofy.Verify(configured, h, body), "a signed body verifies")

		refused := func(msg, secrets string, body []byte) {
			t.Helper()
			err := cronofy.Verify(secrets, h, body)
			assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err), "%s is refused: %v", msg, err)
		}
		if old = strings.TrimSpace(old); old != "" && !strings.Contains(old, ",") {
			refused("a secret not configured", old, body)
		}
		if len(body) > 0 {
			tampered := append([]byte(nil), body...)
			tampered[(flip%len(body)+len(body))%len(body)] ^= 0x20
			refused("a changed byte", configured, tampered)
		}
	})
}
