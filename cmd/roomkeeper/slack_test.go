package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/devkit/slackfake"
)

// The Slack workspace of these tests.
const (
	slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	slackToken  = "xoxb-test-token"
	slackTeam   = "T0ROOMS"
	slackAdmins = "SADMINS"
	uAdmin      = "UADMIN"
	uMember     = "UMEMBER"
	uGuest      = "UGUEST"
)

// slackStack is a local server with the Slack app on, its Web API a fake.
type slackStack struct {
	*stack
	fake    *slackfake.Server
	trigger int
}

func newSlackStack(t *testing.T) *slackStack {
	t.Helper()
	fake := slackfake.New(slackToken)
	t.Cleanup(fake.Close)
	fake.AddUser(slackfake.User{ID: uAdmin, TeamID: slackTeam, Name: "Ada Admin", Email: "ada@example.com"})
	fake.AddUser(slackfake.User{ID: uMember, TeamID: slackTeam, Name: "Max Member", Email: "max@example.com"})
	fake.AddUser(slackfake.User{ID: uGuest, TeamID: slackTeam, Name: "Gus Guest", Email: "gus@example.net", Restricted: true})
	fake.SetGroup(slackAdmins, uAdmin)
	s := newStack(t, map[string]string{
		"SLACK_SIGNING_SECRET":  slackSecret,
		"SLACK_BOT_TOKEN":       slackToken,
		"SLACK_API_URL":         fake.APIURL(),
		"SLACK_TEAM_ID":         slackTeam,
		"SLACK_ADMIN_USERGROUP": slackAdmins,
	})
	return &slackStack{stack: s, fake: fake}
}

// send posts a body to a Slack route signed as Slack signs it, at the stack's clock.
func (s *slackStack) send(route string, body []byte, contentType string, h http.Header) (int, []byte) {
	s.t.Helper()
	if h == nil {
		h = slackfake.Sign(slackSecret, s.clock.Now(), body)
	}
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/slack/"+route, strings.NewReader(string(body)))
	require.NoError(s.t, err)
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, out
}

func (s *slackStack) nextTrigger() string {
	s.trigger++
	return fmt.Sprintf("trigger.%d.%d", time.Now().UnixNano(), s.trigger)
}

// commandBody is a slash command's form, as Slack sends it.
func (s *slackStack) commandBody(team, user, text string) []byte {
	return []byte(url.Values{
		"team_id": {team}, "user_id": {user}, "user_name": {strings.ToLower(user)}, "command": {"/rooms"}, "text": {text},
		"channel_id": {"C0GENERAL"}, "response_url": {s.fake.ResponseURL()}, "trigger_id": {s.nextTrigger()},
	}.Encode())
}

// command sends /rooms with text as user and returns the answer's message.
func (s *slackStack) command(user, text string) map[string]any {
	s.t.Helper()
	status, body := s.send("commands", s.commandBody(slackTeam, user, text), "application/x-www-form-urlencoded", nil)
	require.Equal(s.t, http.StatusOK, status, string(body))
	if len(body) == 0 {
		return nil
	}
	var msg map[string]any
	require.NoError(s.t, json.Unmarshal(body, &msg), string(body))
	return msg
}

// interact sends an interaction payload.
func (s *slackStack) interact(payload map[string]any) (int, []byte) {
	s.t.Helper()
	raw, err := json.Marshal(payload)
	require.NoError(s.t, err)
	return s.send("interactions", []byte(url.Values{"payload": {string(raw)}}.Encode()), "application/x-www-form-urlencoded", nil)
}

// click presses a button of a message as user.
func (s *slackStack) click(user, actionID, value string) {
	s.t.Helper()
	status, body := s.interact(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": slackTeam}, "user": map[string]any{"id": user},
		"trigger_id": s.nextTrigger(), "response_url": s.fake.ResponseURL(),
		"actions": []any{map[string]any{"action_id": actionID, "block_id": "b1", "value": value, "type": "button", "action_ts": "1.0"}},
	})
	require.Equal(s.t, http.StatusOK, status, string(body))
}

