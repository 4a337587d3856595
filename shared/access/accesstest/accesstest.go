// Package accesstest is the contract test suite of the access.Store port (shared/access/store.go):
// every adapter — the embedded bolt file, DynamoDB — runs Run from its own tests and must pass it
// unchanged. It checks the operators (names unique, every field kept, updates that never bring a
// removed operator back), the sessions (touch never brings a deleted one back), the audit list
// (newest first, paged without gaps or repeats), the limiter's counters (counting under
// concurrency, starting again after the reset), and that the store holds no token and no session
// ID, only their hashes.
package accesstest

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Opened is a store for one test, and what it holds as text: every byte of the file, every
// attribute of every item. The suite searches it for secrets.
type Opened struct {
	Store access.Store
	Dump  func(t *testing.T) string
}

// Run runs the suite. open must return a new, empty store for each call; it registers any
// clean-up with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) Opened) {
	tests := []struct {
		name string
		test func(t *testing.T, o Opened)
	}{
		{"AddThenGetKeepsEveryField", testOperatorRoundTrip},
		{"AddingATakenNameConflicts", testOperatorConflict},
		{"OperatorsAreListedByName", testOperatorList},
		{"TouchAndTimeZoneChangeOnlyTheirField", testOperatorUpdates},
		{"RemovedOperatorsStayRemoved", testOperatorRemove},
		{"SessionsRoundTripAndTouch", testSessions},
		{"DeletedSessionsStayDeleted", testSessionDelete},
		{"AuditNewestFirstInPages", testAudit},
		{"FailuresCountAndReset", testFailures},
		{"ConcurrentFailuresAllCount", testConcurrentFailures},
		{"StoreHoldsNoTokenAndNoSessionID", testNoSecrets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.test(t, open(t))
		})
	}
}

// base is the suite's reference instant; every time in the suite is relative to it.
var base = time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC)

func operator(name string) access.OperatorRecord {
	return access.OperatorRecord{
		Operator: access.Operator{
			Name: name, Role: access.Viewer, Email: name + "@example.com", TimeZone: "Europe/Oslo",
			Created: base, LastUsed: base.Add(time.Minute),
		},
		TokenHash: strings.Repeat("ab", 32),
	}
}

func testOperatorRoundTrip(t *testing.T, o Opened) {
	ctx := t.Context()
	want := operator("ada")
	require.NoError(t, o.Store.AddOperator(ctx, want))
	got, err := o.Store.GetOperator(ctx, "ada")
	require.NoError(t, err)
	assert.Equal(t, want, got)

	bare := access.OperatorRecord{Operator: access.Operator{Name: "admin", Role: access.Admin, Created: base}}
	require.NoError(t, o.Store.AddOperator(ctx, bare), "a record without e-mail, zone, use or token")
	got, err = o.Store.GetOperator(ctx, "admin")
	require.NoError(t, err)
	assert.Equal(t, bare, got)

	_, err = o.Store.GetOperator(ctx, "nobody")
	assert.ErrorIs(t, err, booking.ErrNotFound)
}

func testOperatorConflict(t *testing.T, o Opened) {
	ctx := t.Context()
	first := operator("ada")
	require.NoError(t, o.Store.AddOperator(ctx, first))
	second := operator("ada")
	second.Role, second.TokenHash = access.Admin, strings.Repeat("cd", 32)
	require.ErrorIs(t, o.Store.AddOperator(ctx, second), booking.ErrConflict)
	got, err := o.Store.GetOperator(ctx, "ada")
	require.NoError(t, err)
	assert.Equal(t, first, got, "a refused add changes nothing")
}

func testOperatorList(t *testing.T, o Opened) {
	ctx := t.Context()
	none, err := o.Store.Operators(ctx)
	require.NoError(t, err)
	assert.Empty(t, none)
	for _, name := range []string{"cy", "ada", "bob.b", "a-z"} {
		require.NoError(t, o.Store.AddOperator(ctx, operator(name)))
	}
	all, err := o.Store.Operators(ctx)
	require.NoError(t, err)
	var names []string
	for _, r := range all {
		names = append(names, r.Name)
		assert.Equal(t, operator(r.Name), r, "listed with every field")
	}
	assert.Equal(t, []string{"a-z", "ada", "bob.b", "cy"}, names)
}

