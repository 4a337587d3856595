package render_test

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/invite/render"
	"github.com/roomkeeper/roomkeeper/shared/locale"
)

// renderer is the renderer under test: what the worker and the local server give the reconciler.
var renderer render.Renderer

var update = flag.Bool("update", false, "rewrite testdata/golden/<lang>/*.golden from the current output")

const (
	from = "roomkeeper <invites@localhost>"
	// Each person's /j/ link (shared/link), as the reconciler passes them: the guest's own, and
	// the organizer's host link (a distinctive token, so a test can tell it anywhere).
	guestURL = "https://rooms.example.com/j/Zw1hYmNkZWZnaGlqa2xtQm9iMDAwMDEZ8x2qLm4Kp0vRtW7sYc"
	hostURL  = "https://rooms.example.com/j/aA1hYmNkZWZnaGlqa2xtHOST-SECRET-KEY_qLm4Kp0vRtW7sYc"
)

var (
	start = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	stamp = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

	ada   = booking.Person{Name: "Ada Host", Email: "ada@example.com", TimeZone: "Europe/Oslo"}
	bob   = booking.Person{Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York"}
	chloe = booking.Person{Name: "Chloé Dupont", Email: "chloe@example.org", TimeZone: "Europe/Paris"}
	dan   = booking.Person{Email: "dan@example.com"}

	whereby = &booking.DialIn{Code: "123456", Numbers: []booking.PhoneNumber{
		{E164: "+4721000000", Country: "NO", Tel: "tel:+4721000000,123456"},
	}}
	zoom = &booking.DialIn{Code: "857 7588 4256", Passcode: "010383", Numbers: []booking.PhoneNumber{
		{E164: "+16465588656", Country: "US", Tel: "tel:+16465588656,,85775884256%23,,,,*010383%23"},
		{E164: "+4723960000", Country: "NO", Tel: "tel:+4723960000,,85775884256%23,,,,*010383%23"},
	}}
)

// guestRequest is the first invitation of one guest, with dial-in. The caller also passes the
// host link, which must not reach the guest.
func guestRequest() *invite.Invite {
	return &invite.Invite{
		Method:      booking.Request,
		UID:         "5f0c8e3a-6b1d-4c2e-9f7a-1d2e3f4a5b6c",
		Sequence:    0,
		Stamp:       stamp,
		Title:       "Intro call",
		Description: "Agenda:\n- introductions\n- next steps, if any; questions",
		Start:       start,
		End:         start.Add(30 * time.Minute),
		Organizer:   ada,
		Attendees:   []booking.Person{bob},
		Recipient:   bob,
		GuestURL:    guestURL,
		HostURL:     hostURL,
		DialIn:      whereby,
		Calendar:    true,
		From:        from,
	}
}

// guestReminder is the guest's reminder 15 minutes before the start (sent 10 seconds late).
func guestReminder() *invite.Invite {
	inv := guestRequest()
	inv.Calendar, inv.Reminder = false, 15*time.Minute
	inv.Stamp = start.Add(-15*time.Minute + 10*time.Second)
	return inv
}

// organizerRequest is the organizer's invitation listing every guest.
func organizerRequest() *invite.Invite {
	inv := guestRequest()
	inv.Attendees = []booking.Person{bob, chloe, dan}
	inv.Recipient = ada
	inv.Host = true
	inv.DialIn = zoom
	return inv
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name string
		inv  func() *invite.Invite
	}{
		{"guest-request", guestRequest},
		{"organizer-request", organizerRequest},
		{"guest-update", func() *invite.Invite {
			inv := guestRequest()
			inv.Sequence = 1
			inv.Updated = true
			inv.Stamp = stamp.Add(2 * time.Hour)
			inv.Start, inv.End = start.Add(24*time.Hour), start.Add(24*time.Hour+45*time.Minute)
			return inv
		}},
		{"guest-cancel", func() *invite.Invite {
			inv := guestRequest()
			inv.Method = booking.Cancel
			inv.Sequence = 2
			inv.Stamp = stamp.Add(3 * time.Hour)
			inv.CancelReason = "Something came up.\nCan we meet next week?"
			return inv
		}},
		{"organizer-cancel", func() *invite.Invite {
			inv := organizerRequest()
			inv.Method = booking.Cancel
			inv.Sequence = 2
			inv.Stamp = stamp.Add(3 * time.Hour)
			inv.CancelReason = "Something came up."
			return inv
		}},
		{"organizer-notification", func() *invite.Invite {
			inv := organizerRequest()
			inv.Calendar = false
			return inv
		}},
		// The calendar reminds a day and 15 minutes before, as roomkeeper's reminders do.
		{"guest-request-alarms", func() *invite.Invite {
			inv := guestRequest()
			inv.Alarms = []time.Duration{24 * time.Hour, 15 * time.Minute}
			return inv
		}},
		{"guest-reminder", guestReminder},
		{"organizer-reminder", func() *invite.Invite {
			inv := organizerRequest()
			inv.Calendar, inv.Reminder = false, time.Hour
			inv.Stamp = start.Add(-time.Hour)
			return inv
		}},
		// A Cal.com booking whose source listed a guest mail cannot reach: the organizer is told
		// who, in their own message.
		{"organizer-uninvited", func() *invite.Invite {
			inv := organizerRequest()
			inv.Calendar = false
			inv.Uninvited = []booking.Person{{Name: "Jörg Müller", Email: "jörg@example.net"}, {Email: "åse@xn--bcher-kva.example"}}
			return inv
		}},
	}
	// Every case in every language: testdata/golden/<lang>/<case>.golden. The calendars are
	// checked by ical.js and libical together, at the end (one process each).
	var calendars [][]byte
	for _, lang := range locale.Languages {
		for _, tt := range tests {
			t.Run(lang+"/"+tt.name, func(t *testing.T) {
				inv := tt.inv()
				inv.Recipient.Locale = lang
				msg, err := renderer.Invite(inv)
				require.NoError(t, err)
				assert.Equal(t, "invites@localhost", msg.From)
				assert.Equal(t, []string{inv.Recipient.Email}, msg.To)

				m := invitetest.ParseStructure(t, msg.Raw)
				if inv.Calendar {
					assert.Equal(t, string(inv.Method), m.Method)
					assert.Equal(t, inv.UID, m.UID)
					assert.Equal(t, inv.Sequence, m.Sequence)
					calendars = append(calendars, m.Calendar)
				}
				golden(t, lang, tt.name, dump(t, msg.Raw))
			})
		}
	}
	invitetest.CheckICS(t, calendars...)
}

