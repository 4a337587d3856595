package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Activity items: pk "a#<booking key>#<item id>", data the booking.ActivityItem as JSON,
// expiresAt the record's; in the "list" index under listPart "a#<booking key>", sorted by
// booking.Position of the event's time and id.
const activityPrefix = "a#"

// AddActivity stores each event with one PutItem on the condition that no item has its key, so
// a redelivered event writes nothing (the refused write is still billed, one WRU). Each item is
// well under 1 KB: one WRU, and one more for its entry in the "list" index.
func (s *Store) AddActivity(ctx context.Context, key string, events []booking.RoomEvent, expires time.Time) ([]booking.ActivityItem, error) {
	if key == "" {
		return nil, errors.New("add activity: empty key")
	}
	var fresh []booking.ActivityItem
	for _, it := range booking.ActivityItems(events) {
		item, err := activityItem(key, it, expires)
		if err != nil {
			return fresh, fmt.Errorf("add activity of booking %s: %w", key, err)
		}
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                &s.table,
			Item:                     item,
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": KeyAttr},
		})
		var failed *types.ConditionalCheckFailedException
		if errors.As(err, &failed) {
			continue // stored before
		}
		if err != nil {
			return fresh, fmt.Errorf("add activity of booking %s: %w", key, err)
		}
		fresh = append(fresh, it)
	}
	return fresh, nil
}

// Activity returns the booking's items: one Query of the "list" index per page of keys, then
// BatchGetItem. The index is eventually consistent: an item added a moment ago may be missing.
func (s *Store) Activity(ctx context.Context, key string) ([]booking.ActivityItem, error) {
	found, err := s.queryList(ctx, activityPrefix+key, "", "", false, booking.MaxActivity)
	if err != nil {
		return nil, fmt.Errorf("read activity of booking %s: %w", key, err)
	}
	pks := make([]string, len(found))
	for i, e := range found {
		pks[i] = e.pk
	}
	items, err := s.getItems(ctx, pks)
	if err != nil {
		return nil, fmt.Errorf("read activity of booking %s: %w", key, err)
	}
	out := make([]booking.ActivityItem, 0, len(pks))
	for _, pk := range pks {
		data, ok := items[pk][dataAttr].(*types.AttributeValueMemberS)
		if !ok {
			continue // deleted since the index was read
		}
		var it booking.ActivityItem
		if err := json.Unmarshal([]byte(data.Value), &it); err != nil {
			return nil, fmt.Errorf("read activity of booking %s: decode %s: %w", key, pk, err)
		}
		out = append(out, it)
	}
	return out, nil
}

// ReplaceActivity rewrites the items with one PutItem each.
func (s *Store) ReplaceActivity(ctx context.Context, key string, items []booking.ActivityItem, expires time.Time) error {
	if key == "" {
		return errors.New("replace activity: empty key")
	}
	for _, it := range items {
		item, err := activityItem(key, it, expires)
		if err == nil {
			_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item})
		}
		if err != nil {
			return fmt.Errorf("replace activity of booking %s: %w", key, err)
		}
	}
	return nil
}

// ExpireActivity gives every item of the booking key the expiry at: one Query of the "list"
// index per page of keys, then one UpdateItem of the expiry alone for each item, on the condition
// that it exists and expires at another time, so neither an item deleted meanwhile nor an
// erasure's rewrite is touched. Each is one WRU; the index, which holds no expiry, is not written.
func (s *Store) ExpireActivity(ctx context.Context, key string, at time.Time) error {
	if key == "" || at.IsZero() {
		return errors.New("expire activity: empty key or expiry")
	}
	found, err := s.queryList(ctx, activityPrefix+key, "", "", false, booking.MaxActivity)
	if err != nil {
		return fmt.Errorf("expire activity of booking %s: %w", key, err)
	}
	for _, e := range found {
		in := &dynamodb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       map[string]types.AttributeValue{KeyAttr: str(e.pk)},
			ConditionExpression:       aws.String("attribute_exists(#pk) AND #exp <> :at"),
			UpdateExpression:          aws.String("SET #exp = :at"),
			ExpressionAttributeNames:  map[string]string{"#pk": KeyAttr, "#exp": ExpiresAttr},
			ExpressionAttributeValues: map[string]types.AttributeValue{":at": expiry(at)},
		}
		_, err := s.client.UpdateItem(ctx, in)
		var failed *types.ConditionalCheckFailedException
		if err != nil && !errors.As(err, &failed) {
			return fmt.Errorf("expire activity of booking %s: %w", key, err)
		}
	}
	return nil
}

// activityItem is the table item of one activity item of the booking key.
func activityItem(key string, it booking.ActivityItem, expires time.Time) (map[string]types.AttributeValue, error) {
	data, err := json.Marshal(it)
	if err != nil {
		return nil, fmt.Errorf("encode activity item %s: %w", it.ID, err)
	}
	item := map[string]types.AttributeValue{
		KeyAttr:      str(activityPrefix + key + "#" + it.ID),
		dataAttr:     str(string(data)),
		ListPartAttr: str(activityPrefix + key),
		ListSortAttr: str(booking.Position(it.Event.At, it.ID)),
	}
	if !expires.IsZero() {
		item[ExpiresAttr] = expiry(expires)
	}
	return item, nil
}
