package dynamo

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/access/accesstest"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/storetest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

// dynalite is one emulator for the package; every test makes its own table.
var dynalite emulator.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	dynalite.Close()
	os.Exit(code)
}

// newClient returns a client of the package's dynalite, with each attach (a counter's) applied to
// its configuration.
func newClient(t *testing.T, attach ...func(*aws.Config)) *dynamodb.Client {
	t.Helper()
	cfg := emulator.AWSConfig(dynalite.Get(t, emulator.Dynalite))
	for _, a := range attach {
		a(&cfg)
	}
	return dynamodb.NewFromConfig(cfg)
}

var tables atomic.Int64

// newTable creates a table no other test uses and returns its name.
func newTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	name := "roomkeeper-" + strconv.FormatInt(tables.Add(1), 10)
	require.NoError(t, CreateTable(t.Context(), client, name))
	return name
}

// newStore returns a Store on a new table, with the client for looking at raw items.
func newStore(t *testing.T) (*Store, *dynamodb.Client, string) {
	t.Helper()
	client := newClient(t)
	table := newTable(t, client)
	return New(client, table), client, table
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) booking.Store {
		s, _, _ := newStore(t)
		return s
	})
}

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func newBooking(id string) *booking.Booking {
	return &booking.Booking{
		Key:        booking.KeyOf("generic", id),
		Source:     "generic",
		ExternalID: id,
		Status:     booking.Confirmed,
		Details:    booking.Details{Title: "Intro call"},
	}
}

// rawItem returns the stored item with the partition key pk, or nil.
func rawItem(t *testing.T, client *dynamodb.Client, table, pk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := client.GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName:      &table,
		Key:            map[string]types.AttributeValue{KeyAttr: &types.AttributeValueMemberS{Value: pk}},
		ConsistentRead: aws.Bool(true),
	})
	require.NoError(t, err)
	return out.Item
}

// attrs returns an item's attributes as strings, S and N alike, to compare whole items.
func attrs(t *testing.T, item map[string]types.AttributeValue) map[string]string {
	t.Helper()
	got := map[string]string{}
	for name, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			got[name] = v.Value
		case *types.AttributeValueMemberN:
			got[name] = v.Value
		case *types.AttributeValueMemberB:
			data, err := unpack(v.Value)
			require.NoError(t, err, "attribute %s", name)
			got[name] = string(data)
		default:
			t.Fatalf("attribute %s has type %T, want S, N or B", name, v)
		}
	}
	return got
}

func TestBookingItemLayout(t *testing.T) {
	ctx := t.Context()
	s, client, table := newStore(t)
	b := newBooking("layout")
	b.DueAt = time.Date(2026, 11, 22, 11, 0, 0, 5, time.FixedZone("CET", 3600)) // 10:00:00.000000005 UTC
	b.ExpiresAt = now.Add(720 * time.Hour)
	require.NoError(t, s.Put(ctx, b))
	pk := "b#" + b.Key
	shard := strconv.Itoa(shardOf(b.Key, DueShards))

	steps := []struct {
		name   string
		change func(b *booking.Booking)
		want   map[string]string // every attribute but data
	}{
		{
			name:   "due and expiring",
			change: func(*booking.Booking) {},
			want: map[string]string{
				"pk": pk, "version": "1", "expiresAt": strconv.FormatInt(now.Add(720*time.Hour).Unix(), 10),
				"dueShard": shard, "dueAt": "2026-11-22T10:00:00.000000005Z#" + b.Key,
			},
		},
		{
			name:   "due attributes removed when DueAt clears",
			change: func(b *booking.Booking) { b.DueAt = time.Time{} },
			want: map[string]string{
				"pk": pk, "version": "2", "expiresAt": strconv.FormatInt(now.Add(720*time.Hour).Unix(), 10),
			},
		},
		{
			name:   "expiresAt removed when ExpiresAt clears",
			change: func(b *booking.Booking) { b.ExpiresAt = time.Time{} },
			want:   map[string]string{"pk": pk, "version": "3"},
		},
		{
			name:   "due attributes back when DueAt is set again",
			change: func(b *booking.Booking) { b.DueAt = now.Add(-time.Minute) },
			want: map[string]string{
				"pk": pk, "version": "4", "dueShard": shard, "dueAt": "2026-11-22T09:59:00.000000000Z#" + b.Key,
			},
		},
	}
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if i > 0 {
				step.change(b)
				require.NoError(t, s.Put(ctx, b))
			}
			got := attrs(t, rawItem(t, client, table, pk))
			var data booking.Booking
			require.NoError(t, json.Unmarshal([]byte(got["z"]), &data), "z is the booking as compressed JSON")
			assert.Equal(t, b.Version, data.Version, "the JSON carries the stored version")
			assert.Equal(t, b.Details.Title, data.Details.Title)
			delete(got, "z")
			assert.Equal(t, step.want, got)
		})
	}
}

