package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/admin"
)

// adminCommand is a command that calls the admin API (docs/admin-api.md). Its flags may come
// before or after its arguments, and everything a person can get wrong on the command line is
// caught before anything is sent.
type adminCommand struct {
	name     string   // as typed: "rooms create"
	args     []string // its arguments' names, in order: "ID", "SESSION"
	synopsis string   // the flags and arguments for the usage line: "[--json] ID"
	summary  string   // one line for `roomkeeper help`
	about    string   // what it does, for -h
	example  string   // a command line, for -h
	required []string // the flags that must be given
	oneOf    []string // flags of which at most one may be given
	// flags defines the command's flags on fl and returns what runs once they are read.
	flags func(fl *flag.FlagSet) adminAction
}

// adminAction runs an admin command with its arguments, its flags read. Its errors need no
// wrapping: run prints them after the command's name, which says what was being done.
type adminAction func(ctx context.Context, con *console, args []string) error

func (ac adminCommand) run(ctx context.Context, args []string, c cli) error {
	fl := flag.NewFlagSet(ac.name, flag.ContinueOnError)
	fl.SetOutput(io.Discard) // run prints the error and the usage, as for every other mistake
	act := ac.flags(fl)
	pos, err := parseInterspersed(fl, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(c.stdout, "usage: roomkeeper %s %s\n\n%s\n\nexample:\n  %s\n%s", ac.name, ac.synopsis, ac.about, ac.example, flagList(fl))
		return err
	}
	if err != nil {
		// The flag package names flags with one dash; these commands show two.
		msg := strings.NewReplacer("for flag -", "for --", "argument: -", "argument: --", "defined: -", "defined: --").Replace(err.Error())
		return ac.misuse(fl, msg)
	}
	var given, chosen []string
	fl.Visit(func(f *flag.Flag) {
		given = append(given, f.Name)
		if slices.Contains(ac.oneOf, f.Name) && f.Value.String() != "false" {
			chosen = append(chosen, f.Name)
		}
	})
	for _, name := range ac.required {
		if !slices.Contains(given, name) {
			return ac.misuse(fl, "--"+name+" is required")
		}
	}
	if len(chosen) > 1 {
		return ac.misuse(fl, "give --"+strings.Join(chosen, " or --")+", not both")
	}
	switch {
	case len(pos) < len(ac.args):
		return ac.misuse(fl, "want "+strings.Join(ac.args[len(pos):], " "))
	case len(pos) > len(ac.args):
		return ac.misuse(fl, fmt.Sprintf("unexpected argument %q", pos[len(ac.args)]))
	}
	con, err := c.console()
	if err != nil {
		return err
	}
	return act(ctx, con, pos)
}

func (ac adminCommand) misuse(fl *flag.FlagSet, msg string) error {
	usage := fmt.Sprintf("usage: roomkeeper %s %s\n%s", ac.name, ac.synopsis, flagList(fl))
	return &usageError{msg: msg, usage: usage + "(roomkeeper " + ac.name + " -h says more)\n"}
}

// flagList lists the flags as "--name VALUE  what it is" lines, or nothing when there are none.
func flagList(fl *flag.FlagSet) string {
	var b strings.Builder
	t := newTable(&b)
	fl.VisitAll(func(f *flag.Flag) {
		value, usage := flag.UnquoteUsage(f)
		t.row("  --"+strings.TrimSpace(f.Name+" "+value), usage)
	})
	_ = t.flush()
	if b.Len() == 0 {
		return ""
	}
	return "\nflags (before or after the arguments):\n" + b.String()
}

