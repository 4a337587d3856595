package invitetest_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/invite/render"
)

// fakeTB records what a check reports instead of failing the real test. FailNow, Fatal and Skip
// end the goroutine, as they do on a testing.T, so run calls the check on its own goroutine.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	failed  bool
	skipped bool
	msgs    []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) record(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, msg)
}

func (f *fakeTB) Fail() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
}

func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func (f *fakeTB) Log(args ...any)                 { f.record(fmt.Sprint(args...)) }
func (f *fakeTB) Logf(format string, args ...any) { f.record(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Error(args ...any)               { f.Log(args...); f.Fail() }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.Logf(format, args...)
	f.Fail()
}
func (f *fakeTB) FailNow()                          { f.Fail(); runtime.Goexit() }
func (f *fakeTB) Fatal(args ...any)                 { f.Error(args...); runtime.Goexit() }
func (f *fakeTB) Fatalf(format string, args ...any) { f.Errorf(format, args...); runtime.Goexit() }
func (f *fakeTB) SkipNow() {
	f.mu.Lock()
	f.skipped = true
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Skip(args ...any)                 { f.Log(args...); f.SkipNow() }
func (f *fakeTB) Skipf(format string, args ...any) { f.Logf(format, args...); f.SkipNow() }

// run calls check with a fakeTB and returns it. A skipped check skips t: the validators are
// missing, which the real test reports the same way.
func run(t *testing.T, check func(testing.TB)) *fakeTB {
	t.Helper()
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(f)
	}()
	<-done
	if f.skipped {
		t.Skip(strings.Join(f.msgs, "\n"))
	}
	return f
}

func (f *fakeTB) output() string { return strings.Join(f.msgs, "\n") }

// sample is a known-good REQUEST, written with go-ical and folded, that ical.js parses and
// libical's icalrestriction_check accepts; the tests break it in known ways.
const sample = `BEGIN:VCALENDAR
METHOD:REQUEST
PRODID:-//Acme//Meetings 1.0//EN
VERSION:2.0
BEGIN:VEVENT
ATTENDEE;CN=Jane Guest;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE
 :mailto:jane@guest.example
CONFERENCE;FEATURE=AUDIO,VIDEO;LABEL=Video room;VALUE=URI:https://video.exa
 mple.com/r/abc-def
CONFERENCE;FEATURE=PHONE;LABEL=Dial-in (US);VALUE=URI:tel:+16465550100,,123
 456789%23
DESCRIPTION:Join video: https://video.example.com/r/abc-def\nJoin by phone 
 (tap on mobile): +1 646-555-0100\,\,123456789#\nDial-in: +1 646 555 0100 /
  access code 123 456 789#
DTEND:20260310T193000Z
DTSTAMP:20260301T120000Z
DTSTART:20260310T190000Z
LOCATION:https://video.example.com/r/abc-def
ORGANIZER;CN=Acme Scheduling:mailto:meetings@acme.example
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Intro call with Acme
UID:7f1c2a9e-3b7d-4c1e-9a51-0d6f2b8e4c11
URL:https://video.example.com/r/abc-def
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Reminder: Intro call with Acme
TRIGGER:-PT15M
END:VALARM
END:VEVENT
END:VCALENDAR
`

// cancel turns a REQUEST into its CANCEL: no alarm, which RFC 5546 does not allow there.
func cancel(s string) string {
	s = strings.Replace(s, "METHOD:REQUEST", "METHOD:CANCEL", 1)
	i, j := strings.Index(s, "BEGIN:VALARM\n"), strings.Index(s, "END:VALARM\n")
	return s[:i] + s[j+len("END:VALARM\n"):]
}

func ics(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// without drops the content lines (and their continuations) that start with prefix.
func without(s, prefix string) string {
	var out []string
	skipping := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, " ") && skipping {
			continue
		}
		skipping = strings.HasPrefix(line, prefix)
		if !skipping {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func TestCheckICSAcceptsValidCalendars(t *testing.T) {
	f := run(t, func(tb testing.TB) {
		invitetest.CheckICS(tb, ics(sample), ics(cancel(sample)))
	})
	assert.False(t, f.Failed(), f.output())
}

func TestCheckICSRejectsBrokenCalendars(t *testing.T) {
	tests := []struct {
		name string
		ics  string
		want string // in the failure output
	}{
		{"REQUEST without ATTENDEE", without(sample, "ATTENDEE"), "Expected one or more instances of the property and got 0"},
		{"no ORGANIZER", without(sample, "ORGANIZER"), "ORGANIZER"},
		{"CANCEL without SEQUENCE", without(cancel(sample), "SEQUENCE"), "SEQUENCE"},
		{"CANCEL with VALARM", strings.Replace(sample, "METHOD:REQUEST", "METHOD:CANCEL", 1), "VALARM in a CANCEL"},
		{"no METHOD", without(sample, "METHOD"), "no METHOD"},
		{"VALARM without TRIGGER", without(sample, "TRIGGER"), "TRIGGER"},
		{"VALARM without ACTION", without(sample, "ACTION"), "ACTION"},
		{"VALARM TRIGGER not a duration", strings.Replace(sample, "TRIGGER:-PT15M", "TRIGGER:soon", 1), "ical.js"},
		{"DISPLAY VALARM without DESCRIPTION", without(sample, "DESCRIPTION:Reminder"), "DESCRIPTION"},
		{"garbage", "this is not a calendar\n", "ical.js: invalid line"},
		{"unterminated", strings.TrimSuffix(sample, "END:VCALENDAR\n"), "ical.js"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := run(t, func(tb testing.TB) { invitetest.CheckICS(tb, ics(tt.ics)) })
			require.True(t, f.Failed(), "CheckICS accepted a broken calendar")
			assert.Contains(t, f.output(), tt.want)
		})
	}

	t.Run("batch names the broken calendar", func(t *testing.T) {
		f := run(t, func(tb testing.TB) {
			invitetest.CheckICS(tb, ics(sample), ics(without(sample, "ATTENDEE")), ics(sample))
		})
		require.True(t, f.Failed())
		assert.Contains(t, f.output(), "calendar 2 of 3")
		assert.NotContains(t, f.output(), "calendar 1 of 3")
		assert.NotContains(t, f.output(), "calendar 3 of 3")
	})
}

func TestCheckICSMissingBackend(t *testing.T) {
	// With no node on PATH the first CheckICS in a process would skip or fail; the backends
	// are found once per process, so this is shown by a child process.
	if os.Getenv("INVITETEST_CHILD") == "1" {
		invitetest.CheckICS(t, ics(sample))
		return
	}
	for _, req := range []string{"", "1"} {
		t.Run(invitetest.RequireBackendsEnv+"="+req, func(t *testing.T) {
			exe, err := os.Executable()
			require.NoError(t, err)
			cmd := exec.Command(exe, "-test.run=^TestCheckICSMissingBackend$", "-test.v")
			cmd.Env = append(os.Environ(), "INVITETEST_CHILD=1", "PATH=/nonexistent", invitetest.RequireBackendsEnv+"="+req)
			b, err := cmd.CombinedOutput()
			out := string(b)
			assert.Contains(t, out, "node is not installed")
			if req == "1" {
				assert.Error(t, err, "a missing backend fails when required")
				assert.Contains(t, out, "--- FAIL")
			} else {
				assert.NoError(t, err, out)
				assert.Contains(t, out, "--- SKIP")
			}
		})
	}
}

func TestParseAcceptsRenderedMail(t *testing.T) {
	raw := rendered(t, booking.Request)
	m := invitetest.Parse(t, raw)
	assert.Equal(t, "roomkeeper <invites@localhost>", m.From)
	assert.Equal(t, "Bob Guest <bob@example.net>", m.To)
	assert.Equal(t, "Ada Host <ada@example.com>", m.ReplyTo)
	assert.Equal(t, "Updated invitation: Intro call @ Mon 23 Nov 2026 15:00 UTC", m.Subject)
	assert.Equal(t, "REQUEST", m.Method)
	assert.Equal(t, "REQUEST", m.CalendarMethod)
	assert.Equal(t, "uid-1", m.UID)
	assert.Equal(t, 3, m.Sequence)
	assert.Contains(t, m.Text, "https://rooms.example/r/1")
	assert.Contains(t, m.HTML, `href="https://rooms.example/r/1"`)
	assert.Equal(t, m.Calendar, m.Attachment)
}

func TestParseRejectsMalformedMail(t *testing.T) {
	good := rendered(t, booking.Request)
	cal := invitetest.Parse(t, good).Calendar
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"LF line endings", bytes.ReplaceAll(good, []byte("\r\n"), []byte("\n")), "bare LF"},
		{"line over 998 octets", append([]byte("X-Long: "+strings.Repeat("x", 1000)+"\r\n"), good...), "more than 998"},
		{"method parameter differs from METHOD", bytes.Replace(good, []byte("method=REQUEST"), []byte("method=CANCEL"), 1), "method= must equal METHOD"},
		{"attachment differs", build(t, cal, bytes.Replace(cal, []byte("SEQUENCE:3"), []byte("SEQUENCE:4"), 1), "REQUEST"), "invite.ics must equal"},
		{"calendar not folded", build(t, unfold(cal), unfold(cal), "REQUEST"), "more than 75"},
		{"calendar rejected by validators", build(t, dropAttendee(cal), dropAttendee(cal), "REQUEST"), "ATTENDEE"},
		{"alternative without HTML", buildAlternative(t, false), "parts of a mail without calendar"},
		{"not a multipart", []byte("From: a@b.example\r\nTo: c@d.example\r\nSubject: x\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-Id: <1@b.example>\r\nMime-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello\r\n"), "unexpected top-level Content-Type"},
		{"no Date", bytes.Replace(good, []byte("Date:"), []byte("X-Date:"), 1), "header Date is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := run(t, func(tb testing.TB) { invitetest.Parse(tb, tt.raw) })
			require.True(t, f.Failed(), "Parse accepted a malformed mail")
			assert.Contains(t, f.output(), tt.want)
		})
	}
}

