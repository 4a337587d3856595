package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// roomPath is the path of one room, or of what is under it: roomPath(id, "sessions").
func roomPath(id string, under ...string) string {
	p := "/v1/rooms/" + url.PathEscape(id)
	for _, u := range under {
		p += "/" + url.PathEscape(u)
	}
	return p
}

func jsonFlag(fl *flag.FlagSet) *bool {
	return fl.Bool("json", false, "print the API's JSON as it is sent, for scripts")
}

var roomsList = adminCommand{
	name:     "rooms list",
	synopsis: "[--ended|--all] [--limit N] [--json]",
	summary:  "the rooms that exist or are being made, soonest first (--ended, --all)",
	about: `Lists the rooms that exist or are being made, the soonest meeting first: their state, whether
a call is live in them (●), their size, meeting, booking and guest link. With --ended it lists
the rooms deleted after their meeting, the latest first; with --all both. It reads every page.`,
	example: "roomkeeper rooms list --ended --limit 20",
	oneOf:   []string{"ended", "all"},
	flags: func(fl *flag.FlagSet) adminAction {
		ended := fl.Bool("ended", false, "list the rooms deleted after their meeting, the latest first")
		all := fl.Bool("all", false, "list every room, the latest meeting first")
		var limit int
		limitFlag(fl, &limit)
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, _ []string) error {
			state := "active"
			switch {
			case *ended:
				state = "ended"
			case *all:
				state = "all"
			}
			return showList(ctx, con, "/v1/rooms", url.Values{"state": {state}}, "rooms", limit, *asJSON, func(rooms []operator.Room) error {
				t := newTable(con.out, "ROOM", "STATE", "LIVE", "SIZE", "START", "END", "TITLE", "BOOKING", "GUEST LINK")
				for _, r := range rooms {
					state := r.State
					if r.Retired {
						state += " (retired)"
					}
					made := "by hand"
					if r.Booking.Key != "" && r.Kind != "manual" {
						made = r.Booking.Source + ":" + r.Booking.ExternalID
					}
					t.row(r.RoomID, state, dot(r.Live), sizeLabel(r.Size), con.at(r.Start), con.at(r.End), orDash(clip(r.Title, 32)), made, orDash(r.GuestURL))
				}
				return t.flush()
			})
		}
	},
}

var roomsCreate = adminCommand{
	name:     "rooms create",
	synopsis: "--size 2-4|2-200 --end TIME|+DURATION [--prefix P] [--title T] [--organizer EMAIL] [--provider P] [--dial-in] [--locked] [--json]",
	summary:  "make a room by hand, for 2–4 or 2–200 people, until a time or for a while",
	about: `Makes a video room by hand and prints its guest link and host link. The room is deleted after
--end (later while a call in it is live). When the provider is slow, roomkeeper answers that the
room is being made and finishes it in the background: look again with roomkeeper rooms show.

Each run sends a new Idempotency-Key, so a request the network repeats makes one room.`,
	example:  `roomkeeper rooms create --size 2-4 --end +2h --prefix support --title "Walk-in support"`,
	required: []string{"size", "end"},
	flags: func(fl *flag.FlagSet) adminAction {
		var body operator.NewRoom
		sizeFlag(fl, &body.Size, "size", "make the room for `2-4|2-200` people (also written small or large)")
		endFlag(fl, &body.EndDate, "end", "when the room ends, `TIME`: 2026-12-05T15:00Z, or +2h or +90m from now")
		fl.StringVar(&body.NamePrefix, "prefix", "", "start the room's name with `P`: up to 13 of a-z, 0-9 and -")
		fl.StringVar(&body.Title, "title", "", "the room's title `T`, up to 500 characters (default \"Room\")")
		personFlag(fl, &body.Organizer, "organizer", "send the knock alerts and failure notices to `EMAIL` (or \"Name <email>\")")
		fl.StringVar(&body.Provider, "provider", "", "make the room with provider `P`: whereby or zoom (24sessions makes rooms only for bookings with a guest; default: the server's ROOMKEEPER_PROVIDER)")
		fl.BoolVar(&body.DialIn, "dial-in", false, "give the room phone numbers to dial in")
		fl.BoolVar(&body.Locked, "locked", false, "guests knock and the host lets them in")
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, _ []string) error {
			key, err := con.newKey()
			if err != nil {
				return err
			}
			ans, err := con.api.do(ctx, apiCall{method: http.MethodPost, path: "/v1/rooms", body: body,
				header: http.Header{"Idempotency-Key": {key}}})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, func(r operator.Room) error {
				if ans.status == http.StatusAccepted {
					id := r.RoomID
					if id == "" {
						id = path.Base(ans.header.Get("Location"))
					}
					_, err := fmt.Fprintf(con.out, "Room %s is being made: roomkeeper finishes it as soon as the provider allows.\nLook again with `roomkeeper rooms show %s` (add --host-url for the host link).\n", id, id)
					return err
				}
				fmt.Fprintf(con.out, "Room %s is ready.\n\n", r.RoomID)
				if err := con.roomDetails(r); err != nil {
					return err
				}
				_, err := fmt.Fprintln(con.out, "\nThe host link gives host powers for the room's whole life: give it to the host only.")
				return err
			})
		}
	},
}

