package access

import (
	"context"
	"time"
)

// Store keeps operators, sessions, the audit list and the limiter's counters. Every write is to
// one item, so the DynamoDB adapter needs no transactions. Missing items are errors wrapping
// booking.ErrNotFound, taken names booking.ErrConflict. Both adapters (shared/local/bolt,
// shared/aws/dynamo) pass the contract suite in shared/access/accesstest.
type Store interface {
	// AddOperator stores a new operator; a name already stored is ErrConflict.
	AddOperator(ctx context.Context, r OperatorRecord) error
	// GetOperator returns the operator with the name, or ErrNotFound.
	GetOperator(ctx context.Context, name string) (OperatorRecord, error)
	// Operators returns every operator, by name. Operators are few (people, not records).
	Operators(ctx context.Context) ([]OperatorRecord, error)
	// TouchOperator sets an operator's LastUsed; ErrNotFound when there is none (it never
	// brings a removed operator back).
	TouchOperator(ctx context.Context, name string, at time.Time) error
	// SetOperatorTimeZone sets an operator's TimeZone; ErrNotFound when there is none.
	SetOperatorTimeZone(ctx context.Context, name, zone string) error
	// RemoveOperator deletes an operator; ErrNotFound when there is none.
	RemoveOperator(ctx context.Context, name string) error

	// PutSession stores a session, replacing one with the same IDHash. It may be deleted once
	// Expires has passed.
	PutSession(ctx context.Context, s SessionRecord) error
	// GetSession returns the session whose ID has the hash, or ErrNotFound. An expired session
	// may still be returned (the caller checks Expires).
	GetSession(ctx context.Context, idHash string) (SessionRecord, error)
	// TouchSession moves a session's Touched and Expires; ErrNotFound when there is none (it
	// never brings a deleted session back).
	TouchSession(ctx context.Context, idHash string, touched, expires time.Time) error
	// DeleteSession deletes a session; deleting a missing one is no error.
	DeleteSession(ctx context.Context, idHash string) error

	// AddAuditEntry appends an entry to the audit list; it may be deleted after expires.
	AddAuditEntry(ctx context.Context, r AuditRecord, expires time.Time) error
	// AuditEntries returns up to limit entries, newest first (by Position, descending), those
	// before the position before when it is set, and whether more follow the last.
	AuditEntries(ctx context.Context, before string, limit int) ([]AuditRecord, bool, error)

	// Failures returns a client's count of failed tokens; zero when there is none.
	Failures(ctx context.Context, client string) (Failures, error)
	// AddFailure counts one more failure of client at now and returns the count after it. A
	// count whose Last is reset or more before now starts again at 1. The counter may be
	// deleted once reset has passed after its Last. Concurrent calls each count.
	AddFailure(ctx context.Context, client string, now time.Time, reset time.Duration) (Failures, error)
	// ClearFailures deletes a client's count; clearing a missing one is no error.
	ClearFailures(ctx context.Context, client string) error
}

// OperatorRecord is an operator as the store keeps it.
type OperatorRecord struct {
	Operator
	// TokenHash is the hex SHA-256 of the operator's token; "" for the admin token's operator,
	// whose record only keeps its settings and when it was last used.
	TokenHash string
}

// SessionRecord is a session as the store keeps it: by the hash of its ID, never the ID.
type SessionRecord struct {
	IDHash   string // hex SHA-256 of the session's ID (the cookie's value)
	Operator string // the operator's name
	// Credential is the hex SHA-256 of the token that signed in. The session ends when it no
	// longer matches the operator's (removed and added again, or the admin token rotated).
	Credential string
	CSRF       string
	Created    time.Time
	Touched    time.Time // when Expires was last moved on
	Expires    time.Time // when it ends if not used before
}

// AuditRecord is an entry of the audit list with its place in it.
type AuditRecord struct {
	Entry
	// Position orders the list: booking.Position of the entry's time and a random id, so two
	// entries of the same instant both stay.
	Position string
}

// Failures is a client address's count of failed tokens.
type Failures struct {
	Count int
	Last  time.Time // when the last one failed
}
