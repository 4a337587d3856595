package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	walkinURL = "https://subdomain.whereby.com/support-rkwalkin01-77aa"
	introURL  = "https://subdomain.whereby.com/intro-rkfmckexvfaiceig2d3xk4-5d1c"
	introURL1 = "https://subdomain.whereby.com/intro-rkfmckexvfaiceig1-5d1c"
	auth      = "Bearer " + fakeToken
)

var roomColumns = []string{"ROOM", "STATE", "LIVE", "SIZE", "START", "END", "TITLE", "BOOKING", "GUEST LINK"}

func TestRoomsList(t *testing.T) {
	active := [][]string{
		{"rkwalkin01", "active", "●", "2–200 people", "2026-11-22 10:00 CET", "2026-11-22 13:00 CET", "Walk-in support for everyone wh…", "by hand", walkinURL},
		{"rkfmckexvfaiceig2d3xk4", "active", "●", "2–4 people", "2026-11-22 10:30 CET", "2026-11-22 11:30 CET", "Intro call", "generic:bk_a", introURL},
		{"rkfmckexvfaiceig1", "active (retired)", "", "2–4 people", "2026-11-22 10:30 CET", "2026-11-22 11:30 CET", "Intro call", "generic:bk_a", introURL1},
		{"rkweeklysync", "creating", "", "2–200 people", "2026-11-23 09:00 CET", "2026-11-23 09:30 CET", "Weekly sync", "calcom:team/weekly-7", "-"},
	}
	tests := []struct {
		name     string
		args     []string
		requests []string
		rows     [][]string
	}{
		{
			name: "the active rooms, page after page",
			args: []string{"rooms", "list"},
			requests: []string{
				"GET /v1/rooms?limit=100&state=active",
				"GET /v1/rooms?cursor=" + fakeCursor(3) + "&limit=100&state=active",
			},
			rows: active,
		},
		{
			name:     "the ended rooms, the latest first",
			args:     []string{"rooms", "list", "--ended"},
			requests: []string{"GET /v1/rooms?limit=100&state=ended"},
			rows: [][]string{
				{"rktownhall", "ended", "", "2–200 people", "2026-11-21 16:00 CET", "2026-11-21 17:00 CET", "Town hall", "by hand", "https://subdomain.whereby.com/townhall-rktownhall-5d1c"},
				{"rkkickoff", "ended", "", "2–4 people", "2026-11-20 14:00 CET", "2026-11-20 15:00 CET", "Kick-off", "generic:bk_k", "https://subdomain.whereby.com/kickoff-rkkickoff-5d1c"},
			},
		},
		{
			name:     "a limit asks for no more and stops after it",
			args:     []string{"rooms", "list", "--all", "--limit", "2"},
			requests: []string{"GET /v1/rooms?limit=2&state=all"},
			rows:     [][]string{active[3], active[1]},
		},
		{
			name: "a limit beyond a page",
			args: []string{"rooms", "list", "--limit=4"},
			requests: []string{
				"GET /v1/rooms?limit=4&state=active",
				"GET /v1/rooms?cursor=" + fakeCursor(3) + "&limit=4&state=active",
			},
			rows: active,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			res := f.runCLI(t, nil, tt.args...)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Empty(t, res.stderr)
			assert.Equal(t, tt.rows, tableRows(t, res.stdout, roomColumns...), res.stdout)
			seen := f.seen()
			assert.Equal(t, tt.requests, requestLines(seen))
			for _, r := range seen {
				assert.Equal(t, auth, r.Auth)
				assert.Empty(t, r.Body)
			}
		})
	}
}

func TestRoomsListUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--ended", "--all"}, "give --all or --ended, not both"},
		{[]string{"--limit", "0"}, `invalid value "0" for --limit: want a number of items from 1 up`},
		{[]string{"active"}, `unexpected argument "active"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f := newFakeAPI(t)
			res := f.runCLI(t, nil, append([]string{"rooms", "list"}, tt.args...)...)
			assert.Equal(t, 2, res.code)
			assert.Equal(t, "roomkeeper rooms list: "+tt.want+"\n\nusage: roomkeeper rooms list [--ended|--all] [--limit N] [--json]\n", res.stderr[:strings.Index(res.stderr, "\n\nflags")+1])
			assert.Empty(t, f.seen())
		})
	}
	f := newFakeAPI(t)
	res := f.runCLI(t, nil, "rooms", "list", "--ended=false", "--all")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, []string{"GET /v1/rooms?limit=100&state=all", "GET /v1/rooms?cursor=" + fakeCursor(3) + "&limit=100&state=all"}, requestLines(f.seen()))
}

func requestLines(rs []fakeRequest) []string {
	var lines []string
	for _, r := range rs {
		lines = append(lines, r.String())
	}
	return lines
}

// TestRoomsListJSON: --json prints every page's rooms as one document, each room as the API
// sent it.
func TestRoomsListJSON(t *testing.T) {
	f := newFakeAPI(t)
	res := f.runCLI(t, nil, "rooms", "list", "--json")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Len(t, f.seen(), 2, "two pages")
	require.True(t, strings.HasSuffix(res.stdout, "}\n"))
	assert.Equal(t, 1, strings.Count(res.stdout, "\n"), "one line")

	var got map[string][]map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &got))
	require.Len(t, got, 1, "rooms and nothing else: no nextCursor")
	var ids []string
	for _, r := range got["rooms"] {
		ids = append(ids, r["roomId"].(string))
	}
	assert.Equal(t, []string{"rkwalkin01", "rkfmckexvfaiceig2d3xk4", "rkfmckexvfaiceig1", "rkweeklysync"}, ids)
	want := roomView(fixture[[]map[string]any](t, fakeRooms)[0], false)
	assert.Equal(t, want, got["rooms"][1], "as the API sent it")

	f.down = false
	res = f.runCLI(t, nil, "rooms", "list", "--ended", "--limit", "1", "--json")
	require.Equal(t, 0, res.code, res.stderr)
	assert.JSONEq(t, `{"rooms": [`+mustJSON(t, roomView(fixture[[]map[string]any](t, fakeRooms)[5], false))+`]}`, res.stdout)
}

func TestRoomsListEmpty(t *testing.T) {
	f := newFakeAPI(t)
	f.rooms = nil
	res := f.runCLI(t, nil, "rooms", "list")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, "No rooms.\n", res.stdout)
	res = f.runCLI(t, nil, "rooms", "list", "--json")
	assert.Equal(t, `{"rooms":[]}`+"\n", res.stdout)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

var hexKey = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRoomsCreate(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		slow    bool
		body    string
		details map[string]string
		out     []string // lines the output holds
	}{
		{
			name: "every field, the short form of a time",
			args: []string{"rooms", "create", "--size", "2-4", "--end", "2026-12-05T15:00Z", "--prefix", "support",
				"--title", "Walk-in support", "--organizer", "Ada Host <ada@example.com>", "--dial-in", "--locked", "--provider", "whereby"},
			body: `{"endDate": "2026-12-05T15:00:00Z", "size": "small", "provider": "whereby", "namePrefix": "support",
				"dialIn": true, "locked": true, "title": "Walk-in support", "organizer": {"name": "Ada Host", "email": "ada@example.com"}}`,
			details: map[string]string{
				"Room": "rkmanual7", "State": "active", "Made": "by hand", "Title": "Walk-in support", "Size": "2–4 people",
				"Start": "2026-11-22 10:45 CET", "End": "2026-12-05 16:00 CET", "Provider": "whereby /support-rkmanual7-5d1c",
				"Guest link": "https://subdomain.whereby.com/support-rkmanual7-5d1c",
				"Host link":  "https://subdomain.whereby.com/support-rkmanual7-5d1c?roomKey=host-secret",
				"Organizer":  "Ada Host <ada@example.com>", "Expires": "2026-12-12 16:00 CET",
			},
			out: []string{"Room rkmanual7 is ready.", "The host link gives host powers for the room's whole life: give it to the host only."},
		},
		{
			name: "a duration from now, for 2-200 people, an organizer without a name",
			args: []string{"rooms", "create", "--end=+2h", "--size=2-200", "--organizer=ada@example.com"},
			body: `{"endDate": "+2h", "size": "large", "organizer": {"email": "ada@example.com"}}`,
			details: map[string]string{
				"Room": "rkmanual7", "State": "active", "Made": "by hand", "Title": "Room", "Size": "2–200 people",
				"Start": "2026-11-22 10:45 CET", "End": "2026-11-22 12:45 CET", "Provider": "whereby /room-rkmanual7-5d1c",
				"Guest link": "https://subdomain.whereby.com/room-rkmanual7-5d1c",
				"Host link":  "https://subdomain.whereby.com/room-rkmanual7-5d1c?roomKey=host-secret",
				"Organizer":  "ada@example.com", "Expires": "2026-11-29 12:45 CET",
			},
		},
		{
			name: "the API's names for the sizes, a full RFC 3339 time",
			args: []string{"rooms", "create", "--size", "large", "--end", "2026-11-22T14:00:00+01:00"},
			body: `{"endDate": "2026-11-22T14:00:00+01:00", "size": "large"}`,
			out:  []string{"Room rkmanual7 is ready."},
		},
		{
			name: "a room the provider is slow to make",
			args: []string{"rooms", "create", "--size", "2-4", "--end", "+90m"},
			slow: true,
			body: `{"endDate": "+90m", "size": "small"}`,
			out: []string{
				"Room rkmanual7 is being made: roomkeeper finishes it as soon as the provider allows.",
				"Look again with `roomkeeper rooms show rkmanual7` (add --host-url for the host link).",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.slow = tt.slow
			res := f.runCLI(t, nil, tt.args...)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Empty(t, res.stderr)
			seen := f.seen()
			require.Len(t, seen, 1)
			r := seen[0]
			assert.Equal(t, "POST /v1/rooms", r.String())
			assert.Equal(t, auth, r.Auth)
			assert.Equal(t, "application/json", r.ContentType)
			assert.Regexp(t, hexKey, r.IdempotencyKey, "128 random bits in hex")
			assert.JSONEq(t, tt.body, r.Body)
			if tt.details != nil {
				assert.Equal(t, tt.details, details(t, res.stdout, "Room"))
			}
			for _, line := range tt.out {
				assert.Contains(t, strings.Split(res.stdout, "\n"), line, res.stdout)
			}
		})
	}
}

// TestRoomsCreateJSON: --json prints the answer as sent, 201 or 202.
func TestRoomsCreateJSON(t *testing.T) {
	for _, slow := range []bool{false, true} {
		f := newFakeAPI(t)
		f.slow = slow
		res := f.runCLI(t, nil, "rooms", "create", "--json", "--size", "2-4", "--end", "+1h")
		require.Equal(t, 0, res.code, res.stderr)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &got), res.stdout)
		if slow {
			assert.Equal(t, map[string]any{"roomId": "rkmanual7", "state": "creating"}, got)
		} else {
			assert.Equal(t, f.rooms[6], got, "the room with its host link")
		}
	}
}

// TestRoomsCreateIsIdempotent: each run sends a fresh key; a key sent again with the same body
// answers the same room, with another body a 422.
func TestRoomsCreateIsIdempotent(t *testing.T) {
	f := newFakeAPI(t)
	env := map[string]string{"ROOMKEEPER_URL": f.srv.URL, "ROOMKEEPER_ADMIN_TOKEN": fakeToken, "ROOMKEEPER_TIME_ZONE": "Europe/Oslo"}
	sameKey := func() *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{0xab}, 16)) }
	args := []string{"rooms", "create", "--size", "2-4", "--end", "+1h"}

	first := runWith(t, env, sameKey(), args...)
	require.Equal(t, 0, first.code, first.stderr)
	again := runWith(t, env, sameKey(), args...)
	require.Equal(t, 0, again.code, again.stderr)
	assert.Equal(t, first.stdout, again.stdout, "the same room")
	assert.Len(t, f.rooms, 7, "one room made")
	other := runWith(t, env, sameKey(), "rooms", "create", "--size", "2-200", "--end", "+1h")
	assertOneLine(t, other, "roomkeeper rooms create: this Idempotency-Key was used with another body")
	for _, r := range f.seen() {
		assert.Equal(t, strings.Repeat("ab", 16), r.IdempotencyKey)
	}

	a, b := f.runCLI(t, nil, args...), f.runCLI(t, nil, args...)
	require.Equal(t, 0, a.code+b.code)
	seen := f.seen()
	require.Len(t, seen, 2)
	assert.NotEqual(t, seen[0].IdempotencyKey, seen[1].IdempotencyKey, "a fresh key each run")
	assert.Len(t, f.rooms, 9)
}

// TestRoomsCreateRefused: the API's refusals are one line on stderr, with the field at fault,
// and exit 1.
func TestRoomsCreateRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeAPI)
		args  []string
		want  string
	}{
		{"a bad prefix", nil, []string{"--size", "2-4", "--end", "+1h", "--prefix", "Support!"},
			"namePrefix is up to 13 of a-z, 0-9 and - (field namePrefix)"},
		{"a provider not configured", nil, []string{"--size", "2-4", "--end", "+1h", "--provider", "zoom"},
			"zoom is not configured (field provider)"},
		{"an end in the past", nil, []string{"--size", "2-4", "--end", "2026-11-01T10:00Z"},
			"endDate must be an RFC 3339 time or a duration such as +2h, in the coming year (field endDate)"},
		{"the provider refuses for good", func(f *fakeAPI) { f.refuse = "whereby refused the room: plan limit reached" },
			[]string{"--size", "2-200", "--end", "+1h"}, "whereby refused the room: plan limit reached"},
		{"roomkeeper is unavailable", func(f *fakeAPI) { f.down = true }, []string{"--size", "2-4", "--end", "+1h"},
			"temporarily unavailable, retry later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			res := f.runCLI(t, nil, append([]string{"rooms", "create"}, tt.args...)...)
			assertOneLine(t, res, "roomkeeper rooms create: "+tt.want)
			assert.Len(t, f.rooms, 6, "nothing made")
		})
	}
}

// TestRoomsCreateUsage: a mistake on the command line is exit 2 with the usage, and nothing is
// sent.
func TestRoomsCreateUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a size that is neither", []string{"--size", "3", "--end", "+1h"}, `invalid value "3" for --size: want 2-4 or 2-200 (people)`},
		{"no end", []string{"--size", "2-4"}, "--end is required"},
		{"no size", []string{"--end", "+1h"}, "--size is required"},
		{"an end that is neither a time nor a duration", []string{"--size", "2-4", "--end", "tomorrow"},
			`invalid value "tomorrow" for --end: want a time such as 2026-12-05T15:00Z or a duration from now such as +2h`},
		{"a duration back in time", []string{"--size", "2-4", "--end", "+-2h"},
			`invalid value "+-2h" for --end: want a duration from now such as +2h or +90m`},
		{"an organizer that is no address", []string{"--size", "2-4", "--end", "+1h", "--organizer", "Ada"},
			`invalid value "Ada" for --organizer: want an e-mail address such as ada@example.com`},
		{"an argument", []string{"--size", "2-4", "walk-in", "--end", "+1h"}, `unexpected argument "walk-in"`},
		{"an unknown flag", []string{"--size", "2-4", "--end", "+1h", "--colour", "blue"}, "flag provided but not defined: --colour"},
		{"a flag without its value", []string{"--size", "2-4", "--end"}, "flag needs an argument: --end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			res := f.runCLI(t, nil, append([]string{"rooms", "create"}, tt.args...)...)
			assert.Equal(t, 2, res.code)
			assert.Empty(t, res.stdout)
			first, rest, _ := strings.Cut(res.stderr, "\n")
			assert.Equal(t, "roomkeeper rooms create: "+tt.want, first)
			assert.True(t, strings.HasPrefix(rest, "\nusage: roomkeeper rooms create --size 2-4|2-200 --end TIME|+DURATION"), res.stderr)
			assert.Contains(t, rest, "  --size 2-4|2-200  ")
			assert.Empty(t, f.seen(), "nothing sent")
		})
	}
}

func TestRoomsShowExtendDelete(t *testing.T) {
	walkin := map[string]string{
		"Room": "rkwalkin01", "State": "active  ● live", "Made": "by hand",
		"Title": "Walk-in support for everyone who wants a hand with their calendar", "Size": "2–200 people",
		"Start": "2026-11-22 10:00 CET", "End": "2026-11-22 13:00 CET", "Provider": "whereby /support-rkwalkin01-77aa",
		"Guest link": walkinURL, "Organizer": "Ada Host <ada@example.com>", "Expires": "2026-11-29 13:00 CET",
	}
	with := func(m map[string]string, k, v string) map[string]string {
		c := map[string]string{}
		for kk, vv := range m {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	tests := []struct {
		name     string
		args     []string
		request  string
		body     string
		details  map[string]string
		stdout   string
		code     int
		stderr   string
		noRemote bool // a usage error: nothing is sent
	}{
		{name: "show a hand-made room", args: []string{"rooms", "show", "rkwalkin01"},
			request: "GET /v1/rooms/rkwalkin01", details: walkin},
		{name: "show a booking's room with its host link, the flag after the argument",
			args:    []string{"rooms", "show", "rkfmckexvfaiceig2d3xk4", "--host-url"},
			request: "GET /v1/rooms/rkfmckexvfaiceig2d3xk4?include=hostUrl",
			details: map[string]string{
				"Room": "rkfmckexvfaiceig2d3xk4", "State": "active  ● live", "Booking": "fmckexvfaicei (generic:bk_a, confirmed)",
				"Title": "Intro call", "Size": "2–4 people", "Start": "2026-11-22 10:30 CET", "End": "2026-11-22 11:30 CET",
				"Provider": "whereby /intro-rkfmckexvfaiceig2d3xk4-5d1c", "Guest link": introURL, "Host link": introURL + "?roomKey=host-secret",
				"Dial-in": "+12125550100 US  tel:+12125550100,1234567890", "Dial-in code": "1234567890", "Expires": "2026-11-29 11:30 CET",
			}},
		{name: "show a retired room", args: []string{"rooms", "show", "rkfmckexvfaiceig1"},
			request: "GET /v1/rooms/rkfmckexvfaiceig1",
			details: map[string]string{
				"Room": "rkfmckexvfaiceig1", "State": "active, retired: replaced by a newer room, to be deleted", "Booking": "fmckexvfaicei (generic:bk_a, confirmed)",
				"Title": "Intro call", "Size": "2–4 people", "Start": "2026-11-22 10:30 CET", "End": "2026-11-22 11:30 CET",
				"Provider": "whereby /intro-rkfmckexvfaiceig1-5d1c", "Guest link": introURL1, "Expires": "2026-11-29 11:30 CET",
			}},
		{name: "show a room being made", args: []string{"rooms", "show", "rkweeklysync"},
			request: "GET /v1/rooms/rkweeklysync",
			details: map[string]string{
				"Room": "rkweeklysync", "State": "creating", "Booking": "k2calcomweekly (calcom:team/weekly-7, confirmed)",
				"Title": "Weekly sync", "Size": "2–200 people", "Start": "2026-11-23 09:00 CET", "End": "2026-11-23 09:30 CET",
			}},
		{name: "show as JSON, the flag after the argument", args: []string{"rooms", "show", "rkkickoff", "--json"},
			request: "GET /v1/rooms/rkkickoff",
			stdout:  `{"booking":{"externalId":"bk_k","key":"k4kickoff","source":"generic","status":"confirmed"},"deletedAt":"2026-11-20T14:02:00Z","end":"2026-11-20T14:00:00Z","expiresAt":"2026-11-27T14:00:00Z","guestUrl":"https://subdomain.whereby.com/kickoff-rkkickoff-5d1c","kind":"booking","live":false,"provider":"whereby","roomId":"rkkickoff","roomName":"/kickoff-rkkickoff-5d1c","size":"small","start":"2026-11-20T13:00:00Z","state":"ended","title":"Kick-off"}` + "\n"},
		{name: "show an unknown room", args: []string{"rooms", "show", "rknope"},
			request: "GET /v1/rooms/rknope", code: 1, stderr: "roomkeeper rooms show: no room with this id\n"},
		{name: "show without an id", args: []string{"rooms", "show", "--json"}, noRemote: true, code: 2,
			stderr: "roomkeeper rooms show: want ID\n"},

		{name: "extend by a duration, the flag after the argument", args: []string{"rooms", "extend", "rkwalkin01", "--end", "+30m"},
			request: "PATCH /v1/rooms/rkwalkin01", body: `{"endDate": "+30m"}`,
			details: with(walkin, "End", "2026-11-22 11:15 CET")},
		{name: "extend to a time, the flag first", args: []string{"rooms", "extend", "--end", "2026-11-25T12:00Z", "rkwalkin01"},
			request: "PATCH /v1/rooms/rkwalkin01", body: `{"endDate": "2026-11-25T12:00:00Z"}`,
			details: with(walkin, "End", "2026-11-25 13:00 CET")},
		{name: "extend past what the room allows", args: []string{"rooms", "extend", "rkwalkin01", "--end", "2026-12-05T15:00Z"},
			request: "PATCH /v1/rooms/rkwalkin01", body: `{"endDate": "2026-12-05T15:00:00Z"}`, code: 1,
			stderr: "roomkeeper rooms extend: the latest end this room allows is 2026-11-29T12:00:00Z: make a new room (field endDate)\n"},
		{name: "extend a booking's room", args: []string{"rooms", "extend", "rkfmckexvfaiceig2d3xk4", "--end", "+1h"},
			request: "PATCH /v1/rooms/rkfmckexvfaiceig2d3xk4", body: `{"endDate": "+1h"}`, code: 1,
			stderr: "roomkeeper rooms extend: this room follows booking fmckexvfaicei: change the booking\n"},
		{name: "extend without an end", args: []string{"rooms", "extend", "rkwalkin01"}, noRemote: true, code: 2,
			stderr: "roomkeeper rooms extend: --end is required\n"},

		{name: "delete a room during a call", args: []string{"rooms", "delete", "rkwalkin01"},
			request: "DELETE /v1/rooms/rkwalkin01", code: 1,
			stderr: "roomkeeper rooms delete: a call is live in this room: force=true ends it for everyone\n"},
		{name: "delete a room during a call, by force, the flag after the argument", args: []string{"rooms", "delete", "rkwalkin01", "--force"},
			request: "DELETE /v1/rooms/rkwalkin01?force=true", stdout: "Deleted room rkwalkin01.\n"},
		{name: "delete a room already deleted", args: []string{"rooms", "delete", "rktownhall"},
			request: "DELETE /v1/rooms/rktownhall", stdout: "Deleted room rktownhall.\n"},
		{name: "delete a booking's room", args: []string{"rooms", "delete", "--force", "rkfmckexvfaiceig2d3xk4"},
			request: "DELETE /v1/rooms/rkfmckexvfaiceig2d3xk4?force=true", code: 1,
			stderr: "roomkeeper rooms delete: this room is booking fmckexvfaicei's: cancel the booking instead\n"},
		{name: "delete two rooms", args: []string{"rooms", "delete", "rkwalkin01", "rktownhall"}, noRemote: true, code: 2,
			stderr: "roomkeeper rooms delete: unexpected argument \"rktownhall\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			res := f.runCLI(t, nil, tt.args...)
			require.Equal(t, tt.code, res.code, res.stderr)
			seen := f.seen()
			if tt.noRemote {
				assert.Empty(t, seen)
				assert.True(t, strings.HasPrefix(res.stderr, tt.stderr+"\nusage: roomkeeper "+tt.args[0]+" "+tt.args[1]), res.stderr)
				return
			}
			assert.Equal(t, tt.stderr, res.stderr)
			require.Len(t, seen, 1)
			assert.Equal(t, tt.request, seen[0].String())
			assert.Equal(t, auth, seen[0].Auth)
			if tt.body != "" {
				assert.JSONEq(t, tt.body, seen[0].Body)
				assert.Equal(t, "application/json", seen[0].ContentType)
			} else {
				assert.Empty(t, seen[0].Body)
			}
			switch {
			case tt.details != nil:
				assert.Equal(t, tt.details, details(t, res.stdout, "Room"))
			case tt.code == 0:
				assert.Equal(t, tt.stdout, res.stdout)
			default:
				assert.Empty(t, res.stdout)
			}
		})
	}
}

var (
	sessionColumns     = []string{"SESSION", "STARTED", "ENDED", "LIVE", "CONNECTIONS", "PARTICIPANT MINUTES", "DIAL-IN CALLERS", "RECORDED", "STREAMED"}
	participantColumns = []string{"NAME", "ROLE", "HOST", "DIAL-IN", "JOINED", "LEFT", "MINUTES", "PRESENT"}
)

func TestRoomsSessionsAndParticipants(t *testing.T) {
	const session = "2a4ed9b1-52c4-4f33-9a5c-0a7d1e6f1f10"
	tests := []struct {
		name    string
		args    []string
		request string
		columns []string
		rows    [][]string
		stdout  string // the whole output when it is no table, or a line after it
		stderr  string
	}{
		{name: "a room's sessions", args: []string{"rooms", "sessions", "rkfmckexvfaiceig2d3xk4"},
			request: "GET /v1/rooms/rkfmckexvfaiceig2d3xk4/sessions", columns: sessionColumns,
			rows: [][]string{
				{"-", "-", "-", "", "1", "2", "-", "-", "-"},
				{session, "2026-11-22 10:40 CET", "-", "●", "5", "37", "Cy Dialer, Phone caller (2 calls)", "12", "0"},
			}},
		{name: "a deleted room's sessions, without the provider's insights", args: []string{"rooms", "sessions", "rkkickoff"},
			request: "GET /v1/rooms/rkkickoff/sessions", columns: sessionColumns,
			rows:   [][]string{{"zoom/ab==", "2026-11-20 14:01 CET", "2026-11-20 14:58 CET", "", "2", "114", "-", "-", "-"}},
			stdout: "Recorded and streamed minutes are missing: the provider's insights did not answer in time."},
		{name: "a room without sessions", args: []string{"rooms", "sessions", "rkwalkin01"},
			request: "GET /v1/rooms/rkwalkin01/sessions", stdout: "No sessions in room rkwalkin01.\n"},
		{name: "sessions as JSON", args: []string{"rooms", "sessions", "--json", "rkkickoff"},
			request: "GET /v1/rooms/rkkickoff/sessions",
			stdout:  `{"insights":"unavailable","roomId":"rkkickoff","sessions":[{"dialInCallers":[],"endedAt":"2026-11-20T13:58:00Z","live":false,"participantMinutes":114,"participants":2,"sessionId":"zoom/ab==","startedAt":"2026-11-20T13:01:00Z"}]}` + "\n"},
		{name: "an unknown room's sessions", args: []string{"rooms", "sessions", "rknope"},
			request: "GET /v1/rooms/rknope/sessions", stderr: "roomkeeper rooms sessions: no room with this id\n"},

		{name: "who was in a session", args: []string{"rooms", "participants", "rkfmckexvfaiceig2d3xk4", session},
			request: "GET /v1/rooms/rkfmckexvfaiceig2d3xk4/sessions/" + session + "/participants", columns: participantColumns,
			rows: [][]string{
				{"Ada Host", "host", "yes", "", "2026-11-22 10:40 CET", "-", "20", "●"},
				{"Bob Guest", "visitor", "", "", "2026-11-22 10:40 CET", "2026-11-22 10:50 CET", "10", ""},
				{"Phone caller", "visitor", "", "yes", "2026-11-22 10:45 CET", "2026-11-22 10:45 CET", "1", ""},
			}},
		{name: "the visits outside any session, a name's control characters dropped", args: []string{"rooms", "participants", "rkfmckexvfaiceig2d3xk4", "-"},
			request: "GET /v1/rooms/rkfmckexvfaiceig2d3xk4/sessions/-/participants", columns: participantColumns,
			rows: [][]string{{"Early  [31mBird", "visitor", "", "", "2026-11-22 10:20 CET", "2026-11-22 10:21 CET", "2", ""}}},
		{name: "a session id holding a slash", args: []string{"rooms", "participants", "rkkickoff", "zoom/ab=="},
			request: "GET /v1/rooms/rkkickoff/sessions/zoom%2Fab==/participants", columns: participantColumns,
			rows: [][]string{{"Kim", "host", "yes", "", "2026-11-20 14:01 CET", "2026-11-20 14:58 CET", "57", ""}}},
		{name: "an unknown session", args: []string{"rooms", "participants", "rkkickoff", "nope"},
			request: "GET /v1/rooms/rkkickoff/sessions/nope/participants", stderr: "roomkeeper rooms participants: no session with this id in this room\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			res := f.runCLI(t, nil, tt.args...)
			seen := f.seen()
			require.Len(t, seen, 1)
			assert.Equal(t, tt.request, seen[0].String())
			assert.Equal(t, auth, seen[0].Auth)
			if tt.stderr != "" {
				assertOneLine(t, res, strings.TrimSuffix(tt.stderr, "\n"))
				return
			}
			require.Equal(t, 0, res.code, res.stderr)
			assert.NotContains(t, res.stdout, "\x1b")
			if tt.columns == nil {
				assert.Equal(t, tt.stdout, res.stdout)
				return
			}
			assert.Equal(t, tt.rows, tableRows(t, res.stdout, tt.columns...), res.stdout)
			if tt.stdout != "" {
				assert.Contains(t, res.stdout, "\n\n"+tt.stdout+"\n")
			}
		})
	}

	f := newFakeAPI(t)
	res := f.runCLI(t, nil, "rooms", "participants", "rkkickoff")
	assert.Equal(t, 2, res.code)
	assert.True(t, strings.HasPrefix(res.stderr, "roomkeeper rooms participants: want SESSION\n\nusage: roomkeeper rooms participants [--json] ID SESSION\n"), res.stderr)
}
