package lambdatest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/lambda/sweeper"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
)

// The tests of the functions that follow a meeting: hooks (provider webhooks), admin (the admin
// API and the organizer's host link), and the worker reaping at the sweeper's request.

// work invokes the worker on one nudge for key and requires that nothing failed.
func (s *stack) work(worker *Function, key string) {
	s.t.Helper()
	var resp events.SQSEventResponse
	worker.MustInvoke(s.t, events.SQSEvent{Records: []events.SQSMessage{sqsRecord("nudge-"+key, key)}}, &resp)
	require.Empty(s.t, resp.BatchItemFailures)
}

// get sends GET path to the stack's HTTP API, with the bearer token unless it is "", and returns
// the answer with its JSON body decoded.
func (s *stack) get(path, token string) (*http.Response, map[string]any) {
	s.t.Helper()
	return s.call(http.MethodGet, path, token, "")
}

// call sends a request to the stack's HTTP API, with the bearer token unless it is "" and a JSON
// body unless it is "", and returns the answer with its JSON body decoded (nil when empty).
func (s *stack) call(method, path, token, body string) (*http.Response, map[string]any) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.api.URL+path, strings.NewReader(body))
	require.NoError(s.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(s.t, json.Unmarshal(raw, &out), "%s %s answered %d %s", method, path, resp.StatusCode, raw)
	}
	return resp, out
}

