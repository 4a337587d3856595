package sandbox

// Zoom is a Zoom-compatible fake (Zoom Meeting API 2.0.0, https://developers.zoom.us/docs/api/):
// the Server-to-Server OAuth token endpoint, POST/GET /users/{userId}/meetings, GET/PATCH/DELETE
// /meetings/{meetingId} with Zoom's {code, message} errors (124 invalid token, 1001 no such user,
// 3001 meeting not found, 3002 in progress, 3007 ended), the per-host daily cap of meetings
// created or updated, and signed webhooks (meeting.started/ended, participant_joined/left and the
// endpoint.url_validation challenge) sent to a URL. Fault controls make it throttle, fail, expire
// its tokens or refuse deletes as the real API does.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths the Zoom fake serves.
const (
	ZoomMount     = "/sandbox/zoom/"
	ZoomAPIPath   = "/sandbox/zoom/v2"          // the API base, as https://api.zoom.us/v2
	ZoomOAuthPath = "/sandbox/zoom/oauth/token" // as https://zoom.us/oauth/token
	zoomJoinPath  = "/sandbox/zoom/j/"          // join_url: zoomJoinPath + id + "?pwd=…"
	zoomStartPath = "/sandbox/zoom/s/"          // start_url: zoomStartPath + id + "?zak=…"
)

// Facts of Zoom's the fake mirrors.
const (
	zoomTokenTTL       = time.Hour
	zoomStartURLTTL    = 2 * time.Hour // start_url expires after 2 hours for regular users
	zoomDailyLimit     = 100           // meetings created or updated per host per day
	zoomMaxPageSize    = 300
	zoomDefaultPage    = 30
	zoomMaxTopic       = 200
	zoomHostID         = "z8yCtX2oRUyI9w1aXnhZgQ"
	zoomFirstMeetingID = 85746302158 // 11 digits, as Zoom's meeting numbers are
	zoomFirstUserID    = 16778240    // participants' in-meeting user_id
	zoomWebhookTimeout = 3 * time.Second

	zoomMsgInvalidToken = "Invalid access token."
	zoomMsgExpiredToken = "Access token is expired."
)

var zoomPassword = regexp.MustCompile(`^[A-Za-z0-9@_*-]{1,10}$`)

// ZoomOptions configure a Zoom fake.
type ZoomOptions struct {
	// PublicURL is the base of join and start links, e.g. http://127.0.0.1:8080. Required.
	PublicURL string
	// The credentials the token endpoint accepts. Empty ones accept anything.
	AccountID, ClientID, ClientSecret string
	// HostEmail is the e-mail address of the user meetings are created for ("me").
	HostEmail string
	// Licensed are the account's licensed users: the only addresses Zoom accepts as
	// alternative hosts. HostEmail is always one.
	Licensed []string
	// NoDialIn makes the fake act like an account without audio conferencing: meetings get no
	// dial-in numbers.
	NoDialIn bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// WebhookURL receives the signed webhooks; empty sends none.
	WebhookURL    string
	WebhookSecret string       // the app's secret token, required with WebhookURL
	HTTPClient    *http.Client // for webhooks; nil means one with Zoom's 3 s timeout
}

// ZoomMeeting is a meeting as the fake keeps it.
type ZoomMeeting struct {
	ID               int64
	UUID             string // the current instance's uuid; a new one at each start
	Topic            string
	Type             int
	StartTime        time.Time
	Duration         int
	Timezone         string
	Password         string
	WaitingRoom      bool
	JoinBeforeHost   bool
	Audio            string
	AlternativeHosts string
	DialIn           []ZoomDialInNumber
	Status           string // "waiting", "started", "ended"
	JoinURL          string
	CreatedAt        time.Time
	Deleted          bool
}

// ZoomDialInNumber is one of settings.global_dial_in_numbers.
type ZoomDialInNumber struct {
	Country     string `json:"country"`
	CountryName string `json:"country_name"`
	City        string `json:"city"`
	Number      string `json:"number"`
	Type        string `json:"type"`
}

// zoomDialIn are the numbers a meeting with telephone audio gets: valid numbers, in Zoom's
// "+<country code> <number>" form.
var zoomDialIn = []ZoomDialInNumber{
	{Country: "US", CountryName: "US", City: "New York", Number: "+1 212 555 0142", Type: "toll"},
	{Country: "NO", CountryName: "Norway", City: "Oslo", Number: "+47 21 55 01 42", Type: "toll"},
}

