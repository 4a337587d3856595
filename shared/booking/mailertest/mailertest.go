// Package mailertest is the contract test suite of the booking.Mailer port
// (shared/booking/ports.go): every Mailer adapter — the outbox folder, SES v2 — runs Run from its
// own tests. Messages are RFC 5322 with MIME (RFC 2045–2049) parts; Normalize makes two copies of a
// message comparable when a mail service rewrites the fields it owns.
package mailertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Run runs the suite. newMailer returns a fresh mailer and readBack, which returns the message
// stored or captured under an id Send returned (failing t if there is none).
func Run(t *testing.T, newMailer func(t *testing.T) (m booking.Mailer, readBack func(t *testing.T, id string) []byte)) {
	tests := []struct {
		name string
		test func(t *testing.T, m booking.Mailer, readBack func(t *testing.T, id string) []byte)
	}{
		{"MultipartInviteRoundTrips", testRoundTrip},
		{"DistinctIDs", testDistinctIDs},
		{"CancelledContextFails", testCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, readBack := newMailer(t)
			tt.test(t, m, readBack)
		})
	}
}

const (
	from = "invites@roomkeeper.test"
	to   = "bjorn@example.net"
)

func testRoundTrip(t *testing.T, m booking.Mailer, readBack func(t *testing.T, id string) []byte) {
	raw := invite(t, "Møte: «Årsplan» – 10:00 ✓")
	id, err := m.Send(t.Context(), booking.Message{From: from, To: []string{to}, Raw: raw})
	require.NoError(t, err)
	require.NotEmpty(t, id)

	got := readBack(t, id)
	assert.Equal(t, string(Normalize(raw)), string(Normalize(got)))

	// The copy is still a message a mail client reads as the same invite.
	e, err := message.Read(bytes.NewReader(got))
	require.NoError(t, err)
	subject, err := (&mail.Header{Header: e.Header}).Subject()
	require.NoError(t, err)
	assert.Equal(t, "Møte: «Årsplan» – 10:00 ✓", subject)
	var types []string
	require.NoError(t, e.Walk(func(path []int, p *message.Entity, err error) error {
		require.NoError(t, err)
		ct, params, err := p.Header.ContentType()
		require.NoError(t, err)
		if ct == "text/calendar" {
			ct += ";method=" + params["method"]
			body, err := io.ReadAll(p.Body)
			require.NoError(t, err)
			assert.Contains(t, string(body), "METHOD:REQUEST")
		}
		types = append(types, ct)
		return nil
	}))
	assert.Equal(t, []string{
		"multipart/mixed", "multipart/alternative", "text/plain", "text/html",
		"text/calendar;method=REQUEST", "application/ics",
	}, types)
}

func testDistinctIDs(t *testing.T, m booking.Mailer, readBack func(t *testing.T, id string) []byte) {
	const n = 5
	ids := map[string]string{} // id → subject
	for i := range n {
		subject := fmt.Sprintf("Invite %d", i)
		id, err := m.Send(t.Context(), booking.Message{From: from, To: []string{to}, Raw: invite(t, subject)})
		require.NoError(t, err)
		require.NotContains(t, ids, id, "id of message %d was already used", i)
		ids[id] = subject
	}
	require.Len(t, ids, n)
	for id, subject := range ids {
		e, err := message.Read(bytes.NewReader(readBack(t, id)))
		require.NoError(t, err)
		got, err := (&mail.Header{Header: e.Header}).Subject()
		require.NoError(t, err)
		assert.Equal(t, subject, got, "message %s", id)
	}
}

func testCancelled(t *testing.T, m booking.Mailer, _ func(t *testing.T, id string) []byte) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	id, err := m.Send(ctx, booking.Message{From: from, To: []string{to}, Raw: invite(t, "Never sent")})
	require.Error(t, err)
	assert.Empty(t, id)
}

