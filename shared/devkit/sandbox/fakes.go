package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The plumbing every fake shares: the log of requests it received, the queue of faults it answers
// its next requests with and, for the OAuth APIs, the tokens it issued. All are guarded by their
// owner's mutex.

// Request is an API request as a fake received it.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// requestLog is the requests a fake received, oldest first.
type requestLog []Request

func (l *requestLog) record(r *http.Request, body []byte) {
	*l = append(*l, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
}

// copies returns deep copies, so a test cannot change what the fake holds.
func (l requestLog) copies() []Request {
	out := make([]Request, len(l))
	for i, r := range l {
		r.Query = url.Values(http.Header(r.Query).Clone())
		r.Header = r.Header.Clone()
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

// fault is a queued answer for the next n API requests.
type fault struct {
	n          int
	status     int
	retryAfter time.Duration
	hang       bool // no answer at all: the request waits until its client gives up
}

// faultQueue holds faults in the order they were set.
type faultQueue []fault

func (q *faultQueue) push(f fault) {
	if f.n > 0 {
		*q = append(*q, f)
	}
}

// take consumes one request's worth of the oldest fault.
func (q *faultQueue) take() (fault, bool) {
	if len(*q) == 0 {
		return fault{}, false
	}
	f := (*q)[0]
	if (*q)[0].n--; (*q)[0].n == 0 {
		*q = (*q)[1:]
	}
	return f, true
}

// tokenSet is the access tokens an OAuth fake (Zoom, 24sessions) issued, with their expiry.
type tokenSet struct {
	expiry map[string]time.Time
	issued int // how many the token endpoint issued
}

// issue records tok as valid until exp.
func (s *tokenSet) issue(tok string, exp time.Time) {
	if s.expiry == nil {
		s.expiry = map[string]time.Time{}
	}
	s.expiry[tok] = exp
	s.issued++
}

// check reports whether tok was issued and whether it has expired by now.
func (s *tokenSet) check(tok string, now time.Time) (known, expired bool) {
	exp, known := s.expiry[strings.TrimSpace(tok)]
	return known, known && !now.Before(exp)
}

// expireAll makes every token issued so far expire at now.
func (s *tokenSet) expireAll(now time.Time) {
	for tok := range s.expiry {
		s.expiry[tok] = now
	}
}
