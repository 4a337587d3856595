// Package storetest is the contract test suite of the booking.Store port (shared/booking/ports.go):
// every Store adapter — the embedded bolt file, DynamoDB — runs Run from its own tests and must
// pass it unchanged. The suite checks the version rules of Put, the due index Due reads (across
// enough keys to reach every shard of a sharded index, and in pages that continue after a
// position), the expiry of delivery-id marks, the two
// lists List pages through (order, bounds, cursors that continue and merge), the usage figures,
// the people index, the providers' pauses and the bookings' activity items.
package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Run runs the suite. open must return a new, empty store for each call; it registers any
// clean-up with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) booking.Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s booking.Store)
	}{
		{"CreateThenGetRoundTripsEveryField", testRoundTrip},
		{"CreateTwiceConflicts", testCreateTwice},
		{"StaleVersionConflictsAndChangesNothing", testStaleVersion},
		{"UpdateOfMissingRecordConflicts", testUpdateMissing},
		{"VersionRisesByOnePerPut", testVersionRises},
		{"GetMissingIsNotFound", testGetMissing},
		{"ConcurrentPutsFromOneVersionOneWins", testConcurrentPuts},
		{"DueReturnsOnlyDueOldestFirst", testDueOnlyDue},
		{"DueHonoursLimit", testDueLimit},
		{"DueFollowsDueAtChanges", testDueFollowsChanges},
		{"DueAcrossManyKeys", testDueManyKeys},
		{"DueContinuesAfterAPosition", testDueContinues},
		{"SeenAndMarkSeen", testSeen},
		{"ListOrdersByStartThenKey", testListOrder},
		{"ListBoundsFromAndTo", testListBounds},
		{"ListPagesContinueWithoutGapsOrRepeats", testListPages},
		{"ListFollowsChanges", testListFollowsChanges},
		{"ListHonoursLimit", testListLimit},
		{"ListCursorsMergeBothLists", testListMerge},
		{"ListRefusesBadQueries", testListInvalid},
		{"PutUsageReplacesAndUsageReadsDays", testUsage},
		{"PeopleIndexIgnoresCaseAndRepeats", testPeople},
		{"PutIndexedWritesTheRecordItsPeopleAndTheMark", testPutIndexed},
		{"PauseIsPerProviderAndKindAndOnlyExtended", testPause},
		{"ConcurrentPausesKeepTheLatestEnd", testConcurrentPauses},
		{"ActivityItemsAreStoredOnceEarliestFirst", testActivityOnce},
		{"ActivityIsPerBooking", testActivityPerBooking},
		{"ReplaceActivityKeepsIdentities", testReplaceActivity},
		{"ExpireActivityChangesNoItemsContent", testExpireActivity},
		{"ActivityMergesWithARecordsEmbeddedActivity", testActivityMergesEmbedded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.test(t, open(t))
		})
	}
}

// base is the suite's reference instant; every time in the suite is relative to it.
var base = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func testRoundTrip(t *testing.T, s booking.Store) {
	ctx := t.Context()
	want := fullBooking(t)
	requireEveryFieldSet(t, want)
	require.NoError(t, s.Put(ctx, want))
	assert.Equal(t, int64(1), want.Version, "Put must raise Version from 0 to 1")

	got, err := s.Get(ctx, want.Key)
	require.NoError(t, err)
	assert.Equal(t, normalized(want), normalized(got))
}

func testCreateTwice(t *testing.T, s booking.Store) {
	ctx := t.Context()
	first := newBooking("created-once")
	first.Details.Title = "first"
	require.NoError(t, s.Put(ctx, first))

	second := newBooking("created-once")
	second.Details.Title = "second"
	err := s.Put(ctx, second)
	require.ErrorIs(t, err, booking.ErrConflict)
	assert.Equal(t, int64(0), second.Version, "a failed Put must leave Version alone")

	got := mustGet(t, s, first.Key)
	assert.Equal(t, "first", got.Details.Title)
	assert.Equal(t, int64(1), got.Version)
}

