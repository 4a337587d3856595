// Package reconcile is roomkeeper's worker: Reconcile brings one booking's observed state (its
// room, the invites each recipient has) in line with its desired state, one idempotent step at a
// time, storing the intent of each side effect before it and its result after it, a batch of
// them to a write (docs/design.md, "Reconcile"). A failure
// of the provider or the mail service is recorded with a back-off dueAt, never returned as a queue
// failure; a permanent one stops the retries and e-mails the organizer.
package reconcile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mathrand "math/rand/v2"
	"slices"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/locale"
)

// Reconciler holds the worker's dependencies and settings. Set its fields once in main.
type Reconciler struct {
	Store booking.Store
	// Mailer sends the invitations and notices. Nil makes a reconciler that sends no mail (the
	// admin API's, which makes a hand-made room at once): a run stops before a step that would
	// send one and leaves the record due now for the worker.
	Mailer booking.Mailer
	// Renderer writes the messages the Mailer sends: required with a Mailer (Reconcile refuses to
	// run without it), unused without one, so a process that sends no mail need not link it.
	Renderer Renderer
	// LeaveDialIn makes a reconciler that makes no room with dial-in (the admin API's: its
	// providers normalise no phone numbers, so the admin function does not link the
	// phone-number metadata): a run stops before making, replacing or recovering the room of a
	// booking that asks for dial-in and leaves the record due now for the worker.
	LeaveDialIn bool
	Providers   map[string]booking.Provider // by name: "whereby", …
	// Deployment is this deployment's id (ROOMKEEPER_DEPLOYMENT): every room it makes carries it
	// in its tag, and the reaper deletes only rooms that carry it.
	Deployment string
	// Insights are the providers that report their own figures for a room's sessions, by name:
	// a cleaned-up room's usage takes its recorded and streamed minutes from them.
	Insights map[string]booking.Insights
	// Zone is the zone usage days are counted in (ROOMKEEPER_TIME_ZONE); nil means UTC.
	Zone *time.Location
	Now  func() time.Time
	// Jitter returns a number in [0, 1) to spread back-off delays; nil uses math/rand.
	Jitter func() float64
	// Links makes the links mailed to each recipient (ROOMKEEPER_PUBLIC_URL/j/<token>): never the
	// provider's room URL, so a link keeps working when the room behind it is replaced. Required
	// with a Mailer.
	Links booking.Linker
	// NewID returns a fresh recipient id for a record stored before ids were assigned; nil means
	// booking.NewRecipientID.
	NewID func() string
	// Notifier sends the outbound webhook's events (ROOMKEEPER_NOTIFY_URL; notice.go). Nil sends
	// none and queues none: no notifier is configured, or the reconciler is the admin API's,
	// which leaves them to the worker.
	Notifier booking.Notifier
	// Alerter also tells the organizer in Slack when a guest knocks (the knock step, knock),
	// under the e-mail's "once" record; nil when the Slack app is not configured.
	Alerter booking.Alerter
	// Metrics records what each run did (rooms made, invitations sent, the providers' errors
	// and waits, cleanup lag, failures that stopped a booking), once per run; nil drops it.
	Metrics booking.Metrics
	// Reminders are how long before the start each booking source's participants are e-mailed a
	// reminder, longest first (ROOMKEEPER_REMINDERS…), by source name; a booking may carry its
	// own (booking.Details.Reminders). A source without any sends none.
	Reminders map[string][]time.Duration

	MailFrom string // ROOMKEEPER_MAIL_FROM
	// Locale is ROOMKEEPER_LOCALE: the language of the mail of a person whose source gave none
	// that roomkeeper writes (booking.Person.Locale); "" means English.
	Locale       string
	CleanupGrace time.Duration // delete the room this long after the end
	MaxOverrun   time.Duration // a room must work this long past the end
	RoomSlack    time.Duration // provider room end date = end + RoomSlack
	LeaseTTL     time.Duration // how long a run may hold a booking between saves; 0 means DefaultLeaseTTL
}

