package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeAPI is roomkeeper's admin API as docs/admin-api.md specifies it, over a few rooms, bookings,
// sessions and a usage report, for the CLI's tests. It checks the bearer token, pages its lists
// (pageSize items a page at most, so that a list takes two pages), makes, moves and deletes
// hand-made rooms with the documented answers and errors, and records every request it gets.
type fakeAPI struct {
	t        *testing.T
	srv      *httptest.Server
	token    string
	now      time.Time
	pageSize int

	// Set by a test before it runs a command.
	slow   bool   // POST /v1/rooms answers 202: the room is being made
	refuse string // POST /v1/rooms: the provider refuses the room for good (422) for this reason
	down   bool   // every route answers 503

	mu           sync.Mutex
	requests     []fakeRequest
	rooms        []map[string]any
	bookings     []map[string]any
	sessions     map[string]map[string]any // GET …/sessions answers, by room id
	participants map[string]map[string]any // GET …/participants answers, by "room id/session id"
	keys         map[string]keyUse         // idempotency keys used
	erased       map[string]bool
}

// fakeRequest is what the fake saw of one request.
type fakeRequest struct {
	Method, Path, Query  string // the path as sent (escaped), the query encoded (sorted)
	Auth, IdempotencyKey string
	ContentType, Body    string
}

// String shows the request as "GET /v1/rooms?limit=100&state=active".
func (r fakeRequest) String() string {
	if r.Query == "" {
		return r.Method + " " + r.Path
	}
	return r.Method + " " + r.Path + "?" + r.Query
}

type keyUse struct {
	body   string
	roomID string
}

const fakeToken = "rk-admin-token-for-tests"

// fakeNow is the fake's clock: a Sunday morning in November, during Ada's intro call.
var fakeNow = time.Date(2026, 11, 22, 9, 45, 0, 0, time.UTC)

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{
		t: t, token: fakeToken, now: fakeNow, pageSize: 3,
		rooms:        fixture[[]map[string]any](t, fakeRooms),
		bookings:     fixture[[]map[string]any](t, fakeBookings),
		sessions:     fixture[map[string]map[string]any](t, fakeSessions),
		participants: fixture[map[string]map[string]any](t, fakeParticipants),
		keys:         map[string]keyUse{},
		erased:       map[string]bool{},
	}
	mux := http.NewServeMux()
	f.route(mux, "/v1/rooms", map[string]http.HandlerFunc{http.MethodGet: f.listRooms, http.MethodPost: f.createRoom})
	f.route(mux, "/v1/rooms/{roomId}", map[string]http.HandlerFunc{http.MethodGet: f.getRoom, http.MethodPatch: f.moveRoom, http.MethodDelete: f.deleteRoom})
	f.route(mux, "/v1/rooms/{roomId}/sessions", map[string]http.HandlerFunc{http.MethodGet: f.getSessions})
	f.route(mux, "/v1/rooms/{roomId}/sessions/{sessionId}/participants", map[string]http.HandlerFunc{http.MethodGet: f.getParticipants})
	f.route(mux, "/v1/bookings", map[string]http.HandlerFunc{http.MethodGet: f.listBookings})
	f.route(mux, "/v1/bookings/{id}", map[string]http.HandlerFunc{http.MethodGet: f.getBooking})
	f.route(mux, "/v1/usage", map[string]http.HandlerFunc{http.MethodGet: f.usage})
	f.route(mux, "/v1/people/{email}", map[string]http.HandlerFunc{http.MethodDelete: f.erase})
	f.route(mux, "/", nil) // no route: 404
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func fixture[T any](t *testing.T, raw string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(raw), &v))
	return v
}

