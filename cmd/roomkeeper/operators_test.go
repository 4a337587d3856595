package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
)

// TestServeRefusesAWeakAdminToken: a guessable ROOMKEEPER_ADMIN_TOKEN stops the local server
// before it listens, with a message that says why and what to use.
func TestServeRefusesAWeakAdminToken(t *testing.T) {
	t.Setenv("ROOMKEEPER_DATA_DIR", t.TempDir())
	t.Setenv("ROOMKEEPER_ADDR", "127.0.0.1:0")
	t.Setenv("ROOMKEEPER_ADMIN_TOKEN", "hunter2hunter2")
	err := serve(context.Background(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ROOMKEEPER_ADMIN_TOKEN is refused")
	assert.Contains(t, err.Error(), "openssl rand -base64 32")
	assert.NotContains(t, err.Error(), "hunter2")
}

// TestGeneratedSecretsPassTheTokenRule: what `make dev` generates for an unset admin token is
// never refused.
func TestGeneratedSecretsPassTheTokenRule(t *testing.T) {
	for range 200 {
		token, err := randomToken()
		require.NoError(t, err)
		require.NoError(t, access.CheckToken(access.AdminToken, token), "%q: %.0f bits", token, access.TokenBits(token))
	}
}

// TestOperatorsCommandsAgainstTheLocalServer: the admin adds operators from the terminal, each
// works with their own token within their role, the audit list says who did what, and a removed
// operator's token stops working.
func TestOperatorsCommandsAgainstTheLocalServer(t *testing.T) {
	s := newStack(t, nil)
	s.clock.real = true
	vars := map[string]string{
		"ROOMKEEPER_URL":         s.srv.URL,
		"ROOMKEEPER_ADMIN_TOKEN": s.cfg.AdminToken,
		"ROOMKEEPER_DATA_DIR":    s.cfg.DataDir,
		"ROOMKEEPER_TIME_ZONE":   "UTC",
	}
	as := func(token string, args ...string) cliResult {
		t.Helper()
		v := map[string]string{}
		for k, val := range vars {
			v[k] = val
		}
		v["ROOMKEEPER_TOKEN"] = token // "" leaves the admin token
		return runWith(t, v, nil, args...)
	}

	added := as("", "operators", "add", "ada", "--role", "admin", "--email", "ada@clinic.example", "--time-zone", "Europe/Oslo", "--json")
	require.Equal(t, 0, added.code, added.stderr)
	var ada struct {
		Operator access.Operator `json:"operator"`
		Token    string          `json:"token"`
	}
	require.NoError(t, json.Unmarshal([]byte(added.stdout), &ada))
	assert.Equal(t, access.Operator{Name: "ada", Role: access.Admin, Email: "ada@clinic.example", TimeZone: "Europe/Oslo", Created: ada.Operator.Created}, ada.Operator)

	text := as(ada.Token, "operators", "add", "bob", "--role", "viewer")
	require.Equal(t, 0, text.code, text.stderr)
	assert.Contains(t, text.stdout, "Added bob (viewer). Their token, shown this once")
	var bob string
	for _, line := range strings.Split(text.stdout, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "rko_bob_") {
			bob = l
		}
	}
	require.NotEmpty(t, bob, text.stdout)

	list := as(ada.Token, "operators", "list")
	require.Equal(t, 0, list.code, list.stderr)
	rows := tableRows(t, list.stdout, "NAME", "ROLE", "CREATED", "LAST USED", "E-MAIL", "TIME ZONE")
	require.Len(t, rows, 3, list.stdout)
	assert.Equal(t, []string{"ada", "admin"}, rows[0][:2])
	assert.Equal(t, "ada@clinic.example", rows[0][4])
	assert.Equal(t, "Europe/Oslo", rows[0][5])
	assert.Equal(t, []string{"admin", "admin"}, rows[1][:2], "the admin token's operator")
	assert.Equal(t, []string{"bob", "viewer"}, rows[2][:2])
	assert.Equal(t, "-", rows[2][3], "bob has not used his token yet")
	for _, tok := range []string{ada.Token, bob} {
		assert.NotContains(t, list.stdout, tok[len(tok)-43:], "never a token")
	}

	// Bob sees, and is refused every change with the role it needs.
	seen := as(bob, "rooms", "list")
	assert.Equal(t, 0, seen.code, seen.stderr)
	refused := as(bob, "rooms", "create", "--size", "2-4", "--end", "+1h")
	assert.Equal(t, 1, refused.code)
	assert.Contains(t, refused.stderr, `this needs the admin role: operator "bob" is a viewer`)
	refused = as(bob, "operators", "list")
	assert.Equal(t, 1, refused.code)
	assert.Contains(t, refused.stderr, "needs the admin role")

	made := as(ada.Token, "rooms", "create", "--size", "2-4", "--end", "+1h", "--json")
	require.Equal(t, 0, made.code, made.stderr)
	var room struct{ RoomID string }
	require.NoError(t, json.Unmarshal([]byte(made.stdout), &room))

	removed := as(ada.Token, "operators", "remove", "bob")
	require.Equal(t, 0, removed.code, removed.stderr)
	assert.Equal(t, "Removed bob: their token no longer works and their console sessions are ended.\n", removed.stdout)
	gone := as(bob, "rooms", "list")
	assert.Equal(t, 1, gone.code)
	assert.Contains(t, gone.stderr, "this token is not valid")
	again := as(ada.Token, "operators", "remove", "bob")
	assert.Equal(t, 1, again.code)
	assert.Contains(t, again.stderr, `no operator named "bob"`)
	admin := as(ada.Token, "operators", "remove", "admin")
	assert.Equal(t, 1, admin.code)
	assert.Contains(t, admin.stderr, "rotate ROOMKEEPER_ADMIN_TOKEN")

	audit := as(bob, "audit")
	assert.Equal(t, 1, audit.code, "a removed operator reads nothing")
	audit = as(ada.Token, "audit")
	require.Equal(t, 0, audit.code, audit.stderr)
	entries := tableRows(t, audit.stdout, "WHEN", "OPERATOR", "ACTION", "TARGET")
	var got []string
	for _, e := range entries {
		got = append(got, e[1]+" "+e[2]+" "+e[3])
	}
	assert.Equal(t, []string{
		"ada operator.remove bob",
		"ada room.create " + room.RoomID,
		"ada operator.add bob",
		"admin operator.add ada",
	}, got)
	one := as(ada.Token, "audit", "--limit", "1", "--json")
	require.Equal(t, 0, one.code, one.stderr)
	var page struct{ Entries []access.Entry }
	require.NoError(t, json.Unmarshal([]byte(one.stdout), &page))
	require.Len(t, page.Entries, 1)
	assert.Equal(t, access.ActionOperatorRemove, page.Entries[0].Action)

	for _, bad := range [][]string{
		{"operators", "add", "Bad Name", "--role", "viewer"},
		{"operators", "add", "carol", "--role", "owner"},
		{"operators", "add", "carol"},
		{"operators", "add", "carol", "--role", "viewer", "--time-zone", "Mars/Base"},
		{"operators", "add", "carol", "--role", "viewer", "--email", "Carol <carol@example.com>"},
	} {
		res := as(ada.Token, bad...)
		assert.Equal(t, 2, res.code, "%q: a usage error, nothing sent: %s", bad, res.stderr)
	}
	for _, tok := range []string{ada.Token, bob} {
		assert.NotContains(t, s.logBuf.String(), tok[len(tok)-43:], "no token in the logs")
	}
}