// Renderer turns a message's contents (package invite) into the e-mail a Mailer sends, one
// method per kind of message: shared/invite/render's Renderer. It is a port rather than an import
// so that this package does not link the renderer (go-ical, go-message, the mail templates) into
// the processes that send no mail. An error is a booking.Invalid one for input that will never
// render, and never contains an e-mail address or a phone number.
type Renderer interface {
	Invite(*invite.Invite) (booking.Message, error)
	Failure(*invite.Failure) (booking.Message, error)
	Knock(*invite.Knock) (booking.Message, error)
	Undelivered(*invite.Undelivered) (booking.Message, error)
	Attendance(*invite.Attendance) (booking.Message, error)
}

// ErrNoRenderer is a reconciler wired with a Mailer and no Renderer: Reconcile returns it before
// reading anything, so the wiring error shows on the first message rather than as bookings whose
// mail is dropped as unrenderable.
var ErrNoRenderer = errors.New("reconciler has a Mailer and no Renderer: wire shared/invite/render's Renderer with it")

// DefaultLeaseTTL is how long a run holds a booking from its last save: another run may take the
// booking over only once a run has saved nothing for that long. A run renews the lease before a
// side effect once half of it has gone (run.hold, a heartbeat), so a run that lasts longer keeps
// it while it makes progress: a provider call gives up within 10 s (shared/video/rest), so the
// half minute a renewal leaves for the side effect after it is ample, and a run that stopped (a
// crashed process, a Lambda timeout) frees its booking a minute after its last save.
const DefaultLeaseTTL = time.Minute

// Back-off for temporary failures the service named no delay for: capped exponential with
// jitter. A delay the service asked for (Retry-After) is taken as it is.
const (
	backoffBase = 10 * time.Second
	backoffCap  = 10 * time.Minute
)

// finalSaveTimeout bounds the save that ends a run.
const finalSaveTimeout = 10 * time.Second

// maxSteps bounds one run; a booking with many recipients continues on the next run.
const maxSteps = 500

// Result reports what one run did. Callers log it and count PossibleDuplicates as a metric.
type Result struct {
	Key                string
	Missing            bool     // no such booking (expired or never stored)
	Busy               bool     // another run holds the booking
	Steps              []string // side effects performed, in order
	PossibleDuplicates int      // invites re-sent after a run stopped between send and record
	Failure            string   // the failure recorded, if any
	Permanent          bool     // the failure stops retries
	// Cleanup is why the run deleted the room after the meeting (CleanupAfterGrace…), when it
	// did or tried to.
	Cleanup string
	// Postponed is why the room's cleanup, due by now, was put off (PostponedLive…), and
	// PostponedUntil when it is looked at again.
	Postponed      string
	PostponedUntil time.Time
	// NoticesDropped are the ids of outbound webhook events given up this run: 24 hours without a
	// 2xx, or refused for good by the receiver. The edge logs them (never the receiver's address).
	NoticesDropped []string
	// Due is when the booking next needs work as the run left it (its DueAt); zero when nothing
	// is left to do, or when the run stopped before saving. A worker that can wake itself (the
	// local server) uses it to come back then rather than at its next sweep.
	Due time.Time
}