// seen returns the requests the fake got, and forgets them.
func (f *fakeAPI) seen() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// route serves path: it records the request, then answers as every admin route does (no-store,
// the token, 503 while down, 405 naming the methods the path takes) before the method's handler.
func (f *fakeAPI) route(mux *http.ServeMux, path string, methods map[string]http.HandlerFunc) {
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(f.t, err)
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.mu.Lock()
		f.requests = append(f.requests, fakeRequest{
			Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query().Encode(),
			Auth: r.Header.Get("Authorization"), IdempotencyKey: r.Header.Get("Idempotency-Key"),
			ContentType: r.Header.Get("Content-Type"), Body: string(body),
		})
		f.mu.Unlock()

		w.Header().Set("Cache-Control", "no-store")
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		switch {
		case !strings.EqualFold(scheme, "Bearer") || token == "":
			w.Header().Set("WWW-Authenticate", `Bearer realm="roomkeeper"`)
			writeFakeError(w, http.StatusUnauthorized, "unauthorized", "send the admin token in an Authorization: Bearer header", "")
		case token != f.token:
			w.Header().Set("WWW-Authenticate", `Bearer realm="roomkeeper", error="invalid_token"`)
			writeFakeError(w, http.StatusUnauthorized, "unauthorized", "the admin token is not valid", "")
		case methods == nil:
			writeFakeError(w, http.StatusNotFound, "not_found", "no such route", "")
		case methods[r.Method] == nil:
			w.Header().Set("Allow", strings.Join(slices.Sorted(maps.Keys(methods)), ", "))
			writeFakeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here", "")
		case f.down:
			writeFakeError(w, http.StatusServiceUnavailable, "unavailable", "temporarily unavailable, retry later", "")
		default:
			f.mu.Lock()
			defer f.mu.Unlock()
			methods[r.Method](w, r)
		}
	})
}

func writeFakeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeFakeError(w http.ResponseWriter, status int, code, message, field string) {
	e := map[string]string{"code": code, "message": message}
	if field != "" {
		e["field"] = field
	}
	writeFakeJSON(w, status, map[string]any{"error": e})
}

// page answers one page of items: limit (1 to 100, default 50) or the fake's page size if
// smaller, from the opaque cursor on, with nextCursor when more are left.
func (f *fakeAPI) page(w http.ResponseWriter, r *http.Request, key string, items []map[string]any) {
	q := r.URL.Query()
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			writeFakeError(w, http.StatusBadRequest, "invalid", "limit is 1 to 100", "limit")
			return
		}
		limit = n
	}
	from := 0
	if c := q.Get("cursor"); c != "" {
		raw, _ := base64.RawURLEncoding.DecodeString(c)
		offset, ok := strings.CutPrefix(string(raw), "from:")
		var err error
		if from, err = strconv.Atoi(offset); err != nil || !ok || from > len(items) {
			writeFakeError(w, http.StatusBadRequest, "invalid", "not a cursor of this list", "cursor")
			return
		}
	}
	to := min(from+min(limit, f.pageSize), len(items))
	ans := map[string]any{key: items[from:to]}
	if to < len(items) {
		ans["nextCursor"] = fakeCursor(to)
	}
	writeFakeJSON(w, http.StatusOK, ans)
}

// fakeCursor is the fake's opaque cursor for the page starting at item from.
func fakeCursor(from int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("from:" + strconv.Itoa(from)))
}

// withHost reads ?include=hostUrl: whether to show host links. Another value is a 400.
func withHost(w http.ResponseWriter, r *http.Request) (bool, bool) {
	switch inc := r.URL.Query().Get("include"); inc {
	case "":
		return false, true
	case "hostUrl":
		return true, true
	}
	writeFakeError(w, http.StatusBadRequest, "invalid", "include takes hostUrl only", "include")
	return false, false
}

// roomView is a room as an answer shows it: its host link only when asked for.
func roomView(room map[string]any, host bool) map[string]any {
	v := maps.Clone(room)
	if !host {
		delete(v, "hostUrl")
	}
	return v
}

func (f *fakeAPI) listRooms(w http.ResponseWriter, r *http.Request) {
	host, ok := withHost(w, r)
	if !ok {
		return
	}
	state := r.URL.Query().Get("state")
	var rooms []map[string]any
	for _, room := range f.rooms {
		s := room["state"].(string)
		switch state {
		case "", "active":
			if s == "ended" {
				continue
			}
		case "ended":
			if s != "ended" {
				continue
			}
		case "all":
		default:
			writeFakeError(w, http.StatusBadRequest, "invalid", "state is active, ended or all", "state")
			return
		}
		rooms = append(rooms, roomView(room, host))
	}
	// Active rooms the soonest meeting first, the others the latest first.
	slices.SortStableFunc(rooms, func(a, b map[string]any) int {
		if state == "" || state == "active" {
			return strings.Compare(a["start"].(string), b["start"].(string))
		}
		return strings.Compare(b["start"].(string), a["start"].(string))
	})
	f.page(w, r, "rooms", rooms)
}

func (f *fakeAPI) room(w http.ResponseWriter, r *http.Request) map[string]any {
	for _, room := range f.rooms {
		if room["roomId"] == r.PathValue("roomId") {
			return room
		}
	}
	writeFakeError(w, http.StatusNotFound, "not_found", "no room with this id", "")
	return nil
}

