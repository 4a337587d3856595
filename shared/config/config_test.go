package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

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
	assert.Zero(t, c.SweepInterval, "unset: the sweeper's schedule is not known, the local server sweeps every LocalSweepInterval")
	assert.Equal(t, 5*time.Minute, c.WebhookTolerance)
	assert.Equal(t, 720*time.Hour, c.Retention)
	assert.Zero(t, c.WorkerConcurrency)
	assert.Equal(t, DefaultWherebyURL, c.Whereby.APIURL)
	assert.Empty(t, c.Whereby.APIKey)
}

func TestOverrides(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"ROOMKEEPER_ADDR":               "127.0.0.1:9999",
		"ROOMKEEPER_PUBLIC_URL":         "https://rk.example.com/",
		"ROOMKEEPER_CLEANUP_GRACE":      "1m",
		"WHEREBY_API_URL":               "http://127.0.0.1:1/v1/",
		"ROOMKEEPER_WORKER_CONCURRENCY": "25",
		"ROOMKEEPER_SWEEP_INTERVAL":     "1m",
	}))
	require.NoError(t, err)
	assert.Equal(t, 25, c.WorkerConcurrency)
	assert.Equal(t, time.Minute, c.SweepInterval)
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
		{"no worker", map[string]string{"ROOMKEEPER_WORKER_CONCURRENCY": "0"}, "ROOMKEEPER_WORKER_CONCURRENCY"},
		{"worker count not a number", map[string]string{"ROOMKEEPER_WORKER_CONCURRENCY": "many"}, "ROOMKEEPER_WORKER_CONCURRENCY"},
		{"sweep interval not a duration", map[string]string{"ROOMKEEPER_SWEEP_INTERVAL": "1"}, "ROOMKEEPER_SWEEP_INTERVAL"},
		{"sweep interval of zero", map[string]string{"ROOMKEEPER_SWEEP_INTERVAL": "0s"}, "ROOMKEEPER_SWEEP_INTERVAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromEnv(env(tt.env))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestProviders(t *testing.T) {
	zoom := map[string]string{"ZOOM_ACCOUNT_ID": "acct", "ZOOM_CLIENT_ID": "id", "ZOOM_CLIENT_SECRET": "secret"}
	twentyfour := map[string]string{
		"TWENTYFOUR_INSTANCE": "Acme", "TWENTYFOUR_CLIENT_ID": "id", "TWENTYFOUR_CLIENT_SECRET": "secret",
		"TWENTYFOUR_USER_ID": "12", "TWENTYFOUR_MEETING_TYPE_ID": "3",
		"TWENTYFOUR_GUEST_URL": "https://acme.24sessions.com/join/{accessKey}",
	}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"whereby only, sandbox or real", nil, []string{"whereby"}},
		{"zoom", zoom, []string{"whereby", "zoom"}},
		{"24sessions", twentyfour, []string{"whereby", "24sessions"}},
		{"all three", merge(zoom, twentyfour), []string{"whereby", "zoom", "24sessions"}},
		{"zoom as the default", merge(zoom, map[string]string{"ROOMKEEPER_PROVIDER": "zoom"}), []string{"whereby", "zoom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(env(tt.env))
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Providers())
		})
	}
}

