package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// functionNames are the Lambda functions the stack deploys, each built by `make build` to
// <AssetDir>/<name>/bootstrap; slackFunction only with the Slack app configured (functions).
var functionNames = []string{"bookings", "hooks", "worker", "sweeper", "admin", dialinFunction, slackFunction}

// dialinFunction normalises dial-in numbers to E.164 for the worker, which invokes it
// (functions/dialin).
const dialinFunction = "dialin"

// slackFunction serves the Slack app's routes (functions/slack).
const slackFunction = "slack"

// functions returns the names of the functions a stack with p deploys.
func (p RoomkeeperStackProps) functions() []string {
	if p.Slack.Enabled() {
		return functionNames
	}
	return slices.DeleteFunc(slices.Clone(functionNames), func(name string) bool { return name == slackFunction })
}

// Defaults of RoomkeeperStackProps; the durations are those of the ROOMKEEPER_* variables in the
// README's configuration table, so a deployment behaves as a local run does.
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
	// SESConfigurationSet names an existing SES configuration set to send through; the stack adds
	// its bounce and complaint event destination to it. Empty: the stack makes one of its own.
	SESConfigurationSet string
	// Provider is ROOMKEEPER_PROVIDER, the default video provider: whereby, or zoom or
	// 24sessions when that provider is enabled.
	Provider string
	// WherebyAPIURL is WHEREBY_API_URL.
	WherebyAPIURL string
	// PublicURL is ROOMKEEPER_PUBLIC_URL, the base of the links roomkeeper serves and mails
	// (every person's link, PublicURL/j/{token}). Empty means the HTTP API's default
	// endpoint, https://<api id>.execute-api.<region>.amazonaws.com; set it to a custom domain
	// mapped to the API's $default stage.
	PublicURL string
	// Zoom and TwentyFour are the optional providers' settings that are not secret. A provider
	// is enabled only when its settings are given; its secrets are then created too.
	Zoom       ZoomProps
	TwentyFour TwentyFourProps

	CleanupGrace     time.Duration // ROOMKEEPER_CLEANUP_GRACE
	MaxOverrun       time.Duration // ROOMKEEPER_MAX_OVERRUN
	RoomSlack        time.Duration // ROOMKEEPER_ROOM_SLACK
	WebhookTolerance time.Duration // ROOMKEEPER_WEBHOOK_TOLERANCE
	Retention        time.Duration // ROOMKEEPER_RETENTION
	// TimeZone is ROOMKEEPER_TIME_ZONE, the IANA zone usage days are counted in (default UTC).
	TimeZone string
	// Locale is ROOMKEEPER_LOCALE, the language of the mail and pages of a person whose booking
	// source gave no language roomkeeper writes in: one of Languages (default en).
	Locale string

	// APIRateLimit (requests per second) and APIBurstLimit throttle every API route.
	APIRateLimit  float64
	APIBurstLimit float64

	// NotifyURL is ROOMKEEPER_NOTIFY_URL, the https receiver of the outbound webhook for
	// integrations (docs/notify.md); the worker sends it the events. When set, the stack creates
	// the secret ROOMKEEPER_NOTIFY_SECRET, readable by the worker alone. Empty: no events.
	NotifyURL string

	// Reminders are the reminder variables given, by name (ROOMKEEPER_REMINDERS and
	// ROOMKEEPER_REMINDERS_GENERIC, _CALCOM, _CALENDLY, _CRONOFY: lists such as "24h,15m", or
	// "none"), passed to the worker, which sends the reminders; unset ones keep the functions'
	// defaults. Their values are checked by the worker's configuration (shared/config) when it
	// starts, with an error naming the variable.
	Reminders map[string]string

	// Slack is the Slack app's settings besides its secrets (docs/slack.md).
	Slack SlackProps

	// AlarmEmail, when set, is subscribed to the alarms (a dead-letter queue holding messages, a
	// provider pausing roomkeeper, a booking stopped for good, a late cleanup).
	AlarmEmail string
}

// SlackProps are the Slack app's settings besides its secrets (docs/slack.md). The app is on
// when TeamID is set; the stack then creates the slack function, which serves POST /v1/slack/*,
// and the secrets SLACK_SIGNING_SECRET (read by the slack function) and SLACK_BOT_TOKEN (read by
// the slack function and by the worker, which runs the app's jobs and posts the knock alert), and
// routes the three paths to the slack function.
type SlackProps struct {
	TeamID         string   // SLACK_TEAM_ID: the one workspace allowed
	AdminUsergroup string   // SLACK_ADMIN_USERGROUP
	AdminUsers     []string // SLACK_ADMIN_USERS
	APIURL         string   // SLACK_API_URL; empty: Slack's own
}

// Enabled reports whether the Slack app is configured.
func (s SlackProps) Enabled() bool { return s.TeamID != "" }

// env returns the functions' variables for the settings given.
func (s SlackProps) env() map[string]string {
	env := map[string]string{}
	set(env, "SLACK_TEAM_ID", s.TeamID)
	set(env, "SLACK_ADMIN_USERGROUP", s.AdminUsergroup)
	set(env, "SLACK_ADMIN_USERS", strings.Join(s.AdminUsers, ","))
	set(env, "SLACK_API_URL", s.APIURL)
	return env
}

