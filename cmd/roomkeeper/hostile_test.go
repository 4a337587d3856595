package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
	"github.com/roomkeeper/roomkeeper/shared/video/zoomhook"
)

// The hostile corpus: requests a broken or malicious sender could make to every route of the
// local server, each with the answer it must get (testdata/hostile/README.md describes the
// format). TestHostileCorpus sends them all to one real local server, in-process, and checks
// after each that nothing was stored, queued, mailed or asked of a provider — except for the
// cases marked "stores", which are valid but hostile: their invites must carry no header or
// calendar line the input smuggled in.

const hostileDir = "testdata/hostile"

// hostileCase is one request of the corpus and what must come of it.
type hostileCase struct {
	Name string `json:"name"`

	// The request.
	Method  string                     `json:"method"`
	Path    string                     `json:"path"`
	Headers map[string]json.RawMessage `json:"headers"` // a string, a list of strings, or null: not sent
	Sign    string                     `json:"sign"`    // "<scheme> [wrong-key|stale|future|tampered|other-id]"
	// The body: an events/ sample, a JSON value, or raw text; then edits of a JSON body.
	Event  string                     `json:"event"`
	Body   json.RawMessage            `json:"body"`
	Text   *string                    `json:"text"`
	Set    map[string]json.RawMessage `json:"set"`
	Delete []string                   `json:"delete"`
	Fill   *hostileFill               `json:"fill"`
	// Byte-level changes after the placeholders are filled in, before signing.
	Truncate int `json:"truncate"` // keep the first n bytes
	Size     int `json:"size"`     // pad with spaces to n bytes
	// ReplayAfter sends the signed request once (it must be accepted), moves the clock on by
	// this duration and sends the very same bytes again: the second answer is the one checked.
	ReplayAfter string `json:"replayAfter"`
	// First is a request sent before this one, which must be accepted: the case's own members
	// with these in their place. What it stores is not this case's doing.
	First json.RawMessage `json:"first"`

	// The answer.
	Status        int               `json:"status"`
	Code          string            `json:"code"`    // default: the code of Status
	Field         *string           `json:"field"`   // the error's field; "" for none
	Message       string            `json:"message"` // a part of the error message
	JSON          *bool             `json:"json"`    // false: the route answers this in text or HTML
	Answer        map[string]any    `json:"answer"`  // members a JSON answer must have
	AnswerHeaders map[string]string `json:"answerHeaders"`
	NotInAnswer   []string          `json:"notInAnswer"`

	// Stores marks a valid but hostile request, which stores and sends: its mails (Mails of
	// them, when set) are checked for smuggled headers and calendar lines, and for Evil, strings
	// that may appear only as text, never as an address or a line of their own.
	// SentTo are addresses, exactly as written in To, that some message of the case must go to.
	Stores bool     `json:"stores"`
	Mails  *int     `json:"mails"`
	Evil   []string `json:"evil"`
	SentTo []string `json:"sentTo"`

	file  string       // the corpus file, named for the route
	run   string       // {{run}}: keeps this case's bookings apart from every other's
	first *hostileCase // First, read
}

// hostileFill replaces the array at Path with Count copies of Item, "{{i}}" in it numbered.
type hostileFill struct {
	Path  string          `json:"path"`
	Count int             `json:"count"`
	Item  json.RawMessage `json:"item"`
}