func testStaleVersion(t *testing.T, s booking.Store) {
	ctx := t.Context()
	b := newBooking("stale")
	b.DueAt = base
	require.NoError(t, s.Put(ctx, b))
	stale := *b // version 1
	b.Details.Title = "fresh"
	require.NoError(t, s.Put(ctx, b)) // version 2

	stale.Details.Title = "stale write"
	stale.DueAt = time.Time{}
	err := s.Put(ctx, &stale)
	require.ErrorIs(t, err, booking.ErrConflict)
	assert.Equal(t, int64(1), stale.Version, "a failed Put must leave Version alone")

	got := mustGet(t, s, b.Key)
	assert.Equal(t, normalized(b), normalized(got), "the stored record must be unchanged")
	due, _, err := dueKeys(ctx, s, base, "", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{b.Key}, due, "a failed Put must not touch the due index")

	ahead := *b
	ahead.Version = 7
	require.ErrorIs(t, s.Put(ctx, &ahead), booking.ErrConflict, "a version ahead of the stored one")
}

func testUpdateMissing(t *testing.T, s booking.Store) {
	ctx := t.Context()
	b := newBooking("never-created")
	b.Version = 1
	require.ErrorIs(t, s.Put(ctx, b), booking.ErrConflict)
	_, err := s.Get(ctx, b.Key)
	require.ErrorIs(t, err, booking.ErrNotFound)
}

func testVersionRises(t *testing.T, s booking.Store) {
	ctx := t.Context()
	b := newBooking("versions")
	for want := int64(1); want <= 5; want++ {
		b.Sequence = int(want)
		require.NoError(t, s.Put(ctx, b))
		assert.Equal(t, want, b.Version, "b.Version after Put")
		got := mustGet(t, s, b.Key)
		assert.Equal(t, want, got.Version, "stored Version")
		assert.Equal(t, int(want), got.Sequence)
	}
}

func testGetMissing(t *testing.T, s booking.Store) {
	ctx := t.Context()
	require.NoError(t, s.Put(ctx, newBooking("present")))
	got, err := s.Get(ctx, booking.KeyOf("generic", "absent"))
	require.ErrorIs(t, err, booking.ErrNotFound)
	assert.Nil(t, got)
}

func testConcurrentPuts(t *testing.T, s booking.Store) {
	ctx := t.Context()
	b := newBooking("contended")
	require.NoError(t, s.Put(ctx, b))

	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		mine := *b
		mine.Details.Title = fmt.Sprintf("writer %d", i)
		wg.Go(func() { errs[i] = s.Put(ctx, &mine) })
	}
	wg.Wait()

	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "writers %d and %d both won", winner, i)
			winner = i
			continue
		}
		require.ErrorIs(t, err, booking.ErrConflict, "writer %d", i)
	}
	require.NotEqual(t, -1, winner, "no writer won")
	got := mustGet(t, s, b.Key)
	assert.Equal(t, fmt.Sprintf("writer %d", winner), got.Details.Title)
	assert.Equal(t, b.Version+1, got.Version)
}

// dueKeys calls s.Due and returns the keys of what it found.
func dueKeys(ctx context.Context, s booking.Store, now time.Time, after string, limit int) ([]string, string, error) {
	due, next, err := s.Due(ctx, now, after, limit)
	return booking.DueKeys(due), next, err
}

func testDueOnlyDue(t *testing.T, s booking.Store) {
	ctx := t.Context()
	now := base
	put := func(id string, dueAt time.Time) string {
		t.Helper()
		b := newBooking(id)
		b.DueAt = dueAt
		require.NoError(t, s.Put(ctx, b))
		return b.Key
	}
	never := put("never-due", time.Time{})
	exactly := put("due-now", now)
	future := put("due-later", now.Add(time.Nanosecond))
	old := put("due-long-ago", now.Add(-72*time.Hour))
	recent := put("due-a-second-ago", now.Add(-time.Second))
	// A due time in another zone is the same instant.
	oslo := put("due-in-oslo", now.Add(-time.Hour).In(mustZone(t, "Europe/Oslo")))

	got, _, err := dueKeys(ctx, s, now, "", 100)
	require.NoError(t, err)
	assert.Equal(t, []string{old, oslo, recent, exactly}, got)
	assert.NotContains(t, got, never)
	assert.NotContains(t, got, future)

	// Each with its DueAt, the instant whatever the zone it was written in: the sweep delays
	// the nudge of a booking not yet due until then.
	due, _, err := s.Due(ctx, now.Add(time.Minute), "", 100)
	require.NoError(t, err)
	require.Equal(t, []string{old, oslo, recent, exactly, future}, booking.DueKeys(due))
	for _, d := range due {
		b := mustGet(t, s, d.Key)
		assert.True(t, b.DueAt.Equal(d.At), "%s: due at %s, listed at %s", d.Key, b.DueAt, d.At)
	}

	got, _, err = dueKeys(ctx, s, now.Add(-100*time.Hour), "", 100)
	require.NoError(t, err)
	assert.Empty(t, got, "nothing is due before the oldest DueAt")
}

