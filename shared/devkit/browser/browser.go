// Package browser drives a real Chromium for tests, through the Chrome DevTools Protocol
// (github.com/chromedp/chromedp): one browser per test package, started on first use and stopped
// from TestMain, and a tab per test. A tab watches what a person's browser would show as broken
// and fails the test on it: a console error, an uncaught exception, an error logged by the
// browser (a Content-Security-Policy violation, say), a request to the page's own server that
// failed or answered 4xx or 5xx — unless the test said it expects that answer to a page.
//
// Without Chromium the test skips with a message saying how to install it (`make test` does),
// or fails when ROOMKEEPER_REQUIRE_BACKENDS=1. As root, Chromium runs with --no-sandbox.
// Screenshots go to .artifacts/screenshots/ at the repository's root, which git ignores.
package browser

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

// Step bounds each action of a tab, so a page that never loads fails the test quickly.
const Step = 20 * time.Second

// Browser is one Chromium shared by a test package's tests. The zero value is ready; keep one in
// a package variable and Close it from TestMain.
type Browser struct {
	mu          sync.Mutex
	ctx         context.Context // the browser's first tab, which holds the browser open
	cancel      context.CancelFunc
	allocCancel context.CancelFunc
}

// executables are the names Chromium goes by, in the order tried.
var executables = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

func (b *Browser) start(t testing.TB) context.Context {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ctx != nil {
		return b.ctx
	}
	path := ""
	for _, name := range executables {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		emulator.Require(t, "chromium", "install Debian's chromium package (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 900))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		allocCancel()
		t.Fatalf("start %s: %v", path, err)
	}
	b.ctx, b.cancel, b.allocCancel = ctx, cancel, allocCancel
	return ctx
}

// Close stops the browser, if it was started.
func (b *Browser) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ctx == nil {
		return
	}
	b.cancel()
	b.allocCancel()
	b.ctx = nil
}

// Tab is one browser tab of a test, on the pages of one server (origin).
type Tab struct {
	t      *testing.T
	ctx    context.Context
	origin string

	mu       sync.Mutex
	problems []string
	expected map[string]int               // a page's path → the error status the test expects of it
	requests map[network.RequestID]string // the URL of each request of the page's own
	allowed  map[network.RequestID]bool   // requests that answered as expected
}

// Tab opens a tab at 1280 × 900, in a browser context of its own (its own cookies), for pages
// served at origin ("http://127.0.0.1:8080"). Tabs may run in parallel. A tab closes when the
// test ends, and the test fails if anything went wrong on its pages.
func (b *Browser) Tab(t *testing.T, origin string) *Tab {
	t.Helper()
	parent := b.start(t)
	tab := &Tab{t: t, origin: strings.TrimRight(origin, "/"), expected: map[string]int{}, requests: map[network.RequestID]string{}, allowed: map[network.RequestID]bool{}}
	// A browser context of its own, like a private window: cookies are kept by host, not port,
	// so tabs on two test servers of one machine would otherwise share them.
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext(), chromedp.WithListener(tab.listen))
	tab.ctx = ctx
	t.Cleanup(func() {
		tab.Check()
		cancel()
	})
	// The first action opens the tab and binds it to the context it gets: this one, without the
	// time limit every later step has.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return tab
}

// own reports whether a URL is of the page's own server.
func (tab *Tab) own(u string) bool { return strings.HasPrefix(u, tab.origin+"/") || u == tab.origin }

