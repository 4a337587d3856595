// Package config reads roomkeeper's configuration from environment variables (the README's
// configuration table) into one value, built once in main and passed down. It reads each
// variable into its type and checks the rules that span settings (the default provider is
// configured, the overrun fits the room's slack…); a value that cannot be read stops the start
// with a message naming the variable. What a provider needs of its own settings is checked where
// the providers are built (shared/video). Config imports nothing of roomkeeper's.
package config

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
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
	// LinkSecret (ROOMKEEPER_LINK_SECRET) signs every person's link, GET /j/{token}; "new,old"
	// while rotating (the first signs, any verifies).
	LinkSecret string
	// HostSecret (ROOMKEEPER_HOST_SECRET) verifies the organizer's host links of the older kind,
	// GET /v1/host/{token}, already sent; no new ones are made. "new,old" while rotating.
	HostSecret string
	MailFrom   string // ROOMKEEPER_MAIL_FROM
	Provider   string // ROOMKEEPER_PROVIDER: the default provider
	// Deployment (ROOMKEEPER_DEPLOYMENT) names this deployment: 1–32 of a-z, 0-9 and -. Every
	// room it makes carries a short hash of it, so deployments sharing a provider account touch
	// only their own rooms. Required in a Lambda function (the stack sets it); the local server
	// generates one into its data directory when it is unset.
	Deployment string
	// TimeZone (ROOMKEEPER_TIME_ZONE, an IANA name, default UTC) is the zone usage days are
	// counted in.
	TimeZone string
	// Locale (ROOMKEEPER_LOCALE, one of Languages, default en) is the language of the mail and
	// pages of a person whose source gave no language roomkeeper writes in.
	Locale string
	// NotifyURL (ROOMKEEPER_NOTIFY_URL) receives the outbound webhook's events (docs/notify.md):
	// https, or http to a loopback address; empty sends none. NotifySecret
	// (ROOMKEEPER_NOTIFY_SECRET, "whsec_" and the base64 of at least 24 bytes) signs them; it
	// is required with the URL (in AWS, as its Secrets Manager secret's ARN).
	NotifyURL    string
	NotifySecret string

	CleanupGrace time.Duration // ROOMKEEPER_CLEANUP_GRACE
	MaxOverrun   time.Duration // ROOMKEEPER_MAX_OVERRUN
	RoomSlack    time.Duration // ROOMKEEPER_ROOM_SLACK
	// SweepInterval is ROOMKEEPER_SWEEP_INTERVAL, 0 when it is unset. The local server sweeps
	// that often (LocalSweepInterval when unset). On AWS the stack sets it for the sweeper to its
	// schedule's interval, which the sweeper looks ahead by (shared/sweep.Lookahead); unset, the
	// sweeper does not know when it runs next and enqueues only what is due.
	SweepInterval time.Duration
	// WorkerConcurrency (ROOMKEEPER_WORKER_CONCURRENCY, set by the stack for the sweeper) is how
	// many workers run at once, which bounds what a sweep enqueues; 0 when unset.
	WorkerConcurrency int
	WebhookTolerance  time.Duration // ROOMKEEPER_WEBHOOK_TOLERANCE
	Retention         time.Duration // ROOMKEEPER_RETENTION

	// Reminders are how long before a meeting's start its participants are e-mailed a
	// reminder, by booking source (generic, calcom, calendly, cronofy), longest first: from
	// ROOMKEEPER_REMINDERS_<SOURCE>, else ROOMKEEPER_REMINDERS, else DefaultReminders. A source
	// with none sends no reminders; a generic event may name its own (data.reminders).
	Reminders map[string][]time.Duration

	Whereby    Whereby
	Zoom       Zoom
	TwentyFour TwentyFour
	Slack      Slack
}

// Slack configures the Slack app (docs/slack.md). It is on when its signing secret or bot token
// is set (in AWS, their secrets' ARNs), and then SLACK_TEAM_ID is required.
type Slack struct {
	SigningSecret string // SLACK_SIGNING_SECRET: verifies every request Slack sends
	BotToken      string // SLACK_BOT_TOKEN: the app's xoxb- token for the Web API
	APIURL        string // SLACK_API_URL: the Web API's base (a fake's, in tests)
	TeamID        string // SLACK_TEAM_ID: the one workspace whose members may use the app
	// AdminUsergroup (SLACK_ADMIN_USERGROUP) is the user group whose members may make and delete
	// rooms and see sessions; unset, only AdminUsers (SLACK_ADMIN_USERS, comma-separated user ids) may.
	AdminUsergroup string
	AdminUsers     []string
	// configured says a secret is set by its ARN (AWS): the app is on though the value is read later.
	configured bool
}

