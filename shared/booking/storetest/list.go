package storetest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// putListed stores a booking whose meeting starts at start, ended (Done) when done.
func putListed(t *testing.T, s booking.Store, id string, start time.Time, done bool) *booking.Booking {
	t.Helper()
	b := newBooking(id)
	b.Details.Start, b.Details.End = start, start.Add(30*time.Minute)
	b.Done = done
	require.NoError(t, s.Put(t.Context(), b))
	return b
}

// inOrder returns the keys of bs in list order: by start, then by key.
func inOrder(bs ...*booking.Booking) []string {
	sorted := slices.Clone(bs)
	slices.SortFunc(sorted, func(a, b *booking.Booking) int {
		return cmp.Or(a.Details.Start.Compare(b.Details.Start), cmp.Compare(a.Key, b.Key))
	})
	keys := make([]string, len(sorted))
	for i, b := range sorted {
		keys[i] = b.Key
	}
	return keys
}

func reversed(keys []string) []string {
	r := slices.Clone(keys)
	slices.Reverse(r)
	return r
}

// listAll pages through q's list, q.Limit entries at a time, and returns every entry. It checks
// that each page holds at most Limit entries, that cursors move in the list's direction, and
// that More is false only on the last page.
func listAll(t *testing.T, s booking.Store, q booking.ListQuery) []booking.ListEntry {
	t.Helper()
	var all []booking.ListEntry
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000, "List never ends")
		page, err := s.List(t.Context(), q)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Entries), q.Limit, "entries of one page")
		for _, e := range page.Entries {
			if n := len(all); n > 0 {
				if q.Newest {
					require.Less(t, e.Cursor, all[n-1].Cursor, "cursors descend")
				} else {
					require.Greater(t, e.Cursor, all[n-1].Cursor, "cursors ascend")
				}
			}
			all = append(all, e)
		}
		if !page.More {
			return all
		}
		require.NotEmpty(t, page.Entries, "a page with More has an entry to continue from")
		q.After = page.Entries[len(page.Entries)-1].Cursor
	}
}

// listKeys returns the keys of every entry of q's list, paging as listAll does.
func listKeys(t *testing.T, s booking.Store, q booking.ListQuery) []string {
	t.Helper()
	var keys []string
	for _, e := range listAll(t, s, q) {
		keys = append(keys, e.Key)
	}
	return keys
}

func testListOrder(t *testing.T, s booking.Store) {
	first := putListed(t, s, "first", base.Add(time.Hour), false)
	second := putListed(t, s, "second", base.Add(2*time.Hour), false)
	// The same instant in another zone sorts as the instant.
	third := putListed(t, s, "third", base.Add(3*time.Hour).In(mustZone(t, "America/New_York")), false)
	tieA := putListed(t, s, "tie-a", base.Add(4*time.Hour), false)
	tieB := putListed(t, s, "tie-b", base.Add(4*time.Hour), false)
	ended := putListed(t, s, "ended", base.Add(30*time.Minute), true)
	endedLater := putListed(t, s, "ended-later", base.Add(5*time.Hour), true)

	alias := newBooking("alias")
	alias.AliasOf = "first"
	require.NoError(t, s.Put(t.Context(), alias))
	tombstone := newBooking("tombstone") // a cancellation of a booking never seen has no start
	tombstone.Status, tombstone.Details = booking.Cancelled, booking.Details{}
	require.NoError(t, s.Put(t.Context(), tombstone))

	active := []string{first.Key, second.Key, third.Key}
	active = append(active, inOrder(tieA, tieB)...) // ties by key
	tests := []struct {
		name string
		q    booking.ListQuery
		want []string
	}{
		{"active, oldest first", booking.ListQuery{State: booking.Active, Limit: 100}, active},
		{"active, newest first", booking.ListQuery{State: booking.Active, Limit: 100, Newest: true}, reversed(active)},
		{"ended, oldest first", booking.ListQuery{State: booking.Ended, Limit: 100}, []string{ended.Key, endedLater.Key}},
		{"ended, newest first", booking.ListQuery{State: booking.Ended, Limit: 100, Newest: true}, []string{endedLater.Key, ended.Key}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := listKeys(t, s, tt.q)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, alias.Key, "an alias is in no list")
			assert.NotContains(t, got, tombstone.Key, "a record without a start is in no list")
		})
	}
}

