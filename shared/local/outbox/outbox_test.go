package outbox_test

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/mailertest"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMailerContract(t *testing.T) {
	mailertest.Run(t, func(t *testing.T) (booking.Mailer, func(t *testing.T, id string) []byte) {
		o := mustNew(t, t.TempDir(), time.Now)
		return o, func(t *testing.T, id string) []byte {
			t.Helper()
			raw, err := o.Read(id)
			require.NoError(t, err)
			return raw
		}
	})
}

func mustNew(t *testing.T, dir string, now func() time.Time) *outbox.Outbox {
	t.Helper()
	o, err := outbox.New(dir, now)
	require.NoError(t, err)
	return o
}

// clock returns times from start, one step apart.
func clock(start time.Time, step time.Duration) func() time.Time {
	next := start
	return func() time.Time {
		t := next
		next = next.Add(step)
		return t
	}
}

func TestSendWritesRawBytesUnderTimeName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox") // created by New
	oslo, err := time.LoadLocation("Europe/Oslo")
	require.NoError(t, err)
	sent := time.Date(2026, 11, 22, 11, 0, 0, 123456789, oslo)
	o := mustNew(t, dir, func() time.Time { return sent })

	// Not even valid mail: Send must not touch the bytes.
	raw := []byte("Subject: x\nodd\r\nline endings\r\n\x00\xff")
	id, err := o.Send(t.Context(), booking.Message{From: "a@example.com", To: []string{"b@example.net"}, Raw: raw})
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^20261122T100000\.123Z-[0-9a-f]{8}$`), id)

	got, err := os.ReadFile(filepath.Join(dir, id+".eml"))
	require.NoError(t, err)
	assert.Equal(t, raw, got)
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 1, "no temporary file is left behind")

	read, err := o.Read(id)
	require.NoError(t, err)
	assert.Equal(t, raw, read)
}

func TestSendRejectsEmptyMessage(t *testing.T) {
	o := mustNew(t, t.TempDir(), time.Now)
	_, err := o.Send(t.Context(), booking.Message{From: "a@example.com", To: []string{"b@example.net"}})
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err))
}

func TestListNewestFirst(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	o := mustNew(t, dir, clock(start, 1500*time.Millisecond))
	subjects := []string{"First", "=?utf-8?q?Andre_m=C3=B8te?=", "=?UTF-8?B?VHJlZGplIOKckw==?="}
	var ids []string
	for _, s := range subjects {
		raw := "From: =?utf-8?q?=C3=85se?= <ase@example.com>\r\nTo: Bob <bob@example.net>, cleo@example.org\r\nSubject: " + s + "\r\n\r\nbody\r\n"
		id, err := o.Send(t.Context(), booking.Message{Raw: []byte(raw)})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	// Neither temporary nor foreign files are messages.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("Subject: partial"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("Subject: no"), 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.eml"), 0o700))

	got, err := o.List()
	require.NoError(t, err)
	want := []outbox.Entry{
		{ID: ids[2], Time: start.Add(3 * time.Second), From: "Åse <ase@example.com>", To: "Bob <bob@example.net>, cleo@example.org", Subject: "Tredje ✓"},
		{ID: ids[1], Time: start.Add(1500 * time.Millisecond), From: "Åse <ase@example.com>", To: "Bob <bob@example.net>, cleo@example.org", Subject: "Andre møte"},
		{ID: ids[0], Time: start, From: "Åse <ase@example.com>", To: "Bob <bob@example.net>, cleo@example.org", Subject: "First"},
	}
	assert.Equal(t, want, got)
}

func TestListEmpty(t *testing.T) {
	got, err := mustNew(t, t.TempDir(), time.Now).List()
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestReadRejectsIDsThatAreNotFileNames(t *testing.T) {
	dir := t.TempDir()
	o := mustNew(t, filepath.Join(dir, "outbox"), time.Now)
	// A file a path escape would reach.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.eml"), []byte("Subject: secret"), 0o600))
	for _, id := range []string{"", "../secret", "..", ".", "a/b", `a\b`, "/etc/passwd", ".tmp-1", "x\x00y", "c:secret", strings.Repeat("m", 5000)} {
		t.Run(id, func(t *testing.T) {
			_, err := o.Read(id)
			require.Error(t, err)
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
		})
	}
	_, err := o.Read("20261122T100000.000Z-00000000")
	require.ErrorIs(t, err, booking.ErrNotFound)
}

// goldenOutbox returns an outbox holding the sample invite and a plain message, under fixed ids.
func goldenOutbox(t *testing.T) *outbox.Outbox {
	t.Helper()
	dir := t.TempDir()
	invite, err := os.ReadFile(filepath.Join("testdata", "invite.eml"))
	require.NoError(t, err)
	plain := "From: roomkeeper <invites@localhost>\r\nTo: \"O'Brien & Co\" <ob@example.com>\r\n" +
		"Subject: <script>alert(1)</script> problem with your booking\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"We could not create the room: <provider said no>.\r\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "20261122T100000.000Z-0a1b2c3d.eml"), invite, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "20261122T100500.250Z-ffff0000.eml"), []byte(plain), 0o600))
	return mustNew(t, dir, time.Now)
}

func get(t *testing.T, h http.Handler, method, target string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), method, target, nil))
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

// assetHash is the content hash in a static file's name, which changes with the stylesheet.
var assetHash = regexp.MustCompile(`(/console/static/[a-z]+\.)[0-9a-f]+(\.[a-z]+)`)

func golden(t *testing.T, name, got string) {
	t.Helper()
	got = assetHash.ReplaceAllString(got, "${1}HASH${2}")
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), got, "%s differs; run go test -update and review the diff", path)
}

func TestHandlerPages(t *testing.T) {
	h := goldenOutbox(t).Handler()
	tests := []struct {
		name, target, golden string
	}{
		{"list", "/outbox", "list.golden.html"},
		{"list with slash", "/outbox/", "list.golden.html"},
		{"invite", "/outbox/20261122T100000.000Z-0a1b2c3d", "invite.golden.html"},
		{"plain", "/outbox/20261122T100500.250Z-ffff0000", "plain.golden.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, h, http.MethodGet, tt.target)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
			assert.Contains(t, res.Header.Get("Content-Security-Policy"), "script-src 'none'")
			golden(t, tt.golden, body(t, res))
		})
	}
}

func TestHandlerEscapesAndSandboxes(t *testing.T) {
	h := goldenOutbox(t).Handler()

	list := body(t, get(t, h, http.MethodGet, "/outbox"))
	assert.NotContains(t, list, "<script>")
	assert.Contains(t, list, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, list, "Møte &lt;b&gt;«Årsplan»&lt;/b&gt; – 10:00", "decoded, escaped subject")
	assert.Less(t, strings.Index(list, "ffff0000"), strings.Index(list, "0a1b2c3d"), "newest first")

	page := body(t, get(t, h, http.MethodGet, "/outbox/20261122T100000.000Z-0a1b2c3d"))
	assert.NotContains(t, page, "<script>", "the HTML part's script must not reach the page")
	assert.Regexp(t, `<iframe class="mail-frame" sandbox srcdoc="[^"]*&lt;script&gt;parent.document[^"]*"`, page, "the HTML part lives escaped in a sandboxed srcdoc")
	assert.Contains(t, page, "Hei Bjørn,\n\nJoin: https://example.whereby.com/room-rkabcdefghijklmg1", "the decoded text part")
	assert.Contains(t, page, "METHOD:REQUEST", "the calendar part")
	assert.Contains(t, page, "text/calendar; charset=utf-8; method=REQUEST")
	assert.Contains(t, page, "application/ics; name=invite.ics, invite.ics")
	assert.Contains(t, page, `href="/outbox/20261122T100000.000Z-0a1b2c3d.eml"`)
	assert.Contains(t, page, "Åse Ørn &lt;ase@example.com&gt;", "decoded headers")
}

func TestHandlerRaw(t *testing.T) {
	h := goldenOutbox(t).Handler()
	res := get(t, h, http.MethodGet, "/outbox/20261122T100000.000Z-0a1b2c3d.eml")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "message/rfc822", res.Header.Get("Content-Type"))
	want, err := os.ReadFile(filepath.Join("testdata", "invite.eml"))
	require.NoError(t, err)
	assert.Equal(t, string(want), body(t, res))
}

func TestHandlerErrors(t *testing.T) {
	h := goldenOutbox(t).Handler()
	tests := []struct {
		name, method, target string
		want                 int
	}{
		{"unknown id", http.MethodGet, "/outbox/20261122T100000.000Z-99999999", http.StatusNotFound},
		{"unknown raw", http.MethodGet, "/outbox/nothing.eml", http.StatusNotFound},
		{"escaped traversal", http.MethodGet, "/outbox/..%2f..%2fetc%2fpasswd", http.StatusNotFound},
		{"hidden file", http.MethodGet, "/outbox/.tmp-1", http.StatusNotFound},
		{"id longer than a file name can be", http.MethodGet, "/outbox/" + strings.Repeat("m", 5000), http.StatusNotFound},
		{"nested path", http.MethodGet, "/outbox/a/b", http.StatusNotFound},
		{"post", http.MethodPost, "/outbox", http.StatusMethodNotAllowed},
		{"outside the prefix", http.MethodGet, "/elsewhere", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, get(t, h, tt.method, tt.target).StatusCode)
		})
	}
}
