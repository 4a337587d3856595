package reconcile

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
)

// writeCounter counts a reconciler's writes to the store: the booking record's and the usage
// figures'.
type writeCounter struct {
	booking.Store
	puts, usage int
}

func (s *writeCounter) Put(ctx context.Context, b *booking.Booking) error {
	s.puts++
	return s.Store.Put(ctx, b)
}

func (s *writeCounter) PutUsage(ctx context.Context, u booking.Usage, expires time.Time) error {
	s.usage++
	return s.Store.PutUsage(ctx, u, expires)
}

// take returns the writes counted since the last call.
func (s *writeCounter) take() (puts, usage int) {
	puts, usage = s.puts, s.usage
	s.puts, s.usage = 0, 0
	return puts, usage
}

// TestLifecycleWrites counts the worker's writes per step of issue 15's booking lifecycle, on the
// embedded store: one guest, one reminder 15 minutes before the start, no change — created and
// invited, reminded (with the room check that falls at the same time), cleaned up with the
// organizer's summary of who came. A run writes the record with the lease and the intents of its
// sends before them; each send's result before the next send, so a run stopped in a batch leaves
// at most one message sent and not recorded; and the last result with its last save. A run with
// nothing to do writes nothing. A meeting someone joined adds its usage figures, one item per room and day.
func TestLifecycleWrites(t *testing.T) {
	for _, tc := range []struct {
		name       string
		noReminder bool
		joined     bool
		wantUsage  int
	}{
		{"nobody joined", false, false, 0},
		{"the guest joined", false, true, 1},
		{"no reminder: the room check alone writes once", true, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.r.Reminders = map[string][]time.Duration{"generic": {15 * time.Minute}}
			if tc.noReminder {
				f.r.Reminders = nil
			}
			now := f.clock.Now()
			key := f.put(func(b *booking.Booking) {
				b.Details.Attendees = b.Details.Attendees[:1]
				b.CreatedAt = now
				b.ArmReminders(now)
			})
			count := &writeCounter{Store: f.store}
			f.r.Store = count
			step := func(name string, wantSteps []string, wantPuts, wantUsage int) {
				t.Helper()
				res := f.reconcile(key)
				assert.Equal(t, wantSteps, res.Steps, name)
				puts, usage := count.take()
				assert.Equal(t, wantPuts, puts, "%s: booking writes", name)
				assert.Equal(t, wantUsage, usage, "%s: usage writes", name)
				t.Logf("%s: %d booking writes, %d usage writes", name, puts, usage)
			}

			step("created and invited", []string{"create room", "send REQUEST to organizer", "send REQUEST to guest"}, 3, 0)
			assert.Len(t, f.mails(), 2)
			step("nothing due", nil, 0, 0)

			f.before(key, -CheckLead)
			if tc.noReminder {
				step("checked", []string{"check room"}, 1, 0)
			} else {
				step("reminded", []string{"check room", "send 15m0s reminder to organizer", "send 15m0s reminder to guest"}, 3, 0)
				assert.Len(t, f.reminders(), 2)
			}

			if tc.joined {
				b := f.get(key)
				start, guest := b.Details.Start, b.Details.Attendees[0]
				f.record(key,
					booking.RoomEvent{Kind: booking.SessionStarted, At: start, SessionID: "s1"},
					booking.RoomEvent{Kind: booking.Joined, At: start, SessionID: "s1", ParticipantID: "p1", Name: guest.Name, ExternalID: guest.ID},
					booking.RoomEvent{Kind: booking.Left, At: start.Add(20 * time.Minute), SessionID: "s1", ParticipantID: "p1"},
					booking.RoomEvent{Kind: booking.SessionEnded, At: start.Add(20 * time.Minute), SessionID: "s1"},
				)
			}
			f.at(key, f.r.CleanupGrace)
			step("cleaned up", []string{"clean up room", stepSummary}, 2, tc.wantUsage)
			assert.Len(t, f.mails(), 1, "the summary")
			step("done", nil, 0, 0)

			b := f.get(key)
			assert.True(t, b.Done)
			assert.Zero(t, b.PossibleDuplicates)
			assert.Equal(t, booking.Lease{}, b.Lease, "no lease left")
			require.Len(t, b.Ended, 1)
			assert.True(t, b.Ended[0].Counted)
		})
	}
}

// lifecycleFixture is issue 15's lifecycle: one guest, one reminder 15 minutes before the
// start, a booking made now (as intake arms it) starting in a day.
func lifecycleFixture(t *testing.T) (*fixture, string) {
	t.Helper()
	f := newFixture(t)
	f.r.Reminders = map[string][]time.Duration{"generic": {15 * time.Minute}}
	now := f.clock.Now()
	key := f.put(func(b *booking.Booking) {
		b.Details.Attendees = b.Details.Attendees[:1]
		b.CreatedAt = now
		b.ArmReminders(now)
	})
	return f, key
}