func testOperatorUpdates(t *testing.T, o Opened) {
	ctx := t.Context()
	want := operator("ada")
	require.NoError(t, o.Store.AddOperator(ctx, want))
	used := base.Add(time.Hour)
	require.NoError(t, o.Store.TouchOperator(ctx, "ada", used))
	require.NoError(t, o.Store.SetOperatorTimeZone(ctx, "ada", "America/New_York"))
	want.LastUsed, want.TimeZone = used, "America/New_York"
	got, err := o.Store.GetOperator(ctx, "ada")
	require.NoError(t, err)
	assert.Equal(t, want, got)

	require.NoError(t, o.Store.SetOperatorTimeZone(ctx, "ada", ""), "back to the deployment's zone")
	want.TimeZone = ""
	got, err = o.Store.GetOperator(ctx, "ada")
	require.NoError(t, err)
	assert.Equal(t, want, got)

	assert.ErrorIs(t, o.Store.TouchOperator(ctx, "nobody", used), booking.ErrNotFound)
	assert.ErrorIs(t, o.Store.SetOperatorTimeZone(ctx, "nobody", "UTC"), booking.ErrNotFound)
	_, err = o.Store.GetOperator(ctx, "nobody")
	assert.ErrorIs(t, err, booking.ErrNotFound, "an update of a missing operator makes none")
}

func testOperatorRemove(t *testing.T, o Opened) {
	ctx := t.Context()
	require.NoError(t, o.Store.AddOperator(ctx, operator("ada")))
	require.NoError(t, o.Store.AddOperator(ctx, operator("bob")))
	require.NoError(t, o.Store.RemoveOperator(ctx, "ada"))
	assert.ErrorIs(t, o.Store.RemoveOperator(ctx, "ada"), booking.ErrNotFound)
	_, err := o.Store.GetOperator(ctx, "ada")
	assert.ErrorIs(t, err, booking.ErrNotFound)
	assert.ErrorIs(t, o.Store.TouchOperator(ctx, "ada", base), booking.ErrNotFound, "a touch after the removal")
	_, err = o.Store.GetOperator(ctx, "ada")
	assert.ErrorIs(t, err, booking.ErrNotFound, "a touch never brings a removed operator back")
	all, err := o.Store.Operators(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "bob", all[0].Name)

	again := operator("ada")
	again.TokenHash = strings.Repeat("ef", 32)
	require.NoError(t, o.Store.AddOperator(ctx, again), "a removed name may be added again")
	got, err := o.Store.GetOperator(ctx, "ada")
	require.NoError(t, err)
	assert.Equal(t, again, got)
}

func session(hash string) access.SessionRecord {
	return access.SessionRecord{
		IDHash: hash, Operator: "ada", Credential: strings.Repeat("ab", 32), CSRF: "csrf-" + hash,
		Created: base, Touched: base, Expires: base.Add(12 * time.Hour),
	}
}

func testSessions(t *testing.T, o Opened) {
	ctx := t.Context()
	want := session(strings.Repeat("1", 64))
	require.NoError(t, o.Store.PutSession(ctx, want))
	require.NoError(t, o.Store.PutSession(ctx, session(strings.Repeat("2", 64))))
	got, err := o.Store.GetSession(ctx, want.IDHash)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	want.Touched, want.Expires = base.Add(time.Hour), base.Add(13*time.Hour)
	require.NoError(t, o.Store.TouchSession(ctx, want.IDHash, want.Touched, want.Expires))
	got, err = o.Store.GetSession(ctx, want.IDHash)
	require.NoError(t, err)
	assert.Equal(t, want, got, "a touch moves Touched and Expires only")
	other, err := o.Store.GetSession(ctx, strings.Repeat("2", 64))
	require.NoError(t, err)
	assert.Equal(t, session(strings.Repeat("2", 64)), other, "another session is untouched")

	_, err = o.Store.GetSession(ctx, strings.Repeat("3", 64))
	assert.ErrorIs(t, err, booking.ErrNotFound)
}

func testSessionDelete(t *testing.T, o Opened) {
	ctx := t.Context()
	s := session(strings.Repeat("1", 64))
	require.NoError(t, o.Store.PutSession(ctx, s))
	require.NoError(t, o.Store.DeleteSession(ctx, s.IDHash))
	require.NoError(t, o.Store.DeleteSession(ctx, s.IDHash), "deleting again is no error")
	_, err := o.Store.GetSession(ctx, s.IDHash)
	assert.ErrorIs(t, err, booking.ErrNotFound)
	assert.ErrorIs(t, o.Store.TouchSession(ctx, s.IDHash, base, base.Add(time.Hour)), booking.ErrNotFound)
	_, err = o.Store.GetSession(ctx, s.IDHash)
	assert.ErrorIs(t, err, booking.ErrNotFound, "a touch never brings a deleted session back")
}

