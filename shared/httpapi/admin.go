package httpapi

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// AdminToken is the name of the admin API's bearer token secret.
const AdminToken = "ROOMKEEPER_ADMIN_TOKEN"

// MaxRooms caps GET /v1/rooms: it looks at no more than this many bookings with work left.
const MaxRooms = 1000

// NoSession is the session id under which visits outside any session (a lone visitor, who
// forms no session) are listed. Provider session ids are never a bare "-".
const NoSession = "-"

const (
	// insightsTimeout bounds the provider's insights call, so a slow provider costs the figures,
	// not the answer.
	insightsTimeout = 5 * time.Second
	// loadConcurrency is how many bookings GET /v1/rooms reads from the store at once.
	loadConcurrency = 8
)

// Admin serves the admin API (docs/admin-api.md): read-only views of the rooms roomkeeper
// keeps, their sessions and participants as the providers' webhooks reported them, and each
// booking's state. Every route needs the bearer token AdminToken; without a configured token the
// admin API is off and answers 404. Set its fields once in main.
type Admin struct {
	Store   BookingReader
	Secrets Secrets
	Now     func() time.Time
	// Insights are the providers that report their own figures for a room's sessions (the
	// recorded and streamed minutes), by provider name; a room of another provider has none.
	Insights map[string]booking.Insights
	Log      *slog.Logger
}