// testHandMade: the admin binary makes a room by hand at once with the worker's steps (the
// Whereby key read from Secrets Manager on first use), lists it through the table's list index,
// answers a method its paths do not take with a JSON 405, and deletes the room; the room then
// shows among the ended ones.
func testHandMade(t *testing.T, e *emulators) {
	s := newStack(t, e, "handmade")
	s.start("admin")
	resp, room := s.call(http.MethodPost, "/v1/rooms", adminToken, `{"size": "large", "endDate": "+2h", "title": "Walk-in"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", room)
	id := room["roomId"].(string)
	assert.Equal(t, "/v1/rooms/"+id, resp.Header.Get("Location"))
	assert.Equal(t, "manual", room["kind"])
	assert.True(t, strings.HasPrefix(room["hostUrl"].(string), s.api.URL+"/j/"), "roomkeeper's own host link: %s", room["hostUrl"])
	assert.Contains(t, follow(t, room["hostUrl"].(string)), "roomKey", "through the admin function, to the host link")
	require.Len(t, s.sandbox.Rooms(), 1)
	assert.Equal(t, "group", s.sandbox.Rooms()[0].RoomMode)
	tag, ok := booking.ParseTag(id)
	require.True(t, ok)
	assert.Equal(t, booking.DeploymentTag("lambdatest"), tag.Deployment, "the stack's deployment")

	resp, list := s.get("/v1/rooms", adminToken)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, list["rooms"], 1)
	assert.Equal(t, id, list["rooms"].([]any)[0].(map[string]any)["roomId"])

	resp, e405 := s.call(http.MethodPut, "/v1/rooms", adminToken, "")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, POST", resp.Header.Get("Allow"))
	assert.Equal(t, "method_not_allowed", e405["error"].(map[string]any)["code"])

	resp, _ = s.call(http.MethodDelete, "/v1/rooms/"+id, adminToken, "")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Empty(t, s.sandbox.Rooms())
	resp, list = s.get("/v1/rooms?state=ended", adminToken)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, list["rooms"], 1)
	assert.Equal(t, "ended", list["rooms"].([]any)[0].(map[string]any)["state"])
	s.checkLogs()
	s.checkCalls()
}

// testFollow: the Whereby sandbox's room sends its signed webhooks to the HTTP API; the real hooks
// binary verifies them and records the session and participants on the booking in dynalite,
// takes a redelivery as a duplicate and refuses a forged delivery. The admin binary then shows
// the room, its session and participants to a bearer of the admin token, and nothing without it.
func testFollow(t *testing.T, e *emulators) {
	s := newStack(t, e, "follow")
	worker, _ := s.start("worker")
	_, hooksAWS := s.start("hooks")
	_, adminAWS := s.start("admin")
	key := s.book("follow")
	s.work(worker, key)
	rooms := s.sandbox.Rooms()
	require.Len(t, rooms, 1)
	room := rooms[0]
	apiCalls := len(s.sandbox.Requests())
	worked, err := s.store.Get(context.Background(), key)
	require.NoError(t, err)

	// A guest and the host join: the sandbox delivers each webhook before Join returns, and
	// reports any the receiver did not accept with a 2xx.
	_, err = s.sandbox.Join(room.RoomName, "Bob Guest", "visitor", false)
	require.NoError(t, err, "the hooks function accepted the webhook")
	_, err = s.sandbox.Join(room.RoomName, "Ada Host", "host", false)
	require.NoError(t, err)
	sent := s.sandbox.Webhooks()
	require.Len(t, sent, 3, "two joins and the session's start")
	for _, h := range sent {
		assert.Equal(t, http.StatusOK, h.Status, "%s", h.Type)
		assert.Equal(t, 1, h.Attempts, "%s answered at once", h.Type)
	}
	assert.Len(t, s.sandbox.Requests(), apiCalls, "the hooks function calls no provider")

	b, err := s.store.Get(context.Background(), key)
	require.NoError(t, err)
	assert.Equal(t, worked.Version, b.Version, "the hooks recorded the meeting without writing the booking")
	require.NoError(t, booking.LoadActivity(context.Background(), s.store, b))
	require.Len(t, b.Activity.Sessions, 1, "the session is recorded")
	assert.Equal(t, room.MeetingID, b.Activity.Sessions[0].RoomID)
	assert.False(t, b.Activity.Sessions[0].StartedAt.IsZero())
	require.Len(t, b.Activity.Connections, 2)
	names := map[string]bool{}
	for _, c := range b.Activity.Connections {
		names[c.Name] = c.Host
		assert.True(t, c.LeftAt.IsZero(), "%s is still in the room", c.Name)
	}
	assert.Equal(t, map[string]bool{"Bob Guest": false, "Ada Host": true}, names)

	// Whereby may deliver again: the same envelope id is a duplicate, and nothing is written.
	items, err := s.store.Activity(context.Background(), key)
	require.NoError(t, err)
	require.NoError(t, s.sandbox.Redeliver(sent[0].ID))
	again, err := s.store.Get(context.Background(), key)
	require.NoError(t, err)
	assert.Equal(t, b.Version, again.Version, "a duplicate writes nothing")
	itemsAgain, err := s.store.Activity(context.Background(), key)
	require.NoError(t, err)
	assert.Equal(t, items, itemsAgain, "a duplicate stores no activity item")

	// A delivery whose signature does not match its body is refused, and nothing is recorded.
	forged := strings.Replace(string(sent[0].Body), "Bob Guest", "Mallory", 1)
	req, err := http.NewRequest(http.MethodPost, s.api.URL+"/v1/hooks/whereby", strings.NewReader(forged))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Whereby-Signature", fmt.Sprintf("t=%d,v1=%064x", time.Now().Unix(), 42))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	again, err = s.store.Get(context.Background(), key)
	require.NoError(t, err)
	assert.Equal(t, b.Version, again.Version, "nothing recorded for a forged delivery")

	u := hooksAWS.Usage()
	assert.Equal(t, 1, u.Calls["SecretsManager.GetSecretValue"], "the webhook secret is read once")
	assert.Zero(t, u.service("SESv2"), "the hooks function sends no mail")

	// The admin API: nothing without the token, the room, its session and its participants with it.
	resp, body := s.get("/v1/rooms", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, `Bearer realm="roomkeeper"`, resp.Header.Get("WWW-Authenticate"))
	assert.Equal(t, "unauthorized", body["error"].(map[string]any)["code"])
	assert.NotContains(t, fmt.Sprint(body), room.RoomURL, "no room without the token")
	resp, _ = s.get("/v1/rooms", "not-the-token")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`)

	resp, body = s.get("/v1/rooms", adminToken)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	listed := body["rooms"].([]any)
	require.Len(t, listed, 1)
	r := listed[0].(map[string]any)
	assert.Equal(t, b.Room.Tag, r["roomId"])
	assert.Equal(t, joinLink(t, s.api.URL, key, booking.RoomLink, booking.ForGuest), r["guestUrl"], "the room's own link")
	assert.Equal(t, room.RoomURL, follow(t, r["guestUrl"].(string)), "through the admin function, to the room")
	assert.NotContains(t, r, "hostUrl", "the host link only when asked for")
	assert.Equal(t, true, r["live"])
	assert.Equal(t, key, r["booking"].(map[string]any)["key"])

	resp, body = s.get("/v1/rooms/"+b.Room.Tag+"/sessions", adminToken)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	sessions := body["sessions"].([]any)
	require.Len(t, sessions, 1)
	session := sessions[0].(map[string]any)
	assert.Equal(t, b.Activity.Sessions[0].ID, session["sessionId"])
	assert.EqualValues(t, 2, session["participants"])
	assert.Equal(t, true, session["live"])
	assert.Equal(t, "ok", body["insights"], "Whereby's insights, with the key read from Secrets Manager")

	resp, body = s.get("/v1/rooms/"+b.Room.Tag+"/sessions/"+b.Activity.Sessions[0].ID+"/participants", adminToken)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Len(t, body["participants"], 2)

	resp, body = s.get("/v1/bookings/"+key, adminToken)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "confirmed", body["status"])
	assert.Len(t, body["invites"], 2)

	u = adminAWS.Usage()
	assert.Equal(t, 3, u.Calls["SecretsManager.GetSecretValue"], "the admin token, the Whereby key and the link secret, once each")
	assert.Positive(t, u.Calls["DynamoDB.Query"], "GET /v1/rooms lists the due index")
}