type zoomParticipant struct {
	userID, uuid, name, phone string
	host                      bool
	joined                    time.Time
}

type zoomStart struct {
	meeting int64
	expires time.Time
}

// Zoom is the Zoom-compatible fake: an http.Handler serving the paths under ZoomMount. Its
// methods are safe for concurrent use.
type Zoom struct {
	opts ZoomOptions
	now  func() time.Time
	hc   *http.Client
	mux  *http.ServeMux

	mu           sync.Mutex
	meetings     map[int64]*ZoomMeeting
	order        []int64
	nextID       int64
	nextUser     int
	tokens       tokenSet
	starts       map[string]zoomStart // zak → meeting
	writes       map[string]int       // host + UTC day → creates and updates
	dailyLimit   int
	participants map[int64][]zoomParticipant
	requests     requestLog
	faults       faultQueue
}

// NewZoom returns a Zoom fake.
func NewZoom(opts ZoomOptions) (*Zoom, error) {
	u, err := url.Parse(opts.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("zoom sandbox: public URL %q is not an absolute http(s) URL", opts.PublicURL)
	}
	if opts.WebhookURL != "" && opts.WebhookSecret == "" {
		return nil, errors.New("zoom sandbox: a webhook URL needs a webhook secret")
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	if opts.HostEmail == "" {
		opts.HostEmail = "host@zoom.example"
	}
	z := &Zoom{
		opts:         opts,
		now:          opts.Now,
		hc:           opts.HTTPClient,
		meetings:     map[int64]*ZoomMeeting{},
		nextID:       zoomFirstMeetingID,
		nextUser:     zoomFirstUserID,
		starts:       map[string]zoomStart{},
		writes:       map[string]int{},
		dailyLimit:   zoomDailyLimit,
		participants: map[int64][]zoomParticipant{},
	}
	if z.now == nil {
		z.now = time.Now
	}
	if z.hc == nil {
		z.hc = &http.Client{Timeout: zoomWebhookTimeout}
	}
	z.mux = http.NewServeMux()
	z.mux.HandleFunc("POST "+ZoomOAuthPath, z.issueToken)
	z.mux.HandleFunc("POST "+ZoomAPIPath+"/users/{userId}/meetings", z.createMeeting)
	z.mux.HandleFunc("GET "+ZoomAPIPath+"/users/{userId}/meetings", z.listMeetings)
	z.mux.HandleFunc("GET "+ZoomAPIPath+"/meetings/{meetingId}", z.getMeeting)
	z.mux.HandleFunc("PATCH "+ZoomAPIPath+"/meetings/{meetingId}", z.updateMeeting)
	z.mux.HandleFunc("DELETE "+ZoomAPIPath+"/meetings/{meetingId}", z.deleteMeeting)
	z.mux.HandleFunc("GET "+zoomStartPath+"{meetingId}", z.startPage)
	return z, nil
}

// ServeHTTP serves the token endpoint, the API under ZoomAPIPath and the start links.
func (z *Zoom) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != ZoomAPIPath && !strings.HasPrefix(r.URL.Path, ZoomAPIPath+"/") {
		z.mux.ServeHTTP(rw, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxBodyBytes))
	if err != nil {
		zoomError(rw, http.StatusRequestEntityTooLarge, 300, "Request body too large.")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	z.mu.Lock()
	z.requests.record(r, body)
	f, faulted := z.faults.take()
	code, msg := z.authorize(r)
	z.mu.Unlock()
	switch {
	case faulted:
		zoomFault(rw, f)
	case code != 0:
		zoomError(rw, http.StatusUnauthorized, code, msg)
	default:
		z.mux.ServeHTTP(rw, r)
	}
}

// authorize checks the Bearer token: one the token endpoint issued and that has not expired.
// z.mu must be held.
func (z *Zoom) authorize(r *http.Request) (int, string) {
	if r.URL.Query().Has("access_token") {
		return 124, "Invalid access token, this access token is not supported as query parameter string."
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return 124, zoomMsgInvalidToken
	}
	switch known, expired := z.tokens.check(tok, z.now()); {
	case !known:
		return 124, zoomMsgInvalidToken
	case expired:
		return 124, zoomMsgExpiredToken
	}
	return 0, ""
}

func zoomFault(rw http.ResponseWriter, f fault) {
	switch f.status {
	case http.StatusTooManyRequests:
		secs := int64((f.retryAfter + time.Second - 1) / time.Second)
		rw.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		rw.Header().Set("X-RateLimit-Type", "QPS")
		zoomError(rw, f.status, 429, "You have reached the maximum per-second rate limit for this API. Try again later.")
	case http.StatusUnauthorized:
		zoomError(rw, f.status, 124, zoomMsgInvalidToken)
	default:
		zoomError(rw, f.status, f.status, http.StatusText(f.status))
	}
}

func zoomError(rw http.ResponseWriter, status, code int, msg string) {
	zoomJSON(rw, status, map[string]any{"code": code, "message": msg})
}

func zoomJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json;charset=UTF-8")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

// issueToken is the Server-to-Server OAuth token endpoint: HTTP Basic client credentials,
// grant_type=account_credentials and account_id in the query or a form body.
func (z *Zoom) issueToken(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		zoomJSON(rw, http.StatusBadRequest, map[string]string{"reason": "Bad request", "error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || !zoomEqual(z.opts.ClientID, id) || !zoomEqual(z.opts.ClientSecret, secret) {
		zoomJSON(rw, http.StatusUnauthorized, map[string]string{"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
		return
	}
	if r.Form.Get("grant_type") != "account_credentials" {
		zoomJSON(rw, http.StatusBadRequest, map[string]string{"reason": "Unsupported grant type", "error": "unsupported_grant_type"})
		return
	}
	if acct := r.Form.Get("account_id"); acct == "" || !zoomEqual(z.opts.AccountID, acct) {
		zoomJSON(rw, http.StatusBadRequest, map[string]string{"reason": "Invalid request : Invalid account_id", "error": "invalid_request"})
		return
	}
	tok := zoomToken()
	z.mu.Lock()
	z.tokens.issue(tok, z.now().Add(zoomTokenTTL))
	z.mu.Unlock()
	zoomJSON(rw, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "bearer",
		"expires_in":   int(zoomTokenTTL / time.Second),
		"scope":        "meeting:write:admin meeting:read:admin",
		"api_url":      z.opts.PublicURL + strings.TrimSuffix(ZoomAPIPath, "/v2"),
	})
}

// zoomEqual compares in constant time; an empty want accepts anything.
func zoomEqual(want, got string) bool {
	return want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// zoomMeetingRequest is the create and update body; pointers tell a missing field from a zero.
type zoomMeetingRequest struct {
	Topic     *string `json:"topic"`
	Type      *int    `json:"type"`
	StartTime *string `json:"start_time"`
	Duration  *int    `json:"duration"`
	Timezone  *string `json:"timezone"`
	Password  *string `json:"password"`
	Settings  *struct {
		WaitingRoom           *bool    `json:"waiting_room"`
		JoinBeforeHost        *bool    `json:"join_before_host"`
		Audio                 *string  `json:"audio"`
		GlobalDialInCountries []string `json:"global_dial_in_countries"`
		AlternativeHosts      *string  `json:"alternative_hosts"`
	} `json:"settings"`
}

// knownUser reports whether a userId names the fake's one user.
func (z *Zoom) knownUser(id string) bool {
	return id == "me" || id == zoomHostID || strings.EqualFold(id, z.opts.HostEmail)
}

// countWrite counts a create or update against the host's daily cap; false when it is reached.
// z.mu must be held.
func (z *Zoom) countWrite() bool {
	day := z.now().UTC().Format(time.DateOnly)
	if z.writes[day] >= z.dailyLimit {
		return false
	}
	z.writes[day]++
	return true
}

func zoomDailyCap(rw http.ResponseWriter, limit int) {
	rw.Header().Set("X-RateLimit-Type", "Daily-limit")
	rw.Header().Set("Retry-After", "86400")
	zoomError(rw, http.StatusTooManyRequests, 429, fmt.Sprintf(
		"You have exceeded the daily rate limit (%d) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.", limit))
}

func (z *Zoom) createMeeting(rw http.ResponseWriter, r *http.Request) {
	if user := r.PathValue("userId"); !z.knownUser(user) {
		zoomError(rw, http.StatusNotFound, 1001, "User does not exist: "+user)
		return
	}
	var req zoomMeetingRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		zoomError(rw, http.StatusBadRequest, 300, "Request Body should be a valid JSON object.")
		return
	}
	m := &ZoomMeeting{Type: 2, Topic: "Zoom meeting", Timezone: "UTC", Audio: "voip", Status: "waiting", JoinBeforeHost: false}
	if req.Type != nil {
		m.Type = *req.Type
	}
	if m.Type != 1 && m.Type != 2 && m.Type != 3 && m.Type != 8 {
		zoomError(rw, http.StatusBadRequest, 300, "Invalid field: type.")
		return
	}
	if m.Type == 2 && (req.StartTime == nil || *req.StartTime == "") {
		zoomError(rw, http.StatusBadRequest, 300, "Invalid field: start_time.")
		return
	}
	if msg := z.apply(m, &req); msg != "" {
		zoomError(rw, http.StatusBadRequest, 300, msg)
		return
	}
	if s := req.Settings; s != nil && s.AlternativeHosts != nil && *s.AlternativeHosts != "" {
		for _, h := range strings.Split(*s.AlternativeHosts, ";") {
			if h = strings.TrimSpace(h); !z.licensed(h) {
				// The code and wording of this refusal are not documented; the adapter does not
				// rely on them.
				zoomError(rw, http.StatusBadRequest, 1114, "Alternative host "+h+" is not a licensed user of this account.")
				return
			}
		}
		m.AlternativeHosts = *s.AlternativeHosts
	}
	now := z.now()
	z.mu.Lock()
	defer z.mu.Unlock()
	if !z.countWrite() {
		zoomDailyCap(rw, z.dailyLimit)
		return
	}
	m.ID = z.nextID
	z.nextID++
	m.UUID = zoomInstanceUUID()
	m.CreatedAt = now.UTC().Truncate(time.Second)
	m.JoinURL = fmt.Sprintf("%s%s%d?pwd=%s", z.opts.PublicURL, zoomJoinPath, m.ID, zoomToken()[:32])
	z.dialIn(m)
	z.meetings[m.ID] = m
	z.order = append(z.order, m.ID)
	zoomJSON(rw, http.StatusCreated, z.view(m, true))
}

// apply validates and copies a create or update body onto m; it returns Zoom's message for an
// invalid field, or "".
func (z *Zoom) apply(m *ZoomMeeting, req *zoomMeetingRequest) string {
	if req.Topic != nil {
		if len([]rune(*req.Topic)) > zoomMaxTopic {
			return "Invalid field: topic."
		}
		m.Topic = *req.Topic
	}
	if req.StartTime != nil {
		t, err := time.Parse(time.RFC3339, *req.StartTime)
		if err != nil {
			return "Invalid field: start_time."
		}
		m.StartTime = t.UTC()
	}
	if req.Duration != nil {
		if *req.Duration < 0 {
			return "Invalid field: duration."
		}
		m.Duration = *req.Duration
	}
	if req.Timezone != nil && *req.Timezone != "" {
		if _, err := time.LoadLocation(*req.Timezone); err != nil {
			return "Invalid field: timezone."
		}
		m.Timezone = *req.Timezone
	}
	if req.Password != nil {
		if !zoomPassword.MatchString(*req.Password) {
			return "Invalid field: password."
		}
		m.Password = *req.Password
	}
	if s := req.Settings; s != nil {
		if s.WaitingRoom != nil {
			m.WaitingRoom = *s.WaitingRoom
		}
		if s.JoinBeforeHost != nil {
			m.JoinBeforeHost = *s.JoinBeforeHost
		}
		if s.Audio != nil {
			switch *s.Audio {
			case "both", "telephony", "voip", "thirdParty":
				m.Audio = *s.Audio
			default:
				return "Invalid field: settings.audio."
			}
		}
	}
	if m.WaitingRoom {
		m.JoinBeforeHost = false // Zoom: a waiting room disables join before host
	}
	return ""
}

func (z *Zoom) licensed(email string) bool {
	if strings.EqualFold(email, z.opts.HostEmail) {
		return true
	}
	return slices.ContainsFunc(z.opts.Licensed, func(l string) bool { return strings.EqualFold(l, email) })
}

func (z *Zoom) dialIn(m *ZoomMeeting) {
	m.DialIn = nil
	if z.opts.NoDialIn || (m.Audio != "both" && m.Audio != "telephony") {
		return
	}
	m.DialIn = slices.Clone(zoomDialIn)
}

// view is a meeting as the API shows it. full adds what only create and get return: the host's
// start_url (fresh, valid two hours), the passcodes and the settings.
func (z *Zoom) view(m *ZoomMeeting, full bool) map[string]any {
	v := map[string]any{
		"id":         m.ID,
		"uuid":       m.UUID,
		"host_id":    zoomHostID,
		"topic":      m.Topic,
		"type":       m.Type,
		"start_time": m.StartTime.Format("2006-01-02T15:04:05Z"),
		"duration":   m.Duration,
		"timezone":   m.Timezone,
		"created_at": m.CreatedAt.Format("2006-01-02T15:04:05Z"),
		"join_url":   m.JoinURL,
	}
	if !full {
		return v
	}
	now := z.now()
	for k, s := range z.starts {
		if !now.Before(s.expires) {
			delete(z.starts, k)
		}
	}
	zak := zoomToken()
	z.starts[zak] = zoomStart{meeting: m.ID, expires: now.Add(zoomStartURLTTL)}
	v["host_email"] = z.opts.HostEmail
	v["status"] = m.Status
	v["start_url"] = fmt.Sprintf("%s%s%d?zak=%s", z.opts.PublicURL, zoomStartPath, m.ID, zak)
	v["password"] = m.Password
	v["h323_password"] = m.Password
	v["encrypted_password"] = zoomToken()[:32]
	settings := map[string]any{
		"waiting_room":      m.WaitingRoom,
		"join_before_host":  m.JoinBeforeHost,
		"audio":             m.Audio,
		"alternative_hosts": m.AlternativeHosts,
		"approval_type":     2,
	}
	if m.DialIn != nil {
		settings["global_dial_in_numbers"] = m.DialIn
	}
	v["settings"] = settings
	return v
}

func (z *Zoom) listMeetings(rw http.ResponseWriter, r *http.Request) {
	if user := r.PathValue("userId"); !z.knownUser(user) {
		zoomError(rw, http.StatusNotFound, 1001, "User does not exist: "+user)
		return
	}
	q := r.URL.Query()
	switch q.Get("type") {
	case "", "scheduled", "live", "upcoming":
	default:
		zoomError(rw, http.StatusBadRequest, 300, "Invalid field: type.")
		return
	}
	size := zoomDefaultPage
	if s := q.Get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			zoomError(rw, http.StatusBadRequest, 300, "Invalid field: page_size.")
			return
		}
		size = min(n, zoomMaxPageSize)
	}
	start := 0
	if tok := q.Get("next_page_token"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, cerr := strconv.Atoi(string(b))
		if err != nil || cerr != nil || n < 0 {
			zoomError(rw, http.StatusBadRequest, 300, "Invalid field: next_page_token.")
			return
		}
		start = n
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	var live []*ZoomMeeting
	for _, id := range z.order {
		m := z.meetings[id]
		switch {
		case m.Deleted:
		case q.Get("type") == "live" && m.Status != "started":
		case q.Get("type") == "upcoming" && m.Status == "ended":
		default:
			live = append(live, m)
		}
	}
	start = min(start, len(live))
	page := live[start:min(start+size, len(live))]
	items := make([]map[string]any, 0, len(page))
	for _, m := range page {
		items = append(items, z.view(m, false))
	}
	next := ""
	if start+len(page) < len(live) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(start + len(page))))
	}
	zoomJSON(rw, http.StatusOK, map[string]any{
		"page_size": size, "total_records": len(live), "next_page_token": next, "meetings": items,
	})
}

