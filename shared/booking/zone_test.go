package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadZoneLoadsEachZoneOnce(t *testing.T) {
	oslo, err := LoadZone("Europe/Oslo")
	require.NoError(t, err)
	assert.Equal(t, "Europe/Oslo", oslo.String())
	// time.LoadLocation makes a new Location on every call; the cache hands back the first.
	again, err := LoadZone("Europe/Oslo")
	require.NoError(t, err)
	assert.Same(t, oslo, again)
	require.NoError(t, CheckZone("timeZone", "Europe/Oslo"))
	third, err := LoadZone("Europe/Oslo")
	require.NoError(t, err)
	assert.Same(t, oslo, third, "CheckZone goes through the same cache")

	utc, err := LoadZone("UTC")
	require.NoError(t, err)
	assert.Equal(t, time.UTC, utc)
}

func TestLoadZoneRefusesWhatIsNotAPersonsZone(t *testing.T) {
	for _, name := range []string{"", "Local", "Mars/Olympus_Mons", "Europe/Oslo\n", "../etc/passwd", "europe/oslo "} {
		_, err := LoadZone(name)
		assert.Error(t, err, "%q", name)
		e := CheckZone("data.timeZone", name)
		var be *Error
		require.ErrorAs(t, e, &be, "%q", name)
		assert.Equal(t, Invalid, be.Code)
		assert.Equal(t, "data.timeZone", be.Field)
	}
	zones.Range(func(k, _ any) bool {
		_, err := time.LoadLocation(k.(string))
		assert.NoError(t, err, "only zones the database has are kept: %q", k)
		return true
	})
}