// testReap: the sweeper, asked to reap, sends the worker a reap message through the queue and
// calls no provider itself; the worker deletes the tagged room no booking references and keeps
// the booking's.
func testReap(t *testing.T, e *emulators) {
	s := newStack(t, e, "reap")
	worker, _ := s.start("worker")
	sweepFn, sweeperAWS := s.start("sweeper")
	kept := s.book("kept")
	s.work(worker, kept)
	// A room of this deployment's that no record references, made two hours ago (the reaper
	// leaves younger ones alone).
	orphan := booking.RoomSpec{Tag: booking.Tag{Key: booking.KeyOf("generic", "gone-"+s.table), Gen: 1, Deployment: booking.DeploymentTag("lambdatest")}.String(), ExpiresAt: time.Now().Add(24 * time.Hour)}
	s.sandboxAgo.Store(int64(2 * time.Hour))
	_, err := whereby.New(whereby.Config{APIURL: s.wherebyURL, APIKey: wherebyKey}).CreateRoom(context.Background(), orphan)
	s.sandboxAgo.Store(0)
	require.NoError(t, err)
	require.Len(t, s.sandbox.Rooms(), 2)
	apiCalls := len(s.sandbox.Requests())

	var swept sweeper.Result
	sweepFn.MustInvoke(t, []byte(`{"reap": true}`), &swept)
	assert.True(t, swept.Reaped)
	assert.Zero(t, swept.Deleted, "the sweeper only asks")
	assert.Len(t, s.sandbox.Requests(), apiCalls, "the sweeper calls no provider")
	assert.Zero(t, sweeperAWS.Usage().service("SecretsManager"), "the sweeper needs no secret")

	msgs := s.receive()
	require.Len(t, msgs, 1)
	assert.JSONEq(t, `{"reap":true}`, deref(msgs[0].Body))
	work := s.deliver(worker, msgs)
	assert.Empty(t, work.BatchItemFailures)
	rooms := s.sandbox.Rooms()
	require.Len(t, rooms, 1, "the orphan is deleted")
	b, err := s.store.Get(context.Background(), kept)
	require.NoError(t, err)
	assert.Equal(t, b.Room.ID, rooms[0].MeetingID, "the booking's room is kept")
	assert.Contains(t, worker.Logs(), `"message":"reaped orphaned rooms"`)
}