// Reconcile runs the missing steps for one booking. It returns an error only when the store
// cannot be read or written, or the reconciler is wired wrong (ErrNoRenderer): then the queue
// should redeliver. Everything else is recorded on the booking and retried from its dueAt.
func (r *Reconciler) Reconcile(ctx context.Context, key string) (Result, error) {
	res := Result{Key: key}
	if r.Mailer != nil && r.Renderer == nil {
		return res, ErrNoRenderer
	}
	now := r.Now()
	b, err := r.Store.Get(ctx, key)
	if errors.Is(err, booking.ErrNotFound) {
		res.Missing = true
		return res, nil
	}
	if err == nil {
		err = booking.LoadActivity(ctx, r.Store, b)
	}
	if err != nil {
		return res, fmt.Errorf("load booking %s: %w", key, err)
	}
	w := &run{r: r, b: b, now: now, owner: newOwner(), res: &res}
	defer func() { r.put(ctx, w.metrics...) }()
	if w.heldByOther() {
		res.Busy = true
		return res, nil
	}
	if act := r.plan(w.b, now); act.kind == actCreate {
		// A booking waiting for a room at a paused provider is set due at the pause's end in one
		// write, before taking the lease: a burst of them waits on one pause, all woken at its
		// end, and each costs the store as little as it can. (Only a failure that has just
		// become permanent goes on, with the lease, to tell the organizer.)
		if err := r.paused(ctx, now, b.Details.Room.Provider, true); err != nil {
			if isStoreErr(err) {
				return res, err
			}
			cont, err := w.fail(ctx, act, err)
			if err != nil {
				return res, w.storeErr(err)
			}
			if !cont {
				res.Due = w.b.DueAt
				return res, nil
			}
		}
	}
	// The lease rides on the run's first write, which comes before its first side effect
	// (run.hold); a run with nothing to do writes only what its last save changes, if anything.
	for i := 0; i < maxSteps; i++ {
		act := r.plan(w.b, now)
		if act.kind == actNone || (r.Mailer == nil && act.mails()) || (r.LeaveDialIn && act.makesDialIn(w.b)) {
			break
		}
		err := w.do(ctx, act)
		if err == nil || errors.Is(err, errReplan) {
			continue
		}
		if ctx.Err() != nil && !w.lost {
			// The caller stopped waiting (the admin API gives a hand-made room a few seconds):
			// that is no failure of the provider's. The rest is left to the worker, at once.
			break
		}
		if w.lost || isStoreErr(err) {
			// What the run did before the failing step is recorded, if the store still takes a
			// write (only an item beside the record may have failed), so that the next run repeats
			// that step alone; the intents of sends not made are put back first.
			if !w.lost && len(w.staged)+len(w.unsent) > 0 {
				w.unwind()
				_ = w.flush(ctx) // failing too, it leaves the run as a stop would: one send at most repeated
			}
			return res, w.storeErr(err)
		}
		cont, err := w.fail(ctx, act, err)
		if err != nil {
			return res, w.storeErr(err)
		}
		if !cont {
			res.Due = w.b.DueAt
			return res, nil
		}
	}
	// The last save records where the run got to and frees the booking, even when the caller has
	// stopped waiting.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalSaveTimeout)
	defer cancel()
	var last action
	w.unwind() // intents of sends this run did not make (it stopped early): nothing went out
	finish := func(b *booking.Booking) {
		b.Lease = booking.Lease{}
		act := r.plan(b, now)
		last = act
		switch {
		case act.kind != actNone:
			// The desired state changed under us (or maxSteps ran out): more to do at once.
			b.DueAt = now
		default:
			b.DueAt = act.due
			b.Done = act.finished
			b.Attempts = 0
			if b.Failure != nil && !b.Failure.Permanent {
				b.Failure = nil
			}
		}
	}
	if !w.wrote && len(w.staged) == 0 && unchangedBy(w.b, finish) {
		// Nothing done and nothing to record: no write at all.
		res.Due = w.b.DueAt
		return res, nil
	}
	err = w.save(sctx, finish)
	if err == nil {
		res.Due = w.b.DueAt
		if last.kind == actNone && last.reason != "" {
			res.Postponed, res.PostponedUntil = last.reason, last.until
		}
	}
	return res, w.storeErr(err)
}

// put records ms, even when ctx is done: they describe what happened.
func (r *Reconciler) put(ctx context.Context, ms ...booking.Metric) {
	if r.Metrics != nil && len(ms) > 0 {
		r.Metrics.Put(context.WithoutCancel(ctx), ms...)
	}
}

func (r *Reconciler) leaseTTL() time.Duration {
	if r.LeaseTTL > 0 {
		return r.LeaseTTL
	}
	return DefaultLeaseTTL
}

