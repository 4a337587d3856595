package zoom_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/video/zoomhook"
)

const webhookSecret = "ZOOM_SECRET_TOKEN"

// receiver records the webhooks the fake sends and answers the validation challenge the way
// roomkeeper's handler does.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	now    func() time.Time
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := zoomhook.Verify(webhookSecret, r.Header, body, rc.now(), time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if answer, ok, _ := zoomhook.ValidationAnswer(webhookSecret, body); ok {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
		return
	}
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, body)
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// The fake's webhooks verify and parse: the meeting's life from start to end, as roomkeeper
// records it.
func TestFakeWebhooksRoundTrip(t *testing.T) {
	ctx := context.Background()
	rc := &receiver{}
	hooks := httptest.NewServer(rc)
	defer hooks.Close()
	e := newEnv(t, func(o *sandbox.ZoomOptions) {
		o.WebhookURL, o.WebhookSecret = hooks.URL, webhookSecret
	}, nil)
	rc.now = e.clock.Now
	require.NoError(t, e.fake.ValidateEndpoint(ctx), "the challenge is answered")

	s := spec(booking.RoomOptions{DialIn: true})
	room := e.create(t, s)
	id, err := strconv.ParseInt(room.ID, 10, 64)
	require.NoError(t, err)
	host, err := e.fake.Join(ctx, id, "Ada Host", "", true)
	require.NoError(t, err)
	caller, err := e.fake.Join(ctx, id, "+1 212 555 0142", "+12125550142", false)
	require.NoError(t, err)
	require.NoError(t, e.fake.Leave(ctx, id, caller))
	require.NoError(t, e.fake.EndMeeting(ctx, id))

	var got []booking.RoomEvent
	for _, b := range rc.bodies {
		_, events, err := zoomhook.Parse(b)
		require.NoError(t, err)
		got = append(got, events...)
	}
	require.Len(t, got, 6)
	kinds := []booking.RoomEventKind{booking.SessionStarted, booking.Joined, booking.Joined, booking.Left, booking.Left, booking.SessionEnded}
	for i, e := range got {
		assert.Equal(t, kinds[i], e.Kind, "event %d", i)
		assert.Equal(t, room.ID, e.RoomID)
		assert.Equal(t, room.Name, e.RoomName)
		tag, ok := booking.ParseTag(e.RoomName)
		assert.True(t, ok)
		assert.Equal(t, booking.KeyOf("generic", "bk_123"), tag.Key, "the tag in the topic links the event to its booking")
		assert.Equal(t, got[0].SessionID, e.SessionID, "one meeting instance")
	}
	assert.Equal(t, host, got[1].ParticipantID)
	assert.True(t, got[1].Host)
	assert.True(t, got[2].DialIn)
	assert.Equal(t, "Phone caller", got[2].Name)
	assert.Equal(t, caller, got[3].ParticipantID)
	assert.Equal(t, host, got[4].ParticipantID, "the host leaves when the meeting ends")
}
