// Package dynamo is the booking.Store and access.Store of the AWS deployment: one DynamoDB table
// (Amazon DynamoDB API Reference, PutItem/GetItem/Query with condition expressions), written one
// item at a time with conditional writes — no transactions, which the local emulator dynalite
// lacks.
//
// Item layout (partition key "pk" only):
//
//	booking   pk "b#<booking key>"
//	          version   N  the booking's Version; Put's condition compares it
//	          z         B  the booking as JSON, DEFLATE-compressed with a preset dictionary (pack.go);
//	                       items written before hold it uncompressed instead, in "data" (S)
//	          expiresAt N  booking.ExpiresAt in epoch seconds, for TTL; absent when zero
//	          dueShard  S  "0".."15", a stable hash of the key; only while DueAt is set
//	          dueAt     S  booking.Position of DueAt; only while DueAt is set
//	          listPart  S  "active#<n>" or "ended#<n>" (booking.Listed; n, of ListShards, a stable
//	                       hash of the key); only while the record is listed
//	          listSort  S  booking.Position of the meeting's start; only while listed
//	delivery  pk "d#<delivery id>" (ids over 1 KB: "h#<sha256 of the id>")
//	          expiresAt N  when the mark expires, epoch seconds rounded up, for TTL
//	usage     pk "u#<day>#<room tag>", one per day and room, replaced by a repeated PutUsage
//	          data      S  the booking.Usage as JSON
//	          expiresAt N  epoch seconds rounded up, for TTL
//	          listPart  S  "usage"
//	          listSort  S  "<day>#<room tag>"
//	person    pk "p#<booking.PersonHash of an address>#<booking key>", one per address and record
//	          expiresAt N  epoch seconds rounded up, for TTL
//	          listPart  S  "person#<booking.PersonHash of the address>"
//	          listSort  S  the booking key
//	activity  pk "a#<booking key>#<booking.ActivityID>", one per provider event (activity.go)
//	          data      S  the booking.ActivityItem as JSON
//	          expiresAt N  the booking's ExpiresAt, epoch seconds rounded up, for TTL
//	          listPart  S  "a#<booking key>"
//	          listSort  S  booking.Position of the event's time and id
//	pause     pk "t#<provider>#<booking.PauseKind>", one per provider and kind, only ever extended
//	          until     N  when the pause ends, Unix nanoseconds
//	          expiresAt N  the same in epoch seconds rounded up, for TTL
//	meta      pk "m#listShards": how far Backfill has come
//	          from      S  the pk the next Scan page starts after; absent before the first page
//	          done      BOOL  true once the whole table has been scanned
//
// and the items of access.Store (operators, sessions, the audit list, failure counts), listed in
// access.go.
//
// The global secondary index "due" (dueShard, dueAt; KEYS_ONLY) is sparse: a booking is in it only
// while it has a DueAt. Spreading it over 16 shards keeps one index partition from taking every
// write; Due reads all of them.
//
// The global secondary index "list" (listPart, listSort; KEYS_ONLY) serves the lists, the usage
// figures, the people index and each booking's activity, each read from a bound. A table gets
// only one new index per stack update, hence one index for all. An item writes to it only when it
// enters it, leaves it or moves in it (a booking when it is made, moves, ends or becomes an alias;
// a usage, person or activity item once), not on every Put; still every booking made, moved and
// ended writes to its list, so each list is ListShards partitions, merged as List reads them, as
// the due index's shards are by Due. A day's usage, a person's entries and a booking's activity
// are one partition each. Booking items written before the index existed lack its attributes,
// and those written before the lists had shards carry the list's bare name, until Backfill gives
// them their shard.
package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// The table's schema. The CDK stack defines the same table with these names.
const (
	KeyAttr      = "pk"        // partition key (S); the table has no sort key
	ExpiresAttr  = "expiresAt" // TTL attribute (N, epoch seconds)
	DueIndex     = "due"       // global secondary index of due bookings, KEYS_ONLY
	DueShardAttr = "dueShard"  // the index's partition key (S)
	DueAtAttr    = "dueAt"     // the index's sort key (S)
	DueShards    = 16          // dueShard values are "0" to "15"
	ListIndex    = "list"      // global secondary index of lists, usage and people, KEYS_ONLY
	ListPartAttr = "listPart"  // the index's partition key (S)
	ListSortAttr = "listSort"  // the index's sort key (S)
)

