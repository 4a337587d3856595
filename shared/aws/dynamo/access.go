package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// The access.Store items, in the same table (times are N, Unix nanoseconds, absent when zero):
//
//	operator  pk "o#<name>"
//	          name, role, email, timeZone, tokenHash  S  (email, timeZone and tokenHash absent when empty;
//	                                                     tokenHash is the SHA-256 of the token, never the token)
//	          created, lastUsed  N
//	          listPart  S  "operators"
//	          listSort  S  the name
//	session   pk "s#<SHA-256 of the session ID>" (never the ID)
//	          operator, credential, csrf  S
//	          created, touched, idleUntil  N  (idleUntil: when it ends unless used)
//	          expiresAt  N  idleUntil in epoch seconds rounded up, for TTL
//	audit     pk "a#<position>", one per entry
//	          data      S  the access.Entry as JSON
//	          expiresAt N  for TTL
//	          listPart  S  "audit"
//	          listSort  S  the position: booking.Position of its time and a random id
//	failures  pk "l#<access.ClientKey of the client>"
//	          failures  N  the count
//	          lastFailure N
//	          expiresAt N  for TTL: the count's reset after its last failure
//
// Operators and the audit list are partitions of the "list" index. Every expression names its
// attributes through placeholders: "name", "role", "data" and others are DynamoDB reserved words.
const (
	operatorPrefix = "o#"
	sessionPrefix  = "s#"
	auditPrefix    = "a#"
	failurePrefix  = "l#"
	operatorsPart  = "operators"
	auditPart      = "audit"
)

// Attributes of the access items.
const (
	nameAttr        = "name"
	roleAttr        = "role"
	emailAttr       = "email"
	timeZoneAttr    = "timeZone"
	tokenHashAttr   = "tokenHash"
	createdAttr     = "created"
	lastUsedAttr    = "lastUsed"
	operatorAttr    = "operator"
	credentialAttr  = "credential"
	csrfAttr        = "csrf"
	touchedAttr     = "touched"
	idleUntilAttr   = "idleUntil"
	failuresAttr    = "failures"
	lastFailureAttr = "lastFailure"
)

var _ access.Store = (*Store)(nil)

func nanos(t time.Time) types.AttributeValue { return num(t.UnixNano()) }

// putNanos sets the attribute to t, unless t is zero.
func putNanos(item map[string]types.AttributeValue, name string, t time.Time) {
	if !t.IsZero() {
		item[name] = nanos(t)
	}
}

// putStr sets the attribute to s, unless s is empty.
func putStr(item map[string]types.AttributeValue, name, s string) {
	if s != "" {
		item[name] = str(s)
	}
}

func strAttr(item map[string]types.AttributeValue, name string) string {
	v, _ := item[name].(*types.AttributeValueMemberS)
	if v == nil {
		return ""
	}
	return v.Value
}

// timeAttr reads an attribute putNanos wrote; absent is the zero time.
func timeAttr(item map[string]types.AttributeValue, name string) (time.Time, error) {
	if _, ok := item[name]; !ok {
		return time.Time{}, nil
	}
	n, err := intAttr(item, name)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, n).UTC(), nil
}

// isConditionFailed reports whether err is a failed condition of a write.
func isConditionFailed(err error) bool {
	var failed *types.ConditionalCheckFailedException
	return errors.As(err, &failed)
}

// ifExists is the condition of a write that must not make the item it changes.
var ifExists = aws.String("attribute_exists(#pk)")

func operatorKey(name string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{KeyAttr: str(operatorPrefix + name)}
}

// AddOperator stores a new operator with one conditional PutItem; a name already stored is
// booking.ErrConflict.
func (s *Store) AddOperator(ctx context.Context, r access.OperatorRecord) error {
	if r.Name == "" {
		return errors.New("add operator: empty name")
	}
	item := map[string]types.AttributeValue{
		KeyAttr:      str(operatorPrefix + r.Name),
		nameAttr:     str(r.Name),
		roleAttr:     str(string(r.Role)),
		ListPartAttr: str(operatorsPart),
		ListSortAttr: str(r.Name),
	}
	putStr(item, emailAttr, r.Email)
	putStr(item, timeZoneAttr, r.TimeZone)
	putStr(item, tokenHashAttr, r.TokenHash)
	putNanos(item, createdAttr, r.Created)
	putNanos(item, lastUsedAttr, r.LastUsed)
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                &s.table,
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": KeyAttr},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("add operator %s: %w", r.Name, booking.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("add operator %s: %w", r.Name, err)
	}
	return nil
}

