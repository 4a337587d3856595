package access

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// AdminToken is the name of the admin token's secret: ROOMKEEPER_ADMIN_TOKEN. Its holder is the
// operator "admin", with the admin role.
const AdminToken = "ROOMKEEPER_ADMIN_TOKEN"

// Defaults of Access.
const (
	DefaultIdleTimeout    = 12 * time.Hour       // a console session ends after this long unused
	DefaultAuditRetention = 365 * 24 * time.Hour // audit entries are kept this long
	// touchEvery is how stale a session's expiry or an operator's LastUsed may be before a use
	// writes it again: reads are cheap, writes on every request are not.
	touchEvery = time.Minute
)

// Secrets gives Access the admin token, by name (AdminToken). fresh asks for the newest value,
// bypassing a cache; Access asks for it after a token fails to match and when it moves a
// session on, so a rotated admin token is picked up and ends the sessions the old one began.
type Secrets interface {
	Secret(ctx context.Context, name string, fresh bool) (string, error)
}

// Access checks tokens and sessions, keeps the operators and records the audit list. Set its
// fields once in main; it is safe for concurrent use.
type Access struct {
	Store   Store
	Secrets Secrets
	Now     func() time.Time
	// Random is where tokens, session IDs and CSRF tokens come from; nil means crypto/rand.
	Random io.Reader
	// IdleTimeout ends a session unused this long; 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// AuditRetention is how long audit entries are kept; 0 means DefaultAuditRetention.
	AuditRetention time.Duration
}

// errBadToken says a token matched no operator.
var errBadToken = errors.New("no operator has this token")

func errInvalid(field, msg string) error { return booking.Errorf(booking.Invalid, field, "%s", msg) }

func (a *Access) now() time.Time { return a.Now() }

func (a *Access) random() io.Reader {
	if a.Random != nil {
		return a.Random
	}
	return rand.Reader
}

func (a *Access) idle() time.Duration {
	if a.IdleTimeout > 0 {
		return a.IdleTimeout
	}
	return DefaultIdleTimeout
}

// adminToken returns the admin token, "" when it is not configured. A token CheckToken refuses
// is an outage whose cause (logged, never answered) says why: nobody can use it.
func (a *Access) adminToken(ctx context.Context, fresh bool) (string, error) {
	t, err := a.Secrets.Secret(ctx, AdminToken, fresh)
	if err != nil {
		return "", booking.Outage(err)
	}
	if err := CheckToken(AdminToken, t); err != nil {
		return "", booking.Outage(err)
	}
	return t, nil
}

// Enabled reports whether operators can sign in at all: the admin token is configured. Without
// it the admin API and the console are off (they answer 404), operators' tokens included.
func (a *Access) Enabled(ctx context.Context) (bool, error) {
	t, err := a.adminToken(ctx, false)
	return t != "", err
}

// Authenticate returns the operator whose bearer token token is (the admin token's operator
// "admin", or an operator's), for a request from the client address client (an IP address, as
// httpapi.ClientAddr gives it). Errors are *booking.Error: NotFound when access is off (no admin
// token configured); Unauthorized for no token or one that matches nobody (counted against
// client); TooManyRequests, with RetryAfter, while client must wait after too many failures
// (the token is not even checked then); Unavailable when the store or the secret cannot be
// read, or the admin token is too weak to be used (CheckToken).
func (a *Access) Authenticate(ctx context.Context, token, client string) (Operator, error) {
	op, _, err := a.verify(ctx, token, client)
	return op, err
}