// loadHostileCorpus reads every file of the corpus: {"defaults": {…}, "cases": [{…}]}, each case
// starting from the file's defaults (headers merged, a case's null removing one).
func loadHostileCorpus(t *testing.T) []hostileCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(hostileDir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	sort.Strings(files)
	var out []hostileCase
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var file struct {
			Defaults map[string]json.RawMessage   `json:"defaults"`
			Cases    []map[string]json.RawMessage `json:"cases"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&file), "read %s", f)
		names := map[string]bool{}
		for i, members := range file.Cases {
			merged := map[string]json.RawMessage{}
			for k, v := range file.Defaults {
				merged[k] = v
			}
			for k, v := range members {
				merged[k] = v
			}
			// A case's own body (a sample, a JSON value or text) replaces the file's.
			if members["event"] != nil || members["body"] != nil || members["text"] != nil {
				for _, k := range []string{"event", "body", "text"} {
					if members[k] == nil {
						delete(merged, k)
					}
				}
			}
			if dh, ch := file.Defaults["headers"], members["headers"]; dh != nil && ch != nil {
				h := map[string]json.RawMessage{}
				require.NoError(t, json.Unmarshal(dh, &h), "%s: defaults.headers", f)
				require.NoError(t, json.Unmarshal(ch, &h), "%s: case %d: headers", f, i)
				merged["headers"], _ = json.Marshal(h)
			}
			c := decodeCase(t, merged, fmt.Sprintf("%s: case %d", f, i))
			if first := members["first"]; first != nil {
				m := map[string]json.RawMessage{}
				for k, v := range merged {
					m[k] = v
				}
				delete(m, "first")
				require.NoError(t, json.Unmarshal(first, &m), "%s: case %d: first", f, i)
				fc := decodeCase(t, m, fmt.Sprintf("%s: case %d: first", f, i))
				c.first = &fc
			}
			c.file = strings.TrimSuffix(filepath.Base(f), ".json")
			require.NotEmpty(t, c.Name, "%s: case %d has no name", f, i)
			require.False(t, names[c.Name], "%s: two cases named %q", f, c.Name)
			names[c.Name] = true
			require.NotZero(t, c.Status, "%s: %q: no status", f, c.Name)
			if c.Status == http.StatusBadRequest && c.jsonAnswer() {
				require.NotNil(t, c.Field, "%s: %q: a 400 names the field at fault: say which (\"\" for none)", f, c.Name)
			}
			if c.Stores {
				require.Less(t, c.Status, 300, "%s: %q: only an accepted request stores", f, c.Name)
			}
			require.True(t, c.Stores || (c.Mails == nil && c.Evil == nil && c.SentTo == nil), "%s: %q: mails, evil and sentTo go with stores", f, c.Name)
			out = append(out, c)
		}
	}
	// The cases that store run last, so every other case meets the fixtures as they were made.
	slices.SortStableFunc(out, func(a, b hostileCase) int {
		switch {
		case a.Stores == b.Stores:
			return 0
		case b.Stores:
			return -1
		}
		return 1
	})
	for i := range out {
		out[i].run = fmt.Sprintf("h%03d", i)
		if out[i].first != nil {
			out[i].first.run = out[i].run
		}
	}
	return out
}

// decodeCase reads a case's members strictly: a misspelt member is an error, not ignored.
func decodeCase(t *testing.T, members map[string]json.RawMessage, where string) hostileCase {
	t.Helper()
	b, err := json.Marshal(members)
	require.NoError(t, err, where)
	var c hostileCase
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&c), where)
	return c
}

func (c hostileCase) jsonAnswer() bool { return c.JSON == nil || *c.JSON }

// hostile runs the corpus against one stack.
type hostile struct {
	s        *stack
	zoom     *sandbox.Zoom
	fixtures map[string]string // {{name}} → value, for the rooms and bookings made before the corpus
	secrets  []string          // no answer may hold one
	mailSeen map[string]bool   // outbox ids already checked
	// calendars of every message sent, checked at the end by the outside validators at once
	calendars [][]byte
	client    *http.Client
}

// TestHostileCorpus runs every case of the corpus against one local server, in order, the
// cases that store last, and logs how many there are per file.
func TestHostileCorpus(t *testing.T) {
	cases := loadHostileCorpus(t)
	h := newHostile(t)

	counts := map[string]int{}
	for _, c := range cases {
		counts[c.file]++
		t.Run(c.file+"/"+c.Name, func(t *testing.T) { h.run(t, c) })
	}

	var summary strings.Builder
	for _, f := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&summary, "  %-12s %3d\n", f, counts[f])
	}
	t.Logf("hostile corpus: %d cases, per file:\n%s", len(cases), summary.String())
	require.GreaterOrEqual(t, len(cases), 200, "the corpus holds at least 200 requests")
	checkCorpusReadme(t, counts, len(cases))

	h.checkAllMail(t)
	h.s.checkLogs()
}

// checkCorpusReadme asserts the corpus README's table gives each file's count, so it cannot rot.
func checkCorpusReadme(t *testing.T, counts map[string]int, total int) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(hostileDir, "README.md"))
	require.NoError(t, err)
	readme := string(raw)
	for f, n := range counts {
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(f) + ".json` \\|[^\n]*\\| " + strconv.Itoa(n) + " \\|$")
		assert.Regexp(t, row, readme, "testdata/hostile/README.md: the row of %s.json must end with its count, %d", f, n)
	}
	assert.Contains(t, readme, "| **total** | | **"+strconv.Itoa(total)+"** |", "testdata/hostile/README.md: the total")
}

