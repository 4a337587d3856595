// Package video builds the video providers from the configuration, the one way both the local
// server and the Lambda functions get them, and checks each provider's settings while doing so.
// A provider's credentials are secrets read when the provider is first used, not at start: in
// AWS from Secrets Manager (so a cold start reads none, and an outage is a retried provider
// failure rather than a failed start), locally from the configuration's values (the local
// server builds every provider at once with Build, so a missing secret stops it at start).
//
// The worker uses the providers to make and delete rooms, the admin function for Zoom's host
// links and Whereby's insights; the package depends on no part of the reconciler, so the admin
// function links none of it. The providers themselves are the subpackages: whereby, zoom and
// twentyfour (REST clients over rest, with accesstoken), phone (dial-in numbers to E.164: the
// local server passes its Normalize in, the worker the dialin function's, shared/aws/dialin; this
// package does not import it), and wherebyhook and
// zoomhook (their webhooks, apart so the webhook functions link no REST client).
package video

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/video/twentyfour"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
	"github.com/roomkeeper/roomkeeper/shared/video/zoom"
)

// Names of the providers' secrets. In AWS each is read from the Secrets Manager secret
// <NAME>_SECRET_ARN names; locally the variable holds the value.
const (
	WherebyAPIKey          = "WHEREBY_API_KEY"
	ZoomClientSecret       = "ZOOM_CLIENT_SECRET"
	TwentyFourClientSecret = "TWENTYFOUR_CLIENT_SECRET"
)

// Secrets reads secrets by name (shared/aws/secrets in AWS). A secret that is not configured is "".
type Secrets interface {
	Secret(ctx context.Context, name string, fresh bool) (string, error)
}

// SecretProvider is a booking.Provider whose credentials are secrets: it reads them and builds
// the real provider with New on the first call that needs the provider, not when the function
// starts. So a cold start makes no Secrets Manager call, a run that only sends mail never reads
// them, and a Secrets Manager outage is an error of the provider call — recorded on the booking
// and retried with a back-off, like a provider outage — instead of a failed start. A failed read
// is tried again on the next call; a secret that is not configured, or a provider New refuses,
// is a permanent failure (the provider is not built, so a value put in later is read then).
//
// It has only booking.Provider's methods. The reconciler and the HTTP handlers look for optional
// interfaces by type assertion, so a provider that has them is wrapped again to show them:
// SecretRoomUpdater (booking.RoomUpdater), SecretHostLinker (booking.HostLinker) and
// SecretInsights (booking.Insights), views of one SecretProvider that build it once. A bare
// SecretProvider must not claim them: the reconciler moves the rooms of a RoomUpdater in place
// instead of replacing them.
//
// It is safe for concurrent use.
type SecretProvider struct {
	Secrets Secrets
	// Names are the secrets New needs, e.g. ZoomClientSecret and link.HostSecret for Zoom.
	// Every one must be configured.
	Names []string
	// New builds the provider from the secrets' values, by name.
	New func(secrets map[string]string) (booking.Provider, error)

	mu sync.Mutex
	p  booking.Provider
}

var _ booking.Provider = (*SecretProvider)(nil)

// Provider returns the provider, reading the secrets and building it on the first call.
func (s *SecretProvider) Provider(ctx context.Context) (booking.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p != nil {
		return s.p, nil
	}
	values := make(map[string]string, len(s.Names))
	for _, name := range s.Names {
		v, err := s.Secrets.Secret(ctx, name, false)
		if err != nil {
			return nil, fmt.Errorf("read secret %s: %w", name, err)
		}
		if v == "" {
			return nil, booking.Permanent(errors.New(name + " is not configured: give it a value (in AWS, the secret " +
				name + "_SECRET_ARN names; docs/deploy.md)"))
		}
		values[name] = v
	}
	p, err := s.New(values)
	if err != nil {
		return nil, booking.Permanent(fmt.Errorf("build the provider: %w", err))
	}
	s.p = p
	return p, nil
}

// CreateRoom implements booking.Provider.
func (s *SecretProvider) CreateRoom(ctx context.Context, spec booking.RoomSpec) (booking.Room, error) {
	p, err := s.Provider(ctx)
	if err != nil {
		return booking.Room{}, err
	}
	return p.CreateRoom(ctx, spec)
}

// DeleteRoom implements booking.Provider.
func (s *SecretProvider) DeleteRoom(ctx context.Context, room booking.Room) error {
	p, err := s.Provider(ctx)
	if err != nil {
		return err
	}
	return p.DeleteRoom(ctx, room)
}

