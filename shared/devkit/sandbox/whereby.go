// Package sandbox provides local stand-ins for outside services, so roomkeeper runs on a laptop
// with no account anywhere and its adapters are tested against a server speaking the real API.
//
// Whereby is a Whereby Embedded compatible REST API (https://docs.whereby.com/reference/whereby-rest-api-reference,
// OpenAPI for https://api.whereby.dev/v1 in github.com/whereby/docs): POST/GET/DELETE /meetings with
// Bearer auth, cursor paging, the `fields` parameter, the closed-beta dial-in
// (whereby-product-features/dial-in.md in github.com/whereby/docs), rooms gone from endDate + 1 h,
// and the documented 401 and 429 bodies. It has fault controls (throttling, failures, delay,
// hangs) and a request budget (Limit: a fixed window or evenly spaced requests) for tests and
// benchmarks.
//
// Its room pages let a developer join, leave and knock as a visitor, the host or a phone caller,
// and it then sends signed webhooks as Whereby does
// (whereby-product-features/insights-suite-and-api/webhooks.md in github.com/whereby/docs; payload
// types from packages/assistant-sdk/src/Trigger/types.ts in github.com/whereby/sdk): see rooms.go
// and webhooks.go.
package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Paths the sandbox serves. The local server mounts the handler at WherebyMount.
const (
	WherebyMount   = "/sandbox/whereby/"
	WherebyAPIPath = "/sandbox/whereby/v1"    // the API base: {PublicURL}{WherebyAPIPath}/meetings
	wherebyRooms   = "/sandbox/whereby/rooms" // room pages: wherebyRooms + roomName
)

// Whereby's documented facts the sandbox mirrors.
const (
	roomGrace        = time.Hour // a room works until endDate + 1 h, then it is gone
	maxBodyBytes     = 1 << 20
	defaultListLimit = 50
	maxListLimit     = 100
	firstMeetingID   = 87673375 // the docs' example id, so ids look like Whereby's numeric strings

	msgUnauthorized = "Access token is missing or invalid"
	msgForbidden    = "Not allowed to perform action"
	msgNotFound     = "The requested resource doesn't exist"
)

var prefixPattern = regexp.MustCompile(`^[a-z0-9-]{0,39}$`)

// WherebyOptions configure a Whereby sandbox.
type WherebyOptions struct {
	// PublicURL is the base of room links, e.g. http://127.0.0.1:8080. Required.
	PublicURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// StatePath is an optional JSON file the rooms are loaded from at start and saved to after
	// every change, so links survive a restart. Empty keeps rooms in memory only. Who is in a
	// room is not saved: a restart drops every connection, as a real outage would.
	StatePath string
	// WebhookURL receives the room's webhooks (room.client.*, room.session.*), signed with
	// WebhookSecret. Empty sends none.
	WebhookURL    string
	WebhookSecret string
	// WebhookTimeout is how long a delivery may take before it is retried; 0 means Whereby's 5 s.
	WebhookTimeout time.Duration
}

// Meeting is a room as the sandbox keeps it. The API shows HostRoomURL and DialIn only when the
// request's `fields` asks for them.
type Meeting struct {
	MeetingID   string    `json:"meetingId"`
	RoomName    string    `json:"roomName"` // starts with "/"
	RoomURL     string    `json:"roomUrl"`
	HostRoomURL string    `json:"hostRoomUrl"` // RoomURL + "?roomKey=" + the room's host key
	StartDate   time.Time `json:"startDate"`
	EndDate     time.Time `json:"endDate"`
	RoomMode    string    `json:"roomMode"` // "normal" or "group"
	IsLocked    bool      `json:"isLocked"`
	DialIn      *DialIn   `json:"dialIn,omitempty"` // set when created with isDialInEnabled
}

// DialIn is a room's dial-in details in Whereby's shape: national-format numbers with an
// ISO 3166 alpha-2 country.
type DialIn struct {
	Code         string        `json:"code"`
	PhoneNumbers []DialInPhone `json:"phoneNumbers"`
}

