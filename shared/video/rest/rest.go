// Package rest is the HTTP plumbing the video providers' REST clients (Whereby, Zoom,
// 24sessions) and their OAuth token requests share: it sends a request, reads the answer within
// a bound, decodes a JSON answer, and turns a failed one into an error classified for
// booking.Provider. A 429 waits as its Retry-After header asks (RFC 9110 §10.2.3). Errors never
// carry a request's URL, which may hold an e-mail address or a secret, and quote a provider's
// message only with its e-mail addresses redacted.
package rest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

const (
	maxBody    = 4 << 20 // an API answer read
	maxMessage = 300     // a provider's message an error quotes
)

// How long one call may take, from sending the request to reading the whole answer, by what it
// does: a read, a delete or a token request is quick; a create or an update makes or moves a
// room, which providers take longer over. A call that hangs is cut off then, so it holds a worker
// that long and no longer (the reconciler's lease outlasts a step's calls), and its outcome is
// unknown.
const (
	ReadTimeout  = 5 * time.Second  // GET, HEAD, DELETE; a token request
	WriteTimeout = 10 * time.Second // POST, PUT, PATCH
)

// Client calls one provider's REST API. Make one with New; it is safe for concurrent use.
type Client struct {
	Provider   string           // the provider as errors name it: "zoom"
	BaseURL    string           // request paths go under it: "https://api.zoom.us/v2"
	MediaType  string           // Accept, and the Content-Type of a body; empty means application/json
	HTTPClient *http.Client     // New makes a nil one http.DefaultClient; each call has its own timeout
	Now        func() time.Time // New makes a nil one time.Now
	Throttle   time.Duration    // the wait after a 429 that names none
	// ReadTimeout and WriteTimeout bound a call by its method; zero means the constant of the
	// same name.
	ReadTimeout, WriteTimeout time.Duration
	// Credentials names what a 401 or 403 rejects ("the API key"), for an error that says so
	// instead of quoting the answer; empty reports those answers like any other.
	Credentials string
	// ReadProblem reads the provider's error body; nil reads nothing of it.
	ReadProblem func(body []byte) Problem
	// Refine, when set, sees each failed answer, received at now, first and may return the error
	// to report instead of the usual classification (nil keeps it), such as Zoom's daily cap: a
	// pause of the calls that make rooms until midnight.
	Refine func(a Answer, e *Error, now time.Time) error
}

// New returns a Client of c's fields, with the defaults for a nil HTTPClient and Now.
func New(c Client) *Client {
	c.HTTPClient = cmp.Or(c.HTTPClient, http.DefaultClient)
	if c.Now == nil {
		c.Now = time.Now
	}
	return &c
}

// timeout is how long a call with the method may take.
func (c *Client) timeout(method string) time.Duration {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
		return cmp.Or(c.ReadTimeout, ReadTimeout)
	}
	return cmp.Or(c.WriteTimeout, WriteTimeout)
}

// Request is one call of a Client.
type Request struct {
	Method string
	// Path is the request's path under the client's BaseURL, with its query. Errors name only
	// its first segment ("users" of /users/{address}/meetings).
	Path        string
	Body        any    // sent as JSON when not nil
	ContentType string // Body's media type when not the client's: "application/merge-patch+json"
	Token       string // a bearer token; empty sends no Authorization
}

// RetryPause is how long Do waits before asking a GET again.
const RetryPause = 200 * time.Millisecond

// Do sends r and decodes a 2xx JSON answer into out; an empty answer, or a nil out, decodes
// nothing. A GET that meets a 5xx or a broken connection is asked once more after RetryPause
// (a GET changes nothing, RFC 9110 §9.2.1): a provider's passing fault then costs a multi-page
// listing, such as the one that finds a room a stopped run made, one page's request rather than
// the whole listing. A GET that timed out is not asked again (it held its worker long enough),
// nor is a 429 (the provider's pause says when) or a 4xx. Any other answer is an *Error classified by Classify, with the provider's wait (see
// Problem) and then c.Throttle as the waits after a 429 without Retry-After. The call may take
// c.ReadTimeout or c.WriteTimeout, by its method. Transport errors are temporary, refused when no
// connection was made (see Send), and name the call by its method and the first segment of its
// path.
func (c *Client) Do(ctx context.Context, r Request, out any) error {
	err := c.do(ctx, r, out)
	if r.Method != http.MethodGet || !retryable(err) {
		return err
	}
	t := time.NewTimer(RetryPause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return err
	case <-t.C:
	}
	return c.do(ctx, r, out)
}

// retryable reports whether a GET that failed with err may be asked again at once: a 5xx, or a
// connection broken or refused, but not a timeout.
func retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Status >= 500
	}
	return err != nil && errors.As(err, new(transportError)) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
}

// transportError marks an error of Send's: the request got no answer.
type transportError struct{ error }

func (e transportError) Unwrap() error { return e.error }

// do is one try of Do.
func (c *Client) do(ctx context.Context, r Request, out any) error {
	label := r.Method + " " + firstSegment(r.Path)
	ctx, cancel := context.WithTimeout(ctx, c.timeout(r.Method))
	defer cancel()
	var body io.Reader
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return booking.Permanent(fmt.Errorf("%s: encode request: %w", label, err))
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, c.BaseURL+r.Path, body)
	if err != nil {
		return booking.Permanent(fmt.Errorf("%s: build request: %w", label, withoutURL(err)))
	}
	media := cmp.Or(c.MediaType, "application/json")
	req.Header.Set("Accept", media)
	if r.Body != nil {
		req.Header.Set("Content-Type", cmp.Or(r.ContentType, media))
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	a, err := Send(c.HTTPClient, req, label, maxBody)
	if err != nil {
		return err
	}
	if a.Status < 200 || a.Status > 299 {
		return c.fail(a)
	}
	if out == nil || len(bytes.TrimSpace(a.Body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(a.Body, out); err != nil {
		return fmt.Errorf("decode response (%d): %w", a.Status, err)
	}
	return nil
}

func (c *Client) fail(a Answer) error {
	var p Problem
	if c.ReadProblem != nil {
		p = c.ReadProblem(a.Body)
	}
	e := &Error{Provider: c.Provider, Status: a.Status, Code: p.Code, Message: Excerpt(p.Message, maxMessage), rejected: c.Credentials}
	now := c.Now()
	if c.Refine != nil {
		if err := c.Refine(a, e, now); err != nil {
			return err
		}
	}
	return Classify(e, a, now, p.Wait, c.Throttle)
}

// Answer is an HTTP answer with its body read.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send sends req with hc and reads the answer's body, at most limit bytes of it. A transport
// error (a timeout, a refused connection, a cancelled context: all temporary) names the request
// as label and never carries its URL. One that came before a connection was made is
// booking.Refused, as not a byte of the request went out; after that, the provider may have
// acted on it, and the outcome is unknown.
func Send(hc *http.Client, req *http.Request, label string, limit int64) (Answer, error) {
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }}
	resp, err := hc.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil {
		err = transportError{fmt.Errorf("%s: %w", label, withoutURL(err))}
		if !connected.Load() {
			return Answer{}, booking.Refused(err)
		}
		return Answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return Answer{}, fmt.Errorf("%s: read response: %w", label, err)
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// withoutURL returns the cause a *url.Error reports, without its URL.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// firstSegment is the first segment of a request path, all of it an error may name: the rest
// may hold an e-mail address (Zoom's /users/{userId}).
func firstSegment(path string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	seg, _, _ = strings.Cut(seg, "?")
	return seg
}