// responses returns the texts and blocks posted to response_urls since the last call, as JSON.
func (s *slackStack) responses() []string {
	var out []string
	for _, c := range s.fake.Calls(slackfake.ResponseURLMethod) {
		out = append(out, string(c.Body))
	}
	s.fake.Reset()
	return out
}

var joinLinkRE = regexp.MustCompile(`https?://[^\s"<>|\\]+/j/[A-Za-z0-9_-]+`)

// auditBy returns the audit list's entries of an operator.
func (s *slackStack) auditBy(name string) []access.Entry {
	s.t.Helper()
	acc := &access.Access{Store: s.app.store, Secrets: staticSecrets{access.AdminToken: s.cfg.AdminToken}, Now: s.clock.Now}
	page, err := acc.Audit(context.Background(), access.Operator{Name: "admin", Role: access.Admin}, access.AuditQuery{Limit: 100})
	require.NoError(s.t, err)
	var out []access.Entry
	for _, e := range page.Entries {
		if e.Operator == name {
			out = append(out, e)
		}
	}
	return out
}

func TestSlackRequestsAreVerifiedBeforeAnything(t *testing.T) {
	s := newSlackStack(t)
	good := s.commandBody(slackTeam, uMember, "help")
	now := s.clock.Now()
	tests := []struct {
		name   string
		body   []byte
		header http.Header
		want   int
	}{
		{"good", good, slackfake.Sign(slackSecret, now, good), http.StatusOK},
		{"tampered", append([]byte(nil), append(good, '&', 'x', '=', '1')...), slackfake.Sign(slackSecret, now, good), http.StatusUnauthorized},
		{"stale", good, slackfake.Sign(slackSecret, now.Add(-6*time.Minute), good), http.StatusUnauthorized},
		{"from the future", good, slackfake.Sign(slackSecret, now.Add(6*time.Minute), good), http.StatusUnauthorized},
		{"wrong secret", good, slackfake.Sign("another-secret", now, good), http.StatusUnauthorized},
		{"unsigned", good, http.Header{}, http.StatusUnauthorized},
		{"other workspace", s.commandBody("T0OTHER", uMember, "help"), nil, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.fake.Reset()
			status, body := s.send("commands", tt.body, "application/x-www-form-urlencoded", tt.header)
			assert.Equal(t, tt.want, status, string(body))
			if tt.want != http.StatusOK {
				assert.Empty(t, s.fake.Calls("users.info"), "nothing parsed or asked before the signature and workspace are checked")
			}
		})
	}
	for _, route := range []string{"interactions", "events"} {
		status, _ := s.send(route, []byte(`{}`), "application/json", slackfake.Sign("wrong", now, []byte(`{}`)))
		assert.Equal(t, http.StatusUnauthorized, status, route)
	}
}

func TestSlackRoutesAnswer404WithoutTheApp(t *testing.T) {
	s := newStack(t, nil)
	for _, route := range []string{"commands", "interactions", "events"} {
		resp, err := http.Post(s.srv.URL+"/v1/slack/"+route, "application/x-www-form-urlencoded", strings.NewReader("text=help"))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, route)
	}
}

