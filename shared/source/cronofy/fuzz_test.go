package cronofy_test

import (
	"os"
	"path/filepath"
	"testing"

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
