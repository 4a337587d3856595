package booking

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireInvalid fails unless err is an *Error with Code Invalid naming field.
func requireInvalid(t *testing.T, err error, field string) *Error {
	t.Helper()
	require.Error(t, err)
	var e *Error
	require.True(t, errors.As(err, &e), "got %T %v, want *Error", err, err)
	assert.Equal(t, Invalid, e.Code, "code")
	assert.Equal(t, field, e.Field, "field (message %q)", e.Message)
	assert.NotEmpty(t, e.Message)
	return e
}

func TestCheckEmail(t *testing.T) {
	valid := []struct {
		in, want string
	}{
		{"bob@example.net", "bob@example.net"},
		{"  Bob.Smith+tag@Example.NET\t", "Bob.Smith+tag@Example.NET"},
		{"a@localhost", "a@localhost"},
		{"o'neil@example.com", "o'neil@example.com"},
		// An internationalised domain is sent in its punycode form (RFC 3492).
		{"bob@bücher.example", "bob@xn--bcher-kva.example"},
		{"Bob@BÜCHER.Example", "Bob@xn--bcher-kva.example"},
		{"ana@例え.テスト", "ana@xn--r8jz45g.xn--zckzah"},
		{"bob@xn--bcher-kva.example", "bob@xn--bcher-kva.example"},
	}
	for _, tt := range valid {
		t.Run("valid "+tt.in, func(t *testing.T) {
			got, err := CheckEmail("data.organizer.email", tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	invalid := []struct {
		name, in string
	}{
		{"empty", ""},
		{"blank", "   "},
		{"display name", "Bob <bob@example.net>"},
		{"angle brackets", "<bob@example.net>"},
		{"comment", "bob@example.net (Bob)"},
		{"list", "bob@example.net, eve@example.net"},
		{"list without space", "bob@example.net,eve@example.net"},
		{"no at", "bob.example.net"},
		{"no domain", "bob@"},
		{"no local part", "@example.net"},
		{"newline inside", "bob@example.net\nBcc: eve@example.net"},
		{"carriage return inside", "bob\r@example.net"},
		{"nul", "bob\x00@example.net"},
		{"quoted local part rewritten", `"bob"@example.net`},
		{"too long", strings.Repeat("a", 250) + "@example.net"},
		{"too long in punycode", strings.Repeat("a", 235) + "@bücher.example"},
		{"IP literal", "bob@[192.0.2.1]"},
	}
	for _, tt := range invalid {
		t.Run("invalid "+tt.name, func(t *testing.T) {
			got, err := CheckEmail("data.attendees[3].email", tt.in)
			requireInvalid(t, err, "data.attendees[3].email")
			assert.NotErrorIs(t, err, ErrUndeliverable, "malformed, not merely undeliverable")
			assert.Empty(t, got)
		})
	}

	// Well formed, but no mail service roomkeeper sends with takes them: the error says so, and
	// the address comes back for a source that keeps the booking for everyone else.
	undeliverable := []struct {
		name, in, want string
	}{
		{"non-ASCII local part", " jörg@example.com ", "jörg@example.com"},
		{"non-ASCII local part at an internationalised domain", "jörg@bücher.example", "jörg@xn--bcher-kva.example"},
		{"replaced invalid UTF-8 in the local part", "j\uFFFDrg@example.com", "j\uFFFDrg@example.com"},
		{"domain without a punycode form", "bob@ex\uFFFDample.com", "bob@ex\uFFFDample.com"},
	}
	for _, tt := range undeliverable {
		t.Run("undeliverable "+tt.name, func(t *testing.T) {
			got, err := CheckEmail("data.attendees[3].email", tt.in)
			e := requireInvalid(t, err, "data.attendees[3].email")
			assert.ErrorIs(t, err, ErrUndeliverable)
			assert.NotContains(t, e.Message, "example", "the message does not repeat the address")
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCheckZone(t *testing.T) {
	for _, z := range []string{"Europe/Oslo", "America/New_York", "UTC", "Asia/Kolkata", "America/Argentina/Buenos_Aires"} {
		t.Run("valid "+z, func(t *testing.T) {
			assert.NoError(t, CheckZone("data.timeZone", z))
		})
	}
	for _, z := range []string{"", "Local", "Mars/Olympus", "europe/oslo", "+01:00", "../../etc/passwd", "/etc/localtime", "Europe/Oslo\n"} {
		t.Run("invalid "+z, func(t *testing.T) {
			requireInvalid(t, CheckZone("data.timeZone", z), "data.timeZone")
		})
	}
}

var testNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func testRules() Rules {
	return Rules{DefaultProvider: "whereby", Providers: []string{"whereby", "zoom"}}
}

// validDetails returns details that pass Normalize at testNow with testRules.
func validDetails() Details {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	return Details{
		Title:     "Intro call",
		Start:     time.Date(2026, 11, 23, 16, 0, 0, 0, oslo),
		End:       time.Date(2026, 11, 23, 16, 30, 0, 0, oslo),
		TimeZone:  "Europe/Oslo",
		Organizer: Person{Name: "Ada Host", Email: "ada@example.com", TimeZone: "Europe/Oslo"},
		Attendees: []Person{{Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York"}},
	}
}

// people returns n distinct attendees.
func people(n int) []Person {
	ps := make([]Person, n)
	for i := range ps {
		ps[i] = Person{Email: "guest" + strconv.Itoa(i) + "@example.net"}
	}
	return ps
}

func TestNormalize(t *testing.T) {
	valid := []struct {
		name   string
		edit   func(d *Details)
		rules  func(r *Rules)
		expect func(t *testing.T, d Details)
	}{
		{
			name: "sample is unchanged except UTC and defaults",
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, "Intro call", d.Title)
				assert.Equal(t, time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), d.Start)
				assert.Equal(t, time.UTC, d.Start.Location())
				assert.Equal(t, time.UTC, d.End.Location())
				assert.Equal(t, "whereby", d.Room.Provider)
				assert.Equal(t, Small, d.Room.Size)
				assert.Equal(t, []Person{{Name: "Bob Guest", Email: "bob@example.net", TimeZone: "America/New_York"}}, d.Attendees)
			},
		},
		{
			name: "title defaults to Meeting",
			edit: func(d *Details) { d.Title = "  " },
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, "Meeting", d.Title)
			},
		},
		{
			name: "texts are trimmed",
			edit: func(d *Details) {
				d.Title, d.Description = " Intro ", "\n line one\nline two\t\n"
				d.Organizer.Name, d.Organizer.Email, d.Organizer.TimeZone = " Ada ", " ada@example.com ", " Europe/Oslo "
			},
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, "Intro", d.Title)
				assert.Equal(t, "line one\nline two", d.Description)
				assert.Equal(t, Person{Name: "Ada", Email: "ada@example.com", TimeZone: "Europe/Oslo"}, d.Organizer)
			},
		},
		{
			name: "limits are inclusive",
			edit: func(d *Details) {
				d.Title = strings.Repeat("é", MaxTitle)
				d.Description = strings.Repeat("ø", MaxDescription)
				d.Organizer.Name = strings.Repeat("å", MaxName)
				d.End = d.Start.Add(24 * time.Hour)
				d.Room.NamePrefix = "abcdefgh-1234" // MaxNamePrefix characters
			},
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, 24*time.Hour, d.End.Sub(d.Start))
			},
		},
		{
			name: "attendees de-duplicated ignoring case, first wins, organizer removed",
			edit: func(d *Details) {
				d.Attendees = []Person{
					{Name: "Ada again", Email: "ADA@example.com"},
					{Name: "Bob", Email: "bob@example.net"},
					{Name: "Bob twice", Email: "Bob@Example.NET"},
					{Name: "Cleo", Email: "cleo@example.net"},
				}
			},
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, []Person{{Name: "Bob", Email: "bob@example.net"}, {Name: "Cleo", Email: "cleo@example.net"}}, d.Attendees)
				assert.Equal(t, "Ada Host", d.Organizer.Name)
				assert.Equal(t, Small, d.Room.Size)
			},
		},
		{
			name: "four participants are small",
			edit: func(d *Details) { d.Attendees = people(3) },
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, Small, d.Room.Size)
			},
		},
		{
			name: "five participants are large",
			edit: func(d *Details) { d.Attendees = people(4) },
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, Large, d.Room.Size)
			},
		},
		{
			name: "duplicates do not count toward the size",
			edit: func(d *Details) {
				d.Attendees = append(people(3), people(3)...)
				d.Room.Size = Small
			},
			expect: func(t *testing.T, d Details) {
				assert.Len(t, d.Attendees, 3)
				assert.Equal(t, Small, d.Room.Size)
			},
		},
		{
			name: "large may be asked for a small meeting",
			edit: func(d *Details) { d.Room.Size = Large },
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, Large, d.Room.Size)
			},
		},
		{
			name: "two hundred participants",
			edit: func(d *Details) { d.Attendees = people(199) },
			expect: func(t *testing.T, d Details) {
				assert.Len(t, d.Attendees, 199)
				assert.Equal(t, Large, d.Room.Size)
			},
		},
		{
			name: "explicit configured provider and options kept",
			edit: func(d *Details) {
				d.Room = RoomOptions{Provider: "zoom", DialIn: true, NamePrefix: "intro-", Locked: true}
			},
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, RoomOptions{Provider: "zoom", Size: Small, DialIn: true, NamePrefix: "intro-", Locked: true}, d.Room)
			},
		},
		{
			name: "a meeting in progress is accepted",
			edit: func(d *Details) {
				d.Start, d.End = testNow.Add(-10*time.Minute), testNow.Add(time.Minute)
			},
			expect: func(t *testing.T, d Details) {
				assert.Equal(t, testNow.Add(time.Minute), d.End)
			},
		},
		{
			name: "field mapping is not needed on success",
			rules: func(r *Rules) {
				r.Field = func(string) string { panic("called") }
			},
			expect: func(t *testing.T, d Details) {},
		},
		{
			name: "organizer calendar flag is left alone",
			edit: func(d *Details) { d.OrganizerCalendar = true },
			expect: func(t *testing.T, d Details) {
				assert.True(t, d.OrganizerCalendar)
			},
		},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			d, r := validDetails(), testRules()
			if tt.edit != nil {
				tt.edit(&d)
			}
			if tt.rules != nil {
				tt.rules(&r)
			}
			require.NoError(t, d.Normalize(testNow, r))
			tt.expect(t, d)
		})
	}

	invalid := []struct {
		name  string
		edit  func(d *Details)
		rules func(r *Rules)
		field string
		msg   string // a part of the message
	}{
		{"title too long", func(d *Details) { d.Title = strings.Repeat("x", MaxTitle+1) }, nil, "data.title", "500"},
		{"title with newline", func(d *Details) { d.Title = "Intro\r\nBcc: eve@example.net" }, nil, "data.title", "control"},
		{"title invalid UTF-8", func(d *Details) { d.Title = "Intro \xff" }, nil, "data.title", "UTF-8"},
		{"description too long", func(d *Details) { d.Description = strings.Repeat("x", MaxDescription+1) }, nil, "data.description", "10000"},
		{"description with NUL", func(d *Details) { d.Description = "a\x00b" }, nil, "data.description", "control"},
		{"no start", func(d *Details) { d.Start = time.Time{} }, nil, "data.start", "required"},
		{"no end", func(d *Details) { d.End = time.Time{} }, nil, "data.end", "required"},
		{"end equals start", func(d *Details) { d.End = d.Start }, nil, "data.end", "end must be after start"},
		{"end before start", func(d *Details) { d.End = d.Start.Add(-time.Minute) }, nil, "data.end", "end must be after start"},
		{"longer than a day", func(d *Details) { d.End = d.Start.Add(24*time.Hour + time.Second) }, nil, "data.end", "24 hours"},
		{"already ended", func(d *Details) { d.Start, d.End = testNow.Add(-time.Hour), testNow }, nil, "data.end", "already ended"},
		{"bad booking zone", func(d *Details) { d.TimeZone = "Local" }, nil, "data.timeZone", "IANA"},
		{"organizer name too long", func(d *Details) { d.Organizer.Name = strings.Repeat("x", MaxName+1) }, nil, "data.organizer.name", "200"},
		{"organizer name with tab", func(d *Details) { d.Organizer.Name = "Ada\tHost" }, nil, "data.organizer.name", "control"},
		{"organizer without address", func(d *Details) { d.Organizer.Email = "" }, nil, "data.organizer.email", "required"},
		{"organizer with display name", func(d *Details) { d.Organizer.Email = "Ada <ada@example.com>" }, nil, "data.organizer.email", "plain"},
		{"organizer zone", func(d *Details) { d.Organizer.TimeZone = "CEST" }, nil, "data.organizer.timeZone", "IANA"},
		{"no attendees", func(d *Details) { d.Attendees = nil }, nil, "data.attendees", "at least one"},
		{"only the organizer", func(d *Details) { d.Attendees = []Person{{Email: "Ada@Example.com"}} }, nil, "data.attendees", "other than the organizer"},
		{"too many attendees", func(d *Details) { d.Attendees = people(LargeMax + 1) }, nil, "data.attendees", "200"},
		{"too many participants", func(d *Details) { d.Attendees = people(LargeMax) }, nil, "data.attendees", "organizer included"},
		{"second attendee address", func(d *Details) {
			d.Attendees = []Person{{Email: "bob@example.net"}, {Email: "not an address"}}
		}, nil, "data.attendees[1].email", "e-mail"},
		{"attendee name", func(d *Details) {
			d.Attendees = []Person{{Email: "bob@example.net"}, {Name: "x\ny", Email: "cleo@example.net"}}
		}, nil, "data.attendees[1].name", "control"},
		{"attendee zone", func(d *Details) { d.Attendees[0].TimeZone = "Nowhere/Land" }, nil, "data.attendees[0].timeZone", "IANA"},
		{"provider not configured", func(d *Details) { d.Room.Provider = "24sessions" }, nil, "data.room.provider", `"24sessions" is not configured`},
		{"long provider not echoed", func(d *Details) { d.Room.Provider = strings.Repeat("p", 100) }, nil, "data.room.provider", "configured: whereby, zoom"},
		{"no default provider", nil, func(r *Rules) { r.DefaultProvider = "" }, "data.room.provider", "required"},
		{"default provider not configured", nil, func(r *Rules) { r.Providers = []string{"zoom"} }, "data.room.provider", "not configured"},
		{"small too small", func(d *Details) { d.Attendees = people(4); d.Room.Size = Small }, nil, "data.room.size", "at most 4"},
		{"unknown size", func(d *Details) { d.Room.Size = "medium" }, nil, "data.room.size", `"small" or "large"`},
		{"name prefix uppercase", func(d *Details) { d.Room.NamePrefix = "Intro" }, nil, "data.room.namePrefix", "a-z"},
		{"name prefix too long", func(d *Details) { d.Room.NamePrefix = strings.Repeat("a", MaxNamePrefix+1) }, nil, "data.room.namePrefix", "at most 13"},
		{"name prefix underscore", func(d *Details) { d.Room.NamePrefix = "a_b" }, nil, "data.room.namePrefix", "a-z"},
		{"field is mapped", func(d *Details) { d.Attendees[0].Email = "x" }, func(r *Rules) {
			r.Field = func(p string) string { return strings.Replace(p, "data.attendees", "payload.attendees", 1) }
		}, "payload.attendees[0].email", "e-mail"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			d, r := validDetails(), testRules()
			if tt.edit != nil {
				tt.edit(&d)
			}
			if tt.rules != nil {
				tt.rules(&r)
			}
			e := requireInvalid(t, d.Normalize(testNow, r), tt.field)
			assert.Contains(t, e.Message, tt.msg)
		})
	}
}