// invite builds the kind of message roomkeeper sends: multipart/mixed holding multipart/alternative
// (text, HTML, text/calendar; method=REQUEST) and the same calendar as an application/ics
// attachment, with non-ASCII names and subject.
func invite(t *testing.T, subject string) []byte {
	t.Helper()
	start := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	var h mail.Header
	h.SetDate(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	require.NoError(t, h.GenerateMessageIDWithHostname("roomkeeper.test"))
	h.SetAddressList("From", []*mail.Address{{Name: "roomkeeper på vegne av Åse", Address: from}})
	h.SetAddressList("To", []*mail.Address{{Name: "Bjørn Ødegård", Address: to}})
	h.SetAddressList("Reply-To", []*mail.Address{{Name: "Åse Ørn", Address: "ase@example.com"}})
	h.SetSubject(subject)

	cal := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//roomkeeper//mailertest//EN",
		"METHOD:REQUEST",
		"BEGIN:VEVENT",
		"UID:mailertest-1@roomkeeper.test",
		"DTSTAMP:20261122T100000Z",
		"DTSTART:" + start.Format("20060102T150405Z"),
		"DTEND:" + start.Add(30*time.Minute).Format("20060102T150405Z"),
		"SEQUENCE:0",
		"SUMMARY:" + subject,
		`ORGANIZER;CN="Åse Ørn":mailto:ase@example.com`,
		`ATTENDEE;CN="Bjørn Ødegård";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:` + to,
		"LOCATION:https://example.whereby.com/room-rkabcdefghijklmg1",
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	}, "\r\n")

	var buf bytes.Buffer
	w, err := mail.CreateWriter(&buf, h)
	require.NoError(t, err)
	alt, err := w.CreateInline()
	require.NoError(t, err)
	inline := func(contentType string, params map[string]string, body string) {
		var ph mail.InlineHeader
		ph.SetContentType(contentType, params)
		pw, err := alt.CreatePart(ph)
		require.NoError(t, err)
		_, err = io.WriteString(pw, body)
		require.NoError(t, err)
		require.NoError(t, pw.Close())
	}
	inline("text/plain", map[string]string{"charset": "utf-8"},
		"Hei Bjørn,\r\n\r\nJoin: https://example.whereby.com/room-rkabcdefghijklmg1\r\nDial in: tel:+4721930000,123456%23\r\n")
	inline("text/html", map[string]string{"charset": "utf-8"},
		`<!DOCTYPE html><html><body><p>Hei Bjørn,</p><p><a href="https://example.whereby.com/room-rkabcdefghijklmg1">Join</a></p></body></html>`+"\r\n")
	inline("text/calendar", map[string]string{"charset": "utf-8", "method": "REQUEST"}, cal)
	require.NoError(t, alt.Close())

	var ah mail.AttachmentHeader
	ah.SetContentType("application/ics", map[string]string{"name": "invite.ics"})
	ah.SetFilename("invite.ics")
	aw, err := w.CreateAttachment(ah)
	require.NoError(t, err)
	_, err = io.WriteString(aw, cal)
	require.NoError(t, err)
	require.NoError(t, aw.Close())
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// Tokens Normalize writes in place of the values a mail service may set.
const (
	DateToken      = "<date>"
	MessageIDToken = "<message-id>"
)

// BoundaryToken returns the placeholder Normalize writes for the n-th MIME boundary (from 1) in
// order of first declaration.
func BoundaryToken(n int) string { return fmt.Sprintf("boundary-%d", n) }

// Normalize returns a copy of a raw message that ignores what a mail service may legitimately
// change: line endings become CRLF; the values of every Date and Message-ID header field become
// DateToken and MessageIDToken; and every MIME boundary declared by a Content-Type boundary
// parameter becomes BoundaryToken(n), numbered in order of declaration. Everything else is kept
// byte for byte, so two messages that differ in content still differ.
func Normalize(raw []byte) []byte {
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\r", "\n"), "\n")
	var (
		out        []string
		boundaries []string
		inHeader   = true
		field      []string // the lines of the header field being read
	)
	flush := func() {
		if len(field) == 0 {
			return
		}
		name, value, _ := strings.Cut(strings.Join(field, ""), ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "date":
			out = append(out, "Date: "+DateToken)
		case "message-id":
			out = append(out, "Message-ID: "+MessageIDToken)
		case "content-type":
			if _, params, err := mime.ParseMediaType(value); err == nil && params["boundary"] != "" &&
				!slices.Contains(boundaries, params["boundary"]) {
				boundaries = append(boundaries, params["boundary"])
			}
			out = append(out, field...)
		default:
			out = append(out, field...)
		}
		field = nil
	}
	for _, line := range lines {
		if inHeader {
			switch {
			case line == "":
				flush()
				inHeader = false
				out = append(out, line)
			case (line[0] == ' ' || line[0] == '\t') && len(field) > 0:
				field = append(field, line)
			default:
				flush()
				field = []string{line}
			}
			continue
		}
		// A delimiter line starts the header section of the next part.
		if d, ok := strings.CutPrefix(strings.TrimRight(line, " \t"), "--"); ok && slices.Contains(boundaries, d) {
			inHeader = true
		}
		out = append(out, line)
	}
	flush()

	s := strings.Join(out, "\r\n")
	// Replace longer boundaries first, in case one contains another.
	order := slices.Clone(boundaries)
	slices.SortStableFunc(order, func(a, b string) int { return len(b) - len(a) })
	for _, b := range order {
		s = strings.ReplaceAll(s, b, BoundaryToken(slices.Index(boundaries, b)+1))
	}
	return []byte(s)
}