// verify is Authenticate, returning also the hash of the token that matched (a session's
// Credential).
func (a *Access) verify(ctx context.Context, token, client string) (Operator, string, error) {
	admin, err := a.adminToken(ctx, false)
	if err != nil {
		return Operator{}, "", err
	}
	if admin == "" {
		return Operator{}, "", booking.Errorf(booking.NotFound, "", "roomkeeper's admin access is off: %s is not set", AdminToken)
	}
	if token == "" {
		return Operator{}, "", booking.Errorf(booking.Unauthorized, "", "no token: send an operator's token or the admin token")
	}
	now := a.now()
	key := ClientKey(client)
	failed, err := a.Store.Failures(ctx, key)
	if err != nil {
		return Operator{}, "", booking.Outage(fmt.Errorf("read the failures of a client: %w", err))
	}
	if wait := failed.wait(now); wait > 0 {
		return Operator{}, "", &booking.Error{
			Code:       booking.TooManyRequests,
			Message:    fmt.Sprintf("too many wrong tokens from your address: try again in %s", wait.Round(time.Second)),
			RetryAfter: wait,
		}
	}
	op, credential, err := a.identify(ctx, admin, token)
	if errors.Is(err, errBadToken) {
		if _, err := a.Store.AddFailure(ctx, key, now, failureMemory); err != nil {
			return Operator{}, "", booking.Outage(fmt.Errorf("count a failed token: %w", err))
		}
		return Operator{}, "", booking.Errorf(booking.Unauthorized, "", "this token is not valid")
	}
	if err != nil {
		return Operator{}, "", err
	}
	if failed.Count > 0 {
		if err := a.Store.ClearFailures(ctx, key); err != nil {
			return Operator{}, "", booking.Outage(fmt.Errorf("clear the failures of a client: %w", err))
		}
	}
	if op, err = a.touch(ctx, op, now); err != nil {
		return Operator{}, "", err
	}
	return op, credential, nil
}

// identify finds whose token it is. A mismatch with the admin token reads it once more, fresh,
// so a rotated admin token works at once (Secrets limits how often).
func (a *Access) identify(ctx context.Context, admin, token string) (Operator, string, error) {
	if equalSecret(token, admin) {
		op, err := a.adminOperator(ctx)
		return op, hashSecret(token), err
	}
	if name, ok := tokenName(token); ok {
		r, err := a.Store.GetOperator(ctx, name)
		switch {
		case errors.Is(err, booking.ErrNotFound):
		case err != nil:
			return Operator{}, "", booking.Outage(fmt.Errorf("read operator %s: %w", name, err))
		case r.TokenHash != "" && equalSecret(hashSecret(token), r.TokenHash):
			return r.Operator, r.TokenHash, nil
		}
	}
	if fresh, err := a.adminToken(ctx, true); err == nil && fresh != "" && fresh != admin && equalSecret(token, fresh) {
		op, err := a.adminOperator(ctx)
		return op, hashSecret(token), err
	}
	return Operator{}, "", errBadToken
}

// adminOperator returns the admin token's operator with the settings its record keeps, if any.
func (a *Access) adminOperator(ctx context.Context) (Operator, error) {
	r, err := a.Store.GetOperator(ctx, AdminName)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return Operator{Name: AdminName, Role: Admin}, nil
	case err != nil:
		return Operator{}, booking.Outage(fmt.Errorf("read the admin token's operator: %w", err))
	}
	r.Role = Admin
	return r.Operator, nil
}

// touch records that op's token was used at now, unless LastUsed is already that recent. The
// admin token's operator gets its record on first use.
func (a *Access) touch(ctx context.Context, op Operator, now time.Time) (Operator, error) {
	if now.Sub(op.LastUsed) < touchEvery {
		return op, nil
	}
	err := a.Store.TouchOperator(ctx, op.Name, now)
	if errors.Is(err, booking.ErrNotFound) && op.Name == AdminName {
		err = a.adminRecord(ctx, now, func() error { return a.Store.TouchOperator(ctx, op.Name, now) })
		if op.Created.IsZero() {
			op.Created = now
		}
	}
	if errors.Is(err, booking.ErrNotFound) {
		return Operator{}, booking.Errorf(booking.Unauthorized, "", "this token is not valid")
	}
	if err != nil {
		return Operator{}, booking.Outage(fmt.Errorf("record operator %s's use: %w", op.Name, err))
	}
	op.LastUsed = now
	return op, nil
}

// adminRecord makes the admin token's operator's record, then runs change on it; a record made
// meanwhile by another request is just as good.
func (a *Access) adminRecord(ctx context.Context, now time.Time, change func() error) error {
	err := a.Store.AddOperator(ctx, OperatorRecord{Operator: Operator{Name: AdminName, Role: Admin, Created: now}})
	if err != nil && !errors.Is(err, booking.ErrConflict) {
		return err
	}
	return change()
}

