package main

import (
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// functionNames are the Lambda functions the stack deploys, each built by `make build` to
// <AssetDir>/<name>/bootstrap.
var functionNames = []string{"bookings", "worker", "sweeper"}

// Defaults of RoomkeeperStackProps; the durations are DESIGN.md's configuration defaults.
const (
	DefaultProvider         = "whereby"
	DefaultWherebyAPIURL    = "https://api.whereby.dev/v1"
	DefaultCleanupGrace     = 15 * time.Minute
	DefaultMaxOverrun       = 2 * time.Hour
	DefaultRoomSlack        = 168 * time.Hour
	DefaultWebhookTolerance = 5 * time.Minute
	DefaultRetention        = 720 * time.Hour
	// DefaultAPIRateLimit and DefaultAPIBurstLimit throttle the HTTP API's $default stage:
	// steady requests per second and the bucket size. Booking webhooks arrive one per change,
	// so this is far above normal traffic and far below what a flood could cost.
	DefaultAPIRateLimit  = 20
	DefaultAPIBurstLimit = 40
)

// RoomkeeperStackProps is everything the stack needs; main.go builds it from the environment
// and nothing else in this module reads the environment. Zero values take the defaults above.
type RoomkeeperStackProps struct {
	awscdk.StackProps

	// AssetDir holds <function>/bootstrap for every name in functionNames (linux/arm64 binaries,
	// as `make build` writes them to dist/). Required.
	AssetDir string
	// MailFrom is ROOMKEEPER_MAIL_FROM, e.g. "roomkeeper <invites@example.com>". Required.
	MailFrom string
	// SESIdentity is the verified SES identity, a domain or an address, that covers MailFrom's
	// address. The worker may send only as this identity. Required.
	SESIdentity string
	// SESConfigurationSet names an existing SES configuration set to send through (optional).
	SESConfigurationSet string
	// Provider is ROOMKEEPER_PROVIDER, the default video provider.
	Provider string
	// WherebyAPIURL is WHEREBY_API_URL.
	WherebyAPIURL string

	CleanupGrace     time.Duration // ROOMKEEPER_CLEANUP_GRACE
	MaxOverrun       time.Duration // ROOMKEEPER_MAX_OVERRUN
	RoomSlack        time.Duration // ROOMKEEPER_ROOM_SLACK
	WebhookTolerance time.Duration // ROOMKEEPER_WEBHOOK_TOLERANCE
	Retention        time.Duration // ROOMKEEPER_RETENTION

	// APIRateLimit (requests per second) and APIBurstLimit throttle every API route.
	APIRateLimit  float64
	APIBurstLimit float64

	// AlarmEmail, when set, is subscribed to the alarms (a dead-letter queue holding messages).
	AlarmEmail string
}

// withDefaults returns p with every zero setting replaced by its default.
func (p RoomkeeperStackProps) withDefaults() RoomkeeperStackProps {
	str := func(v *string, def string) {
		if strings.TrimSpace(*v) == "" {
			*v = def
		}
	}
	dur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	num := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	str(&p.Provider, DefaultProvider)
	str(&p.WherebyAPIURL, DefaultWherebyAPIURL)
	dur(&p.CleanupGrace, DefaultCleanupGrace)
	dur(&p.MaxOverrun, DefaultMaxOverrun)
	dur(&p.RoomSlack, DefaultRoomSlack)
	dur(&p.WebhookTolerance, DefaultWebhookTolerance)
	dur(&p.Retention, DefaultRetention)
	num(&p.APIRateLimit, DefaultAPIRateLimit)
	num(&p.APIBurstLimit, DefaultAPIBurstLimit)
	return p
}

// Validate reports every problem with p (after defaults), naming the setting, so a bad
// configuration fails at synth time rather than in a deployed function.
func (p RoomkeeperStackProps) Validate() error {
	p = p.withDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if p.AssetDir == "" {
		bad("asset directory: not set")
	} else {
		for _, fn := range functionNames {
			if _, err := os.Stat(filepath.Join(p.AssetDir, fn, "bootstrap")); err != nil {
				bad("asset directory: %s/bootstrap missing in %s (run `make build`)", fn, p.AssetDir)
			}
		}
	}

	from, err := mail.ParseAddress(p.MailFrom)
	if err != nil {
		bad("ROOMKEEPER_MAIL_FROM: want an address such as \"roomkeeper <invites@example.com>\": %v", err)
	}
	identity := strings.ToLower(strings.TrimSpace(p.SESIdentity))
	switch {
	case identity == "":
		bad("SES identity: not set")
	case from != nil && !identityCovers(identity, strings.ToLower(from.Address)):
		bad("SES identity %q does not cover the ROOMKEEPER_MAIL_FROM address's domain", p.SESIdentity)
	}

	// Only Whereby is wired into the AWS functions so far (its secret is the only provider
	// secret this stack creates).
	if p.Provider != "whereby" {
		bad("ROOMKEEPER_PROVIDER: only whereby can be deployed, got %q", p.Provider)
	}
	if !strings.HasPrefix(p.WherebyAPIURL, "https://") {
		bad("WHEREBY_API_URL: want an https:// URL, got %q", p.WherebyAPIURL)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"ROOMKEEPER_CLEANUP_GRACE", p.CleanupGrace},
		{"ROOMKEEPER_MAX_OVERRUN", p.MaxOverrun},
		{"ROOMKEEPER_ROOM_SLACK", p.RoomSlack},
		{"ROOMKEEPER_WEBHOOK_TOLERANCE", p.WebhookTolerance},
		{"ROOMKEEPER_RETENTION", p.Retention},
	} {
		if d.v < 0 {
			bad("%s: must be positive, got %s", d.name, d.v)
		}
	}
	if p.RoomSlack < p.MaxOverrun {
		bad("ROOMKEEPER_ROOM_SLACK (%s) must not be less than ROOMKEEPER_MAX_OVERRUN (%s)", p.RoomSlack, p.MaxOverrun)
	}
	if p.MaxOverrun < p.CleanupGrace {
		bad("ROOMKEEPER_MAX_OVERRUN (%s) must not be less than ROOMKEEPER_CLEANUP_GRACE (%s)", p.MaxOverrun, p.CleanupGrace)
	}
	if p.APIRateLimit < 0 || p.APIBurstLimit < 0 {
		bad("API throttle: rate and burst must be positive")
	}
	if p.AlarmEmail != "" {
		if _, err := mail.ParseAddress(p.AlarmEmail); err != nil {
			bad("alarm e-mail: not an address: %v", err)
		}
	}
	return errors.Join(errs...)
}

// identityCovers reports whether SES identity (an address or a domain) may send as address:
// the address itself, its domain, or a parent domain of it (SES lets a verified domain send
// from its subdomains).
func identityCovers(identity, address string) bool {
	if identity == address {
		return true
	}
	_, domain, ok := strings.Cut(address, "@")
	if !ok || strings.Contains(identity, "@") {
		return false
	}
	return domain == identity || strings.HasSuffix(domain, "."+identity)
}

// envDuration writes d as a Go duration the functions parse with time.ParseDuration, without
// the zero units String adds ("15m", not "15m0s").
func envDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