// DialInPhone is one dial-in number.
type DialInPhone struct {
	CountryCode string `json:"countryCode"`
	PhoneNumber string `json:"phoneNumber"`
}

// Whereby is the Whereby-compatible sandbox: an http.Handler serving full paths under
// WherebyMount. Its methods are safe for concurrent use.
type Whereby struct {
	publicURL string
	now       func() time.Time
	statePath string
	mux       *http.ServeMux

	mu       sync.Mutex
	meetings map[string]*Meeting // by MeetingID
	nextID   int
	requests requestLog
	faults   faultQueue
	delay    time.Duration
	noDialIn bool
	limit    *RateLimit // nil: no budget
	limited  int        // requests the budget refused
	hanging  int        // requests waiting for their client to give up (Hang)
	journal  int        // changes written after the file's snapshot; -1: no snapshot yet

	// Room activity and its webhooks (rooms.go, webhooks.go).
	hooks   webhookSender
	act     sync.Mutex            // serialises room actions with their deliveries, so webhooks leave in order
	rooms   map[string]*roomState // who is in each room, by MeetingID; guarded by mu
	sent    []*Webhook            // deliveries, oldest first, at most maxWebhooks; guarded by mu
	held    bool                  // deliveries wait for ReleaseWebhooks; guarded by mu
	pending []*Webhook            // held deliveries; guarded by mu
}

// record is one JSON value of the file at StatePath: the file is a snapshot of the live rooms
// (NextID and Meetings) followed by the changes since, one line each (Put, a room made;
// Delete, a room deleted), so a change writes a line rather than every room. Loading applies
// them in order; a change that makes rooms gone, or a journal grown past the live rooms, writes
// a new snapshot.
type record struct {
	NextID   int        `json:"nextId,omitempty"`
	Meetings []*Meeting `json:"meetings,omitempty"`
	Put      *Meeting   `json:"put,omitempty"`
	Delete   string     `json:"delete,omitempty"`
}

// journalSlack is how many changes beyond the live rooms the file may hold before a snapshot.
const journalSlack = 64

// NewWhereby returns a sandbox, loading rooms from opts.StatePath when that file exists.
func NewWhereby(opts WherebyOptions) (*Whereby, error) {
	u, err := url.Parse(opts.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("whereby sandbox: public URL %q is not an absolute http(s) URL", opts.PublicURL)
	}
	w := &Whereby{
		publicURL: strings.TrimRight(opts.PublicURL, "/"),
		now:       opts.Now,
		statePath: opts.StatePath,
		meetings:  map[string]*Meeting{},
		nextID:    firstMeetingID,
		rooms:     map[string]*roomState{},
		journal:   -1,
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.hooks, err = newWebhookSender(opts); err != nil {
		return nil, err
	}
	if err := w.load(); err != nil {
		return nil, err
	}
	w.mux = http.NewServeMux()
	w.mux.HandleFunc("POST "+WherebyAPIPath+"/meetings", w.createMeeting)
	w.mux.HandleFunc("GET "+WherebyAPIPath+"/meetings", w.listMeetings)
	w.mux.HandleFunc("GET "+WherebyAPIPath+"/meetings/{id}", w.getMeeting)
	w.mux.HandleFunc("DELETE "+WherebyAPIPath+"/meetings/{id}", w.deleteMeeting)
	w.mux.HandleFunc("GET "+WherebyAPIPath+"/insights/room-sessions", w.roomSessionInsights) // insights.go
	w.mux.HandleFunc("GET "+wherebyRooms+"/{name}", w.roomPage)
	w.mux.Handle("POST "+wherebyRooms+"/{name}", http.NewCrossOriginProtection().Handler(http.HandlerFunc(w.roomAction)))
	return w, nil
}

// ServeHTTP serves the API under WherebyAPIPath and the room pages.
func (w *Whereby) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path == WherebyAPIPath || strings.HasPrefix(r.URL.Path, WherebyAPIPath+"/") {
		w.serveAPI(rw, r)
		return
	}
	w.mux.ServeHTTP(rw, r)
}

