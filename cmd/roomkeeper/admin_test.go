package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		pos   []string
		json  bool
		end   string
		title string
		err   string
	}{
		{name: "flags first", args: []string{"--json", "--end", "+2h", "ID"}, pos: []string{"ID"}, json: true, end: "+2h"},
		{name: "flags last", args: []string{"ID", "--json", "--end", "+2h"}, pos: []string{"ID"}, json: true, end: "+2h"},
		{name: "flags between", args: []string{"ID", "--end=+2h", "SESSION", "-json"}, pos: []string{"ID", "SESSION"}, json: true, end: "+2h"},
		{name: "a lone dash is an argument", args: []string{"ID", "-", "--json"}, pos: []string{"ID", "-"}, json: true},
		{name: "after -- everything is an argument", args: []string{"ID", "--", "--json", "-x"}, pos: []string{"ID", "--json", "-x"}},
		{name: "-- after a boolean flag", args: []string{"--json", "--", "--end"}, pos: []string{"--end"}, json: true},
		{name: "-- as a flag's value", args: []string{"--title", "--", "ID", "--json"}, pos: []string{"ID"}, json: true, title: "--"},
		{name: "no arguments", args: nil},
		{name: "an unknown flag after the arguments", args: []string{"ID", "--jsn"}, err: "flag provided but not defined: -jsn"},
		{name: "help after the arguments", args: []string{"ID", "-h"}, err: flag.ErrHelp.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := flag.NewFlagSet("test", flag.ContinueOnError)
			fl.SetOutput(io.Discard)
			asJSON := fl.Bool("json", false, "")
			end := fl.String("end", "", "")
			title := fl.String("title", "", "")
			pos, err := parseInterspersed(fl, tt.args)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.pos, pos)
			assert.Equal(t, tt.json, *asJSON)
			assert.Equal(t, tt.end, *end)
			assert.Equal(t, tt.title, *title)
		})
	}
}

// TestAdminAPIErrors: every error answer becomes an *apiError with the API's status, code,
// message and field; a body that is not roomkeeper's JSON is never shown.
func TestAdminAPIErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/proxy":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html><body>upstream connect error: secret internals</body></html>")
		case "/ok-html":
			io.WriteString(w, "<html>not the API</html>")
		default:
			w.Header().Set("Allow", "GET, POST")
			w.WriteHeader(http.StatusMethodNotAllowed)
			io.WriteString(w, `{"error": {"code": "method_not_allowed", "message": "PUT is not allowed here"}}`)
		}
	}))
	t.Cleanup(srv.Close)
	api := &adminAPI{base: srv.URL, token: fakeToken, client: srv.Client()}
	ctx := context.Background()

	_, err := api.do(ctx, apiCall{method: http.MethodPut, path: "/v1/rooms"})
	var apiErr *apiError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, apiError{Status: 405, Code: "method_not_allowed", Message: "PUT is not allowed here"}, *apiErr)

	_, err = api.do(ctx, apiCall{method: http.MethodGet, path: "/proxy"})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 502, apiErr.Status)
	assert.EqualError(t, err, "roomkeeper answered 502 Bad Gateway")

	ans, err := api.do(ctx, apiCall{method: http.MethodGet, path: "/ok-html"})
	require.NoError(t, err)
	var v map[string]any
	assert.ErrorContains(t, ans.decode(&v), "the answer from "+srv.URL+" is not roomkeeper's JSON (is ROOMKEEPER_URL right?)")
	_, err = api.list(ctx, "/ok-html", nil, "rooms", 0)
	assert.ErrorContains(t, err, "is not roomkeeper's JSON")
}

// TestAdminListStopsOnARepeatedCursor: a list whose cursor comes round again is an error, not
// an endless loop.
func TestAdminListStopsOnARepeatedCursor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"rooms": [{"roomId": "rka"}], "nextCursor": "same"}`)
	}))
	t.Cleanup(srv.Close)
	api := &adminAPI{base: srv.URL, token: fakeToken, client: srv.Client()}
	_, err := api.list(context.Background(), "/v1/rooms", nil, "rooms", 0)
	assert.ErrorContains(t, err, `sent cursor "same" twice`)
}

// TestAdminCommandsFindTheServer: where the commands go and with which token, and the one line
// each failure to get there prints.
func TestAdminCommandsFindTheServer(t *testing.T) {
	f := newFakeAPI(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>Bad gateway</html>")
	}))
	t.Cleanup(proxy.Close)
	withSecrets := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(withSecrets, "dev-secrets.json"), []byte(`{"ROOMKEEPER_ADMIN_TOKEN": "`+fakeToken+`"}`), 0o600))
	empty := t.TempDir()
	fakeAddr := strings.TrimPrefix(f.srv.URL, "http://")

	tests := []struct {
		name string
		env  map[string]string
		down bool
		want string // the line on stderr; "" when the command works
	}{
		{name: "ROOMKEEPER_URL and ROOMKEEPER_ADMIN_TOKEN"},
		{name: "the local server and its generated token",
			env: map[string]string{"ROOMKEEPER_URL": "", "ROOMKEEPER_ADMIN_TOKEN": "", "ROOMKEEPER_ADDR": fakeAddr, "ROOMKEEPER_DATA_DIR": withSecrets}},
		{name: "the local server's public URL",
			env: map[string]string{"ROOMKEEPER_URL": "", "ROOMKEEPER_PUBLIC_URL": f.srv.URL + "/", "ROOMKEEPER_DATA_DIR": withSecrets, "ROOMKEEPER_ADMIN_TOKEN": ""}},
		{name: "nothing listening",
			env:  map[string]string{"ROOMKEEPER_URL": closed.URL},
			want: "no roomkeeper at " + closed.URL + ": start it with `make dev` in another terminal, or set ROOMKEEPER_URL"},
		{name: "no local server started yet",
			env:  map[string]string{"ROOMKEEPER_URL": "", "ROOMKEEPER_ADMIN_TOKEN": "", "ROOMKEEPER_ADDR": fakeAddr, "ROOMKEEPER_DATA_DIR": empty},
			want: "no admin token: set ROOMKEEPER_ADMIN_TOKEN, or start the local server with `make dev` (it keeps its token in " + filepath.Join(empty, "dev-secrets.json") + ")"},
		{name: "another server, no token: the local one is not sent",
			env:  map[string]string{"ROOMKEEPER_ADMIN_TOKEN": "", "ROOMKEEPER_DATA_DIR": withSecrets},
			want: "no admin token: set ROOMKEEPER_ADMIN_TOKEN to the token of " + f.srv.URL},
		{name: "a wrong token", env: map[string]string{"ROOMKEEPER_ADMIN_TOKEN": "stale"}, want: "the admin token is not valid"},
		{name: "roomkeeper unavailable", down: true, want: "temporarily unavailable, retry later"},
		{name: "a proxy's error page", env: map[string]string{"ROOMKEEPER_URL": proxy.URL}, want: "roomkeeper answered 502 Bad Gateway"},
		{name: "a time zone that is none", env: map[string]string{"ROOMKEEPER_TIME_ZONE": "Mars/Olympus"},
			want: `ROOMKEEPER_TIME_ZONE: want an IANA time zone such as Europe/Oslo, got "Mars/Olympus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.down = tt.down
			f.seen()
			res := f.runCLI(t, tt.env, "rooms", "list", "--limit", "1")
			if tt.want != "" {
				assertOneLine(t, res, "roomkeeper rooms list: "+tt.want)
				return
			}
			require.Equal(t, 0, res.code, res.stderr)
			assert.Contains(t, res.stdout, "rkwalkin01")
			seen := f.seen()
			require.Len(t, seen, 1)
			assert.Equal(t, auth, seen[0].Auth)
		})
	}
}

