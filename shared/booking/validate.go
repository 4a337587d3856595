package booking

import (
	"errors"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Lambda images may have no zoneinfo; CheckZone must still load every IANA zone.
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/language"
)

// Limits of the shared booking rules (docs/generic-event.md).
const (
	DefaultTitle   = "Meeting"
	MaxTitle       = 500    // characters
	MaxDescription = 10_000 // characters
	// MaxCancelReason is the longest cancellation reason kept (CleanReason): a longer one is cut.
	MaxCancelReason = 1_000 // characters
	MaxName         = 200   // characters
	MaxEmail        = 254   // bytes: the longest address an SMTP path carries (RFC 5321 §4.5.3.1.3)
	MaxDuration     = 24 * time.Hour
	// MaxNamePrefix is the longest room name prefix: with a hyphen, the tag (MaxTagLen) and
	// another hyphen it fits the shortest room name prefix a provider takes, Whereby's 39
	// characters, so a prefix is never cut.
	MaxNamePrefix = 39 - 2 - MaxTagLen
)

// maxProviderEchoed is the longest unknown provider name an error message repeats back.
const maxProviderEchoed = 40

// namePrefixPattern is the room name prefix's alphabet; its length is checked apart (a counted
// repetition compiles to as many copies of the class), and it is compiled when first used.
var namePrefixPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9-]*$`) })

// ErrUndeliverable is in the chain of CheckEmail's error (errors.Is) for an address that is well
// formed but cannot be mailed. roomkeeper's mail service takes 7-bit ASCII addresses only: Amazon
// SES does not support SMTPUTF8 (RFC 6531), so the local part must be ASCII, and a domain with
// other characters is sent in its punycode form (RFC 3492), which it must have
// (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Destination.html).
var ErrUndeliverable = errors.New("the address cannot be mailed")

// CheckEmail is roomkeeper's one rule for an e-mail address: intake checks every address with
// it, and the invite renderer refuses nothing it accepts.
//
// It returns s as mail is sent to it when s is a single plain address ("bob@example.net": no
// display name, no angle brackets, no comment, no list, no control characters, a domain name
// rather than an IP literal, at most MaxEmail bytes) that can be mailed: trimmed, the local
// part as given, and a domain with characters other than ASCII in its punycode form
// ("bob@bücher.example" becomes "bob@xn--bcher-kva.example", by the IDNA lookup rules of
// UTS #46). Otherwise it returns an *Error with Code Invalid naming field, which never repeats
// the address.
//
// A well-formed address that cannot be mailed (characters other than ASCII before the @, or a
// domain with no punycode form) gets an error that also matches ErrUndeliverable, and the
// address is returned with it (trimmed, the domain in punycode where it has one): a source that
// cannot send a booking again keeps the booking for everyone else and names who was left out.
func CheckEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", Errorf(Invalid, field, "an e-mail address is required")
	case len(s) > MaxEmail:
		return "", Errorf(Invalid, field, "e-mail address is longer than %d characters", MaxEmail)
	case hasControl(s, false):
		return "", Errorf(Invalid, field, "e-mail address contains control characters")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", Errorf(Invalid, field, "must be a single e-mail address like name@example.com")
	}
	// ParseAddress also accepts "Name <a@b>", "<a@b>", "a@b (comment)" and quoted local parts it
	// rewrites; a plain address comes back unchanged.
	if a.Name != "" || a.Address != s {
		return "", Errorf(Invalid, field, "must be a plain e-mail address like name@example.com, without a display name")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if strings.HasPrefix(domain, "[") {
		return "", Errorf(Invalid, field, "must be an address at a domain name, not at an IP address")
	}
	if !isASCII(domain) {
		ascii, err := idna.Lookup.ToASCII(domain)
		if err != nil {
			return s, undeliverableError(field, "the domain of this address has characters that cannot be written in ASCII (punycode), so e-mail cannot be sent to it")
		}
		domain = ascii
	}
	addr := local + "@" + domain
	if len(addr) > MaxEmail {
		return "", Errorf(Invalid, field, "e-mail address is longer than %d characters once its domain is written in ASCII (punycode)", MaxEmail)
	}
	if !isASCII(local) {
		return addr, undeliverableError(field, "e-mail cannot be sent to an address with characters other than ASCII letters, digits and punctuation before the @")
	}
	return addr, nil
}

// undeliverable is the error of a well-formed address that cannot be mailed: an *Error that also
// matches ErrUndeliverable.
type undeliverable struct{ err *Error }

func (u *undeliverable) Error() string   { return u.err.Error() }
func (u *undeliverable) Unwrap() []error { return []error{u.err, ErrUndeliverable} }

func undeliverableError(field, message string) error {
	return &undeliverable{err: &Error{Code: Invalid, Field: field, Message: message}}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// CheckZone returns nil if s is an IANA time zone name such as "Europe/Oslo" or "UTC", and an
// *Error with Code Invalid naming field otherwise. "Local" and "" are rejected: they mean the
// server's zone, not the person's.
func CheckZone(field, s string) error {
	if _, err := LoadZone(s); err != nil {
		return Errorf(Invalid, field, "must be an IANA time zone name like Europe/Oslo")
	}
	return nil
}

// Rules are the settings Normalize checks a booking against.
type Rules struct {
	// DefaultProvider is used when Room.Provider is empty (ROOMKEEPER_PROVIDER).
	DefaultProvider string
	// Providers are the configured providers; Room.Provider must be one of them.
	Providers []string
	// Field maps a generic event's field path ("data.attendees[1].email") to the caller's, so a
	// source's errors name its own fields. Nil keeps the generic path.
	Field func(path string) string
	// KeepUndeliverable is set by the sources that send a booking once (Cal.com, Calendly,
	// Cronofy): an attendee whose address mail cannot reach (ErrUndeliverable) is moved to
	// Details.Uninvited rather than failing the booking, which goes ahead for everyone else. A
	// source that can send again (the generic event) leaves it false: such an address is then
	// an Invalid error naming the field, for the sender to correct.
	KeepUndeliverable bool
}

// Normalize applies the booking rules every source shares (docs/generic-event.md) to d in place,
// or returns an *Error with Code Invalid naming the first field at fault (mapped through r.Field).
//
// On success: the title defaults to DefaultTitle; title, names, e-mail addresses and zones are
// trimmed; attendees are de-duplicated ignoring case (the first entry wins) and the organizer is
// removed from them; Room.Provider is set (defaulting to r.DefaultProvider) and configured;
// with r.KeepUndeliverable, attendees mail cannot reach are moved to Uninvited (de-duplicated
// the same way); Room.Size is set (Small for up to SmallMax participants, organizer and
// uninvited included, else Large);
// Start and End are in UTC, End after Start, at most MaxDuration apart and End after now.
// OrganizerCalendar is left as the caller set it. On error d is unchanged.
func (d *Details) Normalize(now time.Time, r Rules) error {
	c := *d
	if err := c.normalize(now, r); err != nil {
		if e := (*Error)(nil); errors.As(err, &e) && r.Field != nil {
			e.Field = r.Field(e.Field)
		}
		return err
	}
	*d = c
	return nil
}

// normalize is Normalize with errors naming generic paths.
func (d *Details) normalize(now time.Time, r Rules) error {
	var err error
	if d.Title, err = CheckText("data.title", d.Title, MaxTitle, false); err != nil {
		return err
	}
	if d.Title == "" {
		d.Title = DefaultTitle
	}
	if d.Description, err = CheckText("data.description", d.Description, MaxDescription, true); err != nil {
		return err
	}
	if err := d.checkTimes(now); err != nil {
		return err
	}
	if d.TimeZone = strings.TrimSpace(d.TimeZone); d.TimeZone != "" {
		if err := CheckZone("data.timeZone", d.TimeZone); err != nil {
			return err
		}
	}
	if err := checkPerson(&d.Organizer, "data.organizer"); err != nil {
		return err
	}
	if err := d.checkAttendees(r.KeepUndeliverable); err != nil {
		return err
	}
	return d.checkRoom(r)
}

func (d *Details) checkTimes(now time.Time) error {
	switch {
	case d.Start.IsZero():
		return Errorf(Invalid, "data.start", "a start time is required")
	case d.End.IsZero():
		return Errorf(Invalid, "data.end", "an end time is required")
	case !d.End.After(d.Start):
		return Errorf(Invalid, "data.end", "end must be after start")
	case d.End.Sub(d.Start) > MaxDuration:
		return Errorf(Invalid, "data.end", "a meeting may last at most 24 hours")
	case !d.End.After(now):
		return Errorf(Invalid, "data.end", "the meeting has already ended")
	}
	d.Start, d.End = d.Start.UTC(), d.End.UTC()
	return nil
}

func (d *Details) checkAttendees(keepUndeliverable bool) error {
	if len(d.Attendees) == 0 {
		return Errorf(Invalid, "data.attendees", "at least one attendee is required")
	}
	if len(d.Attendees) > LargeMax {
		return Errorf(Invalid, "data.attendees", "at most %d attendees are allowed", LargeMax)
	}
	kept := make([]Person, 0, len(d.Attendees))
	var uninvited []Person
	listed := func(email string) bool {
		same := func(k Person) bool { return strings.EqualFold(k.Email, email) }
		return strings.EqualFold(email, d.Organizer.Email) || slices.ContainsFunc(kept, same) || slices.ContainsFunc(uninvited, same)
	}
	for i := range d.Attendees {
		p := d.Attendees[i]
		err := checkPerson(&p, "data.attendees["+strconv.Itoa(i)+"]")
		switch {
		case keepUndeliverable && errors.Is(err, ErrUndeliverable):
			if !listed(p.Email) {
				uninvited = append(uninvited, Person{Name: p.Name, Email: p.Email})
			}
			continue
		case err != nil:
			return err
		case listed(p.Email):
			continue
		}
		kept = append(kept, p)
	}
	switch {
	case len(kept) == 0 && len(uninvited) == 0:
		return Errorf(Invalid, "data.attendees", "at least one attendee other than the organizer is required")
	case len(kept)+len(uninvited)+1 > LargeMax:
		return Errorf(Invalid, "data.attendees", "at most %d participants are allowed, organizer included", LargeMax)
	}
	d.Attendees, d.Uninvited = kept, uninvited
	return nil
}

// CheckRoom checks d's room options alone and fills in their defaults (the provider, the size by
// head count), as Normalize does: a hand-made room has no other details to normalise. Errors
// name the field through r.Field.
func (d *Details) CheckRoom(r Rules) error {
	err := d.checkRoom(r)
	if e := (*Error)(nil); errors.As(err, &e) && r.Field != nil {
		e.Field = r.Field(e.Field)
	}
	return err
}

func (d *Details) checkRoom(r Rules) error {
	room := &d.Room
	if room.Provider = strings.TrimSpace(room.Provider); room.Provider == "" {
		room.Provider = r.DefaultProvider
	}
	const field = "data.room.provider"
	switch {
	case room.Provider == "":
		return Errorf(Invalid, field, "a provider is required: no default provider is configured")
	case !slices.Contains(r.Providers, room.Provider):
		if len(room.Provider) <= maxProviderEchoed && !hasControl(room.Provider, false) {
			return Errorf(Invalid, field, "provider %q is not configured; configured: %s", room.Provider, strings.Join(r.Providers, ", "))
		}
		return Errorf(Invalid, field, "provider is not configured; configured: %s", strings.Join(r.Providers, ", "))
	}

	// The uninvited count: the organizer may pass the guest link on to them.
	participants := len(d.Attendees) + len(d.Uninvited) + 1
	switch room.Size {
	case "":
		room.Size = Small
		if participants > SmallMax {
			room.Size = Large
		}
	case Small:
		if participants > SmallMax {
			return Errorf(Invalid, "data.room.size", "a small room holds at most %d participants, organizer included; this booking has %d", SmallMax, participants)
		}
	case Large:
	default:
		return Errorf(Invalid, "data.room.size", "must be %q or %q", Small, Large)
	}

	if len(room.NamePrefix) > MaxNamePrefix || !namePrefixPattern().MatchString(room.NamePrefix) {
		return Errorf(Invalid, "data.room.namePrefix", "must be at most %d of a-z, 0-9 and -", MaxNamePrefix)
	}
	return nil
}

// checkPerson trims and checks p's name, address and zone; path is its generic path.
func checkPerson(p *Person, path string) error {
	var err error
	if p.Name, err = CheckText(path+".name", p.Name, MaxName, false); err != nil {
		return err
	}
	if p.Email, err = CheckEmail(path+".email", p.Email); err != nil {
		return err // with the address when it is only undeliverable (CheckEmail)
	}
	if p.TimeZone = strings.TrimSpace(p.TimeZone); p.TimeZone != "" {
		if err := CheckZone(path+".timeZone", p.TimeZone); err != nil {
			return err
		}
	}
	p.Locale, err = CheckLocale(path+".locale", p.Locale)
	return err
}

// MaxLocale bounds a person's language tag: RFC 5646 §4.4.1 asks that 35 characters be kept.
const MaxLocale = 35

// CheckLocale returns a language tag in its canonical BCP 47 form ("de_at" becomes "de-AT"), ""
// for "", or an *Error with Code Invalid naming field when it is not a well-formed tag. A tag
// roomkeeper has no catalog for is kept: the mail falls back by language matching.
func CheckLocale(field, tag string) (string, error) {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return "", nil
	}
	if len(tag) > MaxLocale {
		return "", Errorf(Invalid, field, "must be a BCP 47 language tag of at most %d characters, such as de or fr-CA", MaxLocale)
	}
	t, err := language.Parse(tag)
	if err != nil {
		return "", Errorf(Invalid, field, "must be a BCP 47 language tag, such as de or fr-CA")
	}
	return t.String(), nil
}

// CheckText returns s trimmed if it is valid UTF-8 of at most max characters without control
// characters (tabs and line breaks allowed when multiline), and otherwise an *Error with Code
// Invalid naming field. Titles and names end up in mail headers and calendar properties, where a
// line break must never come from outside.
func CheckText(field, s string, max int, multiline bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", Errorf(Invalid, field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		return "", Errorf(Invalid, field, "must be at most %d characters", max)
	case hasControl(s, multiline):
		if multiline {
			return "", Errorf(Invalid, field, "must not contain control characters other than tabs and line breaks")
		}
		return "", Errorf(Invalid, field, "must not contain control characters")
	}
	return s, nil
}

// CleanReason makes the reason a source gave for a cancellation fit to show a person: valid
// UTF-8, line breaks as LF, no other control or bidirectional-override characters, trimmed, and
// cut to MaxCancelReason characters (ending "…"). A reason is never a cause to refuse a
// cancellation, so nothing is rejected.
func CleanReason(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		switch {
		case c == '\r' || c == '\u2028' || c == '\u2029':
			c = '\n'
		case c == '\n' || c == '\t':
		case unicode.IsControl(c), c >= '\u202a' && c <= '\u202e', c >= '\u2066' && c <= '\u2069':
			continue
		}
		b.WriteRune(c)
	}
	s = strings.TrimSpace(b.String())
	if utf8.RuneCountInString(s) > MaxCancelReason {
		r := []rune(s)[:MaxCancelReason-1]
		s = strings.TrimRightFunc(string(r), unicode.IsSpace) + "…"
	}
	return s
}

func hasControl(s string, allowLineBreaks bool) bool {
	for _, c := range s {
		if allowLineBreaks && (c == '\t' || c == '\n' || c == '\r') {
			continue
		}
		if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' {
			return true
		}
	}
	return false
}
