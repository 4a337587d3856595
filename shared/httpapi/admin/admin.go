// Package admin serves the admin API (docs/admin-api.md): the operator's rules (shared/operator)
// and the operators, roles and audit list (shared/access) over JSON, behind bearer tokens — the
// admin token ROOMKEEPER_ADMIN_TOKEN or an operator's. It is apart from the webhook handlers of
// shared/httpapi, whose plumbing it uses, so the webhook functions link none of the operator's
// machinery (the reconciler that makes hand-made rooms).
package admin

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// Token is the name of the admin token's secret, ROOMKEEPER_ADMIN_TOKEN.
const Token = access.AdminToken

// maxRequest bounds an admin request's body: a room request is a few hundred bytes.
const maxRequest = 16 << 10

// API serves the admin API. Every route needs a bearer token — the admin token or an operator's
// (shared/access) — and a role: viewers read, admins also change. Without a configured admin
// token the admin API is off and answers 404. An unknown path under its routes is a JSON 404, a
// known path with another method a JSON 405 naming the methods it takes. Set its fields once in
// main.
type API struct {
	Operator *operator.Operator
	Access   *access.Access
	Log      *slog.Logger
}

// prefixes are the admin API's paths, each mounted on the caller's mux.
var prefixes = []string{"/v1/rooms", "/v1/rooms/", "/v1/bookings", "/v1/bookings/", "/v1/usage", "/v1/usage/",
	"/v1/people", "/v1/people/", "/v1/operators", "/v1/operators/", "/v1/audit", "/v1/audit/"}

// Register mounts the admin API on mux under its prefixes. Its own route table is built on its
// first request, not here: most of the admin function's cold starts are for a person's link
// (/j/{token}) or the console, which should not pay for the API's routes (a registration looks
// up its caller's file and line, about 12 µs each at a cold start; docs/benchmarks.md).
func (s *API) Register(mux *http.ServeMux) {
	api := sync.OnceValue(func() *http.ServeMux { return s.routes(mux) })
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { api().ServeHTTP(w, r) })
	for _, prefix := range prefixes {
		mux.Handle(prefix, h)
	}
}

// routes is the admin API's route table, for the prefixes of outer. Each route names the role it
// needs and, when it changes something, the action the audit list records: this table is where
// the admin API's roles are decided. Anything else under the prefixes is a JSON 404, or a 405
// naming the methods the path takes here or on outer (locally the bookings webhook takes POST
// /v1/bookings/{source} on the same mux).
func (s *API) routes(outer *http.ServeMux) *http.ServeMux {
	const viewer, admin = access.Viewer, access.Admin
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/rooms", s.route("rooms", viewer, "", s.listRooms))
	mux.HandleFunc("POST /v1/rooms", s.route("rooms.create", admin, access.ActionRoomCreate, s.createRoom))
	mux.HandleFunc("GET /v1/rooms/{roomId}", s.route("room", viewer, "", s.getRoom))
	mux.HandleFunc("PATCH /v1/rooms/{roomId}", s.route("room.extend", admin, access.ActionRoomExtend, s.extendRoom))
	mux.HandleFunc("DELETE /v1/rooms/{roomId}", s.route("room.delete", admin, access.ActionRoomDelete, s.deleteRoom))
	mux.HandleFunc("GET /v1/rooms/{roomId}/sessions", s.route("sessions", viewer, "", s.listSessions))
	mux.HandleFunc("GET /v1/rooms/{roomId}/sessions/{sessionId}/participants", s.route("participants", viewer, "", s.listParticipants))
	mux.HandleFunc("GET /v1/bookings", s.route("bookings", viewer, "", s.listBookings))
	mux.HandleFunc("GET /v1/bookings/{id}", s.route("booking", viewer, "", s.getBooking))
	mux.HandleFunc("GET /v1/usage", s.route("usage", viewer, "", s.usage))
	mux.HandleFunc("DELETE /v1/people/{email}", s.route("people.erase", admin, access.ActionPeopleErase, s.erase))
	// Operators are added and removed through shared/access, which records them in the audit list.
	mux.HandleFunc("GET /v1/operators", s.route("operators", admin, "", s.listOperators))
	mux.HandleFunc("POST /v1/operators", s.route("operators.add", admin, "", s.addOperator))
	mux.HandleFunc("DELETE /v1/operators/{name}", s.route("operator.remove", admin, "", s.removeOperator))
	mux.HandleFunc("GET /v1/audit", s.route("audit", viewer, "", s.audit))
	mux.Handle("/", httpapi.Unrouted(s.Log, "admin.unrouted", mux, outer))
	return mux
}