// TestNormalizeKeepsUndeliverable checks the rule for sources that send a booking once: a guest
// mail cannot reach is moved to Uninvited, with the others kept; without KeepUndeliverable the
// same guest is an error naming the field.
func TestNormalizeKeepsUndeliverable(t *testing.T) {
	d, r := validDetails(), testRules()
	d.Attendees = append(d.Attendees,
		Person{Name: " Jörg ", Email: " jörg@bücher.example ", TimeZone: "Europe/Berlin"},
		Person{Name: "Jörg again", Email: "JÖRG@bücher.example"},
		Person{Email: "cleo@bücher.example"},
	)
	strict := d
	requireInvalid(t, strict.Normalize(testNow, r), "data.attendees[1].email")

	r.KeepUndeliverable = true
	require.NoError(t, d.Normalize(testNow, r))
	assert.Equal(t, []string{"bob@example.net", "cleo@xn--bcher-kva.example"}, []string{d.Attendees[0].Email, d.Attendees[1].Email})
	assert.Equal(t, []Person{{Name: "Jörg", Email: "jörg@xn--bcher-kva.example"}}, d.Uninvited, "once, by the first entry")
	assert.Equal(t, Small, d.Room.Size, "four participants, the uninvited counted: the organizer may pass the link on")

	d = validDetails()
	d.Attendees = []Person{{Email: "jörg@example.net"}, {Email: "åse@example.net"}, {Email: "øyvind@example.net"}, {Email: "bob@example.net"}}
	require.NoError(t, d.Normalize(testNow, r))
	assert.Equal(t, Large, d.Room.Size, "five participants, three of them uninvited")

	d = validDetails()
	d.Attendees = []Person{{Email: "jörg@example.net"}}
	require.NoError(t, d.Normalize(testNow, r), "nobody but the organizer can be mailed: the meeting still goes ahead")
	assert.Empty(t, d.Attendees)
	assert.Len(t, d.Uninvited, 1)

	d = validDetails()
	d.Organizer.Email = "åse@example.com"
	requireInvalid(t, d.Normalize(testNow, r), "data.organizer.email")

	d = validDetails()
	d.Attendees = []Person{{Email: "Jörg <jörg@example.net>"}}
	requireInvalid(t, d.Normalize(testNow, r), "data.attendees[0].email")
}