// meeting returns the meeting a path names, or answers 404 with code 3001. z.mu must be held.
func (z *Zoom) meeting(rw http.ResponseWriter, r *http.Request) *ZoomMeeting {
	id, err := strconv.ParseInt(r.PathValue("meetingId"), 10, 64)
	m, ok := z.meetings[id]
	if err != nil || !ok || m.Deleted {
		zoomError(rw, http.StatusNotFound, 3001, fmt.Sprintf("Meeting %s is not found or has expired.", r.PathValue("meetingId")))
		return nil
	}
	return m
}

func (z *Zoom) getMeeting(rw http.ResponseWriter, r *http.Request) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if m := z.meeting(rw, r); m != nil {
		zoomJSON(rw, http.StatusOK, z.view(m, true))
	}
}

func (z *Zoom) updateMeeting(rw http.ResponseWriter, r *http.Request) {
	var req zoomMeetingRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		zoomError(rw, http.StatusBadRequest, 300, "Request Body should be a valid JSON object.")
		return
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	m := z.meeting(rw, r)
	if m == nil {
		return
	}
	next := *m
	if msg := z.apply(&next, &req); msg != "" {
		zoomError(rw, http.StatusBadRequest, 300, msg)
		return
	}
	if !z.countWrite() {
		zoomDailyCap(rw, z.dailyLimit)
		return
	}
	z.dialIn(&next)
	*m = next
	rw.WriteHeader(http.StatusNoContent)
}

