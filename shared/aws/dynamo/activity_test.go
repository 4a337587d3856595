package dynamo

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// TestExpireActivityGivesTheItemsTheRecordsExpiry: ExpireActivity writes the expiry attribute of
// each of the booking's items that has another, earlier or later, and nothing else of any item.
func TestExpireActivityGivesTheItemsTheRecordsExpiry(t *testing.T) {
	ctx := t.Context()
	s, client, table := newStore(t)
	event := func(p string) []booking.RoomEvent {
		return []booking.RoomEvent{{Kind: booking.Joined, At: now.Add(-2 * time.Hour), RoomID: "m1", ParticipantID: p, Name: "Bob"}}
	}
	key, other := booking.KeyOf("generic", "kept"), booking.KeyOf("generic", "other")
	early, record, late := now.Add(time.Hour), now.Add(48*time.Hour), now.Add(96*time.Hour)
	items := map[string][]booking.ActivityItem{}
	for _, add := range []struct {
		key     string
		p       string
		expires time.Time
	}{{key, "p1", early}, {key, "p2", late}, {other, "p1", early}} {
		added, err := s.AddActivity(ctx, add.key, event(add.p), add.expires)
		require.NoError(t, err)
		items[add.key] = append(items[add.key], added...)
	}
	raw := func(key string, it booking.ActivityItem) map[string]string {
		return attrs(t, rawItem(t, client, table, activityPrefix+key+"#"+it.ID))
	}
	before := []map[string]string{raw(key, items[key][0]), raw(key, items[key][1]), raw(other, items[other][0])}

	require.NoError(t, s.ExpireActivity(ctx, key, record))

	for i, it := range items[key] {
		after := raw(key, it)
		assert.Equal(t, strconv.FormatInt(record.Unix(), 10), after[ExpiresAttr], "item %d", i)
		delete(after, ExpiresAttr)
		delete(before[i], ExpiresAttr)
		assert.Equal(t, before[i], after, "only the expiry changed")
	}
	assert.Equal(t, before[2], raw(other, items[other][0]), "another booking's item is untouched")
}
