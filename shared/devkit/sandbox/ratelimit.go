package sandbox

import (
	"sync"
	"time"
)

// RateLimit is a request budget a fake enforces on its API, as Whereby enforces its per-minute
// budget (https://docs.whereby.com/reference/whereby-rest-api-reference, "Rate limits"): a request
// over it is answered 429 with the time until the budget allows the next one. A refused request
// spends nothing. It reads the fake's clock, so a test or benchmark can run it on a scaled one.
// Make one with FixedWindow or Spaced; it is safe for concurrent use.
type RateLimit struct {
	n      int
	per    time.Duration
	spaced bool

	mu    sync.Mutex
	start time.Time // FixedWindow: the first window's start, set by the first request
	used  int       // FixedWindow: requests allowed in the current window
	win   time.Time // FixedWindow: the current window's start
	next  time.Time // Spaced: when the next request may come
}

// FixedWindow allows n requests in each window of length per, the windows following each other
// from the first request on: a burst of n, then nothing until the next window opens.
func FixedWindow(n int, per time.Duration) *RateLimit {
	return &RateLimit{n: max(n, 1), per: per}
}

// Spaced allows n requests per period per, evenly spaced with no burst: a request is allowed
// once per/n has passed since the last allowed one.
func Spaced(n int, per time.Duration) *RateLimit {
	return &RateLimit{n: max(n, 1), per: per, spaced: true}
}

// take spends one request at now if the budget allows it and returns 0; otherwise it spends
// nothing and returns how long until a request would be allowed, rounded up to the millisecond.
func (l *RateLimit) take(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	switch {
	case l.spaced:
		if l.next.IsZero() || !now.Before(l.next) {
			l.next = now.Add(l.per / time.Duration(l.n))
			return 0
		}
		wait = l.next.Sub(now)
	default:
		if l.start.IsZero() {
			l.start = now
		}
		win := l.start.Add(now.Sub(l.start) / l.per * l.per)
		if !win.Equal(l.win) {
			l.win, l.used = win, 0
		}
		if l.used < l.n {
			l.used++
			return 0
		}
		wait = win.Add(l.per).Sub(now)
	}
	return (wait + time.Millisecond - 1).Truncate(time.Millisecond)
}
