package sandbox

// TwentyFour is a 24sessions-compatible fake (https://developers.24sessions.com/docs/): the OAuth2
// token endpoint taking the client credentials in its query string, and the JSON-LD / Hydra
// meetings API of API Platform — POST /meetings, GET /meetings (a paged Hydra collection with the
// date[after] filter), GET, PUT, PATCH (application/merge-patch+json) and DELETE /meetings/{id} —
// with OAuth's and API Platform's error bodies. Facts 24sessions does not document (the token
// path, the update method) follow the defaults roomkeeper's adapter assumes; docs/providers.md
// lists them.

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths the 24sessions fake serves: the API base (as https://<instance>.api.24sessions.com), with
// the token endpoint and /meetings under it.
const (
	TwentyFourMount   = "/sandbox/24sessions/"
	TwentyFourAPIPath = "/sandbox/24sessions"
	twentyFourToken   = TwentyFourAPIPath + "/oauth/v2/token"
)

const (
	twentyFourTokenTTL     = time.Hour
	twentyFourPageSize     = 200 // items per page, as observed on the live API
	twentyFourFirstMeeting = 4711
)

// TwentyFourOptions configure a 24sessions fake.
type TwentyFourOptions struct {
	// The client credentials the token endpoint accepts. Required.
	ClientID, ClientSecret string
	// UserID and MeetingTypeID are the host user and meeting type that exist. Required.
	UserID, MeetingTypeID string
	// PageSize is the number of meetings per page; 0 means 200.
	PageSize int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// TwentyFourMeeting is a meeting as the fake keeps it.
type TwentyFourMeeting struct {
	ID                 int64
	Date               time.Time
	Status             string // scheduled, canceled_user, canceled_guest
	Description        string
	User               string // IRI, /users/<id>
	Type               string // IRI, /meeting_types/<id>
	GuestName          string
	GuestEmail         string
	AccessKey          string
	CancellationReason string
	// Extra holds the create body's fields the fake does not model (flags such as those that
	// would turn 24sessions' own e-mails off), as sent.
	Extra map[string]any
}

// TwentyFour is the 24sessions-compatible fake, an http.Handler serving paths under
// TwentyFourAPIPath. Its methods are safe for concurrent use.
type TwentyFour struct {
	opts TwentyFourOptions
	now  func() time.Time
	mux  *http.ServeMux

	mu       sync.Mutex
	meetings map[int64]*TwentyFourMeeting
	nextID   int64
	tokens   tokenSet
	requests requestLog
	faults   faultQueue
}

// NewTwentyFour returns a 24sessions fake.
func NewTwentyFour(opts TwentyFourOptions) (*TwentyFour, error) {
	if opts.ClientID == "" || opts.ClientSecret == "" || opts.UserID == "" || opts.MeetingTypeID == "" {
		return nil, errors.New("24sessions sandbox: client id and secret, user id and meeting type id are required")
	}
	if opts.PageSize <= 0 {
		opts.PageSize = twentyFourPageSize
	}
	t := &TwentyFour{
		opts:     opts,
		now:      opts.Now,
		meetings: map[int64]*TwentyFourMeeting{},
		nextID:   twentyFourFirstMeeting,
	}
	if t.now == nil {
		t.now = time.Now
	}
	t.mux = http.NewServeMux()
	t.mux.HandleFunc("POST "+TwentyFourAPIPath+"/meetings", t.createMeeting)
	t.mux.HandleFunc("GET "+TwentyFourAPIPath+"/meetings", t.listMeetings)
	t.mux.HandleFunc("GET "+TwentyFourAPIPath+"/meetings/{id}", t.getMeeting)
	t.mux.HandleFunc("PUT "+TwentyFourAPIPath+"/meetings/{id}", t.updateMeeting)
	t.mux.HandleFunc("PATCH "+TwentyFourAPIPath+"/meetings/{id}", t.updateMeeting)
	t.mux.HandleFunc("DELETE "+TwentyFourAPIPath+"/meetings/{id}", t.deleteMeeting)
	return t, nil
}

// ServeHTTP serves the token endpoint and the API.
func (t *TwentyFour) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path == twentyFourToken {
		if r.Method != http.MethodGet {
			tfOAuthError(rw, http.StatusMethodNotAllowed, "invalid_request", "Use GET.")
			return
		}
		t.issueToken(rw, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxBodyBytes))
	if err != nil {
		tfHydraError(rw, http.StatusRequestEntityTooLarge, "Request body too large.")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	t.mu.Lock()
	t.requests.record(r, body)
	f, faulted := t.faults.take()
	authErr := t.authorize(r)
	t.mu.Unlock()
	switch {
	case faulted:
		tfFault(rw, f)
	case authErr != "":
		tfOAuthError(rw, http.StatusUnauthorized, "invalid_grant", authErr)
	default:
		t.mux.ServeHTTP(rw, r)
	}
}

// authorize checks the Bearer token; t.mu must be held.
func (t *TwentyFour) authorize(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "OAuth2 authentication required"
	}
	switch known, expired := t.tokens.check(tok, t.now()); {
	case !known:
		return "The access token provided is invalid."
	case expired:
		return "The access token provided has expired."
	}
	return ""
}

func tfFault(rw http.ResponseWriter, f fault) {
	switch f.status {
	case http.StatusTooManyRequests:
		secs := int64((f.retryAfter + time.Second - 1) / time.Second)
		rw.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		tfHydraError(rw, f.status, "Too Many Requests")
	case http.StatusUnauthorized:
		tfOAuthError(rw, f.status, "invalid_grant", "The access token provided is invalid.")
	default:
		tfHydraError(rw, f.status, http.StatusText(f.status))
	}
}

func tfJSON(rw http.ResponseWriter, status int, contentType string, v any) {
	rw.Header().Set("Content-Type", contentType+"; charset=utf-8")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

// tfHydraError is API Platform's error body.
func tfHydraError(rw http.ResponseWriter, status int, msg string) {
	tfJSON(rw, status, "application/ld+json", map[string]any{
		"@context": "/contexts/Error", "@type": "hydra:Error",
		"hydra:title": "An error occurred", "hydra:description": msg,
	})
}

// tfOAuthError is the OAuth server's error body.
func tfOAuthError(rw http.ResponseWriter, status int, code, msg string) {
	tfJSON(rw, status, "application/json", map[string]string{"error": code, "error_description": msg})
}

func (t *TwentyFour) issueToken(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("client_id")), []byte(t.opts.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(q.Get("client_secret")), []byte(t.opts.ClientSecret)) != 1 {
		tfOAuthError(rw, http.StatusBadRequest, "invalid_client", "The client credentials are invalid")
		return
	}
	if q.Get("grant_type") != "client_credentials" {
		tfOAuthError(rw, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type parameter or parameter missing")
		return
	}
	tok := tfToken()
	t.mu.Lock()
	t.tokens.issue(tok, t.now().Add(twentyFourTokenTTL))
	t.mu.Unlock()
	tfJSON(rw, http.StatusOK, "application/json", map[string]any{
		"access_token": tok, "expires_in": int(twentyFourTokenTTL / time.Second), "token_type": "bearer", "scope": nil,
	})
}

// tfRef reads a JSON-LD reference: {"@id": "/users/1"} or the bare IRI.
func tfRef(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["@id"].(string)
		return s
	}
	return ""
}

func tfStatus(s string) bool {
	return s == "scheduled" || s == "canceled_user" || s == "canceled_guest"
}

func (t *TwentyFour) createMeeting(rw http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		tfHydraError(rw, http.StatusBadRequest, "Syntax error")
		return
	}
	m := &TwentyFourMeeting{Status: "scheduled", Extra: map[string]any{}}
	for k, v := range body {
		switch k {
		case "date", "status", "description", "user", "type", "guest":
		default:
			m.Extra[k] = v
		}
	}
	d, _ := body["date"].(string)
	date, err := time.Parse(time.RFC3339, d)
	if err != nil {
		tfHydraError(rw, http.StatusBadRequest, "date: This value is not a valid datetime.")
		return
	}
	m.Date = date
	if s, ok := body["status"].(string); ok {
		if !tfStatus(s) {
			tfHydraError(rw, http.StatusBadRequest, "status: The value you selected is not a valid choice.")
			return
		}
		m.Status = s
	}
	m.Description, _ = body["description"].(string)
	if m.User = tfRef(body["user"]); m.User != "/users/"+t.opts.UserID {
		tfHydraError(rw, http.StatusBadRequest, fmt.Sprintf("Item not found for %q.", m.User))
		return
	}
	if m.Type = tfRef(body["type"]); m.Type != "/meeting_types/"+t.opts.MeetingTypeID {
		tfHydraError(rw, http.StatusBadRequest, fmt.Sprintf("Item not found for %q.", m.Type))
		return
	}
	g, _ := body["guest"].(map[string]any)
	m.GuestName, _ = g["name"].(string)
	m.GuestEmail, _ = g["email"].(string)
	if !strings.Contains(m.GuestEmail, "@") {
		tfHydraError(rw, http.StatusBadRequest, "guest.email: This value is not a valid email address.")
		return
	}
	m.AccessKey = tfToken()[:32]
	t.mu.Lock()
	defer t.mu.Unlock()
	m.ID = t.nextID
	t.nextID++
	t.meetings[m.ID] = m
	tfJSON(rw, http.StatusCreated, "application/ld+json", tfView(m, true))
}

