package render_test

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
)

// hostileSeeds are texts that try to end a header or a calendar line and start one of their
// own, break out of a quoted parameter, or confuse the MIME structure.
var hostileSeeds = []string{
	"Intro call",
	"",
	"Intro\r\nBcc: victim@example.com",
	"Intro\nX-Injected: 1\n\nbody",
	"Intro\r\nATTENDEE;CN=Mallory:mailto:mallory@example.com",
	"Intro\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:second",
	"x\r\n END:VCALENDAR",
	`Mallory";ROLE=CHAIR;X="`,
	"Mallory:mailto:mallory@example.com",
	"=?utf-8?q?Bcc=3A_x?=",
	"--boundary\r\nContent-Type: text/html\r\n\r\n<script>",
	"\xff\xfe bad bytes \xc3\x28",
	"a\x00b\x0bc\x85d\u2028e\u2029f",
	"🎉 Ünïcödé 日本語",
	strings.Repeat("long line ", 200),
}

// FuzzRender feeds hostile titles, descriptions, names and guest addresses to the invite
// renderer. Whatever the text, the message has the same headers, the same MIME parts and the
// same calendar lines (properties and parameters) as one rendered from plain text: input can
// change what a value says, never add a header, a part, a property, a parameter or a component.
// A guest's message never carries the host link. Render refuses only with an Invalid error.
func FuzzRender(f *testing.F) {
	for i, s := range hostileSeeds {
		f.Add(s, hostileSeeds[(i+1)%len(hostileSeeds)], hostileSeeds[(i+2)%len(hostileSeeds)], "bob", i%2 == 0)
	}
	f.Add("Intro", "Agenda", "Bob", "j\u00f6rg", false)
	f.Add("Intro", "Agenda", "Bob", "bob\r\nBcc: x", true)
	f.Add("=?0?B??=", "Agenda", "=?0?B??=", "bob", true)
	f.Add("Intro", "Agenda", "=?utf-8?q?Bcc=3A_x?=", "bob", false)
	f.Fuzz(func(t *testing.T, title, desc, name, local string, host bool) {
		inv := fuzzInvite(host)
		plain := fuzzInvite(host)
		want := renderShape(t, plain)

		inv.Title, inv.Description = title, desc
		inv.Organizer.Name = name
		inv.Attendees[0].Name = name
		inv.Attendees[0].Email = local + "@example.net"
		if !host {
			inv.Recipient = inv.Attendees[0]
		} else {
			inv.Recipient.Name = name
		}
		if _, err := renderer.Invite(inv); err != nil {
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err), "a refusal is Invalid: %v", err)
			return
		}
		got := renderShape(t, inv)
		assert.Equal(t, want, got, "the message's structure does not depend on its text")
		if !host && !strings.Contains(title+desc+name+local, "HOST-SECRET-KEY") {
			m := invitetest.ParseStructure(t, mustRender(t, inv))
			for _, part := range []string{string(m.Raw), m.Text, m.HTML, string(m.Calendar)} {
				assert.NotContains(t, part, "HOST-SECRET-KEY", "a guest's message carries the host link")
			}
		}
	})
}

// FuzzRenderNotices does the same for the organizer's notices, whose title comes from the
// booking and whose waiting guest's name comes from the video provider.
func FuzzRenderNotices(f *testing.F) {
	for i, s := range hostileSeeds {
		f.Add(s, hostileSeeds[(i+3)%len(hostileSeeds)])
	}
	f.Fuzz(func(t *testing.T, title, name string) {
		end := start.Add(30 * time.Minute)
		notices := []func(title, name string) (booking.Message, error){
			func(title, name string) (booking.Message, error) {
				return renderer.Failure(&invite.Failure{From: from, Organizer: ada, Title: title, Start: start, End: end,
					Kind: booking.FailureRefused, Stamp: stamp})
			},
			func(title, name string) (booking.Message, error) {
				return renderer.Knock(&invite.Knock{From: from, Organizer: ada, Title: title, Start: start, End: end,
					Name: name, HostURL: hostURL, Stamp: stamp})
			},
		}
		for _, render := range notices {
			plain, err := render("Intro", "Bob")
			require.NoError(t, err)
			msg, err := render(title, name)
			require.NoError(t, err, "a notice's text is never refused")
			assert.Equal(t, mailShape(t, plain.Raw), mailShape(t, msg.Raw), "the notice's structure does not depend on its text")
		}
	})
}

func fuzzInvite(host bool) *invite.Invite {
	if host {
		inv := organizerRequest()
		inv.Attendees = []booking.Person{bob}
		return inv
	}
	inv := guestRequest()
	inv.HostURL = hostURL // the caller passes it; Render must leave it out
	return inv
}

func mustRender(t *testing.T, inv *invite.Invite) []byte {
	t.Helper()
	msg, err := renderer.Invite(inv)
	require.NoError(t, err)
	return msg.Raw
}

func renderShape(t *testing.T, inv *invite.Invite) string {
	t.Helper()
	return mailShape(t, mustRender(t, inv))
}

// mailShape describes a message without its text: the top-level header names, the MIME tree and,
// for a calendar, every component and property with its parameter names (but CN, which is left
// out for a person with no name).
func mailShape(t *testing.T, raw []byte) string {
	t.Helper()
	m := invitetest.ParseStructure(t, raw)
	e, err := message.Read(bytes.NewReader(raw))
	require.NoError(t, err)
	var b strings.Builder
	for f := e.Header.Fields(); f.Next(); {
		fmt.Fprintf(&b, "header %s\n", f.Key())
	}
	assert.NotContains(t, m.Subject, "\n")
	assert.NotContains(t, m.Subject, "\r")
	h := mail.Header{Header: e.Header}
	to, err := h.AddressList("To")
	require.NoError(t, err, "parse To")
	fmt.Fprintf(&b, "to %d\n", len(to))
	if m.Calendar == nil {
		return b.String()
	}
	cal, err := ical.NewDecoder(bytes.NewReader(m.Calendar)).Decode()
	require.NoError(t, err, "decode calendar")
	componentShape(&b, cal.Component, "")
	return b.String()
}

func componentShape(b *strings.Builder, c *ical.Component, indent string) {
	fmt.Fprintf(b, "%s%s\n", indent, c.Name)
	names := make([]string, 0, len(c.Props))
	for name := range c.Props {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, p := range c.Props[name] {
			params := make([]string, 0, len(p.Params))
			for k := range p.Params {
				if k != ical.ParamCommonName {
					params = append(params, k)
				}
			}
			slices.Sort(params)
			fmt.Fprintf(b, "%s  %s %v\n", indent, name, params)
		}
	}
	for _, child := range c.Children {
		componentShape(b, child, indent+"  ")
	}
}