// TaggedRooms implements booking.Provider.
func (s *SecretProvider) TaggedRooms(ctx context.Context) ([]booking.Room, error) {
	p, err := s.Provider(ctx)
	if err != nil {
		return nil, err
	}
	return p.TaggedRooms(ctx)
}

// CheckRoom implements booking.Provider.
func (s *SecretProvider) CheckRoom(ctx context.Context, room booking.Room) error {
	p, err := s.Provider(ctx)
	if err != nil {
		return err
	}
	return p.CheckRoom(ctx, room)
}

// errLacks is the permanent failure of a view whose provider lacks the view's method: a wiring
// mistake, never fixed by retrying.
func errLacks(p booking.Provider, iface string) error {
	return booking.Permanent(fmt.Errorf("provider %T does not implement %s", p, iface))
}

// SecretRoomUpdater is a SecretProvider whose provider moves rooms in place (Zoom, 24sessions):
// it implements booking.RoomUpdater as well as booking.Provider.
type SecretRoomUpdater struct{ *SecretProvider }

var _ booking.RoomUpdater = SecretRoomUpdater{}

// UpdateRoom implements booking.RoomUpdater.
func (u SecretRoomUpdater) UpdateRoom(ctx context.Context, room booking.Room, spec booking.RoomSpec) (booking.Room, error) {
	p, err := u.Provider(ctx)
	if err != nil {
		return booking.Room{}, err
	}
	up, ok := p.(booking.RoomUpdater)
	if !ok {
		return booking.Room{}, errLacks(p, "booking.RoomUpdater")
	}
	return up.UpdateRoom(ctx, room, spec)
}

// SecretHostLinker is a SecretProvider whose provider fetches the organizer's host link at
// click time (Zoom): it implements booking.HostLinker.
type SecretHostLinker struct{ *SecretProvider }

var _ booking.HostLinker = SecretHostLinker{}

// HostLink implements booking.HostLinker.
func (h SecretHostLinker) HostLink(ctx context.Context, room booking.Room) (string, error) {
	p, err := h.Provider(ctx)
	if err != nil {
		return "", err
	}
	l, ok := p.(booking.HostLinker)
	if !ok {
		return "", errLacks(p, "booking.HostLinker")
	}
	return l.HostLink(ctx, room)
}

// SecretInsights is a SecretProvider whose provider reports its sessions' usage (Whereby's
// insights API): it implements booking.Insights.
type SecretInsights struct{ *SecretProvider }

var _ booking.Insights = SecretInsights{}

// RoomSessions implements booking.Insights.
func (i SecretInsights) RoomSessions(ctx context.Context, roomName string) (map[string]booking.SessionInsight, error) {
	p, err := i.Provider(ctx)
	if err != nil {
		return nil, err
	}
	in, ok := p.(booking.Insights)
	if !ok {
		return nil, errLacks(p, "booking.Insights")
	}
	return in.RoomSessions(ctx, roomName)
}

// Providers are the video providers a configuration enables, each a SecretProvider built on
// first use.
type Providers struct {
	Whereby    *SecretProvider // always: WHEREBY_API_KEY
	Zoom       *SecretProvider // nil unless configured: ZOOM_CLIENT_SECRET
	TwentyFour *SecretProvider // nil unless configured: TWENTYFOUR_CLIENT_SECRET
}