// TestLifecycleStoppedAfterEachWrite stops each run of the lifecycle at each of its writes (the
// write fails, as a function stopped after the side effects before it leaves things) and lets
// the next run, once the lease has run out, carry on. However it stopped, the booking ends as
// the lifecycle without a stop does: one room made and deleted, each message sent, at most once
// more per recipient and message and every repeat counted, the usage counted once.
func TestLifecycleStoppedAfterEachWrite(t *testing.T) {
	stages := []string{"created and invited", "reminded", "cleaned up"}
	for stopAt := range stages {
		for write := 1; write <= 2; write++ {
			t.Run(fmt.Sprintf("%s, write %d", stages[stopAt], write), func(t *testing.T) {
				f, key := lifecycleFixture(t)
				start := f.get(key).Details.Start
				at := []time.Time{f.clock.Now(), start.Add(-CheckLead), f.get(key).Details.End.Add(f.r.CleanupGrace)}
				sent := map[string]int{}
				for i := range stages {
					f.clock.Set(at[i])
					if i == 2 {
						guest := f.get(key).Details.Attendees[0]
						f.record(key,
							booking.RoomEvent{Kind: booking.SessionStarted, At: start, SessionID: "s1"},
							booking.RoomEvent{Kind: booking.Joined, At: start, SessionID: "s1", ParticipantID: "p1", Name: guest.Name, ExternalID: guest.ID},
							booking.RoomEvent{Kind: booking.Left, At: start.Add(20 * time.Minute), SessionID: "s1", ParticipantID: "p1"},
							booking.RoomEvent{Kind: booking.SessionEnded, At: start.Add(20 * time.Minute), SessionID: "s1"},
						)
					}
					if i == stopAt {
						n := 0
						f.r.Store = &failingStore{Store: f.store, failPut: func(*booking.Booking) bool { n++; return n == write }}
						_, err := f.r.Reconcile(context.Background(), key)
						require.ErrorIs(t, err, errStopped)
						f.r.Store = f.store
						f.clock.Add(DefaultLeaseTTL + time.Second)
					}
					res := f.reconcile(key)
					require.False(t, res.Busy)
					require.Empty(t, res.Failure)
					for _, m := range f.mailer.take() { // the stopped run's and this one's
						subject := invitetest.Parse(t, m.Raw).Subject
						sent[m.To[0]+" "+strings.SplitN(subject, ":", 2)[0]]++
					}
				}
				assert.Empty(t, f.reconcile(key).Steps, "nothing left")

				b := f.get(key)
				dups := 0
				for what, n := range sent {
					assert.LessOrEqual(t, n, 2, "%s: at most one duplicate", what)
					dups += n - 1
				}
				assert.Len(t, sent, 5, "two invitations, two reminders, the summary: %v", sent)
				assert.LessOrEqual(t, dups, b.PossibleDuplicates, "every duplicate counted: %v", sent)
				assert.Equal(t, 1, f.provider.created, "one room")
				assert.Empty(t, f.provider.live(), "deleted")
				assert.True(t, b.Done)
				require.Len(t, b.Ended, 1)
				assert.True(t, b.Ended[0].Counted)
				day := start.Format(time.DateOnly)
				usage, err := f.store.Usage(context.Background(), day, day)
				require.NoError(t, err)
				require.Len(t, usage, 1)
				assert.Equal(t, 20, usage[0].ParticipantMinutes, "counted once")
				assert.Equal(t, booking.Lease{}, b.Lease)
				t.Logf("sent %v; %d possible duplicates counted", sent, b.PossibleDuplicates)
			})
		}
	}
}

// beforeFirstPut runs then once, just before the first Put through it: another run working the
// booking between this run's read and its first write.
type beforeFirstPut struct {
	booking.Store
	then func()
}

func (s *beforeFirstPut) Put(ctx context.Context, b *booking.Booking) error {
	if then := s.then; then != nil {
		s.then = nil
		then()
	}
	return s.Store.Put(ctx, b)
}

// TestARunWhoseFirstWriteMeetsAnotherRunsWorkPlansAgain: two runs read the booking at once (a
// nudge delivered twice); one makes the room and sends the invitations while the other is
// still before its first write, which takes the lease with the intents of its own plan. That
// write is refused for the newer version, and the late run plans again from the record as it
// is: nothing is left to do, so it makes no second room and sends nothing.
func TestARunWhoseFirstWriteMeetsAnotherRunsWorkPlansAgain(t *testing.T) {
	f, key := lifecycleFixture(t)
	other := *f.r
	other.Store = f.store
	late := &beforeFirstPut{Store: f.store, then: func() {
		res, err := other.Reconcile(context.Background(), key)
		require.NoError(t, err)
		require.Equal(t, []string{"create room", "send REQUEST to organizer", "send REQUEST to guest"}, res.Steps)
	}}
	f.r.Store = late
	res := f.reconcile(key)
	assert.Empty(t, res.Steps, "the late run finds everything done")
	assert.False(t, res.Busy)
	assert.Equal(t, 1, f.provider.created, "one room")
	assert.Len(t, f.mails(), 2, "one invitation each (f.mails fails on a second)")
	b := f.get(key)
	assert.Zero(t, b.PossibleDuplicates)
	assert.Nil(t, b.Creating)
	assert.Empty(t, b.Retired)
	assert.Equal(t, booking.Lease{}, b.Lease)
}
