package render

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
)

// ProductID is the calendar's PRODID.
const ProductID = "-//roomkeeper//roomkeeper 1.0//EN"

// calendar writes the iCalendar object of inv (RFC 5545): times in UTC so no VTIMEZONE is needed,
// SEQUENCE always written, a VALARM per alarm in a REQUEST, the recipient's own join link in
// LOCATION, URL and CONFERENCE, and lines folded at 75 octets.
func calendar(inv *invite.Invite, v *inviteView) ([]byte, error) {
	// Props are built as values: ical.NewProp allocates a parameter map even for the many
	// properties that have no parameters.
	cal := ical.NewCalendar()
	cal.Props[ical.PropProductID] = textProp(ical.PropProductID, ProductID)
	cal.Props[ical.PropVersion] = textProp(ical.PropVersion, "2.0")
	cal.Props[ical.PropMethod] = textProp(ical.PropMethod, string(inv.Method))

	ev := ical.NewEvent()
	ev.Props[ical.PropUID] = textProp(ical.PropUID, inv.UID)
	ev.Props[ical.PropDateTimeStamp] = utcProp(ical.PropDateTimeStamp, inv.Stamp)
	ev.Props[ical.PropDateTimeStart] = utcProp(ical.PropDateTimeStart, inv.Start)
	ev.Props[ical.PropDateTimeEnd] = utcProp(ical.PropDateTimeEnd, inv.End)
	ev.Props[ical.PropSequence] = []ical.Prop{{Name: ical.PropSequence, Value: strconv.Itoa(inv.Sequence)}}
	ev.Props[ical.PropSummary] = textProp(ical.PropSummary, v.Title)
	d, err := description(v)
	if err != nil {
		return nil, err
	}
	if d != "" {
		ev.Props[ical.PropDescription] = textProp(ical.PropDescription, d)
	}
	status := ical.EventConfirmed
	if v.Cancelled {
		status = ical.EventCancelled
	}
	ev.Props[ical.PropStatus] = []ical.Prop{{Name: ical.PropStatus, Value: string(status)}}

	ev.Props[ical.PropOrganizer] = []ical.Prop{calAddress(ical.PropOrganizer, inv.Organizer, false)}
	attendees := make([]ical.Prop, len(inv.Attendees))
	for i, a := range inv.Attendees {
		attendees[i] = calAddress(ical.PropAttendee, a, true)
	}
	if len(attendees) > 0 {
		ev.Props[ical.PropAttendee] = attendees
	}

	if !v.Cancelled {
		join, labelID := v.GuestURL, "ics.join"
		if v.HostURL != "" {
			join, labelID = v.HostURL, "ics.host"
		}
		label, err := v.T(labelID)
		if err != nil {
			return nil, err
		}
		ev.Props[ical.PropLocation] = textProp(ical.PropLocation, join)
		ev.Props[ical.PropURL] = []ical.Prop{{Name: ical.PropURL, Value: join}}
		conf := []ical.Prop{conference(join, label, "AUDIO", "VIDEO")}
		if v.DialIn != nil {
			for _, n := range v.DialIn.Numbers {
				conf = append(conf, conference(string(n.Tel), n.Label, "PHONE"))
			}
		}
		ev.Props[ical.PropConference] = conf
		if len(inv.Alarms) > 0 {
			// What the calendar shows when it reminds, in the recipient's language.
			remind, err := v.T("ics.alarm", "Title", v.Title)
			if err != nil {
				return nil, err
			}
			for _, a := range inv.Alarms {
				ev.Children = append(ev.Children, alarm(a, remind))
			}
		}
	}
	cal.Children = append(cal.Children, ev.Component)

	var buf bytes.Buffer
	buf.Grow(2048 + len(v.Description)*11/10)
	fw := foldWriter{w: &buf}
	if err := ical.NewEncoder(&fw).Encode(cal); err != nil {
		return nil, fmt.Errorf("encode calendar: %w", err)
	}
	if len(fw.pending) > 0 {
		return nil, errors.New("encode calendar: unterminated line")
	}
	return buf.Bytes(), nil
}

// description is the plain-text DESCRIPTION, in the recipient's language: the join link on its
// own line (clients link bare URLs), the tap-to-dial string and the number and access code,
// then the organizer's text.
func description(v *inviteView) (string, error) {
	var b strings.Builder
	var err error
	line := func(id string, kv ...any) {
		if err != nil {
			return
		}
		var s string
		s, err = v.T(id, kv...)
		b.WriteString(s)
	}
	if v.Cancelled {
		line("invite.guest.cancelled")
		if v.CancelReason != "" {
			b.WriteString("\n\n")
			line("invite.reason")
			b.WriteString("\n")
			b.WriteString(v.CancelReason)
		}
	} else {
		if v.HostURL != "" {
			line("invite.startAsHost.label")
			b.WriteString("\n")
			b.WriteString(v.HostURL)
			b.WriteString("\n\n")
			line("invite.guestLink")
			b.WriteString("\n")
			b.WriteString(v.GuestURL)
		} else {
			line("invite.joinMeeting")
			b.WriteString("\n")
			b.WriteString(v.GuestURL)
		}
		if v.DialIn != nil {
			b.WriteString("\n\n")
			line("invite.byPhone")
			for _, n := range v.DialIn.Numbers {
				b.WriteString("\n")
				line("invite.oneTap")
				b.WriteString(" ")
				b.WriteString(n.Tap)
				b.WriteString("\n")
				line("invite.orDial", "Number", n.Manual)
			}
		}
	}
	if v.Description != "" {
		b.WriteString("\n\n")
		b.WriteString(v.Description)
	}
	return b.String(), err
}