func testListBounds(t *testing.T, s booking.Store) {
	var bs []*booking.Booking
	for i := range 10 {
		bs = append(bs, putListed(t, s, fmt.Sprintf("hour-%d", i), base.Add(time.Duration(i)*time.Hour), false))
	}
	putListed(t, s, "ended-in-range", base.Add(3*time.Hour), true) // the other list
	keys := func(from, to int) []string {
		var k []string
		for _, b := range bs[from:to] {
			k = append(k, b.Key)
		}
		return k
	}
	hour := func(h float64) time.Time { return base.Add(time.Duration(h * float64(time.Hour))) }
	tests := []struct {
		name     string
		from, to time.Time
		want     []string // oldest first
	}{
		{"unbounded", time.Time{}, time.Time{}, keys(0, 10)},
		{"From is inclusive", hour(3), time.Time{}, keys(3, 10)},
		{"To is exclusive", time.Time{}, hour(3), keys(0, 3)},
		{"From and To", hour(2), hour(5), keys(2, 5)},
		{"bounds between starts", hour(2.5), hour(4.5), keys(3, 5)},
		{"a bound in another zone is the instant", hour(7).In(mustZone(t, "Asia/Kolkata")), time.Time{}, keys(7, 10)},
		{"From equals To", hour(4), hour(4), nil},
		{"From after To", hour(6), hour(4), nil},
		{"before every start", time.Time{}, hour(-1), nil},
		{"after every start", hour(9.5), time.Time{}, nil},
	}
	for _, tt := range tests {
		for _, limit := range []int{100, 2} {
			t.Run(fmt.Sprintf("%s, pages of %d", tt.name, limit), func(t *testing.T) {
				q := booking.ListQuery{State: booking.Active, From: tt.from, To: tt.to, Limit: limit}
				assert.Equal(t, tt.want, listKeys(t, s, q), "oldest first")
				q.Newest = true
				assert.Equal(t, reversed(tt.want), listKeys(t, s, q), "newest first")
			})
		}
	}

	t.Run("After outside the bounds", func(t *testing.T) {
		all := listAll(t, s, booking.ListQuery{State: booking.Active, Limit: 100})
		ctx := t.Context()
		// Continuing from before From starts at From; from past To ends the list.
		page, err := s.List(ctx, booking.ListQuery{State: booking.Active, From: hour(5), After: all[1].Cursor, Limit: 2})
		require.NoError(t, err)
		assert.Equal(t, keys(5, 7), keysOf(page), "After before From")
		page, err = s.List(ctx, booking.ListQuery{State: booking.Active, To: hour(5), After: all[7].Cursor, Limit: 2})
		require.NoError(t, err)
		assert.Empty(t, page.Entries, "After past To")
		assert.False(t, page.More)
		page, err = s.List(ctx, booking.ListQuery{State: booking.Active, To: hour(5), After: all[7].Cursor, Limit: 2, Newest: true})
		require.NoError(t, err)
		assert.Equal(t, []string{bs[4].Key, bs[3].Key}, keysOf(page), "newest first, After past To")
	})
}

func keysOf(page booking.ListPage) []string {
	var keys []string
	for _, e := range page.Entries {
		keys = append(keys, e.Key)
	}
	return keys
}

