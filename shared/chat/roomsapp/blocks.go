package roomsapp

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/chat"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// Action ids of the app's buttons.
const (
	ActJoin         = "join"
	ActSessions     = "sessions"
	ActParticipants = "participants"
	ActCreate       = "create"
	ActDelete       = "delete"
)

// CreateCallback is the Create Room dialog's callback_id.
const CreateCallback = "create_room"

// Sizes, worded as the console words them.
var sizes = []struct {
	size        booking.Size
	label, hint string
}{
	{booking.Small, "2–4 people", "Peer to peer, end-to-end encrypted: for consultations and 1:1s."},
	{booking.Large, "2–200 people", "For larger gatherings."},
}

func sizeLabel(s booking.Size) string {
	for _, z := range sizes {
		if z.size == s {
			return z.label
		}
	}
	return string(s)
}

func text(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}
func section(s string) *slack.SectionBlock { return slack.NewSectionBlock(mrkdwn(s), nil, nil) }

func linkButton(id, label, url string) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(id, "", text(label))
	b.URL = url
	return b
}

// HelpText is what /rooms can do.
const HelpText = "*roomkeeper* makes and follows video rooms.\n" +
	"• `/rooms list` — the active rooms, who is in them, Join and View sessions\n" +
	"• `/rooms create` — make a room in a dialog (admins)\n" +
	"• `/rooms create 2-200 standup +1h` — make one at once: size `2-4` or `2-200`, a name prefix, " +
	"when it may go (`+1h`, `+90m` or a time such as `2026-12-24T18:00:00Z`), and `dial-in` or `locked` if wanted (admins)\n" +
	"• `/rooms help` — this\n" +
	"Open the app's *Home* tab for the active rooms at a glance. A room link posted in a channel shows its title, time and a Join button."

func HelpBlocks() []slack.Block { return []slack.Block{section(HelpText)} }

// RoomBlocks shows active rooms: title, size, times, a live badge with who is in, and the
// buttons Join and View sessions (and Delete for hand-made rooms, to admins). who names the
// people in each live room, by room id.
func RoomBlocks(rooms []operator.Room, who map[string][]string, admin bool) []slack.Block {
	if len(rooms) == 0 {
		return []slack.Block{section("No active rooms right now.")}
	}
	var out []slack.Block
	for _, r := range rooms {
		line := fmt.Sprintf("*%s* · %s\n%s", chat.Escape(r.Title), sizeLabel(r.Size), chat.Time(r.Start, r.End))
		switch {
		case r.State == operator.Creating:
			line += "\n:hourglass_flowing_sand: being made"
		case r.Live:
			names := who[r.RoomID]
			line += fmt.Sprintf("\n:red_circle: *Live* — %d in the room", r.InRoom)
			if len(names) > 0 {
				line += ": " + chat.Escape(strings.Join(names, ", "))
			}
		}
		out = append(out, section(line))
		var buttons []slack.BlockElement
		if r.GuestURL != "" {
			join := linkButton(ActJoin, "Join", r.GuestURL)
			join.Style = slack.StylePrimary
			buttons = append(buttons, join)
		}
		buttons = append(buttons, slack.NewButtonBlockElement(ActSessions, r.RoomID, text("View sessions")))
		if admin && r.Kind == "manual" && r.State == operator.Active {
			del := slack.NewButtonBlockElement(ActDelete, r.RoomID, text("Delete"))
			del.Style = slack.StyleDanger
			del.Confirm = slack.NewConfirmationBlockObject(text("Delete this room?"),
				text("Its links stop working. Someone still in it keeps the room until they leave."), text("Delete"), text("Keep"))
			buttons = append(buttons, del)
		}
		out = append(out, slack.NewActionBlock("room_"+r.RoomID, buttons...), slack.NewDividerBlock())
	}
	return out
}

// madeBlocks answers a room made: the guest link to share, the host link (to its maker only)
// and the dial-in.
func madeBlocks(m operator.Made) []slack.Block {
	r := m.Room
	if !m.Ready {
		return []slack.Block{section(fmt.Sprintf("*%s* is being made: the provider is slow. `/rooms list` shows it with its Join link once it is ready.", chat.Escape(r.Title)))}
	}
	lines := []string{
		fmt.Sprintf(":white_check_mark: *%s* is ready · %s · until %s", chat.Escape(r.Title), sizeLabel(r.Size), stamp(r.End)),
		"*Guest link* (share it): " + r.GuestURL,
		"*Host link* (yours alone: it gives host powers): " + r.HostURL,
	}
	if d := r.DialIn; d != nil && len(d.Numbers) > 0 {
		var numbers []string
		for _, n := range d.Numbers {
			numbers = append(numbers, n.E164)
		}
		line := fmt.Sprintf("*Dial-in*: %s, access code %s", strings.Join(numbers, ", "), d.Code)
		if d.Passcode != "" {
			line += ", passcode " + d.Passcode
		}
		lines = append(lines, line)
	}
	return []slack.Block{section(strings.Join(lines, "\n"))}
}

// sessionsBlocks lists a room's sessions with their figures and a Participants button each.
func sessionsBlocks(s operator.Sessions) []slack.Block {
	if len(s.Sessions) == 0 {
		return []slack.Block{section("No sessions in this room yet.")}
	}
	out := []slack.Block{section("*Sessions*")}
	for _, x := range s.Sessions {
		when := "started " + stamp(x.StartedAt)
		switch {
		case x.Live:
			when += " · :red_circle: live"
		case !x.EndedAt.IsZero():
			when += " · ended " + stamp(x.EndedAt)
		}
		line := fmt.Sprintf("%s\n%d participants · %d participant minutes", when, x.Participants, x.ParticipantMinutes)
		if x.RecordedMinutes != nil {
			line += fmt.Sprintf(" · %d minutes recorded", *x.RecordedMinutes)
		}
		if x.StreamedMinutes != nil {
			line += fmt.Sprintf(" · %d minutes streamed", *x.StreamedMinutes)
		}
		sec := section(line)
		sec.Accessory = slack.NewAccessory(slack.NewButtonBlockElement(ActParticipants, s.RoomID+" "+x.SessionID, text("Participants")))
		out = append(out, sec)
	}
	if s.Insights == operator.InsightsUnavailable {
		out = append(out, slack.NewContextBlock("", mrkdwn("The provider's recorded and streamed minutes could not be read just now.")))
	}
	return out
}

