package accesstoken

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

type fetcher struct {
	mu    sync.Mutex
	calls int
	err   error
}

func (f *fetcher) fetch(context.Context) (string, time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return "", 0, f.err
	}
	return fmt.Sprint("tok", f.calls), time.Hour, nil
}

func TestCache(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	f := &fetcher{}
	c := &Cache{Fetch: f.fetch, Now: func() time.Time { return now }, Margin: 5 * time.Minute}
	ctx := context.Background()

	tok, err := c.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, "tok1", tok)
	tok, _ = c.Token(ctx)
	assert.Equal(t, "tok1", tok, "cached")

	now = now.Add(54 * time.Minute)
	tok, _ = c.Token(ctx)
	assert.Equal(t, "tok1", tok, "still more than the margin left")
	now = now.Add(2 * time.Minute)
	tok, _ = c.Token(ctx)
	assert.Equal(t, "tok2", tok, "replaced within the margin of its expiry")

	c.Invalidate("tok1") // an older token: ignored
	tok, _ = c.Token(ctx)
	assert.Equal(t, "tok2", tok)
	c.Invalidate("tok2")
	tok, _ = c.Token(ctx)
	assert.Equal(t, "tok3", tok, "refused: fetched again")

	c.Invalidate("tok3")
	f.err = errors.New("down")
	_, err = c.Token(ctx)
	require.Error(t, err)
	f.err = nil
	tok, _ = c.Token(ctx)
	assert.Equal(t, "tok5", tok, "a failed fetch caches nothing")
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	f := &fetcher{}
	c := &Cache{Fetch: f.fetch, Now: time.Now, Margin: time.Minute}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = c.Token(context.Background()) }()
	}
	wg.Wait()
	assert.Equal(t, 1, f.calls)
}

func TestDo(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	errRefused, errOther := errors.New("401 invalid token"), errors.New("503")
	refused := func(err error) bool { return errors.Is(err, errRefused) }
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		answers []error // what the API answers each call
		want    error
		tokens  []string // the token each call got
	}{
		{"accepted", []error{nil}, nil, []string{"tok1"}},
		{"refused once: a fresh token", []error{errRefused, nil}, nil, []string{"tok1", "tok2"}},
		{"refused twice: no third try", []error{errRefused, errRefused}, errRefused, []string{"tok1", "tok2"}},
		{"another error: no retry", []error{errOther}, errOther, []string{"tok1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cache{Fetch: (&fetcher{}).fetch, Now: func() time.Time { return now }}
			var got []string
			err := c.Do(ctx, func(tok string) error {
				got = append(got, tok)
				return tt.answers[len(got)-1]
			}, refused)
			assert.Equal(t, tt.want, err)
			assert.Equal(t, tt.tokens, got)
		})
	}
}

func TestDoWithoutATokenSendsNothing(t *testing.T) {
	errDown := errors.New("token endpoint answered 503")
	c := &Cache{Fetch: (&fetcher{err: errDown}).fetch, Now: time.Now}
	calls := 0
	err := c.Do(context.Background(), func(string) error { calls++; return nil }, func(error) bool { return false })
	require.ErrorIs(t, err, errDown)
	assert.Zero(t, calls)
	assert.True(t, booking.IsRefused(err), "the call was never sent: a definite refusal")
	assert.False(t, booking.IsPermanent(err))
}