func testListPages(t *testing.T, s booking.Store) {
	rng := rand.New(rand.NewPCG(3, 4))
	var active, ended []*booking.Booking
	for i := range 40 {
		// Starts fall on 12 distinct quarter hours, so many records share one.
		start := base.Add(time.Duration(rng.IntN(12)) * 15 * time.Minute)
		done := i%7 == 3 || i%5 == 0
		b := putListed(t, s, fmt.Sprintf("page-%02d", i), start, done)
		if done {
			ended = append(ended, b)
		} else {
			active = append(active, b)
		}
	}
	from, to := base.Add(30*time.Minute), base.Add(2*time.Hour)
	var bounded []*booking.Booking
	for _, b := range active {
		if !b.Details.Start.Before(from) && b.Details.Start.Before(to) {
			bounded = append(bounded, b)
		}
	}
	require.NotEmpty(t, bounded)
	lists := []struct {
		name     string
		q        booking.ListQuery
		expected []string
	}{
		{"active", booking.ListQuery{State: booking.Active}, inOrder(active...)},
		{"ended", booking.ListQuery{State: booking.Ended}, inOrder(ended...)},
		{"active between bounds", booking.ListQuery{State: booking.Active, From: from, To: to}, inOrder(bounded...)},
	}
	for _, l := range lists {
		for _, limit := range []int{1, 4, len(l.expected), 50} {
			for _, newest := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s, pages of %d, newest %v", l.name, limit, newest), func(t *testing.T) {
					q := l.q
					q.Limit, q.Newest = limit, newest
					want := l.expected
					if newest {
						want = reversed(want)
					}
					assert.Equal(t, want, listKeys(t, s, q), "every record once, in order")
				})
			}
		}
	}
}

func testListFollowsChanges(t *testing.T, s booking.Store) {
	ctx := t.Context()
	a := putListed(t, s, "change-a", base.Add(time.Hour), false)
	b := putListed(t, s, "change-b", base.Add(2*time.Hour), false)
	var c *booking.Booking
	keys := func(bs ...*booking.Booking) func() []string {
		return func() []string {
			var k []string
			for _, b := range bs {
				k = append(k, b.Key)
			}
			return k
		}
	}
	c = newBooking("change-c") // made in a step below; its key is known now
	steps := []struct {
		name          string
		change        func()
		active, ended func() []string
	}{
		{"both active", func() {}, keys(a, b), keys()},
		{"a is done: it ends", func() { a.Done = true; put(t, s, a) }, keys(b), keys(a)},
		{"b moves before a", func() { b.Details.Start = base; put(t, s, b) }, keys(b), keys(a)},
		{"a moves while ended", func() { a.Details.Start = base.Add(-time.Hour); put(t, s, a) }, keys(b), keys(a)},
		{"c is made between", func() { c = putListed(t, s, "change-c", base.Add(30*time.Minute), false) }, keys(b, c), keys(a)},
		{"a is active again", func() { a.Done = false; put(t, s, a) }, keys(a, b, c), keys()},
		{"b becomes an alias: in no list", func() { b.AliasOf = "change-c"; put(t, s, b) }, keys(a, c), keys()},
		{"a loses its start: in no list", func() { a.Details = booking.Details{}; put(t, s, a) }, keys(c), keys()},
	}
	for _, step := range steps {
		step.change()
		assert.Equal(t, step.active(), listKeys(t, s, booking.ListQuery{State: booking.Active, Limit: 10}), "%s: active", step.name)
		assert.Equal(t, step.ended(), listKeys(t, s, booking.ListQuery{State: booking.Ended, Limit: 10}), "%s: ended", step.name)
	}

	t.Run("a stale Put changes no list", func(t *testing.T) {
		stale := *c
		stale.Version--
		stale.Done = true
		require.ErrorIs(t, s.Put(ctx, &stale), booking.ErrConflict)
		assert.Equal(t, []string{c.Key}, listKeys(t, s, booking.ListQuery{State: booking.Active, Limit: 10}))
		assert.Empty(t, listKeys(t, s, booking.ListQuery{State: booking.Ended, Limit: 10}))
	})

	t.Run("a cursor outlives its entry", func(t *testing.T) {
		var bs []*booking.Booking
		for i := range 5 {
			bs = append(bs, putListed(t, s, fmt.Sprintf("outlive-%d", i), base.Add(time.Duration(10+i)*time.Hour), false))
		}
		q := booking.ListQuery{State: booking.Active, From: base.Add(10 * time.Hour), Limit: 2}
		page, err := s.List(ctx, q)
		require.NoError(t, err)
		require.Equal(t, []string{bs[0].Key, bs[1].Key}, keysOf(page))
		// The page's last record ends before the next page is asked for.
		bs[1].Done = true
		put(t, s, bs[1])
		q.After = page.Entries[1].Cursor
		page, err = s.List(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, []string{bs[2].Key, bs[3].Key}, keysOf(page))
		assert.True(t, page.More)
	})
}