// Attributes of a booking item besides the key and index attributes.
const (
	versionAttr = "version"
	dataAttr    = "data"
)

// Key prefixes.
const (
	bookingPrefix  = "b#"
	deliveryPrefix = "d#"
	hashedPrefix   = "h#"
	usagePrefix    = "u#"
	personPrefix   = "p#"
	pausePrefix    = "t#"
)

// Partitions of the list index besides the two lists.
const (
	usagePart  = "usage"
	personPart = "person#" // + the address's hash
)

// maxDeliveryID is the longest delivery id stored as is; longer ones (a partition key holds at
// most 2048 bytes, and the id is the sender's) are stored by their SHA-256.
const maxDeliveryID = 1024

// Store is a booking.Store on one DynamoDB table. It is safe for concurrent use.
type Store struct {
	client api
	table  string
}

// api is the part of the DynamoDB client a Store calls, held as method values rather than the
// *dynamodb.Client itself. A Store is used as a booking.Store interface, and text/template, which
// the functions link to render mail and pages, looks methods up by name: with the client's type
// reachable from an interface's, Go's linker would keep every one of its operations (about 60,
// 1.8 MB of the worker's arm64 binary: lambdatest's TestSDKClientsKeepOnlyWhatIsCalled).
type api struct {
	GetItem      func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem      func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem   func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem   func(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query        func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan         func(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	BatchGetItem func(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

var _ booking.Store = (*Store)(nil)

// New returns a Store on an existing table with the schema CreateTable makes.
func New(client *dynamodb.Client, table string) *Store {
	return &Store{client: api{
		GetItem: client.GetItem, PutItem: client.PutItem, UpdateItem: client.UpdateItem, DeleteItem: client.DeleteItem,
		Query: client.Query, Scan: client.Scan, BatchGetItem: client.BatchGetItem,
	}, table: table}
}

// Get returns the booking with the key, read with strong consistency, or an error wrapping
// booking.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) (*booking.Booking, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            map[string]types.AttributeValue{KeyAttr: str(bookingPrefix + key)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get booking %s: %w", key, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("get booking %s: %w", key, booking.ErrNotFound)
	}
	b, err := decode(out.Item)
	if err != nil {
		return nil, fmt.Errorf("get booking %s: %w", key, err)
	}
	return b, nil
}

// Put writes b following the version rules of booking.Store with one conditional PutItem:
// Version 0 creates the record if no item has the key; any other Version replaces the item only
// if its stored version equals b.Version. Otherwise the error wraps booking.ErrConflict. On
// success b.Version is raised by one. Replacing the whole item drops the due attributes when
// DueAt has been cleared.
func (s *Store) Put(ctx context.Context, b *booking.Booking) error {
	if b.Key == "" {
		return errors.New("put booking: empty key")
	}
	item, err := encode(b)
	if err != nil {
		return fmt.Errorf("put booking %s: %w", b.Key, err)
	}
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: item}
	if b.Version == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(#pk)")
		in.ExpressionAttributeNames = map[string]string{"#pk": KeyAttr}
	} else {
		in.ConditionExpression = aws.String("#v = :v")
		in.ExpressionAttributeNames = map[string]string{"#v": versionAttr}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(b.Version)}
	}
	_, err = s.client.PutItem(ctx, in)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return fmt.Errorf("put booking %s: version %d is not the stored one: %w", b.Key, b.Version, booking.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("put booking %s: %w", b.Key, err)
	}
	b.Version++
	return nil
}

