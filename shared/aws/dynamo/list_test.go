package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

func TestListItemLayout(t *testing.T) {
	ctx := t.Context()
	s, client, table := newStore(t)
	b := newBooking("listed")
	b.Details.Start = time.Date(2026, 11, 23, 16, 0, 0, 0, time.FixedZone("CET", 3600))
	require.NoError(t, s.Put(ctx, b))
	pk := "b#" + b.Key
	shard := strconv.Itoa(shardOf(b.Key, ListShards))

	steps := []struct {
		name   string
		change func(b *booking.Booking)
		want   map[string]string // the list attributes
	}{
		{"active", func(*booking.Booking) {}, map[string]string{"listPart": "active#" + shard, "listSort": "2026-11-23T15:00:00.000000000Z#" + b.Key}},
		{"ended", func(b *booking.Booking) { b.Done = true }, map[string]string{"listPart": "ended#" + shard, "listSort": "2026-11-23T15:00:00.000000000Z#" + b.Key}},
		{"an alias is in no list", func(b *booking.Booking) { b.AliasOf = "other" }, map[string]string{}},
	}
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if i > 0 {
				step.change(b)
				require.NoError(t, s.Put(ctx, b))
			}
			got := map[string]string{}
			for name, v := range attrs(t, rawItem(t, client, table, pk)) {
				if name == "listPart" || name == "listSort" {
					got[name] = v
				}
			}
			assert.Equal(t, step.want, got)
		})
	}

	t.Run("usage", func(t *testing.T) {
		u := booking.Usage{Day: "2026-11-22", RoomID: "rkabc", Provider: "whereby", Sessions: 2}
		require.NoError(t, s.PutUsage(ctx, u, now.Add(1500*time.Millisecond)))
		got := attrs(t, rawItem(t, client, table, "u#2026-11-22#rkabc"))
		assert.JSONEq(t, `{"day":"2026-11-22","roomId":"rkabc","provider":"whereby","sessions":2,"participants":0,
			"participantMinutes":0,"dialInCallers":0,"recordedMinutes":0,"streamedMinutes":0}`, got["data"])
		delete(got, "data")
		assert.Equal(t, map[string]string{
			"pk": "u#2026-11-22#rkabc", "expiresAt": strconv.FormatInt(now.Unix()+2, 10),
			"listPart": "usage", "listSort": "2026-11-22#rkabc",
		}, got)
	})

	t.Run("person: the address's hash, never the address", func(t *testing.T) {
		require.NoError(t, s.IndexPeople(ctx, b.Key, []string{"Ada@Example.com"}, now))
		h := booking.PersonHash("ada@example.com")
		assert.Equal(t, map[string]string{
			"pk": "p#" + h + "#" + b.Key, "expiresAt": strconv.FormatInt(now.Unix(), 10),
			"listPart": "person#" + h, "listSort": b.Key,
		}, attrs(t, rawItem(t, client, table, "p#"+h+"#"+b.Key)))
	})
}

// itemCounter counts the items DynamoDB reads for the calls of a client it is attached to: the
// ScannedCount of a Query or Scan (what it read before any filter), the items a GetItem or
// BatchGetItem returned.
type itemCounter struct {
	mu    sync.Mutex
	items map[string]int // by operation: "Query" → items
}

func (c *itemCounter) attach(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("itemCounter", c.count), middleware.After)
	})
}

func (c *itemCounter) count(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleInitialize(ctx, in)
	op, n := "", 0
	switch r := out.Result.(type) {
	case *dynamodb.QueryOutput:
		op, n = "Query", int(r.ScannedCount)
	case *dynamodb.ScanOutput:
		op, n = "Scan", int(r.ScannedCount)
	case *dynamodb.GetItemOutput:
		op = "GetItem"
		if r.Item != nil {
			n = 1
		}
	case *dynamodb.BatchGetItemOutput:
		op = "BatchGetItem"
		for _, items := range r.Responses {
			n += len(items)
		}
	}
	if op != "" {
		c.mu.Lock()
		if c.items == nil {
			c.items = map[string]int{}
		}
		c.items[op] += n
		c.mu.Unlock()
	}
	return out, md, err
}

// take returns the counts so far and starts again from zero.
func (c *itemCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	items := c.items
	c.items = nil
	return items
}