// run is one Reconcile call's working state.
//
// A run writes the record only when a side effect needs a guard stored before it (the lease and
// an intent: run.hold, run.flush) and once at its end. What a step learned is staged on the
// record in memory (run.stage) and goes out with the next write: losing it to a stopped run only
// repeats a step that is idempotent (a room check, a room delete, a usage count, an adoption) or
// whose intent was stored (a send, which the next run makes again and counts).
type run struct {
	r     *Reconciler
	b     *booking.Booking // the record as last loaded or saved, with the staged changes applied
	now   time.Time
	owner string
	res   *Result
	lost  bool // another run took the lease
	// staged are the changes applied to b since it was last written; a write that meets a newer
	// version applies them again to it.
	staged []func(*booking.Booking)
	wrote  bool // the run has written the record
	// guarded says a change is staged that must be stored before the next side effect.
	guarded bool
	// leased says the lease is stored, until leaseUntil.
	leased     bool
	leaseUntil time.Time
	// unsent undoes each intent this run stored for a send it has not made (by the intent's
	// name): a failure or an early stop puts it back, since nothing went out.
	unsent map[string]func(*booking.Booking)
	// metrics are the run's figures, recorded when it ends.
	metrics []booking.Metric
}

func (w *run) report(ms ...booking.Metric) { w.metrics = append(w.metrics, ms...) }

func (w *run) heldByOther() bool {
	l := w.b.Lease
	return l.Owner != "" && l.Owner != w.owner && l.Until.After(w.now)
}

// storeError marks errors from the store, which are queue failures.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func isStoreErr(err error) bool {
	var se *storeError
	return errors.As(err, &se)
}

func (w *run) storeErr(err error) error {
	if err == nil || w.lost {
		return nil // a run that lost its lease stops quietly: the new holder carries on
	}
	return err
}

// stage applies mutate to the record in memory; the next write stores it.
func (w *run) stage(mutate func(*booking.Booking)) {
	mutate(w.b)
	w.staged = append(w.staged, mutate)
}

// save stages mutate and writes the record.
func (w *run) save(ctx context.Context, mutate func(*booking.Booking)) error {
	w.stage(mutate)
	return w.flush(ctx)
}

// hold stores the run's lease before a side effect, with whatever is staged: the run's first
// call writes the record, and so does a call with a guard staged and not yet written (an
// intent, a room being created, a queued notice: guard), or one when the lease has less than
// half its time left, renewing it as a heartbeat. So two runs never work one booking at once,
// and a run that stopped frees it a lease's time after its last write.
func (w *run) hold(ctx context.Context) error {
	if !w.leased {
		w.stage(func(b *booking.Booking) { b.Lease = booking.Lease{Owner: w.owner} })
		return w.flush(ctx)
	}
	if w.guarded || !w.r.Now().Before(w.leaseUntil.Add(-w.r.leaseTTL()/2)) {
		return w.flush(ctx)
	}
	return nil
}

// beforeSend comes before the i-th send of a batch (invitations, reminders): the first goes out
// after the write that holds every intent of the batch; each later one after a write of what the
// sends before it staged. So a run stopped in a batch leaves at most one message sent and not
// recorded, which the next run sends again and counts, as when every send had its own intent;
// the batch's last result goes out with the run's next write.
func (w *run) beforeSend(ctx context.Context, i int) error {
	if i > 0 && len(w.staged) > 0 {
		return w.flush(ctx)
	}
	return w.hold(ctx)
}

// guard stages mutate as a change that must be stored before the side effect it guards: the
// next hold writes it.
func (w *run) guard(mutate func(*booking.Booking)) {
	w.stage(mutate)
	w.guarded = true
}

// errReplan is the first write of a run (the one taking the lease) meeting a newer version of the
// record: another run, or a source, wrote it since the run read it, so what the run planned and
// staged may be stale. The run drops it and plans again from the record as it is now.
var errReplan = errors.New("the record changed before the run took its lease: plan again")

