package sandbox_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/video/wherebyhook"
)

const hookSecret = "wbsec_sandbox-test"

// delivery is one webhook as the receiver got it.
type delivery struct {
	body   []byte
	header http.Header
	env    map[string]any
	data   map[string]any
	events []booking.RoomEvent
}

func (d delivery) typ() string { return d.env["type"].(string) }

// receiver is a webhook endpoint that verifies and parses each delivery with roomkeeper's own
// Whereby code, at the sandbox's clock. answer picks the status of the n-th request (from 0);
// wait, how long to take over it.
type receiver struct {
	t      *testing.T
	clock  *clocktest.Clock
	mu     sync.Mutex
	n      int
	got    []delivery
	answer func(n int) int
	wait   func(n int) time.Duration
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	n := rc.n
	rc.n++
	rc.mu.Unlock()
	if rc.wait != nil {
		if d := rc.wait(n); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
	}
	if err := wherebyhook.Verify(hookSecret, r.Header, body, rc.clock.Now(), time.Minute); err != nil {
		rc.t.Errorf("delivery %d does not verify: %v", n, err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	_, events, err := wherebyhook.Parse(body)
	if err != nil {
		rc.t.Errorf("delivery %d does not parse: %v", n, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	d := delivery{body: body, header: r.Header.Clone(), events: events}
	require.NoError(rc.t, json.Unmarshal(body, &d.env))
	d.data, _ = d.env["data"].(map[string]any)
	rc.mu.Lock()
	rc.got = append(rc.got, d)
	rc.mu.Unlock()
	status := http.StatusOK
	if rc.answer != nil {
		status = rc.answer(n)
	}
	w.WriteHeader(status)
}

// take returns the deliveries received since the last call.
func (rc *receiver) take() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.got
	rc.got = nil
	return out
}

func types(ds []delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.typ())
	}
	return out
}

// hookSandbox starts a sandbox whose webhooks go to a verifying receiver.
func hookSandbox(t *testing.T, edit ...func(*sandbox.WherebyOptions)) (*sandbox.Whereby, *clocktest.Clock, *receiver) {
	t.Helper()
	c := clocktest.New(t0)
	rc := &receiver{t: t, clock: c}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	opts := sandbox.WherebyOptions{PublicURL: publicURL, Now: c.Now, WebhookURL: srv.URL + "/v1/hooks/whereby", WebhookSecret: hookSecret}
	for _, e := range edit {
		e(&opts)
	}
	w, err := sandbox.NewWhereby(opts)
	require.NoError(t, err)
	return w, c, rc
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestWebhooksFollowTheRoom(t *testing.T) {
	w, c, rc := hookSandbox(t)
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","isDialInEnabled":true}`)
	room := m["roomName"].(string)

	ada, err := w.Join(room, "Ada Host", "host", false)
	require.NoError(t, err)
	got := rc.take()
	require.Equal(t, []string{"room.client.joined"}, types(got))
	env := got[0].env
	assert.Regexp(t, hex64, env["id"])
	assert.Equal(t, "1.0", env["apiVersion"])
	assert.Equal(t, "2026-11-23T15:00:00.000Z", env["createdAt"])
	assert.Equal(t, map[string]any{
		"meetingId": m["meetingId"], "roomName": room, "roomSessionId": nil, "subdomain": "sandbox",
		"displayName": "Ada Host", "participantId": ada, "metadata": nil, "externalId": nil,
		"roleName": "host", "numClients": 1.0, "numClientsByRoleName": map[string]any{"host": 1.0}, "isDialIn": false,
	}, got[0].data)
	assert.True(t, strings.HasPrefix(room, "/"), "roomName has its leading /")
	sig := strings.Split(got[0].header.Get("Whereby-Signature"), ",")
	require.Len(t, sig, 2)
	assert.Equal(t, "t="+strconv.FormatInt(t0.Unix(), 10), sig[0], "unix seconds")
	assert.Regexp(t, `^v1=[0-9a-f]{64}$`, sig[1], "lowercase hex")
	assert.Equal(t, "application/json", got[0].header.Get("Content-Type"))

	c.Set(t0.Add(time.Minute))
	bob, err := w.Join(room, "Bob & <Åsa>", "visitor", false)
	require.NoError(t, err)
	got = rc.take()
	require.Equal(t, []string{"room.client.joined", "room.session.started"}, types(got), "the second one in starts a session")
	session, _ := got[0].data["roomSessionId"].(string)
	assert.Regexp(t, uuidV4, session)
	assert.Equal(t, 2.0, got[0].data["numClients"])
	assert.Equal(t, map[string]any{"host": 1.0, "visitor": 1.0}, got[0].data["numClientsByRoleName"])
	assert.Contains(t, string(got[0].body), `"displayName":"Bob & <Åsa>"`, "sent as Whereby's Node service writes it, not HTML-escaped")
	assert.Equal(t, map[string]any{"meetingId": m["meetingId"], "roomName": room, "roomSessionId": session, "subdomain": "sandbox"}, got[1].data)
	assert.NotEqual(t, got[0].env["id"], got[1].env["id"])

	caller, err := w.Join(room, "Caller", "visitor", true)
	require.NoError(t, err)
	got = rc.take()
	require.Equal(t, []string{"room.client.joined"}, types(got))
	assert.Equal(t, true, got[0].data["isDialIn"])
	assert.Equal(t, "visitor", got[0].data["roleName"])
	assert.Equal(t, session, got[0].data["roomSessionId"])
	assert.Equal(t, 3.0, got[0].data["numClients"])
	assert.Equal(t, []booking.RoomEvent{{
		Kind: booking.Joined, At: t0.Add(time.Minute), RoomID: m["meetingId"].(string), RoomName: room, SessionID: session,
		ParticipantID: caller, Name: "Caller", Role: "visitor", DialIn: true,
	}}, got[0].events, "roomkeeper reads it as a dial-in caller")

	c.Set(t0.Add(20 * time.Minute))
	require.NoError(t, w.Leave(room, caller))
	got = rc.take()
	require.Equal(t, []string{"room.client.left"}, types(got))
	assert.Equal(t, 2.0, got[0].data["numClients"], "the count after the event")

	require.NoError(t, w.Leave(room, bob))
	got = rc.take()
	require.Equal(t, []string{"room.client.left", "room.session.ended"}, types(got), "fewer than 2 ends the session")
	assert.Equal(t, session, got[0].data["roomSessionId"], "Bob left the session")
	assert.Equal(t, session, got[1].data["roomSessionId"])
	assert.Equal(t, map[string]any{"host": 1.0}, got[0].data["numClientsByRoleName"])

	p, err := w.Presence(room)
	require.NoError(t, err)
	assert.Empty(t, p.SessionID)
	require.Len(t, p.Present, 1)
	assert.Equal(t, ada, p.Present[0].ID)

	// A new connection is a new participant, and a new pair a new session.
	bob2, err := w.Join(room, "Bob & <Åsa>", "visitor", false)
	require.NoError(t, err)
	assert.NotEqual(t, bob, bob2)
	got = rc.take()
	require.Equal(t, []string{"room.client.joined", "room.session.started"}, types(got))
	assert.NotEqual(t, session, got[1].data["roomSessionId"])

	require.NoError(t, w.Leave(room, ada))
	got = rc.take()
	require.Equal(t, []string{"room.client.left", "room.session.ended"}, types(got))
	require.NoError(t, w.Leave(room, bob2))
	got = rc.take()
	require.Equal(t, []string{"room.client.left"}, types(got))
	assert.Nil(t, got[0].data["roomSessionId"], "alone: no session")
	assert.Equal(t, 0.0, got[0].data["numClients"])
	assert.Equal(t, map[string]any{}, got[0].data["numClientsByRoleName"])

	for _, h := range w.Webhooks() {
		assert.True(t, h.Delivered, h.Type)
		assert.Equal(t, 1, h.Attempts)
		assert.Equal(t, http.StatusOK, h.Status)
	}
}

func TestKnockingOnALockedRoom(t *testing.T) {
	w, _, rc := hookSandbox(t)
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","isLocked":true}`)
	room := m["roomName"].(string)

	_, err := w.Join(room, "Bob", "visitor", false)
	assert.ErrorIs(t, err, sandbox.ErrLocked, "a visitor knocks on a locked room")
	assert.Empty(t, rc.take())

	require.NoError(t, w.Knock(room, "Bob"))
	got := rc.take()
	require.Equal(t, []string{"room.client.knocked"}, types(got))
	knocker := got[0].data["participantId"].(string)
	assert.Equal(t, map[string]any{
		"meetingId": m["meetingId"], "roomName": room, "roomSessionId": nil, "subdomain": "sandbox",
		"displayName": "Bob", "participantId": knocker, "metadata": nil, "externalId": nil,
	}, got[0].data, "knocks carry no role or counts")

	_, err = w.Admit(room, "Bob")
	assert.ErrorIs(t, err, sandbox.ErrNoHost, "only a host in the room lets people in")

	_, err = w.Join(room, "Ada", "host", false)
	require.NoError(t, err)
	rc.take()
	_, err = w.Admit(room, "Nobody")
	assert.ErrorIs(t, err, sandbox.ErrNotWaiting)
	id, err := w.Admit(room, "Bob")
	require.NoError(t, err)
	assert.Equal(t, knocker, id, "the knocking connection comes in")
	got = rc.take()
	require.Equal(t, []string{"room.client.joined", "room.session.started"}, types(got))
	assert.Equal(t, "granted_visitor", got[0].data["roleName"])

	require.NoError(t, w.Knock(room, "Cleo"))
	require.NoError(t, w.CancelKnock(room, "Cleo"))
	got = rc.take()
	require.Equal(t, []string{"room.client.knocked", "room.client.knockCancelled"}, types(got))
	assert.Equal(t, got[0].data["participantId"], got[1].data["participantId"])
	assert.NotNil(t, got[0].data["roomSessionId"], "knocking while a session is on")
	assert.ErrorIs(t, w.CancelKnock(room, "Cleo"), sandbox.ErrNotWaiting)

	caller, err := w.Join(room, "Caller", "visitor", true)
	require.NoError(t, err, "a phone caller has the room's code")
	assert.NotEmpty(t, caller)

	open := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
	assert.ErrorIs(t, w.Knock(open["roomName"].(string), "Bob"), sandbox.ErrNotLocked)
}

func TestRoomActionsRejectBadInput(t *testing.T) {
	w, c, rc := hookSandbox(t)
	m := create(t, w, `{"endDate":"2026-11-23T16:00:00Z"}`)
	room := m["roomName"].(string)
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"empty name", func() error { _, err := w.Join(room, "  ", "visitor", false); return err }, sandbox.ErrInvalid},
		{"long name", func() error { _, err := w.Join(room, strings.Repeat("x", 101), "visitor", false); return err }, sandbox.ErrInvalid},
		{"control character", func() error { _, err := w.Join(room, "Bob\nEvil", "visitor", false); return err }, sandbox.ErrInvalid},
		{"unknown role", func() error { _, err := w.Join(room, "Bob", "admin", false); return err }, sandbox.ErrInvalid},
		{"unknown room", func() error { _, err := w.Join("/nope", "Bob", "visitor", false); return err }, sandbox.ErrNoRoom},
		{"leave unknown participant", func() error { return w.Leave(room, "p-none") }, sandbox.ErrNotInRoom},
		{"after endDate + 1 h", func() error {
			c.Set(t0.Add(2 * time.Hour))
			defer c.Set(t0)
			_, err := w.Join(room, "Bob", "visitor", false)
			return err
		}, sandbox.ErrNoRoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, tt.do(), tt.want)
		})
	}
	assert.Empty(t, rc.take())
	assert.Empty(t, w.Webhooks())

	// Name without its leading "/" works too.
	_, err := w.Join(strings.TrimPrefix(room, "/"), "Bob", "visitor", false)
	require.NoError(t, err)
	assert.Len(t, rc.take(), 1)
}