func TestZoomSettings(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"ZOOM_ACCOUNT_ID": "acct", "ZOOM_CLIENT_ID": "id", "ZOOM_CLIENT_SECRET": "secret",
		"ZOOM_WEBHOOK_SECRET": "whs", "ZOOM_API_URL": "http://127.0.0.1:1/v2/", "ZOOM_OAUTH_URL": "http://127.0.0.1:1/oauth/token",
		"ZOOM_ALTERNATIVE_HOSTS": "false", "ZOOM_DIAL_IN_COUNTRIES": "us, no",
		"ROOMKEEPER_HOST_SECRET": "host-secret",
		"ROOMKEEPER_LINK_SECRET": "link-secret,old-link-secret",
	}))
	require.NoError(t, err)
	assert.Equal(t, Zoom{
		AccountID: "acct", ClientID: "id", ClientSecret: "secret", UserID: "me",
		APIURL: "http://127.0.0.1:1/v2", OAuthURL: "http://127.0.0.1:1/oauth/token", WebhookSecret: "whs",
		AlternativeHosts: false, DialInCountries: []string{"US", "NO"},
	}, c.Zoom)
	assert.Equal(t, "host-secret", c.HostSecret)
	assert.Equal(t, "link-secret,old-link-secret", c.LinkSecret)

	c, err = FromEnv(env(nil))
	require.NoError(t, err)
	assert.False(t, c.Zoom.Enabled())
	assert.Equal(t, DefaultZoomAPIURL, c.Zoom.APIURL)
	assert.Equal(t, DefaultZoomOAuthURL, c.Zoom.OAuthURL)
	assert.True(t, c.Zoom.AlternativeHosts, "on by default, best effort")
}

func TestTwentyFourSettings(t *testing.T) {
	base := map[string]string{
		"TWENTYFOUR_INSTANCE": "Acme", "TWENTYFOUR_CLIENT_ID": "id", "TWENTYFOUR_CLIENT_SECRET": "secret",
		"TWENTYFOUR_USER_ID": "12", "TWENTYFOUR_MEETING_TYPE_ID": "3",
		"TWENTYFOUR_GUEST_URL":      "https://acme.24sessions.com/join/{accessKey}",
		"TWENTYFOUR_MEETING_FIELDS": `{"sendEmails": false}`,
		"TWENTYFOUR_UPDATE_METHOD":  "patch",
	}
	c, err := FromEnv(env(base))
	require.NoError(t, err)
	assert.Equal(t, TwentyFour{
		Instance: "acme", ClientID: "id", ClientSecret: "secret", UserID: "12", MeetingTypeID: "3",
		APIURL: "https://acme.api.24sessions.com", GuestURL: "https://acme.24sessions.com/join/{accessKey}",
		TokenPath: "/oauth/v2/token", UpdateMethod: "PATCH", MeetingFields: map[string]any{"sendEmails": false},
	}, c.TwentyFour)

	base["TWENTYFOUR_API_URL"] = "http://127.0.0.1:1/v1/"
	c, err = FromEnv(env(base))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:1/v1", c.TwentyFour.APIURL)
}

// The client secrets are not configuration's to check: in AWS only the functions that call a
// provider can read them (the bookings function enables providers by their ids alone), and
// zoom.New and twentyfour.New refuse a missing one where the clients are built.
func TestProviderSecretsAreCheckedWhereTheyAreUsed(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"ZOOM_ACCOUNT_ID": "acct", "ZOOM_CLIENT_ID": "id",
		"TWENTYFOUR_INSTANCE": "acme", "TWENTYFOUR_CLIENT_ID": "id", "TWENTYFOUR_USER_ID": "12", "TWENTYFOUR_MEETING_TYPE_ID": "3",
		"TWENTYFOUR_GUEST_URL": "https://acme.24sessions.com/join/{accessKey}",
		"ROOMKEEPER_PROVIDER":  "zoom",
	}))
	require.NoError(t, err)
	assert.Equal(t, []string{"whereby", "zoom", "24sessions"}, c.Providers())
	assert.Empty(t, c.Zoom.ClientSecret)
}