// flush writes the record with the staged changes, reloading and applying them again on a
// version conflict (a source changed the desired state meanwhile). A write that keeps the run's
// lease renews it from the clock's current time. It stops if another run took the lease; a
// conflict on the write that takes the lease drops what is staged (errReplan).
func (w *run) flush(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		taking := !w.leased && w.b.Lease.Owner == w.owner
		next := w.b
		until := w.r.Now().Add(w.r.leaseTTL())
		if next.Lease.Owner == w.owner {
			next.Lease.Until = until
		}
		next.UpdatedAt = w.now
		err := w.r.Store.Put(ctx, next)
		if err == nil {
			w.staged = w.staged[:0]
			w.wrote, w.guarded = true, false
			w.leased, w.leaseUntil = next.Lease.Owner == w.owner, until
			return nil
		}
		if !errors.Is(err, booking.ErrConflict) || attempt >= 8 {
			return &storeError{fmt.Errorf("save booking %s: %w", w.b.Key, err)}
		}
		fresh, err := w.r.Store.Get(ctx, w.b.Key)
		if err == nil {
			err = booking.LoadActivity(ctx, w.r.Store, fresh)
		}
		if err != nil {
			return &storeError{fmt.Errorf("reload booking %s: %w", w.b.Key, err)}
		}
		w.b = fresh
		if w.heldByOther() {
			w.lost = true
			w.res.Busy = true
			return &storeError{fmt.Errorf("booking %s: lease taken by another run", w.b.Key)}
		}
		if taking {
			// Nothing was sent yet (no side effect comes before the lease), so nothing staged
			// needs keeping: the reads it learned from are made again if still needed.
			w.staged, w.guarded, w.unsent = nil, false, nil
			w.res.PossibleDuplicates = 0
			return errReplan
		}
		for _, m := range w.staged {
			m(w.b)
		}
	}
}

// intend records that the run is about to make a send, under name, with undo to put back what
// was there before: until the send is made (sent), a failure or an early stop applies undo.
func (w *run) intend(name string, undo func(*booking.Booking)) {
	if w.unsent == nil {
		w.unsent = map[string]func(*booking.Booking){}
	}
	w.unsent[name] = undo
}

// intended reports whether this run stored an intent under name that it has not acted on yet.
func (w *run) intended(name string) bool {
	_, ok := w.unsent[name]
	return ok
}

// sent marks the send under name as made (or refused for good): its intent stays until the
// result replaces it.
func (w *run) sent(name string) { delete(w.unsent, name) }

// unwind stages the undoing of every intent whose send this run did not make.
func (w *run) unwind() {
	for name, undo := range w.unsent {
		w.stage(undo)
		delete(w.unsent, name)
	}
}

// unchangedBy reports whether mutate leaves the fields a run's last save sets as they are.
func unchangedBy(b *booking.Booking, mutate func(*booking.Booking)) bool {
	next := b.Clone()
	mutate(next)
	sameFailure := (next.Failure == nil) == (b.Failure == nil) && (next.Failure == nil || *next.Failure == *b.Failure)
	return next.DueAt.Equal(b.DueAt) && next.Done == b.Done && next.Attempts == b.Attempts &&
		sameFailure && next.Lease == b.Lease
}

