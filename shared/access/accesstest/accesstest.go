// Package accesstest is an in-memory stand-in for the operator store of shared/access: named
// operators with a role and a bearer token, of which only the SHA-256 is kept; console sessions
// looked up by the hash of their id, ending after Idle without use, each with its own CSRF
// token; and the audit list, newest first. It answers with the same coded errors
// (*booking.Error) the real store gives, so the console's tests and the local server can run
// against it until that store is wired in; nothing survives a restart.
package accesstest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"sync"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Idle is how long a session lasts without use.
const Idle = 12 * time.Hour

// Access holds operators, sessions and the audit list. Its methods are safe for concurrent use.
type Access struct {
	now func() time.Time

	mu        sync.Mutex
	operators map[string]*access.Operator // by name
	tokens    map[[32]byte]string         // SHA-256 of a token → operator name
	sessions  map[[32]byte]*session       // SHA-256 of a session id → session
	audit     []access.Entry              // oldest first
}

type session struct {
	operator string
	csrf     string
	expires  time.Time
}

// New returns an empty Access reading the time from now (nil: time.Now).
func New(now func() time.Time) *Access {
	if now == nil {
		now = time.Now
	}
	return &Access{
		now:       now,
		operators: map[string]*access.Operator{},
		tokens:    map[[32]byte]string{},
		sessions:  map[[32]byte]*session{},
	}
}

// Add adds an operator who signs in with token, or replaces one of the same name (whose old
// token and sessions end). The real store's checks of a token's strength are not made here.
func (a *Access) Add(op access.Operator, token string) error {
	if op.Name == "" || (op.Role != access.Viewer && op.Role != access.Admin) || token == "" {
		return booking.Errorf(booking.Invalid, "operator", "an operator needs a name, the role viewer or admin, and a token")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.remove(op.Name)
	a.operators[op.Name] = &op
	a.tokens[sha256.Sum256([]byte(token))] = op.Name
	return nil
}

// Remove removes an operator; their sessions end.
func (a *Access) Remove(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.remove(name)
}

func (a *Access) remove(name string) {
	delete(a.operators, name)
	for h, n := range a.tokens {
		if n == name {
			delete(a.tokens, h)
		}
	}
	for h, s := range a.sessions {
		if s.operator == name {
			delete(a.sessions, h)
		}
	}
}

var errSignIn = booking.Errorf(booking.Unauthorized, "token", "this token is not valid: check it and try again")

// SignIn starts a session for the operator whose token this is. client (the address the
// request came from) is not limited here: the real store slows failed sign-ins per client.
func (a *Access) SignIn(_ context.Context, token, _ string) (access.Session, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	name, ok := a.tokens[sha256.Sum256([]byte(token))]
	if !ok || token == "" {
		return access.Session{}, errSignIn
	}
	id, csrf := random(), random()
	s := &session{operator: name, csrf: csrf, expires: a.now().Add(Idle)}
	a.sessions[sha256.Sum256([]byte(id))] = s
	return access.Session{ID: id, Operator: *a.operators[name], CSRF: csrf, Expires: s.expires}, nil
}

var errSession = booking.Errorf(booking.Unauthorized, "", "your session has ended: sign in again")

// Session returns a session by its id and moves its expiry on; an unknown or expired one is
// Unauthorized.
func (a *Access) Session(_ context.Context, id string) (access.Session, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := sha256.Sum256([]byte(id))
	s, ok := a.sessions[h]
	now := a.now()
	if !ok || id == "" {
		return access.Session{}, errSession
	}
	if !now.Before(s.expires) {
		delete(a.sessions, h)
		return access.Session{}, errSession
	}
	op := a.operators[s.operator]
	s.expires = now.Add(Idle)
	return access.Session{ID: id, Operator: *op, CSRF: s.csrf, Expires: s.expires}, nil
}

// SignOut ends a session; an unknown one is no error.
func (a *Access) SignOut(_ context.Context, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, sha256.Sum256([]byte(id)))
	return nil
}

// Record adds a line to the audit list.
func (a *Access) Record(_ context.Context, by access.Operator, action, target string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.audit = append(a.audit, access.Entry{At: a.now(), Operator: by.Name, Action: action, Target: target})
	return nil
}

// Audit returns up to limit entries of the audit list, newest first, starting after cursor ("":
// the newest), and the cursor of the next page ("" when there is none).
func (a *Access) Audit(_ context.Context, cursor string, limit int) ([]access.Entry, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	end := len(a.audit) // entries [0, end) are still to give, newest last
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 || n > len(a.audit) {
			return nil, "", booking.Errorf(booking.Invalid, "cursor", "is not a cursor this list gave")
		}
		end = n
	}
	var out []access.Entry
	for i := end - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, a.audit[i])
	}
	next := ""
	if rest := end - len(out); rest > 0 {
		next = strconv.Itoa(rest)
	}
	return out, next, nil
}

// SetTimeZone sets the zone an operator's pages show times in: an IANA name, or "" for the
// deployment's.
func (a *Access) SetTimeZone(_ context.Context, operator, zone string) error {
	if zone != "" {
		if err := booking.CheckZone("timeZone", zone); err != nil {
			return err
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	op, ok := a.operators[operator]
	if !ok {
		return booking.Errorf(booking.NotFound, "", "no operator named %q", operator)
	}
	op.TimeZone = zone
	return nil
}

// random returns 256 random bits, base64url.
func random() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
