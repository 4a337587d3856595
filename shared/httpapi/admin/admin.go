// Package admin serves the admin API (docs/admin-api.md): the operator's rules (shared/operator)
// over JSON, behind the bearer token ROOMKEEPER_ADMIN_TOKEN. It is apart from the webhook
// handlers of shared/httpapi, whose plumbing it uses, so the webhook functions link none of the
// operator's machinery (the reconciler that makes hand-made rooms).
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// Token is the name of the admin API's bearer token secret.
const Token = "ROOMKEEPER_ADMIN_TOKEN"

// maxRequest bounds an admin request's body: a room request is a few hundred bytes.
const maxRequest = 16 << 10

// API serves the admin API. Every route needs the bearer token (the secret Token names); without
// a configured token the admin API is off and answers 404. An unknown path under its routes is a
// JSON 404, a known path with another method a JSON 405 naming the methods it takes. Set its
// fields once in main.
type API struct {
	Operator *operator.Operator
	Secrets  httpapi.Secrets
	Log      *slog.Logger
}

// Register adds the admin API's routes to mux.
func (s *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/rooms", s.route("rooms", s.listRooms))
	mux.HandleFunc("POST /v1/rooms", s.route("rooms.create", s.createRoom))
	mux.HandleFunc("GET /v1/rooms/{roomId}", s.route("room", s.getRoom))
	mux.HandleFunc("PATCH /v1/rooms/{roomId}", s.route("room.extend", s.extendRoom))
	mux.HandleFunc("DELETE /v1/rooms/{roomId}", s.route("room.delete", s.deleteRoom))
	mux.HandleFunc("GET /v1/rooms/{roomId}/sessions", s.route("sessions", s.listSessions))
	mux.HandleFunc("GET /v1/rooms/{roomId}/sessions/{sessionId}/participants", s.route("participants", s.listParticipants))
	mux.HandleFunc("GET /v1/bookings", s.route("bookings", s.listBookings))
	mux.HandleFunc("GET /v1/bookings/{id}", s.route("booking", s.getBooking))
	mux.HandleFunc("GET /v1/usage", s.route("usage", s.usage))
	mux.HandleFunc("DELETE /v1/people/{email}", s.route("people.erase", s.erase))
	// Anything else under the admin API's paths: a JSON 404, or 405 with Allow.
	for _, prefix := range []string{"/v1/rooms", "/v1/rooms/", "/v1/bookings", "/v1/bookings/", "/v1/usage", "/v1/usage/", "/v1/people", "/v1/people/"} {
		mux.Handle(prefix, httpapi.Unrouted(mux, prefix, s.Log, "admin.unrouted"))
	}
}

// answer is what an admin route returns: a status (0: 200) and a value to encode as JSON (nil:
// no body), or an error.
type answer struct {
	status   int
	body     any
	location string
}

// route wraps an admin route: it checks the token, then writes the route's answer as JSON, or
// the JSON error.
func (s *API) route(name string, h func(*http.Request, *slog.Logger) (answer, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		log := httpapi.RequestLog(s.Log, r).With("route", "admin."+name)
		w.Header().Set("Cache-Control", "no-store") // answers may carry host links
		if err := s.authorizeAdmin(w, r); err != nil {
			httpapi.WriteError(w, log, err)
			return
		}
		a, err := h(r, log)
		if err != nil {
			httpapi.WriteError(w, log, err)
			return
		}
		if a.location != "" {
			w.Header().Set("Location", a.location)
		}
		status := a.status
		if status == 0 {
			status = http.StatusOK
		}
		if a.body == nil {
			w.WriteHeader(status)
			return
		}
		httpapi.WriteJSON(w, status, a.body)
	}
}

