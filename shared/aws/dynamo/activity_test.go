package dynamo

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// TestKeepActivityMovesTheExpiryLaterOnly: KeepActivity writes the expiry attribute of each of the
// booking's items that expires earlier, and nothing else of any item.
func TestKeepActivityMovesTheExpiryLaterOnly(t *testing.T) {
	ctx := t.Context()
	s, client, table := newStore(t)
	event := func(p string) []booking.RoomEvent {
		return []booking.RoomEvent{{Kind: booking.Joined, At: now.Add(-2 * time.Hour), RoomID: "m1", ParticipantID: p, Name: "Bob"}}
	}
	key, other := booking.KeyOf("generic", "kept"), booking.KeyOf("generic", "other")
	old, grown, longer := now.Add(time.Hour), now.Add(48*time.Hour), now.Add(96*time.Hour)
	items := map[string][]booking.ActivityItem{}
	for _, add := range []struct {
		key     string
		p       string
		expires time.Time
	}{{key, "p1", old}, {key, "p2", longer}, {other, "p1", old}} {
		added, err := s.AddActivity(ctx, add.key, event(add.p), add.expires)
		require.NoError(t, err)
		items[add.key] = append(items[add.key], added...)
	}
	raw := func(key string, it booking.ActivityItem) map[string]string {
		return attrs(t, rawItem(t, client, table, activityPrefix+key+"#"+it.ID))
	}
	before := []map[string]string{raw(key, items[key][0]), raw(key, items[key][1]), raw(other, items[other][0])}

	require.NoError(t, s.KeepActivity(ctx, key, grown))

	after := raw(key, items[key][0])
	assert.Equal(t, strconv.FormatInt(grown.Unix(), 10), after[ExpiresAttr])
	delete(after, ExpiresAttr)
	delete(before[0], ExpiresAttr)
	assert.Equal(t, before[0], after, "only the expiry changed")
	assert.Equal(t, before[1], raw(key, items[key][1]), "the item that lasts longer is untouched")
	assert.Equal(t, before[2], raw(other, items[other][0]), "another booking's item is untouched")
}
