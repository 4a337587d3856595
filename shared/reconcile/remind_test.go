package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

const (
	ada = "ada@example.com"
	bob = "bob@example.net"
	cy  = "cy@example.org"
)

// remindFixture is the fixture with the generic source reminding an hour and 15 minutes before
// the start, and a booking made now (as intake arms it) starting in a day.
func remindFixture(t *testing.T, mutate ...func(*booking.Booking)) (*fixture, string) {
	t.Helper()
	f := newFixture(t)
	f.r.Reminders = map[string][]time.Duration{"generic": {time.Hour, 15 * time.Minute}}
	now := f.clock.Now()
	key := f.put(append([]func(*booking.Booking){func(b *booking.Booking) {
		b.CreatedAt = now
		b.ArmReminders(now)
	}}, mutate...)...)
	return f, key
}

// before moves the clock to start + d.
func (f *fixture) before(key string, d time.Duration) {
	f.t.Helper()
	f.clock.Set(f.get(key).Details.Start.Add(d))
}

// reminders returns the reminders sent since the last call, by recipient: the mails whose
// Subject starts "Reminder:". It fails on any other mail.
func (f *fixture) reminders() map[string]string {
	f.t.Helper()
	out := map[string]string{}
	for to, m := range f.mails() {
		require.Regexp(f.t, "^Reminder: ", m.Subject, "a mail other than a reminder to %s", to)
		require.Empty(f.t, m.Calendar, "a reminder has no calendar part")
		out[to] = m.Text + "\n" + html.UnescapeString(m.HTML)
	}
	return out
}

// TestReminderDueTimes: dueAt is the earliest pending step — each reminder, the room check,
// the cleanup — and the REQUEST's calendar reminds at the same times.
func TestReminderDueTimes(t *testing.T) {
	f, key := remindFixture(t)
	f.reconcile(key)
	for to, m := range f.mails() {
		assert.Contains(t, string(m.Calendar), "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder: Intro call\r\nTRIGGER:-PT1H\r\nEND:VALARM", to)
		assert.Contains(t, string(m.Calendar), "TRIGGER:-PT15M", to)
	}
	start := f.get(key).Details.Start
	assert.Equal(t, start.Add(-time.Hour), f.get(key).DueAt, "first the hour's reminder")

	f.before(key, -time.Hour-time.Second)
	assert.Empty(t, f.reconcile(key).Steps, "not yet")
	f.before(key, -time.Hour)
	f.reconcile(key)
	assert.Len(t, f.reminders(), 3)
	assert.Equal(t, start.Add(-15*time.Minute), f.get(key).DueAt, "then the room check and the 15 minutes' reminder")

	f.before(key, -15*time.Minute)
	res := f.reconcile(key)
	assert.Equal(t, []string{"check room", "send 15m0s reminder to organizer", "send 15m0s reminder to guest", "send 15m0s reminder to guest"}, res.Steps)
	assert.Len(t, f.reminders(), 3)
	b := f.get(key)
	assert.Equal(t, b.Details.End.Add(f.r.CleanupGrace), b.DueAt, "then only the cleanup")
	for _, inv := range b.Invites {
		assert.Equal(t, 15, inv.Reminded, inv.Email)
		assert.Zero(t, inv.RemindPending, inv.Email)
	}
}

// TestReminderOncePerRecipientWithTheirOwnLink: each recipient is reminded once, with their own
// /j/ link (the organizer the host link and the room's guest link; a guest never a host link),
// the dial-in and the time in their own zone.
func TestReminderOncePerRecipientWithTheirOwnLink(t *testing.T) {
	f, key := remindFixture(t)
	f.reconcile(key)
	f.mails()
	f.before(key, -time.Hour+30*time.Second)
	f.reconcile(key)
	mails := f.mails()
	require.Len(t, mails, 3)
	requireNoHostLinkToGuests(t, mails, ada)
	got := f.reminders() // none more
	assert.Empty(t, got)
	for to, m := range mails {
		body := m.Text + html.UnescapeString(m.HTML)
		assert.Contains(t, body, f.linkFor(key, to), to)
		assert.Contains(t, body, "starts in 1 hour.", to)
		assert.Contains(t, body, "tel:+12125550142,1234567890", to)
		assert.Contains(t, body, "Or dial +12125550142 (US), access code 1234567890", to)
		if to != ada {
			assert.NotContains(t, body, linkOf(t, key, f.get(key).Details.Organizer.ID, booking.ForHost), "no host link to %s", to)
		}
	}
	assert.Contains(t, mails[ada].Text, linkOf(t, key, booking.RoomLink, booking.ForGuest), "the organizer's guest link to share")
	assert.Contains(t, mails[ada].Text, "Your meeting with Bob Guest and Cy Guest starts in 1 hour.")
	assert.Contains(t, mails[bob].Text, "Monday 23 November 2026, 05:00–05:30 EST (America/New_York)", "Bob's zone")
	assert.Contains(t, mails[cy].Text, "Monday 23 November 2026, 11:00–11:30 CET (Europe/Oslo)", "the booking's zone")

	assert.Empty(t, f.reconcile(key).Steps, "reconciled again: nothing new")
	f.clock.Add(time.Minute)
	assert.Empty(t, f.reconcile(key).Steps)
	assert.Empty(t, f.mails())
}