// BookingReader is what the admin API reads of the store (booking.Store implements it).
type BookingReader interface {
	Get(ctx context.Context, key string) (*booking.Booking, error)
	Due(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// Register adds the admin API's routes to mux.
func (s *Admin) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/rooms", s.admin("rooms", s.listRooms))
	mux.HandleFunc("GET /v1/rooms/{roomId}/sessions", s.admin("sessions", s.listSessions))
	mux.HandleFunc("GET /v1/rooms/{roomId}/sessions/{sessionId}/participants", s.admin("participants", s.listParticipants))
	mux.HandleFunc("GET /v1/bookings/{id}", s.admin("booking", s.getBooking))
}

// admin wraps an admin route: it checks the token, then answers 200 with the route's value as
// JSON or the JSON error.
func (s *Admin) admin(route string, h func(*http.Request, *slog.Logger) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		log := requestLog(s.Log, r).With("route", "admin."+route)
		w.Header().Set("Cache-Control", "no-store") // answers may carry host links
		if err := s.authorizeAdmin(w, r); err != nil {
			writeError(w, log, err)
			return
		}
		v, err := h(r, log)
		if err != nil {
			writeError(w, log, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// authorizeAdmin checks the bearer token in constant time. A mismatch reads the token once more,
// fresh, so a rotated token is picked up (the Secrets implementation limits how often).
func (s *Admin) authorizeAdmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	want, err := s.Secrets.Secret(ctx, AdminToken, false)
	if err != nil {
		return unavailable(err)
	}
	if want == "" {
		return booking.Errorf(booking.NotFound, "", "the admin API is not configured")
	}
	const realm = `Bearer realm="roomkeeper"`
	got, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", realm)
		return booking.Errorf(booking.Unauthorized, "", "send the admin token in an Authorization: Bearer header")
	}
	if tokenEqual(got, want) {
		return nil
	}
	if fresh, err := s.Secrets.Secret(ctx, AdminToken, true); err == nil && fresh != "" && fresh != want && tokenEqual(got, fresh) {
		return nil
	}
	w.Header().Set("WWW-Authenticate", realm+`, error="invalid_token"`)
	return booking.Errorf(booking.Unauthorized, "", "the admin token is not valid")
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header (RFC 6750 §2.1;
// the scheme is case-insensitive).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// tokenEqual compares two tokens in constant time, their lengths included: it compares digests.
func tokenEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// roomDetails is a room as the admin API shows it. HostURL is set only when asked for.
type roomDetails struct {
	RoomID    string          `json:"roomId"` // roomkeeper's own id: the room's tag
	Provider  string          `json:"provider"`
	RoomName  string          `json:"roomName"` // the provider's room name
	GuestURL  string          `json:"guestUrl"`
	HostURL   string          `json:"hostUrl,omitempty"`
	ExpiresAt time.Time       `json:"expiresAt"`
	DialIn    *booking.DialIn `json:"dialIn,omitempty"`
	Retired   bool            `json:"retired,omitempty"` // replaced by a newer room; to be deleted
	Live      bool            `json:"live"`              // a session or a participant is in the room
}

type bookingRef struct {
	Key        string         `json:"key"`
	Source     string         `json:"source"`
	ExternalID string         `json:"externalId"`
	Status     booking.Status `json:"status"`
}

// roomItem is one entry of GET /v1/rooms.
type roomItem struct {
	roomDetails
	Booking bookingRef `json:"booking"`
	Title   string     `json:"title"`
	Start   time.Time  `json:"start"`
	End     time.Time  `json:"end"`
}

// listRooms serves GET /v1/rooms: the provider rooms roomkeeper has, sorted by meeting start.
//
// Every booking with work left is in the store's due index, and a room that exists is work left
// (its cleanup), so the rooms are found by listing the whole index — Due with a date far in the
// future — and reading each booking. That is at most MaxRooms bookings, those falling due first;
// "truncated" says when there may be more.
func (s *Admin) listRooms(r *http.Request, log *slog.Logger) (any, error) {
	ctx := r.Context()
	withHost, err := includeHostURL(r)
	if err != nil {
		return nil, err
	}
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	keys, err := s.Store.Due(ctx, far, MaxRooms)
	if err != nil {
		return nil, unavailable(err)
	}
	bookings, err := s.loadBookings(ctx, keys)
	if err != nil {
		return nil, unavailable(err)
	}
	rooms := []roomItem{}
	for _, b := range bookings {
		for _, room := range roomsOf(b) {
			rooms = append(rooms, roomItem{
				roomDetails: detailsOf(b, room, withHost),
				Booking:     refOf(b),
				Title:       b.Details.Title,
				Start:       b.Details.Start,
				End:         b.Details.End,
			})
		}
	}
	slices.SortFunc(rooms, func(a, b roomItem) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.RoomID, b.RoomID))
	})
	log.Info("listed rooms", "rooms", len(rooms), "bookings", len(keys))
	return struct {
		Rooms     []roomItem `json:"rooms"`
		Truncated bool       `json:"truncated"`
	}{rooms, len(keys) >= MaxRooms}, nil
}

// loadBookings reads the bookings with the keys, a few at a time. A booking deleted meanwhile
// (retention) is left out.
func (s *Admin) loadBookings(ctx context.Context, keys []string) ([]*booking.Booking, error) {
	out := make([]*booking.Booking, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, loadConcurrency)
	var wg sync.WaitGroup
	for i, key := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			b, err := s.Store.Get(ctx, key)
			if err != nil && !errors.Is(err, booking.ErrNotFound) {
				errs[i] = err
			}
			out[i] = b
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(out, func(b *booking.Booking) bool { return b == nil }), nil
}

// roomsOf returns the booking's current room followed by the rooms it replaced and has yet to
// delete.
func roomsOf(b *booking.Booking) []*booking.Room {
	var rooms []*booking.Room
	if b.Room != nil {
		rooms = append(rooms, b.Room)
	}
	for i := range b.Retired {
		rooms = append(rooms, &b.Retired[i])
	}
	return rooms
}

func refOf(b *booking.Booking) bookingRef {
	return bookingRef{Key: b.Key, Source: b.Source, ExternalID: b.ExternalID, Status: b.Status}
}

func detailsOf(b *booking.Booking, room *booking.Room, withHost bool) roomDetails {
	act := activityIn(b, room)
	d := roomDetails{
		RoomID:    room.Tag,
		Provider:  room.Provider,
		RoomName:  room.Name,
		GuestURL:  room.GuestURL,
		ExpiresAt: room.ExpiresAt,
		DialIn:    room.DialIn,
		Retired:   room != b.Room,
		Live:      act.Live(),
	}
	if withHost {
		d.HostURL = room.HostURL
	}
	return d
}

// includeHostURL reads ?include=hostUrl (a comma-separated list; hostUrl is its only value).
func includeHostURL(r *http.Request) (bool, error) {
	host := false
	for _, v := range r.URL.Query()["include"] {
		for part := range strings.SplitSeq(v, ",") {
			switch strings.TrimSpace(part) {
			case "hostUrl":
				host = true
			case "":
			default:
				return false, booking.Errorf(booking.Invalid, "include", "include takes hostUrl only")
			}
		}
	}
	return host, nil
}

// findRoom resolves a roomId: the tag names the booking, which must still hold a room with that
// tag, current or replaced.
func (s *Admin) findRoom(ctx context.Context, roomID string) (*booking.Booking, *booking.Room, error) {
	notFound := booking.Errorf(booking.NotFound, "", "no room with this id")
	tag, ok := booking.ParseTag(roomID)
	if !ok || tag.String() != roomID {
		return nil, nil, notFound
	}
	b, err := s.Store.Get(ctx, tag.Key)
	if errors.Is(err, booking.ErrNotFound) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, unavailable(err)
	}
	for _, room := range roomsOf(b) {
		if room.Tag == roomID {
			return b, room, nil
		}
	}
	return nil, nil, notFound
}

