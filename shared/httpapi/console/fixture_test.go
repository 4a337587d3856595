package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/console"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
)

// rootToken is the fixture's ROOMKEEPER_ADMIN_TOKEN, whose operator is "admin".
const rootToken = "hQ3v9Zx2Lr7Tk1Wm5Yp8Nc4Bd6Fg0Js_aE-uI2oO9y"

// fixture is the console over the embedded store — its operators, sessions and audit list kept
// by shared/access in the same bolt file — and the Whereby sandbox (spoken to by the real Whereby
// client), served on a loopback test server. ada is an admin and vic a viewer, each with the
// operator token access minted for them.
type fixture struct {
	t           *testing.T
	ctx         context.Context
	clock       *clocktest.Clock
	st          *bolt.Store
	sb          *sandbox.Whereby
	op          *operator.Operator
	access      *access.Access
	adminToken  string // ada's
	viewerToken string // vic's
	srv         *httptest.Server
	mux         *http.ServeMux
	logs        *syncBuffer
}

// root is the admin token's operator, who adds the fixture's operators.
var root = access.Operator{Name: access.AdminName, Role: access.Admin}

// secrets holds the admin token, as Secrets Manager or the local configuration would.
type secrets map[string]string

func (s secrets) Secret(_ context.Context, name string, _ bool) (string, error) { return s[name], nil }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	clock := clocktest.New(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	sbSrv := httptest.NewUnstartedServer(nil)
	sb, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://" + sbSrv.Listener.Addr().String(), Now: clock.Now})
	require.NoError(t, err)
	sbSrv.Config.Handler = sb
	sbSrv.Start()
	t.Cleanup(sbSrv.Close)
	wb := whereby.New(whereby.Config{APIURL: sbSrv.URL + sandbox.WherebyAPIPath, APIKey: "key", Now: clock.Now, Phone: phone.Normalize})
	r := &reconcile.Reconciler{
		Store: st, Providers: map[string]booking.Provider{whereby.Name: wb}, Deployment: "console-test",
		Insights: map[string]booking.Insights{whereby.Name: wb}, Now: clock.Now, Jitter: func() float64 { return 0 },
		CleanupGrace: 15 * time.Minute, MaxOverrun: 2 * time.Hour, RoomSlack: 168 * time.Hour,
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	require.NoError(t, err)
	op := &operator.Operator{
		Store: st, Reconciler: r, Insights: r.Insights, Now: clock.Now, Zone: oslo,
		DefaultProvider: whereby.Name, Providers: []string{whereby.Name}, Retention: 720 * time.Hour, Wait: time.Second,
	}
	acc := &access.Access{Store: st, Secrets: secrets{access.AdminToken: rootToken}, Now: clock.Now}
	ctx := context.Background()
	_, adminToken, err := acc.AddOperator(ctx, root, access.NewOperator{Name: "ada", Role: access.Admin, Email: "ada@clinic.example"})
	require.NoError(t, err)
	_, viewerToken, err := acc.AddOperator(ctx, root, access.NewOperator{Name: "vic", Role: access.Viewer})
	require.NoError(t, err)
	logs := &syncBuffer{}
	mux := http.NewServeMux()
	(&console.Console{Operator: op, Access: acc, Log: slog.New(slog.NewTextHandler(logs, nil))}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f := &fixture{t: t, ctx: ctx, clock: clock, st: st, sb: sb, op: op, access: acc, adminToken: adminToken, viewerToken: viewerToken,
		srv: srv, mux: mux, logs: logs}
	t.Cleanup(func() {
		for _, secret := range []string{rootToken, adminToken, viewerToken, "ada@clinic.example", "roomKey"} {
			assert.NotContains(t, logs.String(), secret, "the log never holds a token, an address or a host link")
		}
	})
	return f
}

// roomChanges returns the audit list's entries about rooms, newest first: what operators
// changed (or saw: a host link), without their sign-ins and the fixture's operators.
func (f *fixture) roomChanges() []access.Entry {
	f.t.Helper()
	page, err := f.access.Audit(f.ctx, root, access.AuditQuery{Limit: 100})
	require.NoError(f.t, err)
	var out []access.Entry
	for _, e := range page.Entries {
		if strings.HasPrefix(e.Action, "room.") {
			out = append(out, e)
		}
	}
	return out
}

// browser is a cookie-keeping client of the console that does not follow redirects.
type browser struct {
	t      *testing.T
	f      *fixture
	client *http.Client
	last   string // the last page's body
}

func (f *fixture) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(f.t, err)
	return &browser{t: f.t, f: f, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// signedIn returns a browser signed in with token.
func (f *fixture) signedIn(token string) *browser {
	f.t.Helper()
	b := f.browser()
	b.get("/console/sign-in")
	resp, body := b.post("/console/sign-in", url.Values{"token": {token}})
	require.Equal(f.t, http.StatusSeeOther, resp.StatusCode, body)
	return b
}

// answer is one response, read.
type answer struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) answer {
	b.t.Helper()
	resp, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		b.last = string(raw)
	}
	return answer{Response: resp, body: string(raw)}
}

func (b *browser) get(path string) answer {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.f.srv.URL+path, nil)
	require.NoError(b.t, err)
	return b.do(req)
}

// post submits a form with the CSRF token of the last page (unless the form names its own).
func (b *browser) post(path string, form url.Values) (answer, string) {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", csrfOf(b.last))
	}
	req, err := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	a := b.do(req)
	return a, a.body
}

// page gets a page and requires a 200.
func (b *browser) page(path string) string {
	b.t.Helper()
	a := b.get(path)
	require.Equal(b.t, http.StatusOK, a.StatusCode, "GET %s: %s", path, a.body)
	return a.body
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

func csrfOf(page string) string {
	if m := csrfField.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// create makes a room through the operator, as another operator or the API would.
func (f *fixture) create(req operator.NewRoom) operator.Room {
	f.t.Helper()
	made, err := f.op.CreateRoom(f.ctx, req, "")
	require.NoError(f.t, err)
	require.True(f.t, made.Ready)
	return made.Room
}

// record returns a room's record.
func (f *fixture) record(roomID string) *booking.Booking {
	f.t.Helper()
	tag, ok := booking.ParseTag(roomID)
	require.True(f.t, ok, roomID)
	b, err := f.st.Get(f.ctx, tag.Key)
	require.NoError(f.t, err)
	return b
}

// happen applies provider events to a room's record, as its webhooks would.
func (f *fixture) happen(roomID string, events ...booking.RoomEvent) {
	f.t.Helper()
	b := f.record(roomID)
	for i := range events {
		events[i].RoomID = b.Room.ID
	}
	_, err := f.st.AddActivity(f.ctx, b.Key, events, b.ExpiresAt)
	require.NoError(f.t, err)
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// operatorRoom is a room request ending in two hours.
func operatorRoom(title string) operator.NewRoom {
	return operator.NewRoom{EndDate: "+2h", Title: title}
}
