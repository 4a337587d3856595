package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"testing"
)

// SQSRecorder is a reverse proxy in front of an SQS emulator that keeps the entries of every
// SendMessageBatch request it forwards, as the emulator received them. goaws v0.5.4 applies
// DelaySeconds to SendMessage but not to SendMessageBatch's entries (its request type marks the
// field "not implemented": such a message can be received at once), so a test reads the delays
// a batch asked for here.
type SQSRecorder struct {
	mu      sync.Mutex
	entries []SQSBatchEntry
}

// SQSBatchEntry is one entry of a SendMessageBatch request in the SQS JSON protocol.
type SQSBatchEntry struct {
	Id           string
	MessageBody  string
	DelaySeconds *int // nil when the entry has none
}

// Front starts the recorder in front of the emulator at endpoint and returns its own endpoint
// URL, for AWSConfig. It is closed at t.Cleanup.
func (r *SQSRecorder) Front(t testing.TB, endpoint string) string {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("SQS recorder: %v", err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if req.Header.Get("X-Amz-Target") == "AmazonSQS.SendMessageBatch" {
			var in struct{ Entries []SQSBatchEntry }
			if err := json.Unmarshal(body, &in); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.mu.Lock()
			r.entries = append(r.entries, in.Entries...)
			r.mu.Unlock()
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Entries returns the entries of the SendMessageBatch requests forwarded so far, in the order
// they arrived.
func (r *SQSRecorder) Entries() []SQSBatchEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.entries)
}
