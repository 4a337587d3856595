package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/operator"
)

var bookingColumns = []string{"BOOKING", "SOURCE ID", "STATUS", "START", "TITLE", "ROOM", "INVITES", "NEXT", "LAST ERROR"}

func TestBookingsList(t *testing.T) {
	kickoff := []string{"k4kickoff", "generic:bk_k", "confirmed", "2026-11-20 14:00 CET", "Kick-off", "-", "0 of 0 sent", "done", "stopped: whereby refused the room: plan limit r…"}
	intro := []string{"fmckexvfaicei", "generic:bk_a", "confirmed", "2026-11-22 10:30 CET", "Intro call", "rkfmckexvfaiceig2d3xk4", "2 of 3 sent, 1 refused", "2026-11-22 11:32 CET", "retrying: delete whereby room 87673375 of booki…"}
	weekly := []string{"k2calcomweekly", "calcom:team/weekly-7", "confirmed", "2026-11-23 09:00 CET", "Weekly sync", "-", "0 of 0 sent", "2026-11-22 10:46 CET", "-"}
	retro := []string{"k3cancelled", "generic:bk_c", "cancelled", "2026-11-24 11:00 CET", "Retro", "-", "1 of 1 sent", "done", "-"}
	tests := []struct {
		name     string
		args     []string
		requests []string
		rows     [][]string
	}{
		{"every booking, page after page", []string{"bookings", "list"},
			[]string{"GET /v1/bookings?limit=100", "GET /v1/bookings?cursor=" + fakeCursor(3) + "&limit=100"},
			[][]string{kickoff, intro, weekly, retro}},
		{"by status", []string{"bookings", "list", "--status", "cancelled"},
			[]string{"GET /v1/bookings?limit=100&status=cancelled"}, [][]string{retro}},
		{"between two dates, a time in its short form", []string{"bookings", "list", "--from", "2026-11-21", "--to=2026-11-23T12:00Z"},
			[]string{"GET /v1/bookings?from=2026-11-21&limit=100&to=2026-11-23T12%3A00%3A00Z"}, [][]string{intro, weekly}},
		{"the first two", []string{"bookings", "list", "--limit", "2"},
			[]string{"GET /v1/bookings?limit=2"}, [][]string{kickoff, intro}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			res := f.runCLI(t, nil, tt.args...)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Equal(t, tt.rows, tableRows(t, res.stdout, bookingColumns...), res.stdout)
			seen := f.seen()
			assert.Equal(t, tt.requests, requestLines(seen))
			for _, r := range seen {
				assert.Equal(t, auth, r.Auth)
			}
		})
	}

	t.Run("as JSON, every page in one document", func(t *testing.T) {
		f := newFakeAPI(t)
		res := f.runCLI(t, nil, "bookings", "list", "--json")
		require.Equal(t, 0, res.code, res.stderr)
		var got map[string][]map[string]any
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &got))
		require.Len(t, got["bookings"], 4)
		assert.Equal(t, f.bookings[0], got["bookings"][1], "as the API sent it")
		assert.Len(t, f.seen(), 2)
	})
	t.Run("none", func(t *testing.T) {
		f := newFakeAPI(t)
		res := f.runCLI(t, nil, "bookings", "list", "--status", "confirmed", "--from", "2027-01-01")
		require.Equal(t, 0, res.code, res.stderr)
		assert.Equal(t, "No bookings.\n", res.stdout)
	})
	t.Run("a status the API does not know", func(t *testing.T) {
		f := newFakeAPI(t)
		res := f.runCLI(t, nil, "bookings", "list", "--status", "tentative")
		assertOneLine(t, res, "roomkeeper bookings list: status is confirmed or cancelled (field status)")
	})
	t.Run("a bound that is neither a date nor a time", func(t *testing.T) {
		f := newFakeAPI(t)
		res := f.runCLI(t, nil, "bookings", "list", "--from", "monday")
		assert.Equal(t, 2, res.code)
		assert.True(t, strings.HasPrefix(res.stderr, `roomkeeper bookings list: invalid value "monday" for --from: want a date such as 2026-12-01 or a time such as 2026-12-01T09:00Z`+"\n\nusage: "), res.stderr)
		assert.Empty(t, f.seen())
	})
}