// New returns the providers cfg enables, reading their secrets through secrets when first used,
// after checking every enabled provider's settings but its secrets: an error names each variable
// that is missing or wrong. phone normalises the providers' dial-in numbers to E.164 where rooms
// are made (shared/video/phone.Normalize locally; on AWS the worker's shared/aws/dialin, which
// invokes the dialin function, the one function that links the phone-number library, whose
// metadata costs every start milliseconds), given the context of the provider's call that needs
// the number; an error wrapping booking.ErrInvalidNumber rejects a number, any other is
// temporary. nil gives providers that make no room with dial-in, for a
// function that leaves those to the worker. New calls nothing.
func New(cfg config.Config, secrets Secrets, now func() time.Time, phone func(ctx context.Context, number, region string) (string, error)) (Providers, error) {
	v := Providers{Whereby: &SecretProvider{
		Secrets: secrets,
		Names:   []string{WherebyAPIKey},
		New: func(s map[string]string) (booking.Provider, error) {
			return whereby.New(whereby.Config{APIURL: cfg.Whereby.APIURL, APIKey: s[WherebyAPIKey], Now: now, Phone: phone}), nil
		},
	}}
	var errs []error
	if cfg.Zoom.Enabled() {
		errs = append(errs, zoomConfig(cfg, now, map[string]string{}).Check())
		v.Zoom = &SecretProvider{
			Secrets: secrets,
			Names:   []string{ZoomClientSecret},
			New: func(s map[string]string) (booking.Provider, error) {
				z := zoomConfig(cfg, now, s)
				z.Phone = phone
				return zoom.New(z)
			},
		}
	}
	if cfg.TwentyFour.Enabled() {
		errs = append(errs, twentyFourConfig(cfg, now, map[string]string{}).Check())
		v.TwentyFour = &SecretProvider{
			Secrets: secrets,
			Names:   []string{TwentyFourClientSecret},
			New: func(s map[string]string) (booking.Provider, error) {
				return twentyfour.New(twentyFourConfig(cfg, now, s))
			},
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Providers{}, fmt.Errorf("configuration: %w", err)
	}
	return v, nil
}

// zoomConfig is Zoom's client configuration, with the secrets' values s (by name).
func zoomConfig(cfg config.Config, now func() time.Time, s map[string]string) zoom.Config {
	z := cfg.Zoom
	return zoom.Config{
		AccountID: z.AccountID, ClientID: z.ClientID, ClientSecret: s[ZoomClientSecret],
		UserID: z.UserID, APIURL: z.APIURL, OAuthURL: z.OAuthURL,
		AlternativeHosts: z.AlternativeHosts,
		DialInCountries:  z.DialInCountries,
		Now:              now,
	}
}

// twentyFourConfig is 24sessions' client configuration, with the secrets' values s (by name).
func twentyFourConfig(cfg config.Config, now func() time.Time, s map[string]string) twentyfour.Config {
	t := cfg.TwentyFour
	return twentyfour.Config{
		Instance: t.Instance, ClientID: t.ClientID, ClientSecret: s[TwentyFourClientSecret],
		UserID: t.UserID, MeetingTypeID: t.MeetingTypeID, GuestURL: t.GuestURL,
		APIURL: t.APIURL, TokenPath: t.TokenPath, UpdateMethod: t.UpdateMethod, MeetingExtra: t.MeetingFields,
		Now: now,
	}
}

// Build builds every provider now, reading its secrets, instead of on first use: the local
// server calls it so that a secret it lacks stops it at start, with the secret's name.
func (v Providers) Build(ctx context.Context) error {
	var errs []error
	for _, p := range []*SecretProvider{v.Whereby, v.Zoom, v.TwentyFour} {
		if p != nil {
			_, err := p.Provider(ctx)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ByName returns the providers by name for reconcile.Reconciler: Zoom and 24sessions as
// booking.RoomUpdaters, since they move a meeting in place; Whereby as a plain provider, since
// its rooms have an end date and a reschedule that outlives it gets a new room.
func (v Providers) ByName() map[string]booking.Provider {
	out := map[string]booking.Provider{whereby.Name: v.Whereby}
	if v.Zoom != nil {
		out[zoom.Name] = SecretRoomUpdater{v.Zoom}
	}
	if v.TwentyFour != nil {
		out[twentyfour.Name] = secretGuestBound{SecretRoomUpdater{v.TwentyFour}}
	}
	return out
}

// secretGuestBound is 24sessions' SecretRoomUpdater, which also says that 24sessions makes rooms
// only for a guest (booking.GuestBound), as twentyfour.Client does: the client itself is built
// only once its secret is read, and the operator asks before any room is made.
type secretGuestBound struct{ SecretRoomUpdater }

var _ booking.GuestBound = secretGuestBound{}

// NeedsGuest implements booking.GuestBound.
func (secretGuestBound) NeedsGuest() bool { return true }

// HostLinkers returns the providers whose host link is fetched when the organizer's link is
// followed, by name, for join.Links (GET /j/{token}) and httpapi.HostLinks (the older
// GET /v1/host/{token}): Zoom, when configured.
func (v Providers) HostLinkers() map[string]booking.HostLinker {
	out := map[string]booking.HostLinker{}
	if v.Zoom != nil {
		out[zoom.Name] = SecretHostLinker{v.Zoom}
	}
	return out
}

// Insights returns the providers that report their sessions' figures, by name, for
// httpapi.Admin: Whereby.
func (v Providers) Insights() map[string]booking.Insights {
	return map[string]booking.Insights{whereby.Name: SecretInsights{v.Whereby}}
}
