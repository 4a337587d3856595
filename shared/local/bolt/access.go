package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// The access.Store buckets:
//   - "operators": name → JSON of access.OperatorRecord (the SHA-256 of the token, never the token);
//   - "sessions": SHA-256 of the session ID → big-endian expiry, then JSON of access.SessionRecord;
//   - "audit": the entry's Position → big-endian expiry, then JSON of access.Entry;
//   - "limits": the client's key → big-endian expiry, then JSON of access.Failures.
//
// Sessions, audit entries and counters start with their expiry, as the seen, usage and people
// entries do, so Purge deletes them alike.
var (
	operatorsBucket = []byte("operators")
	sessionsBucket  = []byte("sessions")
	auditBucket     = []byte("audit")
	limitsBucket    = []byte("limits")
)

var _ access.Store = (*Store)(nil)

// AddOperator stores a new operator; a name already stored is booking.ErrConflict.
func (s *Store) AddOperator(ctx context.Context, r access.OperatorRecord) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("add operator %s: %w", r.Name, err)
	}
	if r.Name == "" {
		return errors.New("add operator: empty name")
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("add operator %s: encode: %w", r.Name, err)
	}
	err = s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(operatorsBucket)
		if b.Get([]byte(r.Name)) != nil {
			return booking.ErrConflict
		}
		return b.Put([]byte(r.Name), data)
	})
	if err != nil {
		return fmt.Errorf("add operator %s: %w", r.Name, err)
	}
	return nil
}

// GetOperator returns the operator with the name, or booking.ErrNotFound.
func (s *Store) GetOperator(ctx context.Context, name string) (access.OperatorRecord, error) {
	if err := ctx.Err(); err != nil {
		return access.OperatorRecord{}, fmt.Errorf("get operator %s: %w", name, err)
	}
	var r access.OperatorRecord
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		r, err = s.loadOperator(tx, name)
		return err
	})
	if err != nil {
		return access.OperatorRecord{}, fmt.Errorf("get operator %s: %w", name, err)
	}
	return r, nil
}

func (s *Store) loadOperator(tx *bbolt.Tx, name string) (access.OperatorRecord, error) {
	s.reads.Add(1)
	data := tx.Bucket(operatorsBucket).Get([]byte(name))
	if data == nil {
		return access.OperatorRecord{}, booking.ErrNotFound
	}
	var r access.OperatorRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return access.OperatorRecord{}, fmt.Errorf("decode: %w", err)
	}
	return r, nil
}

// Operators returns every operator, by name.
func (s *Store) Operators(ctx context.Context) ([]access.OperatorRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	var out []access.OperatorRecord
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(operatorsBucket).ForEach(func(k, _ []byte) error {
			r, err := s.loadOperator(tx, string(k))
			out = append(out, r)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	return out, nil
}

// TouchOperator sets an operator's LastUsed; booking.ErrNotFound when there is none.
func (s *Store) TouchOperator(ctx context.Context, name string, at time.Time) error {
	return s.updateOperator(ctx, name, "record the use of", func(r *access.OperatorRecord) { r.LastUsed = at })
}

// SetOperatorTimeZone sets an operator's TimeZone; booking.ErrNotFound when there is none.
func (s *Store) SetOperatorTimeZone(ctx context.Context, name, zone string) error {
	return s.updateOperator(ctx, name, "set the time zone of", func(r *access.OperatorRecord) { r.TimeZone = zone })
}

func (s *Store) updateOperator(ctx context.Context, name, what string, change func(*access.OperatorRecord)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s operator %s: %w", what, name, err)
	}
	err := s.update(func(tx *bbolt.Tx) error {
		r, err := s.loadOperator(tx, name)
		if err != nil {
			return err
		}
		change(&r)
		data, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return tx.Bucket(operatorsBucket).Put([]byte(name), data)
	})
	if err != nil {
		return fmt.Errorf("%s operator %s: %w", what, name, err)
	}
	return nil
}

// RemoveOperator deletes an operator; booking.ErrNotFound when there is none.
func (s *Store) RemoveOperator(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("remove operator %s: %w", name, err)
	}
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(operatorsBucket)
		if b.Get([]byte(name)) == nil {
			return booking.ErrNotFound
		}
		return b.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("remove operator %s: %w", name, err)
	}
	return nil
}

// PutSession stores a session, replacing one with the same IDHash.
func (s *Store) PutSession(ctx context.Context, r access.SessionRecord) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	if r.IDHash == "" {
		return errors.New("put session: empty id hash")
	}
	err := s.update(func(tx *bbolt.Tx) error { return putExpiring(tx, sessionsBucket, r.IDHash, r.Expires, r) })
	if err != nil {
		return fmt.Errorf("put session of %s: %w", r.Operator, err)
	}
	return nil
}