// TestParseStructureLeavesTheCalendarToTheValidators: ParseStructure checks the message's layout as Parse does,
// but a calendar only the outside validators reject passes it.
func TestParseStructureLeavesTheCalendarToTheValidators(t *testing.T) {
	good := rendered(t, booking.Request)
	m := invitetest.ParseStructure(t, good)
	assert.Equal(t, "REQUEST", m.Method)
	assert.Equal(t, 3, m.Sequence)

	cal := dropAttendee(m.Calendar)
	bad := build(t, cal, cal, "REQUEST")
	f := run(t, func(tb testing.TB) { invitetest.ParseStructure(tb, bad) })
	assert.False(t, f.Failed(), f.output())
	f = run(t, func(tb testing.TB) {
		invitetest.ParseStructure(tb, bytes.ReplaceAll(good, []byte("\r\n"), []byte("\n")))
	})
	assert.True(t, f.Failed(), "the layout is still checked")
}

func TestParseAcceptsPlainNotification(t *testing.T) {
	m := invitetest.Parse(t, buildAlternative(t, true))
	assert.Contains(t, m.Text, "plain")
	assert.Empty(t, m.Calendar)
	assert.Empty(t, m.Method)
}

func rendered(t *testing.T, method booking.Method) []byte {
	t.Helper()
	start := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	msg, err := render.Renderer{}.Invite(&invite.Invite{
		Method: method, UID: "uid-1", Sequence: 3, Updated: true, Stamp: start.Add(-time.Hour),
		Title: "Intro call", Start: start, End: start.Add(30 * time.Minute),
		Organizer: booking.Person{Name: "Ada Host", Email: "ada@example.com"},
		Attendees: []booking.Person{{Name: "Bob Guest", Email: "bob@example.net"}},
		Recipient: booking.Person{Name: "Bob Guest", Email: "bob@example.net"},
		GuestURL:  "https://rooms.example/r/1", Calendar: true, From: "roomkeeper <invites@localhost>",
	})
	require.NoError(t, err)
	return msg.Raw
}

