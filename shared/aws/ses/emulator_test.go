package ses_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/ses"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/mailertest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/invite/render"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
)

// guestInvite renders the message a guest gets: multipart/mixed{ multipart/alternative{ text,
// HTML, text/calendar; method=REQUEST }, invite.ics }, with non-ASCII names and dial-in.
func guestInvite(t *testing.T) booking.Message {
	t.Helper()
	start := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	organizer := booking.Person{Name: "Åse Ørn", Email: "ase@example.com", TimeZone: "Europe/Oslo"}
	guest := booking.Person{Name: "Bjørn Ødegård", Email: "bjorn@example.net", TimeZone: "America/New_York"}
	msg, err := render.Renderer{}.Invite(&invite.Invite{
		Method:      booking.Request,
		UID:         "ses-compare-1@roomkeeper.test",
		Stamp:       time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Title:       "Møte: «Årsplan» ✓",
		Description: "Agenda:\n- status\n- neste steg",
		Start:       start,
		End:         start.Add(30 * time.Minute),
		Organizer:   organizer,
		Attendees:   []booking.Person{guest},
		Recipient:   guest,
		GuestURL:    "https://roomkeeper.whereby.com/intro-rkabcdefghijklmg0",
		DialIn: &booking.DialIn{Code: "123456", Numbers: []booking.PhoneNumber{
			{E164: "+4721000000", Country: "NO", Tel: "tel:+4721000000,123456"},
		}},
		Calendar: true,
		From:     "roomkeeper <invites@roomkeeper.test>",
	})
	require.NoError(t, err)
	return msg
}

// leaf is one MIME leaf part of a message.
type leaf struct {
	partID      string // IMAP numbering: "1.3" is the third part of the first part
	mediaType   string
	params      map[string]string
	disposition string
	filename    string
	body        []byte // decoded
}

// leaves returns a message's header and its leaf parts in order.
func leaves(t *testing.T, raw []byte) (mail.Header, []leaf) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	require.NoError(t, err)
	var out []leaf
	require.NoError(t, e.Walk(func(path []int, p *message.Entity, err error) error {
		require.NoError(t, err)
		mt, params, err := p.Header.ContentType()
		require.NoError(t, err)
		if strings.HasPrefix(mt, "multipart/") {
			return nil
		}
		ids := make([]string, len(path))
		for i, n := range path {
			ids[i] = strconv.Itoa(n + 1)
		}
		l := leaf{partID: strings.Join(ids, "."), mediaType: mt, params: params}
		if cd := p.Header.Get("Content-Disposition"); cd != "" {
			disp, dparams, err := mime.ParseMediaType(cd)
			require.NoError(t, err)
			l.disposition, l.filename = disp, dparams["filename"]
		}
		l.body, err = io.ReadAll(p.Body)
		require.NoError(t, err)
		out = append(out, l)
		return nil
	}))
	return mail.Header{Header: e.Header}, out
}

func addresses(t *testing.T, h mail.Header, key string) []*mail.Address {
	t.Helper()
	list, err := h.AddressList(key)
	require.NoError(t, err)
	return list
}

