// Package faultproxy provides an HTTP proxy that puts a provider API's bad days between a client
// and a fake of that API (shared/devkit/sandbox): server errors, 429s with Retry-After
// (RFC 9110 §10.2.3), requests that hang until the client gives up, answers lost after the
// provider acted, and connections dropped before the request reached it. Each request meets a
// fault with the configured chances, drawn from a generator seeded by the caller, so a run's
// sequence of faults can be had again (which request meets which depends on the order they
// arrive in).
package faultproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is what a request meets on its way through the proxy.
type Fault string

// The faults, in the order the chances are laid out on [0, 1).
const (
	// ServerError answers 5xx: half of them 503 before the provider saw the request, half 502
	// after it acted, as a failing gateway in front of a provider does.
	ServerError Fault = "5xx"
	// Throttle answers 429 with a Retry-After of 1 s up to Options.MaxRetryAfter, without
	// forwarding.
	Throttle Fault = "429"
	// Hang holds the request unanswered and unforwarded until the client gives up (or
	// Options.MaxHang passes), then drops the connection.
	Hang Fault = "hang"
	// LostAnswer forwards the request, lets the provider act, and drops the connection instead
	// of answering: the client cannot know what happened.
	LostAnswer Fault = "lost answer"
	// Drop drops the connection before forwarding.
	Drop Fault = "drop"
)

// Faults lists every fault.
var Faults = []Fault{ServerError, Throttle, Hang, LostAnswer, Drop}

// Rates are the chances, each in [0, 1] and together at most 1, that a request meets each fault.
type Rates map[Fault]float64

// Options configure a Proxy.
type Options struct {
	Target string // the API's base URL; a request's path and query are appended
	Rates  Rates
	Seed   uint64
	// MaxRetryAfter bounds a 429's Retry-After (whole seconds, at least 1); 0 means 3 s.
	MaxRetryAfter time.Duration
	// MaxHang bounds a hang whose client never gives up; 0 means a minute.
	MaxHang time.Duration
}

// Counts says what the proxy did so far.
type Counts struct {
	Requests  int           // requests received
	Forwarded int           // requests passed on to the provider
	Faults    map[Fault]int // requests that met each fault
}

// Proxy is an http.Handler forwarding every request to its target, some of them with a fault.
// It is safe for concurrent use.
type Proxy struct {
	target  *url.URL
	rates   Rates
	maxWait time.Duration
	maxHang time.Duration
	client  *http.Client

	mu     sync.Mutex
	rng    *rand.Rand
	counts Counts
}

// New returns a proxy for o.
func New(o Options) (*Proxy, error) {
	u, err := url.Parse(strings.TrimRight(o.Target, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fault proxy: target %q is not an absolute http(s) URL", o.Target)
	}
	sum := 0.0
	for f, r := range o.Rates {
		if r < 0 || r > 1 {
			return nil, fmt.Errorf("fault proxy: rate of %s is %v, not in [0, 1]", f, r)
		}
		sum += r
	}
	if sum > 1 {
		return nil, fmt.Errorf("fault proxy: the rates add up to %v, more than 1", sum)
	}
	p := &Proxy{
		target:  u,
		rates:   o.Rates,
		maxWait: o.MaxRetryAfter,
		maxHang: o.MaxHang,
		client:  &http.Client{},
		rng:     rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		counts:  Counts{Faults: map[Fault]int{}},
	}
	if p.maxWait < time.Second {
		p.maxWait = 3 * time.Second
	}
	if p.maxHang <= 0 {
		p.maxHang = time.Minute
	}
	return p, nil
}

// Counts returns what the proxy did so far.
func (p *Proxy) Counts() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.counts
	c.Faults = make(map[Fault]int, len(p.counts.Faults))
	for f, n := range p.counts.Faults {
		c.Faults[f] = n
	}
	return c
}

// draw is one request's lot: its fault (empty for none), and what the fault needs of chance.
type draw struct {
	fault      Fault
	after      bool          // ServerError: after the provider acted
	retryAfter time.Duration // Throttle
}

// roll draws a request's lot from the seeded generator, the same number of draws whatever the
// outcome, so each request moves the sequence on alike.
func (p *Proxy) roll() draw {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts.Requests++
	u, coin, wait := p.rng.Float64(), p.rng.IntN(2), p.rng.Int64N(int64(p.maxWait/time.Second))
	d := draw{after: coin == 1, retryAfter: time.Duration(1+wait) * time.Second}
	for _, f := range Faults {
		if u < p.rates[f] {
			d.fault = f
			p.counts.Faults[f]++
			break
		}
		u -= p.rates[f]
	}
	return d
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	d := p.roll()
	switch d.fault {
	case Throttle:
		w.Header().Set("Retry-After", strconv.Itoa(int(d.retryAfter/time.Second)))
		writeError(w, http.StatusTooManyRequests)
		return
	case ServerError:
		if d.after {
			if _, err := p.forward(context.WithoutCancel(r.Context()), r, body); err != nil {
				panic(http.ErrAbortHandler)
			}
			writeError(w, http.StatusBadGateway)
			return
		}
		writeError(w, http.StatusServiceUnavailable)
		return
	case Hang:
		t := time.NewTimer(p.maxHang)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		panic(http.ErrAbortHandler)
	case Drop:
		panic(http.ErrAbortHandler)
	case LostAnswer:
		// The provider acts even if the client gives up meanwhile; only the answer is lost.
		_, _ = p.forward(context.WithoutCancel(r.Context()), r, body)
		panic(http.ErrAbortHandler)
	}
	resp, err := p.forward(r.Context(), r, body)
	if err != nil {
		writeError(w, http.StatusBadGateway)
		return
	}
	for k, vs := range resp.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// answer is the provider's answer, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// hopHeaders are the hop-by-hop headers (RFC 9110 §7.6.1) a proxy does not pass on.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length"}

// forward sends r, with its body already read, to the target and reads the answer.
func (p *Proxy) forward(ctx context.Context, r *http.Request, body []byte) (answer, error) {
	u := *p.target
	u.Path = p.target.Path + r.URL.Path
	u.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	p.mu.Lock()
	p.counts.Forwarded++
	p.mu.Unlock()
	resp, err := p.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	h := resp.Header.Clone()
	for _, k := range hopHeaders {
		h.Del(k)
	}
	return answer{status: resp.StatusCode, header: h, body: b}, nil
}

func writeError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": http.StatusText(status)})
}