// TestReminderReArmedWhenTheBookingMoves: a move (intake's ArmReminders) starts the reminders
// over from the new start, after the update.
func TestReminderReArmedWhenTheBookingMoves(t *testing.T) {
	f, key := remindFixture(t)
	f.reconcile(key)
	f.mails()
	f.before(key, -time.Hour)
	f.reconcile(key)
	f.mails()

	f.change(key, func(b *booking.Booking) {
		b.Details.Start, b.Details.End = b.Details.Start.Add(24*time.Hour), b.Details.End.Add(24*time.Hour)
		b.ArmReminders(f.clock.Now())
	})
	f.reconcile(key)
	for to, m := range f.mails() {
		assert.Equal(t, "REQUEST", m.Method, "first the update, to %s", to)
	}
	assert.Equal(t, f.get(key).Details.Start.Add(-time.Hour), f.get(key).DueAt, "the hour's reminder again, before the new start")
	f.before(key, -time.Hour)
	f.reconcile(key)
	assert.Len(t, f.reminders(), 3)
}

// TestReminderNeverAfterCancelOrStart: a cancelled booking is reminded of nothing, nor is any
// booking once its start has passed.
func TestReminderNeverAfterCancelOrStart(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		f, key := remindFixture(t)
		f.reconcile(key)
		f.mails()
		f.change(key, func(b *booking.Booking) { b.Status = booking.Cancelled })
		f.reconcile(key)
		f.mails()
		f.before(key, -15*time.Minute)
		assert.Empty(t, f.reconcile(key).Steps)
		assert.Empty(t, f.mails())
		assert.True(t, f.get(key).DueAt.IsZero())
	})
	t.Run("started", func(t *testing.T) {
		f, key := remindFixture(t)
		f.reconcile(key)
		f.mails()
		f.before(key, 0) // the sweep comes late: the meeting has started
		assert.NotContains(t, f.reconcile(key).Steps, "send 15m0s reminder to guest")
		assert.Empty(t, f.mails())
		b := f.get(key)
		assert.Equal(t, b.Details.End.Add(f.r.CleanupGrace), b.DueAt)
	})
}

// TestReminderPassedWhenBookedIsSkipped: a reminder whose time had passed when the booking was
// made is never sent late; of reminders that came due while a run was held up, only the latest
// goes out.
func TestReminderPassedWhenBookedIsSkipped(t *testing.T) {
	t.Run("booked 30 minutes ahead", func(t *testing.T) {
		f, key := remindFixture(t, func(b *booking.Booking) {
			b.Details.Start, b.Details.End = b.CreatedAt.Add(30*time.Minute), b.CreatedAt.Add(time.Hour)
		})
		f.reconcile(key)
		f.mails()
		assert.Equal(t, f.get(key).Details.Start.Add(-15*time.Minute), f.get(key).DueAt, "the hour's reminder is skipped")
		f.before(key, -15*time.Minute)
		f.reconcile(key)
		got := f.reminders()
		assert.Len(t, got, 3)
		assert.Contains(t, got[bob], "starts in 15 minutes.")
	})
	t.Run("a guest added after the reminder's time", func(t *testing.T) {
		f, key := remindFixture(t)
		f.reconcile(key)
		f.mails()
		f.before(key, -10*time.Minute)
		f.reconcile(key)
		assert.Len(t, f.reminders(), 3)
		f.change(key, func(b *booking.Booking) {
			b.Details.Attendees = append(b.Details.Attendees, booking.Person{Name: "Dee", Email: "dee@example.com"})
		})
		f.reconcile(key)
		mails := f.mails()
		require.Contains(t, mails, "dee@example.com")
		assert.Equal(t, "REQUEST", mails["dee@example.com"].Method, "Dee's invitation, and no reminder after it")
		assert.Empty(t, f.reconcile(key).Steps)
	})
	t.Run("run held up past two reminders", func(t *testing.T) {
		f, key := remindFixture(t)
		f.reconcile(key)
		f.mails()
		f.before(key, -10*time.Minute)
		res := f.reconcile(key)
		got := f.reminders()
		require.Len(t, got, 3, "one reminder each, not two")
		assert.Contains(t, got[bob], "starts in 10 minutes.")
		assert.NotContains(t, res.Steps, "send 1h0m0s reminder to guest")
		assert.Empty(t, f.reconcile(key).Steps)
	})
}

