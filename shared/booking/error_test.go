package booking

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFailureMarks(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	base := errors.New("acme answered 429")
	for _, tt := range []struct {
		name      string
		err       error
		permanent bool
		refused   bool
		delay     time.Duration
		pause     PauseKind
	}{
		{"unmarked: outcome unknown", base, false, false, 0, ""},
		{"permanent", Permanent(base), true, false, 0, ""},
		{"retry after", RetryAfter(base, time.Minute), false, false, time.Minute, ""},
		{"refused", Refused(base), false, true, 0, ""},
		{"permanent refusal", Permanent(Refused(base)), true, true, 0, ""},
		{"throttled", Throttled(base, PauseAll, at, 3*time.Second), false, true, 3 * time.Second, PauseAll},
		{"marks seen through wrapping", fmt.Errorf("create room: %w", Refused(Permanent(base))), true, true, 0, ""},
		{"throttled, then refused", Refused(fmt.Errorf("get token: %w", Throttled(base, PauseCreate, at, time.Hour))), false, true, time.Hour, PauseCreate},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.permanent, IsPermanent(tt.err), "IsPermanent")
			assert.Equal(t, tt.refused, IsRefused(tt.err), "IsRefused")
			assert.Equal(t, tt.delay, RetryDelay(tt.err), "RetryDelay")
			kind, until, ok := Throttle(tt.err)
			assert.Equal(t, tt.pause != "", ok, "Throttle")
			assert.Equal(t, tt.pause, kind)
			if ok {
				assert.Equal(t, at.Add(tt.delay), until, "paused from the answer's time")
			}
			assert.ErrorIs(t, tt.err, base)
		})
	}
}