// TestInvalidProviders: the provider settings config reads into types, and the rules that span
// settings. Each provider's own rules are checked where the providers are built
// (shared/video's TestNewChecksTheProviderSettings).
func TestInvalidProviders(t *testing.T) {
	twentyfour := func(k, v string) map[string]string {
		m := map[string]string{
			"TWENTYFOUR_INSTANCE": "acme", "TWENTYFOUR_CLIENT_ID": "id", "TWENTYFOUR_CLIENT_SECRET": "very-secret",
			"TWENTYFOUR_USER_ID": "12", "TWENTYFOUR_MEETING_TYPE_ID": "3",
			"TWENTYFOUR_GUEST_URL": "https://acme.24sessions.com/join/{accessKey}",
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"zoom default without zoom", map[string]string{"ROOMKEEPER_PROVIDER": "zoom"}, "ROOMKEEPER_PROVIDER is zoom, but zoom is not configured"},
		{"24sessions default without it", map[string]string{"ROOMKEEPER_PROVIDER": "24sessions"}, "24sessions is not configured"},
		{"bad alternative hosts", map[string]string{"ZOOM_ALTERNATIVE_HOSTS": "sometimes"}, "ZOOM_ALTERNATIVE_HOSTS"},
		{"bad meeting fields", twentyfour("TWENTYFOUR_MEETING_FIELDS", "[1]"), "TWENTYFOUR_MEETING_FIELDS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromEnv(env(tt.env))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "very-secret", "secrets are never echoed")
		})
	}
}

func TestPublicURL(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"ROOMKEEPER_ADDR": "127.0.0.1:9090"}))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9090", c.PublicURL, "locally, the listen address")
	c, err = FromEnv(env(map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "rk-worker", "ROOMKEEPER_DEPLOYMENT": "prod"}))
	require.NoError(t, err)
	assert.Empty(t, c.PublicURL, "a Lambda function has no address of its own to default to")
	c, err = FromEnv(env(map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "rk-worker", "ROOMKEEPER_DEPLOYMENT": "prod", "ROOMKEEPER_PUBLIC_URL": "https://rooms.example.com/"}))
	require.NoError(t, err)
	assert.Equal(t, "https://rooms.example.com", c.PublicURL)
}

func TestDeploymentAndTimeZone(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"ROOMKEEPER_DEPLOYMENT": "staging-2", "ROOMKEEPER_TIME_ZONE": "Europe/Oslo"}))
	require.NoError(t, err)
	assert.Equal(t, "staging-2", c.Deployment)
	assert.Equal(t, "Europe/Oslo", c.TimeZone)

	c, err = FromEnv(env(nil))
	require.NoError(t, err, "locally the server generates a deployment id when none is set")
	assert.Empty(t, c.Deployment)
	assert.Equal(t, "UTC", c.TimeZone)

	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"upper case", map[string]string{"ROOMKEEPER_DEPLOYMENT": "Staging"}, "ROOMKEEPER_DEPLOYMENT"},
		{"too long", map[string]string{"ROOMKEEPER_DEPLOYMENT": strings.Repeat("a", 33)}, "ROOMKEEPER_DEPLOYMENT"},
		{"a dot", map[string]string{"ROOMKEEPER_DEPLOYMENT": "prod.eu"}, "ROOMKEEPER_DEPLOYMENT"},
		{"unset in Lambda", map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "rk-worker"}, "ROOMKEEPER_DEPLOYMENT must be set"},
		{"unknown zone", map[string]string{"ROOMKEEPER_TIME_ZONE": "Mars/Olympus"}, "ROOMKEEPER_TIME_ZONE"},
		{"the machine's zone", map[string]string{"ROOMKEEPER_TIME_ZONE": "Local"}, "ROOMKEEPER_TIME_ZONE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromEnv(env(tt.env))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	assert.True(t, ValidDeployment(strings.Repeat("a", 32)))
}

func TestLocale(t *testing.T) {
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.Equal(t, "en", c.Locale, "English by default")
	c, err = FromEnv(env(map[string]string{"ROOMKEEPER_LOCALE": " NB "}))
	require.NoError(t, err)
	assert.Equal(t, "nb", c.Locale)
	for _, bad := range []string{"ja", "de-AT", "no", "english"} {
		_, err := FromEnv(env(map[string]string{"ROOMKEEPER_LOCALE": bad}))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "ROOMKEEPER_LOCALE: want one of en, de, es, fr, nb", bad)
	}
}

