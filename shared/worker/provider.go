package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Secrets reads secrets by name (shared/secrets in AWS).
type Secrets interface {
	Secret(ctx context.Context, name string, fresh bool) (string, error)
}

// SecretProvider is a booking.Provider whose API key is a secret: it reads the secret and builds
// the real provider with New on the first call that needs the provider, not when the function
// starts. So a cold start makes no Secrets Manager call, a run that only sends mail (or the
// sweeper outside the hourly reap) never reads the key, and a Secrets Manager outage is an error
// of the provider call — recorded on the booking and retried with a back-off, like a provider
// outage — instead of a failed start. A failed read is tried again on the next call; a secret
// that is not configured is a permanent failure.
//
// The functions use it for Whereby (WHEREBY_API_KEY). It is safe for concurrent use.
type SecretProvider struct {
	Secrets Secrets
	Name    string                               // the secret's name, e.g. "WHEREBY_API_KEY"
	New     func(secret string) booking.Provider // builds the provider, e.g. whereby.New

	mu sync.Mutex
	p  booking.Provider
}

var _ booking.Provider = (*SecretProvider)(nil)

func (s *SecretProvider) provider(ctx context.Context) (booking.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p != nil {
		return s.p, nil
	}
	secret, err := s.Secrets.Secret(ctx, s.Name, false)
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", s.Name, err)
	}
	if secret == "" {
		return nil, booking.Permanent(errors.New(s.Name + " is not configured (set " + s.Name + "_SECRET_ARN)"))
	}
	s.p = s.New(secret)
	return s.p, nil
}

// CreateRoom implements booking.Provider.
func (s *SecretProvider) CreateRoom(ctx context.Context, spec booking.RoomSpec) (booking.Room, error) {
	p, err := s.provider(ctx)
	if err != nil {
		return booking.Room{}, err
	}
	return p.CreateRoom(ctx, spec)
}

// DeleteRoom implements booking.Provider.
func (s *SecretProvider) DeleteRoom(ctx context.Context, room booking.Room) error {
	p, err := s.provider(ctx)
	if err != nil {
		return err
	}
	return p.DeleteRoom(ctx, room)
}

// TaggedRooms implements booking.Provider.
func (s *SecretProvider) TaggedRooms(ctx context.Context) ([]booking.Room, error) {
	p, err := s.provider(ctx)
	if err != nil {
		return nil, err
	}
	return p.TaggedRooms(ctx)
}