// participantsBlocks lists one session's connections.
func participantsBlocks(p operator.Participants) []slack.Block {
	if len(p.Participants) == 0 {
		return []slack.Block{section("Nobody joined this session.")}
	}
	var lines []string
	for _, x := range p.Participants {
		line := "• *" + chat.Escape(x.DisplayName) + "*"
		switch {
		case x.Host:
			line += " (host)"
		case x.DialIn:
			line += " (phone)"
		}
		line += fmt.Sprintf(" — joined %s", stamp(x.JoinedAt))
		if x.Present {
			line += ", in the room now"
		} else if !x.LeftAt.IsZero() {
			line += ", left " + stamp(x.LeftAt)
		}
		lines = append(lines, line+fmt.Sprintf(" · %d min", x.Minutes))
	}
	return []slack.Block{section("*Participants*\n" + strings.Join(lines, "\n"))}
}

// stamp is a time in Slack's date formatting (the reader's zone).
func stamp(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format(time.RFC1123))
}

// unfurlBlocks is a room link's preview: the title, the time and a Join button with the guest
// link. Never who is in the room (a channel may hold outsiders) and never a host link.
func unfurlBlocks(r operator.Room) []slack.Block {
	join := linkButton(ActJoin, "Join", r.GuestURL)
	join.Style = slack.StylePrimary
	return []slack.Block{
		section(fmt.Sprintf("*%s*\n%s", chat.Escape(r.Title), chat.Time(r.Start, r.End))),
		slack.NewActionBlock("unfurl", join),
	}
}

// homeView is the Home tab: the active rooms and a Create Room button.
func homeView(rooms []operator.Room, who map[string][]string, admin bool) slack.HomeTabViewRequest {
	create := slack.NewButtonBlockElement(ActCreate, "", text("Create Room"))
	create.Style = slack.StylePrimary
	blocks := []slack.Block{
		slack.NewHeaderBlock(text("Active rooms")),
		slack.NewActionBlock("home", create),
		slack.NewDividerBlock(),
	}
	blocks = append(blocks, RoomBlocks(rooms, who, admin)...)
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// Ids of the dialog's inputs, each its own block and action.
const (
	InTitle   = "title"
	InSize    = "size"
	InPrefix  = "namePrefix"
	InEnd     = "end"
	InEndAt   = "endAt"
	InOptions = "options"
)

// CreateDialog is the Create Room dialog: size (explained as in the console), title, name
// prefix, when it may go, dial-in and lock.
func CreateDialog() slack.ModalViewRequest {
	maxPrefix := booking.MaxNamePrefix
	var sizeOpts []*slack.OptionBlockObject
	for _, z := range sizes {
		sizeOpts = append(sizeOpts, slack.NewOptionBlockObject(string(z.size), text(z.label), text(z.hint)))
	}
	size := slack.NewRadioButtonsBlockElement(InSize, sizeOpts...)
	size.InitialOption = sizeOpts[0]
	ends := []*slack.OptionBlockObject{
		slack.NewOptionBlockObject("+1h", text("In 1 hour"), nil),
		slack.NewOptionBlockObject("+8h", text("In 8 hours"), nil),
		slack.NewOptionBlockObject("+168h", text("In 1 week"), nil),
	}
	end := slack.NewRadioButtonsBlockElement(InEnd, ends...)
	end.InitialOption = ends[0]
	options := slack.NewCheckboxGroupsBlockElement(InOptions,
		slack.NewOptionBlockObject("dialIn", text("Dial-in"), text("Phone numbers and an access code, for those who call in.")),
		slack.NewOptionBlockObject("locked", text("Locked"), text("Guests knock and wait for a host to let them in.")),
	)
	prefix := slack.NewPlainTextInputBlockElement(text("e.g. support"), InPrefix)
	prefix.MaxLength = maxPrefix
	title := slack.NewPlainTextInputBlockElement(text("e.g. Walk-in support"), InTitle)
	title.MaxLength = booking.MaxTitle
	blocks := []slack.Block{
		slack.NewInputBlock(InSize, text("Size"), nil, size),
		optional(slack.NewInputBlock(InTitle, text("Title"), nil, title)),
		optional(slack.NewInputBlock(InPrefix, text("Name prefix"), text(fmt.Sprintf("The start of the room's address: up to %d of a-z, 0-9 and -.", maxPrefix)), prefix)),
		slack.NewInputBlock(InEnd, text("Room may go"), text("roomkeeper deletes the room after this, never while someone is still in it."), end),
		optional(slack.NewInputBlock(InEndAt, text("…or at"), text("A date and time of your choosing, instead."), slack.NewDateTimePickerBlockElement(InEndAt))),
		optional(slack.NewInputBlock(InOptions, text("Options"), nil, options)),
	}
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: CreateCallback,
		Title:      text("Create Room"),
		Submit:     text("Create"),
		Close:      text("Cancel"),
		Blocks:     slack.Blocks{BlockSet: blocks},
	}
}

func optional(b *slack.InputBlock) *slack.InputBlock {
	b.Optional = true
	return b
}
