package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/notify"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

type secrets map[string]string

func (s secrets) Secret(_ context.Context, name string, _ bool) (string, error) { return s[name], nil }

// delivery is one request the receiver got.
type delivery struct {
	header http.Header
	body   []byte
}

// receiver is an httptest server answering each request with the next of statuses (the last
// repeats), recording what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []delivery
	statuses []int
	delay    time.Duration
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, delivery{req.Header.Clone(), body})
		status := r.statuses[min(len(r.got), len(r.statuses))-1]
		delay := r.delay
		r.mu.Unlock()
		time.Sleep(delay)
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func notice() booking.Notice {
	return booking.Notice{ID: "msg_abcdefghijklm_ready_1", Type: booking.RoomReady, At: now,
		Body: []byte(`{"type":"room.ready","timestamp":"2026-11-22T10:00:00Z","data":{}}`)}
}

func notifier(url string) *notify.Notifier {
	return &notify.Notifier{URL: url, Secrets: secrets{notify.SecretName: secret}, Now: func() time.Time { return now }}
}

func TestTheSignatureVerifiesWithTheVerifier(t *testing.T) {
	rcv := newReceiver(t, http.StatusNoContent)
	n := notice()
	require.NoError(t, notifier(rcv.URL).Notify(context.Background(), n))
	require.Len(t, rcv.got, 1)
	d := rcv.got[0]
	id, err := stdwebhook.Verify(secret, d.header, d.body, now.Add(time.Minute), 5*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, n.ID, id)
	assert.Equal(t, string(n.Body), string(d.body), "the body byte for byte")
	assert.Equal(t, "application/json", d.header.Get("Content-Type"))
	assert.Equal(t, "1795341600", d.header.Get(stdwebhook.HeaderTimestamp))

	_, err = stdwebhook.Verify("whsec_QmFzZTY0IHNlY3JldCBhZnRlciByb3RhdGlvbg==", d.header, d.body, now, 5*time.Minute)
	assert.Error(t, err, "not with another key")
}

func TestAnswers(t *testing.T) {
	for _, tt := range []struct {
		status    int
		ok        bool
		permanent bool
	}{
		{http.StatusOK, true, false},
		{http.StatusAccepted, true, false},
		{http.StatusInternalServerError, false, false},
		{http.StatusTooManyRequests, false, false},
		{http.StatusBadRequest, false, false},
		{http.StatusFound, false, false},
		{http.StatusGone, false, true},
	} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			rcv := newReceiver(t, tt.status)
			err := notifier(rcv.URL+"/hook?token=receiver-token").Notify(context.Background(), notice())
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.permanent, booking.IsPermanent(err), "permanent: %v", err)
			assert.NotContains(t, err.Error(), "receiver-token", "never the URL")
			assert.NotContains(t, err.Error(), "127.0.0.1")
		})
	}
}

func TestASlowReceiverTimesOutWithoutItsURL(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	rcv.delay = time.Second
	n := notifier(rcv.URL + "/hook?token=receiver-token")
	n.Timeout = 100 * time.Millisecond
	start := time.Now()
	err := n.Notify(context.Background(), notice())
	require.Error(t, err)
	assert.Less(t, time.Since(start), 900*time.Millisecond)
	assert.False(t, booking.IsPermanent(err))
	assert.NotContains(t, err.Error(), "receiver-token")
	assert.NotContains(t, err.Error(), "127.0.0.1")
}

func TestAMissingSecretSendsNothing(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	n := notifier(rcv.URL)
	n.Secrets = secrets{}
	err := n.Notify(context.Background(), notice())
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), notify.SecretName))
	assert.Empty(t, rcv.got)
}

func TestNoReceiverIsATemporaryFailure(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	url := rcv.URL
	rcv.Close()
	err := notifier(url).Notify(context.Background(), notice())
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err))
	assert.NotContains(t, err.Error(), url)
}