// tfView is a meeting as the API shows it.
func tfView(m *TwentyFourMeeting, context bool) map[string]any {
	v := map[string]any{
		"@id":         fmt.Sprintf("/meetings/%d", m.ID),
		"@type":       "Meeting",
		"id":          m.ID,
		"date":        m.Date.Format("2006-01-02T15:04:05-07:00"),
		"status":      m.Status,
		"description": m.Description,
		"user":        m.User,
		"type":        m.Type,
		"guest":       map[string]any{"name": m.GuestName, "email": m.GuestEmail},
		"accessKey":   m.AccessKey,
	}
	if m.CancellationReason != "" {
		v["cancellationReason"] = m.CancellationReason
	}
	if context {
		v["@context"] = "/contexts/Meeting"
	}
	return v
}

func (t *TwentyFour) listMeetings(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			tfHydraError(rw, http.StatusBadRequest, "Page should not be less than 1")
			return
		}
		page = n
	}
	var after time.Time
	if s := q.Get("date[after]"); s != "" {
		a, err := time.Parse(time.RFC3339, s)
		if err != nil {
			tfHydraError(rw, http.StatusBadRequest, "date[after]: invalid date")
			return
		}
		after = a
	}
	t.mu.Lock()
	var all []*TwentyFourMeeting
	for _, m := range t.meetings {
		if !m.Date.Before(after) {
			all = append(all, m)
		}
	}
	slices.SortFunc(all, func(a, b *TwentyFourMeeting) int { return int(a.ID - b.ID) })
	size := t.opts.PageSize
	last := max(1, (len(all)+size-1)/size)
	from := min((page-1)*size, len(all))
	members := []map[string]any{}
	for _, m := range all[from:min(from+size, len(all))] {
		members = append(members, tfView(m, false))
	}
	t.mu.Unlock()
	self := func(p int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(p))
		return "/meetings?" + v.Encode()
	}
	coll := map[string]any{
		"@context": "/contexts/Meeting", "@id": "/meetings", "@type": "hydra:PagedCollection",
		"hydra:totalItems": len(all), "hydra:itemsPerPage": size,
		"hydra:firstPage": self(1), "hydra:lastPage": self(last),
		"hydra:member": members,
	}
	if page < last {
		coll["hydra:nextPage"] = self(page + 1)
	}
	tfJSON(rw, http.StatusOK, "application/ld+json", coll)
}

