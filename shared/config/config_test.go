package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", c.Addr)
	assert.Equal(t, "http://127.0.0.1:8080", c.PublicURL)
	assert.Equal(t, "./.roomkeeper", c.DataDir)
	assert.Equal(t, "roomkeeper <invites@localhost>", c.MailFrom)
	assert.Equal(t, "whereby", c.Provider)
	assert.Equal(t, 15*time.Minute, c.CleanupGrace)
	assert.Equal(t, 2*time.Hour, c.MaxOverrun)
	assert.Equal(t, 168*time.Hour, c.RoomSlack)
	assert.Equal(t, 5*time.Second, c.SweepInterval)
	assert.Equal(t, 5*time.Minute, c.WebhookTolerance)
	assert.Equal(t, 720*time.Hour, c.Retention)
	assert.Equal(t, DefaultWherebyURL, c.Whereby.APIURL)
	assert.Empty(t, c.Whereby.APIKey)
}

func TestOverrides(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"ROOMKEEPER_ADDR":          "127.0.0.1:9999",
		"ROOMKEEPER_PUBLIC_URL":    "https://rk.example.com/",
		"ROOMKEEPER_CLEANUP_GRACE": "1m",
		"WHEREBY_API_URL":          "http://127.0.0.1:1/v1/",
	}))
	require.NoError(t, err)
	assert.Equal(t, "https://rk.example.com", c.PublicURL)
	assert.Equal(t, time.Minute, c.CleanupGrace)
	assert.Equal(t, "http://127.0.0.1:1/v1", c.Whereby.APIURL)
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad duration", map[string]string{"ROOMKEEPER_CLEANUP_GRACE": "soon"}, "ROOMKEEPER_CLEANUP_GRACE"},
		{"negative duration", map[string]string{"ROOMKEEPER_MAX_OVERRUN": "-1h"}, "ROOMKEEPER_MAX_OVERRUN"},
		{"slack below overrun", map[string]string{"ROOMKEEPER_ROOM_SLACK": "1h"}, "ROOMKEEPER_ROOM_SLACK"},
		{"overrun below grace", map[string]string{"ROOMKEEPER_MAX_OVERRUN": "10m"}, "ROOMKEEPER_MAX_OVERRUN"},
		{"unknown provider", map[string]string{"ROOMKEEPER_PROVIDER": "jitsi"}, "ROOMKEEPER_PROVIDER"},
		{"bad addr", map[string]string{"ROOMKEEPER_ADDR": "8080"}, "ROOMKEEPER_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromEnv(env(tt.env))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
