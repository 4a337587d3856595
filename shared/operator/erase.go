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
			var names, ids []string
			changed, names, ids = erase(b, email, now)
			// The activity items first: once the record is saved, its names are gone, and a
			// repeated erasure could no longer tell which items to rewrite.
			n, err := o.eraseActivity(ctx, b, names, ids)
			changed = changed || n > 0
			return changed, err
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

// eraseActivity replaces the display name of the participants with one of the names or ids
// in b's activity items, and returns how many items it rewrote.
func (o *Operator) eraseActivity(ctx context.Context, b *booking.Booking, names, ids []string) (int, error) {
	if len(names) == 0 && len(ids) == 0 {
		return 0, nil
	}
	items, err := o.Store.Activity(ctx, b.Key)
	if err != nil {
		return 0, booking.Outage(err)
	}
	var changed []booking.ActivityItem
	for _, it := range items {
		if e := &it.Event; erasedName(&e.Name, e.ExternalID, names, ids) {
			changed = append(changed, it)
		}
	}
	if err := o.Store.ReplaceActivity(ctx, b.Key, changed, b.ExpiresAt); err != nil {
		return 0, booking.Outage(err)
	}
	return len(changed), nil
}

// erasedName replaces *name with ErasedName when it is one of names (ignoring case) or the
// participant's externalID one of ids, and reports whether it did.
func erasedName(name *string, externalID string, names, ids []string) bool {
	byID := externalID != "" && slices.Contains(ids, externalID)
	if *name == "" || *name == ErasedName || !(byID || slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, *name) })) {
		return false
	}
	*name = ErasedName
	return true
}

// erase removes the person with the (lower-case) address from b, including the activity the
// record itself holds (Booking.Embedded), reports whether b changed, and returns the person's
// display names and recipient ids, by which their activity items are found.
func erase(b *booking.Booking, email string, now time.Time) (changed bool, names, ids []string) {
	anon := Anonymous(email)
	is := func(p booking.Person) bool { return strings.EqualFold(p.Email, email) }
	note := func(name string) {
		if name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}

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
	act := &b.Embedded
	for i := range act.Connections {
		c := &act.Connections[i]
		changed = erasedName(&c.Name, c.ExternalID, names, ids) || changed
	}
	if k := act.Knock; k != nil {
		changed = erasedName(&k.Name, "", names, ids) || changed
	}
	return changed, names, ids
}