// TestReminderStoppedBetweenSendAndRecordCounted: a run that stops after the mail service took a
// reminder and before the record was saved sends it at most once more, counted as invites'
// duplicates are.
func TestReminderStoppedBetweenSendAndRecordCounted(t *testing.T) {
	f, key := remindFixture(t)
	f.reconcile(key)
	f.mails()
	f.before(key, -time.Hour)
	f.r.Store = &failingStore{Store: f.store, failPut: func(b *booking.Booking) bool {
		inv := b.InviteFor(bob)
		return inv != nil && inv.Reminded == 60 // recording Bob's reminder
	}}
	_, err := f.r.Reconcile(context.Background(), key)
	require.ErrorIs(t, err, errStopped)
	first := f.reminders()
	require.Contains(t, first, bob, "the mail service accepted Bob's reminder")
	assert.Equal(t, 60, f.get(key).InviteFor(bob).RemindPending, "its intent is on the record")

	f.r.Store = f.store
	f.clock.Add(DefaultLeaseTTL + time.Second)
	res := f.reconcile(key)
	// Each send's result is written before the next send: Ada's is on the record, so Bob is
	// reminded again once and Cy for the first time, both counted (an upper bound).
	assert.Equal(t, 2, res.PossibleDuplicates)
	second := f.reminders()
	assert.Equal(t, []string{bob, cy}, keys(second), "one reminder sent and not recorded: at most one duplicate")
	assert.Equal(t, 2, f.get(key).PossibleDuplicates, "every possible duplicate is counted")
	assert.Empty(t, f.reconcile(key).Steps)
	assert.Empty(t, f.reminders(), "what was recorded is not resent")
}

// TestReminderBadRecipientDoesNotStopTheOthers: a reminder refused for good is counted done and
// the others are reminded; one refused for now is retried after a back-off, counting no
// duplicate.
func TestReminderBadRecipientDoesNotStopTheOthers(t *testing.T) {
	t.Run("refused for good", func(t *testing.T) {
		f, key := remindFixture(t)
		f.reconcile(key)
		f.mails()
		f.before(key, -time.Hour)
		f.mailer.fail = func(m booking.Message) error {
			if m.To[0] == bob {
				return booking.Permanent(errors.New("ses: address rejected"))
			}
			return nil
		}
		res := f.reconcile(key)
		assert.Contains(t, res.Steps, "drop reminder to guest: refused for good or cannot be rendered")
		assert.Equal(t, []string{ada, cy}, keys(f.reminders()))
		b := f.get(key)
		assert.Nil(t, b.Failure)
		assert.Equal(t, 60, b.InviteFor(bob).Reminded, "not retried")
		assert.Empty(t, b.InviteFor(bob).Error, "the invitation itself stands")
	})
	t.Run("refused for now", func(t *testing.T) {
		f, key := remindFixture(t)
		f.reconcile(key)
		f.mails()
		f.before(key, -time.Hour)
		f.mailer.fail = func(m booking.Message) error {
			if m.To[0] == bob {
				return errors.New("ses: throttled")
			}
			return nil
		}
		f.reconcile(key)
		assert.Equal(t, []string{ada}, keys(f.reminders()))
		b := f.get(key)
		require.NotNil(t, b.Failure)
		assert.Zero(t, b.InviteFor(bob).RemindPending, "nothing went out: no intent left")
		assert.True(t, b.DueAt.After(f.clock.Now()), "a back-off")

		f.mailer.fail = nil
		f.clock.Set(b.DueAt)
		res := f.reconcile(key)
		assert.Zero(t, res.PossibleDuplicates)
		assert.Equal(t, []string{bob, cy}, keys(f.reminders()))
	})
}

