// Package accesstoken caches the one OAuth 2.0 access token a provider client holds (RFC 6749
// §4.4-style grants, such as Zoom's Server-to-Server OAuth and 24sessions' client credentials,
// which issue no refresh token): a token is fetched when there is none or it is about to expire,
// concurrent callers share one fetch, and a token the API refuses is dropped so the next call
// fetches another. Endpoint requests the token, in the shape each provider documents, and reads
// the answer the same way for both.
package accesstoken

import (
	"context"
	"sync"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Cache holds one access token. Set Fetch, Now and Margin before first use; it is safe for
// concurrent use.
type Cache struct {
	// Fetch requests a new token and says how long it lasts.
	Fetch func(ctx context.Context) (token string, ttl time.Duration, err error)
	Now   func() time.Time
	// Margin is how long before its expiry a token is replaced, so a request never carries a
	// token that expires on the way.
	Margin time.Duration

	mu      sync.Mutex
	current string
	expires time.Time
}

// Token returns the cached token, fetching a new one when there is none or it expires within
// Margin. A failed fetch caches nothing.
func (c *Cache) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current != "" && c.Now().Add(c.Margin).Before(c.expires) {
		return c.current, nil
	}
	tok, ttl, err := c.Fetch(ctx)
	if err != nil {
		return "", err
	}
	c.current, c.expires = tok, c.Now().Add(ttl)
	return tok, nil
}

// Invalidate forgets tok if it is still the cached token (the API refused it), so the next call
// fetches another. A token another caller has already replaced is left alone.
func (c *Cache) Invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current == tok {
		c.current = ""
	}
}

// Do calls call with the current token. When the API refuses that token (refused reports it of
// call's error), the token is dropped and call runs once more with a fresh one; a second refusal
// is returned as it is. A token that cannot be had is a booking.Refused error: the call it was
// for was never sent.
func (c *Cache) Do(ctx context.Context, call func(token string) error, refused func(error) bool) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return booking.Refused(err)
		}
		err = call(tok)
		if attempt == 0 && refused(err) {
			c.Invalidate(tok)
			continue
		}
		return err
	}
}
