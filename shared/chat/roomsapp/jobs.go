package roomsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/slack-go/slack"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// Job kinds.
const (
	JobCreate       = "create"
	JobSessions     = "sessions"
	JobParticipants = "participants"
	JobDelete       = "delete"
	JobHome         = "home"
	JobUnfurl       = "unfurl"
)

// Job is work a request left to after its answer. It is JSON on the queue; its member was
// checked (workspace, no guest account, admin for what needs it) when the request came.
type Job struct {
	Kind   string `json:"kind"`
	Member Member `json:"Member"`
	// ResponseURL answers the member; without it the answer is a direct message.
	ResponseURL string            `json:"responseUrl,omitempty"`
	Room        *operator.NewRoom `json:"room,omitempty"` // create
	Key         string            `json:"key,omitempty"`  // create: the Idempotency-Key, so a repeated job makes one room
	RoomID      string            `json:"roomId,omitempty"`
	SessionID   string            `json:"sessionId,omitempty"`
	Channel     string            `json:"channel,omitempty"` // unfurl
	MessageTS   string            `json:"messageTs,omitempty"`
	Links       []string          `json:"links,omitempty"`
}

// The audit list's actions of reading a room's history from Slack.
const (
	ActionRoomSessions     = "room.sessions"     // target: the room's id
	ActionRoomParticipants = "room.participants" // target: the room's id and session
)

// RunJSON decodes a job from the queue and runs it.
func (a *App) RunJSON(ctx context.Context, raw []byte) error {
	var j Job
	if err := json.Unmarshal(raw, &j); err != nil {
		return fmt.Errorf("decode a slack job: %w", err)
	}
	return a.Run(ctx, j)
}

// Run does a job and answers the member. Only a failure worth retrying (the store or Slack
// unreachable) is returned; refusals and the operator's errors are told to the member.
func (a *App) Run(ctx context.Context, j Job) error {
	log := a.Log.With("job", j.Kind, "user", j.Member.ID)
	c, err := a.Slack.Client(ctx)
	if err != nil {
		return err
	}
	tell := func(fallback string, blocks ...slack.Block) {
		a.Tell(ctx, log, c, j.Member.ID, j.ResponseURL, fallback, blocks...)
	}
	op := j.Member.Operator()
	switch j.Kind {
	case JobCreate:
		if j.Room == nil {
			return errors.New("a create job without a room")
		}
		// The maker is the room's organizer, so its knocks are told to them: their address is
		// read now, from Slack, rather than carried on the queue.
		m, err := a.Member(ctx, c, a.TeamID, j.Member.ID)
		var refused *booking.Error
		switch {
		case errors.As(err, &refused) && refused.Code == booking.Forbidden:
			tell("The room could not be made: " + a.Reason(log, err))
			return nil
		case err != nil:
			return err
		}
		req := *j.Room
		req.Organizer = Organizer(m)
		var made operator.Made
		err = a.Access.Change(ctx, op, access.ActionRoomCreate, func(ctx context.Context) (string, error) {
			var err error
			made, err = a.Operator.CreateRoom(ctx, req, j.Key)
			return made.Room.RoomID, err
		})
		if err != nil {
			tell("The room could not be made: " + a.Reason(log, err))
			return nil
		}
		tell("Your room is ready", madeBlocks(made)...)
	case JobSessions:
		var s operator.Sessions
		err := a.Access.Change(ctx, op, ActionRoomSessions, func(ctx context.Context) (string, error) {
			var err error
			s, err = a.Operator.Sessions(ctx, j.RoomID)
			return j.RoomID, err
		})
		if err != nil {
			tell(a.Reason(log, err))
			return nil
		}
		if s.InsightsErr != nil {
			log.Warn("the provider's session figures could not be read", "err", s.InsightsErr)
		}
		tell("Sessions", sessionsBlocks(s)...)
	case JobParticipants:
		var p operator.Participants
		err := a.Access.Change(ctx, op, ActionRoomParticipants, func(ctx context.Context) (string, error) {
			var err error
			p, err = a.Operator.Participants(ctx, j.RoomID, j.SessionID)
			return j.RoomID + " " + j.SessionID, err
		})
		if err != nil {
			tell(a.Reason(log, err))
			return nil
		}
		tell("Participants", participantsBlocks(p)...)
	case JobDelete:
		err := a.Access.Change(ctx, op, access.ActionRoomDelete, func(ctx context.Context) (string, error) {
			return j.RoomID, a.Operator.DeleteRoom(ctx, j.RoomID, false)
		})
		if err != nil {
			tell("The room was not deleted: " + a.Reason(log, err))
			return nil
		}
		tell("The room is deleted.")
	case JobHome:
		return a.home(ctx, c, j)
	case JobUnfurl:
		return a.unfurl(ctx, c, j)
	default:
		log.Warn("unknown slack job dropped")
	}
	return nil
}