// Enabled reports whether the Slack app is configured.
func (s Slack) Enabled() bool { return s.SigningSecret != "" || s.BotToken != "" || s.configured }

// DefaultSlackAPIURL is Slack's Web API base.
const DefaultSlackAPIURL = "https://slack.com/api/"

// Whereby configures the Whereby provider. With no APIKey the local server uses its sandbox.
type Whereby struct {
	APIKey        string // WHEREBY_API_KEY
	APIURL        string // WHEREBY_API_URL
	WebhookSecret string // WHEREBY_WEBHOOK_SECRET
}

// DefaultWherebyURL is Whereby's REST API base.
const DefaultWherebyURL = "https://api.whereby.dev/v1"

// LocalSweepInterval is how often the local server sweeps when ROOMKEEPER_SWEEP_INTERVAL is unset.
const LocalSweepInterval = 5 * time.Second

// Zoom configures the Zoom provider: a Server-to-Server OAuth app. It is enabled when any of
// its credentials is set, and then all three are required.
type Zoom struct {
	AccountID     string // ZOOM_ACCOUNT_ID
	ClientID      string // ZOOM_CLIENT_ID
	ClientSecret  string // ZOOM_CLIENT_SECRET
	UserID        string // ZOOM_USER_ID: the Zoom user hosting the meetings (default "me")
	APIURL        string // ZOOM_API_URL
	OAuthURL      string // ZOOM_OAUTH_URL: the token endpoint
	WebhookSecret string // ZOOM_WEBHOOK_SECRET: the app's secret token for webhooks
	// AlternativeHosts (ZOOM_ALTERNATIVE_HOSTS, default true) makes the organizer an
	// alternative host where the account allows.
	AlternativeHosts bool
	// DialInCountries (ZOOM_DIAL_IN_COUNTRIES, comma-separated ISO 3166 alpha-2) asks for
	// dial-in numbers of these countries; empty keeps the account's default.
	DialInCountries []string
}

// Enabled reports whether Zoom is configured. In AWS, where the client secret is read later
// from Secrets Manager, the account or client id enables it.
func (z Zoom) Enabled() bool { return z.AccountID != "" || z.ClientID != "" || z.ClientSecret != "" }

// Zoom's endpoints.
const (
	DefaultZoomAPIURL   = "https://api.zoom.us/v2"
	DefaultZoomOAuthURL = "https://zoom.us/oauth/token"
)

// TwentyFour configures the 24sessions provider. It is enabled when its instance or a
// credential is set, and then every field without a default is required.
type TwentyFour struct {
	Instance      string // TWENTYFOUR_INSTANCE: "acme" for acme.24sessions.com
	ClientID      string // TWENTYFOUR_CLIENT_ID
	ClientSecret  string // TWENTYFOUR_CLIENT_SECRET
	UserID        string // TWENTYFOUR_USER_ID: the host user
	MeetingTypeID string // TWENTYFOUR_MEETING_TYPE_ID
	APIURL        string // TWENTYFOUR_API_URL (default https://<instance>.api.24sessions.com)
	GuestURL      string // TWENTYFOUR_GUEST_URL: a template with {accessKey}, for an instance on its own domain (empty: https://<instance>.24sessions.com/join/{accessKey})
	TokenPath     string // TWENTYFOUR_TOKEN_PATH (default /oauth/v2/token)
	UpdateMethod  string // TWENTYFOUR_UPDATE_METHOD: PUT (default) or PATCH
	// MeetingFields (TWENTYFOUR_MEETING_FIELDS, a JSON object) are added to each meeting
	// created, e.g. the flags that stop 24sessions' own e-mails.
	MeetingFields map[string]any
}

// Enabled reports whether 24sessions is configured (by its instance in AWS, where the client
// secret is read later from Secrets Manager).
func (t TwentyFour) Enabled() bool {
	return t.Instance != "" || t.ClientID != "" || t.ClientSecret != ""
}

// Providers returns the video providers this configuration enables: Whereby always (the real
// API with WHEREBY_API_KEY, the sandbox without), Zoom and 24sessions when configured.
func (c Config) Providers() []string {
	names := []string{"whereby"}
	if c.Zoom.Enabled() {
		names = append(names, "zoom")
	}
	if c.TwentyFour.Enabled() {
		names = append(names, "24sessions")
	}
	return names
}