// newHostile starts a stack with Zoom beside the Whereby sandbox and makes the fixtures the
// corpus refers to: a Whereby booking, a Zoom booking (with its host link) and a Cal.com booking.
func newHostile(t *testing.T) *hostile {
	t.Helper()
	s, fake, _ := zoomStackWith(t, func(t *testing.T, env map[string]string) *stack { return startStack(t, env) })
	status, body := s.post("booking-created.json", "fxwhereby")
	require.Equal(t, http.StatusAccepted, status, body)
	status, body = s.post("booking-created.json", "fxzoom", onZoom)
	require.Equal(t, http.StatusAccepted, status, body)
	status, body = s.postSourceRaw(calcom.Source, s.expand("calcom-booking-created.json", "fxcal"))
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	wb, zb := s.booking("fxwhereby"), s.booking("fxzoom")
	cb := s.sourceBooking(calcom.Source, "bkfxcala@Cal.com")
	for _, b := range []*booking.Booking{wb, zb, cb} {
		require.NotNil(t, b.Room, "fixture %s has its room", b.Key)
	}
	viewer := addViewer(t, s)
	joinToken := func(secret, recipient string, p booking.Purpose) string {
		tok, err := link.Make(secret, link.Token{Key: wb.Key, Recipient: recipient, Purpose: p})
		require.NoError(t, err)
		return tok
	}
	hostToken := func(secret, tag, room string) string {
		u := link.HostURL(s.cfg.PublicURL, secret, tag, room)
		require.NotEmpty(t, u)
		return u[strings.LastIndex(u, "/")+1:]
	}
	h := &hostile{
		s:    s,
		zoom: fake,
		fixtures: map[string]string{
			"adminToken":             s.cfg.AdminToken,
			"viewerToken":            viewer,
			"whereby.bookingKey":     wb.Key,
			"whereby.roomId":         wb.Room.Tag,
			"whereby.roomName":       wb.Room.Name,
			"whereby.meetingId":      wb.Room.ID,
			"whereby.guestId":        wb.Details.Attendees[0].ID,
			"whereby.guestToken":     joinToken(s.cfg.LinkSecret, wb.Details.Attendees[0].ID, booking.ForGuest),
			"whereby.hostToken":      joinToken(s.cfg.LinkSecret, wb.Details.Organizer.ID, booking.ForHost),
			"whereby.joinWrongKey":   joinToken("not-the-link-secret", wb.Details.Organizer.ID, booking.ForHost),
			"whereby.guestUrl":       wb.Room.GuestURL,
			"whereby.hostUrl":        wb.Room.HostURL,
			"whereby.guestLinkUrl":   named(t, wb.Room.GuestURL, wb.Details.Attendees[0]),
			"whereby.hostLinkUrl":    named(t, wb.Room.HostURL, wb.Details.Organizer),
			"zoom.bookingKey":        zb.Key,
			"zoom.roomId":            zb.Room.Tag,
			"zoom.meetingId":         zb.Room.ID,
			"zoom.topic":             zb.Details.Title + " (" + zb.Room.Tag + ")",
			"zoom.hostToken":         hostToken(s.cfg.HostSecret, zb.Room.Tag, zb.Room.ID),
			"zoom.hostTokenWrongKey": hostToken("not-the-host-secret", zb.Room.Tag, zb.Room.ID),
			"zoom.hostTokenOldRoom":  hostToken(s.cfg.HostSecret, zb.Room.Tag, "1"),
			"calcom.bookingKey":      cb.Key,
			"calcom.uid":             "bkfxcala",
		},
		secrets: []string{
			s.cfg.GenericSecret, s.cfg.AdminToken, viewer, s.cfg.HostSecret, s.cfg.LinkSecret, s.cfg.Whereby.WebhookSecret, zoomE2ESecret,
			sourceSecret(s.cfg, sourceSecrets[calcom.Source]), sourceSecret(s.cfg, sourceSecrets[calendly.Source]),
			sourceSecret(s.cfg, sourceSecrets[cronofy.Source]),
		},
		mailSeen: map[string]bool{},
		client: &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	for _, raw := range h.newMail(t) {
		h.checkMail(t, raw, nil)
	}
	return h
}

// addViewer adds the operator "viewer" with the viewer role, through the admin API with the admin
// token (whose own operator record is made on that first use), and returns their token.
func addViewer(t *testing.T, s *stack) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/operators", strings.NewReader(`{"name": "viewer", "role": "viewer"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.NotEmpty(t, out.Token)
	return out.Token
}

// run sends one case and checks its answer and what it left behind.
func (h *hostile) run(t *testing.T, c hostileCase) {
	req := h.request(t, c)
	if c.first != nil {
		status, _, body := h.send(t, h.request(t, *c.first))
		require.Less(t, status, 300, "the first request must be accepted: %s", body)
		h.drain()
		h.newMail(t)
	}
	if c.ReplayAfter != "" {
		d, err := time.ParseDuration(c.ReplayAfter)
		require.NoError(t, err, "replayAfter")
		status, _, body := h.send(t, req)
		require.Less(t, status, 300, "the first delivery of a replay must be accepted: %s", body)
		h.drain()
		h.newMail(t)
		h.s.clock.Add(d)
	}
	before := h.state(t)
	status, header, body := h.send(t, req)
	h.checkAnswer(t, c, status, header, body)
	stored := diffStore(before.store, h.storeSnapshot(t))
	nudged := h.drain()
	mails := h.newMail(t)
	after := h.state(t)

	if c.Stores {
		if c.Mails != nil {
			assert.Len(t, subjects(mails), *c.Mails, "messages sent")
		}
		var to []string
		for _, raw := range mails {
			to = append(to, h.checkMail(t, raw, c.Evil))
		}
		for _, want := range c.SentTo {
			assert.Contains(t, to, want, "a message to %s", want)
		}
		assert.LessOrEqual(t, after.creates, before.creates+1, "at most one room made")
		return
	}
	if status >= 300 {
		assert.Empty(t, stored, "a refused request stores nothing")
	} else {
		// An acknowledged delivery that changes nothing may only remember its id.
		assert.Empty(t, slices.DeleteFunc(stored, func(s string) bool { return strings.HasPrefix(s, `"seen/`) }), "nothing stored")
	}
	assert.Zero(t, nudged, "the worker was not nudged")
	assert.Empty(t, subjects(mails), "no mail sent")
	assert.Equal(t, before.rooms, after.rooms, "no room made or deleted")
	if !strings.HasPrefix(req.path, "/sandbox/") {
		assert.Equal(t, before.creates, after.creates, "no provider create request")
		assert.Equal(t, before.deletes, after.deletes, "no provider delete request")
	}
}