func (f *fakeAPI) getRoom(w http.ResponseWriter, r *http.Request) {
	host, ok := withHost(w, r)
	if room := f.room(w, r); ok && room != nil {
		writeFakeJSON(w, http.StatusOK, roomView(room, host))
	}
}

var namePrefix = regexp.MustCompile(`^[a-z0-9-]{1,13}$`)

// endDate reads an endDate as the API does: RFC 3339 or +duration from now; in the future, at
// most a year ahead.
func (f *fakeAPI) endDate(w http.ResponseWriter, raw json.RawMessage) (time.Time, bool) {
	var s string
	_ = json.Unmarshal(raw, &s)
	end, err := time.Parse(time.RFC3339, s)
	if d, ok := strings.CutPrefix(s, "+"); ok {
		var dur time.Duration
		dur, err = time.ParseDuration(d)
		end = f.now.Add(dur)
	}
	if err != nil || !end.After(f.now) || end.After(f.now.AddDate(1, 0, 0)) {
		writeFakeError(w, http.StatusBadRequest, "invalid", "endDate must be an RFC 3339 time or a duration such as +2h, in the coming year", "endDate")
		return time.Time{}, false
	}
	return end.UTC(), true
}

func (f *fakeAPI) createRoom(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	fields := map[string]json.RawMessage{}
	if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(raw, &fields) != nil {
		writeFakeError(w, http.StatusBadRequest, "invalid", "the body is not a JSON object", "")
		return
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains([]string{"endDate", "size", "provider", "namePrefix", "dialIn", "locked", "title", "organizer"}, k) {
			writeFakeError(w, http.StatusBadRequest, "invalid", "unknown field", k)
			return
		}
	}
	if fields["endDate"] == nil {
		writeFakeError(w, http.StatusBadRequest, "invalid", "endDate is required", "endDate")
		return
	}
	end, ok := f.endDate(w, fields["endDate"])
	if !ok {
		return
	}
	str := func(k, def string) string {
		s := def
		if fields[k] != nil {
			_ = json.Unmarshal(fields[k], &s)
		}
		return s
	}
	size, provider, prefix, title := str("size", "small"), str("provider", "whereby"), str("namePrefix", "room"), str("title", "Room")
	switch {
	case size != "small" && size != "large":
		writeFakeError(w, http.StatusBadRequest, "invalid", "size is small or large", "size")
		return
	case provider != "whereby":
		writeFakeError(w, http.StatusBadRequest, "invalid", provider+" is not configured", "provider")
		return
	case !namePrefix.MatchString(prefix):
		writeFakeError(w, http.StatusBadRequest, "invalid", "namePrefix is up to 13 of a-z, 0-9 and -", "namePrefix")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if used, ok := f.keys[key]; ok && key != "" {
		if used.body != string(raw) {
			writeFakeError(w, http.StatusUnprocessableEntity, "unprocessable", "this Idempotency-Key was used with another body", "")
			return
		}
		for _, room := range f.rooms {
			if room["roomId"] == used.roomID {
				f.answerRoom(w, room)
				return
			}
		}
	}
	if f.refuse != "" {
		writeFakeError(w, http.StatusUnprocessableEntity, "unprocessable", f.refuse, "")
		return
	}
	id := fmt.Sprintf("rkmanual%d", len(f.rooms)+1)
	name := fmt.Sprintf("/%s-%s-5d1c", prefix, id)
	room := map[string]any{
		"roomId": id, "kind": "manual", "state": "active", "size": size, "provider": provider,
		"roomName": name, "guestUrl": "https://subdomain.whereby.com" + name,
		"hostUrl":   "https://subdomain.whereby.com" + name + "?roomKey=host-secret",
		"expiresAt": end.Add(7 * 24 * time.Hour).Format(time.RFC3339), "live": false, "title": title,
		"start": f.now.Format(time.RFC3339), "end": end.Format(time.RFC3339),
		"booking": map[string]any{"key": "m" + id, "source": "manual", "externalId": id, "status": "confirmed"},
	}
	if fields["organizer"] != nil {
		room["organizer"] = fixture[map[string]any](f.t, string(fields["organizer"]))
	}
	if f.slow {
		room["state"] = "creating"
		for _, k := range []string{"provider", "roomName", "guestUrl", "hostUrl"} {
			delete(room, k)
		}
	}
	f.rooms = append(f.rooms, room)
	if key != "" {
		f.keys[key] = keyUse{body: string(raw), roomID: id}
	}
	f.answerRoom(w, room)
}

// answerRoom answers a POST /v1/rooms with the room as it stands: 201 with it (and its host
// link) when it is made, else 202 saying where to look.
func (f *fakeAPI) answerRoom(w http.ResponseWriter, room map[string]any) {
	if room["state"] == "creating" {
		w.Header().Set("Location", "/v1/rooms/"+room["roomId"].(string))
		writeFakeJSON(w, http.StatusAccepted, map[string]any{"roomId": room["roomId"], "state": "creating"})
		return
	}
	writeFakeJSON(w, http.StatusCreated, room)
}

func (f *fakeAPI) moveRoom(w http.ResponseWriter, r *http.Request) {
	room := f.room(w, r)
	if room == nil {
		return
	}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["endDate"] == nil {
		writeFakeError(w, http.StatusBadRequest, "invalid", "endDate is required", "endDate")
		return
	}
	if room["kind"] != "manual" {
		writeFakeError(w, http.StatusConflict, "conflict", "this room follows booking "+room["booking"].(map[string]any)["key"].(string)+": change the booking", "")
		return
	}
	end, ok := f.endDate(w, body["endDate"])
	if !ok {
		return
	}
	if latest, _ := time.Parse(time.RFC3339, room["expiresAt"].(string)); end.After(latest) {
		writeFakeError(w, http.StatusConflict, "conflict", "the latest end this room allows is "+latest.Format(time.RFC3339)+": make a new room", "endDate")
		return
	}
	room["end"] = end.Format(time.RFC3339)
	writeFakeJSON(w, http.StatusOK, roomView(room, false))
}

func (f *fakeAPI) deleteRoom(w http.ResponseWriter, r *http.Request) {
	room := f.room(w, r)
	switch {
	case room == nil:
	case room["kind"] != "manual":
		writeFakeError(w, http.StatusConflict, "conflict", "this room is booking "+room["booking"].(map[string]any)["key"].(string)+"'s: cancel the booking instead", "")
	case room["live"] == true && r.URL.Query().Get("force") != "true":
		writeFakeError(w, http.StatusConflict, "conflict", "a call is live in this room: force=true ends it for everyone", "")
	default:
		if room["state"] != "ended" {
			room["state"], room["live"], room["deletedAt"] = "ended", false, f.now.Format(time.RFC3339)
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *fakeAPI) getSessions(w http.ResponseWriter, r *http.Request) {
	if room := f.room(w, r); room != nil {
		ans, ok := f.sessions[r.PathValue("roomId")]
		if !ok {
			ans = map[string]any{"roomId": r.PathValue("roomId"), "sessions": []any{}}
		}
		writeFakeJSON(w, http.StatusOK, ans)
	}
}

func (f *fakeAPI) getParticipants(w http.ResponseWriter, r *http.Request) {
	if room := f.room(w, r); room != nil {
		ans, ok := f.participants[r.PathValue("roomId")+"/"+r.PathValue("sessionId")]
		if !ok {
			writeFakeError(w, http.StatusNotFound, "not_found", "no session with this id in this room", "")
			return
		}
		writeFakeJSON(w, http.StatusOK, ans)
	}
}

// bound reads a from or to of GET /v1/bookings: an RFC 3339 time or a date (midnight UTC).
func bound(w http.ResponseWriter, r *http.Request, name string) (time.Time, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	if err != nil {
		writeFakeError(w, http.StatusBadRequest, "invalid", name+" is an RFC 3339 time or a date", name)
		return time.Time{}, false
	}
	return t, true
}

func (f *fakeAPI) listBookings(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	if status != "" && status != "confirmed" && status != "cancelled" {
		writeFakeError(w, http.StatusBadRequest, "invalid", "status is confirmed or cancelled", "status")
		return
	}
	from, ok := bound(w, r, "from")
	if !ok {
		return
	}
	to, ok := bound(w, r, "to")
	if !ok {
		return
	}
	var list []map[string]any
	for _, b := range f.bookings {
		start, _ := time.Parse(time.RFC3339, b["start"].(string))
		if (status == "" || b["status"] == status) && !start.Before(from) && (to.IsZero() || start.Before(to)) {
			list = append(list, b)
		}
	}
	slices.SortStableFunc(list, func(a, b map[string]any) int { return strings.Compare(a["start"].(string), b["start"].(string)) })
	f.page(w, r, "bookings", list)
}

func (f *fakeAPI) getBooking(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, b := range f.bookings {
		if b["key"] == id || b["source"].(string)+":"+b["externalId"].(string) == id {
			writeFakeJSON(w, http.StatusOK, b)
			return
		}
	}
	writeFakeError(w, http.StatusNotFound, "not_found", "no booking with this id", "")
}

func (f *fakeAPI) usage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	day := func(name string, def time.Time) (time.Time, bool) {
		if q.Get(name) == "" {
			return def, true
		}
		t, err := time.Parse(time.DateOnly, q.Get(name))
		if err != nil {
			writeFakeError(w, http.StatusBadRequest, "invalid", name+" is a date such as 2026-12-01", name)
		}
		return t, err == nil
	}
	today := f.now.Truncate(24 * time.Hour)
	to, ok := day("to", today)
	if !ok {
		return
	}
	from, ok := day("from", to.AddDate(0, 0, -29))
	if !ok {
		return
	}
	if to.Before(from) || to.Sub(from) > 366*24*time.Hour {
		writeFakeError(w, http.StatusBadRequest, "invalid", "to is from to 366 days after it", "to")
		return
	}
	figures := []string{"rooms", "sessions", "participants", "participantMinutes", "dialInCallers", "recordedMinutes", "streamedMinutes"}
	busy := map[string][]int{"2026-12-04": {3, 4, 9, 212, 1, 30, 0}, "2026-12-02": {1, 1, 2, 45, 0, 0, 0}}
	totals := map[string]int{}
	var days []map[string]any
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		entry := map[string]any{"date": d.Format(time.DateOnly)}
		for i, name := range figures {
			n := 0
			if b, ok := busy[d.Format(time.DateOnly)]; ok {
				n = b[i]
			}
			entry[name] = n
			totals[name] += n
		}
		days = append(days, entry)
	}
	writeFakeJSON(w, http.StatusOK, map[string]any{
		"timeZone": "Europe/Oslo", "from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly),
		"days": days, "totals": totals,
	})
}

func (f *fakeAPI) erase(w http.ResponseWriter, r *http.Request) {
	email := r.PathValue("email")
	if !strings.Contains(email, "@") {
		writeFakeError(w, http.StatusBadRequest, "invalid", "not an e-mail address", "email")
		return
	}
	ans := map[string]int{"records": 0, "outbox": 0}
	if email == "ada@example.com" && !f.erased[email] {
		ans = map[string]int{"records": 2, "outbox": 5}
	}
	f.erased[email] = true
	writeFakeJSON(w, http.StatusOK, ans)
}

// cliResult is what one run of roomkeeper did.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs roomkeeper with args as a person's shell would, pointed at the fake with its token,
// in Oslo's time zone; env adds or overrides variables ("" unsets one).
func (f *fakeAPI) runCLI(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	vars := map[string]string{
		"ROOMKEEPER_URL":         f.srv.URL,
		"ROOMKEEPER_ADMIN_TOKEN": f.token,
		"ROOMKEEPER_TIME_ZONE":   "Europe/Oslo",
		"ROOMKEEPER_DATA_DIR":    t.TempDir(),
	}
	maps.Copy(vars, env)
	return runWith(t, vars, nil, args...)
}

// runWith runs roomkeeper with args in the environment vars, with random as its randomness
// (nil: crypto/rand).
func runWith(t *testing.T, vars map[string]string, random io.Reader, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, cli{
		stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return vars[k] },
		client: &http.Client{Timeout: 10 * time.Second},
		random: random,
	})
	return cliResult{code, stdout.String(), stderr.String()}
}

