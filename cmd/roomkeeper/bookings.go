package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// bookingView is a booking as GET /v1/bookings/{id} shows it (docs/admin-api.md).
type bookingView struct {
	Key          string    `json:"key"`
	Source       string    `json:"source"`
	ExternalID   string    `json:"externalId"`
	Status       string    `json:"status"`
	Sequence     int       `json:"sequence"`
	Title        string    `json:"title"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	TimeZone     string    `json:"timeZone"`
	Room         *room     `json:"room"`
	RetiredRooms []room    `json:"retiredRooms"`
	Invites      []struct {
		Email    string    `json:"email"`
		Name     string    `json:"name"`
		Role     string    `json:"role"`
		Sequence int       `json:"sequence"`
		Method   string    `json:"method"`
		SentAt   time.Time `json:"sentAt"`
		Error    string    `json:"error"`
	} `json:"invites"`
	DueAt   time.Time `json:"dueAt"`
	Done    bool      `json:"done"`
	Failure *struct {
		Message   string    `json:"message"`
		Permanent bool      `json:"permanent"`
		At        time.Time `json:"at"`
	} `json:"failure"`
	RoomVanishedAt     time.Time `json:"roomVanishedAt"`
	PossibleDuplicates int       `json:"possibleDuplicates"`
	CreatedAt          time.Time `json:"createdAt"`
	UpdatedAt          time.Time `json:"updatedAt"`
}

// invites sums up the invites: how many went out, how many the mail service refused.
func (b bookingView) invites() string {
	sent, refused := 0, 0
	for _, inv := range b.Invites {
		switch {
		case inv.Error != "":
			refused++
		case inv.Method != "":
			sent++
		}
	}
	s := fmt.Sprintf("%d of %d sent", sent, len(b.Invites))
	if refused > 0 {
		s += fmt.Sprintf(", %d refused", refused)
	}
	return s
}

// next says when roomkeeper next works on the booking.
func (con *console) next(b bookingView) string {
	if b.Done {
		return "done"
	}
	return con.at(b.DueAt)
}

// problem shows the last failure: whether roomkeeper retries, and what it was.
func (b bookingView) problem() string {
	switch {
	case b.Failure == nil:
		return ""
	case b.Failure.Permanent:
		return "stopped: " + b.Failure.Message
	}
	return "retrying: " + b.Failure.Message
}

var bookingsList = adminCommand{
	name:     "bookings list",
	synopsis: "[--status confirmed|cancelled] [--from D] [--to D] [--limit N] [--json]",
	summary:  "bookings by meeting start: status, room, invites, what is due, the last error",
	about: `Lists bookings (not rooms made by hand) by meeting start, soonest first: their status, room,
invites, when roomkeeper next works on them and the last error. --from and --to bound the start
(from inclusive, to exclusive): a date means midnight UTC. It reads every page.`,
	example: "roomkeeper bookings list --status confirmed --from 2026-12-01 --to 2026-12-08",
	flags: func(fl *flag.FlagSet) adminAction {
		status := fl.String("status", "", "only the bookings with status `S`: confirmed or cancelled")
		var from, to string
		timeOrDateFlag(fl, &from, "from", "only meetings starting at or after `D`: a date such as 2026-12-01, or a time")
		timeOrDateFlag(fl, &to, "to", "only meetings starting before `D`: a date, or a time")
		var limit int
		limitFlag(fl, &limit)
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"status": *status, "from": from, "to": to} {
				if v != "" {
					q.Set(k, v)
				}
			}
			items, err := con.api.list(ctx, "/v1/bookings", q, "bookings", limit)
			if err != nil {
				return err
			}
			if *asJSON {
				return con.writeList("bookings", items)
			}
			bookings, err := decodeItems[bookingView](items)
			if err != nil {
				return err
			}
			if len(bookings) == 0 {
				_, err := fmt.Fprintln(con.out, "No bookings.")
				return err
			}
			t := newTable(con.out, "BOOKING", "SOURCE ID", "STATUS", "START", "TITLE", "ROOM", "INVITES", "NEXT", "LAST ERROR")
			for _, b := range bookings {
				roomID := "-"
				if b.Room != nil {
					roomID = b.Room.RoomID
				}
				t.row(b.Key, b.Source+":"+b.ExternalID, b.Status, con.at(b.Start), orDash(clip(b.Title, 32)), roomID, b.invites(), con.next(b), orDash(clip(b.problem(), 48)))
			}
			return t.flush()
		}
	},
}

var bookingsShow = adminCommand{
	name:     "bookings show",
	args:     []string{"ID"},
	synopsis: "[--host-url] [--json] ID",
	summary:  "one booking: its room, the invites sent, what is due and the last error",
	about: `Shows one booking: its status, meeting, room (and rooms it replaced, still to delete), the
invites sent to each recipient, when roomkeeper next works on it, and the last error. ID is the
booking key the webhook answered with, or the source's own id as SOURCE:ID (generic:bk_a).`,
	example: "roomkeeper bookings show generic:bk_a",
	flags: func(fl *flag.FlagSet) adminAction {
		hostURL := fl.Bool("host-url", false, "include the room's host link, which gives host powers for the room's whole life")
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, args []string) error {
			var q url.Values
			if *hostURL {
				q = url.Values{"include": {"hostUrl"}}
			}
			ans, err := con.api.do(ctx, apiCall{method: http.MethodGet, path: "/v1/bookings/" + url.PathEscape(args[0]), query: q})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, con.bookingDetails)
		}
	},
}