// hostileRequest is a request ready to send, and to send again for a replay.
type hostileRequest struct {
	method, path string
	header       http.Header
	body         []byte
}

func (h *hostile) request(t *testing.T, c hostileCase) hostileRequest {
	t.Helper()
	r := hostileRequest{method: cmp.Or(c.Method, http.MethodPost), path: string(h.expand(t, []byte(c.Path), c.run)), header: http.Header{}}
	require.NotEmpty(t, r.path, "path")
	r.body = h.body(t, c)
	if c.Sign != "" {
		scheme, fault, _ := strings.Cut(c.Sign, " ")
		id := "msg_" + c.run // a generic delivery's webhook-id: the case's, when it gives one
		var given string
		if raw := c.Headers[stdwebhook.HeaderID]; raw != nil && json.Unmarshal(raw, &given) == nil {
			id = string(h.expand(t, []byte(given), c.run))
		}
		r.body = h.sign(t, scheme, fault, id, r.body, r.header)
	}
	for name, raw := range c.Headers {
		var v any
		require.NoError(t, json.Unmarshal(raw, &v), "header %s", name)
		switch v := v.(type) {
		case nil:
			r.header.Del(name)
		case string:
			r.header.Set(name, string(h.expand(t, []byte(v), c.run)))
		case []any:
			r.header.Del(name)
			for _, s := range v {
				r.header.Add(name, string(h.expand(t, []byte(fmt.Sprint(s)), c.run)))
			}
		default:
			require.Failf(t, "bad header", "%s: want a string, a list or null", name)
		}
	}
	return r
}

// body builds a case's body: the source, the edits, the placeholders, then truncation or padding.
func (h *hostile) body(t *testing.T, c hostileCase) []byte {
	t.Helper()
	var raw []byte
	switch {
	case c.Event != "":
		var err error
		raw, err = os.ReadFile(filepath.Join("..", "..", "events", c.Event))
		require.NoError(t, err)
	case c.Body != nil && string(c.Body) != "null":
		raw = c.Body
	case c.Text != nil:
		raw = []byte(*c.Text)
	default:
		require.True(t, c.Set == nil && c.Delete == nil && c.Fill == nil && c.Size == 0, "edits need a body")
		return nil
	}
	if c.Set != nil || c.Delete != nil || c.Fill != nil {
		raw = editJSON(t, raw, c)
	}
	raw = h.expand(t, raw, c.run)
	if c.Truncate > 0 {
		require.Less(t, c.Truncate, len(raw), "truncate")
		raw = raw[:c.Truncate]
	}
	if c.Size > 0 {
		require.LessOrEqual(t, len(raw), c.Size, "size")
		raw = append(raw, bytes.Repeat([]byte(" "), c.Size-len(raw))...)
	}
	return raw
}

// editJSON applies a case's delete, set and fill to a JSON body, in that order.
func editJSON(t *testing.T, raw []byte, c hostileCase) []byte {
	t.Helper()
	var root any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&root), "edits need a JSON body")
	for _, p := range c.Delete {
		parent, last := jsonParent(t, root, p, false)
		switch parent := parent.(type) {
		case map[string]any:
			delete(parent, last.(string))
		default:
			require.Failf(t, "delete", "%s: not a member of an object", p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(c.Set)) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(c.Set[p]))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&v), "set %s", p)
		root = jsonSet(t, root, p, v)
	}
	if f := c.Fill; f != nil {
		items := make([]any, f.Count)
		for i := range items {
			dec := json.NewDecoder(bytes.NewReader(bytes.ReplaceAll(f.Item, []byte("{{i}}"), []byte(strconv.Itoa(i)))))
			dec.UseNumber()
			require.NoError(t, dec.Decode(&items[i]), "fill item")
		}
		root = jsonSet(t, root, f.Path, items)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(root))
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// jsonPath splits "data.attendees[1].email" into "data", "attendees", 1, "email".
func jsonPath(t *testing.T, p string) []any {
	t.Helper()
	var out []any
	for _, part := range strings.Split(p, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			out = append(out, name)
		}
		for rest != "" {
			i, after, ok := strings.Cut(rest, "]")
			n, err := strconv.Atoi(i)
			require.True(t, ok && err == nil, "path %s", p)
			out = append(out, n)
			rest = strings.TrimPrefix(after, "[")
		}
	}
	require.NotEmpty(t, out, "empty path")
	return out
}