// authorizeAdmin checks the bearer token in constant time. A mismatch reads the token once more,
// fresh, so a rotated token is picked up (the Secrets implementation limits how often).
func (s *API) authorizeAdmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	want, err := s.Secrets.Secret(ctx, Token, false)
	if err != nil {
		return booking.Outage(err)
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
	if fresh, err := s.Secrets.Secret(ctx, Token, true); err == nil && fresh != "" && fresh != want && tokenEqual(got, fresh) {
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

func (s *API) listRooms(r *http.Request, _ *slog.Logger) (answer, error) {
	withHost, err := includeHostURL(r)
	if err != nil {
		return answer{}, err
	}
	n, err := limitParam(r)
	if err != nil {
		return answer{}, err
	}
	q := r.URL.Query()
	page, err := s.Operator.Rooms(r.Context(), operator.RoomsQuery{State: q.Get("state"), Limit: n, Cursor: q.Get("cursor"), WithHost: withHost})
	return answer{body: page}, err
}

func (s *API) createRoom(r *http.Request, log *slog.Logger) (answer, error) {
	var req operator.NewRoom
	if err := readRequest(r, &req); err != nil {
		return answer{}, err
	}
	made, err := s.Operator.CreateRoom(r.Context(), req, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return answer{}, err
	}
	log.Info("room made by hand", "room", made.Room.RoomID, "ready", made.Ready)
	if !made.Ready {
		return answer{status: http.StatusAccepted, body: made.Room, location: "/v1/rooms/" + made.Room.RoomID}, nil
	}
	return answer{status: http.StatusCreated, body: made.Room, location: "/v1/rooms/" + made.Room.RoomID}, nil
}

func (s *API) getRoom(r *http.Request, _ *slog.Logger) (answer, error) {
	withHost, err := includeHostURL(r)
	if err != nil {
		return answer{}, err
	}
	room, err := s.Operator.Room(r.Context(), r.PathValue("roomId"), withHost)
	return answer{body: room}, err
}

func (s *API) extendRoom(r *http.Request, _ *slog.Logger) (answer, error) {
	var req struct {
		EndDate string `json:"endDate"`
	}
	if err := readRequest(r, &req); err != nil {
		return answer{}, err
	}
	room, err := s.Operator.ExtendRoom(r.Context(), r.PathValue("roomId"), req.EndDate)
	return answer{body: room}, err
}

func (s *API) deleteRoom(r *http.Request, _ *slog.Logger) (answer, error) {
	force := false
	if v := r.URL.Query().Get("force"); v != "" {
		var err error
		if force, err = strconv.ParseBool(v); err != nil {
			return answer{}, booking.Errorf(booking.Invalid, "force", "must be true or false")
		}
	}
	err := s.Operator.DeleteRoom(r.Context(), r.PathValue("roomId"), force)
	return answer{status: http.StatusNoContent}, err
}

func (s *API) listSessions(r *http.Request, log *slog.Logger) (answer, error) {
	out, err := s.Operator.Sessions(r.Context(), r.PathValue("roomId"))
	if out.InsightsErr != nil {
		log.Warn("provider insights unavailable", "room", out.RoomID, "err", out.InsightsErr)
	}
	return answer{body: out}, err
}

func (s *API) listParticipants(r *http.Request, _ *slog.Logger) (answer, error) {
	out, err := s.Operator.Participants(r.Context(), r.PathValue("roomId"), r.PathValue("sessionId"))
	return answer{body: out}, err
}

func (s *API) listBookings(r *http.Request, _ *slog.Logger) (answer, error) {
	n, err := limitParam(r)
	if err != nil {
		return answer{}, err
	}
	q := r.URL.Query()
	page, err := s.Operator.Bookings(r.Context(), operator.BookingsQuery{
		Status: q.Get("status"), From: q.Get("from"), To: q.Get("to"), Limit: n, Cursor: q.Get("cursor"),
	})
	return answer{body: page}, err
}

func (s *API) getBooking(r *http.Request, _ *slog.Logger) (answer, error) {
	withHost, err := includeHostURL(r)
	if err != nil {
		return answer{}, err
	}
	b, err := s.Operator.Booking(r.Context(), r.PathValue("id"), withHost)
	return answer{body: b}, err
}

func (s *API) usage(r *http.Request, _ *slog.Logger) (answer, error) {
	q := r.URL.Query()
	u, err := s.Operator.Usage(r.Context(), q.Get("from"), q.Get("to"))
	return answer{body: u}, err
}

func (s *API) erase(r *http.Request, log *slog.Logger) (answer, error) {
	out, err := s.Operator.Erase(r.Context(), r.PathValue("email"))
	if err == nil {
		log.Info("person erased", "records", out.Records, "outbox", out.Outbox)
	}
	return answer{body: out}, err
}

// limitParam reads ?limit=; absent is 0 (the default).
func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, booking.Errorf(booking.Invalid, "limit", "must be a whole number from 1 to %d", operator.MaxLimit)
	}
	return n, nil
}

// readRequest reads an admin request's JSON body strictly into v.
func readRequest(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(mt) != "application/json" {
			return booking.Errorf(booking.Unsupported, "", "content type %q is not supported: send application/json", ct)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	switch {
	case err != nil:
		return booking.Errorf(booking.Invalid, "", "could not read the body")
	case len(body) > maxRequest:
		return booking.Errorf(booking.TooLarge, "", "body is larger than %d KiB", maxRequest>>10)
	}
	return booking.DecodeStrictJSON(body, v)
}