func TestNoWebhooksAfterEndDatePlusAnHour(t *testing.T) {
	w, c, rc := hookSandbox(t)
	m := create(t, w, `{"endDate":"2026-11-23T16:00:00Z"}`)
	room := m["roomName"].(string)
	_, err := w.Join(room, "Ada", "host", false)
	require.NoError(t, err)
	bob, err := w.Join(room, "Bob", "visitor", false)
	require.NoError(t, err)
	rc.take()

	c.Set(t0.Add(time.Hour + 59*time.Minute)) // endDate + 59 min: webhooks still work
	require.NoError(t, w.Leave(room, bob))
	assert.Equal(t, []string{"room.client.left", "room.session.ended"}, types(rc.take()))

	c.Set(t0.Add(2 * time.Hour)) // endDate + 1 h: the room is gone, and its events with it
	assert.ErrorIs(t, w.Knock(room, "Late"), sandbox.ErrNoRoom)
	_, err = w.Join(room, "Late", "host", false)
	assert.ErrorIs(t, err, sandbox.ErrNoRoom)
	r := call(t, w, http.MethodDelete, api+"/meetings/"+m["meetingId"].(string), "")
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, rc.take(), "deleting a room that is gone sends nothing")
}

func TestDeletingARoomEmptiesIt(t *testing.T) {
	w, _, rc := hookSandbox(t)
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","isLocked":true}`)
	room := m["roomName"].(string)
	for _, who := range []string{"Ada", "Bob"} {
		_, err := w.Join(room, who, "host", false)
		require.NoError(t, err)
	}
	require.NoError(t, w.Knock(room, "Cleo"))
	rc.take()

	r := call(t, w, http.MethodDelete, api+"/meetings/"+m["meetingId"].(string), "")
	require.Equal(t, http.StatusNoContent, r.status)
	got := rc.take()
	require.Equal(t, []string{"room.client.left", "room.session.ended", "room.client.left"}, types(got))
	assert.Equal(t, 0.0, got[2].data["numClients"])
	_, err := w.Presence(room)
	assert.ErrorIs(t, err, sandbox.ErrNoRoom)

	r = call(t, w, http.MethodDelete, api+"/meetings/"+m["meetingId"].(string), "")
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, rc.take(), "a second delete sends nothing")
}

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(n int) int
		wait     func(n int) time.Duration
		attempts int
		status   int  // of the last attempt; 0 for none
		failed   bool // Join reports a *DeliveryError
	}{
		{"accepted at once", nil, nil, 1, 200, false},
		{"204 is accepted", func(int) int { return 204 }, nil, 1, 204, false},
		{"5xx twice, then accepted", func(n int) int { return map[bool]int{true: 503, false: 200}[n < 2] }, nil, 3, 200, false},
		{"5xx three times: given up", func(int) int { return 500 }, nil, 3, 500, true},
		{"4xx is not retried", func(int) int { return 401 }, nil, 1, 401, true},
		{"a timeout is retried", nil, func(n int) time.Duration {
			if n == 0 {
				return time.Second
			}
			return 0
		}, 2, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _, rc := hookSandbox(t, func(o *sandbox.WherebyOptions) { o.WebhookTimeout = 50 * time.Millisecond })
			rc.answer, rc.wait = tt.answer, tt.wait
			m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
			id, err := w.Join(m["roomName"].(string), "Ada", "host", false)
			assert.NotEmpty(t, id, "the join happened whatever the receiver said")
			var de *sandbox.DeliveryError
			if tt.failed {
				require.True(t, errors.As(err, &de), "a *DeliveryError: %v", err)
				assert.Equal(t, tt.status, de.Status)
			} else {
				require.NoError(t, err)
			}
			hooks := w.Webhooks()
			require.Len(t, hooks, 1)
			assert.Equal(t, tt.attempts, hooks[0].Attempts)
			assert.Equal(t, tt.status, hooks[0].Status)
			assert.Equal(t, !tt.failed, hooks[0].Delivered)
			for _, d := range rc.take() {
				assert.Equal(t, hooks[0].ID, d.env["id"], "a retry keeps the delivery id")
				assert.Equal(t, hooks[0].Body, d.body, "and the body")
			}
		})
	}
}