// PutIndexed writes the people entries (IndexPeople), then b (Put), then the delivery's mark
// (MarkSeen): separate PutItems, in that order, since DynamoDB Local stand-ins lack transactions.
func (s *Store) PutIndexed(ctx context.Context, b *booking.Booking, people []string, delivery string, until time.Time) error {
	if err := s.IndexPeople(ctx, b.Key, people, b.ExpiresAt); err != nil {
		return err
	}
	if err := s.Put(ctx, b); err != nil {
		return err
	}
	if delivery == "" {
		return nil
	}
	return s.MarkSeen(ctx, delivery, until)
}

// Due returns up to limit bookings whose DueAt is set and not after now, with their DueAt (read
// from the index entry's sort key), oldest first (ties by key), after the position after, and the position of the last one. It merges the shards
// of the "due" index as it reads them (mergeShards): so when more is due than limit, it reads
// little more than it returns (the last pages' unused entries: about 2% at a limit of 1000,
// against up to DueShards times the limit if every shard were read to the limit), and when less
// is due, one query per shard. Continuing after a position, each shard's query starts at it: the
// entry at after itself, in one shard, is read again and skipped.
//
// The index is eventually consistent: a booking written a moment ago may be missing, and one whose
// DueAt was just cleared or moved may still be listed. Callers treat the keys as hints and re-read
// each booking with Get (the worker does) before acting.
func (s *Store) Due(ctx context.Context, now time.Time, after string, limit int) ([]booking.Due, string, error) {
	if after != "" {
		if _, _, err := booking.ParsePosition(after); err != nil {
			return nil, "", fmt.Errorf("list due bookings: %w", err)
		}
	}
	if limit <= 0 {
		return nil, after, nil
	}
	// Every entry of an instant t sorts before the position of t and key "~" (keys are
	// lowercase base32).
	upTo := booking.Position(now, "~")
	parts := make([]string, DueShards)
	for i := range parts {
		parts[i] = strconv.Itoa(i)
	}
	// The queries' lower bound includes after itself: one more to skip it.
	want := limit
	if after != "" {
		want++
	}
	found, err := mergeShards(parts, want, false, func(part string, from map[string]types.AttributeValue, n int) (shardPage, error) {
		return s.queryPage(ctx, dueKeys, part, after, upTo, false, from, n)
	})
	if err != nil {
		return nil, "", fmt.Errorf("list due bookings: %w", err)
	}
	due := make([]booking.Due, 0, len(found))
	next := after
	for _, e := range found {
		if e.sort == after || len(due) == limit {
			continue
		}
		at, _, err := booking.ParsePosition(e.sort)
		if err != nil {
			return nil, "", fmt.Errorf("list due bookings: entry of %s: %w", e.pk, err)
		}
		due = append(due, booking.Due{Key: strings.TrimPrefix(e.pk, bookingPrefix), At: at})
		next = e.sort
	}
	return due, next, nil
}

// Seen reports whether a delivery id was marked and its mark has not expired by now. The expiry
// is checked here because TTL deletes expired items only eventually (typically within two days).
func (s *Store) Seen(ctx context.Context, id string, now time.Time) (bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            map[string]types.AttributeValue{KeyAttr: str(deliveryKey(id))},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, fmt.Errorf("check delivery id: %w", err)
	}
	if out.Item == nil {
		return false, nil
	}
	expires, err := intAttr(out.Item, ExpiresAttr)
	if err != nil {
		return false, fmt.Errorf("check delivery id: %w", err)
	}
	return now.Before(time.Unix(expires, 0)), nil
}

// MarkSeen records a delivery id until expires (rounded up to a whole second), replacing an
// earlier mark.
func (s *Store) MarkSeen(ctx context.Context, id string, expires time.Time) error {
	if id == "" {
		return errors.New("mark delivery id: empty id")
	}
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table,
		Item: map[string]types.AttributeValue{
			KeyAttr:     str(deliveryKey(id)),
			ExpiresAttr: expiry(expires),
		},
	})
	if err != nil {
		return fmt.Errorf("mark delivery id: %w", err)
	}
	return nil
}

// expiry is the TTL attribute's value for an item that may be deleted after t: epoch seconds,
// rounded up so that it never expires early.
func expiry(t time.Time) types.AttributeValue {
	secs := t.Unix()
	if t.Nanosecond() > 0 {
		secs++
	}
	return num(secs)
}

