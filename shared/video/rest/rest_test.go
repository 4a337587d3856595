package rest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for header, want := range map[string]time.Duration{
		"120":                           2 * time.Minute,
		" 5 ":                           5 * time.Second,
		"0":                             0,
		"-3":                            0,
		"":                              0,
		"soon":                          0,
		"Sun, 22 Nov 2026 10:01:30 GMT": 90 * time.Second,
		"Sun, 22 Nov 2026 09:00:00 GMT": 0, // in the past
	} {
		assert.Equal(t, want, RetryAfterHeader(header, now), "%q", header)
	}
}