func testDueLimit(t *testing.T, s booking.Store) {
	ctx := t.Context()
	var keys []string
	for i := range 5 {
		b := newBooking(fmt.Sprintf("limit-%d", i))
		b.DueAt = base.Add(time.Duration(i-10) * time.Minute)
		require.NoError(t, s.Put(ctx, b))
		keys = append(keys, b.Key)
	}
	for _, limit := range []int{1, 3, 5, 50} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			got, _, err := dueKeys(ctx, s, base, "", limit)
			require.NoError(t, err)
			assert.Equal(t, keys[:min(limit, len(keys))], got)
		})
	}
}

func testDueFollowsChanges(t *testing.T, s booking.Store) {
	ctx := t.Context()
	a := newBooking("moving-a")
	a.DueAt = base.Add(-10 * time.Minute)
	b := newBooking("moving-b")
	b.DueAt = base.Add(-5 * time.Minute)
	require.NoError(t, s.Put(ctx, a))
	require.NoError(t, s.Put(ctx, b))
	steps := []struct {
		name   string
		change func()
		want   []string
	}{
		{"initial", func() {}, []string{a.Key, b.Key}},
		{"a moves after b", func() { a.DueAt = base.Add(-time.Minute) }, []string{b.Key, a.Key}},
		{"a moves into the future", func() { a.DueAt = base.Add(time.Hour) }, []string{b.Key}},
		{"a moves back to the past", func() { a.DueAt = base.Add(-time.Hour) }, []string{a.Key, b.Key}},
		{"a is cleared", func() { a.DueAt = time.Time{} }, []string{b.Key}},
		{"a is set again", func() { a.DueAt = base }, []string{b.Key, a.Key}},
		{"a changes without moving", func() { a.Details.Title = "renamed" }, []string{b.Key, a.Key}},
	}
	for _, step := range steps {
		step.change()
		require.NoError(t, s.Put(ctx, a), step.name)
		got, _, err := dueKeys(ctx, s, base, "", 10)
		require.NoError(t, err, step.name)
		assert.Equal(t, step.want, got, step.name)
	}
}

// testDueAcrossManyKeys stores enough bookings with varied keys that a sharded index has entries in
// every shard, in an order unrelated to the keys, and checks that Due merges them by DueAt.
func testDueManyKeys(t *testing.T, s booking.Store) {
	ctx := t.Context()
	const n = 96
	rng := rand.New(rand.NewPCG(1, 2))
	offsets := rng.Perm(n)
	due := make([]string, n) // due[i] is the key due i minutes after the first
	var notDue []string
	for i, off := range offsets {
		b := newBooking(fmt.Sprintf("sweep-%03d", i))
		b.DueAt = base.Add(time.Duration(off-n) * time.Minute)
		require.NoError(t, s.Put(ctx, b))
		due[off] = b.Key
		if i%3 == 0 {
			// Records not due, interleaved with the due ones in every shard.
			later := newBooking(fmt.Sprintf("sweep-later-%03d", i))
			later.DueAt = base.Add(time.Duration(off+1) * time.Minute)
			require.NoError(t, s.Put(ctx, later))
			notDue = append(notDue, later.Key)
			idle := newBooking(fmt.Sprintf("sweep-idle-%03d", i))
			require.NoError(t, s.Put(ctx, idle))
			notDue = append(notDue, idle.Key)
		}
	}

	got, _, err := dueKeys(ctx, s, base, "", 1000)
	require.NoError(t, err)
	assert.Equal(t, due, got, "every due booking, oldest first")

	for _, limit := range []int{1, 7, 60} {
		got, _, err := dueKeys(ctx, s, base, "", limit)
		require.NoError(t, err)
		assert.Equal(t, due[:limit], got, "the %d oldest", limit)
	}

	half := base.Add(-time.Duration(n/2) * time.Minute)
	got, _, err = dueKeys(ctx, s, half, "", 1000)
	require.NoError(t, err)
	assert.Equal(t, due[:n/2+1], got, "due by %s", half)

	// Clearing every other due booking removes exactly those.
	var left []string
	for i, key := range due {
		if i%2 == 0 {
			left = append(left, key)
			continue
		}
		b := mustGet(t, s, key)
		b.DueAt = time.Time{}
		require.NoError(t, s.Put(ctx, b))
	}
	got, _, err = dueKeys(ctx, s, base, "", 1000)
	require.NoError(t, err)
	assert.Equal(t, left, got)
	for _, key := range notDue {
		assert.NotContains(t, got, key)
	}
}