// serveAPI records the request, then applies the delay, a queued fault, the rate limit and
// authentication before the endpoint runs.
func (w *Whereby) serveAPI(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxBodyBytes))
	if err != nil {
		writeError(rw, http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	w.mu.Lock()
	w.requests.record(r, body)
	delay := w.delay
	f, faulted := w.faults.take()
	limit := w.limit
	w.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the client gave up
		}
	}
	if faulted && f.hang {
		w.mu.Lock()
		w.hanging++
		w.mu.Unlock()
		<-r.Context().Done()
		w.mu.Lock()
		w.hanging--
		w.mu.Unlock()
		return
	}
	if faulted {
		writeFault(rw, f)
		return
	}
	if limit != nil {
		if wait := limit.take(w.now()); wait > 0 {
			w.mu.Lock()
			w.limited++
			w.mu.Unlock()
			writeFault(rw, fault{status: http.StatusTooManyRequests, retryAfter: wait})
			return
		}
	}
	if !authorized(r) {
		writeError(rw, http.StatusUnauthorized, msgUnauthorized)
		return
	}
	w.mux.ServeHTTP(rw, r)
}

func writeFault(rw http.ResponseWriter, f fault) {
	if f.status == http.StatusTooManyRequests {
		secs := int64((f.retryAfter + time.Second - 1) / time.Second)
		rw.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeJSON(rw, f.status, map[string]any{
			"error": "Rate limit active for throttle key: organization:1",
			"data":  map[string]any{"msLeft": f.retryAfter.Milliseconds()},
		})
		return
	}
	msg := http.StatusText(f.status)
	switch f.status {
	case http.StatusUnauthorized:
		msg = msgUnauthorized
	case http.StatusForbidden:
		msg = msgForbidden
	}
	writeError(rw, f.status, msg)
}

func authorized(r *http.Request) bool {
	scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(key) != ""
}

// createRequest is the POST /meetings body. Fields the sandbox does not model (recording,
// streaming, templateType, …) are ignored, as unknown fields are.
type createRequest struct {
	EndDate         *string  `json:"endDate"`
	RoomMode        *string  `json:"roomMode"`
	RoomNamePrefix  string   `json:"roomNamePrefix"`
	IsLocked        bool     `json:"isLocked"`
	Fields          []string `json:"fields"`
	IsDialInEnabled bool     `json:"isDialInEnabled"`
}