// TestRemindersOfTheBookingAndTheSource: a booking's own reminders win over its source's; [] is
// none; a source without reminders, and a hand-made room, send none.
func TestRemindersOfTheBookingAndTheSource(t *testing.T) {
	f := newFixture(t)
	f.r.Reminders = map[string][]time.Duration{"generic": {15 * time.Minute}, "calcom": {}}
	for name, tt := range map[string]struct {
		source string
		own    []int
		want   []time.Duration
	}{
		"the source's":         {"generic", nil, []time.Duration{15 * time.Minute}},
		"the booking's":        {"generic", []int{30, 1440}, []time.Duration{24 * time.Hour, 30 * time.Minute}},
		"none for the booking": {"generic", []int{}, []time.Duration{}},
		"none for the source":  {"calcom", nil, []time.Duration{}},
		"an unknown source":    {"cronofy", nil, nil},
		"a hand-made room":     {booking.Manual, []int{15}, nil},
	} {
		b := &booking.Booking{Source: tt.source, Details: booking.Details{Reminders: tt.own}}
		assert.Equal(t, tt.want, f.r.RemindersOf(b), name)
	}

	f.r.Reminders = map[string][]time.Duration{"generic": {time.Hour}}
	key := f.put(func(b *booking.Booking) { b.Details.Reminders = []int{} })
	f.reconcile(key)
	for to, m := range f.mails() {
		assert.NotContains(t, string(m.Calendar), "VALARM", "no reminders, no alarms: %s", to)
	}
	f.before(key, -time.Hour)
	assert.Empty(t, f.reconcile(key).Steps)
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// countingStore counts the record reads and writes a run makes.
type countingStore struct {
	booking.Store
	gets, puts int
}

func (s *countingStore) Get(ctx context.Context, key string) (*booking.Booking, error) {
	s.gets++
	return s.Store.Get(ctx, key)
}

func (s *countingStore) Put(ctx context.Context, b *booking.Booking) error {
	s.puts++
	return s.Store.Put(ctx, b)
}

// TestReminderRequestsPerBooking counts what reminders add to a booking's work (docs/benchmarks.md):
// for N recipients, a reminder sends N mails and writes the record N+1 times: every recipient's
// intent with the lease, each result before the next send (so a stopped run leaves at most one
// message unrecorded), the last with the run's last save. One that comes due apart from any
// other step costs a run of its own (the sweep's nudge, one read, those writes). The 15
// minutes' reminder rides on the room check's run, whose result goes in the same writes.
func TestReminderRequestsPerBooking(t *testing.T) {
	f, key := remindFixture(t) // three recipients, reminders an hour and 15 minutes before
	f.reconcile(key)
	f.mails()
	const n = 3
	count := &countingStore{Store: f.store}
	f.r.Store = count

	f.before(key, -time.Hour)
	res := f.reconcile(key)
	assert.Len(t, res.Steps, n)
	assert.Len(t, f.mails(), n, "mails")
	assert.Equal(t, 1, count.gets, "reads")
	assert.Equal(t, n+1, count.puts, "writes: the intents with the lease, each result before the next send, the last with the last save")

	*count = countingStore{Store: f.store}
	f.before(key, -15*time.Minute)
	res = f.reconcile(key)
	require.Equal(t, "check room", res.Steps[0])
	assert.Len(t, f.mails(), n, "mails")
	assert.Equal(t, 1, count.gets, "reads: the check's run")
	assert.Equal(t, n+1, count.puts, "writes: the check's result, the intents and the lease; each result; the last with the last save")
	t.Logf("per reminder, %d recipients: its own run %d reads, %d writes, %d mails", n, 1, n+1, n)

	// What the reminder state adds to the stored record (the JSON the stores write).
	b := f.get(key)
	with, err := json.Marshal(b)
	require.NoError(t, err)
	b.RemindFrom = time.Time{}
	for i := range b.Invites {
		b.Invites[i].Reminded = 0
	}
	without, err := json.Marshal(b)
	require.NoError(t, err)
	added := len(with) - len(without)
	t.Logf("reminder state: %d bytes of a %d-byte record", added, len(with))
	assert.LessOrEqual(t, added, 40+16*n, "a time and a small number per recipient")
}