// parseInterspersed parses args with fl and returns the arguments that are not flags, letting
// flags come before, between or after them: "rooms show ID --json" as well as "rooms show --json
// ID". The flag package stops at the first argument that is not a flag, so this parses, takes
// that argument, and parses the rest again, until nothing is left. After "--" everything is an
// argument.
func parseInterspersed(fl *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		rest := fl.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if stoppedAtDashes(fl, args, rest) {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// stoppedAtDashes reports whether fl.Parse(args), leaving rest, stopped at "--" (which it drops)
// rather than at an argument: whether the last word it read is a "--" that is no flag's value
// (as in "--title --").
func stoppedAtDashes(fl *flag.FlagSet, args, rest []string) bool {
	i := len(args) - len(rest) - 1
	if i < 0 || args[i] != "--" {
		return false
	}
	if i == 0 {
		return true
	}
	name, isFlag := strings.CutPrefix(args[i-1], "-")
	name = strings.TrimPrefix(name, "-")
	f := fl.Lookup(name)
	if !isFlag || f == nil || strings.Contains(name, "=") {
		return true
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// operatorToken is the variable holding an operator's token for the admin commands; it wins over
// the admin token.
const operatorToken = "ROOMKEEPER_TOKEN"

// console is what an admin command works with: the API, where to print, the zone times are shown
// in, and the randomness idempotency keys come from.
type console struct {
	api    *adminAPI
	out    io.Writer
	zone   *time.Location
	random io.Reader
}

// console finds the admin API: ROOMKEEPER_URL, by default the local server (the public URL the
// configuration gives), with ROOMKEEPER_TOKEN (an operator's token) or else
// ROOMKEEPER_ADMIN_TOKEN, by default the admin token the local server generated into its data
// directory. That token is for the local server only: another URL needs its own. Times are shown
// in ROOMKEEPER_TIME_ZONE, by default the machine's zone.
func (c cli) console() (*console, error) {
	base := strings.TrimRight(strings.TrimSpace(c.getenv("ROOMKEEPER_URL")), "/")
	token := strings.TrimSpace(c.getenv(operatorToken))
	if token == "" {
		token = strings.TrimSpace(c.getenv(admin.Token))
	}
	if base == "" || token == "" {
		cfg, err := config.FromEnv(func(k string) (string, bool) { v := c.getenv(k); return v, v != "" })
		if err != nil {
			return nil, err
		}
		switch {
		case base == "":
			base = cfg.PublicURL
		case token == "" && base != cfg.PublicURL:
			return nil, fmt.Errorf("no admin token: set %s to the token of %s", admin.Token, base)
		}
		if token == "" {
			token, err = loadDevSecret(cfg, c.getenv, admin.Token)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("no admin token: set %s, or start the local server with `make dev` (it keeps its token in %s)", admin.Token, secretsPath(cfg))
			}
			if err != nil {
				return nil, fmt.Errorf("no admin token: %w", err)
			}
		}
	}
	zone := time.Local
	if name := c.getenv("ROOMKEEPER_TIME_ZONE"); name != "" {
		var err error
		if zone, err = time.LoadLocation(name); err != nil {
			return nil, fmt.Errorf("ROOMKEEPER_TIME_ZONE: want an IANA time zone such as Europe/Oslo, got %q", name)
		}
	}
	random := c.random
	if random == nil {
		random = rand.Reader
	}
	return &console{api: &adminAPI{base: base, token: token, client: c.client}, out: c.stdout, zone: zone, random: random}, nil
}

// newKey returns a fresh idempotency key: 128 random bits in hex.
func (con *console) newKey() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(con.random, b[:]); err != nil {
		return "", fmt.Errorf("make an idempotency key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// writeJSON prints JSON as the API sent it, on a line of its own.
func (con *console) writeJSON(raw []byte) error {
	raw = []byte(strings.TrimRight(string(raw), "\n"))
	_, err := fmt.Fprintf(con.out, "%s\n", raw)
	return err
}

// writeList prints the items of every page of a list as one JSON document, {"rooms": [...]}:
// the items as the API sent them, and no cursor.
func (con *console) writeList(key string, items []json.RawMessage) error {
	if items == nil {
		items = []json.RawMessage{}
	}
	raw, err := json.Marshal(map[string][]json.RawMessage{key: items})
	if err != nil {
		return err
	}
	return con.writeJSON(raw)
}

// show decodes an answer and prints it: with asJSON as the API sent it, else as text writes it.
func show[T any](con *console, ans apiAnswer, asJSON bool, text func(v T) error) error {
	var v T
	if err := ans.decode(&v); err != nil {
		return err
	}
	if asJSON {
		return con.writeJSON(ans.body)
	}
	return text(v)
}

// showList reads a paged list (up to most items, 0: all) and prints it: with asJSON as the API
// sent its items, "No rooms." (the key) when it is empty, else as text writes it.
func showList[T any](ctx context.Context, con *console, path string, query url.Values, key string, most int, asJSON bool, text func(items []T) error) error {
	items, err := con.api.list(ctx, path, query, key, most)
	if err != nil {
		return err
	}
	if asJSON {
		return con.writeList(key, items)
	}
	out := make([]T, len(items))
	for i, raw := range items {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return fmt.Errorf("item %d of the list is not roomkeeper's JSON: %w", i+1, err)
		}
	}
	if len(out) == 0 {
		_, err := fmt.Fprintf(con.out, "No %s.\n", key)
		return err
	}
	return text(out)
}

// includeHost is the query that asks for host links, when want is set.
func includeHost(want bool) url.Values {
	if !want {
		return nil
	}
	return url.Values{"include": {"hostUrl"}}
}

// at shows a time to the minute in the console's zone, with the zone's abbreviation; "-" when it
// is absent.
func (con *console) at(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(con.zone).Format("2006-01-02 15:04 MST")
}

// orDash shows an absent value as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// dot marks what is happening now: a live room or session, a participant present.
func dot(on bool) string {
	if on {
		return "●"
	}
	return ""
}

// plural counts things: "1 invite", "2 invites".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// clip shortens a long text (a title, an error) for a table cell.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