// alarm is a VALARM reminding before lead before the start (RFC 5545 §3.6.6): a display alarm,
// which needs a DESCRIPTION, its TRIGGER a negative duration relative to DTSTART, written in
// hours and minutes (exact, where days are nominal across a change of daylight saving time).
func alarm(lead time.Duration, description string) *ical.Component {
	a := ical.NewComponent(ical.CompAlarm)
	a.Props[ical.PropAction] = []ical.Prop{{Name: ical.PropAction, Value: "DISPLAY"}}
	trigger := "-PT"
	if h := int(lead / time.Hour); h > 0 {
		trigger += strconv.Itoa(h) + "H"
	}
	if m := int(lead % time.Hour / time.Minute); m > 0 {
		trigger += strconv.Itoa(m) + "M"
	}
	a.Props[ical.PropTrigger] = []ical.Prop{{Name: ical.PropTrigger, Value: trigger}}
	a.Props[ical.PropDescription] = textProp(ical.PropDescription, description)
	return a
}

// textProp is a TEXT property, escaped by go-ical (RFC 5545 §3.3.11).
func textProp(name, value string) []ical.Prop {
	p := ical.Prop{Name: name}
	p.SetText(value)
	return []ical.Prop{p}
}

// utcProp is a DATE-TIME property in UTC form ("…Z"), which needs no VTIMEZONE.
func utcProp(name string, t time.Time) []ical.Prop {
	return []ical.Prop{{Name: name, Value: t.UTC().Format("20060102T150405Z")}}
}

// calAddress is an ORGANIZER or an ATTENDEE: a mailto: URI with the display name in CN. An
// attendee is a required participant asked to respond.
func calAddress(name string, p booking.Person, attendee bool) ical.Prop {
	prop := ical.Prop{Name: name, Params: make(ical.Params, 4), Value: mailto(p.Email)}
	if cn := paramText(p.Name); cn != "" {
		prop.Params[ical.ParamCommonName] = []string{cn}
	}
	if attendee {
		prop.Params[ical.ParamRole] = []string{"REQ-PARTICIPANT"}
		prop.Params[ical.ParamParticipationStatus] = []string{"NEEDS-ACTION"}
		prop.Params[ical.ParamRSVP] = []string{"TRUE"}
	}
	return prop
}

// mailto is the mailto: URI of an ASCII address (RFC 6068 §2): the characters an address may
// hold that a URI reserves or excludes ('%', '/', '?', '#', '&', '=', '{'…) are percent-encoded,
// so "bob?x@example.net" stays one address instead of becoming bob with a header.
func mailto(addr string) string {
	const keep = "!$'()*+,;:@-._~"
	var b strings.Builder
	b.Grow(len("mailto:") + len(addr))
	b.WriteString("mailto:")
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// conference is an RFC 7986 CONFERENCE property. go-ical's SetURI would drop VALUE=URI because
// URI is the property's default type, but the RFC's ABNF requires it.
func conference(uri, label string, features ...string) ical.Prop {
	return ical.Prop{Name: ical.PropConference, Value: uri, Params: ical.Params{
		ical.ParamValue:   {string(ical.ValueURI)},
		ical.ParamFeature: features,
		ical.ParamLabel:   {paramText(label)},
	}}
}

// paramText makes s safe as a parameter value (RFC 5545 §3.1): one line, no DQUOTE (go-ical
// refuses it; it becomes an apostrophe), and '^' written "^^" as RFC 6868 asks, so readers
// that decode caret escapes (libical, ical.js) show it unchanged.
func paramText(s string) string {
	s = cleanLine(s)
	if strings.ContainsAny(s, "\"^") {
		s = strings.NewReplacer(`"`, "'", "^", "^^").Replace(s)
	}
	return s
}

// foldWriter folds the content lines written to it (RFC 5545 §3.1): at most 75 octets per
// line, continuation lines starting with one space, never splitting a UTF-8 sequence, CRLF line
// endings. go-ical writes whole lines and does not fold.
type foldWriter struct {
	w       *bytes.Buffer
	pending []byte // the line being written, until its line break arrives
}

const foldLimit = 75

func (f *foldWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			f.pending = append(f.pending, p...)
			break
		}
		f.pending = append(f.pending, p[:i]...)
		f.fold(bytes.TrimSuffix(f.pending, []byte{'\r'}))
		f.pending = f.pending[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (f *foldWriter) fold(line []byte) {
	limit := foldLimit
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8: cut anywhere rather than loop forever
			cut = limit
		}
		f.w.Write(line[:cut])
		f.w.WriteString("\r\n ")
		line = line[cut:]
		limit = foldLimit - 1 // the leading space counts
	}
	f.w.Write(line)
	f.w.WriteString("\r\n")
}
