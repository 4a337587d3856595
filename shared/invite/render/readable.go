package render

import (
	"bytes"
	htmltemplate "html/template"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/locale"
	"github.com/roomkeeper/roomkeeper/templates"
)

// inviteView is what invite.txt.tmpl and invite.html.tmpl see. Every view embeds the
// recipient's Locale: the templates write each sentence with .T (and .H in HTML, for a sentence
// with markup in it) and set <html lang> with .Lang.
type inviteView struct {
	*locale.Locale
	Cancelled bool   // CANCEL: no links at all
	Updated   bool   // a REQUEST to someone who holds an earlier version
	Title     string // one line
	When      string // readable range in the recipient's zone
	Organizer string // "Name <address>" or the address
	Host      bool   // the organizer's own message: written to the organizer
	Guests    string // organizer's message only: the guests, comma-separated
	// With names whom the organizer meets, for "Your meeting with …": "Ann, Bob and Cleo", or
	// "Ann, Bob and 3 others"; "" when there is no one to name.
	With        string
	Uninvited   string // organizer's message only: the guests mail cannot reach, comma-separated
	HostURL     string // organizer's message only
	GuestURL    string
	DialIn      *dialInView
	Description string // free text, LF line breaks; "" in a cancellation
	// CancelReason is the reason the source gave for a cancellation, LF line breaks.
	CancelReason string
	// StartsIn is, in a reminder (reminder.*.tmpl), how long until the start: "15 minutes".
	StartsIn string
}

type dialInView struct {
	Numbers []numberView
	Code    string
}

type numberView struct {
	Tap    string           // the tap-to-dial string as people read it: "+4721000000,123456#"
	Tel    htmltemplate.URL // the tel: URI, checked by dialView
	Manual string           // what to dial by hand: "+4721000000 (NO), access code 123456"
	Label  string           // the CONFERENCE label: "Dial-in (NO)"
}

// failureView is what failure.txt.tmpl and failure.html.tmpl see.
type failureView struct {
	*locale.Locale
	Title, When  string
	What, Advice string // plain words: what went wrong, what the organizer can do
}

type parsedTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// parsed parses the templates once, on first use.
var parsed = sync.OnceValues(func() (parsedTemplates, error) {
	text, err := texttemplate.New("").Option("missingkey=error").ParseFS(templates.FS, "*.txt.tmpl")
	if err != nil {
		return parsedTemplates{}, err
	}
	html, err := htmltemplate.New("").Option("missingkey=error").Funcs(htmltemplate.FuncMap{"strong": strong}).
		ParseFS(templates.FS, "*.html.tmpl")
	if err != nil {
		return parsedTemplates{}, err
	}
	return parsedTemplates{text, html}, nil
})

// strong is text in bold, for a value in a sentence of an HTML template (Locale.H).
func strong(s string) htmltemplate.HTML {
	return htmltemplate.HTML("<strong>" + htmltemplate.HTMLEscapeString(s) + "</strong>")
}

// executeInvite fills in an invitation's templates, or with reminder the reminder's: the same
// view, so a reminder carries exactly the links and dial-in its invitation does.
func executeInvite(v *inviteView, reminder bool) (text, html []byte, err error) {
	if reminder {
		return execute("reminder.txt.tmpl", "reminder.html.tmpl", v)
	}
	return execute("invite.txt.tmpl", "invite.html.tmpl", v)
}

// startsIn says in l's language how long until a meeting starts, to the nearest minute and at
// least one: "15 minutes", "1 hour", "2 hours 30 minutes", "3 days". Days are shown from two days
// on, whole hours from two hours on; below, hours and minutes.
func startsIn(l *locale.Locale, d time.Duration) (string, error) {
	m := int(max(d.Round(time.Minute), time.Minute) / time.Minute)
	switch {
	case m >= 48*60:
		return l.T("duration.days", "Count", (m+12*60)/(24*60))
	case m >= 2*60:
		return l.T("duration.hours", "Count", (m+30)/60)
	case m >= 60 && m%60 != 0:
		h, err := l.T("duration.hours", "Count", m/60)
		if err != nil {
			return "", err
		}
		min, err := l.T("duration.minutes", "Count", m%60)
		if err != nil {
			return "", err
		}
		return l.T("duration.hoursMinutes", "Hours", h, "Minutes", min)
	case m >= 60:
		return l.T("duration.hours", "Count", m/60)
	}
	return l.T("duration.minutes", "Count", m)
}

// knockView is what knock.txt.tmpl and knock.html.tmpl see.
type knockView struct {
	*locale.Locale
	Name, Title, When, HostURL string
}

func executeKnock(v *knockView) (text, html []byte, err error) {
	return execute("knock.txt.tmpl", "knock.html.tmpl", v)
}

func executeFailure(v *failureView) (text, html []byte, err error) {
	return execute("failure.txt.tmpl", "failure.html.tmpl", v)
}