func TestUnreachableReceiverIsRetriedAndReported(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	c := clocktest.New(t0)
	w, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: publicURL, Now: c.Now, WebhookURL: addr, WebhookSecret: hookSecret})
	require.NoError(t, err)
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
	_, err = w.Join(m["roomName"].(string), "Ada", "host", false)
	var de *sandbox.DeliveryError
	require.True(t, errors.As(err, &de))
	assert.Zero(t, de.Status)
	assert.NotContains(t, de.Error(), hookSecret)
	assert.Equal(t, 3, w.Webhooks()[0].Attempts)
}

func TestRedeliverAndReorder(t *testing.T) {
	w, _, rc := hookSandbox(t)
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
	room := m["roomName"].(string)

	ada, err := w.Join(room, "Ada", "host", false)
	require.NoError(t, err)
	first := w.Webhooks()[0]
	require.NoError(t, w.Redeliver(first.ID))
	got := rc.take()
	require.Len(t, got, 2)
	assert.Equal(t, got[0].body, got[1].body, "a duplicate: same id, same body")
	assert.Error(t, w.Redeliver("nope"))

	w.HoldWebhooks()
	bob, err := w.Join(room, "Bob", "visitor", false)
	require.NoError(t, err)
	require.NoError(t, w.Leave(room, bob))
	require.NoError(t, w.Leave(room, ada))
	assert.Empty(t, rc.take(), "held")
	for _, h := range w.Webhooks()[1:] {
		assert.Zero(t, h.Attempts)
	}
	require.NoError(t, w.ReleaseWebhooks(true))
	assert.Equal(t, []string{"room.client.left", "room.session.ended", "room.client.left", "room.session.started", "room.client.joined"},
		types(rc.take()), "newest first: every left before its joined, the session's end before its start")

	_, err = w.Join(room, "Cleo", "visitor", false)
	require.NoError(t, err)
	assert.Len(t, rc.take(), 1, "no longer held")
}