// activityIn returns the part of a booking's activity that happened in room. Sessions and
// connections carry the provider's room id; one recorded without it (a webhook that named only
// the room) goes where its session's other records went, else to the booking's current room.
func activityIn(b *booking.Booking, room *booking.Room) booking.Activity {
	current := ""
	if b.Room != nil {
		current = b.Room.ID
	}
	act := &b.Activity
	sessionRoom := map[string]string{}
	for _, s := range act.Sessions {
		if s.RoomID != "" {
			sessionRoom[s.ID] = s.RoomID
		}
	}
	for _, c := range act.Connections {
		if c.SessionID != "" && c.RoomID != "" && sessionRoom[c.SessionID] == "" {
			sessionRoom[c.SessionID] = c.RoomID
		}
	}
	roomOf := func(recorded, session string) string {
		if recorded != "" {
			return recorded
		}
		if id := sessionRoom[session]; session != "" && id != "" {
			return id
		}
		return current
	}
	var out booking.Activity
	for _, s := range act.Sessions {
		if roomOf(s.RoomID, s.ID) == room.ID {
			out.Sessions = append(out.Sessions, s)
		}
	}
	for _, c := range act.Connections {
		if roomOf(c.RoomID, c.SessionID) == room.ID {
			out.Connections = append(out.Connections, c)
		}
	}
	return out
}

// dialInCaller is the phone callers of a session under one display name.
type dialInCaller struct {
	DisplayName string `json:"displayName"`
	Calls       int    `json:"calls"` // connections: a caller who hangs up and calls back counts twice
}

// sessionItem is one entry of GET /v1/rooms/{roomId}/sessions.
type sessionItem struct {
	SessionID          string         `json:"sessionId"`
	StartedAt          time.Time      `json:"startedAt,omitzero"`
	EndedAt            time.Time      `json:"endedAt,omitzero"`
	Live               bool           `json:"live"`
	Participants       int            `json:"participants"`
	ParticipantMinutes int            `json:"participantMinutes"`
	DialInCallers      []dialInCaller `json:"dialInCallers"`
	RecordedMinutes    *int           `json:"recordedMinutes,omitempty"`
	StreamedMinutes    *int           `json:"streamedMinutes,omitempty"`

	first time.Time // when it began: its start, else its first join; for sorting
}

// Values of the sessions answer's "insights".
const (
	insightsOK          = "ok"
	insightsUnavailable = "unavailable"
)

// listSessions serves GET /v1/rooms/{roomId}/sessions: the room's sessions from the provider's
// webhooks, oldest first (by start, or by first join when the start is not known), with the
// provider's recorded and streamed minutes when it reports them (Insights).
func (s *Admin) listSessions(r *http.Request, log *slog.Logger) (any, error) {
	ctx := r.Context()
	now := s.Now()
	roomID := r.PathValue("roomId")
	b, room, err := s.findRoom(ctx, roomID)
	if err != nil {
		return nil, err
	}
	act := activityIn(b, room)
	items := []sessionItem{}
	for _, id := range sessionIDs(&act) {
		items = append(items, sessionOf(&act, id, now))
	}
	slices.SortStableFunc(items, func(a, b sessionItem) int { return a.first.Compare(b.first) })

	status := ""
	if insights := s.Insights[room.Provider]; insights != nil && room.Name != "" {
		ictx, cancel := context.WithTimeout(ctx, insightsTimeout)
		figures, err := insights.RoomSessions(ictx, room.Name)
		cancel()
		if err != nil {
			log.Warn("provider insights unavailable", "room", roomID, "err", err)
			status = insightsUnavailable
		} else {
			status = insightsOK
			for i := range items {
				if f, ok := figures[items[i].SessionID]; ok {
					items[i].RecordedMinutes = &f.RecorderMinutes
					items[i].StreamedMinutes = &f.StreamerMinutes
				}
			}
		}
	}
	return struct {
		RoomID   string        `json:"roomId"`
		Sessions []sessionItem `json:"sessions"`
		Insights string        `json:"insights,omitempty"`
	}{roomID, items, status}, nil
}