// TestHelp: `roomkeeper help` lists every command, and each admin command's -h says what it does
// with an example.
func TestHelp(t *testing.T) {
	res := runWith(t, nil, nil, "help")
	require.Equal(t, 0, res.code)
	for _, cmd := range allCommands() {
		assert.Regexp(t, fmt.Sprintf(`(?m)^  %s +\S`, cmd.name), res.stdout, "help lists %s", cmd.name)
	}
	for _, name := range []string{"rooms list", "rooms create", "rooms show", "rooms extend", "rooms delete", "rooms sessions",
		"rooms participants", "bookings list", "bookings show", "usage", "people erase",
		"operators add", "operators list", "operators remove", "audit"} {
		t.Run(name, func(t *testing.T) {
			args := append(strings.Fields(name), "-h")
			res := runWith(t, nil, nil, args...)
			require.Equal(t, 0, res.code, res.stderr)
			assert.True(t, strings.HasPrefix(res.stdout, "usage: roomkeeper "+name+" "), res.stdout)
			assert.Contains(t, res.stdout, "\n\nexample:\n  roomkeeper "+name+" ")
			assert.Equal(t, res, runWith(t, nil, nil, append([]string{"help"}, strings.Fields(name)...)...), "help NAME is NAME -h")
		})
	}

	res = runWith(t, nil, nil, "rooms", "create", "--end", "+1h", "--help")
	assert.Equal(t, 0, res.code, "-h wins, wherever it is")
	res = runWith(t, nil, nil)
	assert.Equal(t, 2, res.code)
	assert.Contains(t, res.stderr, "usage: roomkeeper <command>")
	res = runWith(t, nil, nil, "room", "list")
	assert.Equal(t, 2, res.code)
	assert.True(t, strings.HasPrefix(res.stderr, "roomkeeper: unknown command \"room\"\n\nusage: roomkeeper <command>"), res.stderr)
	res = runWith(t, nil, nil, "rooms")
	assert.Equal(t, 2, res.code)
	assert.Equal(t, "roomkeeper rooms: want one of: rooms list, rooms create, rooms show, rooms extend, rooms delete, rooms sessions, rooms participants\n", res.stderr)
	res = runWith(t, nil, nil, "rooms", "lst")
	assert.Equal(t, 2, res.code)
	assert.True(t, strings.HasPrefix(res.stderr, `roomkeeper rooms: unknown command "lst": want one of: rooms list,`), res.stderr)
	res = runWith(t, nil, nil, "bookings", "-h")
	assert.Equal(t, 0, res.code)
	assert.Regexp(t, `^  bookings list +bookings by meeting start.*\n  bookings show +one booking`, res.stdout)
}

// TestSendExitsNonZeroOnARefusal: through run, as main runs it, a refused event is exit 1
// with the answer printed.
func TestSendExitsNonZeroOnARefusal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error": {"code": "unauthorized", "message": "the signature does not match"}}`)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("ROOMKEEPER_PUBLIC_URL", srv.URL)
	t.Setenv("ROOMKEEPER_DATA_DIR", t.TempDir())
	secret, err := stdwebhook.NewSecret()
	require.NoError(t, err)
	t.Setenv("ROOMKEEPER_GENERIC_SECRET", secret)
	res := runWith(t, nil, nil, "send", "../../events/booking-created.json")
	assert.Equal(t, 1, res.code)
	assert.Equal(t, `401 Unauthorized {"error": {"code": "unauthorized", "message": "the signature does not match"}}`+"\n", res.stdout)
	assert.Equal(t, "roomkeeper send: "+srv.URL+"/v1/bookings/generic answered 401 Unauthorized\n", res.stderr)
}