func deliveryKey(id string) string {
	if len(id) > maxDeliveryID {
		sum := sha256.Sum256([]byte(id))
		return hashedPrefix + hex.EncodeToString(sum[:])
	}
	return deliveryPrefix + id
}

// encode returns the item of b as it is after a successful Put: Version raised by one.
func encode(b *booking.Booking) (map[string]types.AttributeValue, error) {
	next := *b
	next.Version++
	data, err := json.Marshal(&next)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	item := map[string]types.AttributeValue{
		KeyAttr:     str(bookingPrefix + b.Key),
		versionAttr: num(next.Version),
		packedAttr:  &types.AttributeValueMemberB{Value: pack(data)},
	}
	if !b.ExpiresAt.IsZero() {
		item[ExpiresAttr] = num(b.ExpiresAt.Unix())
	}
	if !b.DueAt.IsZero() {
		item[DueShardAttr] = str(strconv.Itoa(shardOf(b.Key, DueShards)))
		item[DueAtAttr] = str(booking.Position(b.DueAt, b.Key))
	}
	if part, sort, ok := listAttrs(b); ok {
		item[ListPartAttr] = str(part)
		item[ListSortAttr] = str(sort)
	}
	return item, nil
}

// listAttrs returns the list index attributes of b's item; false when b is in no list.
func listAttrs(b *booking.Booking) (part, sort string, ok bool) {
	state, ok := b.Listed()
	if !ok {
		return "", "", false
	}
	return listPart(state, b.Key), booking.Position(b.Details.Start, b.Key), true
}

// decode reads a booking item: compressed ("z"), or as items written before hold it ("data").
func decode(item map[string]types.AttributeValue) (*booking.Booking, error) {
	var data []byte
	switch v := item[packedAttr].(type) {
	case *types.AttributeValueMemberB:
		var err error
		if data, err = unpack(v.Value); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
	default:
		s, ok := item[dataAttr].(*types.AttributeValueMemberS)
		if !ok {
			return nil, fmt.Errorf("decode: no %q binary or %q string attribute", packedAttr, dataAttr)
		}
		data = []byte(s.Value)
	}
	version, err := intAttr(item, versionAttr)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	var b booking.Booking
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	b.Version = version
	return &b, nil
}

// shardOf returns the shard, of n, of a booking key in a sharded index: FNV-1a, so it never
// changes.
func shardOf(key string, n int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

func intAttr(item map[string]types.AttributeValue, name string) (int64, error) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("no %q number attribute", name)
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("attribute %q: %w", name, err)
	}
	return n, nil
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// CreateTable creates the table Store needs, with on-demand billing: partition key "pk" (S), the
// "due" index (dueShard S, dueAt S, KEYS_ONLY), the "list" index (listPart S, listSort S,
// KEYS_ONLY), and TTL on "expiresAt". It waits until the table
// is active. It is for tests and local tooling; the CDK stack defines the same table in AWS. An
// emulator without TTL (dynalite: UnknownOperationException) gets the table without it, which
// only means nothing expires on its own.
func CreateTable(ctx context.Context, client *dynamodb.Client, table string) error {
	s := types.ScalarAttributeTypeS
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   &table,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(KeyAttr), AttributeType: s},
			{AttributeName: aws.String(DueShardAttr), AttributeType: s},
			{AttributeName: aws.String(DueAtAttr), AttributeType: s},
			{AttributeName: aws.String(ListPartAttr), AttributeType: s},
			{AttributeName: aws.String(ListSortAttr), AttributeType: s},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(KeyAttr), KeyType: types.KeyTypeHash},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(DueIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(DueShardAttr), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(DueAtAttr), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}, {
			IndexName: aws.String(ListIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(ListPartAttr), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(ListSortAttr), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 5*time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &table}, 5*time.Minute); err != nil {
		return fmt.Errorf("create table %s: wait until active: %w", table, err)
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: &table,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(ExpiresAttr),
			Enabled:       aws.Bool(true),
		},
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "UnknownOperationException" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create table %s: enable TTL: %w", table, err)
	}
	return nil
}
