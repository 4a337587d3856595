package operator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Erased says what an erasure touched.
type Erased struct {
	Records int `json:"records"` // records the person was erased from
	Outbox  int `json:"outbox"`  // mail deleted from the outbox
}

// ErasedName is what an erased person's display name becomes in a room's history.
const ErasedName = "(erased)"

// Erase removes a person from every record that holds their address (found through the store's
// people index) and from the outbox: the address and name become an anonymous address in the
// reserved .invalid domain, to which the reconciler never sends mail; an attendee of a meeting
// still to come is removed from it; their display name in a room's history is replaced. A
// repeated erasure touches nothing more.
func (o *Operator) Erase(ctx context.Context, email string) (Erased, error) {
	email, err := booking.CheckEmail("email", email)
	if err != nil && !errors.Is(err, booking.ErrUndeliverable) {
		return Erased{}, err // an address mail cannot reach may still be held: a guest left uninvited
	}
	email = strings.ToLower(email)
	keys, err := o.Store.People(ctx, email)
	if err != nil {
		return Erased{}, booking.Outage(err)
	}
	now := o.Now()
	var out Erased
	for _, key := range keys {
		changed := false
		_, err := o.save(ctx, key, func(b *booking.Booking) (bool, error) {
			changed = erase(b, email, now)
			return changed, nil
		})
		if booking.ErrorCode(err) == booking.NotFound {
			continue // expired meanwhile
		}
		if err != nil {
			return out, err
		}
		if changed {
			out.Records++
		}
	}
	if err := o.Store.ForgetPerson(ctx, email); err != nil {
		return out, booking.Outage(err)
	}
	if o.Outbox != nil {
		if out.Outbox, err = o.Outbox.Erase(email); err != nil {
			return out, booking.Outage(err)
		}
	}
	return out, nil
}

// Anonymous returns the address an erased person's address becomes: the same for the same
// address, and in the .invalid domain (RFC 2606), which no mail can reach.
func Anonymous(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return "erased-" + hex.EncodeToString(sum[:6]) + "@erased.invalid"
}

// erase removes the person with the (lower-case) address from b and reports whether b changed.
func erase(b *booking.Booking, email string, now time.Time) bool {
	anon := Anonymous(email)
	is := func(p booking.Person) bool { return strings.EqualFold(p.Email, email) }
	var names, ids []string
	note := func(name string) {
		if name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}

	changed := false
	d := &b.Details
	// Their recipient ids, which their room links carried (a connection's externalId).
	for _, p := range append(append([]booking.Person{d.Organizer}, d.Attendees...), d.Uninvited...) {
		if is(p) && p.ID != "" {
			ids = append(ids, p.ID)
		}
	}
	for _, inv := range b.Invites {
		if is(inv.Person) && inv.ID != "" && !slices.Contains(ids, inv.ID) {
			ids = append(ids, inv.ID)
		}
	}
	if is(d.Organizer) {
		note(d.Organizer.Name)
		d.Organizer.Email, d.Organizer.Name = anon, ""
		changed = true
	}
	upcoming := b.Status == booking.Confirmed && !b.Done && d.End.After(now)
	kept := d.Attendees[:0:0]
	for _, p := range d.Attendees {
		if !is(p) {
			kept = append(kept, p)
			continue
		}
		note(p.Name)
		changed = true
		if !upcoming {
			p.Email, p.Name = anon, ""
			kept = append(kept, p)
		}
	}
	d.Attendees = kept
	if i := slices.IndexFunc(d.Uninvited, is); i >= 0 {
		note(d.Uninvited[i].Name)
		d.Uninvited = slices.DeleteFunc(d.Uninvited, is) // never invited: nothing to keep
		changed = true
	}
	for i := range b.Invites {
		if inv := &b.Invites[i]; is(inv.Person) {
			note(inv.Name)
			inv.Email, inv.Name = anon, ""
			changed = true
		}
	}
	act := &b.Activity
	for i := range act.Connections {
		c := &act.Connections[i]
		byID := c.ExternalID != "" && slices.Contains(ids, c.ExternalID)
		if c.Name != "" && c.Name != ErasedName && (byID || slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, c.Name) })) {
			c.Name = ErasedName
			changed = true
		}
	}
	if k := act.Knock; k != nil && slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, k.Name) }) {
		k.Name = ErasedName
		changed = true
	}
	return changed
}