func TestShardsSpread(t *testing.T) {
	for _, n := range []int{DueShards, ListShards} {
		used := map[int]bool{}
		for i := range 200 {
			shard := shardOf(booking.KeyOf("generic", fmt.Sprint(i)), n)
			require.True(t, shard >= 0 && shard < n, "shard %d of %d", shard, n)
			used[shard] = true
		}
		assert.Len(t, used, n, "200 keys reach every one of %d shards", n)
	}
}

// Stored items carry their shard, so the hash must never change.
func TestShardOfKnownKeys(t *testing.T) {
	tests := []struct {
		key  string
		want int
	}{
		// FNV-1a 32: offset 2166136261, prime 16777619; "" hashes to the offset, 2166136261 % 16 = 5.
		{"", 2166136261},
		{"a", 0xe40c292c},
		{"foobar", 0xbf9cf968},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.key), func(t *testing.T) {
			assert.Equal(t, tt.want%DueShards, shardOf(tt.key, DueShards))
			assert.Equal(t, tt.want%ListShards, shardOf(tt.key, ListShards))
		})
	}
}

func TestDeliveryItems(t *testing.T) {
	ctx := t.Context()
	s, client, table := newStore(t)

	t.Run("expired mark is still stored but reported unseen", func(t *testing.T) {
		require.NoError(t, s.MarkSeen(ctx, "msg_old", now.Add(-time.Minute)))
		item := attrs(t, rawItem(t, client, table, "d#msg_old"))
		assert.Equal(t, map[string]string{"pk": "d#msg_old", "expiresAt": strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)}, item)
		seen, err := s.Seen(ctx, "msg_old", now)
		require.NoError(t, err)
		assert.False(t, seen)
	})

	t.Run("expiry is rounded up to a whole second", func(t *testing.T) {
		require.NoError(t, s.MarkSeen(ctx, "msg_frac", now.Add(1500*time.Millisecond)))
		item := attrs(t, rawItem(t, client, table, "d#msg_frac"))
		assert.Equal(t, strconv.FormatInt(now.Unix()+2, 10), item["expiresAt"])
		for _, tt := range []struct {
			at   time.Time
			want bool
		}{
			{now.Add(1500 * time.Millisecond), true},
			{now.Add(1999 * time.Millisecond), true},
			{now.Add(2 * time.Second), false},
		} {
			seen, err := s.Seen(ctx, "msg_frac", tt.at)
			require.NoError(t, err)
			assert.Equal(t, tt.want, seen, "at %s", tt.at)
		}
	})

	t.Run("ids longer than a kilobyte are stored by hash", func(t *testing.T) {
		long := strings.Repeat("x", 3000)
		other := long + "y"
		require.NoError(t, s.MarkSeen(ctx, long, now.Add(time.Hour)))
		seen, err := s.Seen(ctx, long, now)
		require.NoError(t, err)
		assert.True(t, seen)
		seen, err = s.Seen(ctx, other, now)
		require.NoError(t, err)
		assert.False(t, seen, "another long id with the same start")
		assert.NotNil(t, rawItem(t, client, table, deliveryKey(long)))
		assert.True(t, strings.HasPrefix(deliveryKey(long), "h#"))
	})

	t.Run("empty id is refused", func(t *testing.T) {
		require.Error(t, s.MarkSeen(ctx, "", now.Add(time.Hour)))
	})
}

func TestPauseItems(t *testing.T) {
	ctx := t.Context()
	s, client, table := newStore(t)
	until := now.Add(1500 * time.Millisecond)
	require.NoError(t, s.Pause(ctx, "zoom", booking.PauseCreate, until))
	assert.Equal(t, map[string]string{
		"pk":        "t#zoom#create",
		"until":     strconv.FormatInt(until.UnixNano(), 10),
		"expiresAt": strconv.FormatInt(now.Unix()+2, 10),
	}, attrs(t, rawItem(t, client, table, "t#zoom#create")), "one small item, deleted by TTL once over")
}

