package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
)

// The end-to-end tests of the Cal.com, Calendly and Cronofy booking sources: each delivery is
// an events/ sample, signed as the source signs it with the stack's generated development
// secret, through the HTTP API, the worker and the Whereby sandbox to the invites in the
// outbox. newStack checks at the end that no message but the organizer's has a host link.

// postSource sends an events/ sample to a booking source, expanded at the stack's clock, edited,
// and signed with the stack's secret for that source.
func (s *stack) postSource(source, file, run string, edit ...func(map[string]any)) (int, map[string]any) {
	s.t.Helper()
	body := s.expand(file, run)
	if len(edit) > 0 {
		var v map[string]any
		require.NoError(s.t, json.Unmarshal(body, &v))
		for _, e := range edit {
			e(v)
		}
		var err error
		body, err = json.Marshal(v)
		require.NoError(s.t, err)
	}
	return s.postSourceRaw(source, body)
}

func (s *stack) postSourceRaw(source string, body []byte) (int, map[string]any) {
	s.t.Helper()
	secret := sourceSecret(s.cfg, sourceSecrets[source])
	require.NotEmpty(s.t, secret, "the stack generated a %s secret", source)
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/bookings/"+source, bytes.NewReader(body))
	require.NoError(s.t, err)
	req.Header, err = signedHeaders(source, secret, s.clock.Now(), body)
	require.NoError(s.t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(s.t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func (s *stack) sourceBooking(source, id string) *booking.Booking {
	s.t.Helper()
	b, err := s.app.store.Get(context.Background(), booking.KeyOf(source, id))
	require.NoError(s.t, err)
	return b
}

// guestChecks asserts a guest's REQUEST: the guest link, no host link, the organizer and that
// guest only in the calendar.
func (s *stack) guestChecks(t *testing.T, m *invitetest.Mail, room string, seq int, uid string) {
	t.Helper()
	assert.Equal(t, "REQUEST", m.Method, m.To)
	assert.Equal(t, seq, m.Sequence, m.To)
	assert.Equal(t, uid, m.UID, m.To)
	assert.Equal(t, []string{room}, s.leadsTo(m), "the guest's own link leads to the room: %s", m.To)
	assert.NotContains(t, m.Text+m.HTML+string(m.Calendar), "roomKey", "no host link to %s", m.To)
	assert.Contains(t, m.ReplyTo, organizer, "a guest's reply goes to the organizer: %s", m.To)
	assert.Contains(t, m.Text, "Reply to this e-mail to reach the organizer.", m.To)
}

// organizerChecks asserts the organizer's mail: the host link, and no calendar part, since the
// source already put the meeting in their calendar.
func (s *stack) organizerChecks(t *testing.T, m *invitetest.Mail, hostURL string) {
	t.Helper()
	assert.Equal(t, hostURL, s.leadsTo(m)[0], "the organizer gets the host link")
	assert.Empty(t, m.Calendar, "no calendar part: the source already put it in the organizer's calendar")
	assert.Empty(t, m.ReplyTo, "no Reply-To to the organizer themself")
	assert.Contains(t, m.Text, "Your meeting with ", "written to the organizer")
	assert.NotContains(t, m.Text, "You are invited")
}

func setIn(path string, value any) func(map[string]any) {
	return func(v map[string]any) {
		keys := strings.Split(path, ".")
		m := v
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		m[keys[len(keys)-1]] = value
	}
}

func TestCalcomEndToEnd(t *testing.T) {
	s := newStack(t, nil)
	const run = "cal"
	uid := "bk" + run + "a@Cal.com"

	status, body := s.postSource(calcom.Source, "calcom-booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	mails := s.mail()
	require.Len(t, mails, 3, "organizer, booker and guest")
	s.organizerChecks(t, to(t, mails, organizer), rooms[0].HostRoomURL)
	for _, addr := range []string{bob, cleo} {
		s.guestChecks(t, to(t, mails, addr), rooms[0].RoomURL, 0, uid)
	}
	assert.Contains(t, to(t, mails, bob).Text, "America/New_York", "times in the guest's own zone")

	// Two reschedules, Cal.com's iCalSequence stuck at 1: roomkeeper's SEQUENCE still rises.
	for i, uidNow := range []string{"bkcalb", "bkcalc"} {
		s.clock.Add(time.Minute)
		status, body = s.postSource(calcom.Source, "calcom-booking-rescheduled.json", run,
			setIn("payload.uid", uidNow), setIn("payload.iCalSequence", 1))
		require.Equal(t, http.StatusAccepted, status, body)
		s.work()
		mails = s.mail()
		require.Len(t, mails, 3, "reschedule %d", i+1)
		for _, addr := range []string{bob, cleo} {
			m := to(t, mails, addr)
			s.guestChecks(t, m, rooms[0].RoomURL, i+1, uid)
			assert.True(t, strings.HasPrefix(m.Subject, "Updated invitation: "), m.Subject)
		}
		require.Len(t, s.app.sandbox.Rooms(), 1, "the moved meeting keeps its room")
	}

	// The organizer asks Bob for another time: nothing changes until the new time arrives.
	s.clock.Add(time.Minute)
	status, body = s.postSource(calcom.Source, "calcom-booking-reschedule-requested.json", run)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "ignored", body["status"])
	s.work()
	assert.Empty(t, s.mail(), "no CANCEL")
	assert.Len(t, s.app.sandbox.Rooms(), 1, "the room is kept")

	// MEETING_ENDED at the end lets cleanup start at once, without waiting for the grace.
	b := s.sourceBooking(calcom.Source, uid)
	s.advance(b.Details.End.Sub(s.clock.Now()))
	require.Len(t, s.app.sandbox.Rooms(), 1, "not yet: the grace has not passed")
	status, body = s.postSource(calcom.Source, "calcom-meeting-ended.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	assert.Empty(t, s.app.sandbox.Rooms(), "cleaned up at once")
	assert.True(t, s.sourceBooking(calcom.Source, uid).Done)
	onlyWhoCame(t, s.mail()) // the cleanup's only mail
}

// TestCalcomWithoutICalUID sends BOOKING_RESCHEDULED and BOOKING_REJECTED as Cal.com's own
// published examples have them, without iCalUID: each is linked to the booking through the uid it
// had or has, and only one nothing links is a 400.
func TestCalcomWithoutICalUID(t *testing.T) {
	s := newStack(t, nil)
	const run = "noical"
	uid := "bk" + run + "a@Cal.com"
	status, body := s.postSource(calcom.Source, "calcom-booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	s.mail()

	s.clock.Add(time.Minute)
	noICalUID := func(v map[string]any) { delete(v["payload"].(map[string]any), "iCalUID") }
	status, body = s.postSource(calcom.Source, "calcom-booking-rescheduled.json", run, noICalUID)
	require.Equal(t, http.StatusAccepted, status, body)
	assert.Equal(t, booking.KeyOf(calcom.Source, uid), body["booking"])
	s.work()
	mails := s.mail()
	require.Len(t, mails, 3)
	for _, addr := range []string{bob, cleo} {
		m := to(t, mails, addr)
		s.guestChecks(t, m, rooms[0].RoomURL, 1, uid)
		assert.True(t, strings.HasPrefix(m.Subject, "Updated invitation: "), m.Subject)
	}

	s.clock.Add(time.Minute)
	status, body = s.postSource(calcom.Source, "calcom-booking-rejected.json", "stranger", noICalUID)
	require.Equal(t, http.StatusBadRequest, status, body)
	assert.Equal(t, "payload.iCalUID", body["error"].(map[string]any)["field"])

	// The uid the reschedule gave the booking links a later rejection to it.
	status, body = s.postSource(calcom.Source, "calcom-booking-rejected.json", run, noICalUID, setIn("payload.uid", "bk"+run+"b"))
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	assert.Equal(t, "CANCEL", to(t, s.mail(), bob).Method)
	assert.Empty(t, s.app.sandbox.Rooms())
}

func TestCalcomCancelAndReject(t *testing.T) {
	s := newStack(t, nil)
	status, _ := s.postSource(calcom.Source, "calcom-booking-created.json", "x")
	require.Equal(t, http.StatusAccepted, status)
	s.work()
	s.mail()
	s.clock.Add(time.Minute)
	status, body := s.postSource(calcom.Source, "calcom-booking-cancelled.json", "x")
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	assert.Empty(t, s.app.sandbox.Rooms(), "the room is deleted at once")
	mails := s.mail()
	for _, addr := range []string{organizer, bob, cleo} {
		m := to(t, mails, addr)
		if addr != organizer { // the organizer's has no calendar part: Cal.com keeps theirs
			assert.Equal(t, "CANCEL", m.Method)
			assert.Equal(t, 1, m.Sequence)
		}
		assert.Contains(t, m.Text, "Reason given:\r\nSomething came up.\r\n", "Cal.com's cancellationReason (%s)", addr)
		assert.NotContains(t, everyPart(m), "A sample Cal.com booking", "not the old description (%s)", addr)
	}

	// A rejected request roomkeeper never had leaves nothing behind.
	status, body = s.postSource(calcom.Source, "calcom-booking-rejected.json", "y")
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "ignored", body["status"])
	_, err := s.app.store.Get(context.Background(), booking.KeyOf(calcom.Source, "bkya@Cal.com"))
	assert.ErrorIs(t, err, booking.ErrNotFound)
	// … so the booking can still be made when it is confirmed after all.
	status, _ = s.postSource(calcom.Source, "calcom-booking-created.json", "y")
	assert.Equal(t, http.StatusAccepted, status)
}

// TestCalcomGuestMailCannotReach sends a Cal.com booking one of whose guests has a non-ASCII
// local part (jörg@…), which no mail service roomkeeper sends with takes. Cal.com sends the
// booking once, so it goes ahead: the room is made, everyone else is invited, and the organizer
// is told in plain words who could not be, with nothing left failing or retrying.
func TestCalcomGuestMailCannotReach(t *testing.T) {
	s := newStack(t, nil)
	const jorg = "jörg@example.net"
	status, body := s.postSource(calcom.Source, "calcom-booking-created.json", "jorg", func(v map[string]any) {
		a := v["payload"].(map[string]any)["attendees"].([]any)
		a[1].(map[string]any)["email"], a[1].(map[string]any)["name"] = jorg, "Jörg Gast"
	})
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	mails := s.mail()
	require.Len(t, mails, 2, "the organizer and Bob; nothing to Jörg")
	s.guestChecks(t, to(t, mails, bob), rooms[0].RoomURL, 0, "bkjorga@Cal.com")
	m := to(t, mails, organizer)
	s.organizerChecks(t, m, rooms[0].HostRoomURL)
	assert.Contains(t, m.Text, "Not invited: Jörg Gast <"+jorg+">")
	assert.Contains(t, m.Text, "Please send them the guest link yourself.")
	assert.Equal(t, rooms[0].RoomURL, s.leadsTo(m)[1], "the guest link to pass on")

	b := s.sourceBooking(calcom.Source, "bkjorga@Cal.com")
	assert.Nil(t, b.Failure, "nothing failed")
	assert.Nil(t, b.InviteFor(jorg))
	assert.Equal(t, []booking.Person{{Name: "Jörg Gast", Email: jorg}}, b.Details.Uninvited)
	assert.Equal(t, b.Details.Start.Add(-reconcile.CheckLead), b.DueAt, "nothing is due before the room check: no retry")
	s.sweep()
	assert.Empty(t, s.mail(), "and nothing is sent again")
}

// TestGenericRefusesWhatTheSenderCanCorrect: the generic source's sender can send again, so an
// address no mail can reach and bytes that are not UTF-8 (which the JSON decoder would replace
// without a word) are a 400 naming the field, and nothing is stored.
func TestGenericRefusesWhatTheSenderCanCorrect(t *testing.T) {
	s := newStack(t, nil)
	status, body := s.post("booking-created.json", "jorg", func(v map[string]any) {
		v["data"].(map[string]any)["attendees"].([]any)[0].(map[string]any)["email"] = "jörg@example.net"
	})
	require.Equal(t, http.StatusBadRequest, status, body)
	assert.Equal(t, "data.attendees[0].email", body["error"].(map[string]any)["field"])

	raw := bytes.Replace(s.expand("booking-created.json", "bytes"), []byte(`"Bob Guest"`), []byte("\"B\xf6b Guest\""), 1)
	status, body = s.postRaw(raw, s.sign("msg_bytes", raw))
	require.Equal(t, http.StatusBadRequest, status, body)
	assert.Equal(t, "data.attendees[0].name", body["error"].(map[string]any)["field"])
	assert.Contains(t, body["error"].(map[string]any)["message"], "UTF-8")

	for _, run := range []string{"jorg", "bytes"} {
		_, err := s.app.store.Get(context.Background(), booking.KeyOf("generic", "demo-"+run))
		assert.ErrorIs(t, err, booking.ErrNotFound, run)
	}
	s.work()
	assert.Empty(t, s.mail())
}

// TestCalcomInvalidUTF8IsReplaced: Cal.com sends a booking once, so bytes that are not UTF-8 are
// replaced (U+FFFD) and the booking goes ahead; a guest whose address they spoil cannot be
// mailed and is named to the organizer.
func TestCalcomInvalidUTF8IsReplaced(t *testing.T) {
	s := newStack(t, nil)
	raw := s.expand("calcom-booking-created.json", "bytes")
	raw = bytes.Replace(raw, []byte(`"title": "Intro call between`), []byte("\"title\": \"Intro call \xff between"), 1)
	raw = bytes.Replace(raw, []byte(`"email": "cleo@example.net"`), []byte("\"email\": \"cl\xe9o@example.net\""), 1)
	require.False(t, utf8.Valid(raw))
	status, body := s.postSourceRaw(calcom.Source, raw)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	mails := s.mail()
	require.Len(t, mails, 2, "the organizer and Bob")
	m := to(t, mails, bob)
	assert.Contains(t, m.Subject, "Intro call \uFFFD between")
	org := to(t, mails, organizer)
	assert.Contains(t, org.Text, "Not invited: cl\uFFFDo@example.net")
	assert.Nil(t, s.sourceBooking(calcom.Source, "bkbytesa@Cal.com").Failure)
}

func TestCalcomBadDeliveryStoresNothing(t *testing.T) {
	s := newStack(t, nil)
	status, body := s.postSource(calcom.Source, "calcom-booking-created.json", "bad", func(v map[string]any) {
		delete(v["payload"].(map[string]any)["attendees"].([]any)[0].(map[string]any), "email")
	})
	require.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "payload.attendees[0].email", body["error"].(map[string]any)["field"])
	_, err := s.app.store.Get(context.Background(), booking.KeyOf(calcom.Source, "bkbada@Cal.com"))
	assert.ErrorIs(t, err, booking.ErrNotFound)

	raw := s.expand("calcom-booking-created.json", "bad")
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/bookings/calcom", bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set(calcom.HeaderSignature, calcom.Sign("not-the-secret", raw))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	s.work()
	assert.Empty(t, s.mail())
	assert.Empty(t, s.app.sandbox.Rooms())
}

func TestCalendlyRescheduleEndToEnd(t *testing.T) {
	const first, second = "calendly-invitee-rescheduled-canceled.json", "calendly-invitee-rescheduled-created.json"
	tests := []struct {
		name  string
		order []string
	}{
		{"canceled half first", []string{first, second}},
		{"created half first", []string{second, first}},
		{"each half twice", []string{second, first, first, second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, nil)
			const run = "cy"
			status, body := s.postSource(calendly.Source, "calendly-invitee-created.json", run)
			require.Equal(t, http.StatusAccepted, status, body)
			s.work()
			rooms := s.app.sandbox.Rooms()
			require.Len(t, rooms, 1)
			mails := s.mail()
			require.Len(t, mails, 3, "organizer, invitee and the guest they added")
			s.organizerChecks(t, to(t, mails, organizer), rooms[0].HostRoomURL)
			uid := to(t, mails, bob).UID
			for _, addr := range []string{bob, cleo} {
				s.guestChecks(t, to(t, mails, addr), rooms[0].RoomURL, 0, uid)
			}

			s.clock.Add(time.Minute)
			for _, f := range tt.order {
				status, body = s.postSource(calendly.Source, f, run)
				require.Less(t, status, 300, body)
				s.work()
			}
			mails = s.mail()
			require.Len(t, mails, 3, "one message each")
			for _, addr := range []string{bob, cleo} {
				m := to(t, mails, addr)
				s.guestChecks(t, m, rooms[0].RoomURL, 1, uid)
				assert.True(t, strings.HasPrefix(m.Subject, "Updated invitation: "), m.Subject)
			}
			require.Len(t, s.app.sandbox.Rooms(), 1, "the same working link")
			assert.Equal(t, rooms[0].MeetingID, s.app.sandbox.Rooms()[0].MeetingID)

			s.clock.Add(time.Minute)
			status, body = s.postSource(calendly.Source, "calendly-invitee-canceled.json", run)
			require.Equal(t, http.StatusAccepted, status, body)
			s.work()
			mails = s.mail()
			assert.Equal(t, "CANCEL", to(t, mails, bob).Method)
			assert.Equal(t, uid, to(t, mails, bob).UID)
			assert.Contains(t, to(t, mails, bob).Text, "Reason given:\r\nSomething came up.\r\n", "Calendly's cancellation.reason")
			assert.Empty(t, s.app.sandbox.Rooms())
		})
	}
}

func TestCalendlyCancelledHalfAloneKeepsTheRoom(t *testing.T) {
	s := newStack(t, nil)
	status, _ := s.postSource(calendly.Source, "calendly-invitee-created.json", "half")
	require.Equal(t, http.StatusAccepted, status)
	s.work()
	s.mail()
	s.clock.Add(time.Minute)
	status, body := s.postSource(calendly.Source, "calendly-invitee-rescheduled-canceled.json", "half")
	require.Equal(t, http.StatusOK, status, body)
	s.work()
	assert.Empty(t, s.mail(), "no CANCEL")
	require.Len(t, s.app.sandbox.Rooms(), 1)

	b := s.sourceBooking(calendly.Source, "https://api.calendly.com/scheduled_events/EVhalf1/invitees/INhalf1")
	s.advance(b.Details.End.Add(2 * time.Minute).Sub(s.clock.Now()))
	assert.Empty(t, s.app.sandbox.Rooms(), "cleaned up after the end as usual")
}

func TestCalendlyGroupEndToEnd(t *testing.T) {
	s := newStack(t, nil)
	const run = "grp"
	other := func(v map[string]any) {
		p := v["payload"].(map[string]any)
		p["uri"] = "https://api.calendly.com/scheduled_events/GE" + run + "/invitees/GI" + run + "2"
		p["email"], p["name"], p["timezone"] = cleo, "Cleo Guest", "Asia/Tokyo"
	}
	status, body := s.postSource(calendly.Source, "calendly-group-invitee-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	mails := s.mail()
	require.Len(t, mails, 2, "organizer and Bob")
	s.organizerChecks(t, to(t, mails, organizer), rooms[0].HostRoomURL)
	uid := to(t, mails, bob).UID
	s.guestChecks(t, to(t, mails, bob), rooms[0].RoomURL, 0, uid)

	status, body = s.postSource(calendly.Source, "calendly-group-invitee-created.json", run, other)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	mails = s.mail()
	require.Len(t, mails, 1, "only the newcomer hears of it")
	m := to(t, mails, cleo)
	s.guestChecks(t, m, rooms[0].RoomURL, 0, uid)
	assert.True(t, strings.HasPrefix(m.Subject, "Invitation: "), m.Subject)
	assert.NotContains(t, string(m.Calendar), bob, "each guest's calendar lists only them")

	s.clock.Add(time.Minute)
	status, body = s.postSource(calendly.Source, "calendly-group-invitee-canceled.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	mails = s.mail()
	require.Len(t, mails, 1, "only Bob, who cancelled, hears of it")
	m = to(t, mails, bob)
	assert.Equal(t, "CANCEL", m.Method)
	assert.Equal(t, uid, m.UID)
	assert.Equal(t, 1, m.Sequence, "above the REQUEST he held")
	require.Len(t, s.app.sandbox.Rooms(), 1, "the event goes on for Cleo")
	b := s.sourceBooking(calendly.Source, "https://api.calendly.com/scheduled_events/GE"+run)
	require.Len(t, b.Details.Attendees, 1)
	assert.NotEmpty(t, b.Details.Attendees[0].ID, "her recipient id")
	b.Details.Attendees[0].ID = ""
	assert.Equal(t, []booking.Person{{Name: "Cleo Guest", Email: cleo, TimeZone: "Asia/Tokyo"}}, b.Details.Attendees)
}

func TestCronofyEndToEnd(t *testing.T) {
	s := newStack(t, nil)
	status, body := s.postSource(cronofy.Source, "cronofy-scheduling-request-time-chosen.json", "cr")
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	mails := s.mail()
	require.Len(t, mails, 3)
	s.organizerChecks(t, to(t, mails, organizer), rooms[0].HostRoomURL)
	uid := s.sourceBooking(cronofy.Source, "srq_cr").UID
	for _, addr := range []string{bob, cleo} {
		s.guestChecks(t, to(t, mails, addr), rooms[0].RoomURL, 0, uid)
	}

	status, body = s.postSource(cronofy.Source, "cronofy-real-time-scheduling-completed.json", "cr")
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	require.Len(t, s.app.sandbox.Rooms(), 2)
	mails = s.mail()
	require.Len(t, mails, 3)
	assert.Contains(t, to(t, mails, bob).Text, "Europe/London", "the event's zone, as the guest has none of their own")

	status, body = s.postSource(cronofy.Source, "cronofy-push-change.json", "cr")
	assert.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "ignored", body["status"])
}