// testDueContinues pages through what is due with the position each call returns: every due
// booking once, oldest first, whatever the page size, including bookings sharing a due time; a
// booking that becomes due behind the position is left for a sweep that starts again.
func testDueContinues(t *testing.T, s booking.Store) {
	ctx := t.Context()
	const n = 60
	rng := rand.New(rand.NewPCG(3, 4))
	var due []*booking.Booking
	for i, off := range rng.Perm(n) {
		b := newBooking(fmt.Sprintf("continue-%02d", i))
		b.DueAt = base.Add(-time.Duration(off/3) * time.Minute) // three bookings an instant
		require.NoError(t, s.Put(ctx, b))
		due = append(due, b)
	}
	later := newBooking("continue-later")
	later.DueAt = base.Add(time.Minute)
	require.NoError(t, s.Put(ctx, later))
	slices.SortFunc(due, func(a, b *booking.Booking) int {
		return strings.Compare(booking.Position(a.DueAt, a.Key), booking.Position(b.DueAt, b.Key))
	})
	want := make([]string, n)
	for i, b := range due {
		want[i] = b.Key
	}

	for _, page := range []int{1, 7, 20, 60, 100} {
		t.Run(fmt.Sprint(page), func(t *testing.T) {
			var got []string
			after := ""
			for calls := 0; ; calls++ {
				require.Less(t, calls, n+2, "Due must come to an end")
				keys, next, err := dueKeys(ctx, s, base, after, page)
				require.NoError(t, err)
				got = append(got, keys...)
				if len(keys) == 0 {
					assert.Equal(t, after, next, "with nothing more, the position stays")
					break
				}
				last := due[len(got)-1]
				assert.Equal(t, booking.Position(last.DueAt, last.Key), next, "the position of the last key")
				after = next
			}
			assert.Equal(t, want, got)
		})
	}

	// A booking due behind the position is not returned again by that sweep.
	_, next, err := dueKeys(ctx, s, base, "", n/2)
	require.NoError(t, err)
	early := newBooking("continue-early")
	early.DueAt = due[0].DueAt.Add(-time.Hour)
	require.NoError(t, s.Put(ctx, early))
	rest, _, err := dueKeys(ctx, s, base, next, n)
	require.NoError(t, err)
	assert.Equal(t, want[n/2:], rest)
	first, _, err := dueKeys(ctx, s, base, "", 1)
	require.NoError(t, err)
	assert.Equal(t, []string{early.Key}, first, "a sweep from the start finds it")

	_, _, err = dueKeys(ctx, s, base, "not a position", 10)
	assert.Equal(t, booking.Invalid, booking.ErrorCode(err), "a bad position: %v", err)
}

