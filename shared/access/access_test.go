package access_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
)

// adminToken is a token of 256 random bits, as the local server generates.
var adminToken = base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// secrets serves the admin token: cached until a fresh read, which picks up current.
type secrets struct {
	mu              sync.Mutex
	cached, current string
	fresh           int
}

func (s *secrets) Secret(_ context.Context, name string, fresh bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name != access.AdminToken {
		return "", nil
	}
	if fresh {
		s.fresh++
		s.cached = s.current
	}
	return s.cached, nil
}

// rotate makes next the admin token; the cached one stays until a fresh read.
func (s *secrets) rotate(next string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current = next
}

// writes counts the store's writes, to show which uses write.
type writes struct {
	access.Store
	mu sync.Mutex
	n  map[string]int
}

func (w *writes) count(what string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n[what]++
}

func (w *writes) get(what string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[what]
}

func (w *writes) TouchSession(ctx context.Context, h string, touched, expires time.Time) error {
	w.count("session")
	return w.Store.TouchSession(ctx, h, touched, expires)
}

func (w *writes) TouchOperator(ctx context.Context, name string, at time.Time) error {
	w.count("operator")
	return w.Store.TouchOperator(ctx, name, at)
}

type fixture struct {
	a       *access.Access
	store   *bolt.Store
	writes  *writes
	secrets *secrets
	now     time.Time
	admin   access.Operator
}

func (f *fixture) clock() time.Time { return f.now }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "roomkeeper.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &fixture{
		store:   st,
		writes:  &writes{Store: st, n: map[string]int{}},
		secrets: &secrets{cached: adminToken, current: adminToken},
		now:     time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
	}
	f.a = &access.Access{Store: f.writes, Secrets: f.secrets, Now: f.clock}
	f.admin, err = f.a.Authenticate(t.Context(), adminToken, "127.0.0.1")
	require.NoError(t, err)
	return f
}

// add adds an operator as the admin and returns their token.
func (f *fixture) add(t *testing.T, name string, role access.Role) string {
	t.Helper()
	_, token, err := f.a.AddOperator(t.Context(), f.admin, access.NewOperator{Name: name, Role: role})
	require.NoError(t, err)
	return token
}

func requireCode(t *testing.T, want booking.Code, err error) *booking.Error {
	t.Helper()
	require.Error(t, err)
	var e *booking.Error
	require.True(t, errors.As(err, &e), "want a *booking.Error, got %v", err)
	require.Equal(t, want, e.Code, "%v", err)
	return e
}

func TestTokenBits(t *testing.T) {
	random := make([]byte, 32)
	_, _ = rand.Read(random)
	tests := []struct {
		token string
		bits  float64 // the estimate, when it is exact enough to state
		ok    bool
	}{
		{"", 0, true}, // not configured
		{"password1", 9 * 5.170, false},
		{strings.Repeat("z", 27), 27 * 4.700, false},
		{strings.Repeat("z", 28), 28 * 4.700, true},  // the estimate's blind spot: patterns
		{strings.Repeat("a", 32), 32 * 2.585, false}, // a–f only: hex letters
		{hex.EncodeToString(random[:16]), 128, true},
		{strings.ToUpper(hex.EncodeToString(random[:16])), 128, true},
		{hex.EncodeToString(random[:15]), 120, false},
		{"f47ac10b-58cc-4372-a567-0e02b2c3d479", 122, false},    // a UUID: 122 random bits
		{base64.RawURLEncoding.EncodeToString(random), 0, true}, // what the local server generates
		{base64.StdEncoding.EncodeToString(random), 0, true},    // openssl rand -base64 32
		{rand.Text(), 0, true},                                  // 26 base32 characters: 130 bits
		{"has a space in it and is long enough to pass otherwise", 0, false},
		{"tab\tseparated-and-long-enough-to-pass-the-estimate-0123", 0, false},
	}
	for _, tt := range tests {
		bits := access.TokenBits(tt.token)
		if tt.bits > 0 {
			assert.InDelta(t, tt.bits, bits, 0.1, "TokenBits(%q)", tt.token)
		}
		err := access.CheckToken("ROOMKEEPER_ADMIN_TOKEN", tt.token)
		if tt.ok {
			assert.NoError(t, err, "%q (%.1f bits)", tt.token, bits)
			continue
		}
		if assert.Error(t, err, "%q (%.1f bits)", tt.token, bits) {
			assert.Contains(t, err.Error(), "ROOMKEEPER_ADMIN_TOKEN is refused")
			assert.NotContains(t, err.Error(), tt.token, "the error never repeats the token")
		}
	}
}

