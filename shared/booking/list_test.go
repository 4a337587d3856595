package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Stored index entries carry positions, so their form must never change.
func TestPositionIsFixed(t *testing.T) {
	at := time.Date(2026, 11, 22, 11, 0, 0, 5, time.FixedZone("CET", 3600))
	assert.Equal(t, "2026-11-22T10:00:00.000000005Z#abc", Position(at, "abc"))
}

func TestPositionsOrderLikeTimeThenKey(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ordered := []string{
		Position(time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC), "zzzzzzzzzzzzz"),
		Position(t0.Add(-time.Nanosecond), "zzzzzzzzzzzzz"),
		Position(t0, "aaaaaaaaaaaaa"),
		Position(t0.In(time.FixedZone("IST", 5*3600+1800)), "aaaaaaaaaaaab"),
		Position(t0, "b"),
		Position(t0.Add(time.Nanosecond), "a"),
		Position(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), "a"),
	}
	for i := 1; i < len(ordered); i++ {
		assert.Less(t, ordered[i-1], ordered[i])
	}
}

func TestParsePositionReversesPosition(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2026, 11, 22, 11, 0, 0, 5, time.FixedZone("CET", 3600)),
		time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	} {
		got, key, err := ParsePosition(Position(at, "a#b"))
		require.NoError(t, err)
		assert.True(t, got.Equal(at), "%s: got %s", at, got)
		assert.Equal(t, "a#b", key)
	}
	for _, bad := range []string{"", "abc", "2026-11-22T10:00:00Z#abc", "2026-11-22T10:00:00.000000000Z", "2026-11-22T10:00:00.000000000Z#"} {
		_, _, err := ParsePosition(bad)
		assert.Equal(t, Invalid, ErrorCode(err), "%q: %v", bad, err)
	}
}

func TestListQuerySpan(t *testing.T) {
	from := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	fromText, toText := "2026-11-22T10:00:00.000000000Z", "2026-11-22T11:00:00.000000000Z"
	inside := Position(from.Add(time.Minute), "k")
	before := Position(from.Add(-time.Minute), "k")
	after := Position(to.Add(time.Minute), "k")
	tests := []struct {
		name   string
		q      ListQuery
		lo, hi string
	}{
		{"unbounded", ListQuery{}, "", ""},
		{"From and To", ListQuery{From: from, To: to}, fromText, toText},
		{"a bound in another zone", ListQuery{From: from.In(time.FixedZone("X", -7200))}, fromText, ""},
		{"oldest first: After raises lo", ListQuery{From: from, To: to, After: inside}, inside, toText},
		{"oldest first: After below From", ListQuery{From: from, After: before}, fromText, ""},
		{"oldest first: After without From", ListQuery{After: before}, before, ""},
		{"newest first: After lowers hi", ListQuery{From: from, To: to, After: inside, Newest: true}, fromText, inside},
		{"newest first: After above To", ListQuery{To: to, After: after, Newest: true}, "", toText},
		{"newest first: After without To", ListQuery{After: after, Newest: true}, "", after},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := tt.q.Span()
			assert.Equal(t, tt.lo, lo, "lo")
			assert.Equal(t, tt.hi, hi, "hi")
		})
	}
}

func TestListQueryCheck(t *testing.T) {
	require.NoError(t, ListQuery{State: Active, Limit: 1}.Check())
	require.NoError(t, ListQuery{State: Ended, Limit: 500}.Check())
	for _, q := range []ListQuery{{State: Active}, {State: "", Limit: 1}, {State: "done", Limit: 1}} {
		assert.Equal(t, Invalid, ErrorCode(q.Check()), "%+v", q)
	}
}

func TestCheckDays(t *testing.T) {
	require.NoError(t, CheckDays("2026-11-22", "2024-02-29"))
	for _, d := range []string{"", "2026-11-1", "2026-13-01", "2025-02-29", "22.11.2026", "2026-11-22T00:00:00Z"} {
		assert.Equal(t, Invalid, ErrorCode(CheckDays("2026-11-22", d)), "%q", d)
	}
	assert.Equal(t, Invalid, ErrorCode(Usage{Day: "2026-11-22"}.Check()), "no room")
	require.NoError(t, Usage{Day: "2026-11-22", RoomID: "rk"}.Check())
}

// Stored index keys carry the hash, so it must never change.
func TestPersonHash(t *testing.T) {
	const ada = "b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72" // sha256sum of "ada@example.com"
	assert.Equal(t, ada, PersonHash("ada@example.com"))
	assert.Equal(t, ada, PersonHash(" Ada@Example.COM\t"))
	assert.Empty(t, PersonHash("  "))
}

func TestPageSize(t *testing.T) {
	tests := []struct {
		in   int
		want int
		ok   bool
	}{{0, DefaultPageSize, true}, {1, 1, true}, {MaxPageSize, MaxPageSize, true}, {-1, 0, false}, {MaxPageSize + 1, 0, false}}
	for _, tt := range tests {
		got, err := PageSize(tt.in)
		if !tt.ok {
			assert.Equal(t, Invalid, ErrorCode(err), "PageSize(%d)", tt.in)
			continue
		}
		require.NoError(t, err, "PageSize(%d)", tt.in)
		assert.Equal(t, tt.want, got, "PageSize(%d)", tt.in)
	}
}

func TestCursorsRoundTrip(t *testing.T) {
	pos := Position(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), "abc")
	got, err := DecodeCursor(EncodeCursor(pos))
	require.NoError(t, err)
	assert.Equal(t, pos, got)
	assert.Empty(t, EncodeCursor(""), "a finished list has no cursor")
	start, err := DecodeCursor("")
	require.NoError(t, err)
	assert.Empty(t, start)
	_, err = DecodeCursor("not base64!")
	assert.Equal(t, Invalid, ErrorCode(err))
}