// jsonParent returns the container of p's last step, and that step; create makes missing
// objects on the way.
func jsonParent(t *testing.T, root any, p string, create bool) (any, any) {
	t.Helper()
	steps := jsonPath(t, p)
	cur := root
	for _, step := range steps[:len(steps)-1] {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[step.(string)]
			if !ok && create {
				next = map[string]any{}
				c[step.(string)] = next
			}
			cur = next
		case []any:
			i := step.(int)
			require.Less(t, i, len(c), "path %s", p)
			cur = c[i]
		default:
			require.Failf(t, "path", "%s: no such member", p)
		}
	}
	return cur, steps[len(steps)-1]
}

func jsonSet(t *testing.T, root any, p string, v any) any {
	t.Helper()
	parent, last := jsonParent(t, root, p, true)
	switch c := parent.(type) {
	case map[string]any:
		c[last.(string)] = v
	case []any:
		i := last.(int)
		require.Less(t, i, len(c), "path %s", p)
		c[i] = v
	default:
		require.Failf(t, "set", "%s: no such member", p)
	}
	return root
}

var placeholderPattern = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// expand fills in the placeholders of testdata/hostile/README.md.
func (h *hostile) expand(t *testing.T, b []byte, run string) []byte {
	t.Helper()
	return placeholderPattern.ReplaceAllFunc(b, func(m []byte) []byte {
		name := strings.TrimSpace(string(m[2 : len(m)-2]))
		fields := strings.Fields(name)
		switch {
		case name == "now" || name == "run" || strings.HasPrefix(name, "now+") || strings.HasPrefix(name, "now-"):
			// As in events/: eventfile says what these mean.
			out, err := eventfile.Expand([]byte(`"`+string(m)+`"`), eventfile.Vars{Now: h.s.clock.Now(), Run: run})
			require.NoError(t, err)
			var s string
			require.NoError(t, json.Unmarshal(out, &s))
			return []byte(s)
		case len(fields) == 3 && fields[0] == "repeat":
			n, err := strconv.Atoi(fields[1])
			require.NoError(t, err, "%s: want {{repeat COUNT TEXT}}", m)
			return bytes.Repeat([]byte(fields[2]), n)
		case len(fields) > 1 && fields[0] == "bytes":
			b, err := hex.DecodeString(strings.Join(fields[1:], ""))
			require.NoError(t, err, "%s: want {{bytes HEX}}", m)
			return b
		case name == "unix":
			return []byte(strconv.FormatInt(h.s.clock.Now().Unix(), 10))
		case len(fields) == 4 && fields[0] == "joinToken":
			arg := func(s string) string { return cmp.Or(h.fixtures[s], s) }
			recipient := arg(fields[2])
			if recipient == "-" {
				recipient = booking.RoomLink
			}
			tok, err := link.Make(h.s.cfg.LinkSecret, link.Token{Key: arg(fields[1]), Recipient: recipient, Purpose: booking.Purpose(fields[3][0])})
			require.NoError(t, err, "%s: want {{joinToken KEY RECIPIENT g|h}}", m)
			return []byte(tok)
		case len(fields) == 3 && fields[0] == "hostToken":
			arg := func(s string) string { return cmp.Or(h.fixtures[s], s) }
			u := link.HostURL(h.s.cfg.PublicURL, h.s.cfg.HostSecret, arg(fields[1]), arg(fields[2]))
			return []byte(u[strings.LastIndex(u, "/")+1:])
		}
		v, ok := h.fixtures[name]
		require.True(t, ok, "unknown placeholder %s", m)
		return []byte(v)
	})
}