func TestCreateTableSchema(t *testing.T) {
	client := newClient(t)
	table := newTable(t, client)
	out, err := client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: &table})
	require.NoError(t, err)
	d := out.Table
	assert.Equal(t, types.TableStatusActive, d.TableStatus)
	require.NotNil(t, d.BillingModeSummary)
	assert.Equal(t, types.BillingModePayPerRequest, d.BillingModeSummary.BillingMode)
	assert.Equal(t, []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}, d.KeySchema)
	want := map[string][]types.KeySchemaElement{
		"due": {
			{AttributeName: aws.String("dueShard"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("dueAt"), KeyType: types.KeyTypeRange},
		},
		"list": {
			{AttributeName: aws.String("listPart"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("listSort"), KeyType: types.KeyTypeRange},
		},
	}
	require.Len(t, d.GlobalSecondaryIndexes, len(want))
	for _, gsi := range d.GlobalSecondaryIndexes {
		name := aws.ToString(gsi.IndexName)
		require.Contains(t, want, name)
		assert.Equal(t, want[name], gsi.KeySchema, name)
		require.NotNil(t, gsi.Projection)
		assert.Equal(t, types.ProjectionTypeKeysOnly, gsi.Projection.ProjectionType, name)
	}

	err = CreateTable(t.Context(), client, table)
	require.Error(t, err, "the table exists")
	assert.Contains(t, err.Error(), "create table "+table)
}

func TestMissingTableGivesWrappedErrors(t *testing.T) {
	s := New(newClient(t), "no-such-table")
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
		op   string
	}{
		{"Get", func() error { _, err := s.Get(ctx, "abc"); return err }, "get booking abc: "},
		{"Put", func() error { return s.Put(ctx, newBooking("x")) }, "put booking "},
		{"Due", func() error { _, _, err := s.Due(ctx, now, "", 10); return err }, "list due bookings: "},
		{"Seen", func() error { _, err := s.Seen(ctx, "msg", now); return err }, "check delivery id: "},
		{"MarkSeen", func() error { return s.MarkSeen(ctx, "msg", now) }, "mark delivery id: "},
		{"List", func() error {
			_, err := s.List(ctx, booking.ListQuery{State: booking.Active, Limit: 1})
			return err
		}, "list bookings: "},
		{"PutUsage", func() error { return s.PutUsage(ctx, booking.Usage{Day: "2026-11-22", RoomID: "rk"}, now) }, "put usage 2026-11-22 rk: "},
		{"Usage", func() error { _, err := s.Usage(ctx, "2026-11-22", "2026-11-22"); return err }, "read usage 2026-11-22 to 2026-11-22: "},
		{"IndexPeople", func() error { return s.IndexPeople(ctx, "abc", []string{"ada@example.com"}, now) }, "index people of booking abc: "},
		{"People", func() error { _, err := s.People(ctx, "ada@example.com"); return err }, "find a person's bookings: "},
		{"ForgetPerson", func() error { return s.ForgetPerson(ctx, "ada@example.com") }, "forget a person: "},
		{"Backfill", func() error { _, err := s.Backfill(ctx, 1); return err }, "backfill list index: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), tt.op), "got %q, want it to start with %q", err, tt.op)
			var missing *types.ResourceNotFoundException
			assert.ErrorAs(t, err, &missing)
			assert.NotErrorIs(t, err, booking.ErrNotFound)
			assert.NotErrorIs(t, err, booking.ErrConflict)
		})
	}
}