// TestMintedTokensPassTheirOwnRule: the tokens AddOperator mints carry 256 random bits.
func TestMintedTokensPassTheirOwnRule(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"a", "front-desk", strings.Repeat("z", 32)} {
		token := f.add(t, name, access.Viewer)
		require.NoError(t, access.CheckToken("token", token))
		secret := strings.TrimPrefix(token, "rko_"+name+"_")
		raw, err := base64.RawURLEncoding.DecodeString(secret)
		require.NoError(t, err)
		assert.Len(t, raw, 32)
	}
}

func TestRequireIsTheOneRuleOfRoles(t *testing.T) {
	viewer := access.Operator{Name: "bob", Role: access.Viewer}
	admin := access.Operator{Name: "ada", Role: access.Admin}
	nobody := access.Operator{Name: "eve", Role: "root"}
	assert.NoError(t, viewer.Require(access.Viewer))
	assert.NoError(t, admin.Require(access.Viewer))
	assert.NoError(t, admin.Require(access.Admin))
	e := requireCode(t, booking.Forbidden, viewer.Require(access.Admin))
	assert.Contains(t, e.Message, "admin role")
	assert.Contains(t, e.Message, `"bob" is a viewer`)
	requireCode(t, booking.Forbidden, nobody.Require(access.Viewer))
	requireCode(t, booking.Forbidden, access.Operator{}.Require(access.Viewer))
	assert.False(t, viewer.CanChange())
	assert.True(t, admin.CanChange())
}