// failure is the failure notice TestRenderFailureGolden renders.
func failure(lang string) *invite.Failure {
	organizer := ada
	organizer.Locale = lang
	return &invite.Failure{
		From:      from,
		Organizer: organizer,
		Title:     "Intro call",
		Start:     start,
		End:       start.Add(30 * time.Minute),
		Kind:      booking.FailureRefused,
		Stamp:     stamp,
	}
}

func TestRenderFailureGolden(t *testing.T) {
	msg, err := renderer.Failure(failure(locale.English))
	require.NoError(t, err)
	assert.Equal(t, "invites@localhost", msg.From)
	assert.Equal(t, []string{ada.Email}, msg.To)

	m := invitetest.Parse(t, msg.Raw)
	assert.Empty(t, m.Calendar)
	assert.Contains(t, m.Text, "We could not set up the video room for Intro call (Monday 23 November 2026, 16:00–16:30 CET (Europe/Oslo)).")
	assert.Contains(t, m.HTML, "The video service refused to make a room")
	for _, lang := range locale.Languages {
		msg, err := renderer.Failure(failure(lang))
		require.NoError(t, err, lang)
		invitetest.ParseStructure(t, msg.Raw)
		golden(t, lang, "failure", dump(t, msg.Raw))
	}
}

// TestRenderKnockGolden: the notice that a guest is waiting, in every language.
func TestRenderKnockGolden(t *testing.T) {
	for _, lang := range locale.Languages {
		organizer := ada
		organizer.Locale = lang
		msg, err := renderer.Knock(&invite.Knock{From: from, Organizer: organizer, Title: "Intro call", Start: start,
			End: start.Add(30 * time.Minute), Name: "Bob Guest", HostURL: hostURL, Stamp: stamp})
		require.NoError(t, err, lang)
		m := invitetest.ParseStructure(t, msg.Raw)
		assert.Contains(t, m.Text, hostURL)
		golden(t, lang, "knock", dump(t, msg.Raw))
	}
}