// meeting returns the meeting a path names or answers 404; t.mu must be held.
func (t *TwentyFour) meeting(rw http.ResponseWriter, r *http.Request) *TwentyFourMeeting {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	m, ok := t.meetings[id]
	if err != nil || !ok {
		tfHydraError(rw, http.StatusNotFound, "Not Found")
		return nil
	}
	return m
}

func (t *TwentyFour) getMeeting(rw http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m := t.meeting(rw, r); m != nil {
		tfJSON(rw, http.StatusOK, "application/ld+json", tfView(m, true))
	}
}

// updateMeeting takes PUT (a partial body, as API Platform 2 accepts) or PATCH (which API
// Platform accepts only as application/merge-patch+json).
func (t *TwentyFour) updateMeeting(rw http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPatch {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/merge-patch+json" {
			tfHydraError(rw, http.StatusUnsupportedMediaType, fmt.Sprintf("The content-type %q is not supported. Supported MIME types are \"application/merge-patch+json\".", mt))
			return
		}
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		tfHydraError(rw, http.StatusBadRequest, "Syntax error")
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.meeting(rw, r)
	if m == nil {
		return
	}
	next := *m
	if d, ok := body["date"].(string); ok {
		date, err := time.Parse(time.RFC3339, d)
		if err != nil {
			tfHydraError(rw, http.StatusBadRequest, "date: This value is not a valid datetime.")
			return
		}
		next.Date = date
	}
	if s, ok := body["status"].(string); ok {
		if !tfStatus(s) {
			tfHydraError(rw, http.StatusBadRequest, "status: The value you selected is not a valid choice.")
			return
		}
		next.Status = s
	}
	if s, ok := body["description"].(string); ok {
		next.Description = s
	}
	if s, ok := body["cancellationReason"].(string); ok {
		next.CancellationReason = s
	}
	*m = next
	tfJSON(rw, http.StatusOK, "application/ld+json", tfView(m, true))
}

