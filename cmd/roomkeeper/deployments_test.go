package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
)

// TestTwoDeploymentsShareOneProviderAccount runs a production and a staging roomkeeper against
// one Whereby account (production's sandbox; staging talks to it with an API key, as to
// Whereby). Both receive the same booking, and each makes its room. Reaping, neither touches the
// other's rooms; the sandbox's webhooks, which go to production only, record nothing of
// staging's room there; and production still deletes a room of its own that nothing references.
func TestTwoDeploymentsShareOneProviderAccount(t *testing.T) {
	prod := newStack(t, map[string]string{"ROOMKEEPER_DEPLOYMENT": "prod"})
	staging := newStack(t, map[string]string{
		"ROOMKEEPER_DEPLOYMENT": "staging",
		"WHEREBY_API_KEY":       "staging-key",
		"WHEREBY_API_URL":       prod.srv.URL + sandbox.WherebyAPIPath,
	})
	staging.clock = prod.clock // one time for the provider and both deployments
	staging.restart()

	for _, s := range []*stack{prod, staging} {
		status, body := s.post("booking-created.json", "shared")
		require.Equal(t, 202, status, "%v", body)
		status, _ = s.post("booking-created.json", s.cfg.Deployment+"-only")
		require.Equal(t, 202, status)
		s.work()
	}
	sb := prod.app.sandbox
	require.Len(t, sb.Rooms(), 4, "each deployment made its own two rooms")
	prodShared, stagingShared := prod.booking("shared").Room, staging.booking("shared").Room
	require.NotEqual(t, prodShared.ID, stagingShared.ID, "the same booking, a room each")
	assert.Equal(t, prodShared.Tag[:len(prodShared.Tag)-4], stagingShared.Tag[:len(stagingShared.Tag)-4],
		"the same key and generation, told apart by the deployment only")

	// Someone joins staging's room: the sandbox tells production, which must not record it on
	// its booking of the same key.
	_, err := sb.Join(stagingShared.Name, "Bob Guest", "visitor", false)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		for _, h := range sb.Webhooks() {
			if h.MeetingID == stagingShared.ID && h.Delivered {
				return true
			}
		}
		return false
	}, 5*time.Second, 20*time.Millisecond, "production acknowledges staging's webhook")
	assert.Empty(t, prod.booking("shared").Activity.Connections, "and records nothing of it")

	// A room of production's that nothing references, as a run that stopped mid-create leaves.
	wb := whereby.New(whereby.Config{APIURL: prod.srv.URL + sandbox.WherebyAPIPath, APIKey: "prod", Now: prod.clock.Now, Phone: phone.Normalize})
	orphan, err := wb.CreateRoom(context.Background(), booking.RoomSpec{
		Tag:       booking.Tag{Key: booking.KeyOf("generic", "gone"), Gen: 1, Deployment: booking.DeploymentTag("prod")}.String(),
		ExpiresAt: prod.clock.Now().Add(48 * time.Hour),
	})
	require.NoError(t, err)
	require.Len(t, sb.Rooms(), 5)

	prod.app.reap(context.Background())
	staging.app.reap(context.Background())
	assert.Len(t, sb.Rooms(), 5, "nothing younger than an hour is reaped")

	prod.clock.Add(reconcile.ReapAge)
	staging.app.reap(context.Background())
	assert.Len(t, sb.Rooms(), 5, "staging deletes none of production's rooms")
	prod.app.reap(context.Background())
	left := map[string]bool{}
	for _, m := range sb.Rooms() {
		left[m.MeetingID] = true
	}
	assert.Len(t, left, 4)
	assert.False(t, left[orphan.ID], "production deletes its own abandoned room")
	for _, s := range []*stack{prod, staging} {
		for _, run := range []string{"shared", s.cfg.Deployment + "-only"} {
			assert.True(t, left[s.booking(run).Room.ID], "%s's room for %s is kept", s.cfg.Deployment, run)
		}
	}
	assert.Contains(t, prod.logBuf.String(), `msg="reaped orphaned rooms" count=1`)
	assert.NotContains(t, staging.logBuf.String(), "reaped orphaned rooms")
}
