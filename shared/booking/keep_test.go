package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestKeepUntilMarksTheActivityWhenTheRecordLivesLonger(t *testing.T) {
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
	b.KeepUntil(at.Add(-day))
	assert.True(t, b.ActivityExpires.IsZero(), "a shorter life leaves the items as they are")
	b.KeepUntil(at.Add(day))
	assert.Equal(t, at.Add(-day), b.ActivityExpires, "the items stored with the earlier expiry")
	b.KeepUntil(at.Add(2 * day))
	assert.Equal(t, at.Add(-day), b.ActivityExpires, "the earliest stays until the items are kept")
	assert.Equal(t, at.Add(2*day), b.ExpiresAt)

	ended := &Booking{ExpiresAt: at, Ended: []Room{{Provider: "whereby", ID: "m0"}}}
	ended.KeepUntil(at.Add(day))
	assert.Equal(t, at, ended.ActivityExpires, "a room that is gone reported activity too")
}
