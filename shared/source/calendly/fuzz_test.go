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

// FuzzVerify signs arbitrary bodies with arbitrary keys at arbitrary times: a delivery signed
// with the key verifies, and one changed byte, another key or a timestamp out of tolerance is
// refused as Unauthorized.
func FuzzVerify(f *testing.F) {
	f.Add(key, []byte(`{"event":"invitee.created"}`), int64(1700000000), 0)
	f.Add("clé", []byte("{\"event\":\"x\xff\"}"), int64(0), 3)
	f.Add("k", []byte(`{}`), int64(1<<40), -7)
	f.Fuzz(func(t *testing.T, key string, body []byte, unix int64, flip int) {
		if key == "" || unix < 0 || unix > 1<<40 {
			return
		}
		at := time.Unix(unix, 0)
		h := header(calendly.Sign(key, at, body))
		require.NoError(t, calendly.Verify(key, h, body, at, 5*time.Minute), "a signed body verifies")

		refused := func(msg, key string, body []byte, now time.Time) {
			t.Helper()
			err := calendly.Verify(key, h, body, now, 5*time.Minute)
			assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err), "%s is refused: %v", msg, err)
		}
		refused("another key", key+"x", body, at)
		refused("a stale delivery", key, body, at.Add(5*time.Minute+time.Second))
		if len(body) > 0 {
			tampered := append([]byte(nil), body...)
			tampered[(flip%len(body)+len(body))%len(body)] ^= 0x20
			refused("a changed byte", key, tampered, at)
		}
	})
}
