package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// client returns a Client for an API that answers every request with handler.
func client(t *testing.T, handler http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &Client{
		Provider: "acme", BaseURL: srv.URL + "/v1", HTTPClient: srv.Client(),
		Now: func() time.Time { return now }, Throttle: 7 * time.Second,
		ReadProblem: func(body []byte) Problem {
			var p struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
				WaitMs  int64  `json:"waitMs"`
			}
			_ = json.Unmarshal(body, &p)
			return Problem{Code: p.Code, Message: p.Message, Wait: time.Duration(p.WaitMs) * time.Millisecond}
		},
	}
}

func TestDoSends(t *testing.T) {
	var got *http.Request
	var body string
	c := client(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		fmt.Fprint(w, `{"id":"m1"}`)
	})
	var out struct{ ID string }
	err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/meetings?x=1", Body: map[string]int{"n": 1}, Token: "tok"}, &out)
	require.NoError(t, err)
	assert.Equal(t, "m1", out.ID)
	assert.Equal(t, "/v1/meetings", got.URL.Path)
	assert.Equal(t, "x=1", got.URL.RawQuery)
	assert.Equal(t, "Bearer tok", got.Header.Get("Authorization"))
	assert.Equal(t, "application/json", got.Header.Get("Accept"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"n":1}`, body)

	c.MediaType = "application/ld+json"
	err = c.Do(t.Context(), Request{Method: http.MethodPatch, Path: "/meetings/1", Body: map[string]int{}, ContentType: "application/merge-patch+json"}, nil)
	require.NoError(t, err)
	assert.Equal(t, "application/ld+json", got.Header.Get("Accept"))
	assert.Equal(t, "application/merge-patch+json", got.Header.Get("Content-Type"))
	assert.Empty(t, got.Header.Get("Authorization"), "no token, no header")

	err = c.Do(t.Context(), Request{Method: http.MethodGet, Path: "/meetings"}, nil)
	require.NoError(t, err)
	assert.Empty(t, got.Header.Get("Content-Type"), "no body, no Content-Type")
}

func TestDoDecodes(t *testing.T) {
	for _, tt := range []struct {
		name, body, wantErr string
	}{
		{"JSON", `{"id":"m1"}`, ""},
		{"empty", ``, ""},
		{"blank", " \n", ""},
		{"not JSON", `<html>`, "decode response (200)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := client(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tt.body) })
			var out struct{ ID string }
			err := c.Do(t.Context(), Request{Method: http.MethodGet, Path: "/meetings/m1"}, &out)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestDoFailures(t *testing.T) {
	for _, tt := range []struct {
		name      string
		status    int
		header    string // Retry-After
		body      string
		permanent bool
		delay     time.Duration
		want      string
		refused   bool // the provider certainly did nothing
	}{
		{"429 Retry-After seconds", 429, "3", `{"waitMs":1500}`, false, 3 * time.Second, "acme answered 429 Too Many Requests", true},
		{"429 Retry-After date", 429, "Sun, 22 Nov 2026 10:01:30 GMT", ``, false, 90 * time.Second, "acme answered 429 Too Many Requests", true},
		{"429 the body's wait", 429, "soon", `{"waitMs":1500}`, false, 1500 * time.Millisecond, "acme answered 429 Too Many Requests", true},
		{"429 the body's wait, within Retry-After's second", 429, "2", `{"waitMs":1500}`, false, 1500 * time.Millisecond, "acme answered 429 Too Many Requests", true},
		{"429 the provider's default", 429, "", `{"waitMs":-5}`, false, 7 * time.Second, "acme answered 429 Too Many Requests", true},
		{"5xx temporary", 503, "", ``, false, 0, "acme answered 503 Service Unavailable", false},
		{"4xx permanent, code and message", 404, "", `{"code":3001,"message":"Meeting does not exist: 42."}`, true, 0,
			"acme answered 404 (code 3001): Meeting does not exist: 42.", true},
		{"rejected credentials", 401, "", `{"message":"Invalid access token"}`, true, 0, "acme rejected the API key (401)", true},
		{"3xx not followed", 304, "", ``, false, 0, "acme answered 304 Not Modified", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := client(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			c.Credentials = "the API key"
			err := c.Do(t.Context(), Request{Method: http.MethodGet, Path: "/meetings/42"}, nil)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.Equal(t, tt.permanent, booking.IsPermanent(err), "IsPermanent")
			assert.Equal(t, tt.delay, booking.RetryDelay(err), "RetryDelay")
			assert.Equal(t, tt.refused, booking.IsRefused(err), "IsRefused")
			assert.True(t, IsStatus(err, tt.status, 0))
			kind, until, throttled := booking.Throttle(err)
			assert.Equal(t, tt.status == http.StatusTooManyRequests, throttled, "a 429 pauses the provider")
			if throttled {
				assert.Equal(t, booking.PauseAll, kind, "every call waits")
				assert.Equal(t, now.Add(tt.delay), until, "from the answer")
			}
		})
	}
}

// TestTransportErrorsRefusedOnlyBeforeAConnection checks that a call that failed before it had a
// connection is a definite refusal, and that one that failed after its request went out is not:
// the provider may have acted on it.
func TestTransportErrorsRefusedOnlyBeforeAConnection(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there now
	c := &Client{Provider: "acme", BaseURL: closed.URL, HTTPClient: closed.Client(), Now: time.Now}
	err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/meetings", Body: map[string]int{}}, nil)
	require.Error(t, err)
	assert.True(t, booking.IsRefused(err), "no connection, nothing sent: %v", err)
	assert.False(t, booking.IsPermanent(err))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = c.Do(ctx, Request{Method: http.MethodPost, Path: "/meetings"}, nil)
	assert.True(t, booking.IsRefused(err), "cancelled before connecting: %v", err)

	received := make(chan struct{}, 1)
	dropped := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		received <- struct{}{}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // the request arrived; the answer never leaves
		}
	}))
	defer dropped.Close()
	c = &Client{Provider: "acme", BaseURL: dropped.URL, HTTPClient: dropped.Client(), Now: time.Now}
	err = c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/meetings", Body: map[string]int{}}, nil)
	require.Error(t, err)
	<-received
	assert.False(t, booking.IsRefused(err), "the request went out: the outcome is unknown: %v", err)
	assert.False(t, booking.IsPermanent(err))
}

func TestDoRefine(t *testing.T) {
	c := client(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"code":429,"message":"daily cap"}`)
	})
	errCap := errors.New("the daily cap")
	c.Refine = func(a Answer, e *Error, _ time.Time) error {
		if a.Status == http.StatusTooManyRequests && e.Message == "daily cap" {
			return booking.Permanent(fmt.Errorf("%w: %w", errCap, e))
		}
		return nil
	}
	err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/meetings"}, nil)
	require.ErrorIs(t, err, errCap)
	assert.True(t, booking.IsPermanent(err))
	assert.True(t, IsStatus(err, http.StatusTooManyRequests, 429))
	assert.False(t, IsStatus(err, http.StatusTooManyRequests, 124), "another code")
}

