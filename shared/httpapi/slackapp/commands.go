package slackapp

import (
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/chat/roomsapp"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// commands serves the slash command /rooms: help, list, create.
func (a *App) commands(w http.ResponseWriter, r *http.Request) {
	log := httpapi.RequestLog(a.Log, r).With("route", "slack.commands")
	body, ok := a.verified(w, r, log)
	if !ok {
		return
	}
	restore(r, body)
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		httpapi.WriteError(w, log, booking.Errorf(booking.Invalid, "", "not a slash command"))
		return
	}
	ctx := r.Context()
	log = log.With("user", cmd.UserID)
	if cmd.TeamID != a.TeamID {
		httpapi.WriteError(w, log, roomsapp.ErrOtherTeam)
		return
	}
	if first, err := a.first(ctx, "command:"+cmd.TriggerID); err != nil || !first {
		if err != nil {
			httpapi.WriteError(w, log, booking.Outage(err))
		}
		return // a retry of a command answered: 200, nothing new
	}
	c, err := a.Slack.Client(ctx)
	if err != nil {
		httpapi.WriteError(w, log, booking.Outage(err))
		return
	}
	m, err := a.Member(ctx, c, cmd.TeamID, cmd.UserID)
	if err != nil {
		ephemeral(w, a.Reason(log, err))
		return
	}
	verb, rest, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	switch strings.ToLower(verb) {
	case "", "help":
		a.answered(ctx, "command:"+cmd.TriggerID)
		ephemeral(w, "What /rooms can do", roomsapp.HelpBlocks()...)
	case "list":
		rooms, who, err := a.ActiveRooms(ctx)
		if err != nil {
			ephemeral(w, a.Reason(log, err))
			return
		}
		a.answered(ctx, "command:"+cmd.TriggerID)
		ephemeral(w, "Active rooms", roomsapp.RoomBlocks(rooms, who, m.Admin)...)
	case "create":
		if err := roomsapp.RequireAdmin(m); err != nil {
			ephemeral(w, a.Reason(log, err))
			return
		}
		if strings.TrimSpace(rest) == "" {
			// The dialog opens before the answer: its trigger_id expires in three seconds.
			if _, err := c.OpenViewContext(ctx, cmd.TriggerID, roomsapp.CreateDialog()); err != nil {
				ephemeral(w, a.Reason(log, booking.Outage(err)))
				return
			}
			a.answered(ctx, "command:"+cmd.TriggerID)
			w.WriteHeader(http.StatusOK)
			return
		}
		req, err := parseCreate(rest)
		if err == nil {
			err = a.Operator.CheckRoom(req)
		}
		if err != nil {
			ephemeral(w, a.Reason(log, err)+"\nTry `/rooms create 2-200 standup +1h`, or `/rooms create` for the dialog.")
			return
		}
		if err := a.Jobs.EnqueueSlack(ctx, roomsapp.Job{Kind: roomsapp.JobCreate, Member: m, ResponseURL: cmd.ResponseURL, Room: &req, Key: "slack-" + cmd.TriggerID}); err != nil {
			ephemeral(w, a.Reason(log, booking.Outage(err)))
			return
		}
		a.answered(ctx, "command:"+cmd.TriggerID)
		ephemeral(w, ":hourglass_flowing_sand: Making the room…")
	default:
		ephemeral(w, "I don't know `"+verb+"`. "+roomsapp.HelpText, roomsapp.HelpBlocks()...)
	}
}

// parseCreate reads "/rooms create" arguments: a size (2-4, 2-200, small, large), when the room
// may go (+1h, or an RFC 3339 time), the words dial-in and locked, and one name prefix, in any
// order. The operator checks the values.
func parseCreate(args string) (operator.NewRoom, error) {
	var req operator.NewRoom
	for _, f := range strings.Fields(args) {
		w := strings.ToLower(strings.ReplaceAll(f, "–", "-"))
		switch {
		case w == "2-4" || w == "small":
			req.Size = string(booking.Small)
		case w == "2-200" || w == "large":
			req.Size = string(booking.Large)
		case w == "dial-in" || w == "dialin":
			req.DialIn = true
		case w == "locked":
			req.Locked = true
		case strings.HasPrefix(w, "+") || (len(w) > 10 && w[4] == '-' && strings.Contains(w, "t")):
			if req.EndDate != "" {
				return operator.NewRoom{}, booking.Errorf(booking.Invalid, "endDate", "is given twice")
			}
			req.EndDate = f
		default:
			if req.NamePrefix != "" {
				return operator.NewRoom{}, booking.Errorf(booking.Invalid, "namePrefix", "is given twice (%q and %q)", req.NamePrefix, f)
			}
			req.NamePrefix = f
		}
	}
	if req.EndDate == "" {
		return operator.NewRoom{}, booking.Errorf(booking.Invalid, "endDate", "is required: when the room may go, such as +1h")
	}
	return req, nil
}