// ZoomProps are Zoom's settings besides its secrets (docs/providers.md). Zoom is enabled when
// AccountID or ClientID is set, and then both are required; the stack then creates the secrets
// ZOOM_CLIENT_SECRET, ZOOM_WEBHOOK_SECRET and ROOMKEEPER_HOST_SECRET (which verifies the
// older host links already mailed). Empty fields leave the
// functions' defaults.
type ZoomProps struct {
	AccountID string // ZOOM_ACCOUNT_ID
	ClientID  string // ZOOM_CLIENT_ID
	UserID    string // ZOOM_USER_ID: the Zoom user hosting the meetings (functions' default "me")
	APIURL    string // ZOOM_API_URL
	OAuthURL  string // ZOOM_OAUTH_URL
	// AlternativeHosts is ZOOM_ALTERNATIVE_HOSTS; nil leaves the default (true).
	AlternativeHosts *bool
	// DialInCountries is ZOOM_DIAL_IN_COUNTRIES, ISO 3166 alpha-2 codes.
	DialInCountries []string
}

// Enabled reports whether Zoom is configured.
func (z ZoomProps) Enabled() bool { return z.AccountID != "" || z.ClientID != "" }

// env returns the functions' variables for the settings given.
func (z ZoomProps) env() map[string]string {
	env := map[string]string{}
	set(env, "ZOOM_ACCOUNT_ID", z.AccountID)
	set(env, "ZOOM_CLIENT_ID", z.ClientID)
	set(env, "ZOOM_USER_ID", z.UserID)
	set(env, "ZOOM_API_URL", z.APIURL)
	set(env, "ZOOM_OAUTH_URL", z.OAuthURL)
	if z.AlternativeHosts != nil {
		env["ZOOM_ALTERNATIVE_HOSTS"] = fmt.Sprint(*z.AlternativeHosts)
	}
	set(env, "ZOOM_DIAL_IN_COUNTRIES", strings.Join(z.DialInCountries, ","))
	return env
}

// TwentyFourProps are 24sessions' settings besides its client secret (docs/providers.md).
// 24sessions is enabled when Instance or ClientID is set, and then Instance, ClientID, UserID and
// MeetingTypeID are required; the stack then creates the secret TWENTYFOUR_CLIENT_SECRET. Empty
// fields leave the functions' defaults.
type TwentyFourProps struct {
	Instance      string // TWENTYFOUR_INSTANCE: "acme" for acme.24sessions.com
	ClientID      string // TWENTYFOUR_CLIENT_ID
	UserID        string // TWENTYFOUR_USER_ID, numeric
	MeetingTypeID string // TWENTYFOUR_MEETING_TYPE_ID, numeric
	GuestURL      string // TWENTYFOUR_GUEST_URL: a link template with {accessKey}, for an instance on its own domain (empty: https://<instance>.24sessions.com/join/{accessKey})
	APIURL        string // TWENTYFOUR_API_URL
	TokenPath     string // TWENTYFOUR_TOKEN_PATH
	UpdateMethod  string // TWENTYFOUR_UPDATE_METHOD: PUT or PATCH
	// MeetingFields is TWENTYFOUR_MEETING_FIELDS, a JSON object added to each meeting created.
	MeetingFields string
}

// Enabled reports whether 24sessions is configured.
func (t TwentyFourProps) Enabled() bool { return t.Instance != "" || t.ClientID != "" }

// env returns the functions' variables for the settings given.
func (t TwentyFourProps) env() map[string]string {
	env := map[string]string{}
	set(env, "TWENTYFOUR_INSTANCE", t.Instance)
	set(env, "TWENTYFOUR_CLIENT_ID", t.ClientID)
	set(env, "TWENTYFOUR_USER_ID", t.UserID)
	set(env, "TWENTYFOUR_MEETING_TYPE_ID", t.MeetingTypeID)
	set(env, "TWENTYFOUR_GUEST_URL", t.GuestURL)
	set(env, "TWENTYFOUR_API_URL", t.APIURL)
	set(env, "TWENTYFOUR_TOKEN_PATH", t.TokenPath)
	set(env, "TWENTYFOUR_UPDATE_METHOD", t.UpdateMethod)
	set(env, "TWENTYFOUR_MEETING_FIELDS", t.MeetingFields)
	return env
}

// Languages are the languages roomkeeper writes in, as the functions' configuration accepts them
// (shared/config.Languages; this module does not import roomkeeper's).
var Languages = []string{"en", "de", "es", "fr", "nb"}