func (z *Zoom) deleteMeeting(rw http.ResponseWriter, r *http.Request) {
	z.mu.Lock()
	defer z.mu.Unlock()
	m := z.meeting(rw, r)
	switch {
	case m == nil:
	case m.Status == "started":
		zoomError(rw, http.StatusBadRequest, 3002, "Sorry, you cannot delete this meeting since it is in progress.")
	case m.Status == "ended":
		zoomError(rw, http.StatusBadRequest, 3007, "Sorry, you cannot delete this meeting since it has ended.")
	default:
		m.Deleted = true
		rw.WriteHeader(http.StatusNoContent)
	}
}

// startPage stands for the Zoom client a start_url opens: it answers 200 for a start link the
// API handed out in the last two hours, and 401 otherwise.
func (z *Zoom) startPage(rw http.ResponseWriter, r *http.Request) {
	z.mu.Lock()
	s, ok := z.starts[r.URL.Query().Get("zak")]
	valid := ok && strconv.FormatInt(s.meeting, 10) == r.PathValue("meetingId") && z.now().Before(s.expires)
	z.mu.Unlock()
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	if !valid {
		rw.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(rw, "This start link is not valid or has expired.\n")
		return
	}
	_, _ = io.WriteString(rw, "You are starting meeting "+r.PathValue("meetingId")+" as its host.\n")
}

