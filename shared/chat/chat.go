// Package chat is roomkeeper's Slack Web API client (https://api.slack.com/web), built on
// github.com/slack-go/slack: the one place a bot token becomes a client, and the knock alert
// (booking.Alerter) that the worker posts to a room's organizer, found by e-mail
// (users.lookupByEmail), as a direct message from the app (chat.postMessage).
package chat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// BotToken names the secret holding the app's bot token (xoxb-…): SLACK_BOT_TOKEN.
const BotToken = "SLACK_BOT_TOKEN"

// callTimeout bounds one Web API call.
const callTimeout = 10 * time.Second

// Secrets reads a named secret; fresh bypasses a cache.
type Secrets interface {
	Secret(ctx context.Context, name string, fresh bool) (string, error)
}

// Slack makes Web API clients with the bot token. Set its fields once in main.
type Slack struct {
	Secrets Secrets
	APIURL  string // SLACK_API_URL, ending in "/"
}

// ErrOff says no bot token is configured.
var ErrOff = errors.New("the Slack app is not configured: " + BotToken + " is not set")

// Client returns a Web API client with the bot token (ErrOff without one).
func (s *Slack) Client(ctx context.Context) (*slack.Client, error) {
	token, err := s.Secrets.Secret(ctx, BotToken, false)
	if err != nil {
		return nil, fmt.Errorf("read the Slack bot token: %w", err)
	}
	if token == "" {
		return nil, ErrOff
	}
	return slack.New(token, slack.OptionAPIURL(s.APIURL), slack.OptionHTTPClient(&http.Client{Timeout: callTimeout})), nil
}

// AlertKnock posts the knock to the organizer as a direct message from the app. An organizer
// with no Slack account under their address is no error: the e-mail tells them.
func (s *Slack) AlertKnock(ctx context.Context, k booking.KnockAlert) error {
	c, err := s.Client(ctx)
	if err != nil {
		return err
	}
	u, err := c.GetUserByEmailContext(ctx, k.OrganizerEmail)
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "users_not_found" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the organizer in Slack: %w", err)
	}
	text := fmt.Sprintf("%s is waiting to be let into %s (%s). Join with your host link to let them in: %s",
		k.Guest, k.Title, k.Start.UTC().Format("Mon 2 Jan 15:04 MST"), k.HostURL)
	header := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType,
		fmt.Sprintf(":wave: *%s* is waiting to be let into *%s*.", Escape(k.Guest), Escape(k.Title)), false, false), nil, nil)
	when := slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, Time(k.Start, k.End), false, false))
	join := slack.NewButtonBlockElement("host", "", slack.NewTextBlockObject(slack.PlainTextType, "Join as host to let them in", false, false))
	join.URL, join.Style = k.HostURL, slack.StylePrimary
	if _, _, err := c.PostMessageContext(ctx, u.ID, slack.MsgOptionText(text, false),
		slack.MsgOptionBlocks(header, when, slack.NewActionBlock("knock", join))); err != nil {
		return fmt.Errorf("post the knock alert in Slack: %w", err)
	}
	return nil
}

// Time shows a meeting's times in Slack's date formatting, which each reader sees in their own
// zone (https://api.slack.com/reference/surfaces/formatting#date-formatting).
func Time(start, end time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s> – <!date^%d^{time}|%s>",
		start.Unix(), start.UTC().Format(time.RFC1123), end.Unix(), end.UTC().Format("15:04 MST"))
}

// Escape escapes the characters Slack's mrkdwn gives meaning to
// (https://api.slack.com/reference/surfaces/formatting#escaping).
func Escape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case '&':
			out = append(out, []rune("&amp;")...)
		case '<':
			out = append(out, []rune("&lt;")...)
		case '>':
			out = append(out, []rune("&gt;")...)
		default:
			out = append(out, r)
		}
	}
	return string(out)
}