// sessionIDs returns the ids of the sessions in act, in the order first recorded: those reported
// by session events, then those known only from their participants (a session whose start has
// not arrived yet), then NoSession when someone visited outside a session.
func sessionIDs(act *booking.Activity) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, s := range act.Sessions {
		if s.ID != "" {
			add(s.ID)
		}
	}
	lone := false
	for _, c := range act.Connections {
		if c.SessionID == "" {
			lone = true
		} else {
			add(c.SessionID)
		}
	}
	if lone {
		add(NoSession)
	}
	return ids
}

// sessionOf summarises one session of act. NoSession has no start or end of its own.
func sessionOf(act *booking.Activity, id string, now time.Time) sessionItem {
	recorded := id
	if id == NoSession {
		recorded = ""
	}
	item := sessionItem{SessionID: id, DialInCallers: []dialInCaller{}}
	for _, s := range act.Sessions {
		if s.ID == recorded && recorded != "" {
			item.StartedAt, item.EndedAt = s.StartedAt, s.EndedAt
		}
	}
	conns := act.Participants(recorded)
	item.Participants = len(conns)
	item.ParticipantMinutes = act.ParticipantMinutes(recorded, now)
	item.Live = recorded != "" && !item.StartedAt.IsZero() && item.EndedAt.IsZero()
	item.first = item.StartedAt
	calls := map[string]int{}
	for i := range conns {
		c := &conns[i]
		if item.StartedAt.IsZero() && !c.JoinedAt.IsZero() && (item.first.IsZero() || c.JoinedAt.Before(item.first)) {
			item.first = c.JoinedAt
		}
		item.Live = item.Live || (c.Present() && item.EndedAt.IsZero())
		if c.DialIn {
			calls[c.Name]++
		}
	}
	for name, n := range calls {
		item.DialInCallers = append(item.DialInCallers, dialInCaller{DisplayName: name, Calls: n})
	}
	slices.SortFunc(item.DialInCallers, func(a, b dialInCaller) int { return cmp.Compare(a.DisplayName, b.DisplayName) })
	return item
}

// participantItem is one entry of GET /v1/rooms/{roomId}/sessions/{sessionId}/participants.
type participantItem struct {
	ParticipantID string    `json:"participantId"`
	DisplayName   string    `json:"displayName"`
	Role          string    `json:"role,omitempty"`
	Host          bool      `json:"host"`
	DialIn        bool      `json:"dialIn"`
	JoinedAt      time.Time `json:"joinedAt,omitzero"`
	LeftAt        time.Time `json:"leftAt,omitzero"`
	Present       bool      `json:"present"`
	Minutes       int       `json:"minutes"` // rounded up; a connection still open counts until now
}

// listParticipants serves GET /v1/rooms/{roomId}/sessions/{sessionId}/participants: each
// connection of the session, in the order joined.
func (s *Admin) listParticipants(r *http.Request, _ *slog.Logger) (any, error) {
	ctx := r.Context()
	now := s.Now()
	roomID, sessionID := r.PathValue("roomId"), r.PathValue("sessionId")
	b, room, err := s.findRoom(ctx, roomID)
	if err != nil {
		return nil, err
	}
	act := activityIn(b, room)
	if !slices.Contains(sessionIDs(&act), sessionID) {
		return nil, booking.Errorf(booking.NotFound, "", "no session with this id in the room")
	}
	recorded := sessionID
	if sessionID == NoSession {
		recorded = ""
	}
	items := []participantItem{}
	for _, c := range act.Participants(recorded) {
		one := booking.Activity{Connections: []booking.Connection{c}}
		items = append(items, participantItem{
			ParticipantID: c.ID,
			DisplayName:   c.Name,
			Role:          c.Role,
			Host:          c.Host,
			DialIn:        c.DialIn,
			JoinedAt:      c.JoinedAt,
			LeftAt:        c.LeftAt,
			Present:       c.Present(),
			Minutes:       one.ParticipantMinutes(recorded, now),
		})
	}
	slices.SortStableFunc(items, func(a, b participantItem) int { return a.JoinedAt.Compare(b.JoinedAt) })
	return struct {
		RoomID       string            `json:"roomId"`
		SessionID    string            `json:"sessionId"`
		Participants []participantItem `json:"participants"`
	}{roomID, sessionID, items}, nil
}