// Throttle makes the next n API requests fail with 429, Retry-After (whole seconds, rounded up)
// and X-RateLimit-Type: QPS. Faults queue in the order they are set.
func (z *Zoom) Throttle(n int, retryAfter time.Duration) {
	z.addFault(fault{n: n, status: http.StatusTooManyRequests, retryAfter: retryAfter})
}

// Fail makes the next n API requests fail with status: a 401 with code 124 (invalid token),
// others with the status as code and its text as message.
func (z *Zoom) Fail(n int, status int) { z.addFault(fault{n: n, status: status}) }

func (z *Zoom) addFault(f fault) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.faults.push(f)
}

// ExpireTokens makes every access token issued so far expire now: the API answers them 401 with
// code 124 until a new token is requested.
func (z *Zoom) ExpireTokens() {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.tokens.expireAll(z.now())
}

// SetDailyLimit sets the cap of meetings created or updated per UTC day (Zoom's is 100).
func (z *Zoom) SetDailyLimit(n int) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.dailyLimit = n
}

// TokenRequests returns how many access tokens the token endpoint has issued.
func (z *Zoom) TokenRequests() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.tokens.issued
}

// Requests returns copies of the API requests received so far (not token requests), oldest
// first.
func (z *Zoom) Requests() []Request {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.requests.copies()
}