// testLookahead runs the sweeper as the stack configures it, told its schedule's interval
// (ROOMKEEPER_SWEEP_INTERVAL): a booking due 30 s after the sweep is enqueued by it, its message
// delayed until then (DelaySeconds, read from the request as goaws received it: goaws does not
// apply a batch entry's delay, emulator.SQSRecorder), and one already due with no delay.
func testLookahead(t *testing.T, e *emulators) {
	s := newStack(t, e, "lookahead")
	var rec emulator.SQSRecorder
	sweepFn, _ := s.start("sweeper", "ROOMKEEPER_SWEEP_INTERVAL=1m", "AWS_ENDPOINT_URL_SQS="+rec.Front(t, e.sqs))
	_, err := sweepFn.WaitReady(context.Background())
	require.NoError(t, err)
	body := map[string]string{}
	now := time.Now()
	for id, in := range map[string]time.Duration{"late": -5 * time.Second, "in-30s": 30 * time.Second, "after-next": 2 * time.Minute} {
		b := &booking.Booking{Key: booking.KeyOf("generic", id+"-"+s.table), Source: "generic", ExternalID: id + "-" + s.table, DueAt: now.Add(in)}
		require.NoError(t, s.store.Put(context.Background(), b))
		body[`{"key":"`+b.Key+`"}`] = id
	}

	var swept sweeper.Result
	sweepFn.MustInvoke(t, sweepTick, &swept)
	assert.Equal(t, 2, swept.Enqueued, "what is due, and what falls due before the next run")
	delays := map[string]*int{}
	for _, e := range rec.Entries() {
		delays[body[e.MessageBody]] = e.DelaySeconds
	}
	require.Len(t, delays, 2)
	assert.Nil(t, delays["late"], "no delay for what is due")
	if assert.NotNil(t, delays["in-30s"]) {
		// 30 s after now, less what passed before the sweep read its clock, rounded up.
		assert.InDelta(t, 30, *delays["in-30s"], 1)
		assert.LessOrEqual(t, *delays["in-30s"], 30)
	}
}

// startURL matches a Zoom start_url of the sandbox, which must never reach an e-mail.
var startURL = regexp.MustCompile(`zak=|/sandbox/zoom/s/|start_url`)