func TestAuthenticate(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	assert.Equal(t, access.Operator{Name: "admin", Role: access.Admin, Created: f.now, LastUsed: f.now}, f.admin,
		"the admin token is the first admin; its record is made on first use")
	token := f.add(t, "bob", access.Viewer)
	assert.True(t, strings.HasPrefix(token, "rko_bob_"), token)
	assert.GreaterOrEqual(t, access.TokenBits(strings.TrimPrefix(token, "rko_bob_")), 128.0)

	bob, err := f.a.Authenticate(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	assert.Equal(t, "bob", bob.Name)
	assert.Equal(t, access.Viewer, bob.Role)

	for name, tok := range map[string]string{
		"a token of nobody's":       "rko_bob_" + strings.Repeat("A", 43),
		"the admin token, mangled":  adminToken + "x",
		"an unknown operator":       "rko_carol_" + strings.TrimPrefix(token, "rko_bob_"),
		"another operator's secret": "rko_admin_" + strings.TrimPrefix(token, "rko_bob_"),
	} {
		_, err := f.a.Authenticate(ctx, tok, "192.0.2.1")
		e := requireCode(t, booking.Unauthorized, err)
		assert.NotContains(t, e.Message, tok, name)
	}
	requireCode(t, booking.Unauthorized, func() error { _, err := f.a.Authenticate(ctx, "", "192.0.2.1"); return err }())
	failed, err := f.store.Failures(ctx, access.ClientKey("192.0.2.1"))
	require.NoError(t, err)
	assert.Equal(t, 4, failed.Count, "wrong tokens count; no token at all does not")

	_, err = f.a.Authenticate(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	failed, err = f.store.Failures(ctx, access.ClientKey("192.0.2.1"))
	require.NoError(t, err)
	assert.Zero(t, failed.Count, "a token that works clears the count")

	require.NoError(t, f.a.RemoveOperator(ctx, f.admin, "bob"))
	_, err = f.a.Authenticate(ctx, token, "192.0.2.1")
	requireCode(t, booking.Unauthorized, err)
}

func TestAdminTokenRotationAndSettings(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	next := rand.Text() + rand.Text()
	f.secrets.rotate(next)
	op, err := f.a.Authenticate(ctx, next, "192.0.2.1")
	require.NoError(t, err, "a rotated admin token works at once: a mismatch reads the secret fresh")
	assert.Equal(t, "admin", op.Name)
	_, err = f.a.Authenticate(ctx, adminToken, "192.0.2.1")
	requireCode(t, booking.Unauthorized, err)

	f.secrets.rotate("")
	f.secrets.cached = ""
	_, err = f.a.Authenticate(ctx, next, "192.0.2.1")
	requireCode(t, booking.NotFound, err)

	weak := "short-and-simple"
	f.secrets.cached, f.secrets.current = weak, weak
	_, err = f.a.Authenticate(ctx, weak, "192.0.2.1")
	requireCode(t, booking.Unavailable, err)
	assert.Contains(t, err.Error(), "refused", "the cause, for the log, says why")
	assert.NotContains(t, err.Error(), weak)
}

func TestLimiter(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	token := f.add(t, "bob", access.Viewer)
	bad := "rko_bob_" + strings.Repeat("A", 43)
	attempt := func(tok, client string) error {
		_, err := f.a.Authenticate(ctx, tok, client)
		return err
	}
	for i := range access.FreeFailures {
		requireCode(t, booking.Unauthorized, attempt(bad, "192.0.2.1"))
		_ = i
	}
	e := requireCode(t, booking.TooManyRequests, attempt(bad, "192.0.2.1"))
	assert.Equal(t, time.Second, e.RetryAfter)
	e = requireCode(t, booking.TooManyRequests, attempt(token, "192.0.2.1"))
	assert.Equal(t, time.Second, e.RetryAfter, "while a client waits, even its right token is not checked")
	e = requireCode(t, booking.TooManyRequests, func() error { _, err := f.a.SignIn(ctx, token, "192.0.2.1"); return err }())
	assert.Equal(t, time.Second, e.RetryAfter, "sign-ins and bearer tokens share the limiter")
	require.NoError(t, attempt(token, "192.0.2.2"), "another address is not slowed")

	f.now = f.now.Add(time.Second)
	requireCode(t, booking.Unauthorized, attempt(bad, "192.0.2.1"))
	e = requireCode(t, booking.TooManyRequests, attempt(bad, "192.0.2.1"))
	assert.Equal(t, 2*time.Second, e.RetryAfter, "each failure doubles the wait")
	for range 20 {
		f.now = f.now.Add(access.MaxDelay)
		requireCode(t, booking.Unauthorized, attempt(bad, "192.0.2.1"))
	}
	e = requireCode(t, booking.TooManyRequests, attempt(bad, "192.0.2.1"))
	assert.Equal(t, access.MaxDelay, e.RetryAfter, "up to MaxDelay")

	f.now = f.now.Add(access.MaxDelay)
	require.NoError(t, attempt(token, "192.0.2.1"), "after the wait the right token works")
	for range access.FreeFailures {
		requireCode(t, booking.Unauthorized, attempt(bad, "192.0.2.1"))
	}
	requireCode(t, booking.TooManyRequests, attempt(bad, "192.0.2.1"))
	f.now = f.now.Add(time.Hour)
	requireCode(t, booking.Unauthorized, attempt(bad, "192.0.2.1")) // an hour without failures forgives

	for range access.FreeFailures {
		requireCode(t, booking.Unauthorized, attempt(bad, "2001:db8:1:2::1"))
	}
	requireCode(t, booking.TooManyRequests, attempt(bad, "2001:db8:1:2:ffff::9")) // an IPv6 client is limited by its /64
	require.NoError(t, attempt(token, "2001:db8:1:3::1"))
}

func TestClientKey(t *testing.T) {
	assert.Equal(t, access.ClientKey("192.0.2.1"), access.ClientKey("192.0.2.1:4711"), "a port changes nothing")
	assert.Equal(t, access.ClientKey("192.0.2.1"), access.ClientKey("::ffff:192.0.2.1"))
	assert.NotEqual(t, access.ClientKey("192.0.2.1"), access.ClientKey("192.0.2.2"))
	assert.Equal(t, access.ClientKey("2001:db8::1"), access.ClientKey("[2001:db8::ffff]:80"))
	assert.NotEqual(t, access.ClientKey("2001:db8::1"), access.ClientKey("2001:db8:0:1::1"))
	assert.Equal(t, access.ClientKey(""), access.ClientKey("not an address"))
	assert.NotContains(t, access.ClientKey("192.0.2.1"), "192", "the store holds no address")
}

func TestSessions(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	token := f.add(t, "bob", access.Viewer)
	s, err := f.a.SignIn(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	assert.Equal(t, "bob", s.Operator.Name)
	assert.Equal(t, f.now.Add(access.DefaultIdleTimeout), s.Expires)
	assert.Len(t, s.ID, 43)
	assert.True(t, s.CheckCSRF(s.CSRF))
	assert.False(t, s.CheckCSRF(""))
	assert.False(t, s.CheckCSRF(s.CSRF[:42]))
	assert.False(t, access.Session{}.CheckCSRF(""), "the zero session accepts no CSRF token")

	got, err := f.a.Session(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, s, got)

	// Uses within a minute write nothing; a later one moves the expiry on.
	before := f.writes.get("session")
	f.now = f.now.Add(59 * time.Second)
	_, err = f.a.Session(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, before, f.writes.get("session"), "a use within a minute writes nothing")
	f.now = f.now.Add(time.Second)
	got, err = f.a.Session(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, before+1, f.writes.get("session"))
	assert.Equal(t, f.now.Add(access.DefaultIdleTimeout), got.Expires, "sliding: 12 hours from the last use")

	// Idle for 12 hours minus a second: still there; the expiry slides again.
	f.now = got.Expires.Add(-time.Second)
	got, err = f.a.Session(ctx, s.ID)
	require.NoError(t, err)
	f.now = got.Expires
	_, err = f.a.Session(ctx, s.ID)
	requireCode(t, booking.Unauthorized, err)
	_, err = f.store.GetSession(ctx, hashOf(s.ID))
	assert.ErrorIs(t, err, booking.ErrNotFound, "an expired session is deleted when met")

	for _, id := range []string{"", "short", strings.Repeat("A", 43), s.ID + "A"} {
		_, err := f.a.Session(ctx, id)
		requireCode(t, booking.Unauthorized, err)
	}
}

func hashOf(s string) string {
	return hex.EncodeToString(sha(s))
}

func TestSignOut(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	token := f.add(t, "bob", access.Viewer)
	s, err := f.a.SignIn(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	other, err := f.a.SignIn(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	require.NoError(t, f.a.SignOut(ctx, s.ID))
	require.NoError(t, f.a.SignOut(ctx, s.ID), "signing out twice is no error")
	require.NoError(t, f.a.SignOut(ctx, "garbage"))
	_, err = f.a.Session(ctx, s.ID)
	requireCode(t, booking.Unauthorized, err)
	_, err = f.a.Session(ctx, other.ID)
	assert.NoError(t, err, "other sessions stay")
}

func TestRemovingAnOperatorEndsTheirSessions(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	token := f.add(t, "bob", access.Viewer)
	s, err := f.a.SignIn(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	require.NoError(t, f.a.RemoveOperator(ctx, f.admin, "bob"))
	_, err = f.a.Session(ctx, s.ID)
	requireCode(t, booking.Unauthorized, err)

	// Added again under the same name: a new token, and the old session stays ended.
	s2, err := f.a.SignIn(ctx, f.add(t, "carol", access.Admin), "192.0.2.1")
	require.NoError(t, err)
	newToken := f.add(t, "bob", access.Admin)
	require.NoError(t, f.a.RemoveOperator(ctx, f.admin, "carol"))
	f.add(t, "carol", access.Admin)
	_, err = f.a.Session(ctx, s2.ID)
	requireCode(t, booking.Unauthorized, err) // a session of a removed operator never returns when the name is reused
	_, err = f.a.Authenticate(ctx, token, "192.0.2.1")
	requireCode(t, booking.Unauthorized, err) // the old token does not work for the new bob
	_, err = f.a.Authenticate(ctx, newToken, "192.0.2.1")
	require.NoError(t, err)
}

func TestRotatingTheAdminTokenEndsItsSessions(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	s, err := f.a.SignIn(ctx, adminToken, "192.0.2.1")
	require.NoError(t, err)
	bob, err := f.a.SignIn(ctx, f.add(t, "bob", access.Viewer), "192.0.2.1")
	require.NoError(t, err)
	f.secrets.rotate(rand.Text() + rand.Text())

	// Where the old token is still cached, the session ends within a minute: when it is next
	// moved on, the token is read fresh.
	_, err = f.a.Session(ctx, s.ID)
	require.NoError(t, err, "the cache still holds the old token")
	f.now = f.now.Add(time.Minute)
	_, err = f.a.Session(ctx, s.ID)
	requireCode(t, booking.Unauthorized, err)
	_, err = f.a.Session(ctx, bob.ID)
	assert.NoError(t, err, "an operator's session does not hang on the admin token")

	// Where the new token is already read, at once.
	s, err = f.a.SignIn(ctx, f.secrets.current, "192.0.2.1")
	require.NoError(t, err)
	f.secrets.rotate(rand.Text() + rand.Text())
	f.secrets.cached = f.secrets.current
	_, err = f.a.Session(ctx, s.ID)
	requireCode(t, booking.Unauthorized, err)
}

func TestOperatorsAddListRemove(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	viewer := access.Operator{Name: "bob", Role: access.Viewer}

	tests := []struct {
		name  string
		n     access.NewOperator
		code  booking.Code
		field string
	}{
		{"bad name", access.NewOperator{Name: "Bob Smith", Role: access.Viewer}, booking.Invalid, "name"},
		{"underscore", access.NewOperator{Name: "bob_s", Role: access.Viewer}, booking.Invalid, "name"},
		{"too long", access.NewOperator{Name: strings.Repeat("a", 33), Role: access.Viewer}, booking.Invalid, "name"},
		{"no role", access.NewOperator{Name: "bob"}, booking.Invalid, "role"},
		{"bad role", access.NewOperator{Name: "bob", Role: "root"}, booking.Invalid, "role"},
		{"bad e-mail", access.NewOperator{Name: "bob", Role: access.Viewer, Email: "bob"}, booking.Invalid, "email"},
		{"bad zone", access.NewOperator{Name: "bob", Role: access.Viewer, TimeZone: "Mars/Olympus"}, booking.Invalid, "timeZone"},
		{"reserved", access.NewOperator{Name: "admin", Role: access.Admin}, booking.Conflict, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.a.AddOperator(ctx, f.admin, tt.n)
			e := requireCode(t, tt.code, err)
			assert.Equal(t, tt.field, e.Field)
		})
	}

	op, token, err := f.a.AddOperator(ctx, f.admin, access.NewOperator{Name: "bob", Role: access.Viewer, Email: "bob@example.net", TimeZone: "Europe/Oslo"})
	require.NoError(t, err)
	assert.Equal(t, access.Operator{Name: "bob", Role: access.Viewer, Email: "bob@example.net", TimeZone: "Europe/Oslo", Created: f.now}, op)
	assert.NotEmpty(t, token)
	_, _, err = f.a.AddOperator(ctx, f.admin, access.NewOperator{Name: "bob", Role: access.Admin})
	requireCode(t, booking.Conflict, err)

	_, _, err = f.a.AddOperator(ctx, viewer, access.NewOperator{Name: "eve", Role: access.Admin})
	requireCode(t, booking.Forbidden, err)
	_, err = f.a.Operators(ctx, viewer)
	requireCode(t, booking.Forbidden, err)
	requireCode(t, booking.Forbidden, f.a.RemoveOperator(ctx, viewer, "bob"))

	list, err := f.a.Operators(ctx, f.admin)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "admin", list[0].Name)
	assert.Equal(t, access.Admin, list[0].Role)
	assert.Equal(t, op, list[1])

	requireCode(t, booking.Conflict, f.a.RemoveOperator(ctx, f.admin, "admin"))
	requireCode(t, booking.NotFound, f.a.RemoveOperator(ctx, f.admin, "nobody"))
	require.NoError(t, f.a.RemoveOperator(ctx, f.admin, "bob"))
	list, err = f.a.Operators(ctx, f.admin)
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

func TestLastUsedIsWrittenAtMostOnceAMinute(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	token := f.add(t, "bob", access.Viewer)
	before := f.writes.get("operator")
	for range 5 {
		_, err := f.a.Authenticate(ctx, token, "192.0.2.1")
		require.NoError(t, err)
	}
	assert.Equal(t, before+1, f.writes.get("operator"), "the first use is recorded, the next four are within the minute")
	f.now = f.now.Add(time.Minute)
	op, err := f.a.Authenticate(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	assert.Equal(t, before+2, f.writes.get("operator"))
	assert.Equal(t, f.now, op.LastUsed)
	list, err := f.a.Operators(ctx, f.admin)
	require.NoError(t, err)
	assert.Equal(t, f.now, list[1].LastUsed)
}

func TestSetTimeZone(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	token := f.add(t, "bob", access.Viewer)
	bob, err := f.a.Authenticate(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	bob, err = f.a.SetTimeZone(ctx, bob, "America/New_York")
	require.NoError(t, err, "a viewer sets their own zone")
	assert.Equal(t, "America/New_York", bob.TimeZone)
	s, err := f.a.SignIn(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	assert.Equal(t, "America/New_York", s.Operator.TimeZone)
	_, err = f.a.SetTimeZone(ctx, bob, "Nowhere/Else")
	e := requireCode(t, booking.Invalid, err)
	assert.Equal(t, "timeZone", e.Field)

	_, err = f.a.SetTimeZone(ctx, f.admin, "Asia/Tokyo")
	require.NoError(t, err, "the admin token's operator keeps settings too")
	admin, err := f.a.Authenticate(ctx, adminToken, "192.0.2.1")
	require.NoError(t, err)
	assert.Equal(t, "Asia/Tokyo", admin.TimeZone)
	admin, err = f.a.SetTimeZone(ctx, admin, "")
	require.NoError(t, err)
	assert.Empty(t, admin.TimeZone, "back to the deployment's zone")
}

func TestChangeAndTheAuditList(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	viewer := access.Operator{Name: "bob", Role: access.Viewer}
	ran := false
	err := f.a.Change(ctx, viewer, access.ActionRoomDelete, func(context.Context) (string, error) { ran = true; return "rk1", nil })
	requireCode(t, booking.Forbidden, err)
	assert.False(t, ran, "a viewer's change never runs")
	err = f.a.Change(ctx, f.admin, access.ActionRoomDelete, func(context.Context) (string, error) {
		return "", booking.Errorf(booking.Conflict, "", "live")
	})
	requireCode(t, booking.Conflict, err)

	tick := func() { f.now = f.now.Add(time.Second) } // entries of one instant have no order
	token := f.add(t, "bob", access.Viewer)
	tick()
	require.NoError(t, f.a.Change(ctx, f.admin, access.ActionRoomCreate, func(context.Context) (string, error) { return "rk1", nil }))
	tick()
	require.NoError(t, f.a.Change(ctx, f.admin, access.ActionPeopleErase, func(context.Context) (string, error) { return "ada@example.com", nil }))
	tick()
	bob, err := f.a.SignIn(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	tick()
	_, err = f.a.SetTimeZone(ctx, bob.Operator, "UTC")
	require.NoError(t, err)
	tick()
	require.NoError(t, f.a.RemoveOperator(ctx, f.admin, "bob"))

	page, err := f.a.Audit(ctx, viewer, access.AuditQuery{})
	require.NoError(t, err, "viewers see the audit list")
	var got []string
	for _, e := range page.Entries {
		got = append(got, e.Operator+" "+e.Action+" "+e.Target)
		assert.NotContains(t, e.Target, "@example.com", "never an address in a target")
		assert.NotContains(t, e.Target, token)
	}
	assert.Equal(t, []string{
		"admin operator.remove bob",
		"bob operator.time_zone bob",
		"bob session.sign_in bob",
		"admin people.erase <address>",
		"admin room.create rk1",
		"admin operator.add bob",
	}, got, "newest first; a refused or failed change is not recorded")

	first, err := f.a.Audit(ctx, viewer, access.AuditQuery{Limit: 4})
	require.NoError(t, err)
	require.Len(t, first.Entries, 4)
	require.NotEmpty(t, first.NextCursor)
	rest, err := f.a.Audit(ctx, viewer, access.AuditQuery{Limit: 4, Cursor: first.NextCursor})
	require.NoError(t, err)
	assert.Equal(t, page.Entries, append(first.Entries, rest.Entries...))
	assert.Empty(t, rest.NextCursor)

	_, err = f.a.Audit(ctx, viewer, access.AuditQuery{Limit: 101})
	requireCode(t, booking.Invalid, err)
	_, err = f.a.Audit(ctx, viewer, access.AuditQuery{Cursor: "!!"})
	requireCode(t, booking.Invalid, err)
	_, err = f.a.Audit(ctx, access.Operator{}, access.AuditQuery{})
	requireCode(t, booking.Forbidden, err)
}

func sha(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// BenchmarkAuthenticate measures one bearer token's check on the embedded store: the client's
// failure count and the operator's record read, the hashes compared (LastUsed is written at
// most once a minute, so not here).
func BenchmarkAuthenticate(b *testing.B) {
	f := newBenchFixture(b)
	_, token, err := f.a.AddOperator(b.Context(), f.admin, access.NewOperator{Name: "bob", Role: access.Viewer})
	require.NoError(b, err)
	_, err = f.a.Authenticate(b.Context(), token, "192.0.2.1")
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.a.Authenticate(b.Context(), token, "192.0.2.1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSession measures one console request's session check: the session and its operator
// read, nothing written (the expiry moves at most once a minute).
func BenchmarkSession(b *testing.B) {
	f := newBenchFixture(b)
	_, token, err := f.a.AddOperator(b.Context(), f.admin, access.NewOperator{Name: "bob", Role: access.Viewer})
	require.NoError(b, err)
	s, err := f.a.SignIn(b.Context(), token, "192.0.2.1")
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.a.Session(b.Context(), s.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func newBenchFixture(b *testing.B) *fixture {
	b.Helper()
	st, err := bolt.Open(filepath.Join(b.TempDir(), "roomkeeper.db"))
	require.NoError(b, err)
	b.Cleanup(func() { st.Close() })
	f := &fixture{store: st, secrets: &secrets{cached: adminToken, current: adminToken}, now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	f.a = &access.Access{Store: st, Secrets: f.secrets, Now: f.clock}
	f.admin, err = f.a.Authenticate(b.Context(), adminToken, "127.0.0.1")
	require.NoError(b, err)
	return f
}
