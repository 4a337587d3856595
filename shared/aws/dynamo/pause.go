package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// untilAttr is a pause item's end, in Unix nanoseconds.
const untilAttr = "until"

// Pause marks the provider's calls of the kind paused until the time with one conditional
// PutItem, which writes only when no later end is marked: a refused condition is a longer pause
// already standing, not an error. TTL deletes the item some time after the pause ends.
func (s *Store) Pause(ctx context.Context, provider string, kind booking.PauseKind, until time.Time) error {
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table,
		Item: map[string]types.AttributeValue{
			KeyAttr:     str(pauseKey(provider, kind)),
			untilAttr:   num(until.UnixNano()),
			ExpiresAttr: expiry(until),
		},
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #u < :u"),
		ExpressionAttributeNames:  map[string]string{"#pk": KeyAttr, "#u": untilAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":u": num(until.UnixNano())},
	})
	var failed *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &failed) {
		return fmt.Errorf("pause %s: %w", provider, err)
	}
	return nil
}

// PausedUntil returns when the provider's pause of the kind ends, or the zero time. The read is
// eventually consistent (half the read units of a strong one, and a worker reads the pauses
// before each provider call): a pause marked a moment ago may be missed, for about a second.
// That is harmless: the pause only spares the provider calls it would refuse, so a call made in
// that second is refused by the provider itself, which marks the pause again (a no-op, a later
// end standing) and backs the booking off as any refusal does; nothing is sent or made twice.
// Nor can a stale read hold a call up wrongly: a pause's end only ever moves later (Pause), so
// an older value ends no later than the current one.
func (s *Store) PausedUntil(ctx context.Context, provider string, kind booking.PauseKind) (time.Time, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table,
		Key:       map[string]types.AttributeValue{KeyAttr: str(pauseKey(provider, kind))},
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read pause of %s: %w", provider, err)
	}
	if out.Item == nil {
		return time.Time{}, nil
	}
	ns, err := intAttr(out.Item, untilAttr)
	if err != nil {
		return time.Time{}, fmt.Errorf("read pause of %s: %w", provider, err)
	}
	return time.Unix(0, ns).UTC(), nil
}

func pauseKey(provider string, kind booking.PauseKind) string {
	return pausePrefix + provider + "#" + string(kind)
}