// answer is what an admin route returns: a status (0: 200) and a value to encode as JSON (nil:
// no body), or an error; target names what a change changed, for the audit list.
type answer struct {
	status   int
	body     any
	location string
	target   string
}

// handler is an admin route's own work, for the operator who sent the request.
type handler func(r *http.Request, op access.Operator, log *slog.Logger) (answer, error)

// route wraps an admin route: it checks the token and that its operator has the role need,
// runs the route (through access.Change, which records it, when action names a change), then
// writes the route's answer as JSON, or the JSON error.
func (s *API) route(name string, need access.Role, action string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		log := httpapi.RequestLog(s.Log, r).With("route", "admin."+name)
		w.Header().Set("Cache-Control", "no-store") // answers may carry host links
		op, err := s.authenticate(w, r)
		if err == nil {
			log = log.With("operator", op.Name)
			err = op.Require(need)
		}
		if err != nil {
			httpapi.WriteError(w, log, err)
			return
		}
		var a answer
		if action == "" {
			a, err = h(r, op, log)
		} else {
			err = s.Access.Change(r.Context(), op, action, func(ctx context.Context) (string, error) {
				var herr error
				a, herr = h(r.WithContext(ctx), op, log)
				return a.target, herr
			})
		}
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

// authenticate returns the operator of the request's bearer token (access.Authenticate, with the
// limiter keyed by the client's address), setting WWW-Authenticate (RFC 6750 §3) on a 401.
func (s *API) authenticate(w http.ResponseWriter, r *http.Request) (access.Operator, error) {
	token, _ := bearerToken(r.Header.Get("Authorization"))
	op, err := s.Access.Authenticate(r.Context(), token, httpapi.ClientAddr(r))
	if booking.ErrorCode(err) == booking.Unauthorized {
		realm := `Bearer realm="roomkeeper"`
		if token != "" {
			realm += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", realm)
	}
	return op, err
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

// recordHostLinks records in the audit list that op was shown the host link of each of rooms
// that carries one (room.host_link, as when the console shows one): a host link gives host
// powers for the room's whole life, so whoever read one is on record. An answer with host links
// is sent only once they are recorded.
func (s *API) recordHostLinks(ctx context.Context, op access.Operator, rooms []*operator.Room) error {
	for _, room := range rooms {
		if room == nil || room.HostURL == "" {
			continue
		}
		if err := s.Access.Record(ctx, op, access.ActionRoomHostLink, room.RoomID); err != nil {
			return err
		}
	}
	return nil
}

func (s *API) listRooms(r *http.Request, op access.Operator, _ *slog.Logger) (answer, error) {
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
	if err != nil {
		return answer{}, err
	}
	shown := make([]*operator.Room, len(page.Rooms))
	for i := range page.Rooms {
		shown[i] = &page.Rooms[i]
	}
	return answer{body: page}, s.recordHostLinks(r.Context(), op, shown)
}

func (s *API) createRoom(r *http.Request, _ access.Operator, log *slog.Logger) (answer, error) {
	var req operator.NewRoom
	if err := readRequest(r, &req); err != nil {
		return answer{}, err
	}
	made, err := s.Operator.CreateRoom(r.Context(), req, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return answer{}, err
	}
	log.Info("room made by hand", "room", made.Room.RoomID, "ready", made.Ready)
	a := answer{status: http.StatusCreated, body: made.Room, location: "/v1/rooms/" + made.Room.RoomID, target: made.Room.RoomID}
	if !made.Ready {
		a.status = http.StatusAccepted
	}
	return a, nil
}

func (s *API) getRoom(r *http.Request, op access.Operator, _ *slog.Logger) (answer, error) {
	withHost, err := includeHostURL(r)
	if err != nil {
		return answer{}, err
	}
	room, err := s.Operator.Room(r.Context(), r.PathValue("roomId"), withHost)
	if err != nil {
		return answer{}, err
	}
	return answer{body: room}, s.recordHostLinks(r.Context(), op, []*operator.Room{&room})
}

func (s *API) extendRoom(r *http.Request, _ access.Operator, _ *slog.Logger) (answer, error) {
	var req struct {
		EndDate string `json:"endDate"`
	}
	if err := readRequest(r, &req); err != nil {
		return answer{}, err
	}
	room, err := s.Operator.ExtendRoom(r.Context(), r.PathValue("roomId"), req.EndDate)
	return answer{body: room, target: room.RoomID}, err
}

func (s *API) deleteRoom(r *http.Request, _ access.Operator, _ *slog.Logger) (answer, error) {
	force := false
	if v := r.URL.Query().Get("force"); v != "" {
		var err error
		if force, err = strconv.ParseBool(v); err != nil {
			return answer{}, booking.Errorf(booking.Invalid, "force", "must be true or false")
		}
	}
	err := s.Operator.DeleteRoom(r.Context(), r.PathValue("roomId"), force)
	return answer{status: http.StatusNoContent, target: r.PathValue("roomId")}, err
}

func (s *API) listSessions(r *http.Request, _ access.Operator, log *slog.Logger) (answer, error) {
	out, err := s.Operator.Sessions(r.Context(), r.PathValue("roomId"))
	if out.InsightsErr != nil {
		log.Warn("provider insights unavailable", "room", out.RoomID, "err", out.InsightsErr)
	}
	return answer{body: out}, err
}

func (s *API) listParticipants(r *http.Request, _ access.Operator, _ *slog.Logger) (answer, error) {
	out, err := s.Operator.Participants(r.Context(), r.PathValue("roomId"), r.PathValue("sessionId"))
	return answer{body: out}, err
}

func (s *API) listBookings(r *http.Request, _ access.Operator, _ *slog.Logger) (answer, error) {
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

func (s *API) getBooking(r *http.Request, op access.Operator, _ *slog.Logger) (answer, error) {
	withHost, err := includeHostURL(r)
	if err != nil {
		return answer{}, err
	}
	b, err := s.Operator.Booking(r.Context(), r.PathValue("id"), withHost)
	if err != nil {
		return answer{}, err
	}
	shown := []*operator.Room{b.Room}
	for _, rooms := range [][]operator.Room{b.RetiredRooms, b.EndedRooms} {
		for i := range rooms {
			shown = append(shown, &rooms[i])
		}
	}
	return answer{body: b}, s.recordHostLinks(r.Context(), op, shown)
}

func (s *API) usage(r *http.Request, _ access.Operator, _ *slog.Logger) (answer, error) {
	q := r.URL.Query()
	u, err := s.Operator.Usage(r.Context(), q.Get("from"), q.Get("to"))
	return answer{body: u}, err
}

func (s *API) erase(r *http.Request, _ access.Operator, log *slog.Logger) (answer, error) {
	email := r.PathValue("email")
	out, err := s.Operator.Erase(r.Context(), email)
	if err != nil {
		return answer{}, err
	}
	log.Info("person erased", "records", out.Records, "outbox", out.Outbox)
	// The audit list names the person as their records now do, never by address.
	erased, _, _ := strings.Cut(operator.Anonymous(strings.TrimSpace(email)), "@")
	return answer{body: out, target: erased}, nil
}

func (s *API) listOperators(r *http.Request, op access.Operator, _ *slog.Logger) (answer, error) {
	ops, err := s.Access.Operators(r.Context(), op)
	return answer{body: struct {
		Operators []access.Operator `json:"operators"`
	}{ops}}, err
}

// added is the answer to POST /v1/operators: the operator and their token, shown this once.
type added struct {
	Operator access.Operator `json:"operator"`
	Token    string          `json:"token"`
}

func (s *API) addOperator(r *http.Request, by access.Operator, log *slog.Logger) (answer, error) {
	var req access.NewOperator
	if err := readRequest(r, &req); err != nil {
		return answer{}, err
	}
	op, token, err := s.Access.AddOperator(r.Context(), by, req)
	if err != nil {
		return answer{}, err
	}
	log.Info("operator added", "name", op.Name, "role", op.Role)
	return answer{status: http.StatusCreated, body: added{Operator: op, Token: token}}, nil
}

func (s *API) removeOperator(r *http.Request, by access.Operator, log *slog.Logger) (answer, error) {
	name := r.PathValue("name")
	if err := s.Access.RemoveOperator(r.Context(), by, name); err != nil {
		return answer{}, err
	}
	log.Info("operator removed", "name", name)
	return answer{status: http.StatusNoContent}, nil
}

func (s *API) audit(r *http.Request, op access.Operator, _ *slog.Logger) (answer, error) {
	n, err := limitParam(r)
	if err != nil {
		return answer{}, err
	}
	page, err := s.Access.Audit(r.Context(), op, access.AuditQuery{Limit: n, Cursor: r.URL.Query().Get("cursor")})
	return answer{body: page}, err
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
