package join

import "testing"

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
