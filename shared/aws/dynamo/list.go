package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// List returns one page of a list of records in order of their meeting's start: the list's
// shards of the "list" index merged as they are read (mergeShards: in all a little more than the
// page's entries and the one after them, in one Query per shard and a few more), then one
// BatchGetItem of the page's records (per 100).
//
// The index is eventually consistent, so an entry may be stale: the record has since moved, left
// the list or expired. List reads each record and leaves such entries out, so a page may hold
// fewer than Limit entries while More is true. A record that has just entered a list may be
// missing from it for a moment.
func (s *Store) List(ctx context.Context, q booking.ListQuery) (booking.ListPage, error) {
	if err := q.Check(); err != nil {
		return booking.ListPage{}, fmt.Errorf("list bookings: %w", err)
	}
	lo, hi := q.Span()
	if lo != "" && hi != "" && lo >= hi {
		return booking.ListPage{}, nil
	}
	// One more than the page tells whether the list goes on; when continuing, the entry at After
	// itself may come first and be skipped.
	want := q.Limit + 1
	if q.After != "" {
		want++
	}
	// The index's condition includes hi, which only the entry at After can be: no position is a
	// bare time bound.
	found, err := mergeShards(listParts(q.State), want, q.Newest, func(part string, from map[string]types.AttributeValue, limit int) (shardPage, error) {
		return s.queryPage(ctx, listKeys, part, lo, hi, q.Newest, from, limit)
	})
	if err != nil {
		return booking.ListPage{}, fmt.Errorf("list bookings: %w", err)
	}
	var page booking.ListPage
	var pks []string
	for _, e := range found {
		if e.sort == q.After {
			continue
		}
		if len(page.Entries) == q.Limit {
			page.More = true
			break
		}
		key, _ := strings.CutPrefix(e.pk, bookingPrefix)
		page.Entries = append(page.Entries, booking.ListEntry{Key: key, Cursor: e.sort})
		pks = append(pks, e.pk)
	}
	items, err := s.getItems(ctx, pks)
	if err != nil {
		return booking.ListPage{}, fmt.Errorf("list bookings: %w", err)
	}
	current := page.Entries[:0]
	for _, e := range page.Entries {
		item := items[bookingPrefix+e.Key]
		if item == nil {
			continue
		}
		b, err := decode(item)
		if err != nil {
			return booking.ListPage{}, fmt.Errorf("list bookings: %s: %w", e.Key, err)
		}
		if part, sort, ok := listAttrs(b); ok && part == listPart(q.State, b.Key) && sort == e.Cursor {
			current = append(current, e)
		}
	}
	page.Entries = current
	return page, nil
}

// ListShards is how many partition key values of the "list" index each list of records is
// spread over: a record's is its list's name, "#" and the stable hash of its key (shardOf), so
// that the writes of records made, moved and ended spread as the due index's do.
const ListShards = 4

// listPart returns the list index partition of the record key in the list state.
func listPart(state booking.ListState, key string) string {
	return string(state) + "#" + strconv.Itoa(shardOf(key, ListShards))
}

// listParts returns the partitions of the list index that hold the list state: its shards, and
// the list's bare name, where items written before the shards keep their entries until Backfill
// moves them (then empty, one Query that reads nothing).
func listParts(state booking.ListState) []string {
	parts := make([]string, 0, ListShards+1)
	for i := range ListShards {
		parts = append(parts, string(state)+"#"+strconv.Itoa(i))
	}
	return append(parts, string(state))
}

// PutUsage records one room's figures for one day with one PutItem, replacing those of an
// earlier PutUsage.
func (s *Store) PutUsage(ctx context.Context, u booking.Usage, expires time.Time) error {
	if err := u.Check(); err != nil {
		return fmt.Errorf("put usage: %w", err)
	}
	item, err := usageItem(u, expires)
	if err != nil {
		return fmt.Errorf("put usage %s %s: %w", u.Day, u.RoomID, err)
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return fmt.Errorf("put usage %s %s: %w", u.Day, u.RoomID, err)
	}
	return nil
}

func usageItem(u booking.Usage, expires time.Time) (map[string]types.AttributeValue, error) {
	data, err := json.Marshal(u)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	sort := u.Day + "#" + u.RoomID
	return map[string]types.AttributeValue{
		KeyAttr:      str(usagePrefix + sort),
		dataAttr:     str(string(data)),
		ExpiresAttr:  expiry(expires),
		ListPartAttr: str(usagePart),
		ListSortAttr: str(sort),
	}, nil
}

