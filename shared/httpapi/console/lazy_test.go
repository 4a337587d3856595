package console

import (
	"net/http"
	"testing"
)

// TestEveryPageParses parses every page: they are parsed on first use, so a broken template
// would otherwise show only when its page is first asked for.
func TestEveryPageParses(t *testing.T) {
	for name, page := range lazyPages() {
		if page().Lookup("content") == nil {
			t.Errorf("page %s has no content", name)
		}
	}
}

// BenchmarkFirstPage is what the first request for a page pays to parse it (the layout and the
// page), which a cold start no longer pays; BenchmarkEveryPage what parsing every page at init
// cost every cold start.
func BenchmarkFirstPage(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		lazyPages()["rooms"]()
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

// TestTheRouteTableIsBuiltOnFirstUse: Register mounts the console and leaves its route table
// for the first request, so a cold start that serves a person's link or the admin API does not
// build it. Registering the table's routes at Register allocated more than building the table.
func TestTheRouteTableIsBuiltOnFirstUse(t *testing.T) {
	c := &Console{}
	register := testing.AllocsPerRun(5, func() { c.Register(http.NewServeMux()) })
	table := testing.AllocsPerRun(5, func() { c.pages() })
	if register >= table/2 {
		t.Errorf("Register allocates %v, the route table %v: the table is built at Register", register, table)
	}
}
