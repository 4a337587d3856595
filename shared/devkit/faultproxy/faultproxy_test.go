package faultproxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/faultproxy"
)

// upstream is a provider stand-in that counts the requests it received.
type upstream struct {
	srv  *httptest.Server
	seen atomic.Int64
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.seen.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Path", r.URL.Path+"?"+r.URL.RawQuery)
		w.Header().Set("X-Auth", r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(append([]byte("got "), body...))
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func newProxy(t *testing.T, target string, rates faultproxy.Rates, seed uint64) (*faultproxy.Proxy, *httptest.Server) {
	t.Helper()
	p, err := faultproxy.New(faultproxy.Options{Target: target, Rates: rates, Seed: seed, MaxRetryAfter: 2 * time.Second, MaxHang: 5 * time.Second})
	require.NoError(t, err)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

func post(client *http.Client, url string) (*http.Response, error) {
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/meetings?fields=x", strings.NewReader(`{"a":1}`))
	req.Header.Set("Authorization", "Bearer k")
	return client.Do(req)
}

func TestEachFault(t *testing.T) {
	tests := []struct {
		fault     faultproxy.Fault
		forwarded []int64 // what the provider may have seen
		status    []int   // the answer's status; none: the client gets an error
	}{
		{"", []int64{1}, []int{http.StatusCreated}},
		{faultproxy.ServerError, []int64{0, 1}, []int{http.StatusServiceUnavailable, http.StatusBadGateway}},
		{faultproxy.Throttle, []int64{0}, []int{http.StatusTooManyRequests}},
		{faultproxy.Hang, []int64{0}, nil},
		{faultproxy.LostAnswer, []int64{1}, nil},
		{faultproxy.Drop, []int64{0}, nil},
	}
	for _, tt := range tests {
		name := string(tt.fault)
		if name == "" {
			name = "none"
		}
		t.Run(name, func(t *testing.T) {
			up := newUpstream(t)
			rates := faultproxy.Rates{}
			if tt.fault != "" {
				rates[tt.fault] = 1
			}
			p, srv := newProxy(t, up.srv.URL+"/api", rates, 1)
			client := &http.Client{Timeout: 300 * time.Millisecond}
			resp, err := post(client, srv.URL)
			if tt.status == nil {
				require.Error(t, err, "the client gets no answer")
			} else {
				require.NoError(t, err)
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				assert.Contains(t, tt.status, resp.StatusCode)
				if tt.fault == "" {
					assert.Equal(t, `got {"a":1}`, string(body))
					assert.Equal(t, "/api/v1/meetings?fields=x", resp.Header.Get("X-Path"))
					assert.Equal(t, "Bearer k", resp.Header.Get("X-Auth"))
				}
				if tt.fault == faultproxy.Throttle {
					secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
					require.NoError(t, err)
					assert.True(t, secs >= 1 && secs <= 2, "Retry-After %d", secs)
				}
			}
			assert.Eventually(t, func() bool { return slices.Contains(tt.forwarded, up.seen.Load()) }, 2*time.Second, 10*time.Millisecond, "the provider saw %d requests", up.seen.Load())
			c := p.Counts()
			assert.Equal(t, 1, c.Requests)
			if tt.fault != "" {
				assert.Equal(t, map[faultproxy.Fault]int{tt.fault: 1}, c.Faults)
			} else {
				assert.Empty(t, c.Faults)
			}
		})
	}
}

// TestSameSeedSameFaults: requests sent one after another meet the same faults under the same
// seed, in the proportions asked for.
func TestSameSeedSameFaults(t *testing.T) {
	up := newUpstream(t)
	rates := faultproxy.Rates{faultproxy.ServerError: 0.2, faultproxy.Throttle: 0.2}
	outcomes := func(seed uint64) ([]int, faultproxy.Counts) {
		p, srv := newProxy(t, up.srv.URL, rates, seed)
		var got []int
		for range 200 {
			resp, err := post(http.DefaultClient, srv.URL)
			require.NoError(t, err)
			resp.Body.Close()
			got = append(got, resp.StatusCode)
		}
		return got, p.Counts()
	}
	a, counts := outcomes(7)
	b, _ := outcomes(7)
	c, _ := outcomes(8)
	assert.Equal(t, a, b, "same seed, same faults")
	assert.NotEqual(t, a, c, "another seed, other faults")
	assert.Equal(t, 200, counts.Requests)
	for _, f := range []faultproxy.Fault{faultproxy.ServerError, faultproxy.Throttle} {
		assert.InDelta(t, 40, counts.Faults[f], 20, "%s", f)
	}
}

func TestBadOptions(t *testing.T) {
	for name, o := range map[string]faultproxy.Options{
		"relative target":  {Target: "/api"},
		"rate over 1":      {Target: "http://x", Rates: faultproxy.Rates{faultproxy.Drop: 1.5}},
		"negative rate":    {Target: "http://x", Rates: faultproxy.Rates{faultproxy.Drop: -0.1}},
		"rates add over 1": {Target: "http://x", Rates: faultproxy.Rates{faultproxy.Drop: 0.6, faultproxy.Hang: 0.6}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := faultproxy.New(o)
			assert.Error(t, err)
		})
	}
}