// tableRows reads the aligned table in out whose header row holds header: each following row's
// cells, cut where the header's columns start, up to a blank line. A cell that strays out of its
// column fails the test, so this checks the alignment as well as the content.
func tableRows(t *testing.T, out string, header ...string) [][]string {
	t.Helper()
	lines := strings.Split(out, "\n")
	at := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, header[0]+"  ") })
	require.GreaterOrEqual(t, at, 0, "no table headed %q in:\n%s", header[0], out)
	head := []rune(lines[at])
	starts := make([]int, len(header))
	for i, h := range header {
		from := 0
		if i > 0 {
			from = starts[i-1] + 1
		}
		idx := strings.Index(string(head[from:]), h)
		require.GreaterOrEqual(t, idx, 0, "column %q missing from %q", h, lines[at])
		starts[i] = from + len([]rune(string(head[from:])[:idx]))
		if i > 0 {
			require.Equal(t, "  ", string(head[starts[i]-2:starts[i]]), "column %q is not set apart in %q", h, lines[at])
		}
	}
	var rows [][]string
	for _, line := range lines[at+1:] {
		if strings.TrimSpace(line) == "" {
			break
		}
		r := []rune(line)
		cells := make([]string, len(header))
		for i, start := range starts {
			if start >= len(r) {
				continue
			}
			if i > 0 {
				require.Equal(t, ' ', r[start-1], "a cell runs into column %q: %q", header[i], line)
			}
			end := len(r)
			if i+1 < len(starts) {
				end = min(starts[i+1], len(r))
			}
			cells[i] = strings.TrimSpace(string(r[start:end]))
		}
		rows = append(rows, cells)
	}
	return rows
}