// NewOperator is what AddOperator needs: the admin API's POST /v1/operators body.
type NewOperator struct {
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Email    string `json:"email,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
}

// AddOperator adds an operator on behalf of by, who must be an admin, and returns it with its
// token. The token is shown this once: the store keeps only its SHA-256. Every field at fault is
// an Invalid error naming it; a name taken (or "admin", the admin token's) is a Conflict.
func (a *Access) AddOperator(ctx context.Context, by Operator, n NewOperator) (Operator, string, error) {
	if err := by.Require(Admin); err != nil {
		return Operator{}, "", err
	}
	n.Name = strings.TrimSpace(n.Name)
	if err := CheckName(n.Name); err != nil {
		return Operator{}, "", err
	}
	if n.Name == AdminName {
		return Operator{}, "", booking.Errorf(booking.Conflict, "name", "%q is the admin token's operator: pick another name", AdminName)
	}
	if n.Role != Viewer && n.Role != Admin {
		return Operator{}, "", errInvalid("role", fmt.Sprintf("want %s or %s", Viewer, Admin))
	}
	op := Operator{Name: n.Name, Role: n.Role, Created: a.now()}
	if n.Email != "" {
		var err error
		if op.Email, err = booking.CheckEmail("email", n.Email); err != nil {
			return Operator{}, "", err
		}
	}
	if err := checkZone(n.TimeZone); err != nil {
		return Operator{}, "", err
	}
	op.TimeZone = n.TimeZone
	token, err := mintToken(a.random(), op.Name)
	if err != nil {
		return Operator{}, "", booking.Outage(err)
	}
	err = a.Store.AddOperator(ctx, OperatorRecord{Operator: op, TokenHash: hashSecret(token)})
	if errors.Is(err, booking.ErrConflict) {
		return Operator{}, "", booking.Errorf(booking.Conflict, "name", "there is already an operator named %q: remove it first, or pick another name", op.Name)
	}
	if err != nil {
		return Operator{}, "", booking.Outage(fmt.Errorf("add operator %s: %w", op.Name, err))
	}
	if err := a.Record(ctx, by, ActionOperatorAdd, op.Name); err != nil {
		return Operator{}, "", err
	}
	return op, token, nil
}

// Operators lists the operators, by name, for by, who must be an admin. The admin token's
// operator is always listed.
func (a *Access) Operators(ctx context.Context, by Operator) ([]Operator, error) {
	if err := by.Require(Admin); err != nil {
		return nil, err
	}
	records, err := a.Store.Operators(ctx)
	if err != nil {
		return nil, booking.Outage(fmt.Errorf("list operators: %w", err))
	}
	out := make([]Operator, 0, len(records)+1)
	for _, r := range records {
		if r.Name == AdminName {
			r.Role = Admin
		}
		out = append(out, r.Operator)
	}
	if !slices.ContainsFunc(out, func(o Operator) bool { return o.Name == AdminName }) {
		out = append(out, Operator{Name: AdminName, Role: Admin})
	}
	slices.SortFunc(out, func(x, y Operator) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// RemoveOperator removes the operator name on behalf of by, who must be an admin. Their token
// stops working at once, and their console sessions end on their next use. The admin token's
// operator cannot be removed (a Conflict: rotate the token instead); an unknown name is NotFound.
func (a *Access) RemoveOperator(ctx context.Context, by Operator, name string) error {
	if err := by.Require(Admin); err != nil {
		return err
	}
	if name == AdminName {
		return booking.Errorf(booking.Conflict, "", "%q is the admin token's operator: rotate %s instead", AdminName, AdminToken)
	}
	err := a.Store.RemoveOperator(ctx, name)
	if errors.Is(err, booking.ErrNotFound) {
		return booking.Errorf(booking.NotFound, "", "no operator named %q", name)
	}
	if err != nil {
		return booking.Outage(fmt.Errorf("remove operator %s: %w", name, err))
	}
	return a.Record(ctx, by, ActionOperatorRemove, name)
}

// SetTimeZone sets the zone op's pages show times in (an IANA name; "" for the deployment's,
// ROOMKEEPER_TIME_ZONE) and returns op with it. Any operator may set their own.
func (a *Access) SetTimeZone(ctx context.Context, op Operator, zone string) (Operator, error) {
	zone = strings.TrimSpace(zone)
	if err := checkZone(zone); err != nil {
		return Operator{}, err
	}
	err := a.Store.SetOperatorTimeZone(ctx, op.Name, zone)
	if errors.Is(err, booking.ErrNotFound) && op.Name == AdminName {
		err = a.adminRecord(ctx, a.now(), func() error { return a.Store.SetOperatorTimeZone(ctx, op.Name, zone) })
	}
	if errors.Is(err, booking.ErrNotFound) {
		return Operator{}, booking.Errorf(booking.NotFound, "", "no operator named %q", op.Name)
	}
	if err != nil {
		return Operator{}, booking.Outage(fmt.Errorf("set operator %s's time zone: %w", op.Name, err))
	}
	if err := a.Record(ctx, op, ActionOperatorTimeZone, op.Name); err != nil {
		return Operator{}, err
	}
	op.TimeZone = zone
	return op, nil
}

func checkZone(zone string) error {
	if zone == "" {
		return nil
	}
	return booking.CheckZone("timeZone", zone)
}

// Change runs change on behalf of by, who must be an admin, and records it in the audit list as
// action on the target change returns. A change that fails is not recorded. If the record cannot
// be written the change stands and an Unavailable error is returned, so the caller retries (every
// change is idempotent) and the retry is recorded. The admin API runs every route that changes
// something through it, and so must the console.
func (a *Access) Change(ctx context.Context, by Operator, action string, change func(context.Context) (target string, err error)) error {
	if err := by.Require(Admin); err != nil {
		return err
	}
	target, err := change(ctx)
	if err != nil {
		return err
	}
	return a.Record(ctx, by, action, target)
}

// Record appends an entry to the audit list: by did action to target, now. Anything shaped like
// an e-mail address in target is replaced by "<address>".
func (a *Access) Record(ctx context.Context, by Operator, action, target string) error {
	var id [8]byte
	if _, err := io.ReadFull(a.random(), id[:]); err != nil {
		return booking.Outage(fmt.Errorf("record %s: %w", action, err))
	}
	now := a.now()
	retention := a.AuditRetention
	if retention <= 0 {
		retention = DefaultAuditRetention
	}
	r := AuditRecord{
		Entry:    Entry{At: now, Operator: by.Name, Action: action, Target: booking.RedactAddresses(target)},
		Position: booking.Position(now, fmt.Sprintf("%x", id)),
	}
	if err := a.Store.AddAuditEntry(ctx, r, now.Add(retention)); err != nil {
		return booking.Outage(fmt.Errorf("record %s of %s: %w", action, target, err))
	}
	return nil
}

// AuditQuery asks for a page of the audit list.
type AuditQuery struct {
	Limit  int    // 1 to booking.MaxPageSize; 0 means booking.DefaultPageSize
	Cursor string // an earlier page's NextCursor; "" starts at the newest
}

// AuditPage is a page of the audit list, newest first: GET /v1/audit's answer.
type AuditPage struct {
	Entries    []Entry `json:"entries"`
	NextCursor string  `json:"nextCursor,omitempty"`
}

// Audit returns a page of the audit list, newest first, for by (any operator).
func (a *Access) Audit(ctx context.Context, by Operator, q AuditQuery) (AuditPage, error) {
	if err := by.Require(Viewer); err != nil {
		return AuditPage{}, err
	}
	n, err := booking.PageSize(q.Limit)
	if err != nil {
		return AuditPage{}, err
	}
	before, err := booking.DecodeCursor(q.Cursor)
	if err != nil {
		return AuditPage{}, err
	}
	records, more, err := a.Store.AuditEntries(ctx, before, n)
	if err != nil {
		return AuditPage{}, booking.Outage(fmt.Errorf("read the audit list: %w", err))
	}
	page := AuditPage{Entries: make([]Entry, 0, len(records))}
	for _, r := range records {
		page.Entries = append(page.Entries, r.Entry)
	}
	if more && len(records) > 0 {
		page.NextCursor = booking.EncodeCursor(records[len(records)-1].Position)
	}
	return page, nil
}
