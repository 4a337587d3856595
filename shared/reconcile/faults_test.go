package reconcile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// TestRandomFaultsConverge drives one booking through random changes while the provider and
// the mail service fail at random and the store refuses writes at random (as a function stopped
// mid-run leaves things). Once the faults stop, the booking must settle on exactly the state
// the invariants describe: one live room at most, every participant holding the current
// invite, no guest ever sent a host link, and every duplicate send counted.
func TestRandomFaultsConverge(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { runFaults(t, seed) })
	}
}

func runFaults(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	f := newFixture(t)
	faulty := true
	f.provider.fail = func(op string) error {
		if faulty && rng.IntN(10) < 3 {
			return booking.RetryAfter(fmt.Errorf("provider %s: 503", op), time.Duration(rng.IntN(30))*time.Second)
		}
		return nil
	}
	f.mailer.fail = func(booking.Message) error {
		if faulty && rng.IntN(10) < 2 {
			return errors.New("mail: 454 throttled")
		}
		return nil
	}
	f.r.Store = &failingStore{Store: f.store, failPut: func(*booking.Booking) bool { return faulty && rng.IntN(10) == 0 }}
	key := f.put()
	guests := []booking.Person{
		{Name: "Bob", Email: "bob@example.net"}, {Name: "Cy", Email: "cy@example.org"},
		{Name: "Dee", Email: "dee@example.com"}, {Name: "Eve", Email: "eve@example.org"},
	}
	cancelled := false
	for i := 0; i < 60; i++ {
		switch n := rng.IntN(20); {
		case n == 0 && !cancelled && i > 30:
			f.change(key, func(b *booking.Booking) { b.Status = booking.Cancelled })
			cancelled = true
		case n < 4 && !cancelled:
			f.change(key, func(b *booking.Booking) {
				shift := time.Duration(rng.IntN(12*24)) * time.Hour // sometimes beyond the room's life
				b.Details.Start = f.clock.Now().Add(24*time.Hour + shift)
				b.Details.End = b.Details.Start.Add(30 * time.Minute)
				b.Details.Attendees = nil
				for _, g := range guests {
					if rng.IntN(2) == 0 {
						b.Details.Attendees = append(b.Details.Attendees, g)
					}
				}
				if len(b.Details.Attendees) == 0 {
					b.Details.Attendees = guests[:1]
				}
			})
		}
		f.clock.Add(time.Duration(rng.IntN(3)) * time.Minute)
		_, _ = f.r.Reconcile(context.Background(), key) // store failures are expected here
	}

	faulty = false
	for i := 0; i < 10; i++ {
		f.clock.Add(DefaultLeaseTTL + time.Second)
		res := f.reconcile(key)
		if len(res.Steps) == 0 && !res.Busy {
			break
		}
	}
	b := f.get(key)
	live := f.provider.live()
	if b.Status == booking.Cancelled {
		assert.Empty(t, live, "a cancelled booking keeps no room")
	} else {
		require.Len(t, live, 1, "exactly one live room")
		require.NotNil(t, b.Room)
		assert.Equal(t, live[0].ID, b.Room.ID)
		assert.Nil(t, b.Failure)
	}
	assert.Empty(t, b.Creating)
	assert.Empty(t, b.Retired)

	// What each recipient received, in order, from the mail service's side.
	got := map[string][]sent{}
	dups := 0
	seen := map[sent]bool{}
	for _, m := range f.mailer.take() {
		s := parseSent(t, m)
		to := m.To[0]
		if seen[s] {
			dups++
		}
		seen[s] = true
		got[to] = append(got[to], s)
		if to != b.Details.Organizer.Email {
			assert.NotContains(t, string(m.Raw), "roomKey", "host link to a guest")
			assert.False(t, s.hostLink, "host link to guest %s", to)
		}
	}
	assert.LessOrEqual(t, dups, b.PossibleDuplicates, "every duplicate is counted")

	participants := map[string]bool{b.Details.Organizer.Email: true}
	for _, p := range b.Details.Attendees {
		participants[p.Email] = true
	}
	for to, msgs := range got {
		last := msgs[len(msgs)-1]
		switch {
		case b.Status == booking.Cancelled:
			// Those holding the invite get the final CANCEL; a guest removed earlier already
			// had theirs.
			assert.Equal(t, "CANCEL", last.method, "last message to %s", to)
		case participants[to]:
			assert.Equal(t, sent{to: to, method: "REQUEST", seq: b.Sequence}, last.key(), "last message to %s", to)
		default:
			assert.Equal(t, "CANCEL", last.method, "a removed guest's last message to %s", to)
		}
	}
	if b.Status == booking.Confirmed {
		for p := range participants {
			assert.NotEmpty(t, got[p], "%s was never invited", p)
		}
	}
}

type sent struct {
	to       string
	method   string
	seq      int
	hostLink bool
}

func (s sent) key() sent { return sent{to: s.to, method: s.method, seq: s.seq} }

var (
	methodRe = regexp.MustCompile(`(?m)^METHOD:(\w+)\r?$`)
	seqRe    = regexp.MustCompile(`(?m)^SEQUENCE:(\d+)\r?$`)
)

// parseSent reads the method and sequence from a message's text/calendar part, and whether any
// part carries a host key. Failure notices have no calendar and are not expected here.
func parseSent(t *testing.T, m booking.Message) sent {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	require.NoError(t, err)
	s := sent{to: m.To[0]}
	var walk func(r io.Reader, contentType string)
	walk = func(r io.Reader, contentType string) {
		mt, params, err := mime.ParseMediaType(contentType)
		require.NoError(t, err)
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				require.NoError(t, err)
				walk(p, p.Header.Get("Content-Type"))
			}
		}
		body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bufio.NewReader(r)))
		require.NoError(t, err)
		if strings.Contains(string(body), "secret-host-key") {
			s.hostLink = true
		}
		if mt == "text/calendar" {
			s.method = methodRe.FindStringSubmatch(string(body))[1]
			s.seq, _ = strconv.Atoi(seqRe.FindStringSubmatch(string(body))[1])
		}
	}
	walk(msg.Body, msg.Header.Get("Content-Type"))
	require.NotEmpty(t, s.method, "no calendar in the message to %s", s.to)
	return s
}

// TestARoomKeptThroughAPermanentFailureIsStillCleanedUp: a record stored before intake refused
// addresses no mail can reach has such an organizer. Its room is made, then its organizer's
// invitation cannot be, which stops the booking for good; the room is still deleted after the
// meeting, not left to the provider's expiry.
func TestARoomKeptThroughAPermanentFailureIsStillCleanedUp(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.Details.Organizer.Email = "jörg@example.com" })
	res := f.reconcile(key)
	require.True(t, res.Permanent, res.Failure)
	b := f.get(key)
	require.NotNil(t, b.Room, "the room was made before the failure")
	room := *b.Room
	assert.Equal(t, b.Details.End.Add(15*time.Minute), b.DueAt, "the kept room's cleanup is due")

	f.clock.Set(b.DueAt)
	f.reconcile(key)
	assert.Contains(t, f.provider.deleted, room.ID, "the room is deleted after the meeting")
	assert.Empty(t, f.provider.live())
	b = f.get(key)
	assert.Nil(t, b.Room)
	assert.True(t, b.Done)
}