// details reads the "name  value" lines that start with the line named first, up to a blank
// line, checking that the values line up; a name given twice collects its values one a line.
func details(t *testing.T, out, first string) map[string]string {
	t.Helper()
	lines := strings.Split(out, "\n")
	at := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, first+"  ") })
	require.GreaterOrEqual(t, at, 0, "no %q line in:\n%s", first, out)
	got := map[string]string{}
	column := -1
	for _, line := range lines[at:] {
		if strings.TrimSpace(line) == "" {
			break
		}
		name, value, ok := strings.Cut(line, "  ")
		require.True(t, ok, "not a name and a value: %q", line)
		value = strings.TrimLeft(value, " ")
		col := len([]rune(line)) - len([]rune(value))
		if column < 0 {
			column = col
		}
		require.Equal(t, column, col, "value out of line: %q", line)
		if got[name] != "" {
			value = got[name] + "\n" + value
		}
		got[name] = value
	}
	return got
}

// assertOneLine checks an error is reported as one line on stderr, and nothing on stdout.
func assertOneLine(t *testing.T, res cliResult, want string) {
	t.Helper()
	assert.Equal(t, 1, res.code, "exit status")
	assert.Equal(t, want+"\n", res.stderr)
	assert.Empty(t, res.stdout)
}

