// Package slackfake is a stand-in for Slack in tests and local runs: an httptest server speaking
// the Web API methods roomkeeper's Slack app calls (https://api.slack.com/methods: views.open,
// views.publish, chat.postMessage, chat.postEphemeral, chat.unfurl, users.info,
// users.lookupByEmail, usergroups.users.list) and the response_url endpoint of slash commands
// and interactions, recording every call. It also signs requests as Slack signs them (v0
// signatures, https://api.slack.com/authentication/verifying-requests-from-slack), so tests can
// send what Slack sends.
package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ResponseURLMethod is the Method of a recorded post to a response_url.
const ResponseURLMethod = "response_url"

// User is a member of the fake workspace.
type User struct {
	ID, TeamID, Name, Email string
	// Restricted and UltraRestricted mark Slack's guest accounts (multi- and single-channel).
	Restricted, UltraRestricted bool
}

// Call is one recorded request.
type Call struct {
	Method string
	// Params are the form's values, or for a JSON body its top-level fields (strings as they
	// are, anything else as its JSON text).
	Params map[string]string
	Body   []byte
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	Token string // the bot token every Web API call must carry
	// OnCall, when set before the first call, sees each call as it is recorded (a local run prints them).
	OnCall func(Call)

	mu        sync.Mutex
	calls     []Call
	users     map[string]User
	groups    map[string][]string
	responses int
}

// New starts a fake whose Web API takes token, on a free loopback port.
func New(token string) *Server {
	s := &Server{Token: token, users: map[string]User{}, groups: map[string][]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Start starts a fake whose Web API takes token on ln (`roomkeeper slack fake`).
func Start(token string, ln net.Listener) *Server {
	s := &Server{Token: token, users: map[string]User{}, groups: map[string][]string{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Listener.Close()
	s.Server.Listener = ln
	s.Server.Start()
	return s
}

// APIURL is the Web API's base, for SLACK_API_URL.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// ResponseURL returns a fresh response_url, as Slack puts one in each command and interaction.
func (s *Server) ResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responses++
	return s.URL + "/response/" + strconv.Itoa(s.responses)
}

// AddUser adds a member.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// SetGroup sets a user group's members.
func (s *Server) SetGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = members
}

// Calls returns the recorded calls of a method (ResponseURLMethod for response_url posts), in order.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Reset forgets the recorded calls.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	call := Call{Params: params(r, body), Body: body}
	if strings.HasPrefix(r.URL.Path, "/response/") {
		call.Method = ResponseURLMethod
		s.record(call)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	call.Method = method
	if r.Header.Get("Authorization") != "Bearer "+s.Token && call.Params["token"] != s.Token {
		answer(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	s.record(call)
	answer(w, s.reply(method, call.Params))
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	if s.OnCall != nil {
		s.OnCall(c)
	}
}

// reply is the Web API's answer to a method.
func (s *Server) reply(method string, p map[string]string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch method {
	case "views.open", "views.publish":
		return map[string]any{"ok": true, "view": map[string]any{"id": "V" + strconv.Itoa(len(s.calls))}}
	case "chat.postMessage":
		return map[string]any{"ok": true, "channel": p["channel"], "ts": strconv.Itoa(len(s.calls)) + ".000100"}
	case "chat.postEphemeral":
		return map[string]any{"ok": true, "message_ts": strconv.Itoa(len(s.calls)) + ".000200"}
	case "chat.unfurl":
		return map[string]any{"ok": true}
	case "users.info":
		if u, ok := s.users[p["user"]]; ok {
			return map[string]any{"ok": true, "user": userJSON(u)}
		}
		return map[string]any{"ok": false, "error": "user_not_found"}
	case "users.lookupByEmail":
		for _, u := range s.users {
			if u.Email != "" && strings.EqualFold(u.Email, p["email"]) {
				return map[string]any{"ok": true, "user": userJSON(u)}
			}
		}
		return map[string]any{"ok": false, "error": "users_not_found"}
	case "usergroups.users.list":
		if m, ok := s.groups[p["usergroup"]]; ok {
			return map[string]any{"ok": true, "users": m}
		}
		return map[string]any{"ok": false, "error": "no_such_subteam"}
	}
	return map[string]any{"ok": false, "error": "unknown_method"}
}

func userJSON(u User) map[string]any {
	return map[string]any{
		"id": u.ID, "team_id": u.TeamID, "name": u.Name, "is_restricted": u.Restricted, "is_ultra_restricted": u.UltraRestricted,
		"profile": map[string]any{"email": u.Email, "real_name": u.Name},
	}
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// params reads a form or a JSON object's top-level fields.
func params(r *http.Request, body []byte) map[string]string {
	out := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				var s string
				if json.Unmarshal(v, &s) == nil {
					out[k] = s
				} else {
					out[k] = string(v)
				}
			}
		}
		return out
	}
	form, _ := url.ParseQuery(string(body))
	for k := range form {
		out[k] = form.Get(k)
	}
	for k := range r.URL.Query() {
		out[k] = r.URL.Query().Get(k)
	}
	return out
}

// Sign returns the headers Slack sends with a request body signed with secret at t.
func Sign(secret string, t time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
	return h
}