// home publishes the member's Home tab: the active rooms and a Create Room button. A guest
// account or a member of another workspace gets a tab saying the app is not for them.
func (a *App) home(ctx context.Context, c *slack.Client, j Job) error {
	m, err := a.Member(ctx, c, a.TeamID, j.Member.ID)
	var view slack.HomeTabViewRequest
	var refused *booking.Error
	switch {
	case errors.As(err, &refused) && refused.Code == booking.Forbidden:
		view = slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{section(a.Reason(a.Log, err))}}}
	case err != nil:
		return err
	default:
		rooms, who, err := a.ActiveRooms(ctx)
		if err != nil {
			return err
		}
		view = homeView(rooms, who, m.Admin)
	}
	if _, err := c.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: j.Member.ID, View: view}); err != nil {
		return fmt.Errorf("publish the Home tab: %w", err)
	}
	return nil
}

// unfurl previews the room links of a message: a roomkeeper /j/ link, or a provider's room
// link of one of roomkeeper's rooms, shows the room's title, time and a Join button with the
// guest link — never who is in it, never a host link. A host link is not previewed: its poster
// is warned, in a message only they see, that it gives host powers to whoever follows it.
func (a *App) unfurl(ctx context.Context, c *slack.Client, j Job) error {
	unfurls := map[string]slack.Attachment{}
	hostLinks := 0
	for _, raw := range j.Links {
		room, host, ok := a.linked(ctx, raw)
		switch {
		case !ok:
		case host:
			hostLinks++
		default:
			unfurls[raw] = slack.Attachment{Blocks: slack.Blocks{BlockSet: unfurlBlocks(room)}}
		}
	}
	if len(unfurls) > 0 {
		if _, _, _, err := c.UnfurlMessageContext(ctx, j.Channel, j.MessageTS, unfurls); err != nil {
			return fmt.Errorf("unfurl room links: %w", err)
		}
	}
	if hostLinks > 0 {
		warning := ":warning: You posted a roomkeeper *host link*: anyone who follows it joins with host powers (letting people in, removing them). " +
			"Delete the message and share the guest link instead (`/rooms list` has it)."
		if _, err := c.PostEphemeralContext(ctx, j.Channel, j.Member.ID, slack.MsgOptionText(warning, false)); err != nil {
			return fmt.Errorf("warn of a posted host link: %w", err)
		}
	}
	return nil
}

// linked finds the room a link names, and whether it is a host link: a /j/ link of this
// deployment (its token verified), or a provider's room link whose name carries one of this
// deployment's room tags (a Whereby host link carries a roomKey, a Zoom start link /s/).
func (a *App) linked(ctx context.Context, raw string) (operator.Room, bool, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return operator.Room{}, false, false
	}
	if token, ok := strings.CutPrefix(raw, a.PublicURL+"/j/"); ok {
		secrets, err := a.Secrets.Secret(ctx, link.Secret, false)
		if err != nil {
			return operator.Room{}, false, false
		}
		tok, ok := link.Parse(secrets, strings.TrimRight(token, "/"))
		if !ok {
			return operator.Room{}, false, false
		}
		if tok.Purpose == booking.ForHost {
			return operator.Room{}, true, true
		}
		room, err := a.Operator.CurrentRoom(ctx, tok.Key)
		return room, false, err == nil && room.GuestURL != ""
	}
	tag, ok := booking.ParseTag(u.Path)
	if !ok {
		return operator.Room{}, false, false
	}
	room, err := a.Operator.Room(ctx, tag.String(), false)
	if err != nil || room.State != operator.Active {
		return operator.Room{}, false, false
	}
	host := u.Query().Has("roomKey") || strings.HasPrefix(u.Path, "/s/")
	if host {
		return operator.Room{}, true, true
	}
	if room.GuestURL == "" || !strings.HasPrefix(room.GuestURL, a.PublicURL+"/j/") {
		// Without roomkeeper's own guest link there is nothing safe to show.
		return operator.Room{}, false, false
	}
	return room, false, true
}
