// Package invitetest checks the e-mails package render (shared/invite/render) makes, for the
// tests of any package that sends them (as net/http/httptest serves HTTP tests).
//
// Parse takes a raw message apart with github.com/emersion/go-message and fails the test unless
// it has the layout package render documents (RFC 6047 iMIP: a text/calendar part
// whose method= equals the calendar's METHOD, an identical invite.ics attachment), every line at
// most 998 octets (RFC 5322 §2.1.1) with CRLF endings, and a calendar folded at 75 octets
// (RFC 5545 §3.1). It then runs CheckICS, which hands the calendar to two outside validators:
// ical.js, the parser behind Thunderbird, and libical's RFC 5546 restriction check
// (icalrestriction_check, through libical_check.c).
//
// The validators need node with the repository's node_modules (npm ci) and a C compiler with
// libical-dev; `make test` installs both. When one is missing the test is skipped with a message
// saying how to install it, or fails if ROOMKEEPER_REQUIRE_BACKENDS=1.
package invitetest

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/require"
)

// Mail is a parsed message.
type Mail struct {
	Raw []byte
	// From, To and ReplyTo are the decoded address lists, each address written
	// "Name <address>" (or just the address when it has no name), joined with ", ".
	From, To, ReplyTo string
	Subject           string // decoded
	MessageID         string // without angle brackets
	Text, HTML        string // the decoded text/plain and text/html parts, CRLF line endings
	// Calendar is the decoded text/calendar part and CalendarMethod its method= parameter;
	// Attachment is the decoded invite.ics. All are empty for a mail without a calendar.
	Calendar       []byte
	CalendarMethod string
	Attachment     []byte
	// Method, UID and Sequence are read from the calendar's METHOD and its VEVENT.
	Method   string
	UID      string
	Sequence int
}

// MaxLine is the longest line RFC 5322 §2.1.1 allows, not counting CRLF. SES rejects longer ones.
const MaxLine = 998

// FoldLimit is the longest content line RFC 5545 §3.1 recommends, not counting CRLF.
const FoldLimit = 75

// Parse parses raw, an invitation (multipart/mixed{ multipart/alternative{ text/plain,
// text/html, text/calendar; method=… }, application/ics invite.ics }) or a plain notification
// (multipart/alternative{ text/plain, text/html }), fails t unless it is well formed as
// described in the package comment, and returns its parts. The calendar, if any, goes through
// CheckICS.
func Parse(t testing.TB, raw []byte) *Mail {
	t.Helper()
	m := ParseStructure(t, raw)
	if m.Calendar != nil {
		CheckICS(t, m.Calendar)
	}
	return m
}

// ParseStructure is Parse without the outside validators (ical.js and libical), which start a
// process per call: fuzz targets and tests that read thousands of messages use it.
func ParseStructure(t testing.TB, raw []byte) *Mail {
	t.Helper()
	require.NoError(t, checkLines(raw, MaxLine), "message lines")

	e, err := message.Read(bytes.NewReader(raw))
	require.NoError(t, err, "read message header")
	h := mail.Header{Header: e.Header}
	for _, k := range []string{"From", "To", "Subject", "Date", "Message-Id", "Mime-Version"} {
		require.Truef(t, h.Has(k), "header %s is missing", k)
	}
	m := &Mail{Raw: raw}
	m.From = addressList(t, h, "From")
	m.To = addressList(t, h, "To")
	m.ReplyTo = addressList(t, h, "Reply-To")
	m.Subject, err = h.Subject()
	require.NoError(t, err, "decode Subject")
	m.MessageID, err = h.MessageID()
	require.NoError(t, err, "parse Message-ID")
	_, err = h.Date()
	require.NoError(t, err, "parse Date")

	root := readPart(t, e)
	switch root.mediaType {
	case "multipart/mixed":
		require.Equal(t, []string{"multipart/alternative", "application/ics"}, types(root.children), "parts of multipart/mixed")
		alt, att := root.children[0], root.children[1]
		require.Equal(t, []string{"text/plain", "text/html", "text/calendar"}, types(alt.children), "parts of multipart/alternative")
		m.Text = leaf(t, alt.children[0], "text/plain")
		m.HTML = leaf(t, alt.children[1], "text/html")
		cal := alt.children[2]
		m.Calendar = []byte(leaf(t, cal, "text/calendar"))
		m.CalendarMethod = cal.params["method"]
		require.Empty(t, cal.header.Get("Content-Disposition"), "the text/calendar part is inline, with no disposition")

		require.Equal(t, "invite.ics", att.params["name"], "attachment name= parameter")
		disp, dparams, err := att.header.ContentDisposition()
		require.NoError(t, err, "attachment Content-Disposition")
		require.Equal(t, "attachment", disp, "attachment Content-Disposition")
		require.Equal(t, "invite.ics", dparams["filename"], "attachment filename")
		require.Equal(t, "base64", strings.ToLower(att.header.Get("Content-Transfer-Encoding")), "invite.ics must be base64 encoded")
		m.Attachment = att.body
		require.Equal(t, string(m.Calendar), string(m.Attachment), "invite.ics must equal the text/calendar part")

		m.Method, m.UID, m.Sequence = calendarFields(t, m.Calendar)
		require.NotEmpty(t, m.CalendarMethod, "text/calendar part has no method= parameter (RFC 6047)")
		require.Equal(t, m.Method, m.CalendarMethod, "text/calendar method= must equal METHOD (RFC 6047)")
		require.NoError(t, checkLines(m.Calendar, FoldLimit), "calendar lines (RFC 5545 §3.1)")
	case "multipart/alternative":
		require.Equal(t, []string{"text/plain", "text/html"}, types(root.children), "parts of a mail without calendar")
		m.Text = leaf(t, root.children[0], "text/plain")
		m.HTML = leaf(t, root.children[1], "text/html")
	default:
		require.Failf(t, "unexpected top-level Content-Type", "%q: want multipart/mixed or multipart/alternative", root.mediaType)
	}
	return m
}