// TestRenderFailureInPlainWords: each kind of failure is told in plain words, with what the
// organizer can do; nothing of roomkeeper's own account reaches the mail, whatever its kind.
func TestRenderFailureInPlainWords(t *testing.T) {
	for kind, want := range map[booking.FailureKind][]string{
		booking.FailureRefused:       {"The video service refused to make a room", "check the video service account"},
		booking.FailureNoProvider:    {"a video service that roomkeeper is not set up to use", "set that video service up"},
		booking.FailureNoRoomByStart: {"did not make a room in time for the meeting", "If this happens again"},
		booking.FailurePaused:        {"reached its limit on new rooms", "until after this meeting has ended", "limit can be raised"},
		booking.FailureOther:         {"could not make a video room for this meeting", "look at the booking"},
		"":                           {"could not make a video room for this meeting", "look at the booking"},
		"something-new":              {"could not make a video room for this meeting", "look at the booking"},
	} {
		msg, err := renderer.Failure(&invite.Failure{From: from, Organizer: ada, Title: "Intro call",
			Start: start, End: start.Add(30 * time.Minute), Kind: kind, Stamp: stamp})
		require.NoError(t, err, kind)
		m := invitetest.Parse(t, msg.Raw)
		for part, s := range map[string]string{"text": m.Text, "html": m.HTML} {
			assert.Contains(t, s, "What went wrong:", "%s %s", kind, part)
			assert.Contains(t, s, "What you can do:", "%s %s", kind, part)
			assert.Contains(t, s, "let your guests know how to meet instead", "%s %s", kind, part)
			for _, w := range want {
				assert.Contains(t, s, w, "%s %s", kind, part)
			}
			for _, internal := range []string{"booking ", "whereby", "zoom", "create ", "401", "error", "configured", "<nil>", "%!"} {
				assert.NotContains(t, strings.ToLower(s), internal, "%s %s", kind, part)
			}
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, err := renderer.Invite(guestRequest())
	require.NoError(t, err)
	b, err := renderer.Invite(guestRequest())
	require.NoError(t, err)
	assert.Equal(t, string(a.Raw), string(b.Raw), "same input, same bytes")

	ids := map[string]string{}
	for name, change := range map[string]func(*invite.Invite){
		"base":      func(*invite.Invite) {},
		"sequence":  func(inv *invite.Invite) { inv.Sequence = 1 },
		"method":    func(inv *invite.Invite) { inv.Method = booking.Cancel },
		"recipient": func(inv *invite.Invite) { inv.Recipient = chloe; inv.Attendees = []booking.Person{chloe} },
		"stamp":     func(inv *invite.Invite) { inv.Stamp = inv.Stamp.Add(time.Second) },
		"uid":       func(inv *invite.Invite) { inv.UID += "x" },
	} {
		inv := guestRequest()
		change(inv)
		msg, err := renderer.Invite(inv)
		require.NoError(t, err, name)
		m := invitetest.Parse(t, msg.Raw)
		assert.True(t, strings.HasSuffix(m.MessageID, "@localhost"), "%s: Message-ID %q takes the sender's domain", name, m.MessageID)
		for other, id := range ids {
			assert.NotEqual(t, id, m.MessageID, "%s and %s share a Message-ID", name, other)
		}
		ids[name] = m.MessageID
	}
}

func TestRenderSubject(t *testing.T) {
	tests := []struct {
		name   string
		method booking.Method
		seq    int
		zone   string
		want   string
	}{
		{"first", booking.Request, 0, "Europe/Oslo", "Invitation: Intro call @ Mon 23 Nov 2026 16:00 CET (Europe/Oslo)"},
		{"update", booking.Request, 3, "America/New_York", "Updated invitation: Intro call @ Mon 23 Nov 2026 10:00 EST (America/New_York)"},
		{"cancel", booking.Cancel, 4, "", "Cancelled: Intro call @ Mon 23 Nov 2026 15:00 UTC"},
		{"zone without abbreviation", booking.Request, 0, "Asia/Dubai", "Invitation: Intro call @ Mon 23 Nov 2026 19:00 UTC+04 (Asia/Dubai)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := guestRequest()
			inv.Method, inv.Sequence, inv.Recipient.TimeZone = tt.method, tt.seq, tt.zone
			inv.Updated = tt.seq > 0
			msg, err := renderer.Invite(inv)
			require.NoError(t, err)
			assert.Equal(t, tt.want, invitetest.Parse(t, msg.Raw).Subject)
		})
	}
}

// TestRenderSubjectEncodedWordText: a title that reads as an RFC 2047 encoded word reaches the
// reader as the text it is, not decoded into another subject.
func TestRenderSubjectEncodedWordText(t *testing.T) {
	inv := guestRequest()
	inv.Title = "=?utf-8?q?Bcc=3A_x?= =?0?B??="
	msg, err := renderer.Invite(inv)
	require.NoError(t, err)
	subject := invitetest.Parse(t, msg.Raw).Subject
	assert.Equal(t, "Invitation: =\u2060?utf-8?q?Bcc=3A_x?= =\u2060?0?B??= @ Mon 23 Nov 2026 10:00 EST (America/New_York)", subject)
}

func TestRenderReadableTimes(t *testing.T) {
	tests := []struct {
		name       string
		zone       string
		start, end time.Time
		want       string
	}{
		{"recipient zone", "Europe/Oslo", start, start.Add(30 * time.Minute),
			"Monday 23 November 2026, 16:00–16:30 CET (Europe/Oslo)"},
		{"no zone is UTC", "", start, start.Add(time.Hour),
			"Monday 23 November 2026, 15:00–16:00 UTC"},
		{"across midnight", "America/Los_Angeles", time.Date(2026, 11, 24, 7, 30, 0, 0, time.UTC), time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC),
			"Monday 23 November 2026, 23:30 – Tuesday 24 November 2026, 00:30 PST (America/Los_Angeles)"},
		{"across a DST change", "Europe/Oslo", time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC),
			"Sunday 29 March 2026, 01:30 CET–03:30 CEST (Europe/Oslo)"},
		{"half-hour offset", "Asia/Kolkata", start, start.Add(30 * time.Minute),
			"Monday 23 November 2026, 20:30–21:00 IST (Asia/Kolkata)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := guestRequest()
			inv.Recipient.TimeZone, inv.Start, inv.End = tt.zone, tt.start, tt.end
			msg, err := renderer.Invite(inv)
			require.NoError(t, err)
			m := invitetest.Parse(t, msg.Raw)
			assert.Contains(t, m.Text, "When: "+tt.want+"\r\n")
			assert.Contains(t, m.HTML, "<strong>When:</strong> "+tt.want+"</p>")
			// The calendar itself stays in UTC whatever the recipient's zone.
			assert.Contains(t, string(m.Calendar), "DTSTART:"+tt.start.UTC().Format("20060102T150405Z")+"\r\n")
		})
	}
}

// TestGuestNeverGetsHostURL checks that guests never receive a host link: whatever the caller
// passes, a guest's message carries none in any part.
func TestGuestNeverGetsHostURL(t *testing.T) {
	for _, method := range []booking.Method{booking.Request, booking.Cancel} {
		for _, cal := range []bool{true, false} {
			for _, seq := range []int{0, 1} {
				t.Run(fmt.Sprintf("%s/calendar=%t/sequence=%d", method, cal, seq), func(t *testing.T) {
					inv := guestRequest()
					inv.Method, inv.Calendar, inv.Sequence = method, cal, seq
					msg, err := renderer.Invite(inv)
					require.NoError(t, err)
					m := invitetest.Parse(t, msg.Raw)
					for part, s := range map[string]string{"raw": string(m.Raw), "text": m.Text, "html": m.HTML, "calendar": string(m.Calendar)} {
						assert.NotContains(t, s, "HOST-SECRET-KEY", "%s part", part)
						assert.NotContains(t, s, "roomKey", "%s part", part)
					}
				})
			}
		}
	}

	t.Run("host invite to someone else is refused", func(t *testing.T) {
		inv := guestRequest()
		inv.Host = true // recipient is still bob
		_, err := renderer.Invite(inv)
		require.Error(t, err)
		assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
		assert.NotContains(t, err.Error(), bob.Email, "errors carry no e-mail addresses")
	})
}

