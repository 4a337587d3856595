// Package config reads roomkeeper's configuration from environment variables, as DESIGN.md's
// configuration table names them, into one value built once in main and passed down.
package config

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Config is roomkeeper's configuration. Secrets hold values here; in AWS the functions resolve
// their <NAME>_SECRET_ARN variables into these fields before use.
type Config struct {
	Addr          string // ROOMKEEPER_ADDR: local listen address (loopback)
	PublicURL     string // ROOMKEEPER_PUBLIC_URL: base of links roomkeeper serves
	DataDir       string // ROOMKEEPER_DATA_DIR
	GenericSecret string // ROOMKEEPER_GENERIC_SECRET: whsec_… for the generic source
	AdminToken    string // ROOMKEEPER_ADMIN_TOKEN
	MailFrom      string // ROOMKEEPER_MAIL_FROM
	Provider      string // ROOMKEEPER_PROVIDER: the default provider

	CleanupGrace     time.Duration // ROOMKEEPER_CLEANUP_GRACE
	MaxOverrun       time.Duration // ROOMKEEPER_MAX_OVERRUN
	RoomSlack        time.Duration // ROOMKEEPER_ROOM_SLACK
	SweepInterval    time.Duration // ROOMKEEPER_SWEEP_INTERVAL
	WebhookTolerance time.Duration // ROOMKEEPER_WEBHOOK_TOLERANCE
	Retention        time.Duration // ROOMKEEPER_RETENTION

	Whereby Whereby
}

// Whereby configures the Whereby provider. With no APIKey the local server uses its sandbox.
type Whereby struct {
	APIKey        string // WHEREBY_API_KEY
	APIURL        string // WHEREBY_API_URL
	WebhookSecret string // WHEREBY_WEBHOOK_SECRET
}

// DefaultWherebyURL is Whereby's REST API base.
const DefaultWherebyURL = "https://api.whereby.dev/v1"

// FromEnv reads the configuration through getenv (os.Getenv in main) and checks it.
func FromEnv(getenv func(string) string) (Config, error) {
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var errs []string
	dur := func(name string, def time.Duration) time.Duration {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s: want a positive Go duration such as 15m or 2h, got %q", name, v))
			return def
		}
		return d
	}
	c := Config{
		Addr:             str("ROOMKEEPER_ADDR", "127.0.0.1:8080"),
		DataDir:          str("ROOMKEEPER_DATA_DIR", "./.roomkeeper"),
		GenericSecret:    str("ROOMKEEPER_GENERIC_SECRET", ""),
		AdminToken:       str("ROOMKEEPER_ADMIN_TOKEN", ""),
		MailFrom:         str("ROOMKEEPER_MAIL_FROM", "roomkeeper <invites@localhost>"),
		Provider:         str("ROOMKEEPER_PROVIDER", "whereby"),
		CleanupGrace:     dur("ROOMKEEPER_CLEANUP_GRACE", 15*time.Minute),
		MaxOverrun:       dur("ROOMKEEPER_MAX_OVERRUN", 2*time.Hour),
		RoomSlack:        dur("ROOMKEEPER_ROOM_SLACK", 168*time.Hour),
		SweepInterval:    dur("ROOMKEEPER_SWEEP_INTERVAL", 5*time.Second),
		WebhookTolerance: dur("ROOMKEEPER_WEBHOOK_TOLERANCE", 5*time.Minute),
		Retention:        dur("ROOMKEEPER_RETENTION", 720*time.Hour),
		Whereby: Whereby{
			APIKey:        str("WHEREBY_API_KEY", ""),
			APIURL:        strings.TrimRight(str("WHEREBY_API_URL", DefaultWherebyURL), "/"),
			WebhookSecret: str("WHEREBY_WEBHOOK_SECRET", ""),
		},
	}
	c.PublicURL = strings.TrimRight(str("ROOMKEEPER_PUBLIC_URL", "http://"+c.Addr), "/")
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_ADDR: want host:port, got %q", c.Addr))
	}
	switch c.Provider {
	case "whereby", "zoom", "24sessions":
	default:
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_PROVIDER: want whereby, zoom or 24sessions, got %q", c.Provider))
	}
	if c.RoomSlack < c.MaxOverrun {
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_ROOM_SLACK (%s) must not be less than ROOMKEEPER_MAX_OVERRUN (%s)", c.RoomSlack, c.MaxOverrun))
	}
	if c.MaxOverrun < c.CleanupGrace {
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_MAX_OVERRUN (%s) must not be less than ROOMKEEPER_CLEANUP_GRACE (%s)", c.MaxOverrun, c.CleanupGrace))
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
