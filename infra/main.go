package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// main reads the deployment settings from the environment (the only place that does), then
// synthesises the stack into CDK_OUTDIR (set by the cdk CLI; cdk.out otherwise).
func main() {
	defer jsii.Close()
	if err := run(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run(getenv func(string) string) error {
	props, stackName, err := propsFromEnv(getenv)
	if err != nil {
		return err
	}
	if err := props.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	context, err := readContext(filepath.Join("..", "cdk.json"))
	if err != nil {
		return err
	}
	app := newApp(context)
	NewRoomkeeperStack(app, stackName, props)
	app.Synth(nil)
	return nil
}

// propsFromEnv builds the stack props from the environment; docs/deploy.md lists the variables.
func propsFromEnv(getenv func(string) string) (*RoomkeeperStackProps, string, error) {
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var errs []string
	dur := func(name string) time.Duration {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0 // the stack's default
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s: want a positive Go duration such as 15m or 2h, got %q", name, v))
		}
		return d
	}
	num := func(name string) float64 {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0 // the stack's default
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Sprintf("%s: want a positive number, got %q", name, v))
		}
		return n
	}

	assetDir, err := filepath.Abs(str("ROOMKEEPER_ASSET_DIR", filepath.Join("..", "dist")))
	if err != nil {
		return nil, "", fmt.Errorf("ROOMKEEPER_ASSET_DIR: %w", err)
	}
	mailFrom := str("ROOMKEEPER_MAIL_FROM", "roomkeeper <invites@example.com>")
	identity := getenv("ROOMKEEPER_SES_IDENTITY")
	if strings.TrimSpace(identity) == "" {
		identity = addressDomain(mailFrom)
	}
	props := &RoomkeeperStackProps{
		StackProps: awscdk.StackProps{
			Description: jsii.String("roomkeeper: calendar bookings to video meetings"),
		},
		AssetDir:            assetDir,
		MailFrom:            mailFrom,
		SESIdentity:         strings.TrimSpace(identity),
		SESConfigurationSet: str("ROOMKEEPER_SES_CONFIGURATION_SET", ""),
		Provider:            str("ROOMKEEPER_PROVIDER", ""),
		WherebyAPIURL:       strings.TrimRight(str("WHEREBY_API_URL", ""), "/"),
		PublicURL:           strings.TrimRight(str("ROOMKEEPER_PUBLIC_URL", ""), "/"),
		Zoom: ZoomProps{
			AccountID: str("ZOOM_ACCOUNT_ID", ""),
			ClientID:  str("ZOOM_CLIENT_ID", ""),
			UserID:    str("ZOOM_USER_ID", ""),
			APIURL:    strings.TrimRight(str("ZOOM_API_URL", ""), "/"),
			OAuthURL:  str("ZOOM_OAUTH_URL", ""),
		},
		TwentyFour: TwentyFourProps{
			Instance:      strings.ToLower(str("TWENTYFOUR_INSTANCE", "")),
			ClientID:      str("TWENTYFOUR_CLIENT_ID", ""),
			UserID:        str("TWENTYFOUR_USER_ID", ""),
			MeetingTypeID: str("TWENTYFOUR_MEETING_TYPE_ID", ""),
			GuestURL:      str("TWENTYFOUR_GUEST_URL", ""),
			APIURL:        strings.TrimRight(str("TWENTYFOUR_API_URL", ""), "/"),
			TokenPath:     str("TWENTYFOUR_TOKEN_PATH", ""),
			UpdateMethod:  strings.ToUpper(str("TWENTYFOUR_UPDATE_METHOD", "")),
			MeetingFields: str("TWENTYFOUR_MEETING_FIELDS", ""),
		},
		CleanupGrace:     dur("ROOMKEEPER_CLEANUP_GRACE"),
		MaxOverrun:       dur("ROOMKEEPER_MAX_OVERRUN"),
		RoomSlack:        dur("ROOMKEEPER_ROOM_SLACK"),
		WebhookTolerance: dur("ROOMKEEPER_WEBHOOK_TOLERANCE"),
		Retention:        dur("ROOMKEEPER_RETENTION"),
		TimeZone:         str("ROOMKEEPER_TIME_ZONE", ""),
		Locale:           str("ROOMKEEPER_LOCALE", ""),
		APIRateLimit:     num("ROOMKEEPER_API_RATE_LIMIT"),
		APIBurstLimit:    num("ROOMKEEPER_API_BURST_LIMIT"),
		AlarmEmail:       str("ROOMKEEPER_ALARM_EMAIL", ""),
		NotifyURL:        str("ROOMKEEPER_NOTIFY_URL", ""),
		Reminders:        map[string]string{},
		Slack: SlackProps{
			TeamID:         str("SLACK_TEAM_ID", ""),
			AdminUsergroup: str("SLACK_ADMIN_USERGROUP", ""),
			APIURL:         str("SLACK_API_URL", ""),
		},
	}
	for _, name := range ReminderVars {
		set(props.Reminders, name, str(name, ""))
	}
	for _, u := range strings.Split(str("SLACK_ADMIN_USERS", ""), ",") {
		if u = strings.TrimSpace(u); u != "" {
			props.Slack.AdminUsers = append(props.Slack.AdminUsers, u)
		}
	}
	if v := str("ZOOM_ALTERNATIVE_HOSTS", ""); v != "" {
		alt, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("ZOOM_ALTERNATIVE_HOSTS: want true or false, got %q", v))
		}
		props.Zoom.AlternativeHosts = &alt
	}
	for _, cc := range strings.Split(str("ZOOM_DIAL_IN_COUNTRIES", ""), ",") {
		if cc = strings.ToUpper(strings.TrimSpace(cc)); cc != "" {
			props.Zoom.DialInCountries = append(props.Zoom.DialInCountries, cc)
		}
	}
	// The cdk CLI sets these from the credentials and profile in use; without them (plain
	// `go run .`) the stack is environment-agnostic.
	if account, region := getenv("CDK_DEFAULT_ACCOUNT"), getenv("CDK_DEFAULT_REGION"); account != "" && region != "" {
		props.Env = &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	}
	if len(errs) > 0 {
		return nil, "", fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return props, str("ROOMKEEPER_STACK_NAME", "roomkeeper"), nil
}

// addressDomain returns the domain of the address in a From value such as
// "roomkeeper <invites@example.com>", or "" when there is none.
func addressDomain(from string) string {
	addr := from
	if i := strings.LastIndex(addr, "<"); i >= 0 {
		addr = strings.TrimSuffix(strings.TrimSpace(addr[i+1:]), ">")
	}
	_, domain, _ := strings.Cut(addr, "@")
	return strings.ToLower(strings.TrimSpace(domain))
}
