package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
)

// What the soak's bookings go through, each in two waves of deliveries: the first wave makes
// the bookings, the second changes them. Every arc ends in a state the soak can tell in advance
// whatever order the racing deliveries land in (docs/generic-event.md: only a newer event
// changes a booking; a cancellation is final).
const (
	arcCreated   = "created"   // made once
	arcMoved     = "moved"     // moved 30 minutes and a guest added: the room is kept
	arcReplaced  = "replaced"  // moved a day, or dial-in switched, and a guest removed: a new room
	arcReordered = "reordered" // an update before the create; later an older update after a newer one
	arcCancelled = "cancelled" // updated, then cancelled
	arcRaced     = "raced"     // a cancel racing an update, then an update after the cancel
	arcTombstone = "tombstone" // the cancel arrives before the create: never a room, never a mail
)

// soakArcs are the arcs and how often each is drawn.
var soakArcs = []struct {
	name   string
	weight float64
}{
	{arcCreated, 0.25}, {arcMoved, 0.15}, {arcReplaced, 0.2}, {arcReordered, 0.15},
	{arcCancelled, 0.1}, {arcRaced, 0.1}, {arcTombstone, 0.05},
}

// soakWaves is how many waves of deliveries the soak sends.
const soakWaves = 2

// soakBooking is one booking the soak drives and what it must end as.
type soakBooking struct {
	id, key   string // the generic event's bookingId, and roomkeeper's key for it
	arc       string
	organizer string
	people    []string // everyone any of its events names: the organizer, then the guests
	waves     [soakWaves][]soakSend
	final     *soakDetails // what a confirmed booking ends as; nil when it ends cancelled
}

// soakDetails is what a created or updated event says of a booking.
type soakDetails struct {
	start, end time.Time
	guests     []string
	dialIn     bool
}

// soakSend is events posted at the same moment: a race, or one delivery sent twice at once. A
// booking's sends in a wave go one after another.
type soakSend []soakEvent

// soakEvent is one delivery: a signed body and the webhook-id it goes under.
type soakEvent struct {
	b    *soakBooking
	id   string // webhook-id; a repeated delivery repeats it
	kind string // the event's type, for the report
	body []byte
}

// soakPlanner draws the bookings from a seeded generator and writes their events from the
// samples in events/.
type soakPlanner struct {
	t        testing.TB
	rng      *rand.Rand
	now      time.Time
	fixtures map[string][]byte // by event type: the events/ sample it starts from
	ids      int
}

func newSoakPlanner(t testing.TB, rng *rand.Rand, now time.Time) *soakPlanner {
	t.Helper()
	p := &soakPlanner{t: t, rng: rng, now: now, fixtures: map[string][]byte{}}
	for typ, file := range map[string]string{
		string(booking.EventCreated):   "booking-created.json",
		string(booking.EventUpdated):   "booking-updated.json",
		string(booking.EventCancelled): "booking-cancelled.json",
	} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "events", file))
		require.NoError(t, err)
		p.fixtures[typ] = raw
	}
	return p
}

// plan returns n bookings: the first of each arc, then arcs drawn by weight.
func (p *soakPlanner) plan(n int) []*soakBooking {
	var out []*soakBooking
	for i := range n {
		arc := ""
		if i < len(soakArcs) {
			arc = soakArcs[i].name
		} else {
			x := p.rng.Float64()
			for _, a := range soakArcs {
				if arc = a.name; x < a.weight {
					break
				}
				x -= a.weight
			}
		}
		out = append(out, p.booking(i, arc))
	}
	return out
}