// TestUninvitedOnlyToTheOrganizer checks that the guests mail cannot reach are named in the
// organizer's message only, never in a header or a calendar, and not in a cancellation.
func TestUninvitedOnlyToTheOrganizer(t *testing.T) {
	jorg := booking.Person{Name: "Jörg", Email: "jörg@example.net"}
	org := organizerRequest()
	org.Uninvited = []booking.Person{jorg}
	msg, err := renderer.Invite(org)
	require.NoError(t, err)
	m := invitetest.Parse(t, msg.Raw)
	assert.Contains(t, m.Text, "Not invited: Jörg <jörg@example.net>\r\n")
	assert.Contains(t, m.Text, "\r\nPlease send them the guest link yourself.\r\n")
	assert.Contains(t, m.HTML, "<strong>Not invited:</strong> Jörg &lt;jörg@example.net&gt;")
	assert.NotContains(t, string(m.Calendar), "example.net:", "no ATTENDEE for them")
	assert.NotContains(t, string(m.Calendar), "jörg")
	assert.NotContains(t, m.To+m.ReplyTo, "jörg")

	guest := guestRequest()
	guest.Uninvited = []booking.Person{jorg}
	msg, err = renderer.Invite(guest)
	require.NoError(t, err)
	assert.NotContains(t, string(invitetest.Parse(t, msg.Raw).Raw), "Not invited", "a guest's message")

	org.Method, org.Sequence = booking.Cancel, 1
	msg, err = renderer.Invite(org)
	require.NoError(t, err)
	assert.NotContains(t, invitetest.Parse(t, msg.Raw).Text, "Not invited", "a cancellation")
}

func TestRenderLinks(t *testing.T) {
	t.Run("guest", func(t *testing.T) {
		msg, err := renderer.Invite(guestRequest())
		require.NoError(t, err)
		m := invitetest.Parse(t, msg.Raw)
		assert.Contains(t, m.Text, "Join the meeting:\r\n"+guestURL+"\r\n")
		assert.Contains(t, m.Text, "One tap on a mobile phone: tel:+4721000000,123456\r\n")
		assert.Contains(t, m.Text, "Or dial +4721000000 (NO), access code 123456\r\n")
		assert.Contains(t, m.HTML, `<a href="`+guestURL+`"`)
		assert.Contains(t, m.HTML, `<a href="tel:&#43;4721000000,123456"`)

		ev := event(t, m.Calendar)
		assert.Equal(t, guestURL, text(t, ev, ical.PropLocation))
		assert.Equal(t, guestURL, ev.Props.Get(ical.PropURL).Value)
		assert.Equal(t, []string{guestURL, "tel:+4721000000,123456"}, values(ev.Props.Values(ical.PropConference)))
		assert.Contains(t, text(t, ev, ical.PropDescription), "Join the meeting:\n"+guestURL+"\n")
		assert.Equal(t, []string{"mailto:" + bob.Email}, values(ev.Props.Values(ical.PropAttendee)))
	})

	t.Run("organizer", func(t *testing.T) {
		msg, err := renderer.Invite(organizerRequest())
		require.NoError(t, err)
		m := invitetest.Parse(t, msg.Raw)
		assert.Contains(t, m.Text, "Start as host:\r\n"+hostURL+"\r\n")
		assert.Contains(t, m.Text, "Guest link, to share with anyone not on the invitation:\r\n"+guestURL+"\r\n")
		assert.Contains(t, m.Text, "One tap on a mobile phone: tel:+16465588656,,85775884256%23,,,,*010383%23\r\n")
		assert.Contains(t, m.HTML, `href="tel:&#43;16465588656,,85775884256%23,,,,*010383%23"`, "# stays %23 in the href")

		ev := event(t, m.Calendar)
		assert.Equal(t, hostURL, text(t, ev, ical.PropLocation), "the organizer's own link is the host link")
		assert.Equal(t, []string{"mailto:" + bob.Email, "mailto:" + chloe.Email, "mailto:" + dan.Email},
			values(ev.Props.Values(ical.PropAttendee)))
		phone := ev.Props.Values(ical.PropConference)[1]
		assert.Equal(t, "tel:+16465588656,,85775884256%23,,,,*010383%23", phone.Value)
		assert.Equal(t, "URI", phone.Params.Get(ical.ParamValue), "RFC 7986 requires VALUE=URI")
		assert.Equal(t, []string{"PHONE"}, phone.Params.Values(ical.ParamFeature))
	})

	t.Run("cancel has no join link in readable parts", func(t *testing.T) {
		inv := organizerRequest()
		inv.Method, inv.Sequence = booking.Cancel, 1
		msg, err := renderer.Invite(inv)
		require.NoError(t, err)
		m := invitetest.Parse(t, msg.Raw)
		for part, s := range map[string]string{"text": m.Text, "html": m.HTML} {
			assert.Contains(t, s, "Your meeting with Bob Guest, Chloé Dupont and dan@example.com has been cancelled.", part)
			assert.NotContains(t, s, guestURL, part)
			assert.NotContains(t, s, "tel:", part)
		}
		ev := event(t, m.Calendar)
		assert.Equal(t, "CANCELLED", ev.Props.Get(ical.PropStatus).Value)
		assert.Empty(t, ev.Children, "no VALARM")
	})
}

