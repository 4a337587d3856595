package webhook

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
	"github.com/roomkeeper/roomkeeper/shared/video/zoomhook"
)

// TestEventTypeOfEachSource reads each sender's name for its event from the samples in events/.
func TestEventTypeOfEachSource(t *testing.T) {
	for _, tt := range []struct{ source, file, want string }{
		{"generic", "booking-created.json", "booking.created"},
		{"calcom", "calcom-booking-created.json", "BOOKING_CREATED"},
		{"calcom", "calcom-meeting-ended.json", "MEETING_ENDED"},
		{"calendly", "calendly-invitee-canceled.json", "invitee.canceled"},
		{"cronofy", "cronofy-scheduling-request-time-chosen.json", "scheduling_request_time_chosen"},
		{"cronofy", "cronofy-push-change.json", "change"},
		{"cronofy", "cronofy-real-time-scheduling-completed.json", "real_time_scheduling"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("..", "..", "..", "events", tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, sources[tt.source].event(body))
		})
	}
	assert.Equal(t, "room.session.ended", hookProviders[wherebyhook.Provider].event([]byte(`{"id":"1","type":"room.session.ended"}`)))
	assert.Equal(t, "meeting.participant_joined", hookProviders[zoomhook.Provider].event([]byte(`{"event":"meeting.participant_joined"}`)))
}

// TestEventTypeShowsOnlyATypeName: what the sender put there is logged only when it looks like
// an event type.
func TestEventTypeShowsOnlyATypeName(t *testing.T) {
	for body, want := range map[string]string{
		`{"type":"booking.created"}`:                 "booking.created",
		`{"type":"bob@example.net"}`:                 unknownEvent,
		`{"type":"+4712345678 call me"}`:             unknownEvent,
		`{"type":"line\nbreak"}`:                     unknownEvent,
		`{"type":42}`:                                unknownEvent,
		`{"other":"booking.created"}`:                unknownEvent,
		`not json`:                                   unknownEvent,
		`{"type":""}`:                                unknownEvent,
		`{"type":"` + strings.Repeat("a", 64) + `"}`: strings.Repeat("a", 64), // the longest
		`{"type":"` + strings.Repeat("a", 65) + `"}`: unknownEvent,
	} {
		assert.Equal(t, want, eventType([]byte(body), "type"), body)
	}
	assert.Equal(t, unknownEvent, eventType([]byte(`{"notification":"change"}`), "notification", "type"), "not an object on the way")
}

// TestWebhookLogsNameTheEvent: each booking and provider webhook's log lines carry the event it
// was sent for.
func TestWebhookLogsNameTheEvent(t *testing.T) {
	f := newHookFixture(t)
	logs := &bytes.Buffer{}
	f.s.Bookings.Log = slog.New(slog.NewTextHandler(logs, nil))
	f.s.Bookings.Secrets = &rotatingSecrets{name: GenericSecret, cached: testSecret, current: testSecret}

	w := serve(f.s, request(t, testSecret, "msg_1", f.now, event("bk_1", f.now)))
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Contains(t, logs.String(), `msg="booking webhook" route=bookings source=generic event=booking.created status=202 booking=`)
	assert.Contains(t, logs.String(), ` outcome=applied`)
	assert.Equal(t, 1, strings.Count(logs.String(), "\n"), "one line a delivery at INFO, with its booking and outcome: %s", logs)

	status, _ := f.send(f.delivery(f.nextID(), wherebyhook.EventClientJoined, f.now, joined("p1", "Bob", "visitor", "")))
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, f.logs.String(), "event=room.client.joined")

	status, _ = f.send(f.delivery(f.nextID(), "room.recording.started", f.now, nil))
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, f.logs.String(), `msg="provider webhook" route=hooks provider=whereby event=room.recording.started`,
		"a type roomkeeper does not record is named too")
}

func TestZoomLogsNameTheEvent(t *testing.T) {
	f := newZoomHookFixture(t)
	status, _ := f.send([]byte(`{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`))
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, f.logs.String(), "event=endpoint.url_validation status=answered")
	status, _ = f.send(f.event(zoomhook.EventMeetingStarted, map[string]any{"start_time": f.now.Format("2006-01-02T15:04:05Z")}))
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, f.logs.String(), "event=meeting.started")
}

// TestUnknownRouteNamesAreNotLogged: the {source} and {provider} path values are the sender's,
// and may hold anything (an address, a token): a name roomkeeper does not know is logged as
// "other", and the answer lists the names it does know.
func TestUnknownRouteNamesAreNotLogged(t *testing.T) {
	f := newHookFixture(t)
	logs := &bytes.Buffer{}
	f.s.Bookings.Log = slog.New(slog.NewTextHandler(logs, nil))
	f.s.Hooks.Log = f.s.Bookings.Log
	for _, path := range []string{"/v1/bookings/jo@example.com", "/v1/hooks/jo@example.com"} {
		w := serve(f.s, httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`)))
		assert.Equal(t, http.StatusNotFound, w.Code, path)
		assert.Contains(t, w.Body.String(), "want one of", path)
	}
	assert.NotContains(t, logs.String(), "example.com")
	assert.Contains(t, logs.String(), "source="+otherSource)
	assert.Contains(t, logs.String(), "provider="+otherSource)
}