// TestEmulatorCopiesAgreeWithOutbox sends one rendered invite through the outbox (the local
// Mailer) and through SES to aws-ses-v2-local, and compares what each keeps.
//
// The issue asks that the message read back through the emulator's raw-message endpoint equal the
// outbox copy once Date, Message-ID and MIME boundaries are normalised. aws-ses-v2-local cannot do
// that: it keeps no raw bytes, and GET /get-emlContent rebuilds a message (emulator.SESRebuilt
// lists what that loses). So the test checks three things:
//  1. the bytes the emulator accepted for the MessageId SES returned equal the outbox copy, after
//     normalising and before (invite output is deterministic);
//  2. the emulator's parsed copy agrees with the outbox copy on everything it keeps: addresses,
//     subject, text and HTML bodies, and for every other part its position, media type,
//     disposition, file name and decoded bytes;
//  3. the rebuilt copy agrees on what it keeps, and loses exactly what SESRebuilt says (so that
//     list cannot go stale unnoticed).
func TestEmulatorCopiesAgreeWithOutbox(t *testing.T) {
	msg := guestInvite(t)

	box, err := outbox.New(t.TempDir(), nil)
	require.NoError(t, err)
	boxID, err := box.Send(t.Context(), msg)
	require.NoError(t, err)
	want, err := box.Read(boxID)
	require.NoError(t, err)

	endpoint := emulator.SESLocal(t)
	id, err := ses.New(sesv2.NewFromConfig(emulator.AWSConfig(endpoint)), "").Send(t.Context(), msg)
	require.NoError(t, err)

	wantHeader, wantLeaves := leaves(t, want)
	require.Len(t, wantLeaves, 4, "text, HTML, calendar, invite.ics")

	t.Run("accepted bytes", func(t *testing.T) {
		got := emulator.SESRaw(t, endpoint, id)
		assert.Equal(t, string(mailertest.Normalize(want)), string(mailertest.Normalize(got)))
		assert.Equal(t, want, got, "byte for byte")
	})

	t.Run("stored copy", func(t *testing.T) {
		stored := storedMessage(t, endpoint, id)
		for _, f := range []struct {
			key string
			got []string
		}{{"From", []string{stored.From}}, {"To", stored.Destination.To}, {"Reply-To", stored.ReplyTo}} {
			var got []*mail.Address
			for _, s := range f.got {
				got = append(got, parseAddress(t, s))
			}
			assert.Equal(t, addresses(t, wantHeader, f.key), got, f.key)
		}
		subject, err := wantHeader.Subject()
		require.NoError(t, err)
		assert.Equal(t, subject, stored.Subject)

		var attachments []leaf
		for _, l := range wantLeaves {
			switch l.mediaType {
			case "text/plain":
				assert.Equal(t, lf(l.body), stored.Body.Text, "text body, CRLF as LF")
			case "text/html":
				assert.Equal(t, lf(l.body), stored.Body.HTML, "HTML body, CRLF as LF")
			default:
				attachments = append(attachments, l)
			}
		}
		require.Len(t, stored.Attachments, len(attachments))
		for i, l := range attachments {
			got := stored.Attachments[i]
			assert.Equal(t, l.partID, got.PartID, "part %s: position", l.partID)
			assert.Equal(t, l.mediaType, got.ContentType, "part %s: media type", l.partID)
			assert.Equal(t, l.disposition, got.ContentDisposition, "part %s: disposition", l.partID)
			assert.Equal(t, l.filename, got.Filename, "part %s: file name", l.partID)
			assert.Equal(t, string(l.body), string(got.Content), "part %s: decoded body", l.partID)
			assert.Equal(t, len(l.body), got.Size, "part %s: size", l.partID)
		}
		// What the parsed copy cannot show: the calendar part's method=REQUEST and charset, and
		// the Date and Message-ID, are not stored at all.
		assert.Equal(t, "REQUEST", attachments[0].params["method"], "the outbox copy has the method")
		assert.Empty(t, stored.Headers, "no header fields are stored for Raw content")
	})

	t.Run("rebuilt copy", func(t *testing.T) {
		rebuilt := emulator.SESRebuilt(t, endpoint, id)
		gotHeader, gotLeaves := leaves(t, rebuilt)
		for _, key := range []string{"From", "To", "Reply-To"} {
			assert.Equal(t, addresses(t, wantHeader, key), addresses(t, gotHeader, key), key)
		}
		wantSubject, err := wantHeader.Subject()
		require.NoError(t, err)
		gotSubject, err := gotHeader.Subject()
		require.NoError(t, err)
		assert.Equal(t, wantSubject, gotSubject)
		require.Len(t, gotLeaves, len(wantLeaves))
		for i := range 2 { // text and HTML keep their type, charset and decoded text
			w, g := wantLeaves[i], gotLeaves[i]
			assert.Equal(t, w.mediaType, g.mediaType)
			assert.Equal(t, strings.ToLower(w.params["charset"]), strings.ToLower(g.params["charset"]), "%s charset", w.mediaType)
			assert.Equal(t, lf(w.body), lf(g.body), "%s body, CRLF as LF", w.mediaType)
		}

		// What it loses (emulator.SESRebuilt). If one of these fails, aws-ses-v2-local has changed:
		// update SESRebuilt's list, and use the raw-message endpoint where it is now faithful.
		wantDate, err := wantHeader.Date()
		require.NoError(t, err)
		gotDate, err := gotHeader.Date()
		require.NoError(t, err)
		assert.NotEqual(t, wantDate, gotDate, "Date is the time of receipt")
		assert.NotEqual(t, wantHeader.Get("Message-Id"), gotHeader.Get("Message-Id"), "Message-ID is new")
		cal, ics := gotLeaves[2], gotLeaves[3]
		assert.Equal(t, "text/calendar", cal.mediaType)
		assert.Equal(t, "2", cal.partID, "the calendar part left multipart/alternative")
		assert.Equal(t, map[string]string{"name": "attachment-1.ics"}, cal.params, "charset and method=REQUEST are lost")
		assert.Equal(t, "attachment", cal.disposition, "the calendar part becomes an attachment")
		assert.Equal(t, "attachment-1.ics", cal.filename)
		for _, l := range []leaf{cal, ics} {
			original := wantLeaves[3].body
			assert.Equal(t, base64.StdEncoding.EncodeToString(original), string(l.body),
				"part %s comes back base64-encoded twice", l.partID)
		}
	})
}

// parseAddress parses an address the way the emulator writes it (`"Name" <addr>`).
func parseAddress(t *testing.T, s string) *mail.Address {
	t.Helper()
	a, err := mail.ParseAddress(s)
	require.NoError(t, err, "address %q", s)
	return a
}

// lf turns CRLF into LF, as mailparser does with text bodies.
func lf(b []byte) string { return strings.ReplaceAll(string(b), "\r\n", "\n") }