func TestSlackHelpListAndWhoIsIn(t *testing.T) {
	s := newSlackStack(t)
	help := s.command(uMember, "")
	assert.Equal(t, "ephemeral", help["response_type"])
	blocks, _ := json.Marshal(help["blocks"])
	assert.Contains(t, string(blocks), "/rooms list")
	assert.Contains(t, string(blocks), "/rooms create 2-200 standup +1h")

	list := s.command(uMember, "list")
	blocks, _ = json.Marshal(list)
	assert.Contains(t, string(blocks), "No active rooms")

	s.command(uAdmin, "create 2-4 walkin +2h")
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	s.join(strings.TrimPrefix(rooms[0].RoomName, "/"), "Pat Patient", "visitor", false)
	s.clock.Add(time.Second) // the order they came is the order of the times their webhooks carry
	s.join(strings.TrimPrefix(rooms[0].RoomName, "/"), "Dr Who", "host", false)

	list = s.command(uMember, "list")
	assert.Equal(t, "ephemeral", list["response_type"], "only the caller sees the list")
	raw, _ := json.Marshal(list)
	text := string(raw)
	assert.Contains(t, text, "2–4 people")
	assert.Contains(t, text, "*Live*")
	assert.Contains(t, text, "Pat Patient, Dr Who", "who is in, in the order they came")
	assert.Contains(t, text, `"action_id":"sessions"`, "a View sessions button")
	links := joinLinkRE.FindAllString(text, -1)
	require.Len(t, links, 1, "a Join button with the guest link")
	assert.Equal(t, []string{rooms[0].RoomURL}, []string{s.followed(links[0])}, "the guest link leads to the room")
	assert.NotContains(t, text, "roomKey")
	assert.NotContains(t, text, `"action_id":"delete"`, "a member is offered no Delete")
}

// followed returns where a /j/ link redirects.
func (s *slackStack) followed(link string) string {
	s.t.Helper()
	status, to := s.follow(link)
	require.Equal(s.t, http.StatusFound, status)
	return to
}

func TestSlackCreateInline(t *testing.T) {
	s := newSlackStack(t)
	ack := s.command(uAdmin, "create 2-200 standup +1h dial-in")
	assert.Contains(t, ack["text"], "Making the room", "acknowledged at once; the room is made by a job")
	assert.Empty(t, s.app.sandbox.Rooms(), "nothing made before the answer")
	s.work()

	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	assert.Equal(t, "group", rooms[0].RoomMode, "2–200 people")
	assert.Contains(t, rooms[0].RoomName, "standup-")
	assert.NotNil(t, rooms[0].DialIn)
	posts := s.responses()
	require.Len(t, posts, 1, "the answer goes to the command's response_url")
	var msg map[string]any
	require.NoError(t, json.Unmarshal([]byte(posts[0]), &msg))
	assert.Equal(t, "ephemeral", msg["response_type"], "the host link is for the caller only")
	links := joinLinkRE.FindAllString(posts[0], -1)
	require.Len(t, links, 2, "the guest link and the host link")
	assert.Equal(t, rooms[0].RoomURL, s.followed(links[0]))
	assert.Equal(t, rooms[0].HostRoomURL, s.followed(links[1]))
	assert.Contains(t, posts[0], "Dial-in")
	assert.Contains(t, posts[0], rooms[0].DialIn.Code)

	entries := s.auditBy("slack:" + uAdmin)
	require.Len(t, entries, 1)
	assert.Equal(t, access.ActionRoomCreate, entries[0].Action)

	// Bad input: an answer naming the field, nothing made.
	bad := s.command(uAdmin, "create 2-4 Not_A_Prefix! +1h")
	assert.Contains(t, bad["text"], "namePrefix")
	bad = s.command(uAdmin, "create 2-4 walkin")
	assert.Contains(t, bad["text"], "endDate")
	s.work()
	assert.Len(t, s.app.sandbox.Rooms(), 1)
}