func set(env map[string]string, name, value string) {
	if value != "" {
		env[name] = value
	}
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
	str(&p.TimeZone, "UTC")
	str(&p.Locale, "en")
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
		for _, fn := range p.functions() {
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

	enabled := map[string]bool{"whereby": true, "zoom": p.Zoom.Enabled(), "24sessions": p.TwentyFour.Enabled()}
	switch on, known := enabled[p.Provider]; {
	case !known:
		bad("ROOMKEEPER_PROVIDER: want whereby, zoom or 24sessions, got %q", p.Provider)
	case !on:
		bad("ROOMKEEPER_PROVIDER is %s, but %s is not configured (docs/deploy.md)", p.Provider, p.Provider)
	}
	httpsURL := func(name, v string) {
		if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("%s: want an https:// URL, got %q", name, v)
		}
	}
	httpsURL("WHEREBY_API_URL", p.WherebyAPIURL)
	if p.PublicURL != "" {
		httpsURL("ROOMKEEPER_PUBLIC_URL", p.PublicURL)
	}
	if p.NotifyURL != "" {
		// A query is allowed: a receiver may take its own token there.
		if u, err := url.Parse(p.NotifyURL); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			bad("ROOMKEEPER_NOTIFY_URL: want an https:// URL, such as https://hooks.example.com/roomkeeper")
		}
	}
	if p.Slack.APIURL != "" {
		httpsURL("SLACK_API_URL", p.Slack.APIURL)
	}
	errs = append(errs, p.Zoom.check(httpsURL)...)
	errs = append(errs, p.TwentyFour.check(httpsURL)...)
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
	if _, err := time.LoadLocation(p.TimeZone); err != nil || p.TimeZone == "Local" {
		bad("ROOMKEEPER_TIME_ZONE: want an IANA time zone such as Europe/Oslo, got %q", p.TimeZone)
	}
	if !slices.Contains(Languages, p.Locale) {
		bad("ROOMKEEPER_LOCALE: want one of %s, got %q", strings.Join(Languages, ", "), p.Locale)
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

var (
	countryPattern  = regexp.MustCompile(`^[A-Z]{2}$`)
	instancePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	numericPattern  = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)
)

// check reports what an enabled Zoom configuration lacks or has wrong, as the functions would at
// their start (shared/config), so it fails at synth time instead.
func (z ZoomProps) check(httpsURL func(name, v string)) []error {
	if !z.Enabled() {
		return nil
	}
	var errs []error
	if z.AccountID == "" || z.ClientID == "" {
		errs = append(errs, errors.New("Zoom is half configured: set both ZOOM_ACCOUNT_ID and ZOOM_CLIENT_ID"))
	}
	if z.APIURL != "" {
		httpsURL("ZOOM_API_URL", z.APIURL)
	}
	if z.OAuthURL != "" {
		httpsURL("ZOOM_OAUTH_URL", z.OAuthURL)
	}
	for _, cc := range z.DialInCountries {
		if !countryPattern.MatchString(cc) {
			errs = append(errs, fmt.Errorf("ZOOM_DIAL_IN_COUNTRIES: want ISO 3166 alpha-2 codes such as US,NO, got %q", cc))
		}
	}
	return errs
}

// check reports what an enabled 24sessions configuration lacks or has wrong, as the functions
// would at their start (shared/config), so it fails at synth time instead.
func (t TwentyFourProps) check(httpsURL func(name, v string)) []error {
	if !t.Enabled() {
		return nil
	}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"TWENTYFOUR_INSTANCE", t.Instance}, {"TWENTYFOUR_CLIENT_ID", t.ClientID}, {"TWENTYFOUR_USER_ID", t.UserID},
		{"TWENTYFOUR_MEETING_TYPE_ID", t.MeetingTypeID},
	} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return []error{fmt.Errorf("24sessions is half configured: set %s", strings.Join(missing, ", "))}
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !instancePattern.MatchString(t.Instance) {
		bad("TWENTYFOUR_INSTANCE: want the instance name, as acme in acme.24sessions.com, got %q", t.Instance)
	}
	if !numericPattern.MatchString(t.UserID) {
		bad("TWENTYFOUR_USER_ID: want a numeric user id, got %q", t.UserID)
	}
	if !numericPattern.MatchString(t.MeetingTypeID) {
		bad("TWENTYFOUR_MEETING_TYPE_ID: want a numeric meeting type id, got %q", t.MeetingTypeID)
	}
	switch {
	case t.GuestURL == "": // the functions use the instance's own, https://<instance>.24sessions.com/join/<accessKey>
	case strings.Count(t.GuestURL, "{accessKey}") != 1:
		bad("TWENTYFOUR_GUEST_URL: want a link template containing {accessKey} once, got %q", t.GuestURL)
	default:
		if u, err := url.Parse(strings.Replace(t.GuestURL, "{accessKey}", "key", 1)); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("TWENTYFOUR_GUEST_URL: want an https:// link template, got %q", t.GuestURL)
		}
	}
	if t.APIURL != "" {
		httpsURL("TWENTYFOUR_API_URL", t.APIURL)
	}
	if m := strings.ToUpper(t.UpdateMethod); m != "" && m != "PUT" && m != "PATCH" {
		bad("TWENTYFOUR_UPDATE_METHOD: want PUT or PATCH, got %q", t.UpdateMethod)
	}
	if t.MeetingFields != "" {
		var fields map[string]any
		if err := json.Unmarshal([]byte(t.MeetingFields), &fields); err != nil || fields == nil {
			bad("TWENTYFOUR_MEETING_FIELDS: want a JSON object")
		}
	}
	return errs
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
