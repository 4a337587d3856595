package worker

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/local/memqueue"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
	"github.com/roomkeeper/roomkeeper/shared/video"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/video/twentyfour"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
)

// countingSecrets serves secrets by name and counts the reads (video.Secrets).
type countingSecrets struct {
	mu     sync.Mutex
	values map[string]string
	reads  map[string]int
}

func (s *countingSecrets) Secret(_ context.Context, name string, _ bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reads == nil {
		s.reads = map[string]int{}
	}
	s.reads[name]++
	return s.values[name], nil
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// TestWorkerMovesTwentyFourMeetingInPlace runs the worker handler over the providers
// video.New builds: a reschedule of a 24sessions booking moves its meeting (the reconciler
// sees the lazily built provider as a booking.RoomUpdater) instead of making a second one.
func TestWorkerMovesTwentyFourMeetingInPlace(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { return now }
	tfake, err := sandbox.NewTwentyFour(sandbox.TwentyFourOptions{
		ClientID: "tf-client", ClientSecret: "tf-secret-value", UserID: "12", MeetingTypeID: "34", Now: clock,
	})
	require.NoError(t, err)
	tsrv := httptest.NewServer(tfake)
	t.Cleanup(tsrv.Close)
	cfg, err := config.FromEnv(env(map[string]string{
		"TWENTYFOUR_INSTANCE": "acme", "TWENTYFOUR_CLIENT_ID": "tf-client", "TWENTYFOUR_CLIENT_SECRET_SECRET_ARN": "arn:24",
		"TWENTYFOUR_USER_ID": "12", "TWENTYFOUR_MEETING_TYPE_ID": "34",
		"TWENTYFOUR_API_URL":   tsrv.URL + sandbox.TwentyFourAPIPath,
		"TWENTYFOUR_GUEST_URL": "https://acme.24sessions.com/join/{accessKey}",
	}))
	require.NoError(t, err)
	sec := &countingSecrets{values: map[string]string{video.TwentyFourClientSecret: "tf-secret-value"}}

	f := newFixture(t)
	f.now = now
	videos, err := video.New(cfg, sec, clock, phone.Normalize)
	require.NoError(t, err)
	f.h.Reconciler.Providers = videos.ByName()
	apply := func(file string) string {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", file))
		require.NoError(t, err)
		body, err := eventfile.Expand(raw, eventfile.Vars{Now: f.now, Run: "tf"})
		require.NoError(t, err)
		var ev map[string]any
		require.NoError(t, json.Unmarshal(body, &ev))
		ev["data"].(map[string]any)["room"] = map[string]any{"provider": twentyfour.Name}
		body, err = json.Marshal(ev)
		require.NoError(t, err)
		ch, err := generic.Parse(body, f.now, generic.Options{DefaultProvider: whereby.Name, Providers: cfg.Providers()})
		require.NoError(t, err)
		in := &intake.Intake{Store: f.store, Queue: memqueue.New(8), Now: func() time.Time { return f.now }, Retention: 720 * time.Hour}
		res, err := in.Apply(ctx, ch)
		require.NoError(t, err)
		require.Equal(t, intake.Applied, res.Outcome)
		resp, err := f.h.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{message("m-"+file, res.Key)}})
		require.NoError(t, err)
		require.Empty(t, resp.BatchItemFailures)
		return res.Key
	}

	key := apply("booking-created.json")
	b := f.get(key)
	require.NotNil(t, b.Room)
	require.Nil(t, b.Failure)
	assert.Equal(t, twentyfour.Name, b.Room.Provider)
	first := b.Room.ID

	f.now = now.Add(time.Second)
	apply("booking-updated.json")
	b = f.get(key)
	require.Nil(t, b.Failure)
	require.NotNil(t, b.Room)
	assert.Equal(t, first, b.Room.ID, "the same meeting, and so the same links")
	meetings := tfake.Meetings()
	require.Len(t, meetings, 1, "moved, not made again")
	assert.True(t, b.Details.Start.Equal(meetings[0].Date), "moved to the new start: %s, want %s", meetings[0].Date, b.Details.Start)
	assert.Equal(t, 1, sec.reads[video.TwentyFourClientSecret], "the client secret is read once")
}
