package reconcile

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

func TestARunReportsTheRoomAndTheInvitesItMade(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	assert.ElementsMatch(t, []booking.Metric{
		booking.CountOf(booking.MetricRoomsCreated, 1).By("Provider", "fake"),
		booking.CountOf(booking.MetricInvitesSent, 1),
		booking.CountOf(booking.MetricInvitesSent, 1),
		booking.CountOf(booking.MetricInvitesSent, 1),
	}, f.metrics.take())

	f.reconcile(key)
	assert.Empty(t, f.metrics.take(), "a run with nothing to do reports nothing")
}

func TestProviderErrorsAndWaitsAreReportedApart(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.provider.fail = func(string) error { return errors.New("whereby answered 502") }
	f.reconcile(key)
	assert.Equal(t, []booking.Metric{booking.CountOf(booking.MetricProviderErrors, 1).By("Provider", "fake")}, f.metrics.take())

	// A 429 is a wait the provider asked for: reported as how long roomkeeper will wait.
	f.provider.fail = func(string) error {
		return booking.Throttled(errors.New("whereby: 429 too many requests"), booking.PauseAll, f.clock.Now(), 90*time.Second)
	}
	f.clock.Set(f.get(key).DueAt)
	f.reconcile(key)
	assert.Equal(t, []booking.Metric{booking.DurationOf(booking.MetricProviderPaused, 90*time.Second).By("Provider", "fake")}, f.metrics.take())
	assert.Equal(t, f.clock.Now().Add(90*time.Second), f.get(key).DueAt, "the figure is the wait recorded")

	// A mail failure is not the provider's.
	f.provider.fail = nil
	f.mailer.fail = func(booking.Message) error { return errors.New("ses: 503") }
	f.clock.Set(f.get(key).DueAt)
	f.reconcile(key)
	for _, m := range f.metrics.take() {
		assert.NotEqual(t, booking.MetricProviderErrors, m.Name)
		assert.NotEqual(t, booking.MetricProviderPaused, m.Name)
	}
}

func TestAPermanentFailureIsReportedOnce(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.provider.fail = func(string) error { return booking.Permanent(errors.New("whereby rejected the API key (401)")) }
	f.reconcile(key)
	assert.ElementsMatch(t, []booking.Metric{
		booking.CountOf(booking.MetricProviderErrors, 1).By("Provider", "fake"),
		booking.CountOf(booking.MetricPermanentFailures, 1),
	}, f.metrics.take())
	f.reconcile(key)
	assert.Empty(t, f.metrics.take(), "a booking already stopped is not counted again")
}

func TestCleanupLagIsReportedAtEveryAttempt(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	f.metrics.take()

	f.at(key, 15*time.Minute+7*time.Minute) // 7 minutes after end + grace
	f.provider.fail = func(op string) error {
		if op == "delete" {
			return errors.New("whereby answered 500")
		}
		return nil
	}
	f.reconcile(key)
	assert.Equal(t, []booking.Metric{
		booking.DurationOf(booking.MetricCleanupLag, 7*time.Minute),
		booking.CountOf(booking.MetricProviderErrors, 1).By("Provider", "fake"),
	}, f.metrics.take(), "a cleanup that fails still reports how late it is")

	f.provider.fail = nil
	f.at(key, 15*time.Minute+12*time.Minute)
	assert.Equal(t, []string{"clean up room", stepSummary}, f.reconcile(key).Steps)
	assert.Equal(t, []booking.Metric{booking.DurationOf(booking.MetricCleanupLag, 12*time.Minute)}, f.metrics.take())
}

func TestCleanupLagCountsFromWhenTheCleanupBecameDue(t *testing.T) {
	f := newFixture(t)
	key := f.put()
	f.reconcile(key)
	end := f.get(key).Details.End
	f.record(key,
		booking.RoomEvent{Kind: booking.SessionStarted, At: end.Add(-20 * time.Minute), SessionID: "s1"},
		booking.RoomEvent{Kind: booking.SessionEnded, At: end.Add(40 * time.Minute), SessionID: "s1"},
	)
	f.metrics.take()
	f.at(key, 41*time.Minute)
	f.reconcile(key)
	assert.Equal(t, []booking.Metric{booking.DurationOf(booking.MetricCleanupLag, time.Minute)}, f.metrics.take(),
		"due when the session that ran past the end was over")

	key2 := booking.KeyOf("generic", "bk-2")
	f.put(func(b *booking.Booking) { b.Key, b.ExternalID = key2, "bk-2" })
	f.reconcile(key2)
	end = f.get(key2).Details.End
	f.record(key2, booking.RoomEvent{Kind: booking.SessionStarted, At: end.Add(-20 * time.Minute), SessionID: "s1"})
	f.metrics.take()
	f.at(key2, 2*time.Hour+3*time.Minute) // still live: the cap decides
	f.reconcile(key2)
	assert.Equal(t, []booking.Metric{booking.DurationOf(booking.MetricCleanupLag, 3*time.Minute)}, f.metrics.take())
}

func TestReapReportsTheRoomsItDeleted(t *testing.T) {
	f := newFixture(t)
	f.provider.now = f.clock.Now
	_, err := f.provider.CreateRoom(context.Background(), booking.RoomSpec{
		Tag: booking.Tag{Key: booking.KeyOf("generic", "gone"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String(),
	})
	require.NoError(t, err)
	f.clock.Add(ReapAge)
	n, err := f.r.Reap(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	assert.Equal(t, []booking.Metric{booking.CountOf(booking.MetricRoomsReaped, 1).By("Provider", "fake")}, f.metrics.take())
}