// Meetings returns copies of the meetings not deleted, oldest first.
func (z *Zoom) Meetings() []ZoomMeeting {
	z.mu.Lock()
	defer z.mu.Unlock()
	var out []ZoomMeeting
	for _, id := range z.order {
		if m := z.meetings[id]; !m.Deleted {
			c := *m
			c.DialIn = slices.Clone(m.DialIn)
			out = append(out, c)
		}
	}
	return out
}

// StartMeeting starts a new instance of the meeting (as its host opening the start link) and
// sends meeting.started. While it runs, deleting it fails with code 3002.
func (z *Zoom) StartMeeting(ctx context.Context, id int64) error {
	ev, err := z.change(id, func(m *ZoomMeeting, now time.Time) ([]map[string]any, error) {
		if m.Status == "started" {
			return nil, fmt.Errorf("zoom sandbox: meeting %d is already in progress", id)
		}
		return []map[string]any{z.start(m, now)}, nil
	})
	if err != nil {
		return err
	}
	return z.send(ctx, ev...)
}

func (z *Zoom) start(m *ZoomMeeting, now time.Time) map[string]any {
	m.Status = "started"
	m.UUID = zoomInstanceUUID()
	return z.event("meeting.started", m, now, map[string]any{"start_time": zoomTime(now)})
}