// booking writes one booking's events. Event timestamps lie an hour back, a second apart in the
// order the booking's source made them; meetings start a day ahead, 10 minutes apart.
func (p *soakPlanner) booking(i int, arc string) *soakBooking {
	run := fmt.Sprintf("soak%d", i)
	id := "demo-" + run // the samples' bookingId
	b := &soakBooking{id: id, key: booking.KeyOf(generic.Source, id), arc: arc, organizer: fmt.Sprintf("org-%s@example.com", run)}
	at := func(k int) time.Time { return p.now.Add(-time.Hour + time.Duration(k)*time.Second) }
	guest := func(k int) string { return fmt.Sprintf("guest%d-%s@example.net", k, run) }
	b.people = []string{b.organizer, guest(1), guest(2)}
	start := p.now.Add(24*time.Hour + time.Duration(i)*10*time.Minute).Truncate(time.Minute)
	d0 := &soakDetails{start: start, end: start.Add(30 * time.Minute), guests: []string{guest(1)}, dialIn: true}
	moved := func(d *soakDetails, by time.Duration) *soakDetails {
		c := *d
		c.start, c.end = d.start.Add(by), d.end.Add(by)
		c.guests = slices.Clone(d.guests)
		return &c
	}
	created := func(k int, d *soakDetails) soakEvent { return p.event(b, booking.EventCreated, at(k), run, d) }
	updated := func(k int, d *soakDetails) soakEvent { return p.event(b, booking.EventUpdated, at(k), run, d) }
	cancelled := func(k int) soakEvent { return p.event(b, booking.EventCancelled, at(k), run, nil) }
	one := func(evs ...soakEvent) []soakSend { // each event its own send, in order
		var sends []soakSend
		for _, ev := range evs {
			sends = append(sends, soakSend{ev})
		}
		return sends
	}

	switch arc {
	case arcCreated:
		b.waves[0], b.final = one(created(1, d0)), d0
	case arcMoved:
		d1 := moved(d0, 30*time.Minute)
		d1.guests = append(d1.guests, guest(2))
		b.waves[0], b.waves[1], b.final = one(created(1, d0)), one(updated(2, d1)), d1
	case arcReplaced:
		d0.guests = append(d0.guests, guest(2))
		d1 := moved(d0, 0)
		if p.rng.IntN(2) == 0 {
			d1 = moved(d0, 26*time.Hour) // beyond the room's end date (ROOMKEEPER_ROOM_SLACK)
		} else {
			d1.dialIn = false // other room options
		}
		d1.guests = d1.guests[:1]
		b.waves[0], b.waves[1], b.final = one(created(1, d0)), one(updated(2, d1)), d1
	case arcReordered:
		d1, d2, d3 := moved(d0, 15*time.Minute), moved(d0, 45*time.Minute), moved(d0, 26*time.Hour)
		b.waves[0] = one(updated(2, d1), created(1, d0))
		b.waves[1] = one(updated(4, d3), updated(3, d2))
		b.final = d3
	case arcCancelled:
		b.waves[0] = one(created(1, d0))
		b.waves[1] = one(updated(2, moved(d0, 30*time.Minute)), cancelled(3))
	case arcRaced:
		b.waves[0] = one(created(1, d0))
		b.waves[1] = []soakSend{{cancelled(3), updated(2, moved(d0, 26*time.Hour))}, {updated(4, moved(d0, time.Hour))}}
	case arcTombstone:
		b.waves[0] = one(cancelled(2), created(1, d0))
	default:
		p.t.Fatalf("unknown arc %q", arc)
	}
	for w := range b.waves {
		b.waves[w] = p.repeat(b.waves[w])
	}
	return b
}

// repeat sends some deliveries twice, as webhook senders do: at once under the same id (a
// retry racing the original), later under the same id (a retry after a lost answer), or later
// under a new id (a source that sends the same event again).
func (p *soakPlanner) repeat(sends []soakSend) []soakSend {
	var out []soakSend
	for _, s := range sends {
		if p.rng.Float64() >= 0.25 {
			out = append(out, s)
			continue
		}
		ev := s[p.rng.IntN(len(s))]
		switch p.rng.IntN(3) {
		case 0:
			out = append(out, append(slices.Clone(s), ev))
		case 1:
			out = append(out, s, soakSend{ev})
		default:
			ev.id = p.deliveryID()
			out = append(out, s, soakSend{ev})
		}
	}
	return out
}

func (p *soakPlanner) deliveryID() string {
	p.ids++
	return fmt.Sprintf("msg_soak_%d", p.ids)
}

// event writes one event from its events/ sample: type and timestamp, and for a created or
// updated event the details d.
func (p *soakPlanner) event(b *soakBooking, typ booking.EventType, at time.Time, run string, d *soakDetails) soakEvent {
	p.t.Helper()
	body, err := eventfile.Expand(p.fixtures[string(typ)], eventfile.Vars{Now: p.now, Run: run})
	require.NoError(p.t, err)
	var ev map[string]any
	require.NoError(p.t, json.Unmarshal(body, &ev))
	ev["type"], ev["timestamp"] = string(typ), at.UTC().Format(time.RFC3339)
	if d != nil {
		data := ev["data"].(map[string]any)
		data["start"], data["end"] = d.start.UTC().Format(time.RFC3339), d.end.UTC().Format(time.RFC3339)
		data["organizer"].(map[string]any)["email"] = b.organizer
		var guests []any
		for k, g := range d.guests {
			guests = append(guests, map[string]any{"name": fmt.Sprintf("Guest %d", k+1), "email": g, "timeZone": "America/New_York"})
		}
		data["attendees"] = guests
		data["room"].(map[string]any)["dialIn"] = d.dialIn
	}
	body, err = json.Marshal(ev)
	require.NoError(p.t, err)
	return soakEvent{b: b, id: p.deliveryID(), kind: string(typ), body: body}
}

// participants are who must hold the current invitation of a booking that ends confirmed.
func (b *soakBooking) participants() []string {
	if b.final == nil {
		return nil
	}
	return append([]string{b.organizer}, b.final.guests...)
}

// role names a person of the booking without their address: "organizer", "guest 2".
func (b *soakBooking) role(email string) string {
	i := slices.Index(b.people, email)
	if i <= 0 {
		return "organizer"
	}
	return fmt.Sprintf("guest %d", i)
}
