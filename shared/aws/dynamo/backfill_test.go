package dynamo

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

// oldItem is b's item as the Store wrote it before the "list" index existed.
func oldItem(t *testing.T, b *booking.Booking) map[string]types.AttributeValue {
	t.Helper()
	item, err := encode(b)
	require.NoError(t, err)
	delete(item, ListPartAttr)
	delete(item, ListSortAttr)
	return item
}

// unshardedItem is b's item as the Store wrote it before the "list" index's lists had shards: the
// list's bare name as its partition.
func unshardedItem(t *testing.T, b *booking.Booking) map[string]types.AttributeValue {
	t.Helper()
	item, err := encode(b)
	require.NoError(t, err)
	if part, ok := item[ListPartAttr].(*types.AttributeValueMemberS); ok {
		state, _, _ := strings.Cut(part.Value, "#")
		item[ListPartAttr] = str(state)
	}
	return item
}

func TestBackfill(t *testing.T) {
	ctx := t.Context()
	var calls emulator.Counter
	client := newClient(t, calls.Attach)
	table := newTable(t, client)
	s := New(client, table)

	// 250 records from before the index or before its shards, 10 of them in no list; and records
	// written since.
	var old []map[string]types.AttributeValue
	var active, ended, unsharded []string
	for i := range 250 {
		b := newBooking(fmt.Sprint("old-", i))
		b.Details.Start = now.Add(time.Duration(i) * time.Minute)
		b.Done = i%3 == 0
		switch {
		case i%25 == 7:
			b.AliasOf = "old-0"
		case b.Done:
			ended = append(ended, b.Key)
		default:
			active = append(active, b.Key)
		}
		if i%2 == 0 {
			old = append(old, oldItem(t, b))
			continue
		}
		old = append(old, unshardedItem(t, b))
		if !b.Done && b.AliasOf == "" {
			unsharded = append(unsharded, b.Key)
		}
	}
	batchWrite(t, client, table, old)
	for i := range 5 {
		b := newBooking(fmt.Sprint("new-", i))
		b.Details.Start = now.Add(-time.Duration(i+1) * time.Hour)
		require.NoError(t, s.Put(ctx, b))
		active = append([]string{b.Key}, active...)
		unsharded = append([]string{b.Key}, unsharded...)
	}
	require.NoError(t, s.MarkSeen(ctx, "msg", now.Add(time.Hour)))
	require.NoError(t, s.PutUsage(ctx, booking.Usage{Day: "2026-11-22", RoomID: "rk"}, now))
	listed := func(state booking.ListState) []string {
		t.Helper()
		page, err := s.List(ctx, booking.ListQuery{State: state, Limit: 1000})
		require.NoError(t, err)
		var keys []string
		for _, e := range page.Entries {
			keys = append(keys, e.Key)
		}
		return keys
	}
	assert.Equal(t, unsharded, listed(booking.Active), "before the backfill the records from before the shards are listed, those from before the index not")
	// Paged, the shards and the bare name merge without gaps or repeats, either way.
	for _, newest := range []bool{false, true} {
		var keys []string
		q := booking.ListQuery{State: booking.Active, Limit: 7, Newest: newest}
		for {
			page, err := s.List(ctx, q)
			require.NoError(t, err)
			for _, e := range page.Entries {
				keys = append(keys, e.Key)
			}
			if !page.More {
				break
			}
			q.After = page.Entries[len(page.Entries)-1].Cursor
		}
		if newest {
			slices.Reverse(keys)
		}
		assert.Equal(t, unsharded, keys, "pages of 7, newest first: %v", newest)
	}

	t.Run("a page at a time", func(t *testing.T) {
		calls.Reset()
		n, err := s.Backfill(ctx, 1)
		require.NoError(t, err)
		assert.Positive(t, n)
		assert.LessOrEqual(t, n, backfillPage)
		assert.Equal(t, map[string]int{"DynamoDB.GetItem": 1, "DynamoDB.Scan": 1, "DynamoDB.UpdateItem": n, "DynamoDB.PutItem": 1}, calls.Calls())
		meta := attrs(t, rawItem(t, client, table, backfillKey))
		assert.NotEmpty(t, meta["from"], "progress is kept")
		assert.NotContains(t, meta, "done")

		total := n
		for range 10 {
			n, err := s.Backfill(ctx, 2)
			require.NoError(t, err)
			total += n
			if _, done := rawItem(t, client, table, backfillKey)[doneAttr]; done {
				break
			}
		}
		assert.Equal(t, 240, total, "every listed old record, once")
		assert.Equal(t, active, listed(booking.Active))
		assert.Equal(t, ended, listed(booking.Ended))
		for _, state := range []string{"active", "ended"} {
			left, err := s.queryList(ctx, state, "", "", false, 0)
			require.NoError(t, err)
			assert.Empty(t, left, "nothing is left under the bare %q", state)
		}
	})

	t.Run("once done, a call reads the meta item only", func(t *testing.T) {
		calls.Reset()
		n, err := s.Backfill(ctx, 3)
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Equal(t, map[string]int{"DynamoDB.GetItem": 1}, calls.Calls())
	})

	t.Run("an item changed since the Scan is left alone", func(t *testing.T) {
		b := newBooking("raced")
		b.Details.Start = now
		scanned := oldItem(t, b)
		batchWrite(t, client, table, []map[string]types.AttributeValue{scanned})
		stored, err := s.Get(ctx, b.Key)
		require.NoError(t, err)
		stored.Done = true
		require.NoError(t, s.Put(ctx, stored))
		updated, err := s.backfillItem(ctx, scanned)
		require.NoError(t, err)
		assert.False(t, updated)
		assert.Equal(t, "ended#"+strconv.Itoa(shardOf(b.Key, ListShards)), attrs(t, rawItem(t, client, table, "b#"+b.Key))["listPart"], "the Put's attributes stay")
	})

	t.Run("an item deleted since the Scan is not made again", func(t *testing.T) {
		b := newBooking("deleted")
		b.Details.Start = now
		updated, err := s.backfillItem(ctx, oldItem(t, b))
		require.NoError(t, err)
		assert.False(t, updated)
		assert.Nil(t, rawItem(t, client, table, "b#"+b.Key))
	})
}
