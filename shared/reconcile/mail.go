package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// RecordMail records a bounce or a complaint the mail service reported on the booking it names:
// the invite of each recipient is marked (booking.ApplyMailEvent) and the booking is due at once,
// so the next run tells the organizer, once, which guest's invitation failed, and sends no more
// mail to an address complained of or bounced for good. It reports whether the record changed:
// a booking that is gone, or that holds none of the recipients, is left alone. It takes no
// lease: it is one versioned write, and a run that holds the booking picks the change up when it
// saves. Only a store failure is an error.
func (r *Reconciler) RecordMail(ctx context.Context, ev booking.MailEvent) (bool, error) {
	name := booking.MetricMailBounced
	if ev.Kind == booking.MailComplained {
		name = booking.MetricMailComplained
	}
	r.put(ctx, booking.CountOf(name, len(ev.Recipients)))
	now := r.Now()
	for attempt := 0; ; attempt++ {
		b, err := r.Store.Get(ctx, ev.Key)
		if errors.Is(err, booking.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("load booking %s for a mail %s: %w", ev.Key, ev.Kind, err)
		}
		if !b.ApplyMailEvent(ev) {
			return false, nil
		}
		if b.DueAt.IsZero() || b.DueAt.After(now) {
			b.DueAt = now
		}
		b.UpdatedAt = now
		err = r.Store.Put(ctx, b)
		if errors.Is(err, booking.ErrConflict) && attempt < 8 {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("record a mail %s on booking %s: %w", ev.Kind, ev.Key, err)
		}
		return true, nil
	}
}