func TestNotify(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAAAAAAAAAAAAAAAA" // 39 bytes
	tests := []struct {
		name string
		env  map[string]string
		want string // "" for valid; else a part of the error
	}{
		{"none", map[string]string{}, ""},
		{"https", map[string]string{"ROOMKEEPER_NOTIFY_URL": "https://hooks.example.com/rk?token=x", "ROOMKEEPER_NOTIFY_SECRET": secret}, ""},
		{"http to loopback", map[string]string{"ROOMKEEPER_NOTIFY_URL": "http://127.0.0.1:9000/hook", "ROOMKEEPER_NOTIFY_SECRET": secret}, ""},
		{"http to localhost", map[string]string{"ROOMKEEPER_NOTIFY_URL": "http://localhost:9000/hook", "ROOMKEEPER_NOTIFY_SECRET": secret}, ""},
		{"http to ::1", map[string]string{"ROOMKEEPER_NOTIFY_URL": "http://[::1]:9000/hook", "ROOMKEEPER_NOTIFY_SECRET": secret}, ""},
		{"secret by ARN in AWS", map[string]string{"ROOMKEEPER_NOTIFY_URL": "https://hooks.example.com/rk", "ROOMKEEPER_NOTIFY_SECRET_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:x"}, ""},
		{"http elsewhere", map[string]string{"ROOMKEEPER_NOTIFY_URL": "http://hooks.example.com/rk", "ROOMKEEPER_NOTIFY_SECRET": secret}, "ROOMKEEPER_NOTIFY_URL: want https"},
		{"not a URL", map[string]string{"ROOMKEEPER_NOTIFY_URL": "hooks.example.com", "ROOMKEEPER_NOTIFY_SECRET": secret}, "ROOMKEEPER_NOTIFY_URL"},
		{"other scheme", map[string]string{"ROOMKEEPER_NOTIFY_URL": "ftp://hooks.example.com", "ROOMKEEPER_NOTIFY_SECRET": secret}, "ROOMKEEPER_NOTIFY_URL"},
		{"credentials in the URL", map[string]string{"ROOMKEEPER_NOTIFY_URL": "https://u:p@hooks.example.com", "ROOMKEEPER_NOTIFY_SECRET": secret}, "ROOMKEEPER_NOTIFY_URL"},
		{"URL without secret", map[string]string{"ROOMKEEPER_NOTIFY_URL": "https://hooks.example.com/rk"}, "ROOMKEEPER_NOTIFY_SECRET must be set"},
		{"no prefix", map[string]string{"ROOMKEEPER_NOTIFY_URL": "https://hooks.example.com/rk", "ROOMKEEPER_NOTIFY_SECRET": strings.TrimPrefix(secret, "whsec_")}, "ROOMKEEPER_NOTIFY_SECRET: want whsec_"},
		{"short", map[string]string{"ROOMKEEPER_NOTIFY_URL": "https://hooks.example.com/rk", "ROOMKEEPER_NOTIFY_SECRET": "whsec_c2hvcnQ="}, "at least 24"},
		{"not base64", map[string]string{"ROOMKEEPER_NOTIFY_URL": "https://hooks.example.com/rk", "ROOMKEEPER_NOTIFY_SECRET": "whsec_not*base64*at*all*not*base64*at*all"}, "ROOMKEEPER_NOTIFY_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(env(tt.env))
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.env["ROOMKEEPER_NOTIFY_URL"], c.NotifyURL)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if s := tt.env["ROOMKEEPER_NOTIFY_SECRET"]; s != "" {
				assert.NotContains(t, err.Error(), strings.TrimPrefix(s, "whsec_"), "never the secret")
			}
		})
	}
}