var roomsShow = adminCommand{
	name:     "rooms show",
	args:     []string{"ID"},
	synopsis: "[--host-url] [--json] ID",
	summary:  "one room: its state, meeting, links and dial-in",
	about: `Shows one room: its state, whether a call is live in it, what it was made for, its meeting,
guest link and dial-in numbers. The host link is left out unless asked for with --host-url.`,
	example: "roomkeeper rooms show rkfmckexvfaiceig2d3xk4 --host-url",
	flags: func(fl *flag.FlagSet) adminAction {
		hostURL := fl.Bool("host-url", false, "include the host link, which gives host powers for the room's whole life")
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, args []string) error {
			ans, err := con.api.do(ctx, apiCall{method: http.MethodGet, path: roomPath(args[0]), query: includeHost(*hostURL)})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, con.roomDetails)
		}
	},
}

var roomsExtend = adminCommand{
	name:     "rooms extend",
	args:     []string{"ID"},
	synopsis: "--end TIME|+DURATION [--json] ID",
	summary:  "move a hand-made room's end, later or earlier",
	about: `Moves the end of a room made by hand, later or earlier, and shows the room. A booking's room
follows its booking: change the booking instead. A Whereby room cannot outlive the end date it
was made with: roomkeeper says the latest end it allows.`,
	example:  "roomkeeper rooms extend rkfmckexvfaiceig2d3xk4 --end +1h",
	required: []string{"end"},
	flags: func(fl *flag.FlagSet) adminAction {
		var end string
		endFlag(fl, &end, "end", "the room's new end, `TIME`: 2026-12-05T15:00Z, or +2h or +90m from now")
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, args []string) error {
			ans, err := con.api.do(ctx, apiCall{method: http.MethodPatch, path: roomPath(args[0]),
				body: map[string]string{"endDate": end}})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, con.roomDetails)
		}
	},
}

var roomsDelete = adminCommand{
	name:     "rooms delete",
	args:     []string{"ID"},
	synopsis: "[--force] ID",
	summary:  "delete a hand-made room now (--force: also during a call)",
	about: `Deletes a room made by hand now. While a call is live in it roomkeeper refuses, unless --force,
which ends the call for everyone in it. A booking's room goes when its booking is cancelled.`,
	example: "roomkeeper rooms delete rkfmckexvfaiceig2d3xk4",
	flags: func(fl *flag.FlagSet) adminAction {
		force := fl.Bool("force", false, "delete the room even during a call, ending it for everyone")
		return func(ctx context.Context, con *console, args []string) error {
			var q url.Values
			if *force {
				q = url.Values{"force": {"true"}}
			}
			if _, err := con.api.do(ctx, apiCall{method: http.MethodDelete, path: roomPath(args[0]), query: q}); err != nil {
				return err
			}
			_, err := fmt.Fprintf(con.out, "Deleted room %s.\n", args[0])
			return err
		}
	},
}

// roomDetails shows one room as "name  value" lines, leaving out what it does not have.
func (con *console) roomDetails(r operator.Room) error {
	t := newTable(con.out)
	t.detail("Room", r.RoomID)
	state := r.State
	if r.Live {
		state += "  ● live"
	}
	if r.Retired {
		state += ", retired: replaced by a newer room, to be deleted"
	}
	t.detail("State", state)
	switch {
	case r.Kind == "manual":
		t.detail("Made", "by hand")
	case r.Booking.Key != "":
		t.detail("Booking", fmt.Sprintf("%s (%s:%s, %s)", r.Booking.Key, r.Booking.Source, r.Booking.ExternalID, r.Booking.Status))
	}
	t.detail("Title", r.Title)
	t.detail("Size", sizeLabel(r.Size))
	t.detail("Start", con.at(r.Start))
	t.detail("End", con.at(r.End))
	t.detail("Provider", strings.TrimSpace(r.Provider+" "+r.RoomName))
	t.detail("Guest link", r.GuestURL)
	t.detail("Host link", r.HostURL)
	if r.DialIn != nil {
		for _, n := range r.DialIn.Numbers {
			t.detail("Dial-in", strings.TrimSpace(fmt.Sprintf("%s %s  %s", n.E164, n.Country, n.Tel)))
		}
		t.detail("Dial-in code", r.DialIn.Code)
		t.detail("Dial-in passcode", r.DialIn.Passcode)
	}
	if r.Organizer != nil {
		t.detail("Organizer", personLine(*r.Organizer))
	}
	t.detail("Expires", con.at(r.ExpiresAt))
	t.detail("Deleted", con.at(r.DeletedAt))
	return t.flush()
}