// TestRenderHostileInput feeds text that breaks naive writers through every field and requires
// the result to pass invitetest.Parse (MIME layout, line lengths, ical.js, libical) and to give
// the text back unchanged where it can be kept.
func TestRenderHostileInput(t *testing.T) {
	long := func(s string, n int) string { return trim(strings.Repeat(s, n), n) } // n characters
	tests := []struct {
		name        string
		title, desc string
		person      string // names of the organizer and the guest
		wantTitle   string // SUMMARY after cleaning; "" = title
		wantDesc    string // the organizer's text inside DESCRIPTION; "" = desc
		wantName    string // CN after cleaning; "" = person
	}{
		{name: "separators", title: `Q&A: a, b; c \ d`, desc: `a, b; c \ d: e`, person: `Smith, Jane; "JJ" \ Jr.`,
			wantName: `Smith, Jane; 'JJ' \ Jr.`},
		{name: "newlines", title: "line one\r\nline two\rthree\nfour", desc: "one\r\ntwo\rthree\nfour\r\n\r\nfive",
			person: "Ada\r\nHost", wantTitle: "line one line two three four", wantDesc: "one\ntwo\nthree\nfour\n\nfive", wantName: "Ada Host"},
		{name: "emoji", title: "🎉 Kick-off 🚀 with 日本語 and Ünïcödé", desc: "👋🏽 Welcome! 👨‍👩‍👧‍👦 family emoji, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", person: "Zoë 🦄 Ångström"},
		{name: "200-character names", title: "Intro", desc: "short", person: long("Smith, Jane; ", 200)},
		{name: "200-character emoji names", title: "Intro", desc: "short", person: long("😀", 200)},
		{name: "500-character title", title: long("Quarterly review, budget; plans ", 500), desc: "short", person: "Ada"},
		{name: "500-character unbroken title", title: long("x", 500), desc: "short", person: "Ada"},
		{name: "500-character emoji title", title: long("🎉é", 500), desc: "short", person: "Ada"},
		{name: "10,000-character description", title: "Intro", desc: long("Lorem ipsum, dolor; sit \\ amet é 🎉\n", 10000), person: "Ada"},
		{name: "caret and controls", title: "a\x00b\x07c\x1bd", desc: "tab\there\x00", person: "x^ny^'z",
			wantTitle: "a b c d", wantDesc: "tab\there", wantName: "x^ny^'z"},
		{name: "invalid UTF-8", title: "bad \xff byte", desc: "bad \xc3\x28 pair", person: "n\xffame",
			wantTitle: "bad \uFFFD byte", wantDesc: "bad \uFFFD( pair", wantName: "n\uFFFDame"},
		{name: "HTML", title: `<script>alert(1)</script>`, desc: `<a href="javascript:x">x</a> & <b>`, person: `<img src=x onerror=alert(1)>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := organizerRequest()
			inv.Title, inv.Description = tt.title, tt.desc
			inv.Organizer.Name = tt.person
			inv.Recipient.Name = tt.person
			inv.Attendees = []booking.Person{{Name: tt.person, Email: bob.Email}}
			msg, err := renderer.Invite(inv)
			require.NoError(t, err)
			m := invitetest.Parse(t, msg.Raw)

			wantTitle, wantDesc, wantName := or(tt.wantTitle, tt.title), or(tt.wantDesc, tt.desc), or(tt.wantName, tt.person)
			ev := event(t, m.Calendar)
			assert.Equal(t, wantTitle, text(t, ev, ical.PropSummary))
			assert.True(t, strings.HasSuffix(text(t, ev, ical.PropDescription), "\n\n"+wantDesc), "DESCRIPTION ends with the organizer's text")
			assert.Equal(t, wantName, caretDecode(ev.Props.Get(ical.PropOrganizer).Params.Get(ical.ParamCommonName)))
			assert.Equal(t, "Your meeting: "+wantTitle+" @ Mon 23 Nov 2026 16:00 CET (Europe/Oslo)", m.Subject)
			assert.Contains(t, m.Text, wantTitle)
			assert.NotContains(t, m.HTML, "<script>")
			assert.NotContains(t, m.HTML, "<img")
			assert.NotContains(t, m.HTML, `href="javascript:`)
		})
	}
}

// TestRenderICSLines checks RFC 5545 §3.1 on calendars with long lines of multi-byte text:
// lines of at most 75 octets, CRLF, and folds that never split a UTF-8 sequence.
func TestRenderICSLines(t *testing.T) {
	for _, filler := range []string{"a", "é", "日", "🎉", "a🎉", "ab🎉"} {
		t.Run(filler, func(t *testing.T) {
			inv := organizerRequest()
			inv.Title = strings.Repeat(filler, 300)
			inv.Description = strings.Repeat(filler, 3000)
			msg, err := renderer.Invite(inv)
			require.NoError(t, err)
			m := invitetest.Parse(t, msg.Raw)
			lines := strings.Split(strings.TrimSuffix(string(m.Calendar), "\r\n"), "\r\n")
			for i, line := range lines {
				require.LessOrEqual(t, len(line), 75, "line %d", i+1)
				require.True(t, utf8.ValidString(line), "line %d splits a UTF-8 sequence: %q", i+1, line)
				require.NotContains(t, line, "\n", "line %d", i+1)
			}
			assert.Equal(t, inv.Title, text(t, event(t, m.Calendar), ical.PropSummary), "folding round-trips")
		})
	}
}

func TestRenderMethodParam(t *testing.T) {
	for _, method := range []booking.Method{booking.Request, booking.Cancel} {
		t.Run(string(method), func(t *testing.T) {
			inv := guestRequest()
			inv.Method, inv.Sequence = method, 1
			msg, err := renderer.Invite(inv)
			require.NoError(t, err)
			m := invitetest.Parse(t, msg.Raw)
			assert.Equal(t, string(method), m.CalendarMethod)
			assert.Equal(t, string(method), m.Method)
			assert.Contains(t, string(msg.Raw), "Content-Type: text/calendar; charset=UTF-8; method="+string(method)+"\r\n")
		})
	}
}

func TestRenderInvalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(*invite.Invite)
		field  string
	}{
		{"unknown method", func(inv *invite.Invite) { inv.Method = "PUBLISH" }, "method"},
		{"no UID", func(inv *invite.Invite) { inv.UID = "" }, "uid"},
		{"UID with a line break", func(inv *invite.Invite) { inv.UID = "a\r\nb" }, "uid"},
		{"negative sequence", func(inv *invite.Invite) { inv.Sequence = -1 }, "sequence"},
		{"no stamp", func(inv *invite.Invite) { inv.Stamp = time.Time{} }, "stamp"},
		{"end before start", func(inv *invite.Invite) { inv.End = inv.Start.Add(-time.Minute) }, "end"},
		{"no organizer", func(inv *invite.Invite) { inv.Organizer.Email = "" }, "organizer"},
		{"recipient with a display name", func(inv *invite.Invite) { inv.Recipient.Email = "Bob <bob@example.net>" }, "recipient"},
		{"attendee address with a line break", func(inv *invite.Invite) { inv.Attendees[0].Email = "bob@example.net\r\nBcc: x@y" }, "attendees[0]"},
		{"REQUEST without attendees", func(inv *invite.Invite) { inv.Attendees = nil }, "attendees"},
		{"no guest link", func(inv *invite.Invite) { inv.GuestURL = "" }, "guestUrl"},
		{"guest link not http", func(inv *invite.Invite) { inv.GuestURL = "javascript:alert(1)" }, "guestUrl"},
		{"guest link with a quote", func(inv *invite.Invite) { inv.GuestURL = `https://x.example/"onmouseover="x` }, "guestUrl"},
		{"bad tel URI", func(inv *invite.Invite) {
			inv.DialIn = &booking.DialIn{Numbers: []booking.PhoneNumber{{E164: "+4721000000", Tel: `tel:+47"><script>`}}}
		}, "dialIn.numbers"},
		{"number not E.164", func(inv *invite.Invite) {
			inv.DialIn = &booking.DialIn{Numbers: []booking.PhoneNumber{{E164: "21 00 00 00", Tel: "tel:+4721000000"}}}
		}, "dialIn.numbers"},
		{"unknown zone", func(inv *invite.Invite) { inv.Recipient.TimeZone = "Mars/Olympus_Mons" }, "timeZone"},
		{"bad sender", func(inv *invite.Invite) { inv.From = "not an address" }, "from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := guestRequest()
			tt.change(inv)
			_, err := renderer.Invite(inv)
			require.Error(t, err)
			var e *booking.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, booking.Invalid, e.Code)
			assert.Equal(t, tt.field, e.Field)
			assert.NotContains(t, err.Error(), "@example", "errors carry no e-mail addresses")
			assert.NotContains(t, err.Error(), "+47", "errors carry no phone numbers")
		})
	}
}

// TestRenderTakesWhatIntakeAccepts checks the one rule for addresses: every address
// booking.CheckEmail accepts renders, in the form CheckEmail gives (an internationalised domain
// in punycode), and every one it refuses is refused here too.
func TestRenderTakesWhatIntakeAccepts(t *testing.T) {
	for _, addr := range []string{
		"bob@bücher.example",
		"ana@例え.テスト",
		"o'neil@example.com",
		"bob.smith+tag@Example.NET",
		"a@localhost",
		"x!#$%&*/=?^_`{|}~-@example.net",
	} {
		t.Run(addr, func(t *testing.T) {
			want, err := booking.CheckEmail("email", addr)
			require.NoError(t, err, "intake accepts it")

			inv := guestRequest()
			inv.Recipient.Email = addr
			inv.Attendees = []booking.Person{{Name: "Guest", Email: addr}}
			msg, err := renderer.Invite(inv)
			require.NoError(t, err)
			assert.Equal(t, []string{want}, msg.To)
			m := invitetest.Parse(t, msg.Raw)
			assert.Equal(t, "Bob Guest <"+want+">", m.To)
			attendees := values(event(t, m.Calendar).Props.Values(ical.PropAttendee))
			require.Len(t, attendees, 1)
			u, err := url.Parse(attendees[0])
			require.NoError(t, err, "the ATTENDEE is a URI")
			assert.Equal(t, "mailto", u.Scheme)
			assert.NotContains(t, u.Opaque, "?", "no header part: the address is one")
			sent, err := url.PathUnescape(u.Opaque)
			require.NoError(t, err)
			assert.Equal(t, want, sent, "one address, percent-encoded where a URI needs it (RFC 6068)")

			org := organizerRequest()
			org.Organizer.Email, org.Recipient.Email = addr, want // the same address in either form
			msg, err = renderer.Invite(org)
			require.NoError(t, err, "the organizer's own invitation")
			om := invitetest.Parse(t, msg.Raw)
			assert.Contains(t, om.To, want)
			assert.Empty(t, om.ReplyTo, "no Reply-To to the organizer themself")

			guest := guestRequest()
			guest.Organizer.Email = addr
			msg, err = renderer.Invite(guest)
			require.NoError(t, err, "a guest's invitation")
			assert.Contains(t, invitetest.Parse(t, msg.Raw).ReplyTo, want, "a guest's reply goes to the organizer")

			for name, render := range map[string]func() (booking.Message, error){
				"failure": func() (booking.Message, error) {
					return renderer.Failure(&invite.Failure{From: from, Organizer: booking.Person{Email: addr}, Start: start, End: start.Add(time.Hour), Stamp: stamp})
				},
				"knock": func() (booking.Message, error) {
					return renderer.Knock(&invite.Knock{From: from, Organizer: booking.Person{Email: addr}, Start: start, End: start.Add(time.Hour), HostURL: hostURL, Stamp: stamp})
				},
			} {
				msg, err := render()
				require.NoError(t, err, name)
				assert.Equal(t, []string{want}, msg.To, name)
			}
		})
	}

	for _, addr := range []string{"jörg@example.com", "bob@[192.0.2.1]", "Bob <bob@example.net>"} {
		t.Run("refused "+addr, func(t *testing.T) {
			_, err := booking.CheckEmail("email", addr)
			require.Error(t, err, "intake refuses it")
			inv := guestRequest()
			inv.Recipient.Email = addr
			_, err = renderer.Invite(inv)
			require.Error(t, err)
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
			assert.NotContains(t, err.Error(), "example", "errors carry no e-mail addresses")
		})
	}
}