func put(t *testing.T, s booking.Store, b *booking.Booking) {
	t.Helper()
	require.NoError(t, s.Put(t.Context(), b))
}

func testListLimit(t *testing.T, s booking.Store) {
	ctx := t.Context()
	var bs []*booking.Booking
	for i := range 5 {
		bs = append(bs, putListed(t, s, fmt.Sprintf("limit-%d", i), base.Add(time.Duration(i)*time.Minute), false))
	}
	all := inOrder(bs...)
	for _, tt := range []struct {
		limit    int
		wantMore bool
	}{{1, true}, {4, true}, {5, false}, {50, false}} {
		t.Run(fmt.Sprint(tt.limit), func(t *testing.T) {
			page, err := s.List(ctx, booking.ListQuery{State: booking.Active, Limit: tt.limit})
			require.NoError(t, err)
			assert.Equal(t, all[:min(tt.limit, len(all))], keysOf(page))
			assert.Equal(t, tt.wantMore, page.More, "More")
		})
	}
	t.Run("after the last entry", func(t *testing.T) {
		page, err := s.List(ctx, booking.ListQuery{State: booking.Active, Limit: 5})
		require.NoError(t, err)
		page, err = s.List(ctx, booking.ListQuery{State: booking.Active, Limit: 5, After: page.Entries[4].Cursor})
		require.NoError(t, err)
		assert.Empty(t, page.Entries)
		assert.False(t, page.More)
	})
}

// testListMerge pages through both lists side by side and merges them by cursor, as a caller
// showing every record in start order does.
func testListMerge(t *testing.T, s booking.Store) {
	var all []*booking.Booking
	for i := range 12 {
		// Pairs of records share a start, one in each list when i is odd.
		start := base.Add(time.Duration(i/2) * time.Hour)
		all = append(all, putListed(t, s, fmt.Sprintf("merge-%02d", i), start, i%2 == 1 || i%5 == 0))
	}
	for _, newest := range []bool{false, true} {
		t.Run(fmt.Sprintf("newest %v", newest), func(t *testing.T) {
			streams := []*stream{
				{q: booking.ListQuery{State: booking.Active, Limit: 2, Newest: newest}},
				{q: booking.ListQuery{State: booking.Ended, Limit: 3, Newest: newest}},
			}
			var got []string
			for {
				var next *stream
				for _, st := range streams {
					if st.peek(t, s) == nil {
						continue
					}
					if next == nil || (st.peek(t, s).Cursor < next.peek(t, s).Cursor) != newest {
						next = st
					}
				}
				if next == nil {
					break
				}
				got = append(got, next.pop().Key)
				require.Less(t, len(got), 100, "the merge never ends")
			}
			want := inOrder(all...)
			if newest {
				want = reversed(want)
			}
			assert.Equal(t, want, got)
		})
	}
}

// stream reads one list a page at a time.
type stream struct {
	q    booking.ListQuery
	buf  []booking.ListEntry
	done bool
}

