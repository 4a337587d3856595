package wire

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/video"
)

// TestSettingsReachTheReconcilerAndTheOperator loads a configuration whose every setting differs
// from its default and checks each reaches the reconciler and the operator's rules, which every
// process builds here.
func TestSettingsReachTheReconcilerAndTheOperator(t *testing.T) {
	env := map[string]string{
		"ROOMKEEPER_MAIL_FROM":     "rooms@example.org",
		"ROOMKEEPER_DEPLOYMENT":    "eu-test",
		"ROOMKEEPER_TIME_ZONE":     "Europe/Oslo",
		"ROOMKEEPER_LOCALE":        "nb",
		"ROOMKEEPER_CLEANUP_GRACE": "17m",
		"ROOMKEEPER_MAX_OVERRUN":   "3h",
		"ROOMKEEPER_ROOM_SLACK":    "4h",
		"ROOMKEEPER_RETENTION":     "240h",
		"ROOMKEEPER_REMINDERS":     "2h",
		"ROOMKEEPER_PUBLIC_URL":    "https://rooms.example.org",
		"WHEREBY_API_URL":          "https://whereby.example.org/v1",
	}
	cfg, err := config.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	videos, err := video.New(cfg, nil, time.Now, nil)
	require.NoError(t, err)
	p := Parts{Videos: videos, Now: time.Now}

	r := Reconciler(cfg, p)
	assert.Equal(t, "rooms@example.org", r.MailFrom)
	assert.Equal(t, "eu-test", r.Deployment)
	assert.Equal(t, "Europe/Oslo", r.Zone.String())
	assert.Equal(t, "nb", r.Locale)
	assert.Equal(t, 17*time.Minute, r.CleanupGrace)
	assert.Equal(t, 3*time.Hour, r.MaxOverrun)
	assert.Equal(t, 4*time.Hour, r.RoomSlack)
	assert.Equal(t, cfg.Reminders, r.Reminders)
	assert.NotEmpty(t, r.Reminders)
	assert.Contains(t, r.Providers, "whereby")
	assert.NotNil(t, r.Now)

	o := Operator(cfg, p, r)
	assert.Same(t, r, o.Reconciler)
	assert.Equal(t, 240*time.Hour, o.Retention)
	assert.Equal(t, "Europe/Oslo", o.Zone.String())
	assert.Equal(t, cfg.Provider, o.DefaultProvider)
	assert.Equal(t, cfg.Providers(), o.Providers)
	assert.Contains(t, o.Insights, "whereby")
}