const fakeRooms = `[
  {
    "roomId": "rkfmckexvfaiceig2d3xk4", "kind": "booking", "state": "active", "size": "small",
    "provider": "whereby", "roomName": "/intro-rkfmckexvfaiceig2d3xk4-5d1c",
    "guestUrl": "https://subdomain.whereby.com/intro-rkfmckexvfaiceig2d3xk4-5d1c",
    "hostUrl": "https://subdomain.whereby.com/intro-rkfmckexvfaiceig2d3xk4-5d1c?roomKey=host-secret",
    "expiresAt": "2026-11-29T10:30:00Z",
    "dialIn": {"numbers": [{"e164": "+12125550100", "country": "US", "tel": "tel:+12125550100,1234567890"}], "code": "1234567890"},
    "live": true,
    "booking": {"key": "fmckexvfaicei", "source": "generic", "externalId": "bk_a", "status": "confirmed"},
    "title": "Intro call", "start": "2026-11-22T09:30:00Z", "end": "2026-11-22T10:30:00Z"
  },
  {
    "roomId": "rkfmckexvfaiceig1", "kind": "booking", "state": "active", "size": "small",
    "provider": "whereby", "roomName": "/intro-rkfmckexvfaiceig1-5d1c",
    "guestUrl": "https://subdomain.whereby.com/intro-rkfmckexvfaiceig1-5d1c",
    "expiresAt": "2026-11-29T10:30:00Z", "retired": true, "live": false,
    "booking": {"key": "fmckexvfaicei", "source": "generic", "externalId": "bk_a", "status": "confirmed"},
    "title": "Intro call", "start": "2026-11-22T09:30:00Z", "end": "2026-11-22T10:30:00Z"
  },
  {
    "roomId": "rkwalkin01", "kind": "manual", "state": "active", "size": "large",
    "provider": "whereby", "roomName": "/support-rkwalkin01-77aa",
    "guestUrl": "https://subdomain.whereby.com/support-rkwalkin01-77aa",
    "hostUrl": "https://subdomain.whereby.com/support-rkwalkin01-77aa?roomKey=host-secret",
    "expiresAt": "2026-11-29T12:00:00Z", "live": true,
    "booking": {"key": "mrkwalkin01", "source": "manual", "externalId": "rkwalkin01", "status": "confirmed"},
    "organizer": {"name": "Ada Host", "email": "ada@example.com"},
    "title": "Walk-in support for everyone who wants a hand with their calendar", "start": "2026-11-22T09:00:00Z", "end": "2026-11-22T12:00:00Z"
  },
  {
    "roomId": "rkweeklysync", "kind": "booking", "state": "creating", "size": "large", "live": false,
    "booking": {"key": "k2calcomweekly", "source": "calcom", "externalId": "team/weekly-7", "status": "confirmed"},
    "title": "Weekly sync", "start": "2026-11-23T08:00:00Z", "end": "2026-11-23T08:30:00Z"
  },
  {
    "roomId": "rkkickoff", "kind": "booking", "state": "ended", "size": "small",
    "provider": "whereby", "roomName": "/kickoff-rkkickoff-5d1c",
    "guestUrl": "https://subdomain.whereby.com/kickoff-rkkickoff-5d1c",
    "expiresAt": "2026-11-27T14:00:00Z", "live": false,
    "booking": {"key": "k4kickoff", "source": "generic", "externalId": "bk_k", "status": "confirmed"},
    "title": "Kick-off", "start": "2026-11-20T13:00:00Z", "end": "2026-11-20T14:00:00Z", "deletedAt": "2026-11-20T14:02:00Z"
  },
  {
    "roomId": "rktownhall", "kind": "manual", "state": "ended", "size": "large",
    "provider": "whereby", "roomName": "/townhall-rktownhall-5d1c",
    "guestUrl": "https://subdomain.whereby.com/townhall-rktownhall-5d1c",
    "expiresAt": "2026-11-28T16:00:00Z", "live": false,
    "booking": {"key": "mrktownhall", "source": "manual", "externalId": "rktownhall", "status": "confirmed"},
    "title": "Town hall", "start": "2026-11-21T15:00:00Z", "end": "2026-11-21T16:00:00Z", "deletedAt": "2026-11-21T16:05:00Z"
  }
]`

