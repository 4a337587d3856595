package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// envelope is what the top-level header of a message says.
type envelope struct {
	from, to, replyTo *mail.Address // replyTo may be nil
	subject           string
	date              time.Time
	seed              [sha256.Size]byte // makes the boundaries and the Message-ID
}

// assemble writes the message: multipart/mixed{ multipart/alternative{ text/plain, text/html,
// text/calendar; method=<method> }, application/ics invite.ics } when ics is set, else
// multipart/alternative{ text/plain, text/html }. Every part is base64 in 76-column lines.
//
// The header fields that carry user text (Subject, display names) go through go-message, which
// RFC 2047-encodes and folds them. Everything else is fixed-format ASCII and written here, as is
// the MIME tree: go-message's writers draw random boundaries, and the output must be
// deterministic.
func assemble(env *envelope, text, html, ics []byte, method string) ([]byte, error) {
	// The boundaries start with "=_", which base64 bodies cannot contain, and differ in their
	// third character, so neither is a prefix of the other.
	tail := hex.EncodeToString(env.seed[16:28])
	alt, mixed := "=_a"+tail, "=_m"+tail

	buf := bytes.NewBuffer(make([]byte, 0, (len(text)+len(html)+2*len(ics))*140/100+2048))
	// The fields carrying user text go through go-message, which writes them in the reverse
	// order of insertion.
	var h mail.Header
	// Text that reads as an RFC 2047 encoded word ("=?utf-8?q?…?=") would be decoded by the
	// reader into something the title never said. A word joiner (invisible) between "=" and "?"
	// stops that, and being non-ASCII it makes go-message encode the whole subject.
	h.SetSubject(strings.ReplaceAll(env.subject, "=?", "=\u2060?"))
	if env.replyTo != nil {
		h.SetAddressList("Reply-To", []*mail.Address{env.replyTo})
	}
	h.SetAddressList("To", []*mail.Address{env.to})
	h.SetAddressList("From", []*mail.Address{env.from})
	if err := textproto.WriteHeader(buf, h.Header.Header); err != nil {
		return nil, fmt.Errorf("write message header: %w", err)
	}
	// The fixed-format fields follow, before the blank line that ends the header.
	buf.Truncate(buf.Len() - len("\r\n"))
	buf.WriteString("Date: ")
	buf.Write(env.date.UTC().AppendFormat(buf.AvailableBuffer(), time.RFC1123Z))
	// The Message-ID's domain is the sender's, which the sender controls.
	buf.WriteString("\r\nMessage-ID: <")
	buf.Write(hex.AppendEncode(buf.AvailableBuffer(), env.seed[:16]))
	buf.WriteString("@" + env.from.Address[strings.LastIndexByte(env.from.Address, '@')+1:] + ">\r\n")
	buf.WriteString("MIME-Version: 1.0\r\n")
	if ics == nil {
		buf.WriteString(`Content-Type: multipart/alternative; boundary="` + alt + "\"\r\n\r\n")
		writeAlternative(buf, alt, text, html, nil, "")
		buf.WriteString("\r\n")
		return buf.Bytes(), nil
	}
	buf.WriteString(`Content-Type: multipart/mixed; boundary="` + mixed + "\"\r\n\r\n")
	buf.WriteString("--" + mixed + "\r\n")
	buf.WriteString(`Content-Type: multipart/alternative; boundary="` + alt + "\"\r\n\r\n")
	writeAlternative(buf, alt, text, html, ics, method)
	buf.WriteString("\r\n--" + mixed + "\r\n")
	writePart(buf, "Content-Type: application/ics; name=\"invite.ics\"\r\n"+
		"Content-Disposition: attachment; filename=\"invite.ics\"\r\n", ics)
	buf.WriteString("--" + mixed + "--\r\n")
	return buf.Bytes(), nil
}

// writeAlternative writes the body of a multipart/alternative with boundary b: the readable
// parts, then the calendar when ics is set (RFC 6047: method= equals the calendar's METHOD; no
// Content-Disposition, as Google sends it).
func writeAlternative(buf *bytes.Buffer, b string, text, html, ics []byte, method string) {
	buf.WriteString("--" + b + "\r\n")
	writePart(buf, "Content-Type: text/plain; charset=UTF-8\r\n", text)
	buf.WriteString("--" + b + "\r\n")
	writePart(buf, "Content-Type: text/html; charset=UTF-8\r\n", html)
	if ics != nil {
		buf.WriteString("--" + b + "\r\n")
		writePart(buf, "Content-Type: text/calendar; charset=UTF-8; method="+method+"\r\n", ics)
	}
	buf.WriteString("--" + b + "--")
}

// writePart writes a part's header fields, the transfer encoding and its body in base64 lines
// of 76 characters. The CRLF ending the last line is the one that starts the next boundary
// delimiter (RFC 2046 §5.1.1).
func writePart(buf *bytes.Buffer, fields string, body []byte) {
	buf.WriteString(fields)
	buf.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	const chunk = 57 // bytes per 76-character line
	var line [76]byte
	for len(body) > 0 {
		n := min(len(body), chunk)
		base64.StdEncoding.Encode(line[:], body[:n])
		buf.Write(line[:base64.StdEncoding.EncodedLen(n)])
		buf.WriteString("\r\n")
		body = body[n:]
	}
}