// testZoom runs the stack with Zoom configured against the sandbox's Zoom fake, with the
// variables the CDK stack gives each function: bookings only the ids (it checks that Zoom is
// enabled but never reads its client secret); the worker and admin the client secret's ARN and
// ROOMKEEPER_PUBLIC_URL too. The worker makes the meeting with the secrets read on first
// use and mails the organizer roomkeeper's host link, no start_url; the admin function checks
// that link and redirects to a fresh start_url.
func testZoom(t *testing.T, e *emulators) {
	s := newStack(t, e, "zoom")
	zsrv := httptest.NewUnstartedServer(nil)
	fake, err := sandbox.NewZoom(sandbox.ZoomOptions{
		PublicURL: "http://" + zsrv.Listener.Addr().String(),
		AccountID: "acct-lt", ClientID: "client-lt", ClientSecret: zoomClientSecret,
		HostEmail: "zoomhost@example.org", Licensed: []string{organizer},
	})
	require.NoError(t, err)
	zsrv.Config.Handler = fake
	zsrv.Start()
	t.Cleanup(zsrv.Close)
	ids := []string{"ZOOM_ACCOUNT_ID=acct-lt", "ZOOM_CLIENT_ID=client-lt",
		"ZOOM_API_URL=" + zsrv.URL + sandbox.ZoomAPIPath, "ZOOM_OAUTH_URL=" + zsrv.URL + sandbox.ZoomOAuthPath}
	credentials := append([]string{"ZOOM_CLIENT_SECRET_SECRET_ARN=" + zoomClientARN}, ids...)
	bookings, _ := s.start("bookings", ids...)
	worker, workerAWS := s.start("worker", append(credentials, "ROOMKEEPER_PUBLIC_URL="+s.api.URL)...)
	_, adminAWS := s.start("admin", append(credentials, "ROOMKEEPER_PUBLIC_URL="+s.api.URL)...)
	mailsBefore := len(emulator.SESMessages(t, e.ses))

	resp, body := s.post(bookings, s.bookingEvent("zoom", func(data map[string]any) {
		data["room"] = map[string]any{"provider": "zoom", "dialIn": true}
	}))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, resp.Body)
	assert.Equal(t, "applied", body["status"])
	s.deliver(worker, s.receive())

	meetings := fake.Meetings()
	require.Len(t, meetings, 1, "one Zoom meeting")
	b := s.booking("zoom")
	require.NotNil(t, b.Room)
	require.Nil(t, b.Failure)
	assert.Equal(t, "zoom", b.Room.Provider)
	assert.Equal(t, strconv.FormatInt(meetings[0].ID, 10), b.Room.ID)
	assert.Empty(t, b.Room.HostURL, "no start_url is kept")
	joinLink := func(recipient string, p booking.Purpose) string {
		tok, err := link.Make(linkSecret, link.Token{Key: b.Key, Recipient: recipient, Purpose: p})
		require.NoError(t, err)
		return link.URL(s.api.URL, tok)
	}
	hostLink := joinLink(b.Details.Organizer.ID, booking.ForHost)

	sent := emulator.SESMessages(t, e.ses)[mailsBefore:]
	require.Len(t, sent, 2, "organizer and guest")
	for _, m := range sent {
		mail := invitetest.Parse(t, emulator.SESRaw(t, e.ses, m.MessageID))
		all := string(mail.Raw) + mail.Text + mail.HTML + string(mail.Calendar)
		assert.NotContains(t, all, meetings[0].JoinURL, "everyone gets roomkeeper's link, never join_url")
		assert.NotRegexp(t, startURL, all, "start_url never goes into an e-mail")
		assert.NotContains(t, all, "/v1/host/", "nor a host link of the older kind")
		if strings.Contains(mail.To, organizer) {
			assert.Contains(t, mail.Text, hostLink, "the organizer gets the host link")
		} else {
			assert.NotContains(t, all, hostLink, "a guest never does")
			assert.Contains(t, mail.Text, joinLink(b.Details.Attendees[0].ID, booking.ForGuest), "the guest gets their own link")
		}
	}
	assert.Equal(t, 2, workerAWS.Usage().Calls["SecretsManager.GetSecretValue"], "Zoom's client secret and the link secret, once each")

	// The organizer clicks: the admin function checks the link and redirects to a fresh start_url.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	click, err := noFollow.Get(hostLink)
	require.NoError(t, err)
	click.Body.Close()
	require.Equal(t, http.StatusFound, click.StatusCode)
	assert.Contains(t, click.Header.Get("Location"), zsrv.URL+"/sandbox/zoom/s/"+b.Room.ID)
	assert.Equal(t, "no-store", click.Header.Get("Cache-Control"))
	assert.Equal(t, "no-referrer", click.Header.Get("Referrer-Policy"))

	// One character inside the MAC changed (not the last, whose low bits are base64 padding).
	i := len(hostLink) - 10
	swapped := byte('A')
	if hostLink[i] == 'A' {
		swapped = 'B'
	}
	click, err = noFollow.Get(hostLink[:i] + string(swapped) + hostLink[i+1:])
	require.NoError(t, err)
	click.Body.Close()
	assert.Equal(t, http.StatusNotFound, click.StatusCode, "a tampered link")

	// A guest's link leads to join_url.
	click, err = noFollow.Get(joinLink(b.Details.Attendees[0].ID, booking.ForGuest))
	require.NoError(t, err)
	click.Body.Close()
	require.Equal(t, http.StatusFound, click.StatusCode)
	assert.Equal(t, meetings[0].JoinURL, click.Header.Get("Location"))

	// A host link of the older kind, mailed before /j/ links, still works.
	click, err = noFollow.Get(link.HostURL(s.api.URL, hostSecret, b.Room.Tag, b.Room.ID))
	require.NoError(t, err)
	click.Body.Close()
	require.Equal(t, http.StatusFound, click.StatusCode)
	assert.Contains(t, click.Header.Get("Location"), zsrv.URL+"/sandbox/zoom/s/"+b.Room.ID)
	assert.Equal(t, 3, adminAWS.Usage().Calls["SecretsManager.GetSecretValue"], "the link secret, Zoom's client secret and the host secret, once each")
}

// joinLink is the /j/ link the functions make for a record's recipient id and purpose.
func joinLink(t *testing.T, publicURL, key, recipient string, p booking.Purpose) string {
	t.Helper()
	tok, err := link.Make(linkSecret, link.Token{Key: key, Recipient: recipient, Purpose: p})
	require.NoError(t, err)
	return link.URL(publicURL, tok)
}

// follow requests a link through the HTTP API, as a browser would, and returns where its 302
// leads.
func follow(t *testing.T, u string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode, "%s", u)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	return resp.Header.Get("Location")
}