const fakeSessions = `{
  "rkfmckexvfaiceig2d3xk4": {
    "roomId": "rkfmckexvfaiceig2d3xk4",
    "sessions": [
      {"sessionId": "-", "live": false, "participants": 1, "participantMinutes": 2, "dialInCallers": []},
      {
        "sessionId": "2a4ed9b1-52c4-4f33-9a5c-0a7d1e6f1f10", "startedAt": "2026-11-22T09:40:00Z", "live": true,
        "participants": 5, "participantMinutes": 37,
        "dialInCallers": [{"displayName": "Cy Dialer", "calls": 1}, {"displayName": "Phone caller", "calls": 2}],
        "recordedMinutes": 12, "streamedMinutes": 0
      }
    ],
    "insights": "ok"
  },
  "rkkickoff": {
    "roomId": "rkkickoff",
    "sessions": [
      {"sessionId": "zoom/ab==", "startedAt": "2026-11-20T13:01:00Z", "endedAt": "2026-11-20T13:58:00Z", "live": false,
       "participants": 2, "participantMinutes": 114, "dialInCallers": []}
    ],
    "insights": "unavailable"
  }
}`

const fakeParticipants = `{
  "rkfmckexvfaiceig2d3xk4/2a4ed9b1-52c4-4f33-9a5c-0a7d1e6f1f10": {
    "roomId": "rkfmckexvfaiceig2d3xk4",
    "sessionId": "2a4ed9b1-52c4-4f33-9a5c-0a7d1e6f1f10",
    "participants": [
      {"participantId": "p1", "displayName": "Ada Host", "role": "host", "host": true, "dialIn": false,
       "joinedAt": "2026-11-22T09:40:00Z", "present": true, "minutes": 20},
      {"participantId": "p2", "displayName": "Bob Guest", "role": "visitor", "host": false, "dialIn": false,
       "joinedAt": "2026-11-22T09:40:30Z", "leftAt": "2026-11-22T09:50:00Z", "present": false, "minutes": 10},
      {"participantId": "p3", "displayName": "Phone caller", "role": "visitor", "host": false, "dialIn": true,
       "joinedAt": "2026-11-22T09:45:00Z", "leftAt": "2026-11-22T09:45:01Z", "present": false, "minutes": 1}
    ]
  },
  "rkfmckexvfaiceig2d3xk4/-": {
    "roomId": "rkfmckexvfaiceig2d3xk4", "sessionId": "-",
    "participants": [
      {"participantId": "p0", "displayName": "Early \u001b[31mBird", "role": "visitor", "host": false, "dialIn": false,
       "joinedAt": "2026-11-22T09:20:00Z", "leftAt": "2026-11-22T09:21:10Z", "present": false, "minutes": 2}
    ]
  },
  "rkkickoff/zoom/ab==": {
    "roomId": "rkkickoff", "sessionId": "zoom/ab==",
    "participants": [
      {"participantId": "z1", "displayName": "Kim", "role": "host", "host": true, "dialIn": false,
       "joinedAt": "2026-11-20T13:01:00Z", "leftAt": "2026-11-20T13:58:00Z", "present": false, "minutes": 57}
    ]
  }
}`