// build writes an invitation with the given calendar part and attachment through go-message's
// own mail writer.
func build(t *testing.T, calendar, attachment []byte, method string) []byte {
	t.Helper()
	var buf bytes.Buffer
	h := header()
	w, err := mail.CreateWriter(&buf, h)
	require.NoError(t, err)
	iw, err := w.CreateInline()
	require.NoError(t, err)
	for _, p := range []struct {
		typ    string
		params map[string]string
		body   []byte
	}{
		{"text/plain", nil, []byte("plain\r\n")},
		{"text/html", nil, []byte("<p>html</p>\r\n")},
		{"text/calendar", map[string]string{"method": method}, calendar},
	} {
		var ph mail.InlineHeader
		params := map[string]string{"charset": "UTF-8"}
		for k, v := range p.params {
			params[k] = v
		}
		ph.SetContentType(p.typ, params)
		ph.Set("Content-Transfer-Encoding", "base64")
		pw, err := iw.CreatePart(ph)
		require.NoError(t, err)
		_, err = pw.Write(p.body)
		require.NoError(t, err)
		require.NoError(t, pw.Close())
	}
	require.NoError(t, iw.Close())
	var ah mail.AttachmentHeader
	ah.SetContentType("application/ics", map[string]string{"name": "invite.ics"})
	ah.SetFilename("invite.ics")
	aw, err := w.CreateAttachment(ah)
	require.NoError(t, err)
	_, err = aw.Write(attachment)
	require.NoError(t, err)
	require.NoError(t, aw.Close())
	require.NoError(t, w.Close())
	return stripDisposition(buf.Bytes())
}