// EndMeeting ends the running instance: everyone still in it leaves (participant_left each) and
// meeting.ended is sent. Deleting it then fails with code 3007.
func (z *Zoom) EndMeeting(ctx context.Context, id int64) error {
	ev, err := z.change(id, func(m *ZoomMeeting, now time.Time) ([]map[string]any, error) {
		if m.Status != "started" {
			return nil, fmt.Errorf("zoom sandbox: meeting %d is not in progress", id)
		}
		var out []map[string]any
		for _, p := range z.participants[m.ID] {
			out = append(out, z.left(m, p, now))
		}
		delete(z.participants, m.ID)
		m.Status = "ended"
		out = append(out, z.event("meeting.ended", m, now, map[string]any{
			"start_time": zoomTime(m.StartTime), "end_time": zoomTime(now),
		}))
		return out, nil
	})
	if err != nil {
		return err
	}
	return z.send(ctx, ev...)
}

// Join adds a participant to the meeting, starting it if it is not running, and sends
// participant_joined. host joins as the meeting's host user; a non-empty phone number joins by
// phone (Zoom names such callers by their number). It returns the participant's user_id.
func (z *Zoom) Join(ctx context.Context, id int64, name, phoneNumber string, host bool) (string, error) {
	var userID string
	ev, err := z.change(id, func(m *ZoomMeeting, now time.Time) ([]map[string]any, error) {
		var out []map[string]any
		if m.Status != "started" {
			out = append(out, z.start(m, now))
		}
		userID = strconv.Itoa(z.nextUser)
		z.nextUser++
		p := zoomParticipant{userID: userID, uuid: zoomInstanceUUID(), name: name, phone: phoneNumber, host: host, joined: now}
		z.participants[m.ID] = append(z.participants[m.ID], p)
		out = append(out, z.event("meeting.participant_joined", m, now, map[string]any{
			"participant": z.participant(p, map[string]any{"join_time": zoomTime(now)}),
		}))
		return out, nil
	})
	if err != nil {
		return "", err
	}
	return userID, z.send(ctx, ev...)
}

// Leave removes a participant and sends participant_left.
func (z *Zoom) Leave(ctx context.Context, id int64, userID string) error {
	ev, err := z.change(id, func(m *ZoomMeeting, now time.Time) ([]map[string]any, error) {
		ps := z.participants[m.ID]
		i := slices.IndexFunc(ps, func(p zoomParticipant) bool { return p.userID == userID })
		if i < 0 {
			return nil, fmt.Errorf("zoom sandbox: no participant %s in meeting %d", userID, id)
		}
		p := ps[i]
		z.participants[m.ID] = slices.Delete(ps, i, i+1)
		return []map[string]any{z.left(m, p, now)}, nil
	})
	if err != nil {
		return err
	}
	return z.send(ctx, ev...)
}

func (z *Zoom) left(m *ZoomMeeting, p zoomParticipant, now time.Time) map[string]any {
	return z.event("meeting.participant_left", m, now, map[string]any{
		"participant": z.participant(p, map[string]any{"leave_time": zoomTime(now), "leave_reason": "left the meeting"}),
	})
}