func (con *console) bookingDetails(b bookingView) error {
	t := newTable(con.out)
	add := func(name, value string) {
		if value != "" && value != "-" {
			t.row(name, value)
		}
	}
	add("Booking", b.Key)
	add("Source ID", b.Source+":"+b.ExternalID)
	add("Status", fmt.Sprintf("%s (sequence %d)", b.Status, b.Sequence))
	add("Title", b.Title)
	add("Start", con.at(b.Start))
	add("End", con.at(b.End))
	add("Booked in", b.TimeZone)
	if r := b.Room; r != nil {
		line := r.RoomID
		if r.Live {
			line += "  ● live"
		}
		add("Room", line)
		add("Guest link", r.GuestURL)
		add("Host link", r.HostURL)
	} else {
		add("Room", "none")
	}
	for _, r := range b.RetiredRooms {
		add("Replaced room", r.RoomID+" (to be deleted)")
	}
	if !b.RoomVanishedAt.IsZero() {
		add("Room vanished", con.at(b.RoomVanishedAt)+": gone at the provider, replaced by a new room")
	}
	if b.Done {
		add("Next", "done: nothing left to do")
	} else {
		add("Next", con.at(b.DueAt))
	}
	if f := b.Failure; f != nil {
		how := "temporary: roomkeeper retries"
		if f.Permanent {
			how = "permanent: retries stopped, the organizer was e-mailed"
		}
		add("Last error", fmt.Sprintf("%s (%s, %s)", f.Message, how, con.at(f.At)))
	}
	if b.PossibleDuplicates > 0 {
		add("Possible duplicates", plural(b.PossibleDuplicates, "invite")+" may have gone out twice")
	}
	add("Created", con.at(b.CreatedAt))
	add("Updated", con.at(b.UpdatedAt))
	if err := t.flush(); err != nil {
		return err
	}
	if len(b.Invites) == 0 {
		return nil
	}
	fmt.Fprintln(con.out)
	t = newTable(con.out, "INVITED", "ROLE", "LAST SENT", "METHOD", "SEQUENCE", "REFUSED")
	for _, inv := range b.Invites {
		seq := "-"
		if inv.Method != "" {
			seq = fmt.Sprint(inv.Sequence)
		}
		t.row(person{inv.Name, inv.Email}.String(), inv.Role, con.at(inv.SentAt), orDash(inv.Method), seq, inv.Error)
	}
	return t.flush()
}