// buildAlternative writes a multipart/alternative mail: text and HTML when complete, else text
// only.
func buildAlternative(t *testing.T, complete bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := mail.CreateInlineWriter(&buf, header())
	require.NoError(t, err)
	parts := []string{"text/plain"}
	if complete {
		parts = append(parts, "text/html")
	}
	for _, typ := range parts {
		var ph mail.InlineHeader
		ph.SetContentType(typ, map[string]string{"charset": "UTF-8"})
		ph.Set("Content-Transfer-Encoding", "base64")
		pw, err := w.CreatePart(ph)
		require.NoError(t, err)
		_, err = pw.Write([]byte("plain\r\n"))
		require.NoError(t, err)
		require.NoError(t, pw.Close())
	}
	require.NoError(t, w.Close())
	return stripDisposition(buf.Bytes())
}

func header() mail.Header {
	var h mail.Header
	h.SetAddressList("From", []*mail.Address{{Address: "invites@localhost"}})
	h.SetAddressList("To", []*mail.Address{{Address: "bob@example.net"}})
	h.SetSubject("test")
	h.SetDate(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	h.SetMessageID("1@localhost")
	return h
}

// stripDisposition removes the "Content-Disposition: inline" mail.InlineHeader adds, which
// Parse does not expect on the calendar part.
func stripDisposition(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("Content-Disposition: inline\r\n"), nil)
}

func unfold(ics []byte) []byte { return bytes.ReplaceAll(ics, []byte("\r\n "), nil) }

func dropAttendee(ics []byte) []byte {
	return []byte(strings.ReplaceAll(without(strings.ReplaceAll(string(ics), "\r\n", "\n"), "ATTENDEE"), "\n", "\r\n"))
}
