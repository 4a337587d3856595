package reconcile

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/invite/render"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
)

// fakeProvider is an in-memory provider with scripted failures.
type fakeProvider struct {
	mu      sync.Mutex
	rooms   map[string]booking.Room
	next    int
	created int
	deleted []string
	checks  int
	// fail returns an error for an operation ("create", "delete", "list", "check") or nil.
	fail func(op string) error
	now  func() time.Time // the rooms' creation time; nil leaves it unknown
}

func newFakeProvider() *fakeProvider { return &fakeProvider{rooms: map[string]booking.Room{}} }

func (p *fakeProvider) CreateRoom(_ context.Context, spec booking.RoomSpec) (booking.Room, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.failure("create"); err != nil {
		return booking.Room{}, err
	}
	p.next++
	p.created++
	id := fmt.Sprint(p.next)
	room := booking.Room{
		Provider:  "fake",
		ID:        id,
		Name:      "/" + spec.Options.NamePrefix + spec.Tag + "-room" + id,
		Tag:       spec.Tag,
		GuestURL:  "https://video.example/room" + id,
		HostURL:   "https://video.example/room" + id + "?roomKey=secret-host-key-" + id,
		ExpiresAt: spec.ExpiresAt,
	}
	if p.now != nil {
		room.CreatedAt = p.now()
	}
	if spec.Options.DialIn {
		room.DialIn = &booking.DialIn{Code: "1234567890", Numbers: []booking.PhoneNumber{
			{E164: "+12125550142", Country: "US", Tel: "tel:+12125550142,1234567890"},
		}}
	}
	p.rooms[id] = room
	return room, nil
}

func (p *fakeProvider) DeleteRoom(_ context.Context, room booking.Room) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.failure("delete"); err != nil {
		return err
	}
	delete(p.rooms, room.ID)
	p.deleted = append(p.deleted, room.ID)
	return nil
}

func (p *fakeProvider) TaggedRooms(context.Context) ([]booking.Room, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.failure("list"); err != nil {
		return nil, err
	}
	var out []booking.Room
	for i := 1; i <= p.next; i++ {
		if r, ok := p.rooms[fmt.Sprint(i)]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (p *fakeProvider) CheckRoom(_ context.Context, room booking.Room) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checks++
	if err := p.failure("check"); err != nil {
		return err
	}
	if _, ok := p.rooms[room.ID]; !ok {
		return fmt.Errorf("no room %s: %w", room.ID, booking.ErrNotFound)
	}
	return nil
}

func (p *fakeProvider) failure(op string) error {
	if p.fail == nil {
		return nil
	}
	return p.fail(op)
}

func (p *fakeProvider) live() []booking.Room {
	rooms, _ := p.TaggedRooms(context.Background())
	return rooms
}

// fakeMailer records messages; fail scripts failures.
type fakeMailer struct {
	mu   sync.Mutex
	sent []booking.Message
	fail func(m booking.Message) error
}

func (m *fakeMailer) Send(_ context.Context, msg booking.Message) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		if err := m.fail(msg); err != nil {
			return "", err
		}
	}
	m.sent = append(m.sent, msg)
	return fmt.Sprintf("msg-%d", len(m.sent)), nil
}

func (m *fakeMailer) take() []booking.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.sent
	m.sent = nil
	return out
}

// failingStore wraps a store and fails Puts when failPut says so, as a stopped function would
// leave things: the side effect happened, the record did not follow.
type failingStore struct {
	booking.Store
	failPut func(b *booking.Booking) bool
}

var errStopped = errors.New("function stopped")

func (s *failingStore) Put(ctx context.Context, b *booking.Booking) error {
	if s.failPut != nil && s.failPut(b) {
		return errStopped
	}
	return s.Store.Put(ctx, b)
}

type fixture struct {
	t        *testing.T
	clock    *clocktest.Clock
	store    *bolt.Store
	provider *fakeProvider
	mailer   *fakeMailer
	metrics  *fakeMetrics
	r        *Reconciler
}

// fakeMetrics records the figures put.
type fakeMetrics struct {
	mu  sync.Mutex
	got []booking.Metric
}

func (m *fakeMetrics) Put(_ context.Context, ms ...booking.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, ms...)
}

// take returns the figures put since the last call.
func (m *fakeMetrics) take() []booking.Metric {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.got
	m.got = nil
	return out
}

// The links mailed in these tests: /j/ tokens under testPublicURL, signed with testLinkSecret.
const (
	testPublicURL  = "https://rk.example"
	testLinkSecret = "test-link-secret"
)

type staticSecret string

func (s staticSecret) Secret(context.Context, string, bool) (string, error) { return string(s), nil }

// linkOf returns the /j/ link the fixture's reconciler mails for a recipient id and purpose.
func linkOf(t *testing.T, key, recipient string, p booking.Purpose) string {
	t.Helper()
	tok, err := link.Make(testLinkSecret, link.Token{Key: key, Recipient: recipient, Purpose: p})
	require.NoError(t, err)
	return link.URL(testPublicURL, tok)
}