func (w *Whereby) createMeeting(rw http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(rw, http.StatusBadRequest, "Invalid JSON body: "+err.Error())
		return
	}
	now := w.now()
	if req.EndDate == nil || *req.EndDate == "" {
		writeError(rw, http.StatusBadRequest, `"endDate" is required`)
		return
	}
	end, err := parseDate(*req.EndDate)
	if err != nil {
		writeError(rw, http.StatusBadRequest, `"endDate" must be a valid ISO 8601 date-time`)
		return
	}
	if end.Before(now) {
		writeError(rw, http.StatusBadRequest, `"endDate" must be now or later`)
		return
	}
	mode := "normal"
	if req.RoomMode != nil {
		mode = *req.RoomMode
	}
	if mode != "normal" && mode != "group" {
		writeError(rw, http.StatusBadRequest, `"roomMode" must be one of [normal, group]`)
		return
	}
	// Whereby lowercases the prefix and strips whitespace before checking it.
	prefix := strings.Map(func(c rune) rune {
		if unicode.IsSpace(c) {
			return -1
		}
		return c
	}, strings.ToLower(req.RoomNamePrefix))
	if !prefixPattern.MatchString(prefix) {
		writeError(rw, http.StatusBadRequest, `"roomNamePrefix" must match pattern [a-z0-9-]{0,39}`)
		return
	}

	roomName := "/" + prefix + uuidV4()
	roomURL := w.publicURL + wherebyRooms + roomName
	m := &Meeting{
		RoomName:    roomName,
		RoomURL:     roomURL,
		HostRoomURL: roomURL + "?roomKey=" + token(),
		StartDate:   now.UTC(),
		EndDate:     end.UTC(),
		RoomMode:    mode,
		IsLocked:    req.IsLocked,
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	id := w.nextID
	m.MeetingID = strconv.Itoa(id)
	if req.IsDialInEnabled && !w.noDialIn {
		m.DialIn = &DialIn{
			Code:         digits(10),
			PhoneNumbers: []DialInPhone{{CountryCode: "US", PhoneNumber: fmt.Sprintf("212-555-01%02d", id%100)}},
		}
	}
	w.nextID++
	w.meetings[m.MeetingID] = m
	if err := w.save(now, record{Put: m}); err != nil {
		delete(w.meetings, m.MeetingID)
		writeError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(rw, http.StatusCreated, view(m, parseFields(req.Fields)))
}

func (w *Whereby) listMeetings(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, after, msg := page(q, defaultListLimit, maxListLimit)
	if msg != "" {
		writeError(rw, http.StatusBadRequest, msg)
		return
	}
	fields := parseFields(strings.Split(q.Get("fields"), ","))

	live := w.Rooms() // sorted by id
	i := slices.IndexFunc(live, func(m Meeting) bool { return meetingSeq(m) > after })
	if i < 0 {
		i = len(live)
	}
	page := live[i:min(i+limit, len(live))]
	results := make([]map[string]any, 0, len(page))
	for _, m := range page {
		results = append(results, view(&m, fields))
	}
	var cursor *string
	if i+len(page) < len(live) {
		c := page[len(page)-1].MeetingID
		cursor = &c
	}
	writeJSON(rw, http.StatusOK, map[string]any{"results": results, "cursor": cursor})
}

func (w *Whereby) getMeeting(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	m, ok := w.live(r.PathValue("id"))
	var c Meeting
	if ok {
		c = copyMeeting(m)
	}
	w.mu.Unlock()
	if !ok {
		writeError(rw, http.StatusNotFound, msgNotFound)
		return
	}
	writeJSON(rw, http.StatusOK, view(&c, parseFields(strings.Split(r.URL.Query().Get("fields"), ","))))
}

// deleteMeeting always answers 204: Whereby's DELETE is idempotent. Deleting a room removes
// everyone in it, so their room.client.left (and the session's end) are sent first.
func (w *Whereby) deleteMeeting(rw http.ResponseWriter, r *http.Request) {
	w.act.Lock()
	defer w.act.Unlock()
	w.mu.Lock()
	id := r.PathValue("id")
	var events []*Webhook
	if m, ok := w.meetings[id]; ok {
		if !w.gone(m, w.now()) {
			events = w.evict(m)
		}
		delete(w.meetings, id)
		if err := w.save(w.now(), record{Delete: id}); err != nil {
			w.meetings[id] = m
			w.mu.Unlock()
			writeError(rw, http.StatusInternalServerError, err.Error())
			return
		}
	}
	w.mu.Unlock()
	_ = w.deliver(events) // the room is gone whatever the receiver answers
	rw.WriteHeader(http.StatusNoContent)
}

// live returns the meeting with the id unless it was deleted or is past endDate + 1 h.
// w.mu must be held.
func (w *Whereby) live(id string) (*Meeting, bool) {
	m, ok := w.meetings[id]
	if !ok || w.gone(m, w.now()) {
		return nil, false
	}
	return m, true
}

func (w *Whereby) gone(m *Meeting, now time.Time) bool {
	return !now.Before(m.EndDate.Add(roomGrace))
}

// responseFields are the optional response fields a request asked for.
type responseFields struct{ host, dialIn bool }

func parseFields(names []string) responseFields {
	var f responseFields
	for _, n := range names {
		switch strings.TrimSpace(n) {
		case "hostRoomUrl":
			f.host = true
		case "dialIn":
			f.dialIn = true
		}
	}
	return f
}

// view is a meeting as the API shows it: Whereby's fields, dates in UTC with milliseconds, host
// link and dial-in only when asked for.
func view(m *Meeting, f responseFields) map[string]any {
	v := map[string]any{
		"meetingId": m.MeetingID,
		"roomName":  m.RoomName,
		"roomUrl":   m.RoomURL,
		"startDate": formatDate(m.StartDate),
		"endDate":   formatDate(m.EndDate),
	}
	if f.host {
		v["hostRoomUrl"] = m.HostRoomURL
	}
	if f.dialIn && m.DialIn != nil {
		v["dialIn"] = m.DialIn
		v["roomPreferences"] = map[string]any{"dialIn": true}
	}
	return v
}

// Throttle makes the next n API requests (whatever their key) fail with 429, a Retry-After header (whole seconds,
// rounded up) and Whereby's throttle body carrying msLeft. Faults queue in the order they are set.
func (w *Whereby) Throttle(n int, retryAfter time.Duration) {
	w.addFault(fault{n: n, status: http.StatusTooManyRequests, retryAfter: retryAfter})
}

// Hang makes the next n API requests get no answer at all: each waits until its client gives up
// (a timeout, a cancelled context, a closed connection), as a provider that hangs would.
func (w *Whereby) Hang(n int) {
	w.addFault(fault{n: n, hang: true})
}

// Hanging returns how many API requests Hang holds now.
func (w *Whereby) Hanging() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hanging
}