func testSeen(t *testing.T, s booking.Store) {
	ctx := t.Context()
	now := base
	seen := func(id string, at time.Time) bool {
		t.Helper()
		ok, err := s.Seen(ctx, id, at)
		require.NoError(t, err)
		return ok
	}
	assert.False(t, seen("msg_1", now), "never marked")

	require.NoError(t, s.MarkSeen(ctx, "msg_1", now.Add(time.Hour)))
	assert.True(t, seen("msg_1", now), "marked, not expired")
	assert.True(t, seen("msg_1", now.Add(59*time.Minute)), "marked, not expired")
	assert.False(t, seen("msg_1", now.Add(2*time.Hour)), "expired mark")
	assert.False(t, seen("msg_2", now), "another id")

	require.NoError(t, s.MarkSeen(ctx, "msg_3", now.Add(-time.Minute)))
	assert.False(t, seen("msg_3", now), "marked with an expiry already past")

	// Marking again extends the mark.
	require.NoError(t, s.MarkSeen(ctx, "msg_1", now.Add(3*time.Hour)))
	assert.True(t, seen("msg_1", now.Add(2*time.Hour)), "re-marked")

	// Delivery ids are the sources' own: long and full of punctuation.
	odd := "msg_2mzZ8Q/+=:é#" + strings.Repeat("x", 180) + "end"
	require.NoError(t, s.MarkSeen(ctx, odd, now.Add(time.Hour)))
	assert.True(t, seen(odd, now))
	// As long as a webhook body can make them: a Whereby envelope's id is the sender's.
	long := strings.Repeat("i", 100_000)
	assert.False(t, seen(long, now), "never marked")
	require.NoError(t, s.MarkSeen(ctx, long, now.Add(time.Hour)))
	assert.True(t, seen(long, now))
	assert.False(t, seen(long[1:], now), "another long id")
}

func pausedUntil(t *testing.T, s booking.Store, provider string, kind booking.PauseKind) time.Time {
	t.Helper()
	until, err := s.PausedUntil(t.Context(), provider, kind)
	require.NoError(t, err)
	return until
}

func testPause(t *testing.T, s booking.Store) {
	ctx := t.Context()
	assert.True(t, pausedUntil(t, s, "whereby", booking.PauseAll).IsZero(), "never paused")

	end := base.Add(38689 * time.Millisecond) // Whereby's msLeft is in milliseconds
	require.NoError(t, s.Pause(ctx, "whereby", booking.PauseAll, end))
	assert.True(t, end.Equal(pausedUntil(t, s, "whereby", booking.PauseAll)), "paused")
	assert.True(t, pausedUntil(t, s, "whereby", booking.PauseCreate).IsZero(), "another kind")
	assert.True(t, pausedUntil(t, s, "zoom", booking.PauseAll).IsZero(), "another provider")

	require.NoError(t, s.Pause(ctx, "whereby", booking.PauseAll, base.Add(time.Second)))
	assert.True(t, end.Equal(pausedUntil(t, s, "whereby", booking.PauseAll)), "an earlier end does not shorten the pause")
	require.NoError(t, s.Pause(ctx, "whereby", booking.PauseAll, end))
	assert.True(t, end.Equal(pausedUntil(t, s, "whereby", booking.PauseAll)), "the same end again")

	later := end.Add(time.Minute + 1500*time.Microsecond)
	require.NoError(t, s.Pause(ctx, "whereby", booking.PauseAll, later))
	assert.True(t, later.Equal(pausedUntil(t, s, "whereby", booking.PauseAll)), "a later end extends it, to the microsecond")

	midnight := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	require.NoError(t, s.Pause(ctx, "zoom", booking.PauseCreate, midnight))
	assert.True(t, midnight.Equal(pausedUntil(t, s, "zoom", booking.PauseCreate)))
	assert.True(t, pausedUntil(t, s, "zoom", booking.PauseAll).IsZero(), "a create pause holds no other call")
	assert.True(t, later.Equal(pausedUntil(t, s, "whereby", booking.PauseAll)), "one provider's pause is its own")

	past := base.Add(-time.Hour)
	require.NoError(t, s.Pause(ctx, "twentyfour", booking.PauseAll, past))
	got := pausedUntil(t, s, "twentyfour", booking.PauseAll)
	assert.True(t, got.IsZero() || got.Equal(past), "a pause already over: none, or its end (got %s)", got)
}