func (t *TwentyFour) deleteMeeting(rw http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m := t.meeting(rw, r); m != nil {
		delete(t.meetings, m.ID)
		rw.WriteHeader(http.StatusNoContent)
	}
}

// Throttle makes the next n API requests fail with 429 and Retry-After (whole seconds, rounded
// up). Faults queue in the order they are set.
func (t *TwentyFour) Throttle(n int, retryAfter time.Duration) {
	t.addFault(fault{n: n, status: http.StatusTooManyRequests, retryAfter: retryAfter})
}

// Fail makes the next n API requests fail with status: a 401 as the OAuth server refuses a
// token, others with API Platform's error body.
func (t *TwentyFour) Fail(n int, status int) { t.addFault(fault{n: n, status: status}) }

func (t *TwentyFour) addFault(f fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults.push(f)
}

// ExpireTokens makes every access token issued so far expire now.
func (t *TwentyFour) ExpireTokens() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tokens.expireAll(t.now())
}

// TokenRequests returns how many access tokens the token endpoint has issued.
func (t *TwentyFour) TokenRequests() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tokens.issued
}

// Requests returns copies of the API requests received so far (not token requests), oldest
// first.
func (t *TwentyFour) Requests() []Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests.copies()
}

// Meetings returns copies of every meeting, cancelled ones included, oldest first.
func (t *TwentyFour) Meetings() []TwentyFourMeeting {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []TwentyFourMeeting
	for _, m := range t.meetings {
		c := *m
		c.Extra = map[string]any{}
		for k, v := range m.Extra {
			c.Extra[k] = v
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b TwentyFourMeeting) int { return int(a.ID - b.ID) })
	return out
}

// tfToken returns 256 random bits, hex.
func tfToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