// fail records a failed step: a back-off dueAt for a temporary failure, or a permanent failure
// that stops retries. It reports whether the run should go on, which it does only to e-mail the
// organizer about a new permanent failure. A permanent failure already recorded is kept, so a
// failing notice does not overwrite what went wrong.
//
// A booking still without a room fails for good at its meeting's start, or at once when it
// would have to wait until the meeting has ended (a provider paused until then: Zoom's daily
// cap lifts only at midnight UTC); a wait that ends during the meeting still gets it a room.
func (w *run) fail(ctx context.Context, act action, cause error) (bool, error) {
	b := w.b
	attempts := b.Attempts + 1
	var held *pausedError
	if errors.As(cause, &held) {
		// Held up by another worker's pause, without a call: no attempt of this booking's,
		// so the back-off after its next real failure does not grow.
		attempts = b.Attempts
	}
	due := w.now.Add(backoff(attempts, booking.RetryDelay(cause), w.r.jitter()))
	_, until, throttled := booking.Throttle(cause)
	if throttled {
		due = until // the provider's delay counts from its answer, not from the run's start
	}
	// A booking cleaned up has no room because it needs none: a step after the cleanup (its
	// usage count, its attendance summary) that fails is retried like any other.
	noRoom := b.Status == booking.Confirmed && b.Room == nil && !b.Done
	msg := cause.Error()
	permanent := booking.IsPermanent(cause)
	var (
		nc      *notConfiguredError
		refused *providerError
		kind    booking.FailureKind // what the organizer is told, in plain words
	)
	switch {
	case permanent && errors.As(cause, &nc):
		kind = booking.FailureNoProvider
	case permanent && errors.As(cause, &refused):
		kind = booking.FailureRefused
	case permanent:
		kind = booking.FailureOther
	case noRoom && !w.now.Before(b.Details.Start):
		permanent, msg, kind = true, "still no video room at the meeting's start: "+msg, booking.FailureNoRoomByStart
	case noRoom && !due.Before(b.Details.End):
		permanent, msg, kind = true, "no video room can be made before the meeting ends: "+msg, booking.FailureNoRoomByStart
		if throttled {
			kind = booking.FailurePaused
		}
	}
	var pe *providerError
	switch {
	case errors.As(cause, &pe) && throttled:
		// The provider asked to be left alone (a 429): how long every worker now waits.
		w.report(booking.DurationOf(booking.MetricProviderPaused, until.Sub(w.now)).By("Provider", pe.provider))
	case pe != nil:
		w.report(booking.CountOf(booking.MetricProviderErrors, 1).By("Provider", pe.provider))
	}
	if permanent && (b.Failure == nil || !b.Failure.Permanent) {
		w.report(booking.CountOf(booking.MetricPermanentFailures, 1))
	}
	// Go on only to notify about a failure that has just become permanent: a failure that was
	// already permanent, or the notice failing, waits for the back-off.
	cont := permanent && (b.Failure == nil || !b.Failure.Permanent) && act.kind != actNotify
	w.res.Failure, w.res.Permanent = msg, permanent
	w.unwind() // the sends this run meant to make did not go out
	err := w.save(ctx, func(b *booking.Booking) {
		b.Attempts = attempts
		if act.kind == actCreate {
			switch {
			case booking.IsRefused(cause):
				// The provider certainly made no room (a 429, a 4xx, no connection): the next
				// attempt creates at once, without first listing the rooms to recover one.
				forgetCreating(b)
			case booking.IsPermanent(cause):
				// No retry: a room the provider may have made carries the tag, so the reaper
				// finds it.
				b.Creating = nil
			}
		}
		if b.Failure == nil || !b.Failure.Permanent {
			b.Failure = &booking.Failure{Message: msg, Kind: kind, Permanent: permanent, At: w.now}
		}
		if cont {
			b.DueAt = w.now
		} else {
			b.DueAt = due
			b.Lease = booking.Lease{}
		}
	})
	return cont, err
}

func (r *Reconciler) jitter() float64 {
	if r.Jitter != nil {
		return r.Jitter()
	}
	return mathrand.Float64()
}

// backoff returns the delay before attempt n+1: what the service asked for (retryAfter) when it
// asked, so a throttled call comes back as soon as the service takes it again and no later;
// otherwise base·2^(n-1) capped, scaled into [½, 1) by jitter.
func backoff(attempts int, retryAfter time.Duration, jitter float64) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	d := float64(backoffBase) * math.Pow(2, float64(attempts-1))
	d = math.Min(d, float64(backoffCap))
	d = d/2 + d/2*jitter
	return time.Duration(d)
}