// GetOperator returns the operator with the name, read with strong consistency, or
// booking.ErrNotFound.
func (s *Store) GetOperator(ctx context.Context, name string) (access.OperatorRecord, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: operatorKey(name), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return access.OperatorRecord{}, fmt.Errorf("get operator %s: %w", name, err)
	}
	if out.Item == nil {
		return access.OperatorRecord{}, fmt.Errorf("get operator %s: %w", name, booking.ErrNotFound)
	}
	r, err := decodeOperator(out.Item)
	if err != nil {
		return access.OperatorRecord{}, fmt.Errorf("get operator %s: %w", name, err)
	}
	return r, nil
}

func decodeOperator(item map[string]types.AttributeValue) (access.OperatorRecord, error) {
	r := access.OperatorRecord{
		Operator: access.Operator{
			Name:     strAttr(item, nameAttr),
			Role:     access.Role(strAttr(item, roleAttr)),
			Email:    strAttr(item, emailAttr),
			TimeZone: strAttr(item, timeZoneAttr),
		},
		TokenHash: strAttr(item, tokenHashAttr),
	}
	var err error
	if r.Created, err = timeAttr(item, createdAttr); err != nil {
		return access.OperatorRecord{}, fmt.Errorf("decode: %w", err)
	}
	if r.LastUsed, err = timeAttr(item, lastUsedAttr); err != nil {
		return access.OperatorRecord{}, fmt.Errorf("decode: %w", err)
	}
	if r.Name == "" {
		return access.OperatorRecord{}, fmt.Errorf("decode: no %q attribute", nameAttr)
	}
	return r, nil
}

// Operators returns every operator, by name: one Query of the "list" index's operators
// partition, then BatchGetItem. The index is eventually consistent: an operator removed since it
// was read is left out, and one added a moment ago may be missing for a moment.
func (s *Store) Operators(ctx context.Context) ([]access.OperatorRecord, error) {
	found, err := s.queryList(ctx, operatorsPart, "", "", false, 0)
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	pks := make([]string, len(found))
	for i, e := range found {
		pks[i] = e.pk
	}
	items, err := s.getItems(ctx, pks)
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	var out []access.OperatorRecord
	for _, pk := range pks {
		if items[pk] == nil {
			continue
		}
		r, err := decodeOperator(items[pk])
		if err != nil {
			return nil, fmt.Errorf("list operators: %s: %w", pk, err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b access.OperatorRecord) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// TouchOperator sets an operator's LastUsed with one UpdateItem that requires the item to exist;
// booking.ErrNotFound when there is none.
func (s *Store) TouchOperator(ctx context.Context, name string, at time.Time) error {
	err := s.updateExisting(ctx, operatorKey(name), "SET #u = :u",
		map[string]string{"#u": lastUsedAttr}, map[string]types.AttributeValue{":u": nanos(at)})
	if err != nil {
		return fmt.Errorf("record the use of operator %s: %w", name, err)
	}
	return nil
}

// SetOperatorTimeZone sets (or, with "", removes) an operator's TimeZone with one UpdateItem that
// requires the item to exist; booking.ErrNotFound when there is none.
func (s *Store) SetOperatorTimeZone(ctx context.Context, name, zone string) error {
	update, values := "REMOVE #z", map[string]types.AttributeValue(nil)
	if zone != "" {
		update, values = "SET #z = :z", map[string]types.AttributeValue{":z": str(zone)}
	}
	if err := s.updateExisting(ctx, operatorKey(name), update, map[string]string{"#z": timeZoneAttr}, values); err != nil {
		return fmt.Errorf("set the time zone of operator %s: %w", name, err)
	}
	return nil
}

// updateExisting applies update to the item with the key if it exists; booking.ErrNotFound if not.
func (s *Store) updateExisting(ctx context.Context, key map[string]types.AttributeValue, update string, names map[string]string, values map[string]types.AttributeValue) error {
	names["#pk"] = KeyAttr
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key,
		UpdateExpression:          &update,
		ConditionExpression:       ifExists,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return booking.ErrNotFound
	}
	return err
}

// deleteExisting deletes the item with the key; booking.ErrNotFound when there is none.
func (s *Store) deleteExisting(ctx context.Context, key map[string]types.AttributeValue) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                &s.table,
		Key:                      key,
		ConditionExpression:      ifExists,
		ExpressionAttributeNames: map[string]string{"#pk": KeyAttr},
	})
	if isConditionFailed(err) {
		return booking.ErrNotFound
	}
	return err
}