// Usage returns the figures of the days from to to, inclusive, by day and room: one Query of the
// "list" index per page of keys, then one BatchGetItem per 100 items. An item that expired but is
// still stored (TTL deletes eventually) is returned.
func (s *Store) Usage(ctx context.Context, from, to string) ([]booking.Usage, error) {
	if err := booking.CheckDays(from, to); err != nil {
		return nil, fmt.Errorf("read usage: %w", err)
	}
	if from > to {
		return nil, nil
	}
	// Every sort key of the day to sorts before to + "$": "$" follows "#".
	found, err := s.queryList(ctx, usagePart, from, to+"$", false, 0)
	if err != nil {
		return nil, fmt.Errorf("read usage %s to %s: %w", from, to, err)
	}
	pks := make([]string, len(found))
	for i, e := range found {
		pks[i] = e.pk
	}
	items, err := s.getItems(ctx, pks)
	if err != nil {
		return nil, fmt.Errorf("read usage %s to %s: %w", from, to, err)
	}
	var out []booking.Usage
	for _, pk := range pks {
		data, ok := items[pk][dataAttr].(*types.AttributeValueMemberS)
		if !ok {
			continue // deleted since the index was read
		}
		var u booking.Usage
		if err := json.Unmarshal([]byte(data.Value), &u); err != nil {
			return nil, fmt.Errorf("read usage: decode %s: %w", pk, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// IndexPeople links each address to the record key until expires, with one PutItem per address.
func (s *Store) IndexPeople(ctx context.Context, key string, emails []string, expires time.Time) error {
	if key == "" {
		return errors.New("index people: empty key")
	}
	for _, e := range emails {
		h := booking.PersonHash(e)
		if h == "" {
			continue
		}
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: personItem(h, key, expires)})
		if err != nil {
			return fmt.Errorf("index people of booking %s: %w", key, err)
		}
	}
	return nil
}

// People returns the keys of the records linked to email: one Query of the "list" index per page
// of keys. A link that expired but is still stored (TTL deletes eventually) is returned, and one
// made a moment ago may be missing (the index is eventually consistent).
func (s *Store) People(ctx context.Context, email string) ([]string, error) {
	keys, err := s.personKeys(ctx, booking.PersonHash(email))
	if err != nil {
		return nil, fmt.Errorf("find a person's bookings: %w", err)
	}
	return keys, nil
}

// ForgetPerson removes email's entries from the people index: the Query of People, then one
// DeleteItem per entry. An entry made a moment before may escape it, as it escapes People.
func (s *Store) ForgetPerson(ctx context.Context, email string) error {
	h := booking.PersonHash(email)
	keys, err := s.personKeys(ctx, h)
	if err != nil {
		return fmt.Errorf("forget a person: %w", err)
	}
	for _, key := range keys {
		_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: &s.table,
			Key:       map[string]types.AttributeValue{KeyAttr: str(personKey(h, key))},
		})
		if err != nil {
			return fmt.Errorf("forget a person: %w", err)
		}
	}
	return nil
}

// personItem links the address with the hash h to the record key.
func personItem(h, key string, expires time.Time) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		KeyAttr:      str(personKey(h, key)),
		ExpiresAttr:  expiry(expires),
		ListPartAttr: str(personPart + h),
		ListSortAttr: str(key),
	}
}

func personKey(hash, key string) string { return personPrefix + hash + "#" + key }

// personKeys returns the record keys linked to the address with the hash h.
func (s *Store) personKeys(ctx context.Context, h string) ([]string, error) {
	if h == "" {
		return nil, nil
	}
	found, err := s.queryList(ctx, personPart+h, "", "", false, 0)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(found))
	for i, e := range found {
		keys[i] = e.sort
	}
	return keys, nil
}

// queryList returns the entries of the index partition part whose sort key is between lo and hi
// (both inclusive; "" for no bound), in order (newest: descending), at most limit of them (all
// when limit is 0), following the Query's pages.
func (s *Store) queryList(ctx context.Context, part, lo, hi string, newest bool, limit int) ([]listEntry, error) {
	var entries []listEntry
	var from map[string]types.AttributeValue
	for {
		page, err := s.queryPage(ctx, listKeys, part, lo, hi, newest, from, limit-len(entries))
		if err != nil {
			return nil, err
		}
		entries = append(entries, page.entries...)
		if (limit > 0 && len(entries) >= limit) || page.next == nil {
			return entries, nil
		}
		from = page.next
	}
}

// maxBatchGet is how many keys one BatchGetItem may ask for.
const maxBatchGet = 100

// getItems reads the items with the pks with strong consistency, by BatchGetItem, and returns
// them by pk; an item that does not exist is missing from the map.
func (s *Store) getItems(ctx context.Context, pks []string) (map[string]map[string]types.AttributeValue, error) {
	items := map[string]map[string]types.AttributeValue{}
	for len(pks) > 0 {
		n := min(len(pks), maxBatchGet)
		keys := make([]map[string]types.AttributeValue, n)
		for i, pk := range pks[:n] {
			keys[i] = map[string]types.AttributeValue{KeyAttr: str(pk)}
		}
		pks = pks[n:]
		request := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
		// DynamoDB may return part of a batch (throttling, 16 MB), naming the rest: ask again,
		// after a pause that doubles each time.
		for pause := 50 * time.Millisecond; ; pause *= 2 {
			out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
			if err != nil {
				return nil, fmt.Errorf("read items: %w", err)
			}
			for _, item := range out.Responses[s.table] {
				pk, _ := item[KeyAttr].(*types.AttributeValueMemberS)
				if pk == nil {
					return nil, errors.New("read items: item without a key")
				}
				items[pk.Value] = item
			}
			request = out.UnprocessedKeys
			if len(request) == 0 {
				break
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("read items: %w", ctx.Err())
			case <-time.After(pause):
			}
		}
	}
	return items, nil
}
