package calcom_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
)

// FuzzParse feeds arbitrary bodies, seeded with every Cal.com sample: Parse never panics, and
// fails only with an Invalid *booking.Error.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "events", "calcom-*.json"))
	require.NoError(f, err)
	for _, file := range files {
		raw, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(raw)
		f.Add(sample(f, filepath.Base(file), now))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		changes, err := calcom.Parse(body, now, opts)
		if err != nil {
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err), err.Error())
			assert.Empty(t, changes)
		}
		assert.Error(t, calcom.Verify(secret, header("no-secret-provided"), body))
	})
}
