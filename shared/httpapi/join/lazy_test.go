package join

import (
	"net/url"
	"strings"
	"testing"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// TestEveryPageParses parses every page: they are parsed on first use, so a broken template
// would otherwise show only when its page is first asked for.
func TestEveryPageParses(t *testing.T) {
	for name, page := range lazyPages() {
		if page().Lookup("body") == nil {
			t.Errorf("page %s has no body", name)
		}
	}
}

// BenchmarkFirstPage is what the first request for a page pays to parse it (the layout and the
// page), which a cold start no longer pays; BenchmarkEveryPage what parsing every page at init
// cost every cold start.
func BenchmarkFirstPage(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		lazyPages()["waiting"]()
	}
}

func BenchmarkEveryPage(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		for _, page := range lazyPages() {
			page()
		}
	}
}

// TestWherebyExternalIDIsWherebysShape: a recipient id passes as Whereby's externalId only as
// Whereby takes it, 1 to 36 of A-Za-z0-9-_ (the pattern is compiled on first use).
func TestWherebyExternalIDIsWherebysShape(t *testing.T) {
	const room = "https://example.whereby.com/r"
	for id, want := range map[string]bool{
		"bob00001":              true,
		"a-B_9":                 true,
		strings.Repeat("x", 36): true,
		strings.Repeat("x", 37): false,
		"":                      false,
		"bob.1":                 false,
		"bøb":                   false,
		"bob 1":                 false,
		"bob@example.net":       false,
	} {
		u, err := url.Parse(whereby(room, booking.Person{ID: id}))
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Query().Has("externalId"); got != want {
			t.Errorf("id %q: externalId %v, want %v", id, got, want)
		}
	}
}