func TestSlackSettings(t *testing.T) {
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.False(t, c.Slack.Enabled(), "off by default")
	assert.Equal(t, DefaultSlackAPIURL, c.Slack.APIURL)

	c, err = FromEnv(env(map[string]string{
		"SLACK_SIGNING_SECRET": "sign", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "http://127.0.0.1:1/api",
		"SLACK_TEAM_ID": "T1", "SLACK_ADMIN_USERGROUP": "S1", "SLACK_ADMIN_USERS": "U1, U2,",
	}))
	require.NoError(t, err)
	assert.True(t, c.Slack.Enabled())
	assert.Equal(t, "http://127.0.0.1:1/api/", c.Slack.APIURL, "a trailing slash: the client appends method names")
	assert.Equal(t, "T1", c.Slack.TeamID)
	assert.Equal(t, "S1", c.Slack.AdminUsergroup)
	assert.Equal(t, []string{"U1", "U2"}, c.Slack.AdminUsers)

	for name, vars := range map[string]map[string]string{
		"signing secret": {"SLACK_SIGNING_SECRET": "sign"},
		"bot token":      {"SLACK_BOT_TOKEN": "xoxb-1"},
		"secret's ARN":   {"SLACK_SIGNING_SECRET_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:s"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := FromEnv(env(vars))
			require.Error(t, err, "the app refuses to start without a workspace")
			assert.Contains(t, err.Error(), "SLACK_TEAM_ID")
		})
	}
}

func TestReminders(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name string
		env  map[string]string
		want map[string][]time.Duration
	}{
		{"defaults", nil, map[string][]time.Duration{"generic": {15 * m}, "calcom": {}, "calendly": {}, "cronofy": {}}},
		{"one list for every source", map[string]string{"ROOMKEEPER_REMINDERS": "15m, 24h"},
			map[string][]time.Duration{"generic": {24 * time.Hour, 15 * m}, "calcom": {24 * time.Hour, 15 * m}, "calendly": {24 * time.Hour, 15 * m}, "cronofy": {24 * time.Hour, 15 * m}}},
		{"a source's own list wins", map[string]string{"ROOMKEEPER_REMINDERS": "none", "ROOMKEEPER_REMINDERS_CALCOM": "1h", "ROOMKEEPER_REMINDERS_GENERIC": "none"},
			map[string][]time.Duration{"generic": {}, "calcom": {time.Hour}, "calendly": {}, "cronofy": {}}},
		{"set and empty is none", map[string]string{"ROOMKEEPER_REMINDERS": ""},
			map[string][]time.Duration{"generic": {}, "calcom": {}, "calendly": {}, "cronofy": {}}},
		{"a source's own empty list is none", map[string]string{"ROOMKEEPER_REMINDERS": "1h", "ROOMKEEPER_REMINDERS_GENERIC": " "},
			map[string][]time.Duration{"generic": {}, "calcom": {time.Hour}, "calendly": {time.Hour}, "cronofy": {time.Hour}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(env(tt.env))
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Reminders)
		})
	}
}

func TestInvalidReminders(t *testing.T) {
	for value, want := range map[string]string{
		"soon":              `ROOMKEEPER_REMINDERS_CRONOFY: reminder 1: "soon" is not a duration`,
		"15m,30s":           `ROOMKEEPER_REMINDERS_CRONOFY: reminder 2: "30s" is not between 1m and 7d`,
		"169h":              `"169h" is not between 1m and 7d`,
		"90s":               `"90s" is not a whole number of minutes`,
		"15m,15m":           `reminder 2: "15m" is given twice`,
		"1m,2m,3m,4m,5m,6m": "ROOMKEEPER_REMINDERS_CRONOFY: at most 5 reminders are allowed",
	} {
		t.Run(value, func(t *testing.T) {
			_, err := FromEnv(env(map[string]string{"ROOMKEEPER_REMINDERS_CRONOFY": value}))
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}