// inviteItem is what one recipient has been sent.
type inviteItem struct {
	Email    string         `json:"email"`
	Name     string         `json:"name,omitempty"`
	Role     string         `json:"role"` // organizer or guest
	Sequence int            `json:"sequence"`
	Method   booking.Method `json:"method,omitempty"` // empty: nothing sent yet
	SentAt   time.Time      `json:"sentAt,omitzero"`
	Error    string         `json:"error,omitempty"` // the mail service refused it for good
}

type failureItem struct {
	Message   string    `json:"message"`
	Permanent bool      `json:"permanent"`
	At        time.Time `json:"at"`
}

// bookingItem is the answer of GET /v1/bookings/{id}.
type bookingItem struct {
	Key                string         `json:"key"`
	Source             string         `json:"source"`
	ExternalID         string         `json:"externalId"`
	Status             booking.Status `json:"status"`
	Sequence           int            `json:"sequence"`
	Title              string         `json:"title"`
	Start              time.Time      `json:"start,omitzero"` // zero for a cancellation of a booking never seen
	End                time.Time      `json:"end,omitzero"`
	TimeZone           string         `json:"timeZone,omitempty"`
	Room               *roomDetails   `json:"room"`
	RetiredRooms       []roomDetails  `json:"retiredRooms,omitempty"`
	Invites            []inviteItem   `json:"invites"`
	DueAt              time.Time      `json:"dueAt,omitzero"`
	Done               bool           `json:"done"`
	Failure            *failureItem   `json:"failure,omitempty"`
	PossibleDuplicates int            `json:"possibleDuplicates"`
	CreatedAt          time.Time      `json:"createdAt,omitzero"`
	UpdatedAt          time.Time      `json:"updatedAt,omitzero"`
}

// getBooking serves GET /v1/bookings/{id}. The id is the key the booking webhook answered with,
// or "<source>:<externalId>".
func (s *Admin) getBooking(r *http.Request, _ *slog.Logger) (any, error) {
	ctx := r.Context()
	withHost, err := includeHostURL(r)
	if err != nil {
		return nil, err
	}
	notFound := booking.Errorf(booking.NotFound, "", "no booking with this id")
	key := r.PathValue("id")
	if source, external, ok := strings.Cut(key, ":"); ok {
		key = booking.KeyOf(source, external)
	} else if !isKey(key) {
		return nil, notFound
	}
	b, err := s.Store.Get(ctx, key)
	if errors.Is(err, booking.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, unavailable(err)
	}
	item := bookingItem{
		Key:                b.Key,
		Source:             b.Source,
		ExternalID:         b.ExternalID,
		Status:             b.Status,
		Sequence:           b.Sequence,
		Title:              b.Details.Title,
		Start:              b.Details.Start,
		End:                b.Details.End,
		TimeZone:           b.Details.TimeZone,
		Invites:            []inviteItem{},
		DueAt:              b.DueAt,
		Done:               b.Done,
		PossibleDuplicates: b.PossibleDuplicates,
		CreatedAt:          b.CreatedAt,
		UpdatedAt:          b.UpdatedAt,
	}
	for _, room := range roomsOf(b) {
		d := detailsOf(b, room, withHost)
		if d.Retired {
			item.RetiredRooms = append(item.RetiredRooms, d)
		} else {
			item.Room = &d
		}
	}
	for _, inv := range b.Invites {
		role := "guest"
		if inv.Organizer {
			role = "organizer"
		}
		item.Invites = append(item.Invites, inviteItem{
			Email: inv.Email, Name: inv.Name, Role: role, Sequence: inv.Sequence,
			Method: inv.Method, SentAt: inv.SentAt, Error: inv.Error,
		})
	}
	if f := b.Failure; f != nil {
		item.Failure = &failureItem{Message: f.Message, Permanent: f.Permanent, At: f.At}
	}
	return item, nil
}

// keyLen is the length of every booking key.
var keyLen = len(booking.KeyOf("", ""))

// isKey reports whether s has the shape of a booking key (booking.KeyOf): lowercase base32 of
// keyLen characters. Anything else cannot name a booking and is not looked up.
func isKey(s string) bool {
	if len(s) != keyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z') && !(c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