func testConcurrentPauses(t *testing.T, s booking.Store) {
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			errs[i] = s.Pause(t.Context(), "whereby", booking.PauseAll, base.Add(time.Duration(i)*time.Second))
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.True(t, base.Add(9*time.Second).Equal(pausedUntil(t, s, "whereby", booking.PauseAll)), "the latest end stands, whatever the order")
}

// newBooking returns a minimal valid booking for a source booking id.
func newBooking(externalID string) *booking.Booking {
	return &booking.Booking{
		Key:        booking.KeyOf("generic", externalID),
		Source:     "generic",
		ExternalID: externalID,
		UID:        externalID + "@roomkeeper.test",
		Status:     booking.Confirmed,
		Details: booking.Details{
			Title:     "Meeting",
			Start:     base.Add(24 * time.Hour),
			End:       base.Add(24*time.Hour + 30*time.Minute),
			Organizer: booking.Person{Email: "ada@example.com"},
			Attendees: []booking.Person{{Email: "bob@example.net"}},
			Room:      booking.RoomOptions{Provider: "whereby", Size: booking.Small},
		},
		CreatedAt: base,
		UpdatedAt: base,
	}
}

// fullBooking returns a booking with every field set, times in several zones and with nanoseconds.
func fullBooking(t *testing.T) *booking.Booking {
	oslo := mustZone(t, "Europe/Oslo")
	ny := mustZone(t, "America/New_York")
	start := time.Date(2026, 11, 23, 16, 0, 0, 0, oslo)
	end := start.Add(30 * time.Minute)
	now := time.Date(2026, 11, 22, 10, 0, 1, 123456789, time.UTC)
	dialIn := &booking.DialIn{
		Numbers: []booking.PhoneNumber{
			{E164: "+4721930000", Country: "NO", Tel: "tel:+4721930000,123456%23"},
			{E164: "+12025550123", Country: "US", Tel: "tel:+12025550123,123456%23"},
		},
		Code:     "123456#",
		Passcode: "7890#",
	}
	return &booking.Booking{
		Key:         booking.KeyOf("calcom", "uid-Ωmega"),
		Source:      "calcom",
		ExternalID:  "uid-Ωmega",
		UID:         "ical-uid-1@cal.com",
		Status:      booking.Confirmed,
		Sequence:    3,
		LastEventAt: now.Add(-time.Minute),
		CreatedAt:   now.Add(-time.Hour),
		UpdatedAt:   now,
		Details: booking.Details{
			Title:       "Årsmøte <intro> & “quotes”",
			Description: "Line one\nLine two, with unicode: ✓",
			Start:       start,
			End:         end,
			TimeZone:    "Europe/Oslo",
			Organizer:   booking.Person{ID: "Xo3k_9aQ", Name: "Ada Host", Email: "ada@example.com", TimeZone: "Europe/Oslo", Locale: "nb"},
			Attendees: []booking.Person{
				{Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York", Locale: "en-US"},
				{Name: "Cleo", Email: "cleo@example.org"},
			},
			Room:              booking.RoomOptions{Provider: "whereby", Size: booking.Large, DialIn: true, NamePrefix: "intro-", Locked: true},
			OrganizerCalendar: true,
			Uninvited:         []booking.Person{{Name: "Jörg", Email: "jörg@example.net"}},
			CancelReason:      "Ill, sorry.\nNext week?",
			Reminders:         []int{1440, 15},
		},
		Room: &booking.Room{
			Provider:  "whereby",
			ID:        "112233",
			Name:      "/intro-rkabcdefghijklmg2",
			Tag:       "rkabcdefghijklmg2",
			GuestURL:  "https://example.whereby.com/intro-rkabcdefghijklmg2",
			HostURL:   "https://example.whereby.com/intro-rkabcdefghijklmg2?roomKey=secret",
			ExpiresAt: end.Add(7 * 24 * time.Hour).In(ny),
			DialIn:    dialIn,
			CreatedAt: now.Add(-50 * time.Minute),
			Options:   booking.RoomOptions{Provider: "whereby", Size: booking.Large, DialIn: true, NamePrefix: "intro-", Locked: true},
			End:       end,
			Checked:   booking.RoomCheck{At: now.Add(-10 * time.Minute), Start: end.Add(-time.Hour), End: end.In(ny)},
		},
		RoomGen:  2,
		Creating: &booking.Creating{Provider: "whereby", Tag: "rkabcdefghijklmg3", Options: booking.RoomOptions{Provider: "whereby", Size: booking.Large, DialIn: true, NamePrefix: "sales-", Locked: true}, At: now.Add(-2 * time.Second)},
		Retired: []booking.Room{{
			Provider:  "whereby",
			ID:        "998877",
			Name:      "/intro-rkabcdefghijklmg1",
			Tag:       "rkabcdefghijklmg1",
			GuestURL:  "https://example.whereby.com/intro-rkabcdefghijklmg1",
			HostURL:   "https://example.whereby.com/intro-rkabcdefghijklmg1?roomKey=old",
			ExpiresAt: end.Add(24 * time.Hour),
			CreatedAt: now.Add(-55 * time.Minute),
			Options:   booking.RoomOptions{Provider: "whereby", Size: booking.Small},
		}},
		Ended: []booking.Room{{
			Provider:  "whereby",
			ID:        "776655",
			Name:      "/intro-rkabcdefghijklmg0",
			Tag:       "rkabcdefghijklmg0",
			GuestURL:  "https://example.whereby.com/intro-rkabcdefghijklmg0",
			ExpiresAt: end.Add(-24 * time.Hour),
			CreatedAt: now.Add(-3 * time.Hour),
			Options:   booking.RoomOptions{Provider: "whereby", Size: booking.Small},
			End:       end.Add(-time.Hour).In(ny),
			DeletedAt: now.Add(-70 * time.Minute),
			Vanished:  true,
			Counted:   true,
		}},
		Invites: []booking.Invite{
			{
				Person:    booking.Person{ID: "Xo3k_9aQ", Name: "Ada Host", Email: "ada@example.com", TimeZone: "Europe/Oslo"},
				Organizer: true,
				Sequence:  3,
				Method:    booking.Request,
				SentAt:    now.Add(-30 * time.Second),
				MessageID: "0100018c-abc",
			},
			{
				Person:        booking.Person{Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York"},
				Sequence:      2,
				Method:        booking.Request,
				SentAt:        now.Add(-40 * time.Minute),
				Pending:       &booking.Pending{Sequence: 3, Method: booking.Request, At: now.Add(-time.Second)},
				Reminded:      60,
				RemindPending: 15,
			},
			{
				Person:  booking.Person{Name: "Cleo", Email: "cleo@example.org"},
				Pending: &booking.Pending{Sequence: 3, Method: booking.Cancel, At: now},
			},
			{
				Person:   booking.Person{Email: "dan@bounce.example"},
				Sequence: 3,
				Method:   booking.Request,
				Error:    "550 mailbox unavailable",
				Problem: &booking.MailProblem{Kind: booking.MailBounced, Type: "Permanent/General", MessageID: "0100018c-def",
					At: now.Add(-5 * time.Second), Permanent: true, Notified: true},
			},
		},
		Done:               true,
		Failure:            &booking.Failure{Message: "whereby: 429 too many requests", Kind: booking.FailureNoRoomByStart, Permanent: true, At: now.Add(-10 * time.Second), Notified: true},
		Attempts:           4,
		PossibleDuplicates: 1,
		Summary: booking.SummaryMail{PendingAt: now.Add(-2 * time.Second), SentAt: now.Add(-time.Second),
			MessageID: "0100018c-abc", Dropped: "refused: 554 message rejected"},
		Notices: []booking.Notice{{
			ID: "msg_abcdefghijklm_ready_1", Type: booking.RoomReady, At: now.Add(-time.Minute),
			Body: []byte(`{"type":"room.ready","data":{"generation":1}}`), Attempts: 2,
			NextAt: now.Add(time.Minute), Error: "notify room.ready: the receiver answered 500",
		}, {
			ID: "msg_abcdefghijklm_failed_1", Type: booking.BookingFailed, At: now.Add(-time.Hour),
			SentAt: now.Add(-time.Hour), Dropped: "refused: notify booking.failed: the receiver answered 410 Gone",
		}},
		Request:    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		AliasOf:    "abcdefghijklm",
		RemindFrom: now.Add(-2 * time.Hour),
		Embedded: booking.Activity{
			Sessions: []booking.Session{{ID: "s-1", RoomID: "87673375", StartedAt: now.Add(-time.Hour), EndedAt: now.Add(-time.Minute), Closed: true}},
			Connections: []booking.Connection{{
				ID: "p-1", RoomID: "87673375", SessionID: "s-1", Name: "Ada Lovelace", ExternalID: "org00001", Role: "host",
				Host: true, DialIn: true, JoinedAt: now.Add(-time.Hour), LeftAt: now.Add(-2 * time.Minute), LeftAtEnd: true,
			}, {
				ID: "unpaired:evt-9", RoomID: "87673375", Name: "Joe Bloggs", JoinedAt: now.Add(-time.Hour), Unpaired: true,
			}},
			Knock:         &booking.Knock{Name: "Bob", At: now.Add(-30 * time.Second)},
			KnockNoticeAt: now.Add(-20 * time.Minute),
			HostSeenAt:    now.Add(-2 * time.Minute),
		},
		DueAt:           now.Add(90 * time.Second),
		Lease:           booking.Lease{Owner: "worker-7f3a", Until: now.Add(30 * time.Second)},
		ExpiresAt:       end.Add(720 * time.Hour),
		ActivityExpires: end.Add(168 * time.Hour),
	}
}

func mustGet(t *testing.T, s booking.Store, key string) *booking.Booking {
	t.Helper()
	b, err := s.Get(t.Context(), key)
	require.NoError(t, err, "get %s", key)
	return b
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// normalized returns a deep copy of b with every time.Time in UTC and without a monotonic
// reading, so that equal instants compare equal whatever zone a store returns them in.
func normalized(b *booking.Booking) *booking.Booking {
	if b == nil {
		return nil
	}
	c := reflect.New(reflect.TypeFor[booking.Booking]())
	copyUTC(c.Elem(), reflect.ValueOf(b).Elem())
	return c.Interface().(*booking.Booking)
}

var timeType = reflect.TypeFor[time.Time]()

// requireEveryFieldSet fails unless every field of every struct type in b is non-zero in at least
// one place, so a field added to booking.Booking cannot escape the round-trip test unnoticed.
func requireEveryFieldSet(t *testing.T, b *booking.Booking) {
	t.Helper()
	set := map[string]bool{} // "Type.Field" → non-zero somewhere
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch {
		case v.Type() == timeType:
		case v.Kind() == reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case v.Kind() == reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				name := v.Type().Name() + "." + v.Type().Field(i).Name
				set[name] = set[name] || !v.Field(i).IsZero()
				walk(v.Field(i))
			}
		}
	}
	walk(reflect.ValueOf(b).Elem())
	delete(set, "Booking.Version")  // 0 to create; the store sets it
	delete(set, "Booking.Activity") // read beside the record (LoadActivity), never stored with it
	var unset []string
	for name, ok := range set {
		if !ok {
			unset = append(unset, name)
		}
	}
	slices.Sort(unset)
	require.Empty(t, unset, "fullBooking must set every field; add these to it")
}

// copyUTC deep-copies src into dst, converting times to UTC.
func copyUTC(dst, src reflect.Value) {
	switch {
	case src.Type() == timeType:
		dst.Set(reflect.ValueOf(src.Interface().(time.Time).UTC()))
	case src.Kind() == reflect.Pointer:
		if src.IsNil() {
			return
		}
		dst.Set(reflect.New(src.Type().Elem()))
		copyUTC(dst.Elem(), src.Elem())
	case src.Kind() == reflect.Slice:
		if src.IsNil() {
			return
		}
		dst.Set(reflect.MakeSlice(src.Type(), src.Len(), src.Len()))
		for i := range src.Len() {
			copyUTC(dst.Index(i), src.Index(i))
		}
	case src.Kind() == reflect.Struct:
		for i := range src.NumField() {
			copyUTC(dst.Field(i), src.Field(i))
		}
	default:
		dst.Set(src)
	}
}
