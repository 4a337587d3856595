package worker

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// fakeSecrets serves one secret and counts reads; err, while set, fails them.
type fakeSecrets struct {
	mu    sync.Mutex
	value string
	err   error
	reads int
}

func (s *fakeSecrets) Secret(_ context.Context, name string, _ bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if name != "WHEREBY_API_KEY" {
		return "", nil
	}
	return s.value, s.err
}

// keyedProvider records the key it was built with.
type keyedProvider struct {
	key   string
	mu    sync.Mutex
	calls []string
}

func (p *keyedProvider) record(call string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call)
}

func (p *keyedProvider) CreateRoom(context.Context, booking.RoomSpec) (booking.Room, error) {
	p.record("create")
	return booking.Room{ID: "r1"}, nil
}

func (p *keyedProvider) DeleteRoom(context.Context, booking.Room) error {
	p.record("delete")
	return nil
}

func (p *keyedProvider) TaggedRooms(context.Context) ([]booking.Room, error) {
	p.record("list")
	return nil, nil
}

func TestSecretProvider(t *testing.T) {
	ctx := context.Background()
	newProvider := func(sec *fakeSecrets) (*SecretProvider, *[]*keyedProvider) {
		var built []*keyedProvider
		return &SecretProvider{Secrets: sec, Name: "WHEREBY_API_KEY", New: func(key string) booking.Provider {
			p := &keyedProvider{key: key}
			built = append(built, p)
			return p
		}}, &built
	}

	t.Run("reads the secret on first use, once", func(t *testing.T) {
		sec := &fakeSecrets{value: "key-1"}
		p, built := newProvider(sec)
		assert.Zero(t, sec.reads, "nothing read before the first call")
		room, err := p.CreateRoom(ctx, booking.RoomSpec{})
		require.NoError(t, err)
		assert.Equal(t, "r1", room.ID)
		require.NoError(t, p.DeleteRoom(ctx, room))
		_, err = p.TaggedRooms(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, sec.reads)
		require.Len(t, *built, 1)
		assert.Equal(t, "key-1", (*built)[0].key)
		assert.Equal(t, []string{"create", "delete", "list"}, (*built)[0].calls)
	})

	t.Run("a failed read is a temporary error, tried again", func(t *testing.T) {
		sec := &fakeSecrets{value: "key-1", err: errors.New("secrets manager: throttled")}
		p, built := newProvider(sec)
		_, err := p.CreateRoom(ctx, booking.RoomSpec{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "read secret WHEREBY_API_KEY")
		assert.False(t, booking.IsPermanent(err))
		assert.Empty(t, *built)

		sec.err = nil
		_, err = p.CreateRoom(ctx, booking.RoomSpec{})
		require.NoError(t, err)
		assert.Equal(t, 2, sec.reads)
		assert.Len(t, *built, 1)
	})

	t.Run("a secret that is not configured is permanent", func(t *testing.T) {
		sec := &fakeSecrets{}
		p, built := newProvider(sec)
		for _, call := range []func() error{
			func() error { _, err := p.CreateRoom(ctx, booking.RoomSpec{}); return err },
			func() error { return p.DeleteRoom(ctx, booking.Room{}) },
			func() error { _, err := p.TaggedRooms(ctx); return err },
		} {
			err := call()
			require.Error(t, err)
			assert.True(t, booking.IsPermanent(err))
			assert.Contains(t, err.Error(), "WHEREBY_API_KEY_SECRET_ARN")
		}
		assert.Empty(t, *built)
	})

	t.Run("concurrent first calls build one provider", func(t *testing.T) {
		sec := &fakeSecrets{value: "key-1"}
		p, built := newProvider(sec)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { _, _ = p.TaggedRooms(ctx) })
		}
		wg.Wait()
		assert.Equal(t, 1, sec.reads)
		assert.Len(t, *built, 1)
	})
}
