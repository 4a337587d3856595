package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"

	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// figureCells is a row of the usage table: label, then the figures.
func figureCells(label string, f operator.Figures) []string {
	return []string{label, fmt.Sprint(f.Rooms), fmt.Sprint(f.Sessions), fmt.Sprint(f.Participants), fmt.Sprint(f.ParticipantMinutes),
		fmt.Sprint(f.DialInCallers), fmt.Sprint(f.RecordedMinutes), fmt.Sprint(f.StreamedMinutes)}
}

var usageCommand = adminCommand{
	name:     "usage",
	synopsis: "[--from D] [--to D] [--json]",
	summary:  "rooms, sessions, participants and minutes per day (default: the last 30 days)",
	about: `Shows per day, in the server's ROOMKEEPER_TIME_ZONE, the rooms that had a call, the sessions,
participants, participant minutes, dial-in callers, and recorded and streamed minutes, with the
totals. The days run from --from to --to, both included (default: the last 30 days); a room is
counted once it is cleaned up.`,
	example: "roomkeeper usage --from 2026-12-01 --to 2026-12-31",
	flags: func(fl *flag.FlagSet) adminAction {
		var from, to string
		dateFlag(fl, &from, "from", "the first day `D`, such as 2026-12-01")
		dateFlag(fl, &to, "to", "the last day `D`, included")
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, _ []string) error {
			q := url.Values{}
			if from != "" {
				q.Set("from", from)
			}
			if to != "" {
				q.Set("to", to)
			}
			ans, err := con.api.do(ctx, apiCall{method: http.MethodGet, path: "/v1/usage", query: q})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, func(u operator.Usage) error {
				fmt.Fprintf(con.out, "Usage per day in %s, %s to %s\n\n", u.TimeZone, u.From, u.To)
				t := newTable(con.out, "DAY", "ROOMS", "SESSIONS", "PARTICIPANTS", "PARTICIPANT MINUTES", "DIAL-IN CALLERS", "RECORDED MINUTES", "STREAMED MINUTES")
				for _, d := range u.Days {
					t.row(figureCells(d.Date, d.Figures)...)
				}
				t.row(figureCells("total", u.Totals)...)
				return t.flush()
			})
		}
	},
}

var peopleErase = adminCommand{
	name:     "people erase",
	args:     []string{"EMAIL"},
	synopsis: "[--json] EMAIL",
	summary:  "erase a person from every record and the outbox",
	about: `Erases a person: in every booking that holds the address (as organizer, attendee or invitation)
the address and name are replaced by an anonymous one and no mail goes to it again; they are
removed from meetings still to come. The local server also deletes the outbox's messages to or
from them. Running it again changes nothing more.`,
	example: "roomkeeper people erase bob@example.net",
	flags: func(fl *flag.FlagSet) adminAction {
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, args []string) error {
			ans, err := con.api.do(ctx, apiCall{method: http.MethodDelete, path: "/v1/people/" + url.PathEscape(args[0])})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, func(n operator.Erased) error {
				if n.Records == 0 && n.Outbox == 0 {
					_, err := fmt.Fprintf(con.out, "Nothing held %s: nothing changed.\n", args[0])
					return err
				}
				_, err := fmt.Fprintf(con.out, "Erased %s: %s and %s changed.\n", args[0], plural(n.Records, "record"), plural(n.Outbox, "outbox message"))
				return err
			})
		}
	},
}