func execute(textName, htmlName string, data any) (text, html []byte, err error) {
	t, err := parsed()
	if err != nil {
		return nil, nil, err
	}
	var tb, hb bytes.Buffer
	tb.Grow(1024)
	hb.Grow(4096)
	if err := t.text.ExecuteTemplate(&tb, textName, data); err != nil {
		return nil, nil, err
	}
	if err := t.html.ExecuteTemplate(&hb, htmlName, data); err != nil {
		return nil, nil, err
	}
	return crlf(tb.Bytes()), crlf(hb.Bytes()), nil
}

// crlf turns the templates' LF line endings into CRLF, the canonical form of text parts.
func crlf(b []byte) []byte {
	n := bytes.Count(b, []byte{'\n'})
	out := make([]byte, 0, len(b)+n)
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return append(out, b...)
		}
		out = append(out, b[:i]...)
		out = append(out, '\r', '\n')
		b = b[i+1:]
	}
}

// dialView checks the dial-in data and prepares it for display. The tel: URI goes into an href
// unescaped (html/template would refuse the scheme), so it must hold only characters a dial
// string uses.
func dialView(d *booking.DialIn, l *locale.Locale) (*dialInView, error) {
	if d == nil || len(d.Numbers) == 0 {
		return nil, nil
	}
	v := &dialInView{Code: cleanLine(d.Code), Numbers: make([]numberView, len(d.Numbers))}
	label, err := l.T("dial.label")
	if err != nil {
		return nil, err
	}
	var code string
	if v.Code != "" {
		if code, err = l.T("dial.accessCode", "Code", v.Code); err != nil {
			return nil, err
		}
	}
	if pass := cleanLine(d.Passcode); pass != "" {
		p, err := l.T("dial.passcode", "Passcode", pass)
		if err != nil {
			return nil, err
		}
		code = strings.TrimPrefix(code+", "+p, ", ")
	}
	for i, n := range d.Numbers {
		if !isE164(n.E164) {
			return nil, invalid("dialIn.numbers", "dial-in number %d is not E.164", i)
		}
		if !isTel(n.Tel) {
			return nil, invalid("dialIn.numbers", "dial-in number %d has no valid tel: URI", i)
		}
		manual, label := n.E164, label
		if c := cleanLine(n.Country); c != "" {
			manual += " (" + c + ")"
			label += " (" + c + ")"
		}
		if code != "" {
			manual += ", " + code
		}
		v.Numbers[i] = numberView{
			Tap:    strings.ReplaceAll(n.Tel[len("tel:"):], "%23", "#"),
			Tel:    htmltemplate.URL(n.Tel),
			Manual: manual,
			Label:  label,
		}
	}
	return v, nil
}

func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isTel accepts "tel:" followed by the characters of RFC 3966 numbers and of the de facto dial
// strings (',' pause, ';' wait, '*', "%23" for '#').
func isTel(s string) bool {
	if len(s) <= len("tel:") || !strings.EqualFold(s[:4], "tel:") {
		return false
	}
	for i := 4; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case strings.IndexByte("+-.()*,;=", c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// personLine shows a person as "Name <address>", or just the address.
func personLine(p booking.Person) string {
	name := cleanLine(p.Name)
	if name == "" {
		return p.Email
	}
	return name + " <" + p.Email + ">"
}

// guestList shows the guests by name, or by address when they have none.
func guestList(guests []booking.Person) string {
	var b strings.Builder
	for i, g := range guests {
		if i > 0 {
			b.WriteString(", ")
		}
		if name := cleanLine(g.Name); name != "" {
			b.WriteString(name)
		} else {
			b.WriteString(g.Email)
		}
	}
	return b.String()
}

// withList names the people the organizer meets, for "Your meeting with …": up to three by
// name (else address), then how many more. all says everyone is named.
func withList(l *locale.Locale, guests, uninvited []booking.Person) (with string, all bool, err error) {
	people := append(slices.Clip(guests), uninvited...)
	names := make([]string, 0, len(people))
	for _, g := range people {
		if name := cleanLine(g.Name); name != "" {
			names = append(names, name)
		} else if addr := cleanLine(g.Email); addr != "" {
			names = append(names, addr)
		}
	}
	const shown = 3
	switch n := len(names); {
	case n == 0:
		return "", true, nil
	case n == 1:
		return names[0], true, nil
	case n <= shown:
		with, err = l.T("list.and", "Names", strings.Join(names[:n-1], ", "), "Last", names[n-1])
		return with, true, err
	default:
		with, err = l.T("list.others", "Names", strings.Join(names[:shown], ", "), "Count", n-shown)
		return with, false, err
	}
}

// peopleList shows people as "Name <address>" (or the address), comma-separated: the organizer
// needs the address to reach someone roomkeeper could not.
func peopleList(people []booking.Person) string {
	var b strings.Builder
	for i, p := range people {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(personLine(booking.Person{Name: p.Name, Email: cleanLine(p.Email)}))
	}
	return b.String()
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// cleanLine makes s one line of valid UTF-8: control characters and line breaks become spaces,
// and surrounding space is trimmed.
func cleanLine(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if isControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// cleanText makes s multi-line text of valid UTF-8: CRLF and CR become LF, other control
// characters except tab are dropped, and surrounding blank space is trimmed.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case isControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
