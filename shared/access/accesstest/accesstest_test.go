package accesstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/access/accesstest"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
)

const adaToken = "ada-token-0123456789abcdef"

func newAccess(t *testing.T) (*accesstest.Access, *clocktest.Clock) {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	a := accesstest.New(clock.Now)
	require.NoError(t, a.Add(access.Operator{Name: "ada", Role: access.Admin, Email: "ada@example.com"}, adaToken))
	return a, clock
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	a, clock := newAccess(t)

	_, err := a.SignIn(ctx, "not-a-token", "127.0.0.1")
	assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err))

	s, err := a.SignIn(ctx, adaToken, "127.0.0.1")
	require.NoError(t, err)
	assert.Equal(t, "ada", s.Operator.Name)
	assert.NotEmpty(t, s.CSRF)
	assert.NotEqual(t, s.ID, s.CSRF)
	other, err := a.SignIn(ctx, adaToken, "127.0.0.1")
	require.NoError(t, err)
	assert.NotEqual(t, s.CSRF, other.CSRF, "each session has its own CSRF token")

	clock.Add(accesstest.Idle - time.Minute)
	got, err := a.Session(ctx, s.ID)
	require.NoError(t, err, "used within the idle time")
	assert.Equal(t, s.CSRF, got.CSRF)
	assert.Equal(t, clock.Now().Add(accesstest.Idle), got.Expires, "each use moves the expiry on")
	clock.Add(accesstest.Idle - time.Minute)
	_, err = a.Session(ctx, s.ID)
	require.NoError(t, err, "still alive: the expiry slid")
	_, err = a.Session(ctx, other.ID)
	assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err), "the unused session expired")

	require.NoError(t, a.SignOut(ctx, s.ID))
	_, err = a.Session(ctx, s.ID)
	assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err), "signed out")
	_, err = a.Session(ctx, "")
	assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err))

	s, err = a.SignIn(ctx, adaToken, "127.0.0.1")
	require.NoError(t, err)
	a.Remove("ada")
	_, err = a.Session(ctx, s.ID)
	assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err), "removing an operator ends their sessions")
	_, err = a.SignIn(ctx, adaToken, "127.0.0.1")
	assert.Equal(t, booking.Unauthorized, booking.ErrorCode(err), "and their token")
}

func TestTimeZone(t *testing.T) {
	ctx := context.Background()
	a, _ := newAccess(t)
	s, err := a.SignIn(ctx, adaToken, "127.0.0.1")
	require.NoError(t, err)
	require.NoError(t, a.SetTimeZone(ctx, "ada", "Europe/Oslo"))
	got, err := a.Session(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, "Europe/Oslo", got.Operator.TimeZone, "a session sees the new zone at once")

	err = a.SetTimeZone(ctx, "ada", "Mars/Olympus")
	var e *booking.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, booking.Invalid, e.Code)
	assert.Equal(t, "timeZone", e.Field)
	require.NoError(t, a.SetTimeZone(ctx, "ada", ""), "back to the deployment's zone")
	assert.Equal(t, booking.NotFound, booking.ErrorCode(a.SetTimeZone(ctx, "nobody", "UTC")))
}

func TestAuditPages(t *testing.T) {
	ctx := context.Background()
	a, clock := newAccess(t)
	ada := access.Operator{Name: "ada", Role: access.Admin}
	for _, target := range []string{"r1", "r2", "r3"} {
		require.NoError(t, a.Record(ctx, ada, "room.create", target))
		clock.Add(time.Minute)
	}
	page, next, err := a.Audit(ctx, "", 2)
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, []string{"r3", "r2"}, []string{page[0].Target, page[1].Target}, "newest first")
	assert.Equal(t, "ada", page[0].Operator)
	require.NotEmpty(t, next)
	page, next, err = a.Audit(ctx, next, 2)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, "r1", page[0].Target)
	assert.Empty(t, next, "the last page")
	_, _, err = a.Audit(ctx, "x", 2)
	assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
}
