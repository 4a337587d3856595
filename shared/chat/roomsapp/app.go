// Package roomsapp is the Slack app's work over roomkeeper's rooms (docs/slack.md), apart from
// its HTTP handlers (shared/httpapi/slackapp) so that the worker, which runs the app's queued
// jobs on AWS, links no handler: who a Slack member is and may be (one workspace, no guest
// accounts, admins by user group), the Block Kit messages and views it posts
// (https://api.slack.com/block-kit), and the jobs — making a room, sessions, participants,
// deletion, the Home tab (views.publish) and link unfurls (chat.unfurl) — each audited in the
// operator audit list as "slack:<user id>" when it reads or changes a room's history.
package roomsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/chat"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// App is the Slack app's work that needs no request of its own: who a member is and what they
// may do, the answers and views it posts, and the jobs a request leaves behind (Run), which run
// where the queue delivers them (the local server's queue, or the worker on AWS). The HTTP
// handlers, shared/httpapi/slackapp, call it. Set its fields once in main.
type App struct {
	Operator *operator.Operator
	Access   *access.Access // the audit list
	Slack    *chat.Slack
	Secrets  chat.Secrets // link.Secret, to read the /j/ links posted
	// TeamID is the one workspace the app serves (SLACK_TEAM_ID).
	TeamID string
	// AdminUsergroup (SLACK_ADMIN_USERGROUP) holds the admins; without it, AdminUsers do.
	AdminUsergroup string
	AdminUsers     []string
	PublicURL      string // ROOMKEEPER_PUBLIC_URL: its /j/ links are unfurled
	Log            *slog.Logger
	// HTTP posts to response_url; nil means a client with a 10-second timeout.
	HTTP *http.Client
}

// listLimit bounds the rooms a list shows: a Slack message holds at most 50 blocks, a room
// takes three.
const listLimit = 15

// Member is the Slack user a request came from, as the app sees them.
type Member struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"-"` // from their profile, for the rooms they make: never logged, never queued
	Admin bool   `json:"admin,omitempty"`
}

// Operator is the member as the audit list names them.
func (m Member) Operator() access.Operator {
	role := access.Viewer
	if m.Admin {
		role = access.Admin
	}
	return access.Operator{Name: "slack:" + m.ID, Role: role}
}

// ErrOtherTeam refuses a request from another workspace.
var ErrOtherTeam = booking.Errorf(booking.Forbidden, "team_id", "this roomkeeper serves another Slack workspace")

// Member checks who sent a request: the workspace, then (users.info) that they are no guest
// account, then whether they are an admin. Refusals are Forbidden errors.
func (a *App) Member(ctx context.Context, c *slack.Client, team, userID string) (Member, error) {
	if team != a.TeamID {
		return Member{}, ErrOtherTeam
	}
	u, err := c.GetUserInfoContext(ctx, userID)
	if err != nil {
		return Member{}, booking.Outage(fmt.Errorf("read Slack user %s: %w", userID, err))
	}
	if u.IsRestricted || u.IsUltraRestricted {
		return Member{}, booking.Errorf(booking.Forbidden, "", "Slack guest accounts cannot use roomkeeper: ask a Member of the workspace")
	}
	if u.TeamID != "" && u.TeamID != a.TeamID {
		return Member{}, ErrOtherTeam
	}
	m := Member{ID: u.ID, Name: u.Profile.RealName, Email: u.Profile.Email}
	if m.Name == "" {
		m.Name = u.Name
	}
	if a.AdminUsergroup != "" {
		members, err := c.GetUserGroupMembersContext(ctx, a.AdminUsergroup)
		if err != nil {
			return Member{}, booking.Outage(fmt.Errorf("read the admins' user group: %w", err))
		}
		m.Admin = slices.Contains(members, u.ID)
	} else {
		m.Admin = slices.Contains(a.AdminUsers, u.ID)
	}
	return m, nil
}

// RequireAdmin refuses a member who is not an admin.
func RequireAdmin(m Member) error {
	if m.Admin {
		return nil
	}
	return booking.Errorf(booking.Forbidden, "", "only roomkeeper's admins may do this: ask to be added to the admins' user group")
}

// Reason is what a member is told of an error: its message when it is roomkeeper's own, else
// a generic one (the cause is logged).
func (a *App) Reason(log *slog.Logger, err error) string {
	var e *booking.Error
	if errors.As(err, &e) && e.Code != booking.Internal && e.Code != booking.Unavailable {
		if e.Field != "" {
			return fmt.Sprintf("%s: %s", e.Field, e.Message)
		}
		return e.Message
	}
	log.Error("slack request failed", "err", err)
	return "Something went wrong on roomkeeper's side: please try again in a minute."
}

// respond posts a message to a response_url: only Slack's own (hooks.slack.com), or one on the
// Web API's host (a fake's, in tests and local runs), so a forged URL cannot make roomkeeper
// post elsewhere.
func (a *App) respond(ctx context.Context, responseURL string, msg *slack.WebhookMessage) error {
	u, err := url.Parse(responseURL)
	api, aerr := url.Parse(a.Slack.APIURL)
	if err != nil || aerr != nil || !(u.Scheme == "https" && u.Host == "hooks.slack.com" || u.Scheme == api.Scheme && u.Host == api.Host) {
		return fmt.Errorf("response_url %q is not Slack's", u.Redacted())
	}
	client := a.HTTP
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if msg.ResponseType == "" {
		msg.ResponseType = slack.ResponseTypeEphemeral
	}
	return slack.PostWebhookCustomHTTPContext(ctx, responseURL, client, msg)
}

// ActiveRooms returns the active rooms and, for each live one, who is in it.
func (a *App) ActiveRooms(ctx context.Context) ([]operator.Room, map[string][]string, error) {
	page, err := a.Operator.Rooms(ctx, operator.RoomsQuery{State: operator.Active, Limit: listLimit})
	if err != nil {
		return nil, nil, err
	}
	who := map[string][]string{}
	for _, r := range page.Rooms {
		if r.Live {
			names, err := a.Operator.WhoIsIn(ctx, r.RoomID)
			if err != nil {
				return nil, nil, err
			}
			who[r.RoomID] = names
		}
	}
	return page.Rooms, who, nil
}

// Organizer makes the member the organizer of the rooms they make, so a guest knocking on one
// is told to them.
func Organizer(m Member) *booking.Person {
	if m.Email == "" {
		return nil
	}
	return &booking.Person{Name: m.Name, Email: m.Email}
}

// Tell answers a member outside a request: through the response_url when there is one, else
// as a direct message from the app.
func (a *App) Tell(ctx context.Context, log *slog.Logger, c *slack.Client, userID, responseURL, fallback string, blocks ...slack.Block) {
	var err error
	if responseURL != "" {
		msg := &slack.WebhookMessage{Text: fallback}
		if len(blocks) > 0 {
			msg.Blocks = &slack.Blocks{BlockSet: blocks}
		}
		err = a.respond(ctx, responseURL, msg)
	} else {
		_, _, err = c.PostMessageContext(ctx, userID, slack.MsgOptionText(fallback, false), slack.MsgOptionBlocks(blocks...))
	}
	if err != nil {
		log.Error("answering in Slack failed", "err", err)
	}
}