// batchWrite writes items with BatchWriteItem, 25 a call, four calls at a time: a bulk load
// without the Store's one PutItem per item.
func batchWrite(t *testing.T, client *dynamodb.Client, table string, items []map[string]types.AttributeValue) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := w * 25; i < len(items); i += 4 * 25 {
				var reqs []types.WriteRequest
				for _, item := range items[i:min(i+25, len(items))] {
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
				}
				out, err := client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
				if err == nil && len(out.UnprocessedItems) > 0 {
					err = fmt.Errorf("%d items unprocessed", len(out.UnprocessedItems[table]))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// TestReadsAreBoundedByThePage loads a few thousand records, each with a people entry and a usage
// item, one in a hundred due, and checks with the responses' ScannedCount and the items returned
// that the sweep's query of what is due, a page of a list, a day of usage and one person's records
// read what they return, not the table: the same shape as the embedded store's reads
// (shared/local/bolt's test of the same name, and its BenchmarkMillionRecords).
func TestReadsAreBoundedByThePage(t *testing.T) {
	const records = 3000
	ctx := t.Context()
	var calls emulator.Counter
	var items itemCounter
	client := newClient(t, calls.Attach, items.attach)
	table := newTable(t, client)
	s := New(client, table)
	start := func(i int) time.Time { return now.Add(time.Duration(i) * time.Minute) }
	expires := now.Add(720 * time.Hour)
	var load []map[string]types.AttributeValue
	for i := range records {
		b := newBooking(fmt.Sprint("bulk-", i))
		b.Details.Start, b.Details.End = start(i), start(i).Add(30*time.Minute)
		b.Details.Organizer = booking.Person{Email: fmt.Sprintf("person-%d@example.com", i%(records/2))}
		b.Done = i%2 == 1
		// One in a hundred is due by now; the other active records at their meeting's start.
		switch {
		case i%100 == 0:
			b.DueAt = now.Add(-time.Duration(i) * time.Second)
		case !b.Done:
			b.DueAt = b.Details.Start
		}
		item, err := encode(b)
		require.NoError(t, err)
		load = append(load, item, personItem(booking.PersonHash(b.Details.Organizer.Email), b.Key, expires))
		// 100 rooms a day.
		u := booking.Usage{Day: now.AddDate(0, 0, i/100).Format(booking.DayLayout), RoomID: fmt.Sprintf("rk%03d", i%100), Sessions: 1}
		item, err = usageItem(u, expires)
		require.NoError(t, err)
		load = append(load, item)
	}
	batchWrite(t, client, table, load)

	measure := func(t *testing.T, name string, returned int, call func()) map[string]int {
		t.Helper()
		calls.Reset()
		items.take()
		call()
		got := items.take()
		t.Logf("%s: %d returned; items read %v in calls %v (%d items in the table)", name, returned, got, calls.Calls(), len(load))
		return got
	}
	reads := func(t *testing.T, name string, returned int, want map[string]int, call func()) {
		t.Helper()
		assert.Equal(t, want, measure(t, name, returned, call), "items read")
	}
	// list reads a page of q and checks that it read the page's records and, of the index, the
	// entries it needs (the page's, the one after it, and the one at the cursor when continuing)
	// and at most one more per shard of the list: what mergeShards had in hand when it stopped.
	list := func(t *testing.T, q booking.ListQuery) booking.ListPage {
		t.Helper()
		var page booking.ListPage
		got := measure(t, "List", q.Limit, func() {
			var err error
			page, err = s.List(ctx, q)
			require.NoError(t, err)
		})
		need := q.Limit + 1
		if q.After != "" {
			need++
		}
		assert.Equal(t, q.Limit, got["BatchGetItem"], "the page's records")
		assert.GreaterOrEqual(t, got["Query"], need, "index entries")
		assert.LessOrEqual(t, got["Query"], need+len(listParts(q.State)), "index entries")
		require.Len(t, page.Entries, q.Limit)
		assert.True(t, page.More)
		return page
	}

	t.Run("Due", func(t *testing.T) {
		var keys []booking.Due
		// One Query per shard of the due index, each reading only its entries due by now.
		reads(t, "Due", records/100, map[string]int{"Query": records / 100}, func() {
			var err error
			keys, _, err = s.Due(ctx, now, "", 1000)
			require.NoError(t, err)
		})
		assert.Len(t, keys, records/100)
		assert.Equal(t, DueShards, calls.Calls()["DynamoDB.Query"], "one query per shard")
	})
	t.Run("List", func(t *testing.T) {
		first := list(t, booking.ListQuery{State: booking.Active, Limit: 50})
		// Continuing, the entry at the cursor comes back first and is skipped.
		list(t, booking.ListQuery{State: booking.Active, Limit: 50, After: first.Entries[49].Cursor})
		list(t, booking.ListQuery{State: booking.Ended, Limit: 50, Newest: true})
		list(t, booking.ListQuery{State: booking.Ended, From: start(records / 3), To: start(records / 2), Limit: 50, Newest: true})
	})
	t.Run("Usage", func(t *testing.T) {
		day := now.AddDate(0, 0, 10).Format(booking.DayLayout)
		var usage []booking.Usage
		reads(t, "Usage", 100, map[string]int{"Query": 100, "BatchGetItem": 100}, func() {
			var err error
			usage, err = s.Usage(ctx, day, day)
			require.NoError(t, err)
		})
		assert.Len(t, usage, 100)
	})
	t.Run("People", func(t *testing.T) {
		var keys []string
		reads(t, "People", 2, map[string]int{"Query": 2}, func() {
			var err error
			keys, err = s.People(ctx, "PERSON-42@example.com")
			require.NoError(t, err)
		})
		assert.ElementsMatch(t, []string{booking.KeyOf("generic", "bulk-42"), booking.KeyOf("generic", fmt.Sprint("bulk-", 42+records/2))}, keys)
	})
}