// listen records what goes wrong. It runs on the tab's reading goroutine and must return fast.
func (tab *Tab) listen(ev any) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			tab.problems = append(tab.problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		tab.problems = append(tab.problems, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber, msg))
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level == log.EntryLevelError && !tab.allowed[e.NetworkRequestID] {
			tab.problems = append(tab.problems, fmt.Sprintf("browser log (%s): %s %s", e.Source, e.Text, e.URL))
		}
	case *network.EventRequestWillBeSent:
		if tab.own(ev.Request.URL) {
			tab.requests[ev.RequestID] = ev.Request.URL
		}
	case *network.EventResponseReceived:
		r := ev.Response
		if !tab.own(r.URL) || r.Status < 400 {
			return
		}
		if ev.Type == network.ResourceTypeDocument && tab.expected[pathOf(r.URL)] == int(r.Status) {
			tab.allowed[ev.RequestID] = true
			return
		}
		tab.problems = append(tab.problems, fmt.Sprintf("%s %s answered %d", ev.Type, r.URL, r.Status))
	case *network.EventLoadingFailed:
		if u, ok := tab.requests[ev.RequestID]; ok && !ev.Canceled && !tab.allowed[ev.RequestID] {
			tab.problems = append(tab.problems, fmt.Sprintf("%s %s failed: %s %s", ev.Type, u, ev.ErrorText, ev.BlockedReason))
		}
	}
}

func pathOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Path
}

// Expect says a page at path answers status on purpose (a confirmation that is a 409, say).
func (tab *Tab) Expect(path string, status int) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	tab.expected[path] = status
}

// Check fails the test for every problem seen since the last Check.
func (tab *Tab) Check() {
	tab.t.Helper()
	tab.mu.Lock()
	problems := tab.problems
	tab.problems = nil
	tab.mu.Unlock()
	for _, p := range problems {
		tab.t.Errorf("in the browser: %s", p)
	}
}

// Do runs actions, each within Step, and stops the test on an error.
func (tab *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	for _, a := range actions {
		ctx, cancel := context.WithTimeout(tab.ctx, Step)
		err := chromedp.Do(ctx, a)
		cancel()
		if err != nil {
			tab.Check()
			tab.t.Fatalf("browser: %v", err)
		}
	}
}

// Run runs one action within Step and returns its value, stopping the test on an error.
func Run[T any](tab *Tab, a chromedp.Action[T]) T {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Step)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tab.Check()
		tab.t.Fatalf("browser: %v", err)
	}
	return v
}

// Open loads a page of the server by its path and waits for it.
func (tab *Tab) Open(path string) {
	tab.t.Helper()
	tab.Do(chromedp.Navigate(tab.origin + path))
}

// Click clicks the element and waits for the page it leads to to load.
func (tab *Tab) Click(sel string) {
	tab.t.Helper()
	Run(tab, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// Type types text into a field, after clearing it.
func (tab *Tab) Type(sel, text string) {
	tab.t.Helper()
	tab.Do(chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// Text returns the visible text of the first element that matches sel.
func (tab *Tab) Text(sel string) string {
	tab.t.Helper()
	return Run(tab, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Exists reports whether an element matches sel now.
func (tab *Tab) Exists(sel string) bool {
	tab.t.Helper()
	return Run(tab, chromedp.Evaluate[bool](fmt.Sprintf("document.querySelector(%q) !== null", sel)))
}

// Path is the path and query of the page shown.
func (tab *Tab) Path() string {
	tab.t.Helper()
	loc := Run(tab, chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.RequestURI()
}

// Width sets the viewport's width in CSS pixels: 390 is a phone (with mobile emulation, so the
// page's viewport meta applies), anything else a desktop window.
func (tab *Tab) Width(w int64) {
	tab.t.Helper()
	if w <= 480 {
		tab.Do(chromedp.EmulateViewport(w, 844, chromedp.EmulateMobile, chromedp.EmulateScale(1)))
		return
	}
	tab.Do(chromedp.EmulateViewport(w, 900))
}

// Screenshot saves the whole page as .artifacts/screenshots/<name>.png and returns the path.
func (tab *Tab) Screenshot(name string) string {
	tab.t.Helper()
	png := Run(tab, chromedp.FullScreenshot(100))
	dir := filepath.Join(emulator.RepoRoot(), ".artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tab.t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Fatalf("screenshot: %v", err)
	}
	return path
}