// FromEnv reads the configuration through lookup (os.LookupEnv in main) and checks it. A
// variable set to the empty string reads as unset, but for the reminder lists, where empty means
// none.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	getenv := func(name string) string {
		v, _ := lookup(name)
		return v
	}
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
		Deployment:       str("ROOMKEEPER_DEPLOYMENT", ""),
		TimeZone:         str("ROOMKEEPER_TIME_ZONE", "UTC"),
		Locale:           strings.ToLower(str("ROOMKEEPER_LOCALE", "en")),
		CleanupGrace:     dur("ROOMKEEPER_CLEANUP_GRACE", 15*time.Minute),
		MaxOverrun:       dur("ROOMKEEPER_MAX_OVERRUN", 2*time.Hour),
		RoomSlack:        dur("ROOMKEEPER_ROOM_SLACK", 168*time.Hour),
		SweepInterval:    dur("ROOMKEEPER_SWEEP_INTERVAL", 0),
		WebhookTolerance: dur("ROOMKEEPER_WEBHOOK_TOLERANCE", 5*time.Minute),
		Retention:        dur("ROOMKEEPER_RETENTION", 720*time.Hour),
		HostSecret:       str("ROOMKEEPER_HOST_SECRET", ""),
		LinkSecret:       str("ROOMKEEPER_LINK_SECRET", ""),
		NotifyURL:        str("ROOMKEEPER_NOTIFY_URL", ""),
		NotifySecret:     str("ROOMKEEPER_NOTIFY_SECRET", ""),
		Whereby: Whereby{
			APIKey:        str("WHEREBY_API_KEY", ""),
			APIURL:        strings.TrimRight(str("WHEREBY_API_URL", DefaultWherebyURL), "/"),
			WebhookSecret: str("WHEREBY_WEBHOOK_SECRET", ""),
		},
		Zoom: Zoom{
			AccountID:     str("ZOOM_ACCOUNT_ID", ""),
			ClientID:      str("ZOOM_CLIENT_ID", ""),
			ClientSecret:  str("ZOOM_CLIENT_SECRET", ""),
			UserID:        str("ZOOM_USER_ID", "me"),
			APIURL:        strings.TrimRight(str("ZOOM_API_URL", DefaultZoomAPIURL), "/"),
			OAuthURL:      str("ZOOM_OAUTH_URL", DefaultZoomOAuthURL),
			WebhookSecret: str("ZOOM_WEBHOOK_SECRET", ""),
		},
		TwentyFour: TwentyFour{
			Instance:      strings.ToLower(str("TWENTYFOUR_INSTANCE", "")),
			ClientID:      str("TWENTYFOUR_CLIENT_ID", ""),
			ClientSecret:  str("TWENTYFOUR_CLIENT_SECRET", ""),
			UserID:        str("TWENTYFOUR_USER_ID", ""),
			MeetingTypeID: str("TWENTYFOUR_MEETING_TYPE_ID", ""),
			GuestURL:      str("TWENTYFOUR_GUEST_URL", ""),
			TokenPath:     str("TWENTYFOUR_TOKEN_PATH", "/oauth/v2/token"),
			UpdateMethod:  strings.ToUpper(str("TWENTYFOUR_UPDATE_METHOD", "PUT")),
		},
	}
	c.Reminders = reminders(lookup, &errs)
	if v := str("ROOMKEEPER_WORKER_CONCURRENCY", ""); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			errs = append(errs, fmt.Sprintf("ROOMKEEPER_WORKER_CONCURRENCY: want a whole number of at least 1, got %q", v))
		} else {
			c.WorkerConcurrency = n
		}
	}
	alt := str("ZOOM_ALTERNATIVE_HOSTS", "true")
	var err error
	if c.Zoom.AlternativeHosts, err = strconv.ParseBool(alt); err != nil {
		errs = append(errs, fmt.Sprintf("ZOOM_ALTERNATIVE_HOSTS: want true or false, got %q", alt))
	}
	for _, cc := range strings.Split(str("ZOOM_DIAL_IN_COUNTRIES", ""), ",") {
		if cc = strings.ToUpper(strings.TrimSpace(cc)); cc != "" {
			c.Zoom.DialInCountries = append(c.Zoom.DialInCountries, cc)
		}
	}
	c.TwentyFour.APIURL = strings.TrimRight(str("TWENTYFOUR_API_URL", "https://"+c.TwentyFour.Instance+".api.24sessions.com"), "/")
	if v := str("TWENTYFOUR_MEETING_FIELDS", ""); v != "" {
		if err := json.Unmarshal([]byte(v), &c.TwentyFour.MeetingFields); err != nil || c.TwentyFour.MeetingFields == nil {
			errs = append(errs, "TWENTYFOUR_MEETING_FIELDS: want a JSON object")
		}
	}
	// A provider's own settings are checked where the providers are built (shared/video), by the
	// functions that call them: the webhook functions only need to know which are enabled.
	lambda := getenv("AWS_LAMBDA_FUNCTION_NAME") != ""
	publicURL := "http://" + c.Addr
	if lambda {
		publicURL = "" // a Lambda function listens on no address of its own
	}
	switch {
	case c.Deployment == "" && lambda:
		errs = append(errs, "ROOMKEEPER_DEPLOYMENT must be set: the stack sets it from its name")
	case c.Deployment != "" && !ValidDeployment(c.Deployment):
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_DEPLOYMENT: want 1 to 32 of a-z, 0-9 and -, such as staging, got %q", c.Deployment))
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_TIME_ZONE: want an IANA time zone such as Europe/Oslo, got %q", c.TimeZone))
	}
	if !slices.Contains(Languages, c.Locale) {
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_LOCALE: want one of %s, got %q", strings.Join(Languages, ", "), c.Locale))
	}
	c.PublicURL = strings.TrimRight(str("ROOMKEEPER_PUBLIC_URL", publicURL), "/")
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_ADDR: want host:port, got %q", c.Addr))
	}
	switch c.Provider {
	case "whereby", "zoom", "24sessions":
		if !slices.Contains(c.Providers(), c.Provider) {
			errs = append(errs, fmt.Sprintf("ROOMKEEPER_PROVIDER is %s, but %s is not configured (see docs/providers.md)", c.Provider, c.Provider))
		}
	default:
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_PROVIDER: want whereby, zoom or 24sessions, got %q", c.Provider))
	}
	if c.RoomSlack < c.MaxOverrun {
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_ROOM_SLACK (%s) must not be less than ROOMKEEPER_MAX_OVERRUN (%s)", c.RoomSlack, c.MaxOverrun))
	}
	if c.MaxOverrun < c.CleanupGrace {
		errs = append(errs, fmt.Sprintf("ROOMKEEPER_MAX_OVERRUN (%s) must not be less than ROOMKEEPER_CLEANUP_GRACE (%s)", c.MaxOverrun, c.CleanupGrace))
	}
	errs = append(errs, checkNotify(c.NotifyURL, c.NotifySecret, getenv("ROOMKEEPER_NOTIFY_SECRET"+arnSuffix) != "")...)
	c.Slack = Slack{
		SigningSecret:  str("SLACK_SIGNING_SECRET", ""),
		BotToken:       str("SLACK_BOT_TOKEN", ""),
		APIURL:         str("SLACK_API_URL", DefaultSlackAPIURL),
		TeamID:         str("SLACK_TEAM_ID", ""),
		AdminUsergroup: str("SLACK_ADMIN_USERGROUP", ""),
		configured:     getenv("SLACK_SIGNING_SECRET"+arnSuffix) != "" || getenv("SLACK_BOT_TOKEN"+arnSuffix) != "",
	}
	if !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/" // the Slack client appends method names to it
	}
	for _, u := range strings.Split(str("SLACK_ADMIN_USERS", ""), ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.Slack.AdminUsers = append(c.Slack.AdminUsers, u)
		}
	}
	if c.Slack.Enabled() && c.Slack.TeamID == "" {
		errs = append(errs, "SLACK_TEAM_ID must be set with the Slack app: it names the one workspace allowed to use it (docs/slack.md)")
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// Languages are the languages roomkeeper writes mail and pages in (BCP 47): ROOMKEEPER_LOCALE
// must be one of them. They are shared/locale's, which has a catalog for each (a test there
// keeps the two lists equal; this package imports nothing of roomkeeper's).
var Languages = []string{"en", "de", "es", "fr", "nb"}

// arnSuffix ends the variable holding a secret's Secrets Manager ARN in AWS (shared/aws/secrets).
const arnSuffix = "_SECRET_ARN"

// Standard Webhooks secrets: "whsec_" and base64 (shared/stdwebhook); the outbound webhook's
// key must hold at least minNotifyKey bytes (192 bits).
const (
	whsecPrefix  = "whsec_"
	minNotifyKey = 24
)

// checkNotify checks the outbound webhook's settings: the URL is https, or http to a loopback
// address (a receiver on the same machine); a URL needs a secret, given or (in AWS) named by its
// ARN; a secret given is "whsec_" and the base64 of at least 24 bytes. The messages never repeat
// the secret.
func checkNotify(rawURL, secret string, secretARN bool) []string {
	var errs []string
	if rawURL != "" {
		u, err := url.Parse(rawURL)
		switch {
		case err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && u.Scheme != "http"):
			errs = append(errs, "ROOMKEEPER_NOTIFY_URL: want an https URL such as https://hooks.example.com/roomkeeper")
		case u.Scheme == "http" && !loopback(u.Hostname()):
			errs = append(errs, "ROOMKEEPER_NOTIFY_URL: want https; plain http only to a loopback address such as http://127.0.0.1:9000/hook")
		}
		if secret == "" && !secretARN {
			errs = append(errs, "ROOMKEEPER_NOTIFY_SECRET must be set with ROOMKEEPER_NOTIFY_URL: it signs the events (whsec_ and base64, see docs/notify.md)")
		}
	}
	if secret != "" {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, whsecPrefix))
		if !strings.HasPrefix(secret, whsecPrefix) || err != nil || len(key) < minNotifyKey {
			errs = append(errs, fmt.Sprintf("ROOMKEEPER_NOTIFY_SECRET: want %s and the base64 of at least %d random bytes, such as whsec_$(openssl rand -base64 32)", whsecPrefix, minNotifyKey))
		}
	}
	return errs
}

