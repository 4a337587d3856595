package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strings"

	"github.com/roomkeeper/roomkeeper/shared/operator"
)

var roomsSessions = adminCommand{
	name:     "rooms sessions",
	args:     []string{"ID"},
	synopsis: "[--json] ID",
	summary:  "a room's calls: times, participants, minutes, dial-in callers, recordings",
	about: `Lists the sessions (calls) of one room, oldest first, also after the room was deleted: when each
started and ended, whether it is live (●), its connections, participant minutes, dial-in callers,
and Whereby's recorded and streamed minutes. Session "-" holds the visits outside any session (a
lone visitor forms none). roomkeeper rooms participants shows who was in one.`,
	example: "roomkeeper rooms sessions rkfmckexvfaiceig2d3xk4",
	flags: func(fl *flag.FlagSet) adminAction {
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, args []string) error {
			ans, err := con.api.do(ctx, apiCall{method: http.MethodGet, path: roomPath(args[0], "sessions")})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, func(s operator.Sessions) error {
				if len(s.Sessions) == 0 {
					_, err := fmt.Fprintf(con.out, "No sessions in room %s.\n", args[0])
					return err
				}
				t := newTable(con.out, "SESSION", "STARTED", "ENDED", "LIVE", "CONNECTIONS", "PARTICIPANT MINUTES", "DIAL-IN CALLERS", "RECORDED", "STREAMED")
				for _, ss := range s.Sessions {
					var callers []string
					for _, c := range ss.DialInCallers {
						if c.Calls > 1 {
							callers = append(callers, fmt.Sprintf("%s (%d calls)", c.DisplayName, c.Calls))
						} else {
							callers = append(callers, c.DisplayName)
						}
					}
					t.row(ss.SessionID, con.at(ss.StartedAt), con.at(ss.EndedAt), dot(ss.Live), fmt.Sprint(ss.Participants),
						fmt.Sprint(ss.ParticipantMinutes), orDash(strings.Join(callers, ", ")), minutes(ss.RecordedMinutes), minutes(ss.StreamedMinutes))
				}
				if err := t.flush(); err != nil {
					return err
				}
				if s.Insights == operator.InsightsUnavailable {
					_, err := fmt.Fprintln(con.out, "\nRecorded and streamed minutes are missing: the provider's insights did not answer in time.")
					return err
				}
				return nil
			})
		}
	},
}

var roomsParticipants = adminCommand{
	name:     "rooms participants",
	args:     []string{"ID", "SESSION"},
	synopsis: "[--json] ID SESSION",
	summary:  "who was in one session of a room, connection by connection",
	about: `Lists each connection of one session of a room, in the order joined: the name and role the
provider reported, host powers, dial-in, when it joined and left, its minutes, and whether it is
still present (●). SESSION is an id from roomkeeper rooms sessions; "-" lists the visits outside
any session.`,
	example: "roomkeeper rooms participants rkfmckexvfaiceig2d3xk4 2a4ed9b1-52c4-4f33-9a5c-0a7d1e6f1f10",
	flags: func(fl *flag.FlagSet) adminAction {
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, args []string) error {
			ans, err := con.api.do(ctx, apiCall{method: http.MethodGet, path: roomPath(args[0], "sessions", args[1], "participants")})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, func(p operator.Participants) error {
				if len(p.Participants) == 0 {
					_, err := fmt.Fprintf(con.out, "No one in session %s of room %s.\n", args[1], args[0])
					return err
				}
				t := newTable(con.out, "NAME", "ROLE", "HOST", "DIAL-IN", "JOINED", "LEFT", "MINUTES", "PRESENT")
				for _, c := range p.Participants {
					t.row(orDash(c.DisplayName), orDash(c.Role), yes(c.Host), yes(c.DialIn), con.at(c.JoinedAt), con.at(c.LeftAt), fmt.Sprint(c.Minutes), dot(c.Present))
				}
				return t.flush()
			})
		}
	},
}

// minutes shows a figure the provider may not have reported: "-" when absent.
func minutes(n *int) string {
	if n == nil {
		return "-"
	}
	return fmt.Sprint(*n)
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}