func TestErrorsRedactAndShortenMessages(t *testing.T) {
	long := strings.Repeat("é", 400) // two bytes each: a byte count of 300 cuts none in half
	c := client(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"message":"User does not exist: ada@example.com. %s"}`, long)
	})
	err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/users/me/meetings"}, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "ada@example.com")
	assert.Contains(t, err.Error(), "User does not exist: <address>. éé")
	assert.True(t, utf8.ValidString(err.Error()), "cut between runes: %q", err.Error())
	assert.True(t, strings.HasSuffix(err.Error(), "é…"))
}

func TestExcerpt(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		n        int
		want     string
	}{
		{"short", "Validation failed", 300, "Validation failed"},
		{"ASCII", "abcdef", 4, "abcd…"},
		{"inside a two-byte rune", "aéé", 2, "a…"},
		{"after a two-byte rune", "aéé", 3, "aé…"},
		{"inside a three-byte rune", "日本語", 5, "日…"},
		{"inside a four-byte rune", "🙂🙂", 7, "🙂…"},
		{"an address", "Invalid alternative hosts: a@x.org;b@y.net", 300, "Invalid alternative hosts: <address>;<address>"},
		{"an address past the cut", "no such user: " + strings.Repeat("x", 20) + "@example.com", 20, "no such user: <addre…"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Excerpt(tt.in, tt.n)
			assert.Equal(t, tt.want, got)
			assert.True(t, utf8.ValidString(got))
		})
	}
}

func TestTransportErrorsCarryNoURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there now
	c := &Client{Provider: "acme", BaseURL: srv.URL + "/v2", HTTPClient: srv.Client(), Now: time.Now}
	err := c.Do(t.Context(), Request{Method: http.MethodGet, Path: "/users/ada@example.com/meetings?token=s3cret"}, nil)
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err), "a refused connection is temporary")
	assert.True(t, strings.HasPrefix(err.Error(), "GET users: "), "%q names the call", err)
	assert.NotContains(t, err.Error(), "@")
	assert.NotContains(t, err.Error(), "s3cret")
	assert.NotContains(t, err.Error(), "/v2")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = c.Do(ctx, Request{Method: http.MethodGet, Path: "/meetings?q=ada@example.com"}, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "GET meetings: context canceled", err.Error())

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/token?client_secret=s3cret", nil)
	require.NoError(t, err)
	_, err = Send(srv.Client(), req, "token request", 1<<10)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "token request: "), "%q", err)
	assert.NotContains(t, err.Error(), "s3cret")
	assert.NotContains(t, err.Error(), "/token")
}

func TestSendBoundsTheBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 100))
	}))
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	a, err := Send(srv.Client(), req, "GET", 10)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, a.Status)
	assert.Equal(t, strings.Repeat("x", 10), string(a.Body))
}

func TestRetryAfterHeader(t *testing.T) {
	for header, want := range map[string]time.Duration{
		"120":                           2 * time.Minute,
		" 5 ":                           5 * time.Second,
		"0":                             0,
		"-3":                            0,
		"":                              0,
		"soon":                          0,
		"Sun, 22 Nov 2026 10:01:30 GMT": 90 * time.Second,
		"Sun, 22 Nov 2026 09:00:00 GMT": 0, // in the past
	} {
		assert.Equal(t, want, RetryAfterHeader(header, now), "%q", header)
	}
}

// TestCallsTimeOutByWhatTheyDo checks that a call that hangs is cut off after its method's
// timeout — a read or a delete sooner than a create or an update — with an unknown outcome.
func TestCallsTimeOutByWhatTheyDo(t *testing.T) {
	assert.Equal(t, 5*time.Second, (&Client{}).timeout(http.MethodGet), "the defaults")
	assert.Equal(t, 5*time.Second, (&Client{}).timeout(http.MethodDelete))
	assert.Equal(t, 10*time.Second, (&Client{}).timeout(http.MethodPost))
	assert.Equal(t, 10*time.Second, (&Client{}).timeout(http.MethodPatch))

	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := &Client{Provider: "acme", BaseURL: srv.URL, HTTPClient: srv.Client(), Now: time.Now,
		ReadTimeout: 50 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}
	for _, tt := range []struct {
		method string
		want   time.Duration
	}{
		{http.MethodGet, 50 * time.Millisecond},
		{http.MethodDelete, 50 * time.Millisecond},
		{http.MethodPost, 300 * time.Millisecond},
		{http.MethodPut, 300 * time.Millisecond},
	} {
		t.Run(tt.method, func(t *testing.T) {
			start := time.Now()
			err := c.Do(t.Context(), Request{Method: tt.method, Path: "/meetings/42"}, nil)
			took := time.Since(start)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			assert.False(t, booking.IsRefused(err), "the request went out: the outcome is unknown")
			assert.GreaterOrEqual(t, took, tt.want)
			assert.Less(t, took, 4*time.Second, "cut off at the call's own timeout, not a client-wide one")
		})
	}
}

// TestAPassingFaultCostsAReadOneMoreRequest checks that a GET meeting a 5xx or a broken
// connection is asked once more, and that nothing else is: a call that may have changed
// something, a refusal, a 429 (the provider's pause says when) and a timeout.
func TestAPassingFaultCostsAReadOneMoreRequest(t *testing.T) {
	const broken = -1 // the connection is closed without an answer
	const hang = -2   // no answer before the call's timeout
	for _, tt := range []struct {
		name    string
		method  string
		answers []int // the API's answers in turn; 200 after them
		ok      bool
		asked   int
	}{
		{"a GET after a 503", http.MethodGet, []int{503}, true, 2},
		{"a GET after a 500", http.MethodGet, []int{500}, true, 2},
		{"a GET after a broken connection", http.MethodGet, []int{broken}, true, 2},
		{"a GET whose fault lasts", http.MethodGet, []int{503, 502}, false, 2},
		{"a GET refused", http.MethodGet, []int{404}, false, 1},
		{"a GET throttled", http.MethodGet, []int{429}, false, 1},
		{"a GET that timed out", http.MethodGet, []int{hang}, false, 1},
		{"a POST after a 503", http.MethodPost, []int{503}, false, 1},
		{"a DELETE after a 503", http.MethodDelete, []int{503}, false, 1},
		{"a PATCH after a broken connection", http.MethodPatch, []int{broken}, false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			asked := 0
			c := client(t, func(w http.ResponseWriter, r *http.Request) {
				asked++
				status := http.StatusOK
				if asked <= len(tt.answers) {
					status = tt.answers[asked-1]
				}
				switch status {
				case broken:
					conn, _, err := w.(http.Hijacker).Hijack()
					require.NoError(t, err)
					conn.Close()
				case hang:
					<-r.Context().Done()
				default:
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(status)
				}
			})
			c.ReadTimeout, c.WriteTimeout = 100*time.Millisecond, 100*time.Millisecond
			err := c.Do(t.Context(), Request{Method: tt.method, Path: "/meetings/42"}, nil)
			assert.Equal(t, tt.ok, err == nil, "err: %v", err)
			assert.Equal(t, tt.asked, asked, "requests")
		})
	}

	t.Run("not after the caller gave up", func(t *testing.T) {
		asked := 0
		ctx, cancel := context.WithCancel(t.Context())
		c := client(t, func(w http.ResponseWriter, r *http.Request) {
			asked++
			cancel()
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		require.Error(t, c.Do(ctx, Request{Method: http.MethodGet, Path: "/meetings/42"}, nil))
		assert.Equal(t, 1, asked)
	})
}