func TestNormalizeLeavesDetailsUnchangedOnError(t *testing.T) {
	d := validDetails()
	d.Title = "  Intro  "
	d.Attendees = append(d.Attendees, Person{Email: "ada@example.com"}, Person{Email: "bad"})
	want := validDetails()
	want.Title = d.Title
	want.Attendees = append(want.Attendees, Person{Email: "ada@example.com"}, Person{Email: "bad"})

	requireInvalid(t, d.Normalize(testNow, testRules()), "data.attendees[2].email")
	assert.Equal(t, want, d)
}

func TestCheckText(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		max       int
		multiline bool
		want      string
		wantErr   string
	}{
		{name: "trimmed", in: "  hi  ", max: 5, want: "hi"},
		{name: "counts characters, not bytes", in: "ææææ", max: 4, want: "ææææ"},
		{name: "empty is fine", in: "", max: 1, want: ""},
		{name: "line breaks in multiline", in: "a\r\n\tb", max: 10, multiline: true, want: "a\r\n\tb"},
		{name: "too long", in: "abcdef", max: 5, wantErr: "at most 5 characters"},
		{name: "line break in single line", in: "a\nb", max: 10, wantErr: "control characters"},
		{name: "tab in single line", in: "a\tb", max: 10, wantErr: "control characters"},
		{name: "escape in multiline", in: "a\x1bb", max: 10, multiline: true, wantErr: "other than tabs and line breaks"},
		{name: "line separator", in: "a\u2028b", max: 10, multiline: true, wantErr: "control characters"},
		{name: "C1 control", in: "a\u0085b", max: 10, multiline: true, wantErr: "control characters"},
		{name: "invalid UTF-8", in: "a\xc3", max: 10, wantErr: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckText("data.reason", tt.in, tt.max, tt.multiline)
			if tt.wantErr != "" {
				e := requireInvalid(t, err, "data.reason")
				assert.Contains(t, e.Message, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRedactAddresses(t *testing.T) {
	assert.Equal(t, "User does not exist: <address>.", RedactAddresses("User does not exist: ada@example.com."))
	assert.Equal(t, "Invalid alternative hosts: <address>;<address>", RedactAddresses("Invalid alternative hosts: a@x.org;b@y.net"))
	assert.Equal(t, "Email address is not verified: <address> (us-east-1)", RedactAddresses("Email address is not verified: invites@rk.example (us-east-1)"))
	assert.Equal(t, "no address here", RedactAddresses("no address here"))
}

// TestNamePrefixFitsBesideTheLongestTag: the longest prefix, a hyphen, the longest tag
// MaxNamePrefix allows for and another hyphen fit Whereby's 39-character roomNamePrefix.
func TestNamePrefixFitsBesideTheLongestTag(t *testing.T) {
	tag := Tag{Key: KeyOf("generic", "x"), Gen: 999, Deployment: DeploymentTag("x")}.String()
	assert.Len(t, tag, MaxTagLen)
	assert.Equal(t, 39, MaxNamePrefix+1+MaxTagLen+1)
}

func TestCleanReason(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"  Something came up.  ", "Something came up."},
		{"Ill\r\ntoday\rsorry\u2028bye", "Ill\ntoday\nsorry\nbye"},
		{"a\x00b\x1b[2Jc\x7fd\u0085e", "ab[2Jcde"},
		{"\u202eevil\u2066x\u2069", "evilx"},
		{"tab\there", "tab\there"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{strings.Repeat("é", MaxCancelReason), strings.Repeat("é", MaxCancelReason)},
		{strings.Repeat("é", MaxCancelReason+1), strings.Repeat("é", MaxCancelReason-1) + "…"},
	} {
		got := CleanReason(tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
		assert.LessOrEqual(t, utf8.RuneCountInString(got), MaxCancelReason)
	}
}
