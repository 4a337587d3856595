package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// errSignedOut is the answer to a session that is gone, ended or never was.
var errSignedOut = booking.Errorf(booking.Unauthorized, "", "you are signed out: sign in again")

// SignIn checks token as Authenticate does (the same limiter counts a wrong one against client)
// and begins a console session for its operator: a random ID of 256 bits, of which the store
// keeps only the SHA-256, and a CSRF token for its forms. The sign-in is recorded in the audit
// list. Errors are Authenticate's.
func (a *Access) SignIn(ctx context.Context, token, client string) (Session, error) {
	op, credential, err := a.verify(ctx, token, client)
	if err != nil {
		return Session{}, err
	}
	id, err := randomSecret(a.random())
	if err != nil {
		return Session{}, booking.Outage(err)
	}
	csrf, err := randomSecret(a.random())
	if err != nil {
		return Session{}, booking.Outage(err)
	}
	now := a.now()
	r := SessionRecord{
		IDHash: hashSecret(id), Operator: op.Name, Credential: credential, CSRF: csrf,
		Created: now, Touched: now, Expires: now.Add(a.idle()),
	}
	if err := a.Store.PutSession(ctx, r); err != nil {
		return Session{}, booking.Outage(fmt.Errorf("begin a session of %s: %w", op.Name, err))
	}
	if err := a.Record(ctx, op, ActionSignIn, op.Name); err != nil {
		return Session{}, err
	}
	return Session{ID: id, Operator: op, CSRF: csrf, Expires: r.Expires}, nil
}

// Session returns the session whose ID id is (the cookie's value), with its operator as the
// store has it now (role, e-mail, time zone). It ends the session, and answers Unauthorized,
// when it has been idle for IdleTimeout, its operator was removed, its operator's token is not
// the one that signed in, or the admin token was rotated (for the admin token's operator) or
// unset. A use more than a minute after the last one moves Expires on by IdleTimeout, so most
// requests read and never write. A malformed id costs no read.
func (a *Access) Session(ctx context.Context, id string) (Session, error) {
	if !isSecret(id) {
		return Session{}, errSignedOut
	}
	h := hashSecret(id)
	r, err := a.Store.GetSession(ctx, h)
	if errors.Is(err, booking.ErrNotFound) {
		return Session{}, errSignedOut
	}
	if err != nil {
		return Session{}, booking.Outage(fmt.Errorf("read a session: %w", err))
	}
	now := a.now()
	slide := now.Sub(r.Touched) >= touchEvery
	op, current, err := a.holder(ctx, r, slide)
	if err != nil {
		return Session{}, err
	}
	if !current || !now.Before(r.Expires) {
		if err := a.Store.DeleteSession(ctx, h); err != nil {
			return Session{}, booking.Outage(fmt.Errorf("end a session of %s: %w", r.Operator, err))
		}
		return Session{}, errSignedOut
	}
	if slide {
		r.Touched, r.Expires = now, now.Add(a.idle())
		err := a.Store.TouchSession(ctx, h, r.Touched, r.Expires)
		if errors.Is(err, booking.ErrNotFound) { // signed out meanwhile
			return Session{}, errSignedOut
		}
		if err != nil {
			return Session{}, booking.Outage(fmt.Errorf("move a session of %s on: %w", r.Operator, err))
		}
		if op, err = a.touch(ctx, op, now); err != nil {
			return Session{}, err
		}
	}
	return Session{ID: id, Operator: op, CSRF: r.CSRF, Expires: r.Expires}, nil
}

// holder returns the operator of session r, and whether the token that began it is still theirs.
// For the admin token's operator the admin token is read fresh when it differs or when fresh is
// set (at most once a minute per session: when the session is moved on), so a rotation ends its
// sessions within about a minute even where the token is cached.
func (a *Access) holder(ctx context.Context, r SessionRecord, fresh bool) (Operator, bool, error) {
	admin, err := a.adminToken(ctx, false)
	if err != nil || admin == "" {
		return Operator{}, false, err
	}
	if r.Operator == AdminName {
		if fresh || !equalSecret(hashSecret(admin), r.Credential) {
			if admin, err = a.adminToken(ctx, true); err != nil || admin == "" {
				return Operator{}, false, err
			}
		}
		if !equalSecret(hashSecret(admin), r.Credential) {
			return Operator{}, false, nil
		}
		op, err := a.adminOperator(ctx)
		return op, err == nil, err
	}
	op, err := a.Store.GetOperator(ctx, r.Operator)
	if errors.Is(err, booking.ErrNotFound) {
		return Operator{}, false, nil
	}
	if err != nil {
		return Operator{}, false, booking.Outage(fmt.Errorf("read operator %s: %w", r.Operator, err))
	}
	return op.Operator, op.TokenHash != "" && equalSecret(op.TokenHash, r.Credential), nil
}

// SignOut ends the session whose ID id is. Ending one that is gone is no error.
func (a *Access) SignOut(ctx context.Context, id string) error {
	if !isSecret(id) {
		return nil
	}
	if err := a.Store.DeleteSession(ctx, hashSecret(id)); err != nil {
		return booking.Outage(fmt.Errorf("end a session: %w", err))
	}
	return nil
}

// The limiter: a client address may fail FreeFailures times; after that each token it sends
// waits firstDelay, doubled with every further failure, up to MaxDelay, after its last failure.
// A client with no failure for failureMemory starts afresh; a token that works clears its count.
const (
	FreeFailures  = 5
	MaxDelay      = 15 * time.Minute
	firstDelay    = time.Second
	failureMemory = time.Hour
)

// delay is how long after its last failure a client that has failed count times must wait.
func delay(count int) time.Duration {
	if count < FreeFailures {
		return 0
	}
	shift := count - FreeFailures
	if shift >= 20 {
		return MaxDelay
	}
	return min(firstDelay<<shift, MaxDelay)
}

// wait returns how long from now the client must wait before a token of theirs is checked.
func (f Failures) wait(now time.Time) time.Duration {
	if f.Count == 0 || now.Sub(f.Last) >= failureMemory {
		return 0
	}
	return max(f.Last.Add(delay(f.Count)).Sub(now), 0)
}