// part is a MIME entity read completely: a multipart's children must be read in order, before
// the next part.
type part struct {
	header    message.Header
	mediaType string
	params    map[string]string
	body      []byte // decoded; leaves only
	children  []part // multiparts only
}

func readPart(t testing.TB, e *message.Entity) part {
	t.Helper()
	mt, params, err := e.Header.ContentType()
	require.NoError(t, err, "parse Content-Type")
	p := part{header: e.Header, mediaType: mt, params: params}
	if mr := e.MultipartReader(); mr != nil {
		for {
			child, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "read MIME part of %s", mt)
			p.children = append(p.children, readPart(t, child))
		}
		return p
	}
	p.body, err = io.ReadAll(e.Body)
	require.NoError(t, err, "decode %s part", mt)
	return p
}

func types(parts []part) []string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = p.mediaType
	}
	return s
}

func leaf(t testing.TB, p part, mediaType string) string {
	t.Helper()
	require.Equal(t, mediaType, p.mediaType, "part type")
	require.Equal(t, "base64", strings.ToLower(p.header.Get("Content-Transfer-Encoding")), "%s part must be base64 encoded", mediaType)
	require.Equal(t, "utf-8", strings.ToLower(p.params["charset"]), "%s charset", mediaType)
	require.True(t, utf8.Valid(p.body), "%s part is not valid UTF-8", mediaType)
	return string(p.body)
}

func addressList(t testing.TB, h mail.Header, key string) string {
	t.Helper()
	list, err := h.AddressList(key)
	require.NoError(t, err, "parse %s", key)
	s := make([]string, len(list))
	for i, a := range list {
		if a.Name == "" {
			s[i] = a.Address
		} else {
			s[i] = a.Name + " <" + a.Address + ">"
		}
	}
	return strings.Join(s, ", ")
}

// calendarFields reads METHOD, UID and SEQUENCE with go-ical, whose decoder panics on some
// malformed lines.
func calendarFields(t testing.TB, ics []byte) (method, uid string, seq int) {
	t.Helper()
	cal, err := decode(ics)
	require.NoError(t, err, "decode calendar")
	if p := cal.Props.Get(ical.PropMethod); p != nil {
		method = p.Value
	}
	events := cal.Events()
	require.Len(t, events, 1, "calendar must hold exactly one VEVENT")
	ev := events[0]
	uid, err = ev.Props.Text(ical.PropUID)
	require.NoError(t, err, "VEVENT UID")
	if p := ev.Props.Get(ical.PropSequence); p != nil {
		seq, err = strconv.Atoi(p.Value)
		require.NoError(t, err, "VEVENT SEQUENCE")
	}
	return method, uid, seq
}

func decode(ics []byte) (cal *ical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("go-ical decoder panicked: %v", r)
		}
	}()
	return ical.NewDecoder(bytes.NewReader(ics)).Decode()
}

// checkLines requires CRLF line endings, a final CRLF, and lines of at most max octets.
func checkLines(b []byte, max int) error {
	if len(b) == 0 {
		return fmt.Errorf("empty")
	}
	for n := 1; len(b) > 0; n++ {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return fmt.Errorf("does not end with CRLF")
		}
		line := b[:i]
		if len(line) == 0 || line[len(line)-1] != '\r' {
			return fmt.Errorf("line %d ends with a bare LF", n)
		}
		line = line[:len(line)-1]
		if bytes.IndexByte(line, '\r') >= 0 {
			return fmt.Errorf("line %d holds a bare CR", n)
		}
		if len(line) > max {
			return fmt.Errorf("line %d is %d octets long, more than %d", n, len(line), max)
		}
		b = b[i+1:]
	}
	return nil
}