func newOwner() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// render builds the message for one invite action.
func (w *run) render(ctx context.Context, a action) (booking.Message, error) {
	b := w.b
	d := &b.Details
	p := a.person
	msg := &invite.Invite{
		Method:      a.method,
		UID:         b.UID,
		Sequence:    b.Sequence,
		Updated:     updated(b, p.Email),
		Stamp:       w.now,
		Title:       d.Title,
		Description: d.Description,
		Start:       d.Start,
		End:         d.End,
		Organizer:   d.Organizer,
		Recipient:   w.r.reader(d, p),
		Host:        a.organizer,
		Calendar:    (!a.organizer || d.OrganizerCalendar) && a.kind == actSend,
		From:        w.r.MailFrom,
		Reminder:    a.reminder,
	}
	if a.method == booking.Request && a.kind == actSend {
		msg.Alarms = w.r.RemindersOf(b) // the calendar reminds when roomkeeper does
	}
	if a.method == booking.Cancel && b.Status == booking.Cancelled {
		msg.CancelReason = d.CancelReason // a guest removed from a meeting that goes on gets none
	}
	if a.organizer {
		var unreachable []booking.Person
		msg.Attendees, unreachable = reachable(w.invitedGuests(a.method))
		msg.Uninvited = append(slices.Clip(d.Uninvited), unreachable...)
	} else {
		msg.Attendees = []booking.Person{p}
	}
	if a.method == booking.Request && b.Room != nil {
		// Each person's own link, resolved when followed (GET /j/{token}); the organizer gets the
		// host link and the room's own guest link, to pass on to people not on the invite.
		guest, purpose := p.ID, booking.ForGuest
		if a.organizer {
			guest, purpose = booking.RoomLink, booking.ForHost
		}
		var err error
		if msg.GuestURL, err = w.link(ctx, guest, booking.ForGuest); err != nil {
			return booking.Message{}, err
		}
		if a.organizer {
			if msg.HostURL, err = w.link(ctx, p.ID, purpose); err != nil {
				return booking.Message{}, err
			}
		}
		msg.DialIn = b.Room.DialIn
	}
	m, err := w.r.Renderer.Invite(msg)
	m.Key = b.Key
	return m, err
}

// reader is p as their mail is written to them: their name, address, time zone
// (Details.ZoneOf) and language (their own, else ROOMKEEPER_LOCALE's, else English).
func (r *Reconciler) reader(d *booking.Details, p booking.Person) booking.Person {
	return booking.Person{Name: p.Name, Email: p.Email, TimeZone: d.ZoneOf(p), Locale: locale.Match(p.Locale, r.Locale)}
}

// errNoLinks is a reconciler wired to send mail without a link maker.
var errNoLinks = errors.New("no link maker configured (Reconciler.Links)")

// link returns the booking's /j/ link for a recipient id and purpose. A person without an id
// (a record stored before ids, not yet given them) gets no link rather than a wrong one.
func (w *run) link(ctx context.Context, recipient string, p booking.Purpose) (string, error) {
	if w.r.Links == nil {
		return "", errNoLinks
	}
	if recipient == booking.RoomLink && p == booking.ForHost && w.b.Source != booking.Manual {
		return "", errors.New("a booking's host link names its organizer")
	}
	u, err := w.r.Links.Link(ctx, w.b.Key, recipient, p)
	if err != nil {
		return "", fmt.Errorf("make link for booking %s: %w", w.b.Key, err)
	}
	return u, nil
}

// reachable splits guests into those mail can reach and those it cannot (booking.CheckEmail): a
// record stored before intake kept the latter out may still list them. The organizer's calendar
// lists only the former; the latter are named to the organizer as not invited.
func reachable(guests []booking.Person) (ok, not []booking.Person) {
	for _, g := range guests {
		if _, err := booking.CheckEmail("email", g.Email); err != nil {
			not = append(not, g)
		} else {
			ok = append(ok, g)
		}
	}
	return ok, not
}

// updated reports whether a recipient holds an earlier REQUEST of the booking.
func updated(b *booking.Booking, email string) bool {
	inv := b.InviteFor(email)
	return inv != nil && inv.Method == booking.Request && inv.Error == ""
}

// invitedGuests lists the guests an organizer's calendar shows: the current attendees for a
// REQUEST; for a CANCEL of the whole booking, every guest who was sent a REQUEST.
func (w *run) invitedGuests(m booking.Method) []booking.Person {
	if m == booking.Request {
		return w.b.Details.Attendees
	}
	var out []booking.Person
	for _, inv := range w.b.Invites {
		if !inv.Organizer && inv.Method != "" {
			out = append(out, inv.Person)
		}
	}
	if len(out) == 0 {
		out = w.b.Details.Attendees
	}
	return out
}
