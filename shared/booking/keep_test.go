package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestKeepUntilMarksTheActivityWhenTheRecordsExpiryChanges(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	day := 24 * time.Hour

	fresh := &Booking{}
	fresh.KeepUntil(at)
	assert.Equal(t, at, fresh.ExpiresAt)
	assert.True(t, fresh.ActivityExpires.IsZero(), "a new record has no items")

	roomless := &Booking{ExpiresAt: at}
	roomless.KeepUntil(at.Add(day))
	assert.True(t, roomless.ActivityExpires.IsZero(), "no room, no items: they will be stored with the new expiry")

	b := &Booking{ExpiresAt: at, Room: &Room{Provider: "whereby", ID: "m1"}}
	b.KeepUntil(at)
	assert.True(t, b.ActivityExpires.IsZero(), "unchanged")
	b.KeepUntil(at.Add(day))
	assert.Equal(t, at, b.ActivityExpires, "a longer life: the items carry the expiry before")
	b.KeepUntil(at.Add(2 * day))
	assert.Equal(t, at, b.ActivityExpires, "what the items carry stays until they are given the record's")
	assert.Equal(t, at.Add(2*day), b.ExpiresAt)
	b.KeepUntil(at)
	assert.True(t, b.ActivityExpires.IsZero(), "back to what the items carry")

	shorter := &Booking{ExpiresAt: at, Room: &Room{Provider: "whereby", ID: "m1"}}
	shorter.KeepUntil(at.Add(-day))
	assert.Equal(t, at, shorter.ActivityExpires, "a shorter life too: the items must not outlive the record")

	ended := &Booking{ExpiresAt: at, Ended: []Room{{Provider: "whereby", ID: "m0"}}}
	ended.KeepUntil(at.Add(day))
	assert.Equal(t, at, ended.ActivityExpires, "a room that is gone reported activity too")
}