// GetSession returns the session whose ID has the hash, or booking.ErrNotFound.
func (s *Store) GetSession(ctx context.Context, idHash string) (access.SessionRecord, error) {
	if err := ctx.Err(); err != nil {
		return access.SessionRecord{}, fmt.Errorf("get session: %w", err)
	}
	var r access.SessionRecord
	err := s.db.View(func(tx *bbolt.Tx) error { return s.getExpiring(tx, sessionsBucket, idHash, &r) })
	if err != nil {
		return access.SessionRecord{}, fmt.Errorf("get session: %w", err)
	}
	return r, nil
}

// TouchSession moves a session's Touched and Expires; booking.ErrNotFound when there is none.
func (s *Store) TouchSession(ctx context.Context, idHash string, touched, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	err := s.update(func(tx *bbolt.Tx) error {
		var r access.SessionRecord
		if err := s.getExpiring(tx, sessionsBucket, idHash, &r); err != nil {
			return err
		}
		r.Touched, r.Expires = touched, expires
		return putExpiring(tx, sessionsBucket, idHash, expires, r)
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession deletes a session; deleting a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	err := s.update(func(tx *bbolt.Tx) error { return tx.Bucket(sessionsBucket).Delete([]byte(idHash)) })
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AddAuditEntry appends an entry to the audit list, to be purged after expires.
func (s *Store) AddAuditEntry(ctx context.Context, r access.AuditRecord, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("add audit entry: %w", err)
	}
	if r.Position == "" {
		return errors.New("add audit entry: empty position")
	}
	err := s.update(func(tx *bbolt.Tx) error { return putExpiring(tx, auditBucket, r.Position, expires, r.Entry) })
	if err != nil {
		return fmt.Errorf("add audit entry %s: %w", r.Action, err)
	}
	return nil
}

// AuditEntries returns up to limit entries before the position before (or from the newest),
// newest first, reading only those and the one after them.
func (s *Store) AuditEntries(ctx context.Context, before string, limit int) ([]access.AuditRecord, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("read the audit list: %w", err)
	}
	var out []access.AuditRecord
	more := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(auditBucket).Cursor()
		var k, v []byte
		if before == "" {
			k, v = c.Last()
		} else if k, _ = c.Seek([]byte(before)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			s.reads.Add(1)
			if before != "" && string(k) >= before {
				continue
			}
			if len(out) == limit {
				more = true
				return nil
			}
			r := access.AuditRecord{Position: string(k)}
			if err := json.Unmarshal(v[timeLen:], &r.Entry); err != nil {
				return fmt.Errorf("decode audit entry %s: %w", k, err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read the audit list: %w", err)
	}
	return out, more, nil
}

// Failures returns a client's count of failed tokens; zero when there is none.
func (s *Store) Failures(ctx context.Context, client string) (access.Failures, error) {
	if err := ctx.Err(); err != nil {
		return access.Failures{}, fmt.Errorf("read failures: %w", err)
	}
	var f access.Failures
	err := s.db.View(func(tx *bbolt.Tx) error {
		err := s.getExpiring(tx, limitsBucket, client, &f)
		if errors.Is(err, booking.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return access.Failures{}, fmt.Errorf("read failures: %w", err)
	}
	return f, nil
}

// AddFailure counts one more failure of client at now, in one transaction; a count reset or
// more old starts again at 1.
func (s *Store) AddFailure(ctx context.Context, client string, now time.Time, reset time.Duration) (access.Failures, error) {
	if err := ctx.Err(); err != nil {
		return access.Failures{}, fmt.Errorf("count a failure: %w", err)
	}
	var f access.Failures
	err := s.update(func(tx *bbolt.Tx) error {
		err := s.getExpiring(tx, limitsBucket, client, &f)
		if err != nil && !errors.Is(err, booking.ErrNotFound) {
			return err
		}
		if err != nil || !now.Before(f.Last.Add(reset)) {
			f = access.Failures{}
		}
		f.Count++
		f.Last = now
		return putExpiring(tx, limitsBucket, client, now.Add(reset), f)
	})
	if err != nil {
		return access.Failures{}, fmt.Errorf("count a failure: %w", err)
	}
	return f, nil
}

// ClearFailures deletes a client's count.
func (s *Store) ClearFailures(ctx context.Context, client string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("clear failures: %w", err)
	}
	err := s.update(func(tx *bbolt.Tx) error { return tx.Bucket(limitsBucket).Delete([]byte(client)) })
	if err != nil {
		return fmt.Errorf("clear failures: %w", err)
	}
	return nil
}

// putExpiring writes v as JSON under key, after its expiry.
func putExpiring(tx *bbolt.Tx, bucket []byte, key string, expires time.Time, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return tx.Bucket(bucket).Put([]byte(key), append(encodeTime(expires), data...))
}

// getExpiring reads the JSON under key, after its expiry, into v; booking.ErrNotFound when the
// key is missing.
func (s *Store) getExpiring(tx *bbolt.Tx, bucket []byte, key string, v any) error {
	s.reads.Add(1)
	data := tx.Bucket(bucket).Get([]byte(key))
	if data == nil {
		return booking.ErrNotFound
	}
	if len(data) < timeLen {
		return fmt.Errorf("decode %s entry: too short", bucket)
	}
	if err := json.Unmarshal(data[timeLen:], v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}