// TestRenderWording: the organizer's own mail is written to the organizer, naming the guests
// and offering to start as host, and carries no Reply-To to the organizer themself; a guest's
// keeps the invitation wording, and a reply goes to the organizer.
func TestRenderWording(t *testing.T) {
	msg, err := renderer.Invite(organizerRequest())
	require.NoError(t, err)
	m := invitetest.Parse(t, msg.Raw)
	assert.Equal(t, "Your meeting: Intro call @ Mon 23 Nov 2026 16:00 CET (Europe/Oslo)", m.Subject)
	assert.Empty(t, m.ReplyTo, "no Reply-To in the organizer's own mail")
	for part, s := range map[string]string{"text": m.Text, "html": m.HTML} {
		assert.Contains(t, s, "Your meeting with Bob Guest, Chloé Dupont and dan@example.com has a video room.", part)
		assert.Contains(t, s, "Start as host", part)
		assert.NotContains(t, s, "You are invited", part)
		assert.NotContains(t, s, "Reply to this e-mail", part)
		assert.NotContains(t, s, "Organizer:", part)
	}

	upd := organizerRequest()
	upd.Sequence, upd.Updated = 1, true
	upd.Attendees = []booking.Person{bob, chloe, dan, {Email: "eve@example.com"}, {Name: "Finn", Email: "finn@example.com"}}
	msg, err = renderer.Invite(upd)
	require.NoError(t, err)
	m = invitetest.Parse(t, msg.Raw)
	assert.Equal(t, "Updated meeting: Intro call @ Mon 23 Nov 2026 16:00 CET (Europe/Oslo)", m.Subject)
	assert.Contains(t, m.Text, "Your meeting with Bob Guest, Chloé Dupont, dan@example.com and 2 others has been updated.\r\n")
	assert.Contains(t, m.Text, "Guests: Bob Guest, Chloé Dupont, dan@example.com, eve@example.com, Finn\r\n", "everyone, when the first line names only some")

	msg, err = renderer.Invite(guestRequest())
	require.NoError(t, err)
	m = invitetest.Parse(t, msg.Raw)
	assert.Equal(t, "Invitation: Intro call @ Mon 23 Nov 2026 10:00 EST (America/New_York)", m.Subject)
	assert.Equal(t, "Ada Host <ada@example.com>", m.ReplyTo, "a guest's reply goes to the organizer")
	for part, s := range map[string]string{"text": m.Text, "html": m.HTML} {
		assert.Contains(t, s, "You are invited to a video meeting.", part)
		assert.Contains(t, s, "Reply to this e-mail to reach the organizer.", part)
		assert.NotContains(t, s, "Your meeting", part)
		assert.NotContains(t, s, "host", part)
	}
}

// TestRenderCancelReason: a cancellation shows the reason the source gave, not the description
// of the meeting that no longer takes place.
func TestRenderCancelReason(t *testing.T) {
	for _, inv := range []*invite.Invite{guestRequest(), organizerRequest()} {
		inv.Method, inv.Sequence = booking.Cancel, 1
		inv.CancelReason = "Sick today \x07<b>sorry</b>\nLet's find another time."
		msg, err := renderer.Invite(inv)
		require.NoError(t, err)
		m := invitetest.Parse(t, msg.Raw)
		assert.Contains(t, m.Text, "Reason given:\r\nSick today <b>sorry</b>\r\nLet's find another time.\r\n")
		assert.Contains(t, m.HTML, "Sick today &lt;b&gt;sorry&lt;/b&gt;\r\nLet&#39;s find another time.")
		desc := text(t, event(t, m.Calendar), ical.PropDescription)
		assert.Equal(t, "This meeting has been cancelled.\n\nReason given:\nSick today <b>sorry</b>\nLet's find another time.", desc)
		for part, s := range map[string]string{"text": m.Text, "html": m.HTML, "calendar": string(m.Calendar)} {
			assert.NotContains(t, s, "Agenda", part)
			assert.NotContains(t, s, "introductions", part)
		}
	}

	inv := guestRequest()
	inv.Method, inv.Sequence = booking.Cancel, 1
	msg, err := renderer.Invite(inv)
	require.NoError(t, err)
	m := invitetest.Parse(t, msg.Raw)
	assert.NotContains(t, m.Text, "Reason given", "no reason given, none shown")
	assert.NotContains(t, m.Text, "Agenda")
}

func TestRenderCancelWithoutLinks(t *testing.T) {
	inv := guestRequest()
	inv.Method, inv.Sequence, inv.GuestURL, inv.DialIn = booking.Cancel, 1, "", nil
	msg, err := renderer.Invite(inv)
	require.NoError(t, err, "a cancellation needs no room")
	assert.Equal(t, "CANCEL", invitetest.Parse(t, msg.Raw).Method)
}

func BenchmarkRender(b *testing.B) {
	inv := guestRequest()
	if _, err := renderer.Invite(inv); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := renderer.Invite(inv); err != nil {
			b.Fatal(err)
		}
	}
}

// golden compares got with testdata/golden/<lang>/<name>.golden, or rewrites it with -update.
func golden(t *testing.T, lang, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", lang, name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got), "%s differs; run go test -update and review the diff", path)
}

// dump shows a message for review: every header as sent, every part decoded (base64 would hide
// the content), CRLF shown as LF.
func dump(t *testing.T, raw []byte) []byte {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	require.NoError(t, err)
	var out bytes.Buffer
	dumpEntity(t, &out, e, 0)
	return bytes.ReplaceAll(out.Bytes(), []byte("\r\n"), []byte("\n"))
}

func dumpEntity(t *testing.T, out *bytes.Buffer, e *message.Entity, depth int) {
	t.Helper()
	require.NoError(t, textproto.WriteHeader(out, e.Header.Header))
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			fmt.Fprintf(out, "%s── part ──\n", strings.Repeat("    ", depth+1))
			dumpEntity(t, out, p, depth+1)
		}
		fmt.Fprintf(out, "%s── end ──\n", strings.Repeat("    ", depth+1))
		return
	}
	b, err := io.ReadAll(e.Body)
	require.NoError(t, err)
	out.Write(b)
}

func event(t *testing.T, ics []byte) *ical.Event {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(ics)).Decode()
	require.NoError(t, err)
	events := cal.Events()
	require.Len(t, events, 1)
	return &events[0]
}

func text(t *testing.T, ev *ical.Event, prop string) string {
	t.Helper()
	p := ev.Props.Get(prop)
	require.NotNil(t, p, "no %s", prop)
	s, err := p.Text()
	require.NoError(t, err)
	return s
}

