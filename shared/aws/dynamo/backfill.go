package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// backfillKey is the pk of the meta item that records how far Backfill has come. It is the second
// backfill's: "m#listBackfill", the first's, gave records their list attributes before the lists
// had shards; this one also moves those records' entries into their shards.
const backfillKey = "m#listShards"

// Attributes of the meta item.
const (
	fromAttr = "from"
	doneAttr = "done"
)

// backfillPage is how many items one Scan page reads: at most that many UpdateItems follow it.
const backfillPage = 100

// Backfill gives the booking items written before the "list" index existed their list
// attributes, and moves those written before its lists had shards (ListShards) from the list's
// bare name to their shard, reading at most pages Scan pages of the table from where the previous
// call stopped, and returns how many items it updated. Until it is done, List also reads the
// lists' bare names, so no record leaves a list meanwhile. Its progress is kept in a meta item after each page, so
// calls from successive invocations (the sweeper's, every minute) carry on from one another; once
// a call reaches the end of the table it records that it is done, and every later call is one
// GetItem.
//
// Each item is rewritten by a conditional UpdateItem with Put's version check: an item a Put has
// replaced since the Scan already has its attributes, and one deleted since is not made again.
func (s *Store) Backfill(ctx context.Context, pages int) (int, error) {
	meta, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table,
		Key:       map[string]types.AttributeValue{KeyAttr: str(backfillKey)},
	})
	if err != nil {
		return 0, fmt.Errorf("backfill list index: read progress: %w", err)
	}
	if done, ok := meta.Item[doneAttr].(*types.AttributeValueMemberBOOL); ok && done.Value {
		return 0, nil
	}
	in := &dynamodb.ScanInput{
		TableName:                &s.table,
		Limit:                    aws.Int32(backfillPage),
		FilterExpression:         aws.String("begins_with(#k, :b) AND (attribute_not_exists(#p) OR #p IN (:active, :ended))"),
		ExpressionAttributeNames: map[string]string{"#k": KeyAttr, "#p": ListPartAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":b": str(bookingPrefix), ":active": str(string(booking.Active)), ":ended": str(string(booking.Ended)),
		},
	}
	if from, ok := meta.Item[fromAttr].(*types.AttributeValueMemberS); ok {
		in.ExclusiveStartKey = map[string]types.AttributeValue{KeyAttr: from}
	}
	updated := 0
	for range pages {
		out, err := s.client.Scan(ctx, in)
		if err != nil {
			return updated, fmt.Errorf("backfill list index: scan: %w", err)
		}
		for _, item := range out.Items {
			ok, err := s.backfillItem(ctx, item)
			if err != nil {
				return updated, fmt.Errorf("backfill list index: %w", err)
			}
			if ok {
				updated++
			}
		}
		progress := map[string]types.AttributeValue{KeyAttr: str(backfillKey)}
		if out.LastEvaluatedKey == nil {
			progress[doneAttr] = &types.AttributeValueMemberBOOL{Value: true}
		} else {
			progress[fromAttr] = out.LastEvaluatedKey[KeyAttr]
		}
		if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: progress}); err != nil {
			return updated, fmt.Errorf("backfill list index: save progress: %w", err)
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return updated, nil
}

// backfillItem sets the list attributes of one booking item as Scan read it, and reports whether
// it did: not when the record is in no list, nor when a Put has replaced the item since (and
// written them itself).
func (s *Store) backfillItem(ctx context.Context, item map[string]types.AttributeValue) (bool, error) {
	b, err := decode(item)
	if err != nil {
		return false, err
	}
	part, sort, ok := listAttrs(b)
	if !ok {
		return false, nil
	}
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.table,
		Key:                 map[string]types.AttributeValue{KeyAttr: item[KeyAttr]},
		UpdateExpression:    aws.String("SET #p = :p, #s = :s"),
		ConditionExpression: aws.String("#v = :v"),
		ExpressionAttributeNames: map[string]string{
			"#p": ListPartAttr, "#s": ListSortAttr, "#v": versionAttr,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": str(part), ":s": str(sort), ":v": num(b.Version),
		},
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("update booking %s: %w", b.Key, err)
	}
	return true, nil
}