func TestSlackCreateDialog(t *testing.T) {
	s := newSlackStack(t)
	assert.Nil(t, s.command(uAdmin, "create"), "an empty answer: the dialog is the answer")
	opens := s.fake.Calls("views.open")
	require.Len(t, opens, 1, "views.open before the answer")
	assert.NotEmpty(t, opens[0].Params["trigger_id"])
	view := opens[0].Params["view"]
	for _, want := range []string{`"callback_id":"create_room"`, "2–4 people", "Peer to peer, end-to-end encrypted", "2–200 people",
		"Name prefix", "Dial-in", "Locked", "Room may go", `"type":"datetimepicker"`} {
		assert.Contains(t, view, want)
	}

	submit := func(viewID, prefix string) (int, []byte) {
		return s.interact(map[string]any{
			"type": "view_submission", "team": map[string]any{"id": slackTeam}, "user": map[string]any{"id": uAdmin},
			"trigger_id": s.nextTrigger(),
			"view": map[string]any{"id": viewID, "callback_id": "create_room", "state": map[string]any{"values": map[string]any{
				"size":       map[string]any{"size": map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": "small"}}},
				"title":      map[string]any{"title": map[string]any{"type": "plain_text_input", "value": "Walk-in support"}},
				"namePrefix": map[string]any{"namePrefix": map[string]any{"type": "plain_text_input", "value": prefix}},
				"end":        map[string]any{"end": map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": "+1h"}}},
				"options":    map[string]any{"options": map[string]any{"type": "checkboxes", "selected_options": []any{map[string]any{"value": "locked"}}}},
			}}},
		})
	}
	status, body := submit("V1", "BAD PREFIX")
	require.Equal(t, http.StatusOK, status)
	var answer map[string]any
	require.NoError(t, json.Unmarshal(body, &answer), string(body))
	assert.Equal(t, "errors", answer["response_action"])
	assert.Contains(t, answer["errors"], "namePrefix", "the error shown beside the name prefix")
	s.work()
	assert.Empty(t, s.app.sandbox.Rooms())

	status, body = submit("V2", "walkin")
	require.Equal(t, http.StatusOK, status)
	assert.Empty(t, body, "an empty answer closes the dialog")
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	assert.True(t, rooms[0].IsLocked)
	assert.Equal(t, "normal", rooms[0].RoomMode)
	dms := s.fake.Calls("chat.postMessage")
	require.Len(t, dms, 1)
	assert.Equal(t, uAdmin, dms[0].Params["channel"], "the links go to their maker alone")
	links := joinLinkRE.FindAllString(dms[0].Params["blocks"], -1)
	require.Len(t, links, 2)
	assert.Equal(t, rooms[0].HostRoomURL, s.followed(links[1]))
	assert.Contains(t, dms[0].Params["blocks"], "Walk-in support")

	// The same submission again (Slack's retry, or a repeated job) makes no second room.
	submit("V2", "walkin")
	s.work()
	assert.Len(t, s.app.sandbox.Rooms(), 1)
}

func TestSlackRefusesGuestsNonAdminsAndOtherWorkspaces(t *testing.T) {
	s := newSlackStack(t)
	guest := s.command(uGuest, "list")
	assert.Contains(t, guest["text"], "guest accounts cannot use roomkeeper")
	member := s.command(uMember, "create 2-4 x +1h")
	assert.Contains(t, member["text"], "only roomkeeper's admins")
	member = s.command(uMember, "create")
	assert.Contains(t, member["text"], "only roomkeeper's admins")
	assert.Empty(t, s.fake.Calls("views.open"), "no dialog for a member")
	s.work()
	assert.Empty(t, s.app.sandbox.Rooms(), "nothing made")

	status, _ := s.interact(map[string]any{"type": "block_actions", "team": map[string]any{"id": "T0OTHER"}, "user": map[string]any{"id": uAdmin}, "trigger_id": "t-other"})
	assert.Equal(t, http.StatusForbidden, status)
}

func TestSlackSessionsAndParticipants(t *testing.T) {
	s := newSlackStack(t)
	s.command(uAdmin, "create 2-4 clinic +2h")
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	name := strings.TrimPrefix(rooms[0].RoomName, "/")
	host := s.join(name, "Dr Who", "host", false)
	s.clock.Add(10 * time.Minute)
	pat := s.join(name, "Pat Patient", "visitor", false)
	s.clock.Add(5 * time.Minute)
	s.leave(name, pat)
	s.leave(name, host)
	s.responses()

	list := s.command(uAdmin, "list")
	raw, _ := json.Marshal(list)
	roomID := regexp.MustCompile(`"value":"(rk[a-z0-9]+)"`).FindStringSubmatch(string(raw))
	require.NotNil(t, roomID, string(raw))
	id := roomID[1]

	s.click(uMember, "sessions", id)
	s.work()
	posts := s.responses()
	require.Len(t, posts, 1)
	assert.Contains(t, posts[0], "only roomkeeper's admins", "a member may not read sessions")

	s.click(uAdmin, "sessions", id)
	s.work()
	posts = s.responses()
	require.Len(t, posts, 1)
	assert.Contains(t, posts[0], "participant minutes")
	assert.Contains(t, posts[0], "2 participants")
	assert.Contains(t, posts[0], "minutes recorded", "the provider's recorded minutes")
	session := regexp.MustCompile(`"value":"` + regexp.QuoteMeta(id) + ` ([^"]+)"`).FindStringSubmatch(posts[0])
	require.NotNil(t, session, posts[0])

	s.click(uAdmin, "participants", id+" "+session[1])
	s.work()
	posts = s.responses()
	require.Len(t, posts, 1)
	assert.Contains(t, posts[0], "Dr Who")
	assert.Contains(t, posts[0], "Pat Patient")

	var actions []string
	for _, e := range s.auditBy("slack:" + uAdmin) {
		actions = append(actions, e.Action)
	}
	assert.ElementsMatch(t, []string{access.ActionRoomCreate, "room.sessions", "room.participants"}, actions)
}

func TestSlackHomeTabAndRetries(t *testing.T) {
	s := newSlackStack(t)
	event := func(id string, retry string) int {
		body := []byte(`{"type":"event_callback","team_id":"` + slackTeam + `","api_app_id":"A1","event_id":"` + id + `","event_time":1,` +
			`"event":{"type":"app_home_opened","user":"` + uMember + `","channel":"D1","tab":"home","event_ts":"1.0"}}`)
		h := slackfake.Sign(slackSecret, s.clock.Now(), body)
		if retry != "" {
			h.Set("X-Slack-Retry-Num", retry)
			h.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		status, _ := s.send("events", body, "application/json", h)
		return status
	}
	require.Equal(t, http.StatusOK, event("Ev1", ""))
	assert.Empty(t, s.fake.Calls("views.publish"), "acknowledged first, published by the job")
	s.work()
	pubs := s.fake.Calls("views.publish")
	require.Len(t, pubs, 1)
	assert.Equal(t, uMember, pubs[0].Params["user_id"])
	assert.Contains(t, pubs[0].Params["view"], `"type":"home"`)
	assert.Contains(t, pubs[0].Params["view"], "Create Room")
	assert.Contains(t, pubs[0].Params["view"], "Active rooms")

	require.Equal(t, http.StatusOK, event("Ev1", "1"), "Slack's retry is acknowledged")
	s.work()
	assert.Len(t, s.fake.Calls("views.publish"), 1, "and does nothing new")

	// The URL check of the app's set-up.
	body := []byte(`{"type":"url_verification","token":"x","challenge":"chal-123"}`)
	status, out := s.send("events", body, "application/json", nil)
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"challenge":"chal-123"}`, string(out))
}

func TestSlackUnfurlsNeverCarryAHostLinkOrWhoIsIn(t *testing.T) {
	s := newSlackStack(t)
	s.command(uAdmin, "create 2-4 consult +2h")
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	made := s.responses()
	require.Len(t, made, 1)
	links := joinLinkRE.FindAllString(made[0], -1)
	require.Len(t, links, 2)
	guestLink, hostLink := links[0], links[1]
	s.join(strings.TrimPrefix(rooms[0].RoomName, "/"), "Pat Patient", "visitor", false)

	share := func(id string, urls ...string) {
		t.Helper()
		var ls []string
		for _, u := range urls {
			ls = append(ls, `{"domain":"x","url":"`+u+`"}`)
		}
		body := []byte(`{"type":"event_callback","team_id":"` + slackTeam + `","event_id":"` + id + `","event_time":1,` +
			`"event":{"type":"link_shared","user":"` + uMember + `","channel":"C0GENERAL","message_ts":"123.456","links":[` + strings.Join(ls, ",") + `]}}`)
		status, out := s.send("events", body, "application/json", nil)
		require.Equal(t, http.StatusOK, status, string(out))
		s.work()
	}
	share("EvU1", guestLink, rooms[0].RoomURL)
	unfurls := s.fake.Calls("chat.unfurl")
	require.Len(t, unfurls, 1)
	sent := unfurls[0].Params["unfurls"]
	var byURL map[string]any
	require.NoError(t, json.Unmarshal([]byte(sent), &byURL))
	assert.Contains(t, byURL, guestLink, "the join link unfurls")
	assert.Contains(t, byURL, rooms[0].RoomURL, "so does the provider's link of a roomkeeper room")
	assert.Contains(t, sent, "consult")
	assert.Contains(t, sent, `"action_id":"join"`)
	assert.Contains(t, sent, guestLink, "Join leads to the guest link")
	assert.NotContains(t, sent, hostLink)
	assert.NotContains(t, sent, "roomKey", "never a host link")
	assert.NotContains(t, sent, "Pat Patient", "never who is in the room")
	assert.NotContains(t, sent, "sessions", "a Join button only")
	assert.Empty(t, s.fake.Calls("chat.postEphemeral"))

	s.fake.Reset()
	share("EvU2", hostLink, rooms[0].HostRoomURL)
	assert.Empty(t, s.fake.Calls("chat.unfurl"), "a host link is never previewed")
	warns := s.fake.Calls("chat.postEphemeral")
	require.Len(t, warns, 1)
	assert.Equal(t, uMember, warns[0].Params["user"], "its poster is warned, alone")
	assert.Contains(t, warns[0].Params["text"], "host link")
	assert.NotContains(t, string(warns[0].Body), "roomKey")

	s.fake.Reset()
	share("EvU3", "https://example.org/j/not-ours", s.cfg.PublicURL+"/j/forged-token")
	assert.Empty(t, s.fake.Calls("chat.unfurl"), "links that name no room are left alone")
}

func TestSlackKnockAlertOnceEndToEnd(t *testing.T) {
	s := newSlackStack(t)
	s.command(uAdmin, "create 2-4 front +2h locked")
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	s.fake.Reset()
	name := strings.TrimPrefix(rooms[0].RoomName, "/")
	s.knock(name, "Kim Knocker")
	s.knock(name, "Kim Knocker")
	lookups := s.fake.Calls("users.lookupByEmail")
	require.Len(t, lookups, 1, "the room's maker is its organizer, found by e-mail")
	posts := s.fake.Calls("chat.postMessage")
	require.Len(t, posts, 1, "once per stretch without a host")
	assert.Equal(t, uAdmin, posts[0].Params["channel"])
	assert.Contains(t, posts[0].Params["text"], "Kim Knocker is waiting")
	var knocks []string
	for to, ms := range s.mail() {
		for _, m := range ms {
			if strings.Contains(m.Subject, "waiting") {
				knocks = append(knocks, to)
			}
		}
	}
	assert.Len(t, knocks, 1, "the e-mail goes too, once")
}

// TestSlackSendCommand: `roomkeeper slack send` signs a /rooms command as Slack does and prints
// the answer, so the app can be tried locally against the fake.
func TestSlackSendCommand(t *testing.T) {
	s := newSlackStack(t)
	env := map[string]string{
		"ROOMKEEPER_URL": s.srv.URL, "SLACK_SIGNING_SECRET": slackSecret, "SLACK_API_URL": s.fake.APIURL(), "SLACK_TEAM_ID": slackTeam,
	}
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"slack", "send", "-user", uMember, "help"},
		cli{stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }, client: http.DefaultClient})
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "200 OK")
	assert.Contains(t, out.String(), "/rooms list")

	env["SLACK_SIGNING_SECRET"] = "not-the-secret"
	out.Reset()
	code = run(context.Background(), []string{"slack", "send", "help"},
		cli{stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }, client: http.DefaultClient})
	assert.Equal(t, 1, code)
	assert.Contains(t, out.String(), "401")
}

// TestSlackHomeCreateButtonAndDelete: the Home tab's Create Room opens the dialog for an admin
// and tells a member why not; an admin's Delete deletes a room made by hand, audited.
func TestSlackHomeCreateButtonAndDelete(t *testing.T) {
	s := newSlackStack(t)
	homeClick := func(user string) {
		t.Helper()
		status, body := s.interact(map[string]any{
			"type": "block_actions", "team": map[string]any{"id": slackTeam}, "user": map[string]any{"id": user},
			"trigger_id": s.nextTrigger(), "container": map[string]any{"type": "view", "view_id": "VHOME"},
			"actions": []any{map[string]any{"action_id": "create", "block_id": "home", "type": "button", "action_ts": "1.0"}},
		})
		require.Equal(t, http.StatusOK, status, string(body))
	}
	homeClick(uAdmin)
	opens := s.fake.Calls("views.open")
	require.Len(t, opens, 1, "the dialog opens before the answer")
	assert.Contains(t, opens[0].Params["view"], `"callback_id":"create_room"`)

	homeClick(uMember)
	assert.Len(t, s.fake.Calls("views.open"), 1, "no dialog for a member")
	dms := s.fake.Calls("chat.postMessage")
	require.Len(t, dms, 1, "told why, in a direct message (a Home tab has no response_url)")
	assert.Equal(t, uMember, dms[0].Params["channel"])
	assert.Contains(t, dms[0].Params["text"], "only roomkeeper's admins")

	s.command(uAdmin, "create 2-4 gone +1h")
	s.work()
	rooms := s.app.sandbox.Rooms()
	require.Len(t, rooms, 1)
	raw, _ := json.Marshal(s.command(uAdmin, "list"))
	require.Contains(t, string(raw), `"action_id":"delete"`, "an admin is offered Delete on a room made by hand")
	id := regexp.MustCompile(`"value":"(rk[a-z0-9]+)"`).FindStringSubmatch(string(raw))[1]
	s.responses()

	s.click(uMember, "delete", id)
	s.work()
	assert.Contains(t, strings.Join(s.responses(), ""), "only roomkeeper's admins")
	assert.Len(t, s.app.sandbox.Rooms(), 1, "a member deletes nothing")

	s.click(uAdmin, "delete", id)
	s.work()
	assert.Contains(t, strings.Join(s.responses(), ""), "The room is deleted")
	assert.Empty(t, s.app.sandbox.Rooms(), "gone at the provider")
	var actions []string
	for _, e := range s.auditBy("slack:" + uAdmin) {
		actions = append(actions, e.Action)
	}
	assert.ElementsMatch(t, []string{access.ActionRoomCreate, access.ActionRoomDelete}, actions)
}

// TestSlackCommandRetryDoesNothingNew: Slack's retry of a command (the same trigger_id, with
// X-Slack-Retry-Num) is acknowledged without a second job.
func TestSlackCommandRetryDoesNothingNew(t *testing.T) {
	s := newSlackStack(t)
	body := s.commandBody(slackTeam, uAdmin, "create 2-4 once +1h")
	status, first := s.send("commands", body, "application/x-www-form-urlencoded", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(first), "Making the room")
	h := slackfake.Sign(slackSecret, s.clock.Now(), body)
	h.Set("X-Slack-Retry-Num", "1")
	status, again := s.send("commands", body, "application/x-www-form-urlencoded", h)
	require.Equal(t, http.StatusOK, status)
	assert.Empty(t, again, "acknowledged, nothing new")
	s.work()
	assert.Len(t, s.app.sandbox.Rooms(), 1)
	assert.Len(t, s.responses(), 1, "one answer")
}