// sign adds the headers scheme signs a delivery with, with fault, and returns the body to send.
// id is a generic delivery's webhook-id.
func (h *hostile) sign(t *testing.T, scheme, fault, id string, body []byte, header http.Header) []byte {
	t.Helper()
	now := h.s.clock.Now()
	switch fault {
	case "", "wrong-key", "tampered", "other-id":
	case "stale":
		now = now.Add(-10 * time.Minute)
	case "future":
		now = now.Add(10 * time.Minute)
	default:
		require.Failf(t, "bad sign", "fault %q: want wrong-key, stale, future, tampered or other-id", fault)
	}
	secret := func(name string) string {
		if fault == "wrong-key" {
			return "whsec_bm90LXRoZS1zZWNyZXQtbm90LXRoZS1zZWNyZXQ="
		}
		return name
	}
	switch scheme {
	case "generic":
		sig, err := stdwebhook.Sign(secret(h.s.cfg.GenericSecret), id, now, body)
		require.NoError(t, err)
		header.Set(stdwebhook.HeaderID, id)
		header.Set(stdwebhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		header.Set(stdwebhook.HeaderSignature, sig)
		if fault == "other-id" {
			header.Set(stdwebhook.HeaderID, id+"_other") // the signature covers the id
		}
	case "calcom", "cronofy":
		require.Contains(t, []string{"", "wrong-key", "tampered"}, fault, "%s signatures carry no time", scheme)
		if scheme == "calcom" {
			header.Set(calcom.HeaderSignature, calcom.Sign(secret(sourceSecret(h.s.cfg, sourceSecrets[calcom.Source])), body))
		} else {
			header.Set(cronofy.HeaderSignature, cronofy.Sign(secret(sourceSecret(h.s.cfg, sourceSecrets[cronofy.Source])), body))
		}
	case "calendly":
		header.Set(calendly.HeaderSignature, calendly.Sign(secret(sourceSecret(h.s.cfg, sourceSecrets[calendly.Source])), now, body))
	case "whereby":
		header.Set(wherebyhook.SignatureHeader, wherebyhook.Sign(secret(h.s.cfg.Whereby.WebhookSecret), now, body))
	case "zoom":
		ts, sig := zoomhook.Sign(secret(zoomE2ESecret), now, body)
		header.Set(zoomhook.TimestampHeader, ts)
		header.Set(zoomhook.SignatureHeader, sig)
	default:
		require.Failf(t, "bad sign", "scheme %q: want generic, calcom, calendly, cronofy, whereby or zoom", scheme)
	}
	if fault == "tampered" {
		return append(slices.Clip(body), ' ') // one byte more than was signed
	}
	return body
}

func (h *hostile) send(t *testing.T, r hostileRequest) (int, http.Header, []byte) {
	t.Helper()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, h.s.srv.URL+r.path, body)
	require.NoError(t, err)
	req.Header = r.header.Clone()
	resp, err := h.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, out
}

// codeOf is the error code each status is answered with.
var codeOf = map[int]string{
	400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
	409: "conflict", 413: "too_large", 415: "unsupported", 422: "unprocessable", 429: "too_many_requests",
	503: "unavailable",
}

func (h *hostile) checkAnswer(t *testing.T, c hostileCase, status int, header http.Header, body []byte) {
	t.Helper()
	assert.Equal(t, c.Status, status, "status; the answer: %s", body)
	for _, secret := range h.secrets {
		assert.NotContains(t, string(body), secret, "the answer holds a secret")
	}
	for _, s := range c.NotInAnswer {
		assert.NotContains(t, string(body), string(h.expand(t, []byte(s), c.run)))
	}
	for k, v := range c.AnswerHeaders {
		assert.Equal(t, string(h.expand(t, []byte(v), c.run)), header.Get(k), "answer header %s", k)
	}
	if !c.jsonAnswer() {
		if status >= 400 {
			assert.NotEmpty(t, bytes.TrimSpace(body), "the answer says what is wrong")
		}
		if c.Message != "" {
			assert.Contains(t, string(body), c.Message)
		}
		return
	}
	if status >= 400 || len(c.Answer) > 0 {
		mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
		require.Equal(t, "application/json", mt, "a JSON answer; got %s", body)
	}
	if status >= 400 {
		var e struct {
			Error *struct {
				Code    string  `json:"code"`
				Message string  `json:"message"`
				Field   *string `json:"field"`
			} `json:"error"`
		}
		require.NoError(t, json.Unmarshal(body, &e), "the error answer: %s", body)
		require.NotNil(t, e.Error, "an error object: %s", body)
		assert.Equal(t, cmp.Or(c.Code, codeOf[status]), e.Error.Code, "error code")
		assert.NotEmpty(t, e.Error.Message, "the error says what is wrong")
		if c.Field != nil {
			got := ""
			if e.Error.Field != nil {
				got = *e.Error.Field
			}
			assert.Equal(t, *c.Field, got, "the field named: %s", e.Error.Message)
		}
		if c.Message != "" {
			assert.Contains(t, e.Error.Message, c.Message)
		}
	}
	if len(c.Answer) > 0 {
		var got map[string]any
		require.NoError(t, json.Unmarshal(body, &got), "answer: %s", body)
		for k, want := range c.Answer {
			assert.Equal(t, want, got[k], "answer member %s: %s", k, body)
		}
	}
}