func TestBookingsShow(t *testing.T) {
	intro := map[string]string{
		"Booking": "fmckexvfaicei", "Source ID": "generic:bk_a", "Status": "confirmed (sequence 1)", "Title": "Intro call",
		"Start": "2026-11-22 10:30 CET", "End": "2026-11-22 11:30 CET", "Booked in": "Europe/Oslo",
		"Room": "rkfmckexvfaiceig2d3xk4  ● live", "Guest link": introURL, "Replaced room": "rkfmckexvfaiceig1 (to be deleted)",
		"Room vanished":       "2026-11-22 09:30 CET: gone at the provider, replaced by a new room",
		"Next":                "2026-11-22 11:32 CET",
		"Last error":          "delete whereby room 87673375 of booking fmckexvfaicei: whereby answered 503 Service Unavailable (temporary: roomkeeper retries, 2026-11-22 10:44 CET)",
		"Possible duplicates": "1 invite may have gone out twice",
		"Reminders":           "24 h, 15 min before the start",
		"Created":             "2026-11-22 09:00 CET", "Updated": "2026-11-22 10:44 CET",
	}
	tests := []struct {
		name    string
		args    []string
		request string
		details map[string]string
		invites [][]string
	}{
		{"by key", []string{"bookings", "show", "fmckexvfaicei"}, "GET /v1/bookings/fmckexvfaicei", intro, [][]string{
			{"Ada Host <ada@example.com>", "organizer", "2026-11-22 10:00 CET", "REQUEST", "1", "24 h before", ""},
			{"Bob Guest <bob@example.net>", "guest", "2026-11-22 10:00 CET", "REQUEST", "1", "15 min before", ""},
			{"Cleo <cleo@example.net>", "guest", "-", "-", "-", "-", "mailbox does not exist"},
		}},
		{"by the source's id, which holds a slash", []string{"bookings", "show", "calcom:team/weekly-7"}, "GET /v1/bookings/calcom:team%2Fweekly-7",
			map[string]string{
				"Booking": "k2calcomweekly", "Source ID": "calcom:team/weekly-7", "Status": "confirmed (sequence 0)", "Title": "Weekly sync",
				"Start": "2026-11-23 09:00 CET", "End": "2026-11-23 09:30 CET", "Booked in": "Europe/Oslo", "Room": "none",
				"Next": "2026-11-22 10:46 CET", "Created": "2026-11-22 10:44 CET", "Updated": "2026-11-22 10:44 CET",
			}, nil},
		{"a booking whose work stopped, the flag after the argument", []string{"bookings", "show", "k4kickoff", "--host-url"}, "GET /v1/bookings/k4kickoff?include=hostUrl",
			map[string]string{
				"Booking": "k4kickoff", "Source ID": "generic:bk_k", "Status": "confirmed (sequence 0)", "Title": "Kick-off",
				"Start": "2026-11-20 14:00 CET", "End": "2026-11-20 15:00 CET", "Booked in": "Europe/Oslo", "Room": "none",
				"Next":       "done: nothing left to do",
				"Last error": "whereby refused the room: plan limit reached (permanent: retries stopped, the organizer was e-mailed, 2026-11-20 13:00 CET)",
				"Created":    "2026-11-19 09:00 CET", "Updated": "2026-11-20 15:02 CET",
			}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			res := f.runCLI(t, nil, tt.args...)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Equal(t, []string{tt.request}, requestLines(f.seen()))
			assert.Equal(t, tt.details, details(t, res.stdout, "Booking"))
			if tt.invites == nil {
				assert.NotContains(t, res.stdout, "INVITED")
				return
			}
			assert.Equal(t, tt.invites, tableRows(t, res.stdout, "INVITED", "ROLE", "LAST SENT", "METHOD", "SEQUENCE", "REMINDED", "REFUSED"))
		})
	}

	f := newFakeAPI(t)
	res := f.runCLI(t, nil, "bookings", "show", "--json", "generic:bk_c")
	require.Equal(t, 0, res.code, res.stderr)
	assert.JSONEq(t, mustJSON(t, f.bookings[2]), res.stdout)
	res = f.runCLI(t, nil, "bookings", "show", "generic:nope")
	assertOneLine(t, res, "roomkeeper bookings show: no booking with this id")
}

