package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// listEntry is one item of an index as a Query returns it: the table item's pk and its sort key
// in the index.
type listEntry struct{ pk, sort string }

// shardPage is one page of one partition of an index (a shard): its entries in the order read,
// and where the next page starts (nil: the shard is read to its end).
type shardPage struct {
	entries []listEntry
	next    map[string]types.AttributeValue
}

// readPage reads the page of at most limit entries of the shard part that starts at from (nil:
// the shard's first page).
type readPage func(part string, from map[string]types.AttributeValue, limit int) (shardPage, error)

// mergeShards returns the first limit entries of the shards parts merged by sort key, ascending
// (descending with newest, each shard then read newest first), reading the shards as it merges:
// a first page of four fifths of an even share from every shard at once, then, whenever the
// shards holding the next candidate have nothing left in hand, a page of 1/(2·shards) of what is
// still wanted from those shards alone. So it reads little more than it returns (the last pages'
// unused entries), however many shards there are, and when a shard holds less than its share, one
// query reads it to its end. An entry met twice in a row (the same item in two shards while it
// moves between them) is returned once.
func mergeShards(parts []string, limit int, newest bool, read readPage) ([]listEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	shards := make([]*shard, len(parts))
	for i, part := range parts {
		shards[i] = &shard{part: part}
	}
	if err := readShards(shards, read, max(1, limit*4/(5*len(parts)))); err != nil {
		return nil, err
	}
	before := func(a, b string) bool { return a < b != newest }
	var out []listEntry
	for len(out) < limit {
		var empty []*shard
		for _, sh := range shards {
			if len(sh.read) == 0 && !sh.done {
				empty = append(empty, sh)
			}
		}
		if len(empty) > 0 {
			// Its next entry may come before any in hand.
			page := max(1, (limit-len(out)+2*len(parts)-1)/(2*len(parts)))
			if err := readShards(empty, read, page); err != nil {
				return nil, err
			}
			continue
		}
		var next *shard
		for _, sh := range shards {
			if len(sh.read) > 0 && (next == nil || before(sh.read[0].sort, next.read[0].sort)) {
				next = sh
			}
		}
		if next == nil {
			break // every shard read to its end
		}
		if e := next.read[0]; len(out) == 0 || out[len(out)-1] != e {
			out = append(out, e)
		}
		next.read = next.read[1:]
	}
	return out, nil
}

// shard is one partition of an index as mergeShards reads it.
type shard struct {
	part  string
	read  []listEntry                     // read and not yet merged, in order
	after map[string]types.AttributeValue // where the next page starts; nil: the first page
	done  bool                            // read to its end
}

// readShards reads the next page, of at most limit entries, of each of shards at once.
func readShards(shards []*shard, read readPage, limit int) error {
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for i, sh := range shards {
		wg.Go(func() {
			page, err := read(sh.part, sh.after, limit)
			if err != nil {
				errs[i] = err
				return
			}
			sh.read = append(sh.read, page.entries...)
			sh.after = page.next
			sh.done = page.next == nil
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// indexKeys names a global secondary index and its key attributes.
type indexKeys struct{ index, part, sort string }

var (
	dueKeys  = indexKeys{DueIndex, DueShardAttr, DueAtAttr}
	listKeys = indexKeys{ListIndex, ListPartAttr, ListSortAttr}
)

// queryPage reads one page of the entries of the partition part of the index ix whose sort key
// is between lo and hi (both inclusive; "" for no bound), in order (newest: descending), from the
// page's start from (nil: the first), at most limit of them (0 or less: as many as a page holds).
func (s *Store) queryPage(ctx context.Context, ix indexKeys, part, lo, hi string, newest bool, from map[string]types.AttributeValue, limit int) (shardPage, error) {
	cond := "#p = :p"
	names := map[string]string{"#p": ix.part}
	values := map[string]types.AttributeValue{":p": str(part)}
	switch {
	case lo != "" && hi != "":
		cond += " AND #s BETWEEN :lo AND :hi"
	case lo != "":
		cond += " AND #s >= :lo"
	case hi != "":
		cond += " AND #s <= :hi"
	}
	if lo != "" || hi != "" {
		names["#s"] = ix.sort // only then: DynamoDB refuses a name no expression uses
	}
	if lo != "" {
		values[":lo"] = str(lo)
	}
	if hi != "" {
		values[":hi"] = str(hi)
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(ix.index),
		KeyConditionExpression:    &cond,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(!newest),
		ExclusiveStartKey:         from,
	}
	if limit > 0 {
		in.Limit = aws.Int32(int32(min(limit, math.MaxInt32)))
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return shardPage{}, fmt.Errorf("query index %s, %s: %w", ix.index, part, err)
	}
	page := shardPage{next: out.LastEvaluatedKey}
	for _, item := range out.Items {
		pk, _ := item[KeyAttr].(*types.AttributeValueMemberS)
		sort, _ := item[ix.sort].(*types.AttributeValueMemberS)
		if pk == nil || sort == nil {
			return shardPage{}, fmt.Errorf("query index %s, %s: malformed index item", ix.index, part)
		}
		page.entries = append(page.entries, listEntry{pk: pk.Value, sort: sort.Value})
	}
	return page, nil
}