// TestCallsPerOperation pins how many DynamoDB requests each Store method costs.
func TestCallsPerOperation(t *testing.T) {
	ctx := t.Context()
	var counter emulator.Counter
	client := newClient(t, counter.Attach)
	s := New(client, newTable(t, client))
	b := newBooking("counted")
	b.DueAt = now
	b.Details.Start = now.Add(time.Hour)
	u := booking.Usage{Day: "2026-11-22", RoomID: "rkcounted"}
	require.NoError(t, s.PutUsage(ctx, booking.Usage{Day: "2026-11-23", RoomID: "rkother"}, now))
	// Once the backfill is done, a call reads only its meta item.
	_, err := s.Backfill(ctx, 10)
	require.NoError(t, err)

	tests := []struct {
		name string
		call func() error
		want map[string]int
	}{
		{"Put", func() error { return s.Put(ctx, b) }, map[string]int{"DynamoDB.PutItem": 1}},
		{"Put conflict", func() error { stale := *b; stale.Version = 0; _ = s.Put(ctx, &stale); return nil }, map[string]int{"DynamoDB.PutItem": 1}},
		{"Get", func() error { _, err := s.Get(ctx, b.Key); return err }, map[string]int{"DynamoDB.GetItem": 1}},
		{"Due", func() error { _, _, err := s.Due(ctx, now, "", 100); return err }, map[string]int{"DynamoDB.Query": DueShards}},
		{"MarkSeen", func() error { return s.MarkSeen(ctx, "msg", now.Add(time.Hour)) }, map[string]int{"DynamoDB.PutItem": 1}},
		{"Seen", func() error { _, err := s.Seen(ctx, "msg", now); return err }, map[string]int{"DynamoDB.GetItem": 1}},
		{"List", func() error {
			_, err := s.List(ctx, booking.ListQuery{State: booking.Active, Limit: 10})
			return err
		}, map[string]int{"DynamoDB.Query": ListShards + 2, "DynamoDB.BatchGetItem": 1}}, // one per partition, and the one record's partition again: a page of one stopped there
		{"List of nothing", func() error {
			_, err := s.List(ctx, booking.ListQuery{State: booking.Ended, Limit: 10})
			return err
		}, map[string]int{"DynamoDB.Query": ListShards + 1}}, // its shards, and the partition of items written before them
		{"PutUsage", func() error { return s.PutUsage(ctx, u, now) }, map[string]int{"DynamoDB.PutItem": 1}},
		{"Usage", func() error { _, err := s.Usage(ctx, u.Day, u.Day); return err }, map[string]int{"DynamoDB.Query": 1, "DynamoDB.BatchGetItem": 1}},
		{"IndexPeople", func() error {
			return s.IndexPeople(ctx, b.Key, []string{"ada@example.com", "bob@example.net"}, now)
		}, map[string]int{"DynamoDB.PutItem": 2}},
		{"People", func() error { _, err := s.People(ctx, "ada@example.com"); return err }, map[string]int{"DynamoDB.Query": 1}},
		{"ForgetPerson", func() error { return s.ForgetPerson(ctx, "ada@example.com") }, map[string]int{"DynamoDB.Query": 1, "DynamoDB.DeleteItem": 1}},
		{"Backfill when done", func() error { _, err := s.Backfill(ctx, 10); return err }, map[string]int{"DynamoDB.GetItem": 1}},
		{"Pause", func() error { return s.Pause(ctx, "whereby", booking.PauseAll, now.Add(time.Minute)) }, map[string]int{"DynamoDB.PutItem": 1}},
		{"Pause, a later one standing", func() error { return s.Pause(ctx, "whereby", booking.PauseAll, now) }, map[string]int{"DynamoDB.PutItem": 1}},
		{"PausedUntil", func() error { _, err := s.PausedUntil(ctx, "whereby", booking.PauseAll); return err }, map[string]int{"DynamoDB.GetItem": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter.Reset()
			require.NoError(t, tt.call())
			assert.Equal(t, tt.want, counter.Calls())
		})
	}
}

func TestAccessStoreContract(t *testing.T) {
	accesstest.Run(t, func(t *testing.T) accesstest.Opened {
		s, client, table := newStore(t)
		return accesstest.Opened{Store: s, Dump: func(t *testing.T) string {
			t.Helper()
			out, err := client.Scan(t.Context(), &dynamodb.ScanInput{TableName: &table})
			require.NoError(t, err)
			require.Nil(t, out.LastEvaluatedKey, "the test's table fits one page")
			var b strings.Builder
			for _, item := range out.Items {
				for name, v := range item {
					fmt.Fprintf(&b, "%s=%v\n", name, v)
				}
			}
			return b.String()
		}}
	})
}

