package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// call makes one call to the provider named, fn, unless the provider is paused for it: every
// call waits for a booking.PauseAll pause, and one that makes or moves a room (creates) for a
// booking.PauseCreate pause too. While paused, call returns a refusal that waits for the pause's
// end (booking.Throttled), so the booking is due then, without calling. A rate limit's refusal
// of the call is marked as a pause of the calls it holds up (booking.Throttle), which every
// worker reads before its own calls: they wait together instead of each being refused in turn.
// Only a store failure is returned as a *storeError.
func (r *Reconciler) call(ctx context.Context, now time.Time, provider string, creates bool, fn func() error) error {
	if err := r.paused(ctx, now, provider, creates); err != nil {
		return err
	}
	err := fn()
	if kind, until, ok := booking.Throttle(err); ok {
		if perr := r.Store.Pause(ctx, provider, kind, until); perr != nil {
			return &storeError{fmt.Errorf("pause %s after %w: %w", provider, err, perr)}
		}
	}
	return err
}

// paused returns the refusal of a call to the provider that a pause holds up at now (see call),
// a *storeError, or nil.
func (r *Reconciler) paused(ctx context.Context, now time.Time, provider string, creates bool) error {
	for _, kind := range pauseKinds(creates) {
		until, err := r.Store.PausedUntil(ctx, provider, kind)
		if err != nil {
			return &storeError{fmt.Errorf("read the pause of %s: %w", provider, err)}
		}
		if until.After(now) {
			return booking.Throttled(&pausedError{provider: provider, kind: kind, until: until}, kind, now, until.Sub(now))
		}
	}
	return nil
}

// pauseKinds are the kinds of pause that hold up a call.
func pauseKinds(creates bool) []booking.PauseKind {
	if creates {
		return []booking.PauseKind{booking.PauseAll, booking.PauseCreate}
	}
	return []booking.PauseKind{booking.PauseAll}
}

// pausedError is a call not made because its provider is paused.
type pausedError struct {
	provider string
	kind     booking.PauseKind
	until    time.Time
}

func (e *pausedError) Error() string {
	what := "every call"
	if e.kind == booking.PauseCreate {
		what = "making and moving rooms"
	}
	return fmt.Sprintf("%s: %s paused until %s by the provider's rate limit", e.provider, what, e.until.UTC().Format(time.RFC3339))
}

// createsPaused reports whether err is a refusal under a limit of the calls that make or move
// rooms (Zoom's daily cap), or a pause of them: nothing of the kind can be done until it lifts.
func createsPaused(err error) bool {
	kind, _, ok := booking.Throttle(err)
	return ok && kind == booking.PauseCreate
}