// Limit puts the API behind a request budget (nil removes it): a request over it is answered
// like Throttle's, with the time until the budget allows the next one.
func (w *Whereby) Limit(l *RateLimit) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.limit = l
}

// RateLimited returns how many API requests the budget set with Limit refused.
func (w *Whereby) RateLimited() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.limited
}

// Fail makes the next n API requests fail with status and a body {"error": "<message>"}.
func (w *Whereby) Fail(n int, status int) {
	w.addFault(fault{n: n, status: status})
}

func (w *Whereby) addFault(f fault) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.faults.push(f)
}

// Delay makes every API response wait d (0 turns it off). A client that gives up first gets no
// response.
func (w *Whereby) Delay(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.delay = d
}

// DisableDialIn makes the sandbox act like an account without the dial-in beta: isDialInEnabled is
// ignored and no dialIn is returned.
func (w *Whereby) DisableDialIn() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.noDialIn = true
}

// Rooms returns copies of the live rooms (not deleted, not past endDate + 1 h), oldest first.
func (w *Whereby) Rooms() []Meeting {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	var rooms []Meeting
	for _, m := range w.meetings {
		if !w.gone(m, now) {
			rooms = append(rooms, copyMeeting(m))
		}
	}
	slices.SortFunc(rooms, func(a, b Meeting) int { return meetingSeq(a) - meetingSeq(b) })
	return rooms
}

// Requests returns copies of the API requests received so far, oldest first.
func (w *Whereby) Requests() []Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.requests.copies()
}

func copyMeeting(m *Meeting) Meeting {
	c := *m
	if m.DialIn != nil {
		d := *m.DialIn
		d.PhoneNumbers = slices.Clone(d.PhoneNumbers)
		c.DialIn = &d
	}
	return c
}

func meetingSeq(m Meeting) int {
	n, _ := strconv.Atoi(m.MeetingID)
	return n
}