// TestAccessItemsExpireByTTL: sessions, audit entries and failure counts carry the table's TTL
// attribute, so DynamoDB deletes them; operators never expire.
func TestAccessItemsExpireByTTL(t *testing.T) {
	ctx := t.Context()
	s, client, table := newStore(t)
	expires := now.Add(12*time.Hour + 500*time.Millisecond)
	hash := strings.Repeat("1", 64)
	require.NoError(t, s.PutSession(ctx, access.SessionRecord{IDHash: hash, Operator: "ada", Created: now, Touched: now, Expires: expires}))
	require.NoError(t, s.AddAuditEntry(ctx, access.AuditRecord{Entry: access.Entry{At: now, Action: "room.create"}, Position: "p1"}, now.Add(time.Hour)))
	_, err := s.AddFailure(ctx, "client", now, time.Hour)
	require.NoError(t, err)
	require.NoError(t, s.AddOperator(ctx, access.OperatorRecord{Operator: access.Operator{Name: "ada", Role: access.Viewer, Created: now}}))

	ttl := func(pk string) string { return attrs(t, rawItem(t, client, table, pk))[ExpiresAttr] }
	assert.Equal(t, strconv.FormatInt(expires.Unix()+1, 10), ttl("s#"+hash), "a session: its idle expiry, rounded up")
	assert.Equal(t, strconv.FormatInt(now.Add(time.Hour).Unix(), 10), ttl("a#p1"))
	assert.Equal(t, strconv.FormatInt(now.Add(time.Hour).Unix(), 10), ttl("l#client"))
	assert.Empty(t, ttl("o#ada"), "operators never expire")

	later := expires.Add(time.Hour)
	require.NoError(t, s.TouchSession(ctx, hash, now.Add(time.Hour), later))
	assert.Equal(t, strconv.FormatInt(later.Unix()+1, 10), ttl("s#"+hash), "a touch moves the TTL with the expiry")
}

// TestDueReadsLittleMoreThanItReturnsPastTheLimit is the sweeper past its per-run cap: more
// bookings are due than it takes, and it reads at most 1.05 times what it returns from the index,
// the oldest first across the shards, in one page and in pages that continue one another.
func TestDueReadsLittleMoreThanItReturnsPastTheLimit(t *testing.T) {
	const due, limit = 3000, 1000
	var scanned atomic.Int64
	countScanned := func(cfg *aws.Config) {
		cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countScanned",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleInitialize(ctx, in)
					if q, ok := out.Result.(*dynamodb.QueryOutput); ok {
						scanned.Add(int64(q.ScannedCount))
					}
					return out, md, err
				}), middleware.After)
		})
	}
	client := newClient(t, countScanned)
	s := New(client, newTable(t, client))
	rng := rand.New(rand.NewPCG(3, 4))
	keys := make([]string, due)
	at := map[string]time.Time{}
	for i := range keys {
		b := newBooking(fmt.Sprint("past-cap-", i))
		b.DueAt = now.Add(-time.Duration(rng.IntN(int(48*time.Hour/time.Second))) * time.Second)
		keys[i], at[b.Key] = b.Key, b.DueAt
	}
	// Eight writers at once, to keep the test short.
	todo := make(chan string)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for key := range todo {
				b := newBooking("")
				b.Key, b.ExternalID, b.DueAt = key, key, at[key]
				if err := s.Put(t.Context(), b); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		})
	}
	for _, key := range keys {
		todo <- key
	}
	close(todo)
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(at[a].Compare(at[b]), strings.Compare(a, b))
	})

	scanned.Store(0)
	got, _, err := s.Due(t.Context(), now, "", limit)
	require.NoError(t, err)
	assert.Equal(t, keys[:limit], booking.DueKeys(got), "the oldest, across the shards")
	read := scanned.Load()
	t.Logf("read %d index entries for %d keys (%.3f×)", read, limit, float64(read)/limit)
	assert.LessOrEqual(t, float64(read), 1.05*limit, "entries read past the cap")

	// A sweep of 2,500 in pages of 1,000, each after the last key of the one before.
	scanned.Store(0)
	var swept []string
	after := ""
	for _, page := range []int{limit, limit, limit / 2} {
		got, next, err := s.Due(t.Context(), now, after, page)
		require.NoError(t, err)
		require.Len(t, got, page)
		swept, after = append(swept, booking.DueKeys(got)...), next
	}
	assert.Equal(t, keys[:len(swept)], swept, "the oldest, each once, across the pages")
	read = scanned.Load()
	t.Logf("read %d index entries for %d keys in three pages (%.3f×)", read, len(swept), float64(read)/float64(len(swept)))
	assert.LessOrEqual(t, float64(read), 1.05*float64(len(swept)), "entries read past the cap, in pages")
}