// RemoveOperator deletes an operator with one conditional DeleteItem; booking.ErrNotFound when
// there is none.
func (s *Store) RemoveOperator(ctx context.Context, name string) error {
	if err := s.deleteExisting(ctx, operatorKey(name)); err != nil {
		return fmt.Errorf("remove operator %s: %w", name, err)
	}
	return nil
}

func sessionKey(idHash string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{KeyAttr: str(sessionPrefix + idHash)}
}

// PutSession stores a session with one PutItem, replacing one with the same IDHash. TTL deletes
// it after Expires.
func (s *Store) PutSession(ctx context.Context, r access.SessionRecord) error {
	if r.IDHash == "" {
		return errors.New("put session: empty id hash")
	}
	item := map[string]types.AttributeValue{
		KeyAttr:        str(sessionPrefix + r.IDHash),
		operatorAttr:   str(r.Operator),
		credentialAttr: str(r.Credential),
		csrfAttr:       str(r.CSRF),
		ExpiresAttr:    expiry(r.Expires),
	}
	putNanos(item, createdAttr, r.Created)
	putNanos(item, touchedAttr, r.Touched)
	putNanos(item, idleUntilAttr, r.Expires)
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return fmt.Errorf("put session of %s: %w", r.Operator, err)
	}
	return nil
}

// GetSession returns the session whose ID has the hash, read with strong consistency, or
// booking.ErrNotFound.
func (s *Store) GetSession(ctx context.Context, idHash string) (access.SessionRecord, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: sessionKey(idHash), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return access.SessionRecord{}, fmt.Errorf("get session: %w", err)
	}
	if out.Item == nil {
		return access.SessionRecord{}, fmt.Errorf("get session: %w", booking.ErrNotFound)
	}
	r := access.SessionRecord{
		IDHash:     idHash,
		Operator:   strAttr(out.Item, operatorAttr),
		Credential: strAttr(out.Item, credentialAttr),
		CSRF:       strAttr(out.Item, csrfAttr),
	}
	for name, dst := range map[string]*time.Time{createdAttr: &r.Created, touchedAttr: &r.Touched, idleUntilAttr: &r.Expires} {
		if *dst, err = timeAttr(out.Item, name); err != nil {
			return access.SessionRecord{}, fmt.Errorf("get session: decode: %w", err)
		}
	}
	return r, nil
}

// TouchSession moves a session's Touched and Expires (and its TTL) with one UpdateItem that
// requires the item to exist; booking.ErrNotFound when there is none.
func (s *Store) TouchSession(ctx context.Context, idHash string, touched, expires time.Time) error {
	err := s.updateExisting(ctx, sessionKey(idHash), "SET #t = :t, #i = :i, #e = :e",
		map[string]string{"#t": touchedAttr, "#i": idleUntilAttr, "#e": ExpiresAttr},
		map[string]types.AttributeValue{":t": nanos(touched), ":i": nanos(expires), ":e": expiry(expires)})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession deletes a session with one DeleteItem; deleting a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: sessionKey(idHash)}); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AddAuditEntry appends an entry with one PutItem; TTL deletes it after expires.
func (s *Store) AddAuditEntry(ctx context.Context, r access.AuditRecord, expires time.Time) error {
	if r.Position == "" {
		return errors.New("add audit entry: empty position")
	}
	data, err := json.Marshal(r.Entry)
	if err != nil {
		return fmt.Errorf("add audit entry %s: encode: %w", r.Action, err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: map[string]types.AttributeValue{
		KeyAttr:      str(auditPrefix + r.Position),
		dataAttr:     str(string(data)),
		ExpiresAttr:  expiry(expires),
		ListPartAttr: str(auditPart),
		ListSortAttr: str(r.Position),
	}})
	if err != nil {
		return fmt.Errorf("add audit entry %s: %w", r.Action, err)
	}
	return nil
}

