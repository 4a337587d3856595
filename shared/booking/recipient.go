package booking

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// NewRecipientID returns a fresh random recipient id: 48 random bits, base64url (8 characters).
// Ids are unique within a record, where AssignIDs checks them, and carry no meaning.
func NewRecipientID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// AssignIDs gives every participant of b a recipient id: the id the record already holds for
// the same address (in prior's details or invites, or b's own), else a new one from newID (nil
// means NewRecipientID). prior is the record as stored before this change (nil for a new record
// or when b is that record); a caller holding a source's details clears their ids first (a
// source never names them). It reports whether any id changed.
func (b *Booking) AssignIDs(prior *Booking, newID func() string) bool {
	if newID == nil {
		newID = NewRecipientID
	}
	known := map[string]string{} // lower-case address → id
	used := map[string]bool{}
	remember := func(p Person) {
		e := strings.ToLower(p.Email)
		if p.ID != "" && e != "" && known[e] == "" {
			known[e] = p.ID
			used[p.ID] = true
		}
	}
	for _, r := range []*Booking{prior, b} {
		if r == nil {
			continue
		}
		for _, p := range r.Details.Participants() {
			remember(p)
		}
		for _, inv := range r.Invites {
			remember(inv.Person)
		}
	}
	changed := false
	fill := func(p *Person) {
		e := strings.ToLower(p.Email)
		id := known[e]
		if id == "" {
			for id == "" || used[id] {
				id = newID()
			}
			known[e], used[id] = id, true
		}
		if p.ID != id {
			p.ID, changed = id, true
		}
	}
	d := &b.Details
	fill(&d.Organizer)
	for i := range d.Attendees {
		fill(&d.Attendees[i])
	}
	for i := range d.Uninvited {
		d.Uninvited[i].ID = "" // sent nothing, so named by no link
	}
	return changed
}

// MissingIDs reports whether a participant of b has no recipient id yet (a record stored
// before ids were assigned).
func (b *Booking) MissingIDs() bool {
	for _, p := range b.Details.Participants() {
		if p.ID == "" {
			return true
		}
	}
	return false
}

// Recipient is what a recipient id names on a record.
type Recipient struct {
	Person
	Organizer bool // the booking's current organizer
	Removed   bool // no longer on the booking: an attendee who left, or a former organizer
}

// RecipientByID finds the person a recipient id names: a current participant, or one the record
// sent an invitation to and who is no longer on it (Removed). ok is false for an id the record
// never held.
func (b *Booking) RecipientByID(id string) (r Recipient, ok bool) {
	if id == "" {
		return Recipient{}, false
	}
	d := &b.Details
	if d.Organizer.ID == id {
		return Recipient{Person: d.Organizer, Organizer: true}, true
	}
	for _, p := range d.Attendees {
		if p.ID == id {
			return Recipient{Person: p}, true
		}
	}
	for _, inv := range b.Invites {
		if inv.ID == id {
			return Recipient{Person: inv.Person, Removed: true}, true
		}
	}
	return Recipient{}, false
}
