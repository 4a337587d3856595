package main

import (
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRoomsCommandsAgainstTheLocalServer drives `roomkeeper rooms` and friends against the whole
// local product (its admin API, reconciler and Whereby sandbox on a loopback port), as a person
// at a terminal would: tables, --json, and the exit codes.
func TestRoomsCommandsAgainstTheLocalServer(t *testing.T) {
	s := newStack(t, nil)
	s.clock.real = true
	vars := map[string]string{
		"ROOMKEEPER_URL":         s.srv.URL,
		"ROOMKEEPER_ADMIN_TOKEN": s.cfg.AdminToken,
		"ROOMKEEPER_DATA_DIR":    s.cfg.DataDir,
		"ROOMKEEPER_TIME_ZONE":   "UTC",
	}
	cli := func(args ...string) cliResult {
		t.Helper()
		return runWith(t, vars, nil, args...)
	}

	made := cli("rooms", "create", "--size", "2-200", "--end", "+2h", "--title", "Walk-in support", "--prefix", "support", "--json")
	require.Equal(t, 0, made.code, made.stderr)
	var room map[string]any
	require.NoError(t, json.Unmarshal([]byte(made.stdout), &room), made.stdout)
	id := room["roomId"].(string)
	assert.Equal(t, "large", room["size"])
	hostURL := room["hostUrl"].(string)
	assert.True(t, strings.HasPrefix(hostURL, s.cfg.PublicURL+"/j/"), "its maker gets the room's own host link: %s", hostURL)
	_, loc := s.follow(hostURL)
	assert.Contains(t, loc, "roomKey", "which leads to the provider's host link")
	require.Len(t, s.app.sandbox.Rooms(), 1)

	list := cli("rooms", "list")
	require.Equal(t, 0, list.code, list.stderr)
	rows := tableRows(t, list.stdout, roomColumns...)
	require.Len(t, rows, 1, list.stdout)
	assert.Equal(t, id, rows[0][0])
	assert.Contains(t, strings.Join(rows[0], " "), "2–200 people")
	assert.Contains(t, strings.Join(rows[0], " "), "Walk-in support")
	assert.NotContains(t, list.stdout, "roomKey", "no host link in a list")

	asJSON := cli("rooms", "list", "--json")
	require.Equal(t, 0, asJSON.code, asJSON.stderr)
	var listed struct {
		Rooms []struct{ RoomID string } `json:"rooms"`
	}
	require.NoError(t, json.Unmarshal([]byte(asJSON.stdout), &listed))
	require.Len(t, listed.Rooms, 1)
	assert.Equal(t, id, listed.Rooms[0].RoomID)

	shown := cli("rooms", "show", id)
	require.Equal(t, 0, shown.code, shown.stderr)
	assert.Contains(t, shown.stdout, id)
	extended := cli("rooms", "extend", id, "--end", "+3h")
	require.Equal(t, 0, extended.code, extended.stderr)
	sessions := cli("rooms", "sessions", id)
	assert.Equal(t, 0, sessions.code, sessions.stderr)

	// A booking comes in; the bookings list shows it.
	status, _ := s.post("booking-created.json", "cli")
	require.Equal(t, 202, status)
	s.work()
	bookings := cli("bookings", "list", "--json")
	require.Equal(t, 0, bookings.code, bookings.stderr)
	assert.Contains(t, bookings.stdout, "demo-cli")
	assert.NotContains(t, bookings.stdout, id, "a hand-made room is no booking")

	deleted := cli("rooms", "delete", id)
	require.Equal(t, 0, deleted.code, deleted.stderr)
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1, "deleted at the provider")
	assert.Equal(t, s.booking("cli").Room.ID, rooms[0].MeetingID, "the booking's room is what is left")
	ended := cli("rooms", "list", "--ended", "--json")
	require.Equal(t, 0, ended.code, ended.stderr)
	assert.Contains(t, ended.stdout, id)
	assert.Contains(t, ended.stdout, `"state":"ended"`)

	usage := cli("usage")
	assert.Equal(t, 0, usage.code, usage.stderr)
	erased := cli("people", "erase", "bob@example.net", "--json")
	require.Equal(t, 0, erased.code, erased.stderr)
	assert.Contains(t, erased.stdout, `"records":1`)

	// Failures: a clear line and a non-zero exit.
	missing := cli("rooms", "show", "rk-no-such-room")
	assert.Equal(t, 1, missing.code)
	assert.Contains(t, missing.stderr, "no room with this id")
	assert.Empty(t, missing.stdout)
	bad := cli("rooms", "create", "--size", "2-4", "--end", "+2h", "--prefix", "Not_Valid")
	assert.Equal(t, 1, bad.code)
	assert.Contains(t, bad.stderr, "namePrefix")
	usageErr := cli("rooms", "create", "--size", "3-5")
	assert.Equal(t, 2, usageErr.code, "a bad flag shows the usage")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	vars["ROOMKEEPER_URL"] = down
	refused := cli("rooms", "list")
	assert.Equal(t, 1, refused.code)
	assert.Contains(t, refused.stderr, "make dev")
}