func TestWithoutAWebhookURLNothingIsSent(t *testing.T) {
	w, _ := mustSandbox(t, "")
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
	id, err := w.Join(m["roomName"].(string), "Ada", "host", false)
	require.NoError(t, err)
	assert.NotEmpty(t, id)
	assert.Empty(t, w.Webhooks())
	p, err := w.Presence(m["roomName"].(string))
	require.NoError(t, err)
	assert.Len(t, p.Present, 1)
}

func TestNewWherebyChecksWebhookOptions(t *testing.T) {
	for _, o := range []sandbox.WherebyOptions{
		{PublicURL: publicURL, WebhookURL: "localhost:8080/v1/hooks/whereby", WebhookSecret: hookSecret},
		{PublicURL: publicURL, WebhookURL: "http://127.0.0.1:8080/v1/hooks/whereby"},
	} {
		_, err := sandbox.NewWhereby(o)
		assert.Error(t, err)
	}
}

// page posts a room page form and returns the answer.
func page(t *testing.T, w http.Handler, path string, form url.Values) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func TestRoomPageForms(t *testing.T) {
	w, _, rc := hookSandbox(t)
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","isLocked":true,"fields":["hostRoomUrl"]}`)
	room := m["roomName"].(string)
	guest := strings.TrimPrefix(m["roomUrl"].(string), publicURL)
	host := strings.TrimPrefix(m["hostRoomUrl"].(string), publicURL)
	get := func(path string) string {
		t.Helper()
		r := call(t, w, http.MethodGet, path, "", "")
		require.Equal(t, http.StatusOK, r.status)
		return string(r.body)
	}
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	g := get(guest)
	assert.Contains(t, g, `value="knock">Knock<`, "a locked room's guest knocks")
	assert.Contains(t, g, `value="dialin">Call in by phone<`)
	assert.NotContains(t, g, `value="host"`, "joining as host is only offered with the room key")
	assert.NotContains(t, g, "host key")
	assert.Contains(t, g, "Nobody is in the room.")
	assert.Contains(t, g, "/v1/hooks/whereby")

	r := page(t, w, guest, form("action", "host", "displayName", "Mallory"))
	assert.Equal(t, http.StatusForbidden, r.status, "no key, no host")
	assert.Contains(t, string(r.body), "room key")
	assert.Empty(t, rc.take())

	r = page(t, w, guest, form("action", "join", "displayName", "Bob"))
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, string(r.body), "locked")

	r = page(t, w, guest, form("action", "knock", "displayName", "Bob"))
	require.Equal(t, http.StatusSeeOther, r.status)
	assert.Equal(t, guest, r.header.Get("Location"), "back to the page")
	assert.Equal(t, []string{"room.client.knocked"}, types(rc.take()))
	g = get(guest)
	assert.Contains(t, g, "Knocking")
	assert.NotContains(t, g, "Let in", "a guest cannot let anyone in")

	h := get(host)
	assert.Contains(t, h, `value="host">Join as host<`)
	assert.NotContains(t, h, "Let in", "no host in the room yet")
	r = page(t, w, host, form("action", "host", "displayName", "Ada"))
	require.Equal(t, http.StatusSeeOther, r.status)
	assert.Equal(t, host, r.header.Get("Location"), "the key stays in the URL")
	assert.Equal(t, []string{"room.client.joined"}, types(rc.take()))

	p, err := w.Presence(room)
	require.NoError(t, err)
	require.Len(t, p.Waiting, 1)
	h = get(host)
	assert.Contains(t, h, "Let in")
	r = page(t, w, host, form("action", "admit", "participant", p.Waiting[0].ID))
	require.Equal(t, http.StatusSeeOther, r.status)
	got := rc.take()
	require.Equal(t, []string{"room.client.joined", "room.session.started"}, types(got))
	assert.Equal(t, "granted_visitor", got[0].data["roleName"])

	r = page(t, w, guest, form("action", "dialin", "displayName", "Caller"))
	require.Equal(t, http.StatusSeeOther, r.status)
	got = rc.take()
	require.Len(t, got, 1)
	assert.Equal(t, true, got[0].data["isDialIn"])

	g = get(guest)
	for _, s := range []string{"Ada · host", "Bob · granted_visitor", "Caller · visitor · by phone", "room.session.started", "<td>200</td>"} {
		assert.Contains(t, g, s)
	}
	p, err = w.Presence(room)
	require.NoError(t, err)
	require.Len(t, p.Present, 3)
	r = page(t, w, guest, form("action", "leave", "participant", p.Present[2].ID))
	require.Equal(t, http.StatusSeeOther, r.status)
	assert.Equal(t, []string{"room.client.left"}, types(rc.take()))

	for _, tt := range []struct {
		name   string
		form   url.Values
		status int
	}{
		{"unknown action", form("action", "dance"), http.StatusBadRequest},
		{"no name", form("action", "dialin"), http.StatusBadRequest},
		{"leave someone not there", form("action", "leave", "participant", "p-none"), http.StatusConflict},
		{"admit without the key", form("action", "admit", "participant", "p-none"), http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := page(t, w, guest, tt.form)
			assert.Equal(t, tt.status, r.status)
			assert.Contains(t, string(r.body), `role="alert"`)
		})
	}

	t.Run("cross-site form", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, guest, strings.NewReader("action=dialin&displayName=Evil"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusForbidden, rec.Code)
		assert.Empty(t, rc.take())
	})
	t.Run("unknown room", func(t *testing.T) {
		r := page(t, w, "/sandbox/whereby/rooms/nope", form("action", "join", "displayName", "Bob"))
		assert.Equal(t, http.StatusNotFound, r.status)
	})
}