// linkFor returns the /j/ link a recipient of the booking is mailed: the organizer's host link,
// or a guest's own link.
func (f *fixture) linkFor(key, email string) string {
	f.t.Helper()
	b := f.get(key)
	if strings.EqualFold(b.Details.Organizer.Email, email) {
		return linkOf(f.t, key, b.Details.Organizer.ID, booking.ForHost)
	}
	r := b.InviteFor(email)
	require.NotNil(f.t, r, email)
	require.NotEmpty(f.t, r.ID, email)
	return linkOf(f.t, key, r.ID, booking.ForGuest)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	c := clocktest.New(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	f := &fixture{t: t, clock: c, store: st, provider: newFakeProvider(), mailer: &fakeMailer{}, metrics: &fakeMetrics{}}
	f.r = &Reconciler{
		Metrics:      f.metrics,
		Deployment:   "test",
		Store:        st,
		Mailer:       f.mailer,
		Renderer:     render.Renderer{},
		Providers:    map[string]booking.Provider{"fake": f.provider},
		Now:          c.Now,
		Jitter:       func() float64 { return 0 },
		MailFrom:     "roomkeeper <invites@rk.example>",
		Links:        &link.Linker{PublicURL: testPublicURL, Secrets: staticSecret(testLinkSecret)},
		CleanupGrace: 15 * time.Minute,
		MaxOverrun:   2 * time.Hour,
		RoomSlack:    168 * time.Hour,
	}
	return f
}

// put stores a fresh confirmed booking starting in a day and returns its key.
func (f *fixture) put(mutate ...func(*booking.Booking)) string {
	f.t.Helper()
	now := f.clock.Now()
	b := &booking.Booking{
		Key:        booking.KeyOf("generic", "bk-1"),
		Source:     "generic",
		ExternalID: "bk-1",
		UID:        "0f8e5c7a-1d2b-4c3d-9e8f-000000000001",
		Status:     booking.Confirmed,
		Details: booking.Details{
			Title:     "Intro call",
			Start:     now.Add(24 * time.Hour),
			End:       now.Add(24*time.Hour + 30*time.Minute),
			TimeZone:  "Europe/Oslo",
			Organizer: booking.Person{Name: "Ada Host", Email: "ada@example.com"},
			Attendees: []booking.Person{
				{Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York"},
				{Name: "Cy Guest", Email: "cy@example.org"},
			},
			Room:              booking.RoomOptions{Provider: "fake", Size: booking.Small, DialIn: true},
			OrganizerCalendar: true,
		},
		LastEventAt: now,
		DueAt:       now,
	}
	for _, m := range mutate {
		m(b)
	}
	if b.Source != booking.Manual {
		b.AssignIDs(nil, nil) // as intake does
	}
	require.NoError(f.t, f.store.Put(context.Background(), b))
	return b.Key
}

func (f *fixture) get(key string) *booking.Booking {
	f.t.Helper()
	b, err := f.store.Get(context.Background(), key)
	require.NoError(f.t, err)
	require.NoError(f.t, booking.LoadActivity(context.Background(), f.store, b))
	return b
}

// change applies a desired-state change the way intake does: new sequence, due now.
func (f *fixture) change(key string, mutate func(*booking.Booking)) {
	f.t.Helper()
	b := f.get(key)
	mutate(b)
	if b.Source != booking.Manual {
		b.AssignIDs(nil, nil) // as intake does
	}
	b.Sequence++
	b.DueAt = f.clock.Now()
	b.Done = false
	b.Failure = nil
	b.Attempts = 0
	require.NoError(f.t, f.store.Put(context.Background(), b))
}

func (f *fixture) reconcile(key string) Result {
	f.t.Helper()
	res, err := f.r.Reconcile(context.Background(), key)
	require.NoError(f.t, err)
	return res
}

// mails parses every message sent since the last call, checking each with the outside
// validators, and returns them by recipient.
func (f *fixture) mails() map[string]*invitetest.Mail {
	f.t.Helper()
	out := map[string]*invitetest.Mail{}
	for _, m := range f.mailer.take() {
		require.Len(f.t, m.To, 1)
		_, dup := out[m.To[0]]
		require.False(f.t, dup, "two messages to %s in one batch", m.To[0])
		out[m.To[0]] = invitetest.Parse(f.t, m.Raw)
	}
	return out
}

// requireNoHostLinkToGuests fails if any message to someone other than the organizer carries a
// host link.
func requireNoHostLinkToGuests(t *testing.T, mails map[string]*invitetest.Mail, organizer string) {
	t.Helper()
	for to, m := range mails {
		if to == organizer {
			continue
		}
		require.NotContains(t, string(m.Raw), "roomKey", "host key in message to %s", to)
		for _, part := range []string{m.Text, m.HTML, string(m.Calendar)} {
			require.False(t, strings.Contains(part, "roomKey") || strings.Contains(part, "secret-host-key"), "host link in message to %s", to)
		}
	}
}