// AuditEntries returns up to limit entries before the position before (or from the newest),
// newest first: one Query of the "list" index's audit partition, descending, for the page and
// the entry after it, then BatchGetItem. An entry TTL deleted since the index was read is left
// out.
func (s *Store) AuditEntries(ctx context.Context, before string, limit int) ([]access.AuditRecord, bool, error) {
	want := limit + 1
	if before != "" {
		want++ // the index's bound includes before itself
	}
	found, err := s.queryList(ctx, auditPart, "", before, true, want)
	if err != nil {
		return nil, false, fmt.Errorf("read the audit list: %w", err)
	}
	found = slices.DeleteFunc(found, func(e listEntry) bool { return before != "" && e.sort >= before })
	more := len(found) > limit
	found = found[:min(limit, len(found))]
	pks := make([]string, len(found))
	for i, e := range found {
		pks[i] = e.pk
	}
	items, err := s.getItems(ctx, pks)
	if err != nil {
		return nil, false, fmt.Errorf("read the audit list: %w", err)
	}
	out := make([]access.AuditRecord, 0, len(found))
	for _, e := range found {
		data, ok := items[e.pk][dataAttr].(*types.AttributeValueMemberS)
		if !ok {
			continue
		}
		r := access.AuditRecord{Position: e.sort}
		if err := json.Unmarshal([]byte(data.Value), &r.Entry); err != nil {
			return nil, false, fmt.Errorf("read the audit list: decode %s: %w", e.pk, err)
		}
		out = append(out, r)
	}
	return out, more, nil
}

func failureKey(client string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{KeyAttr: str(failurePrefix + client)}
}

// Failures returns a client's count of failed tokens, read with strong consistency; zero when
// there is none.
func (s *Store) Failures(ctx context.Context, client string) (access.Failures, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: failureKey(client), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return access.Failures{}, fmt.Errorf("read failures: %w", err)
	}
	if out.Item == nil {
		return access.Failures{}, nil
	}
	f, err := decodeFailures(out.Item)
	if err != nil {
		return access.Failures{}, fmt.Errorf("read failures: %w", err)
	}
	return f, nil
}

func decodeFailures(item map[string]types.AttributeValue) (access.Failures, error) {
	n, err := intAttr(item, failuresAttr)
	if err != nil {
		return access.Failures{}, err
	}
	last, err := timeAttr(item, lastFailureAttr)
	if err != nil {
		return access.Failures{}, err
	}
	return access.Failures{Count: int(n), Last: last}, nil
}

// AddFailure counts one more failure of client at now without a read: an UpdateItem adds one to
// a count whose last failure is less than reset old; when there is none (or it is older) a
// PutItem starts it at 1, on condition that no recent count appeared meanwhile, and if one did
// the UpdateItem is tried again. So concurrent failures all count.
func (s *Store) AddFailure(ctx context.Context, client string, now time.Time, reset time.Duration) (access.Failures, error) {
	cutoff := nanos(now.Add(-reset))
	for range 5 {
		out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                &s.table,
			Key:                      failureKey(client),
			UpdateExpression:         aws.String("SET #f = #f + :one, #l = :now, #e = :exp"),
			ConditionExpression:      aws.String("#l > :cutoff"),
			ExpressionAttributeNames: map[string]string{"#f": failuresAttr, "#l": lastFailureAttr, "#e": ExpiresAttr},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": num(1), ":now": nanos(now), ":exp": expiry(now.Add(reset)), ":cutoff": cutoff,
			},
			ReturnValues: types.ReturnValueAllNew,
		})
		if err == nil {
			f, err := decodeFailures(out.Attributes)
			if err != nil {
				return access.Failures{}, fmt.Errorf("count a failure: %w", err)
			}
			return f, nil
		}
		if !isConditionFailed(err) {
			return access.Failures{}, fmt.Errorf("count a failure: %w", err)
		}
		item := failureKey(client)
		item[failuresAttr], item[lastFailureAttr], item[ExpiresAttr] = num(1), nanos(now), expiry(now.Add(reset))
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 &s.table,
			Item:                      item,
			ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #l <= :cutoff"),
			ExpressionAttributeNames:  map[string]string{"#pk": KeyAttr, "#l": lastFailureAttr},
			ExpressionAttributeValues: map[string]types.AttributeValue{":cutoff": cutoff},
		})
		if err == nil {
			return access.Failures{Count: 1, Last: now}, nil
		}
		if !isConditionFailed(err) {
			return access.Failures{}, fmt.Errorf("count a failure: %w", err)
		}
	}
	return access.Failures{}, fmt.Errorf("count a failure: the count kept changing under the write")
}

// ClearFailures deletes a client's count with one DeleteItem.
func (s *Store) ClearFailures(ctx context.Context, client string) error {
	if _, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: failureKey(client)}); err != nil {
		return fmt.Errorf("clear failures: %w", err)
	}
	return nil
}
