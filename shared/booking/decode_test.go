package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	valid := []struct {
		in   string
		want time.Time
	}{
		{"2026-11-23T15:00:00Z", want},
		{"2026-11-23T16:00:00+01:00", want},
		{"2026-11-23T15:00:00.000Z", want},
		{"2026-11-23T15:00:00.123456Z", want.Add(123456 * time.Microsecond)},
	}
	for _, tt := range valid {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime("at", tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, time.UTC, got.Location(), "in UTC")
		})
	}

	invalid := []struct {
		name, in, msg string
	}{
		{"empty", "", "a time is required"},
		{"no offset", "2026-11-23T15:00:00", "RFC 3339"},
		{"a date", "2026-11-23", "RFC 3339"},
		{"a space for T", "2026-11-23 15:00:00Z", "RFC 3339"},
		{"out of range", "2026-11-31T15:00:00Z", "RFC 3339"},
		{"unix seconds", "1795446000", "RFC 3339"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTime("data.start", tt.in)
			e := requireInvalid(t, err, "data.start")
			assert.Contains(t, e.Message, tt.msg)
			assert.Zero(t, got)
		})
	}
}