// TestRoomLinkParametersReachTheWebhooks: a room link with Whereby's displayName and externalId
// parameters fills in the name, and whoever comes in by the page is reported with the externalId
// in room.client.joined and room.client.left, parsed by roomkeeper's own code.
func TestRoomLinkParametersReachTheWebhooks(t *testing.T) {
	w, _, rc := hookSandbox(t)
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","fields":["hostRoomUrl"]}`)
	guest := strings.TrimPrefix(m["roomUrl"].(string), publicURL)
	link := guest + "?" + url.Values{"displayName": {"Bøb & <Co>"}, "externalId": {"bob00001"}}.Encode()

	r := call(t, w, http.MethodGet, link, "", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.body), `value="Bøb &amp; &lt;Co&gt;"`, "the name filled in, escaped")
	assert.Contains(t, string(r.body), `id="external-id">bob00001<`)

	r = page(t, w, link, url.Values{"action": {"join"}, "displayName": {"Bøb & <Co>"}})
	require.Equal(t, http.StatusSeeOther, r.status)
	got := rc.take()
	require.Equal(t, []string{"room.client.joined"}, types(got))
	assert.Equal(t, "bob00001", got[0].data["externalId"])
	require.Len(t, got[0].events, 1)
	assert.Equal(t, "bob00001", got[0].events[0].ExternalID)
	assert.Equal(t, "Bøb & <Co>", got[0].events[0].Name)

	p, err := w.Presence(m["roomName"].(string))
	require.NoError(t, err)
	require.Len(t, p.Present, 1)
	assert.Equal(t, "bob00001", p.Present[0].ExternalID)
	require.NoError(t, w.Leave(m["roomName"].(string), p.Present[0].ID))
	got = rc.take()
	require.Equal(t, []string{"room.client.left"}, types(got))
	assert.Equal(t, "bob00001", got[0].events[0].ExternalID, "the leave carries it too")

	r = page(t, w, guest+"?externalId=bob%40example.net", url.Values{"action": {"join"}, "displayName": {"Bob"}})
	assert.Equal(t, http.StatusBadRequest, r.status, "Whereby refuses an externalId other than A-Za-z0-9-_")
	assert.Empty(t, rc.take())

	_, err = w.JoinAs(m["roomName"].(string), "Cy", strings.Repeat("x", 37), "visitor", false)
	assert.ErrorIs(t, err, sandbox.ErrInvalid, "at most 36 characters")
}