// subjects names messages in a failure: their subject lines.
func subjects(mails [][]byte) []string {
	var out []string
	for _, raw := range mails {
		if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
			out = append(out, m.Header.Get("Subject"))
		} else {
			out = append(out, "(unreadable)")
		}
	}
	return out
}

// hostileState is what the stack holds that a request could change.
type hostileState struct {
	store            map[string]string // "bucket/key" → SHA-256 of the value
	rooms            int               // Whereby sandbox rooms and Zoom meetings
	creates, deletes int               // requests that made or deleted one
}

func (h *hostile) state(t *testing.T) hostileState {
	t.Helper()
	st := hostileState{store: h.storeSnapshot(t), rooms: len(h.s.app.sandbox.Rooms()) + len(h.zoom.Meetings())}
	for _, r := range append(h.s.app.sandbox.Requests(), h.zoom.Requests()...) {
		switch r.Method {
		case http.MethodPost:
			st.creates++
		case http.MethodDelete:
			st.deletes++
		}
	}
	return st
}

// storeSnapshot reads every bucket of the stack's database, from a copy (bbolt holds a lock on
// the file the stack has open).
func (h *hostile) storeSnapshot(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(h.s.cfg.DataDir, "roomkeeper.db"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	require.NoError(t, err)
	defer db.Close()
	out := map[string]string{}
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			if string(name) == "limits" {
				return nil // wrong tokens are counted per address, to slow guessing: by design
			}
			return b.ForEach(func(k, v []byte) error {
				if string(name) == "operators" {
					v = withoutLastUsed(t, v) // a token that works is noted, to the minute
				}
				sum := sha256.Sum256(v)
				out[string(name)+"/"+string(k)] = hex.EncodeToString(sum[:])
				return nil
			})
		})
	}))
	return out
}

// withoutLastUsed is an operator's record without its lastUsed.
func withoutLastUsed(t *testing.T, v []byte) []byte {
	t.Helper()
	var r map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(v, &r), "an operator's record")
	delete(r, "lastUsed")
	out, err := json.Marshal(r)
	require.NoError(t, err)
	return out
}

// diffStore lists the entries added, changed or removed.
func diffStore(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		switch old, ok := before[k]; {
		case !ok:
			out = append(out, strconv.Quote(k)+" added")
		case old != v:
			out = append(out, strconv.Quote(k)+" changed")
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, strconv.Quote(k)+" removed")
		}
	}
	sort.Strings(out)
	return out
}

// drain works every booking waiting in the queue and returns how many there were.
func (h *hostile) drain() int {
	n := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
		key, err := h.s.app.queue.Receive(ctx)
		cancel()
		if err != nil {
			return n
		}
		n++
		h.s.app.reconcile(context.Background(), key)
	}
}

// newMail returns the messages sent since the last call, oldest first.
func (h *hostile) newMail(t *testing.T) [][]byte {
	t.Helper()
	entries, err := h.s.app.outbox.List()
	require.NoError(t, err)
	var out [][]byte
	for i := len(entries) - 1; i >= 0; i-- {
		if h.mailSeen[entries[i].ID] {
			continue
		}
		h.mailSeen[entries[i].ID] = true
		raw, err := h.s.app.outbox.Read(entries[i].ID)
		require.NoError(t, err)
		out = append(out, raw)
	}
	return out
}

// mailHeaders are the only header fields roomkeeper writes at the top of a message.
var mailHeaders = []string{"Subject", "Reply-To", "To", "From", "Date", "Message-Id", "Mime-Version", "Content-Type"}

// calendarComponents are the only components an invite's calendar holds.
var calendarComponents = []string{"VCALENDAR", "VEVENT", "VTIMEZONE", "STANDARD", "DAYLIGHT", "VALARM"}

// textProperties hold free text from the booking, escaped (RFC 5545 §3.3.11): evil strings may
// appear there, as text.
var textProperties = []string{"SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT"}

