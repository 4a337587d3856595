package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// inviteSummary sums up the invites: how many went out, how many the mail service refused.
func inviteSummary(invites []operator.Invite) string {
	sent, refused := 0, 0
	for _, inv := range invites {
		switch {
		case inv.Error != "":
			refused++
		case inv.Method != "":
			sent++
		}
	}
	s := fmt.Sprintf("%d of %d sent", sent, len(invites))
	if refused > 0 {
		s += fmt.Sprintf(", %d refused", refused)
	}
	return s
}

// next says when roomkeeper next works on the booking.
func (con *console) next(b operator.Booking) string {
	if b.Done {
		return "done"
	}
	return con.at(b.DueAt)
}

// problem shows the last failure: whether roomkeeper retries, and what it was.
func problem(f *operator.Failure) string {
	switch {
	case f == nil:
		return ""
	case f.Permanent:
		return "stopped: " + f.Message
	}
	return "retrying: " + f.Message
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
			return showList(ctx, con, "/v1/bookings", q, "bookings", limit, *asJSON, func(bookings []operator.Booking) error {
				t := newTable(con.out, "BOOKING", "SOURCE ID", "STATUS", "START", "TITLE", "ROOM", "INVITES", "NEXT", "LAST ERROR")
				for _, b := range bookings {
					roomID := "-"
					if b.Room != nil {
						roomID = b.Room.RoomID
					}
					t.row(b.Key, b.Source+":"+b.ExternalID, string(b.Status), con.at(b.Start), orDash(clip(b.Title, 32)), roomID, inviteSummary(b.Invites), con.next(b), orDash(clip(problem(b.Failure), 48)))
				}
				return t.flush()
			})
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
			ans, err := con.api.do(ctx, apiCall{method: http.MethodGet, path: "/v1/bookings/" + url.PathEscape(args[0]), query: includeHost(*hostURL)})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, con.bookingDetails)
		}
	},
}

func (con *console) bookingDetails(b operator.Booking) error {
	t := newTable(con.out)
	t.detail("Booking", b.Key)
	t.detail("Source ID", b.Source+":"+b.ExternalID)
	t.detail("Status", fmt.Sprintf("%s (sequence %d)", b.Status, b.Sequence))
	t.detail("Title", b.Title)
	t.detail("Start", con.at(b.Start))
	t.detail("End", con.at(b.End))
	t.detail("Booked in", b.TimeZone)
	if r := b.Room; r != nil {
		line := r.RoomID
		if r.Live {
			line += "  ● live"
		}
		t.detail("Room", line)
		t.detail("Guest link", r.GuestURL)
		t.detail("Host link", r.HostURL)
	} else {
		t.detail("Room", "none")
	}
	for _, r := range b.RetiredRooms {
		t.detail("Replaced room", r.RoomID+" (to be deleted)")
	}
	if !b.RoomVanishedAt.IsZero() {
		t.detail("Room vanished", con.at(b.RoomVanishedAt)+": gone at the provider, replaced by a new room")
	}
	if b.Done {
		t.detail("Next", "done: nothing left to do")
	} else {
		t.detail("Next", con.at(b.DueAt))
	}
	if f := b.Failure; f != nil {
		how := "temporary: roomkeeper retries"
		if f.Permanent {
			how = "permanent: retries stopped, the organizer was e-mailed"
		}
		t.detail("Last error", fmt.Sprintf("%s (%s, %s)", f.Message, how, con.at(f.At)))
	}
	if len(b.Reminders) > 0 {
		leads := make([]string, len(b.Reminders))
		for i, m := range b.Reminders {
			leads[i] = operator.Minutes(m)
		}
		t.detail("Reminders", strings.Join(leads, ", ")+" before the start")
	}
	if b.PossibleDuplicates > 0 {
		t.detail("Possible duplicates", plural(b.PossibleDuplicates, "invite")+" may have gone out twice")
	}
	t.detail("Created", con.at(b.CreatedAt))
	t.detail("Updated", con.at(b.UpdatedAt))
	if err := t.flush(); err != nil {
		return err
	}
	if len(b.Invites) == 0 {
		return nil
	}
	fmt.Fprintln(con.out)
	t = newTable(con.out, "INVITED", "ROLE", "LAST SENT", "METHOD", "SEQUENCE", "REMINDED", "REFUSED")
	for _, inv := range b.Invites {
		seq := "-"
		if inv.Method != "" {
			seq = fmt.Sprint(inv.Sequence)
		}
		reminded := "-"
		if inv.Reminded > 0 {
			reminded = operator.Minutes(inv.Reminded) + " before"
		}
		t.row(personLine(booking.Person{Name: inv.Name, Email: inv.Email}), inv.Role, con.at(inv.SentAt), orDash(string(inv.Method)), seq, reminded, inv.Error)
	}
	return t.flush()
}