// loopback reports whether host names this machine: localhost or a loopback IP.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ValidDeployment reports whether s can be a deployment id: 1 to 32 of a-z, 0-9 and -.
func ValidDeployment(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

// Zone returns the time zone usage days are counted in (TimeZone, checked by FromEnv).
func (c Config) Zone() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// DefaultReminders are the reminders of each booking source when neither ROOMKEEPER_REMINDERS
// nor the source's own variable is set: 15 minutes before the start for the generic source,
// none for Cal.com, Calendly and Cronofy, which can send their own.
var DefaultReminders = map[string]string{"generic": "15m", "calcom": "", "calendly": "", "cronofy": ""}

// Bounds of a reminder (ParseReminders): whole minutes from a minute to a week before the start,
// at most MaxReminders of them per booking.
const (
	MinReminder  = time.Minute
	MaxReminder  = 7 * 24 * time.Hour
	MaxReminders = 5
)

// NoReminders is the value of a reminders variable that sends none, as an empty one does
// (where an environment cannot hold an empty variable, or to say it plainly).
const NoReminders = "none"

// reminders reads each source's reminders, appending to errs an error naming the variable for a
// value that is not a list of reminders. A source's own variable, when set, wins over
// ROOMKEEPER_REMINDERS, which wins over the source's default; set and empty means none.
func reminders(lookup func(string) (string, bool), errs *[]string) map[string][]time.Duration {
	out := make(map[string][]time.Duration, len(DefaultReminders))
	for _, source := range slices.Sorted(maps.Keys(DefaultReminders)) {
		name, v := "ROOMKEEPER_REMINDERS", DefaultReminders[source]
		for _, n := range []string{name, name + "_" + strings.ToUpper(source)} {
			if set, ok := lookup(n); ok {
				name, v = n, strings.TrimSpace(set)
			}
		}
		if v == NoReminders {
			v = ""
		}
		var list []string
		if v != "" {
			list = strings.Split(v, ",")
		}
		ds, i, err := ParseReminders(list)
		switch {
		case err != nil && i < 0:
			*errs = append(*errs, fmt.Sprintf("%s: %v; want a list such as 24h,15m, or %s", name, err, NoReminders))
		case err != nil:
			*errs = append(*errs, fmt.Sprintf("%s: reminder %d: %v; want a list such as 24h,15m, or %s", name, i+1, err, NoReminders))
		default:
			out[source] = ds
		}
	}
	return out
}

// ParseReminders reads reminders written as Go durations ("24h", "15m", "1h30m"): each whole
// minutes from MinReminder to MaxReminder, at most MaxReminders, none twice. It returns them
// longest first (the order they come due in) and, with an error, the index of the one at fault
// (-1 when there are too many). It is the one rule for reminders, of the configuration
// and of a generic event's data.reminders alike.
func ParseReminders(list []string) ([]time.Duration, int, error) {
	if len(list) > MaxReminders {
		return nil, -1, fmt.Errorf("at most %d reminders are allowed", MaxReminders)
	}
	out := make([]time.Duration, 0, len(list))
	for i, s := range list {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		switch {
		case err != nil:
			return nil, i, fmt.Errorf("%q is not a duration such as 15m or 24h", s)
		case d < MinReminder || d > MaxReminder:
			return nil, i, fmt.Errorf("%q is not between %s and %s before the start", s, "1m", "7d (168h)")
		case d%time.Minute != 0:
			return nil, i, fmt.Errorf("%q is not a whole number of minutes", s)
		case slices.Contains(out, d):
			return nil, i, fmt.Errorf("%q is given twice", s)
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return out, 0, nil
}
