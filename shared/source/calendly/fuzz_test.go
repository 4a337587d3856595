package calendly_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
)

// FuzzParse feeds arbitrary bodies and signature headers, seeded with every Calendly sample:
// nothing panics, Parse fails only with an Invalid *booking.Error, and a header not made with
// the key never verifies.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "events", "calendly-*.json"))
	require.NoError(f, err)
	for _, file := range files {
		raw, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(raw, "t=1,v1=00")
		f.Add(sample(f, filepath.Base(file), now), calendly.Sign("other", now, raw))
	}
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		changes, err := calendly.Parse(body, now, opts)
		if err != nil {
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err), err.Error())
			assert.Empty(t, changes)
		}
		if sig != calendly.Sign(key, now, body) {
			assert.Error(t, calendly.Verify(key, header(sig), body, now, 5*time.Minute))
		}
	})
}