// checkMail checks one message for smuggled header fields, addresses and calendar lines: its
// header holds only roomkeeper's fields, one sender and one recipient, a subject of one line;
// its calendar one event, of the components roomkeeper writes; no evil string is an address,
// a header field or a calendar line outside the text properties; the HTML has no script; and a
// guest's message no host link. The calendar is kept for the outside validators. It returns the
// address the message was sent to.
func (h *hostile) checkMail(t *testing.T, raw []byte, evil []string) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err, "read message")
	for name := range msg.Header {
		assert.Contains(t, mailHeaders, name, "header field %s", name)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err, "decode Subject")
	assert.NotContains(t, subject, "\r", "Subject")
	assert.NotContains(t, subject, "\n", "Subject")
	var to string
	for _, k := range []string{"From", "To", "Reply-To"} {
		if k == "Reply-To" && msg.Header.Get(k) == "" {
			continue
		}
		list, err := msg.Header.AddressList(k)
		require.NoError(t, err, "parse %s", k)
		require.Len(t, list, 1, "one address in %s", k)
		for _, e := range evil {
			assert.NotContains(t, list[0].Address, e, "%s", k)
		}
		if k == "To" {
			to = list[0].Address
		}
	}
	for name, vs := range msg.Header {
		if name == "Subject" || name == "From" || name == "To" || name == "Reply-To" {
			continue // text, and display names: checked decoded, above
		}
		for _, e := range evil {
			for _, v := range vs {
				assert.NotContains(t, v, e, "header %s", name)
			}
		}
	}

	e, err := message.Read(bytes.NewReader(raw))
	require.NoError(t, err)
	var html, cal []byte
	require.NoError(t, e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil {
			return err
		}
		mt, _, _ := part.Header.ContentType()
		switch mt {
		case "text/html":
			html, err = io.ReadAll(part.Body)
		case "text/calendar":
			cal, err = io.ReadAll(part.Body)
		}
		return err
	}), "read the MIME parts")
	assert.NotContains(t, strings.ToLower(string(html)), "<script", "the HTML part")
	if to != organizer {
		everything := string(raw) + string(html) + string(cal)
		assert.NotContains(t, everything, "roomKey", "a host link to %s", to)
		assert.NotContains(t, everything, "/v1/host/", "a host link to %s", to)
	}
	if cal == nil {
		return to
	}
	h.calendars = append(h.calendars, cal)
	components := map[string]int{}
	for _, line := range strings.Split(strings.ReplaceAll(string(cal), "\r\n ", ""), "\r\n") {
		if line == "" {
			continue
		}
		name, params, value, ok := contentLine(line)
		require.True(t, ok, "a calendar line that does not parse: %q", line)
		switch name {
		case "BEGIN":
			assert.Contains(t, calendarComponents, value, "calendar component")
			components[value]++
		case "END":
			components["/"+value]++
		}
		seen := map[string]bool{}
		for _, p := range params {
			assert.False(t, seen[p[0]], "parameter %s twice in %q", p[0], line)
			seen[p[0]] = true
			for _, e := range evil {
				assert.NotContains(t, p[0], e, "a parameter name in %q", line)
				if p[0] != "CN" {
					assert.NotContains(t, p[1], e, "parameter %s in %q", p[0], line)
				}
			}
		}
		for _, e := range evil {
			assert.NotContains(t, name, e, "a property name: %q", line)
			if !slices.Contains(textProperties, name) {
				assert.NotContains(t, value, e, "the value of %q", line)
			}
		}
	}
	for _, c := range []string{"VCALENDAR", "VEVENT"} {
		assert.Equal(t, 1, components[c], "BEGIN:%s", c)
		assert.Equal(t, 1, components["/"+c], "END:%s", c)
	}
	return to
}

// contentLine splits an unfolded iCalendar content line (RFC 5545 §3.1): name *(";" param)
// ":" value, a parameter's value quoted or free of ";", ":" and ",".
func contentLine(line string) (name string, params [][2]string, value string, ok bool) {
	i := strings.IndexAny(line, ";:")
	if i <= 0 {
		return "", nil, "", false
	}
	name, rest := strings.ToUpper(line[:i]), line[i:]
	for strings.HasPrefix(rest, ";") {
		rest = rest[1:]
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 || strings.ContainsAny(rest[:eq], ";:\"") {
			return "", nil, "", false
		}
		pname, v := strings.ToUpper(rest[:eq]), ""
		rest = rest[eq+1:]
		for {
			if strings.HasPrefix(rest, "\"") {
				end := strings.IndexByte(rest[1:], '"')
				if end < 0 {
					return "", nil, "", false
				}
				v += rest[1 : end+1]
				rest = rest[end+2:]
			} else {
				end := strings.IndexAny(rest, ";:,")
				if end < 0 {
					return "", nil, "", false
				}
				v += rest[:end]
				rest = rest[end:]
			}
			if !strings.HasPrefix(rest, ",") {
				break
			}
			v += ","
			rest = rest[1:]
		}
		params = append(params, [2]string{pname, v})
	}
	if !strings.HasPrefix(rest, ":") {
		return "", nil, "", false
	}
	return name, params, rest[1:], true
}

// checkAllMail runs every calendar sent through the outside validators, in one go.
func (h *hostile) checkAllMail(t *testing.T) {
	t.Helper()
	h.drain()
	for _, raw := range h.newMail(t) {
		h.checkMail(t, raw, nil)
	}
	invitetest.CheckICS(t, h.calendars...)
}

// named is a Whereby room link as a person's own /j/ link leads to it: with their displayName and
// externalId (their recipient id).
func named(t *testing.T, room string, p booking.Person) string {
	t.Helper()
	u, err := url.Parse(room)
	require.NoError(t, err)
	q := u.Query()
	q.Set("displayName", p.Name)
	q.Set("externalId", p.ID)
	u.RawQuery = q.Encode()
	return u.String()
}
