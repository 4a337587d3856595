package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// The outbound webhook for integrations (docs/notify.md). Its events are notices on the
// booking's record, kept like an outbox: plan asks for a notice once the record calls for it
// (a room made, a room cleaned up, a failure become permanent), queueNotice stores it with its
// body, sendNotice hands it to the Notifier and records the answer. A notice's id is derived from
// the booking and what it reports, so it is the same on every attempt and after a crash.
//
// Notices come after every step the meeting needs, and a failed send is recorded on the notice
// alone with its own back-off, never as the booking's failure: a receiver that is down holds up
// no room, invitation or cleanup.

// Back-off between attempts at one notice: capped exponential with jitter, until
// booking.NoticeGiveUp after it was queued.
const (
	noticeBackoffBase = 30 * time.Second
	noticeBackoffCap  = time.Hour
)

// Why a notice was dropped (booking.Notice.Dropped).
const (
	DroppedGaveUp     = "no 2xx within 24 hours"
	DroppedSuperseded = "superseded: the room it announced is no longer the booking's"
)

// Envelope is every event's body, as Standard Webhooks recommends: its type, when it happened and
// its data.
type Envelope struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// EventBooking names the booking an event is about, and its meeting's times.
type EventBooking struct {
	Key       string    `json:"key"`       // roomkeeper's key of the booking
	Source    string    `json:"source"`    // calcom, calendly, cronofy, generic, manual
	BookingID string    `json:"bookingId"` // the source's id of the booking
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

// RoomReadyData is room.ready's data: the room a booking's guests join. Never its host link.
type RoomReadyData struct {
	Booking EventBooking `json:"booking"`
	// Generation counts the booking's rooms: 1 for the first, more for a replacement.
	Generation int       `json:"generation"`
	Room       EventRoom `json:"room"`
}

// EventRoom is a room as an event shows it: the guest link only.
type EventRoom struct {
	Provider  string          `json:"provider"`
	ID        string          `json:"id"` // the provider's id of the room
	GuestURL  string          `json:"guestUrl"`
	ExpiresAt time.Time       `json:"expiresAt,omitzero"`
	DialIn    *booking.DialIn `json:"dialIn,omitempty"`
}

// AttendedData is booking.attended's data: who came, from the provider's webhooks as recorded on
// the booking (the figures the admin API's sessions and participants show).
type AttendedData struct {
	Booking EventBooking `json:"booking"`
	// Organizer is whether the organizer joined (a connection naming their recipient id as its
	// externalId, else a host connection, or their display name).
	Organizer AttendedOrganizer `json:"organizer"`
	// Invitees are the booking's attendees, each matched to connections by the externalId the
	// room link carried (their recipient id), else by display name.
	Invitees []AttendedInvitee `json:"invitees"`
	// Others are the participants that are neither the organizer, an invitee nor a phone
	// caller, by display name.
	Others []AttendedOther `json:"others"`
	// DialIn counts the phone callers, never naming them: their display name is often their number.
	DialIn             AttendedDialIn `json:"dialIn"`
	Sessions           int            `json:"sessions"`
	ParticipantMinutes int            `json:"participantMinutes"` // every connection, rounded up to the minute
}

// AttendedOrganizer is whether the organizer joined.
type AttendedOrganizer struct {
	Joined  bool `json:"joined"`
	Minutes int  `json:"minutes"`
}

// AttendedInvitee is one attendee of the booking.
type AttendedInvitee struct {
	ID      string    `json:"id"` // InviteeID: opaque, never the address
	Name    string    `json:"name,omitempty"`
	Joined  bool      `json:"joined"`
	Minutes int       `json:"minutes"`
	First   time.Time `json:"firstJoinedAt,omitzero"`
	Last    time.Time `json:"lastLeftAt,omitzero"`
}

// AttendedOther is a participant who is not on the booking, under one display name.
type AttendedOther struct {
	Name    string `json:"name"`
	Minutes int    `json:"minutes"`
}

// AttendedDialIn counts the phone callers.
type AttendedDialIn struct {
	Calls   int `json:"calls"`
	Minutes int `json:"minutes"`
}

// FailedData is booking.failed's data: what stopped the booking.
type FailedData struct {
	Booking EventBooking `json:"booking"`
	Reason  string       `json:"reason"` // roomkeeper's message, any e-mail address replaced
	At      time.Time    `json:"failedAt"`
}

// InviteeID is the opaque id an event gives an attendee: derived from the booking's key and the
// address, so an integration that knows both can match it, while the event carries no address.
func InviteeID(key, email string) string {
	sum := sha256.Sum256([]byte("roomkeeper invitee\x00" + key + "\x00" + strings.ToLower(strings.TrimSpace(email))))
	return "inv_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
}

// wantedNotice is a notice the record calls for.
type wantedNotice struct {
	id, kind string
	n        int // the room's generation (room.ready), the ended rooms (booking.attended)
}

func noticeID(key, kind string, n int64) string {
	short := strings.TrimPrefix(strings.TrimPrefix(kind, "room."), "booking.")
	return "msg_" + key + "_" + short + "_" + strconv.FormatInt(n, 10)
}

// roomGeneration is the current room's place among the rooms the record has held: every room
// made is the current one, then retired or ended, so the count never goes back.
func roomGeneration(b *booking.Booking) int { return len(b.Retired) + len(b.Ended) + 1 }

// wantedNotices lists the notices the record calls for now.
func wantedNotices(b *booking.Booking) []wantedNotice {
	var out []wantedNotice
	if f := b.Failure; f != nil && f.Permanent {
		out = append(out, wantedNotice{id: noticeID(b.Key, booking.BookingFailed, f.At.Unix()), kind: booking.BookingFailed})
	}
	if b.Status == booking.Confirmed && !b.Done && b.Room != nil && b.Creating == nil {
		g := roomGeneration(b)
		out = append(out, wantedNotice{id: noticeID(b.Key, booking.RoomReady, int64(g)), kind: booking.RoomReady, n: g})
	}
	if b.Status == booking.Confirmed && b.Done && b.Room == nil && len(b.Ended) > 0 {
		out = append(out, wantedNotice{id: noticeID(b.Key, booking.BookingAttended, int64(len(b.Ended))), kind: booking.BookingAttended, n: len(b.Ended)})
	}
	return out
}

// planNotices returns the next notice step, or with none, when one is next due (zero: never).
func (r *Reconciler) planNotices(b *booking.Booking, now time.Time) (action, time.Time) {
	if r.Notifier == nil {
		return action{kind: actNone}, time.Time{}
	}
	wanted := wantedNotices(b)
	for _, want := range wanted {
		if b.NoticeFor(want.id) == nil {
			return action{kind: actQueueNotice, notice: want.id, noticeKind: want.kind}, time.Time{}
		}
	}
	var due time.Time
	for _, n := range b.Notices {
		if n.Settled() {
			continue
		}
		if n.Type == booking.RoomReady && !slices.ContainsFunc(wanted, func(w wantedNotice) bool { return w.id == n.ID }) {
			return action{kind: actDropNotice, notice: n.ID, reason: DroppedSuperseded}, time.Time{}
		}
		giveUp := n.At.Add(booking.NoticeGiveUp)
		if !now.Before(giveUp) {
			return action{kind: actDropNotice, notice: n.ID, reason: DroppedGaveUp}, time.Time{}
		}
		if !now.Before(n.NextAt) {
			return action{kind: actSendNotice, notice: n.ID}, time.Time{}
		}
		next := earliestTime(n.NextAt, giveUp)
		if due.IsZero() || next.Before(due) {
			due = next
		}
	}
	return action{kind: actNone}, due
}

// queueNotice stores a notice the record calls for, with its body: every attempt sends the same.
func (w *run) queueNotice(ctx context.Context, a action) error {
	body, err := json.Marshal(Envelope{Type: a.noticeKind, Timestamp: w.now, Data: w.noticeData(a.noticeKind)})
	if err != nil {
		return booking.Permanent(fmt.Errorf("encode %s notice of booking %s: %w", a.noticeKind, w.b.Key, err))
	}
	// A guard: stored before the send (sendNotice).
	w.guard(func(b *booking.Booking) {
		if b.NoticeFor(a.notice) == nil {
			b.Notices = append(b.Notices, booking.Notice{ID: a.notice, Type: a.noticeKind, At: w.now, Body: body})
		}
	})
	return nil
}

// sendNotice sends a queued notice and records the answer. The notice is stored before the send,
// so every attempt sends the same id and body; the answer is staged for the run's next write (a
// run that stops first sends the same again, which the receiver drops by its id). A failure is
// the notice's, with its own back-off: the booking goes on.
func (w *run) sendNotice(ctx context.Context, a action) error {
	if err := w.hold(ctx); err != nil {
		return err
	}
	n := *w.b.NoticeFor(a.notice)
	err := w.r.Notifier.Notify(ctx, n)
	giveUp := n.At.Add(booking.NoticeGiveUp)
	next := w.now.Add(noticeBackoff(n.Attempts+1, w.r.jitter()))
	switch {
	case err == nil:
		w.step("send " + n.Type + " notice")
	case booking.IsPermanent(err):
		w.step(n.Type + " notice refused: " + err.Error())
		w.res.NoticesDropped = append(w.res.NoticesDropped, n.ID)
	default:
		w.step(n.Type + " notice failed: " + err.Error())
	}
	w.stage(func(b *booking.Booking) {
		m := b.NoticeFor(n.ID)
		if m == nil {
			return
		}
		switch {
		case err == nil:
			m.SentAt, m.Body, m.Error = w.now, nil, ""
		case booking.IsPermanent(err):
			m.Dropped, m.Body, m.Error = "refused: "+err.Error(), nil, err.Error()
		default:
			m.Attempts++
			m.Error = err.Error()
			m.NextAt = earliestTime(next, giveUp)
		}
	})
	return nil
}

// dropNotice gives up a notice: after 24 hours without a 2xx, or when the room it announced is
// gone. The run's result names it, for the log.
func (w *run) dropNotice(ctx context.Context, a action) error {
	n := w.b.NoticeFor(a.notice)
	w.step(fmt.Sprintf("drop %s notice (%s) after %d attempts", n.Type, a.reason, n.Attempts))
	if a.reason == DroppedGaveUp {
		w.res.NoticesDropped = append(w.res.NoticesDropped, n.ID)
	}
	w.stage(func(b *booking.Booking) {
		if m := b.NoticeFor(a.notice); m != nil {
			m.Dropped, m.Body = a.reason, nil
		}
	})
	return nil
}

// noticeBackoff returns the delay before attempt n+1 at a notice.
func noticeBackoff(attempts int, jitter float64) time.Duration {
	d := float64(noticeBackoffBase) * math.Pow(2, float64(attempts-1))
	d = math.Min(d, float64(noticeBackoffCap))
	return time.Duration(d/2 + d/2*jitter)
}

func (w *run) eventBooking() EventBooking {
	b := w.b
	return EventBooking{Key: b.Key, Source: b.Source, BookingID: b.ExternalID, Start: b.Details.Start, End: b.Details.End}
}

// noticeData builds an event's data from the record as it is now.
func (w *run) noticeData(kind string) any {
	b := w.b
	switch kind {
	case booking.RoomReady:
		room := b.Room
		return RoomReadyData{Booking: w.eventBooking(), Generation: roomGeneration(b), Room: EventRoom{
			Provider: room.Provider, ID: room.ID, GuestURL: room.GuestURL, ExpiresAt: room.ExpiresAt, DialIn: room.DialIn,
		}}
	case booking.BookingFailed:
		return FailedData{Booking: w.eventBooking(), Reason: booking.RedactAddresses(b.Failure.Message), At: b.Failure.At}
	}
	return w.attended()
}

// attended builds booking.attended's data. A connection is matched first by the externalId its
// room link carried (Whereby: the recipient id of the person's own /j/ link, booking.Person.ID)
// to the organizer or an attendee; without one, or with one the booking does not hold, to the
// organizer by their host powers or display name, to an attendee by display name. Phone callers
// are only counted. A display name shaped like an e-mail address is not repeated.
func (w *run) attended() AttendedData {
	b := w.b
	d := &b.Details
	act := &b.Activity
	out := AttendedData{Booking: w.eventBooking(), Invitees: []AttendedInvitee{}, Others: []AttendedOther{}}
	for _, s := range act.Summaries(w.now) {
		out.ParticipantMinutes += s.ParticipantMinutes
		if s.ID != booking.NoSession {
			out.Sessions++
		}
	}
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	invitee := map[string]int{}   // display name → index in out.Invitees
	inviteeID := map[string]int{} // recipient id → index in out.Invitees
	for _, p := range d.Attendees {
		out.Invitees = append(out.Invitees, AttendedInvitee{ID: InviteeID(b.Key, p.Email), Name: booking.RedactAddresses(p.Name)})
		if k := norm(p.Name); k != "" {
			if _, dup := invitee[k]; !dup {
				invitee[k] = len(out.Invitees) - 1
			}
		}
		if p.ID != "" {
			inviteeID[p.ID] = len(out.Invitees) - 1
		}
	}
	others := map[string]int{}
	organizer := norm(d.Organizer.Name)
	for _, c := range act.Connections {
		if c.JoinedAt.IsZero() {
			continue
		}
		one := booking.Activity{Connections: []booking.Connection{c}}
		minutes := one.ParticipantMinutes(c.SessionID, w.now)
		name := norm(c.Name)
		i, ok := inviteeID[c.ExternalID]
		byID := ok && c.ExternalID != ""
		orgByID := c.ExternalID != "" && c.ExternalID == d.Organizer.ID
		if !byID && !orgByID {
			i, ok = invitee[name]
			ok = ok && name != ""
		}
		switch {
		case c.DialIn:
			out.DialIn.Calls++
			out.DialIn.Minutes += minutes
		case orgByID || (!byID && (c.Host || (organizer != "" && name == organizer))):
			out.Organizer.Joined = true
			out.Organizer.Minutes += minutes
		case ok:
			inv := &out.Invitees[i]
			inv.Joined = true
			inv.Minutes += minutes
			if inv.First.IsZero() || c.JoinedAt.Before(inv.First) {
				inv.First = c.JoinedAt
			}
			if c.LeftAt.After(inv.Last) {
				inv.Last = c.LeftAt
			}
		default:
			shown := booking.RedactAddresses(strings.TrimSpace(c.Name))
			j, seen := others[shown]
			if !seen {
				j = len(out.Others)
				others[shown] = j
				out.Others = append(out.Others, AttendedOther{Name: shown})
			}
			out.Others[j].Minutes += minutes
		}
	}
	return out
}