func testAudit(t *testing.T, o Opened) {
	ctx := t.Context()
	empty, more, err := o.Store.AuditEntries(ctx, "", 10)
	require.NoError(t, err)
	assert.Empty(t, empty)
	assert.False(t, more)

	var want []access.AuditRecord // newest first
	for i := range 7 {
		at := base.Add(time.Duration(i) * time.Minute)
		if i == 3 {
			at = base.Add(2 * time.Minute) // two entries of one instant both stay
		}
		r := access.AuditRecord{
			Entry:    access.Entry{At: at, Operator: "ada", Action: access.ActionRoomCreate, Target: fmt.Sprintf("room-%d", i)},
			Position: booking.Position(at, fmt.Sprintf("%016x", i)),
		}
		require.NoError(t, o.Store.AddAuditEntry(ctx, r, at.Add(time.Hour)))
		want = append([]access.AuditRecord{r}, want...)
	}

	all, more, err := o.Store.AuditEntries(ctx, "", 100)
	require.NoError(t, err)
	assert.False(t, more)
	assert.Equal(t, want, all)

	var paged []access.AuditRecord
	before := ""
	for range 10 {
		page, more, err := o.Store.AuditEntries(ctx, before, 3)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 3)
		paged = append(paged, page...)
		if !more {
			break
		}
		before = page[len(page)-1].Position
	}
	assert.Equal(t, want, paged, "pages continue without gaps or repeats")

	exact, more, err := o.Store.AuditEntries(ctx, "", 7)
	require.NoError(t, err)
	assert.Len(t, exact, 7)
	assert.False(t, more, "a page holding the whole list says nothing follows")
}

func testFailures(t *testing.T, o Opened) {
	ctx := t.Context()
	const reset = time.Hour
	f, err := o.Store.Failures(ctx, "client-a")
	require.NoError(t, err)
	assert.Equal(t, access.Failures{}, f)

	for i := 1; i <= 3; i++ {
		at := base.Add(time.Duration(i) * time.Second)
		f, err = o.Store.AddFailure(ctx, "client-a", at, reset)
		require.NoError(t, err)
		assert.Equal(t, access.Failures{Count: i, Last: at}, f)
	}
	got, err := o.Store.Failures(ctx, "client-a")
	require.NoError(t, err)
	assert.Equal(t, f, got)
	other, err := o.Store.Failures(ctx, "client-b")
	require.NoError(t, err)
	assert.Zero(t, other.Count, "counts are per client")

	later := f.Last.Add(reset)
	f, err = o.Store.AddFailure(ctx, "client-a", later, reset)
	require.NoError(t, err)
	assert.Equal(t, access.Failures{Count: 1, Last: later}, f, "a count reset old starts again")

	require.NoError(t, o.Store.ClearFailures(ctx, "client-a"))
	require.NoError(t, o.Store.ClearFailures(ctx, "client-a"), "clearing again is no error")
	got, err = o.Store.Failures(ctx, "client-a")
	require.NoError(t, err)
	assert.Equal(t, access.Failures{}, got)
}

func testConcurrentFailures(t *testing.T, o Opened) {
	ctx := t.Context()
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = o.Store.AddFailure(ctx, "client-a", base.Add(time.Duration(i)*time.Millisecond), time.Hour)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	f, err := o.Store.Failures(ctx, "client-a")
	require.NoError(t, err)
	assert.Equal(t, n, f.Count, "every concurrent failure counts")
}

// fixedSecrets serves the admin token.
type fixedSecrets string

func (s fixedSecrets) Secret(context.Context, string, bool) (string, error) { return string(s), nil }

func testNoSecrets(t *testing.T, o Opened) {
	ctx := t.Context()
	adminToken := rand.Text() + rand.Text()
	a := &access.Access{Store: o.Store, Secrets: fixedSecrets(adminToken), Now: func() time.Time { return base }}
	admin, err := a.Authenticate(ctx, adminToken, "192.0.2.1")
	require.NoError(t, err)
	_, token, err := a.AddOperator(ctx, admin, access.NewOperator{Name: "ada", Role: access.Viewer, Email: "ada@example.com"})
	require.NoError(t, err)
	s, err := a.SignIn(ctx, token, "192.0.2.1")
	require.NoError(t, err)
	adminSession, err := a.SignIn(ctx, adminToken, "192.0.2.1")
	require.NoError(t, err)

	dump := o.Dump(t)
	require.Contains(t, dump, "ada", "the dump shows what the store holds")
	secret := func(tok string) string { _, s, _ := strings.Cut(strings.TrimPrefix(tok, "rko_"), "_"); return s }
	for what, v := range map[string]string{
		"operator token": secret(token), "admin token": adminToken,
		"session ID": s.ID, "admin's session ID": adminSession.ID,
	} {
		assert.NotContains(t, dump, v, "the store must not hold the %s", what)
	}
}