// peek returns the stream's next entry, reading a page when needed, or nil at its end.
func (st *stream) peek(t *testing.T, s booking.Store) *booking.ListEntry {
	t.Helper()
	for len(st.buf) == 0 && !st.done {
		page, err := s.List(t.Context(), st.q)
		require.NoError(t, err)
		st.buf, st.done = page.Entries, !page.More
		if len(page.Entries) > 0 {
			st.q.After = page.Entries[len(page.Entries)-1].Cursor
		}
	}
	if len(st.buf) == 0 {
		return nil
	}
	return &st.buf[0]
}

func (st *stream) pop() booking.ListEntry {
	e := st.buf[0]
	st.buf = st.buf[1:]
	return e
}

func testListInvalid(t *testing.T, s booking.Store) {
	for _, tt := range []struct {
		name string
		q    booking.ListQuery
	}{
		{"no limit", booking.ListQuery{State: booking.Active}},
		{"negative limit", booking.ListQuery{State: booking.Ended, Limit: -1}},
		{"no list", booking.ListQuery{Limit: 10}},
		{"unknown list", booking.ListQuery{State: "all", Limit: 10}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.List(t.Context(), tt.q)
			require.Error(t, err)
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
		})
	}
}

func testUsage(t *testing.T, s booking.Store) {
	ctx := t.Context()
	expires := base.Add(400 * 24 * time.Hour)
	usage := func(day, room string, sessions int) booking.Usage {
		return booking.Usage{
			Day: day, RoomID: room, Provider: "whereby", Sessions: sessions, Participants: 3,
			ParticipantMinutes: 95, DialInCallers: 1, RecordedMinutes: 30, StreamedMinutes: 10,
		}
	}
	u21 := usage("2026-11-21", "rkaaaaaaaaaaaaag1", 1)
	u22a := usage("2026-11-22", "rkaaaaaaaaaaaaag1", 2)
	u22b := usage("2026-11-22", "rkbbbbbbbbbbbbbg1", 1)
	u23 := usage("2026-11-23", "rkaaaaaaaaaaaaag1", 1)
	u30 := usage("2026-11-30", "rkccccccccccccg2", 4)
	for _, u := range []booking.Usage{u21, u22a, u22b, u23, u30} {
		require.NoError(t, s.PutUsage(ctx, u, expires))
	}
	read := func(from, to string) []booking.Usage {
		t.Helper()
		got, err := s.Usage(ctx, from, to)
		require.NoError(t, err)
		return got
	}
	tests := []struct {
		name     string
		from, to string
		want     []booking.Usage
	}{
		{"one day", "2026-11-22", "2026-11-22", []booking.Usage{u22a, u22b}},
		{"a range, both ends included", "2026-11-21", "2026-11-23", []booking.Usage{u21, u22a, u22b, u23}},
		{"across a month", "2026-11-23", "2026-12-31", []booking.Usage{u23, u30}},
		{"a day without figures", "2026-11-24", "2026-11-24", nil},
		{"from after to", "2026-11-23", "2026-11-21", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ElementsMatch(t, tt.want, read(tt.from, tt.to))
		})
	}

	t.Run("a repeated PutUsage replaces", func(t *testing.T) {
		again := u22a
		again.Sessions, again.ParticipantMinutes = 3, 120
		require.NoError(t, s.PutUsage(ctx, again, expires))
		require.NoError(t, s.PutUsage(ctx, again, expires))
		assert.ElementsMatch(t, []booking.Usage{again, u22b}, read("2026-11-22", "2026-11-22"))
	})

	t.Run("bad days and rooms are refused", func(t *testing.T) {
		for _, days := range [][2]string{{"2026-11-1", "2026-11-22"}, {"2026-11-22", ""}, {"22.11.2026", "2026-11-22"}} {
			_, err := s.Usage(ctx, days[0], days[1])
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err), "Usage(%q, %q)", days[0], days[1])
		}
		bad := u21
		bad.Day = "2026-02-30"
		assert.Equal(t, booking.Invalid, booking.ErrorCode(s.PutUsage(ctx, bad, expires)), "no such day")
		bad = u21
		bad.RoomID = ""
		assert.Equal(t, booking.Invalid, booking.ErrorCode(s.PutUsage(ctx, bad, expires)), "no room")
	})
}

