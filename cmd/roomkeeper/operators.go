package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// The operators and the audit list, through the admin API like every other admin command: the
// local server holds its database file locked, and going through the API makes the same
// commands work against AWS and records who did what.

var operatorsAdd = adminCommand{
	name:     "operators add",
	args:     []string{"NAME"},
	synopsis: "--role viewer|admin [--email E] [--time-zone Z] [--json] NAME",
	summary:  "add a person who runs meetings, with a token of their own (admins only)",
	about: `Adds an operator and prints their token, once: roomkeeper keeps only its hash, so it cannot be
shown again (remove the operator and add them anew to replace a lost one). A viewer sees rooms,
sessions, bookings, usage and the audit list; an admin also makes, extends and deletes rooms,
erases people and manages operators. The token works as the bearer token of the admin API, as
ROOMKEEPER_TOKEN for these commands, and to sign in to the console. NAME is 1 to 32 of a-z, 0-9,
"." and "-". The e-mail address is the default organizer of the rooms they make in the console;
the time zone is the one the console shows them times in (default: ROOMKEEPER_TIME_ZONE).`,
	example:  "roomkeeper operators add front-desk --role viewer --email desk@clinic.example --time-zone Europe/Oslo",
	required: []string{"role"},
	flags: func(fl *flag.FlagSet) adminAction {
		var req access.NewOperator
		fl.Func("role", "`viewer` (sees) or admin (also changes)", func(s string) error {
			switch r := access.Role(s); r {
			case access.Viewer, access.Admin:
				req.Role = r
				return nil
			}
			return errors.New("want viewer or admin")
		})
		fl.Func("email", "their e-mail address `E`, the default organizer of the rooms they make", func(s string) error {
			a, err := mail.ParseAddress(s)
			if err != nil || a.Name != "" || a.Address != s {
				return errors.New("want a plain e-mail address such as desk@clinic.example")
			}
			req.Email = s
			return nil
		})
		fl.Func("time-zone", "the IANA zone `Z` their console shows times in, such as Europe/Oslo", func(s string) error {
			if _, err := booking.LoadZone(s); err != nil {
				return errors.New("want an IANA time zone such as Europe/Oslo")
			}
			req.TimeZone = s
			return nil
		})
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, args []string) error {
			req.Name = args[0]
			var bad *booking.Error
			if err := access.CheckName(req.Name); errors.As(err, &bad) {
				return &usageError{msg: "NAME: " + bad.Message, usage: "usage: roomkeeper operators add --role viewer|admin [--email E] [--time-zone Z] [--json] NAME\n" +
					"(roomkeeper operators add -h says more)\n"}
			}
			ans, err := con.api.do(ctx, apiCall{method: http.MethodPost, path: "/v1/operators", body: req})
			if err != nil {
				return err
			}
			return show(con, ans, *asJSON, func(v struct {
				Operator access.Operator `json:"operator"`
				Token    string          `json:"token"`
			}) error {
				_, err := fmt.Fprintf(con.out, "Added %s (%s). Their token, shown this once — give it to them as you would a password:\n\n  %s\n\n"+
					"It works as ROOMKEEPER_TOKEN for these commands, as the admin API's bearer token and to sign in to the console.\n",
					v.Operator.Name, v.Operator.Role, v.Token)
				return err
			})
		}
	},
}

var operatorsList = adminCommand{
	name:     "operators list",
	synopsis: "[--json]",
	summary:  "the operators: role, when added, when their token last worked (admins only)",
	about: `Lists the operators by name: their role, e-mail address and time zone, when they were added and
when their token last worked (to the minute). "admin" is the holder of ROOMKEEPER_ADMIN_TOKEN.
Tokens are never shown: roomkeeper keeps only their hashes.`,
	example: "roomkeeper operators list --json",
	flags: func(fl *flag.FlagSet) adminAction {
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, _ []string) error {
			return showList(ctx, con, "/v1/operators", nil, "operators", 0, *asJSON, func(ops []access.Operator) error {
				t := newTable(con.out, "NAME", "ROLE", "CREATED", "LAST USED", "E-MAIL", "TIME ZONE")
				for _, o := range ops {
					t.row(o.Name, string(o.Role), con.at(o.Created), con.at(o.LastUsed), orDash(o.Email), orDash(o.TimeZone))
				}
				return t.flush()
			})
		}
	},
}

var operatorsRemove = adminCommand{
	name:     "operators remove",
	args:     []string{"NAME"},
	synopsis: "NAME",
	summary:  "remove an operator: their token stops working, their console sessions end (admins only)",
	about: `Removes an operator. Their token stops working at once and their console sessions end. The admin
token's operator, "admin", cannot be removed: rotate ROOMKEEPER_ADMIN_TOKEN instead
(docs/deploy.md).`,
	example: "roomkeeper operators remove front-desk",
	flags: func(*flag.FlagSet) adminAction {
		return func(ctx context.Context, con *console, args []string) error {
			if _, err := con.api.do(ctx, apiCall{method: http.MethodDelete, path: "/v1/operators/" + url.PathEscape(args[0])}); err != nil {
				return err
			}
			_, err := fmt.Fprintf(con.out, "Removed %s: their token no longer works and their console sessions are ended.\n", args[0])
			return err
		}
	},
}

// auditDefault is how many entries `roomkeeper audit` shows without --limit.
const auditDefault = 50

var auditCommand = adminCommand{
	name:     "audit",
	synopsis: "[--limit N] [--json]",
	summary:  "who changed what, newest first: rooms, erasures, operators, console sign-ins",
	about: fmt.Sprintf(`Shows the audit list, newest first: every room made, extended or deleted, every person erased,
every operator added or removed, every console sign-in and time-zone change, with the operator
who did it. Targets are room ids and operator names; an erased person shows as the anonymous
name their records now carry, never their address. Shows the %d latest unless --limit says.`, auditDefault),
	example: "roomkeeper audit --limit 200",
	flags: func(fl *flag.FlagSet) adminAction {
		limit := auditDefault
		fl.Func("limit", "show the `N` latest entries (default "+strconv.Itoa(auditDefault)+")", func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return errors.New("want a number of entries from 1 up")
			}
			limit = n
			return nil
		})
		asJSON := jsonFlag(fl)
		return func(ctx context.Context, con *console, _ []string) error {
			return showList(ctx, con, "/v1/audit", nil, "entries", limit, *asJSON, func(entries []access.Entry) error {
				t := newTable(con.out, "WHEN", "OPERATOR", "ACTION", "TARGET")
				for _, e := range entries {
					t.row(con.at(e.At), e.Operator, e.Action, orDash(e.Target))
				}
				return t.flush()
			})
		}
	},
}