const fakeBookings = `[
  {
    "key": "fmckexvfaicei", "source": "generic", "externalId": "bk_a", "status": "confirmed", "sequence": 1,
    "title": "Intro call", "start": "2026-11-22T09:30:00Z", "end": "2026-11-22T10:30:00Z", "timeZone": "Europe/Oslo",
    "room": {
      "roomId": "rkfmckexvfaiceig2d3xk4", "provider": "whereby", "roomName": "/intro-rkfmckexvfaiceig2d3xk4-5d1c",
      "guestUrl": "https://subdomain.whereby.com/intro-rkfmckexvfaiceig2d3xk4-5d1c", "expiresAt": "2026-11-29T10:30:00Z", "live": true
    },
    "retiredRooms": [
      {"roomId": "rkfmckexvfaiceig1", "provider": "whereby", "roomName": "/intro-rkfmckexvfaiceig1-5d1c",
       "guestUrl": "https://subdomain.whereby.com/intro-rkfmckexvfaiceig1-5d1c", "expiresAt": "2026-11-29T10:30:00Z", "retired": true, "live": false}
    ],
    "invites": [
      {"email": "ada@example.com", "name": "Ada Host", "role": "organizer", "sequence": 1, "method": "REQUEST", "sentAt": "2026-11-22T09:00:00Z", "reminded": 1440},
      {"email": "bob@example.net", "name": "Bob Guest", "role": "guest", "sequence": 1, "method": "REQUEST", "sentAt": "2026-11-22T09:00:00Z", "reminded": 15},
      {"email": "cleo@example.net", "name": "Cleo", "role": "guest", "error": "mailbox does not exist"}
    ],
    "reminders": [1440, 15],
    "endedRooms": [
      {"roomId": "rkfmckexvfaiceig0", "provider": "whereby", "roomName": "/intro-rkfmckexvfaiceig0-5d1c", "state": "ended",
       "guestUrl": "https://subdomain.whereby.com/intro-rkfmckexvfaiceig0-5d1c", "live": false, "deletedAt": "2026-11-22T08:30:00Z", "vanished": true}
    ],
    "roomVanishedAt": "2026-11-22T08:30:00Z",
    "dueAt": "2026-11-22T10:32:00Z", "done": false,
    "failure": {"message": "delete whereby room 87673375 of booking fmckexvfaicei: whereby answered 503 Service Unavailable", "permanent": false, "at": "2026-11-22T09:44:00Z"},
    "possibleDuplicates": 1,
    "createdAt": "2026-11-22T08:00:00Z", "updatedAt": "2026-11-22T09:44:00Z"
  },
  {
    "key": "k2calcomweekly", "source": "calcom", "externalId": "team/weekly-7", "status": "confirmed", "sequence": 0,
    "title": "Weekly sync", "start": "2026-11-23T08:00:00Z", "end": "2026-11-23T08:30:00Z", "timeZone": "Europe/Oslo",
    "room": null, "invites": [], "dueAt": "2026-11-22T09:46:00Z", "done": false,
    "createdAt": "2026-11-22T09:44:00Z", "updatedAt": "2026-11-22T09:44:00Z"
  },
  {
    "key": "k3cancelled", "source": "generic", "externalId": "bk_c", "status": "cancelled", "sequence": 2,
    "title": "Retro", "start": "2026-11-24T10:00:00Z", "end": "2026-11-24T11:00:00Z", "timeZone": "UTC",
    "room": null, "invites": [
      {"email": "ada@example.com", "name": "Ada Host", "role": "organizer", "sequence": 2, "method": "CANCEL", "sentAt": "2026-11-21T12:00:00Z"}
    ],
    "done": true, "createdAt": "2026-11-20T08:00:00Z", "updatedAt": "2026-11-21T12:00:00Z"
  },
  {
    "key": "k4kickoff", "source": "generic", "externalId": "bk_k", "status": "confirmed", "sequence": 0,
    "title": "Kick-off", "start": "2026-11-20T13:00:00Z", "end": "2026-11-20T14:00:00Z", "timeZone": "Europe/Oslo",
    "room": null, "invites": [], "done": true,
    "failure": {"message": "whereby refused the room: plan limit reached", "permanent": true, "at": "2026-11-20T12:00:00Z"},
    "createdAt": "2026-11-19T08:00:00Z", "updatedAt": "2026-11-20T14:02:00Z"
  }
]`