func (z *Zoom) participant(p zoomParticipant, extra map[string]any) map[string]any {
	v := map[string]any{
		"user_id":          p.userID,
		"user_name":        p.name,
		"participant_uuid": p.uuid,
		"email":            "",
	}
	if p.host {
		v["id"] = zoomHostID
	} else {
		v["id"] = ""
	}
	if p.phone != "" {
		v["phone_number"] = p.phone
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

// event builds a webhook body: Zoom's envelope with the meeting id as a string.
func (z *Zoom) event(typ string, m *ZoomMeeting, now time.Time, extra map[string]any) map[string]any {
	obj := map[string]any{
		"id":         strconv.FormatInt(m.ID, 10),
		"uuid":       m.UUID,
		"host_id":    zoomHostID,
		"topic":      m.Topic,
		"type":       m.Type,
		"start_time": zoomTime(m.StartTime),
		"timezone":   m.Timezone,
		"duration":   m.Duration,
	}
	for k, v := range extra {
		obj[k] = v
	}
	return map[string]any{
		"event":    typ,
		"event_ts": now.UnixMilli(),
		"payload":  map[string]any{"account_id": z.opts.AccountID, "object": obj},
	}
}

// change runs f on a live meeting under the lock and returns the events it made.
func (z *Zoom) change(id int64, f func(*ZoomMeeting, time.Time) ([]map[string]any, error)) ([]map[string]any, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	m, ok := z.meetings[id]
	if !ok || m.Deleted {
		return nil, fmt.Errorf("zoom sandbox: no meeting %d", id)
	}
	return f(m, z.now())
}

// ZoomDeliveryError is a webhook the receiver did not accept.
type ZoomDeliveryError struct {
	Event  string
	Status int // 0: no answer
	Err    error
}

func (e *ZoomDeliveryError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("zoom sandbox: %s webhook answered %d", e.Event, e.Status)
	}
	return fmt.Sprintf("zoom sandbox: %s webhook: %v", e.Event, e.Err)
}

func (e *ZoomDeliveryError) Unwrap() error { return e.Err }

// send posts events to the webhook URL, each signed as Zoom signs. Zoom retries a failed delivery
// after 5, 20 and 60 minutes; the fake sends once and returns a *ZoomDeliveryError for a
// delivery the receiver did not accept with 200 or 204.
func (z *Zoom) send(ctx context.Context, events ...map[string]any) error {
	if z.opts.WebhookURL == "" {
		return nil
	}
	for _, ev := range events {
		body, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := z.post(ctx, ev["event"].(string), body); err != nil {
			return err
		}
	}
	return nil
}

func (z *Zoom) post(ctx context.Context, typ string, body []byte) ([]byte, error) {
	ts := strconv.FormatInt(z.now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(z.opts.WebhookSecret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, z.opts.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Zoom Marketplace/1.0a")
	req.Header.Set("X-Zm-Request-Timestamp", ts)
	req.Header.Set("X-Zm-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-Zm-Trackingid", "v=2.0&s="+zoomToken()[:20])
	resp, err := z.hc.Do(req)
	if err != nil {
		return nil, &ZoomDeliveryError{Event: typ, Err: err}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return nil, &ZoomDeliveryError{Event: typ, Status: resp.StatusCode}
	}
	return answer, nil
}

// ValidateEndpoint sends the endpoint.url_validation challenge Zoom sends when a webhook URL is
// saved (and every 72 hours) and checks the answer: the plainToken back, with encryptedToken the
// hex HMAC-SHA256 of it keyed with the secret token.
func (z *Zoom) ValidateEndpoint(ctx context.Context) error {
	if z.opts.WebhookURL == "" {
		return errors.New("zoom sandbox: no webhook URL")
	}
	plain := zoomToken()[:22]
	body, err := json.Marshal(map[string]any{
		"event":    "endpoint.url_validation",
		"event_ts": z.now().UnixMilli(),
		"payload":  map[string]any{"plainToken": plain},
	})
	if err != nil {
		return err
	}
	answer, err := z.post(ctx, "endpoint.url_validation", body)
	if err != nil {
		return err
	}
	var got struct {
		PlainToken     string `json:"plainToken"`
		EncryptedToken string `json:"encryptedToken"`
	}
	if err := json.Unmarshal(answer, &got); err != nil {
		return fmt.Errorf("zoom sandbox: validation answer is not JSON: %w", err)
	}
	mac := hmac.New(sha256.New, []byte(z.opts.WebhookSecret))
	mac.Write([]byte(plain))
	if got.PlainToken != plain || !hmac.Equal([]byte(got.EncryptedToken), []byte(hex.EncodeToString(mac.Sum(nil)))) {
		return errors.New("zoom sandbox: the endpoint answered the validation challenge wrongly")
	}
	return nil
}

func zoomTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// zoomToken returns 256 random bits, base64url.
func zoomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// zoomInstanceUUID returns a meeting instance uuid in Zoom's shape: 16 bytes, base64 with padding.
func zoomInstanceUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