// load reads the state file, if any: a snapshot and the changes after it. A change cut short
// by a stop mid-write ends the file; the rooms before it are kept, and a new snapshot replaces
// the file so the next change is not written after it.
func (w *Whereby) load() error {
	if w.statePath == "" {
		return nil
	}
	f, err := os.Open(w.statePath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("whereby sandbox: load state: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for n := 0; ; n++ {
		var rec record
		err := dec.Decode(&rec)
		if err == io.EOF {
			break
		}
		if err != nil && n == 0 {
			return fmt.Errorf("whereby sandbox: load state %s: %w", w.statePath, err)
		}
		if err != nil {
			w.journal = journalSlack + len(w.meetings) // cut short: write a snapshot at once
			break
		}
		w.apply(rec)
		w.journal++
	}
	w.nextID = max(w.nextID, firstMeetingID)
	if w.journal > 0 {
		return w.snapshot()
	}
	return nil
}

// apply applies one record of the state file.
func (w *Whereby) apply(rec record) {
	if rec.Meetings != nil {
		clear(w.meetings)
	}
	for _, m := range rec.Meetings {
		if m != nil && m.MeetingID != "" {
			w.meetings[m.MeetingID] = m
		}
	}
	if m := rec.Put; m != nil && m.MeetingID != "" {
		w.meetings[m.MeetingID] = m
	}
	if rec.Delete != "" {
		delete(w.meetings, rec.Delete)
	}
	w.nextID = max(w.nextID, rec.NextID)
}

// save records a change (a room made or deleted) in the state file, and forgets rooms that are
// gone: one line after the file's snapshot, or a new snapshot when rooms went or the changes
// outnumber the live rooms. w.mu must be held.
func (w *Whereby) save(now time.Time, change record) error {
	pruned := false
	for id, m := range w.meetings {
		if w.gone(m, now) {
			delete(w.meetings, id)
			pruned = true
		}
	}
	for id := range w.rooms {
		if _, ok := w.meetings[id]; !ok {
			delete(w.rooms, id) // gone or deleted: nobody is in it any more
		}
	}
	if w.statePath == "" {
		return nil
	}
	if pruned || w.journal < 0 || w.journal >= len(w.meetings)+journalSlack {
		return w.snapshot()
	}
	change.NextID = w.nextID
	line, err := json.Marshal(change)
	if err != nil {
		return fmt.Errorf("whereby sandbox: save state: %w", err)
	}
	f, err := os.OpenFile(w.statePath, os.O_WRONLY|os.O_APPEND, 0)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("whereby sandbox: save state: %w", err)
	}
	w.journal++
	return nil
}

// snapshot replaces the state file, atomically, with the live rooms. w.mu must be held.
func (w *Whereby) snapshot() error {
	s := record{NextID: w.nextID, Meetings: make([]*Meeting, 0, len(w.meetings))}
	for _, m := range w.meetings {
		s.Meetings = append(s.Meetings, m)
	}
	slices.SortFunc(s.Meetings, func(a, b *Meeting) int { return meetingSeq(*a) - meetingSeq(*b) })
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("whereby sandbox: save state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(w.statePath), ".whereby-state-*")
	if err != nil {
		return fmt.Errorf("whereby sandbox: save state: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), w.statePath)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("whereby sandbox: save state: %w", err)
	}
	w.journal = 0
	return nil
}

// parseDate reads an ISO 8601 date-time; one without an offset is UTC, as Whereby documents.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
}

func formatDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

func writeError(rw http.ResponseWriter, status int, msg string) {
	writeJSON(rw, status, map[string]string{"error": msg})
}

// uuidV4 returns a random RFC 9562 version 4 UUID.
func uuidV4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// token returns an unguessable host key (256 random bits).
func token() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// digits returns n random decimal digits.
func digits(n int) string {
	var sb strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		sb.WriteByte(byte('0' + d.Int64()))
	}
	return sb.String()
}

// page reads a Whereby list's "limit" (def when absent, 1 to max) and "cursor" (an offset here);
// msg is the 400's message for a bad one.
func page(q url.Values, def, max int) (limit, offset int, msg string) {
	limit = def
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > max {
			return 0, 0, fmt.Sprintf(`"limit" must be an integer from 1 to %d`, max)
		}
		limit = n
	}
	if s := q.Get("cursor"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, 0, `"cursor" is invalid`
		}
		offset = n
	}
	return limit, offset, ""
}