func testPeople(t *testing.T, s booking.Store) {
	ctx := t.Context()
	expires := base.Add(720 * time.Hour)
	k1, k2, k3 := booking.KeyOf("generic", "p1"), booking.KeyOf("generic", "p2"), booking.KeyOf("generic", "p3")
	require.NoError(t, s.IndexPeople(ctx, k1, []string{"ada@example.com", "bob@example.net"}, expires))
	require.NoError(t, s.IndexPeople(ctx, k2, []string{" Ada@Example.COM ", ""}, expires))
	require.NoError(t, s.IndexPeople(ctx, k3, []string{"cleo@example.org"}, expires))
	people := func(email string) []string {
		t.Helper()
		keys, err := s.People(ctx, email)
		require.NoError(t, err)
		return keys
	}
	assert.ElementsMatch(t, []string{k1, k2}, people("ada@example.com"))
	assert.ElementsMatch(t, []string{k1, k2}, people("ADA@EXAMPLE.COM"), "any case")
	assert.ElementsMatch(t, []string{k1}, people("Bob@example.net"))
	assert.Empty(t, people("nobody@example.com"))
	assert.Empty(t, people(""))

	// Indexing again, as every change to a booking does, adds nothing.
	require.NoError(t, s.IndexPeople(ctx, k1, []string{"ada@example.com", "BOB@example.net"}, expires.Add(time.Hour)))
	assert.ElementsMatch(t, []string{k1, k2}, people("ada@example.com"))
	assert.ElementsMatch(t, []string{k1}, people("bob@example.net"))

	require.NoError(t, s.ForgetPerson(ctx, "Ada@example.COM"))
	assert.Empty(t, people("ada@example.com"))
	assert.ElementsMatch(t, []string{k1}, people("bob@example.net"), "other addresses of the record stay")
	assert.ElementsMatch(t, []string{k3}, people("cleo@example.org"))
	require.NoError(t, s.ForgetPerson(ctx, "ada@example.com"), "forgetting twice")
	require.NoError(t, s.ForgetPerson(ctx, "nobody@example.com"), "forgetting someone never indexed")

	require.Error(t, s.IndexPeople(ctx, "", []string{"ada@example.com"}, expires), "an empty key")
}

func testPutIndexed(t *testing.T, s booking.Store) {
	ctx := t.Context()
	b := newBooking("indexed")
	b.ExpiresAt = base.Add(720 * time.Hour)
	require.NoError(t, s.PutIndexed(ctx, b, []string{"ada@example.com", "bob@example.net"}, "generic:msg_1", base.Add(time.Hour)))
	assert.Equal(t, int64(1), b.Version)
	assert.Equal(t, b.Details.Title, mustGet(t, s, b.Key).Details.Title)
	keys, err := s.People(ctx, "Bob@example.net")
	require.NoError(t, err)
	assert.Equal(t, []string{b.Key}, keys)
	seen, err := s.Seen(ctx, "generic:msg_1", base)
	require.NoError(t, err)
	assert.True(t, seen)

	// Without a delivery, no mark; a stale version writes no mark either.
	require.NoError(t, s.PutIndexed(ctx, b, nil, "", time.Time{}))
	assert.Equal(t, int64(2), b.Version)
	stale := *b
	stale.Version = 1
	err = s.PutIndexed(ctx, &stale, []string{"cleo@example.org"}, "generic:msg_2", base.Add(time.Hour))
	require.ErrorIs(t, err, booking.ErrConflict)
	seen, err = s.Seen(ctx, "generic:msg_2", base)
	require.NoError(t, err)
	assert.False(t, seen, "no mark of a change not saved")
	assert.Equal(t, int64(2), mustGet(t, s, b.Key).Version)
}