func TestUsage(t *testing.T) {
	f := newFakeAPI(t)
	res := f.runCLI(t, nil, "usage", "--from", "2026-12-01", "--to", "2026-12-04")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, []string{"GET /v1/usage?from=2026-12-01&to=2026-12-04"}, requestLines(f.seen()))
	assert.True(t, strings.HasPrefix(res.stdout, "Usage per day in Europe/Oslo, 2026-12-01 to 2026-12-04\n\n"), res.stdout)
	assert.Equal(t, [][]string{
		{"2026-12-01", "0", "0", "0", "0", "0", "0", "0"},
		{"2026-12-02", "1", "1", "2", "45", "0", "0", "0"},
		{"2026-12-03", "0", "0", "0", "0", "0", "0", "0"},
		{"2026-12-04", "3", "4", "9", "212", "1", "30", "0"},
		{"total", "4", "5", "11", "257", "1", "30", "0"},
	}, tableRows(t, res.stdout, "DAY", "ROOMS", "SESSIONS", "PARTICIPANTS", "PARTICIPANT MINUTES", "DIAL-IN CALLERS", "RECORDED MINUTES", "STREAMED MINUTES"))

	res = f.runCLI(t, nil, "usage", "--json")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, []string{"GET /v1/usage"}, requestLines(f.seen()), "the server's default: the last 30 days")
	var got operator.Usage
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &got))
	assert.Len(t, got.Days, 30)

	res = f.runCLI(t, nil, "usage", "--from", "2026-12-04", "--to", "2026-12-01")
	assertOneLine(t, res, "roomkeeper usage: to is from to 366 days after it (field to)")
	res = f.runCLI(t, nil, "usage", "--from", "2026-12-01T00:00Z")
	assert.Equal(t, 2, res.code, "days only")
	assert.Contains(t, res.stderr, `invalid value "2026-12-01T00:00Z" for --from: want a date such as 2026-12-01`)
}

func TestPeopleErase(t *testing.T) {
	f := newFakeAPI(t)
	res := f.runCLI(t, nil, "people", "erase", "ada@example.com")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, "Erased ada@example.com: 2 records and 5 outbox messages changed.\n", res.stdout)
	seen := f.seen()
	assert.Equal(t, []string{"DELETE /v1/people/ada@example.com"}, requestLines(seen))
	assert.Equal(t, auth, seen[0].Auth)

	res = f.runCLI(t, nil, "people", "erase", "--json", "ada@example.com")
	assert.Equal(t, `{"outbox":0,"records":0}`+"\n", res.stdout, "nothing more the second time")
	res = f.runCLI(t, nil, "people", "erase", "ada@example.com")
	assert.Equal(t, "Nothing held ada@example.com: nothing changed.\n", res.stdout)

	res = f.runCLI(t, nil, "people", "erase", "ada")
	assertOneLine(t, res, "roomkeeper people erase: not an e-mail address (field email)")
	res = f.runCLI(t, nil, "people", "erase")
	assert.Equal(t, 2, res.code)
	assert.True(t, strings.HasPrefix(res.stderr, "roomkeeper people erase: want EMAIL\n"), res.stderr)
}