func values(props []ical.Prop) []string {
	out := make([]string, len(props))
	for i, p := range props {
		out[i] = p.Value
	}
	return out
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// trim cuts s to n runes.
func trim(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// caretDecode undoes RFC 6868 parameter encoding, which go-ical's decoder leaves in place.
func caretDecode(s string) string {
	return strings.NewReplacer("^^", "^", "^'", `"`, "^n", "\n").Replace(s)
}

// TestUntitledMeetingInTheReadersLanguage: a booking without a title, which intake calls
// booking.DefaultTitle, is called a meeting in the reader's language.
func TestUntitledMeetingInTheReadersLanguage(t *testing.T) {
	for lang, want := range map[string]string{"en": "Meeting", "de": "Meeting", "fr": "Réunion", "es": "Reunión", "nb": "Møte"} {
		for _, title := range []string{"", booking.DefaultTitle} {
			inv := guestRequest()
			inv.Title, inv.Recipient.Locale = title, lang
			msg, err := renderer.Invite(inv)
			require.NoError(t, err)
			m := invitetest.ParseStructure(t, msg.Raw)
			assert.Contains(t, m.Subject, ": "+want+" @ ", "%s %q", lang, title)
			assert.Contains(t, string(m.Calendar), "SUMMARY:"+want+"\r\n", "%s %q", lang, title)
		}
	}
}

// TestRenderAlarms: a REQUEST's calendar carries a display VALARM per alarm, which ical.js and
// libical's iTIP check accept (invitetest.Parse runs both); a CANCEL carries none.
func TestRenderAlarms(t *testing.T) {
	inv := organizerRequest()
	inv.Alarms = []time.Duration{7 * 24 * time.Hour, 90 * time.Minute, time.Minute}
	msg, err := renderer.Invite(inv)
	require.NoError(t, err)
	m := invitetest.Parse(t, msg.Raw)
	ev := event(t, m.Calendar)
	var triggers []string
	for _, c := range ev.Children {
		require.Equal(t, ical.CompAlarm, c.Name)
		assert.Equal(t, "DISPLAY", c.Props.Get(ical.PropAction).Value)
		d, err := c.Props.Get(ical.PropDescription).Text()
		require.NoError(t, err)
		assert.Equal(t, "Reminder: Intro call", d)
		triggers = append(triggers, c.Props.Get(ical.PropTrigger).Value)
	}
	assert.Equal(t, []string{"-PT168H", "-PT1H30M", "-PT1M"}, triggers)

	inv.Method = booking.Cancel
	msg, err = renderer.Invite(inv)
	require.NoError(t, err)
	assert.Empty(t, event(t, invitetest.Parse(t, msg.Raw).Calendar).Children, "a CANCEL reminds of nothing")

	for _, bad := range []time.Duration{0, -time.Minute, 90 * time.Second} {
		inv := guestRequest()
		inv.Alarms = []time.Duration{bad}
		_, err := renderer.Invite(inv)
		requireInvalidField(t, err, "alarms")
	}
}

// TestRenderReminder: a reminder is a plain mail in the invitation's look with the recipient's
// own link, the dial-in (tap-to-dial and by hand) and the time in the recipient's zone; a guest's
// never holds the host link.
func TestRenderReminder(t *testing.T) {
	msg, err := renderer.Invite(guestReminder())
	require.NoError(t, err)
	m := invitetest.Parse(t, msg.Raw)
	assert.Empty(t, m.Calendar, "a reminder has no calendar part")
	assert.Equal(t, "Reminder: Intro call @ Mon 23 Nov 2026 10:00 EST (America/New_York)", m.Subject)
	for part, s := range map[string]string{"text": m.Text, "html": html.UnescapeString(m.HTML)} {
		assert.Contains(t, s, "Reminder: this video meeting starts in 15 minutes.", part)
		assert.Contains(t, s, "Monday 23 November 2026, 10:00–10:30 EST (America/New_York)", part)
		assert.Contains(t, s, guestURL, part)
		assert.Contains(t, s, "tel:+4721000000,123456", part)
		assert.Contains(t, s, "+4721000000 (NO), access code 123456", part)
		assert.NotContains(t, s, hostURL, part)
		assert.NotContains(t, s, "HOST-SECRET", part)
	}
	assert.Equal(t, "Ada Host <ada@example.com>", m.ReplyTo)

	for lead, want := range map[time.Duration]string{
		20 * time.Second:             "1 minute",
		time.Hour + 29*time.Second:   "1 hour",
		90 * time.Minute:             "1 hour 30 minutes",
		24 * time.Hour:               "24 hours",
		7*24*time.Hour + 3*time.Hour: "7 days",
		2*time.Hour + 31*time.Minute: "3 hours",
		-time.Minute:                 "1 minute",
	} {
		inv := guestReminder()
		inv.Stamp = start.Add(-lead)
		msg, err := renderer.Invite(inv)
		require.NoError(t, err)
		assert.Contains(t, invitetest.ParseStructure(t, msg.Raw).Text, "starts in "+want+".", lead)
	}

	for name, edit := range map[string]func(*invite.Invite){
		"with a calendar": func(inv *invite.Invite) { inv.Calendar = true },
		"of a CANCEL":     func(inv *invite.Invite) { inv.Method = booking.Cancel },
		"negative":        func(inv *invite.Invite) { inv.Reminder = -time.Minute },
	} {
		inv := guestReminder()
		edit(inv)
		_, err := renderer.Invite(inv)
		requireInvalidField(t, err, "reminder", name)
	}
}

func requireInvalidField(t *testing.T, err error, field string, msgAndArgs ...any) {
	t.Helper()
	var e *booking.Error
	require.ErrorAs(t, err, &e, msgAndArgs...)
	assert.Equal(t, booking.Invalid, e.Code, msgAndArgs...)
	assert.Equal(t, field, e.Field, msgAndArgs...)
}
