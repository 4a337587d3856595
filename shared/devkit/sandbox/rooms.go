package sandbox

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	web "github.com/roomkeeper/roomkeeper/templates/console"
)

// Who is in a sandbox room, and the webhooks that follow from it. The rules are Whereby's
// (webhooks.md, user-roles-and-privileges.md and waiting-rooms.md in github.com/whereby/docs): a
// session is two or more people in the room, started when the second comes in and ended when fewer
// than two remain (Whereby waits "for some time" first; the sandbox ends it at once); a visitor to
// a locked room knocks and waits until a host in the room lets them in (roleName granted_visitor);
// every connection has a new participantId. Phone callers come in with the room's dial-in code, so
// a lock does not stop them (Whereby does not document this; the sandbox keeps it simple).

// Errors of room actions.
var (
	ErrNoRoom     = errors.New("whereby sandbox: no such room (deleted, or past endDate + 1 h)")
	ErrInvalid    = errors.New("whereby sandbox: invalid request")
	ErrLocked     = errors.New("whereby sandbox: the room is locked: knock, and a host in the room can let you in")
	ErrNotLocked  = errors.New("whereby sandbox: the room is not locked: join it")
	ErrNoHost     = errors.New("whereby sandbox: only a host in the room can let a visitor in")
	ErrNotInRoom  = errors.New("whereby sandbox: no such participant in the room")
	ErrNotWaiting = errors.New("whereby sandbox: no such visitor is knocking")
	errNoKey      = errors.New("whereby sandbox: joining as host needs the room key in the page's URL")
)

// Whereby roleName values the sandbox lets a participant join with.
var joinRoles = map[string]bool{
	"host": true, "visitor": true, "granted_visitor": true, "viewer": true, "owner": true, "member": true,
}

// hostRoles hold host powers: the hostRoomUrl role and the organisation's own accounts.
var hostRoles = map[string]bool{"host": true, "owner": true, "member": true}

const maxDisplayName = 100 // Whereby's displayName limit

// Participant is one connection to a sandbox room, or a visitor knocking.
type Participant struct {
	ID   string // the participantId in webhooks
	Name string // displayName
	// ExternalID is the externalId parameter of the room link they came by; "" for none.
	ExternalID string
	Role       string    // roleName; empty while knocking
	DialIn     bool      // a phone caller
	At         time.Time // when they joined, or knocked
}

// Presence is who is in a room now.
type Presence struct {
	SessionID string        // the roomSessionId; empty while fewer than 2 are in
	Present   []Participant // in the room, in the order they came in
	Waiting   []Participant // knocking on the locked room
}

// roomState is a room's presence; guarded by Whereby.mu.
type roomState struct {
	present []*Participant
	waiting []*Participant
	session string
}

// Join connects a participant to a room (its name with or without the leading "/") with a
// Whereby roleName ("visitor", "host", "granted_visitor", …) and sends room.client.joined, plus
// room.session.started when they are the second one in. A visitor (not a phone caller) cannot
// join a locked room: they Knock. The webhooks are sent before Join returns; a delivery the
// receiver did not accept is returned as a *DeliveryError along with the participant id, since
// the join itself happened.
func (w *Whereby) Join(roomName, displayName, role string, dialIn bool) (participantID string, err error) {
	return w.JoinAs(roomName, displayName, "", role, dialIn)
}

// JoinAs is Join by a room link that carried Whereby's externalId parameter: the id is passed on
// in the participant's webhooks ("" for none). Whereby takes A-Za-z0-9-_ and at most 36
// characters, and refuses anything else.
func (w *Whereby) JoinAs(roomName, displayName, externalID, role string, dialIn bool) (participantID string, err error) {
	name, err := checkName(displayName)
	if err != nil {
		return "", err
	}
	if err := checkExternalID(externalID); err != nil {
		return "", err
	}
	if !joinRoles[role] {
		return "", fmt.Errorf("%w: unknown role %q", ErrInvalid, role)
	}
	err = w.do(roomName, func(m *Meeting, rs *roomState, now time.Time) ([]*Webhook, error) {
		if role == "visitor" && !dialIn && m.IsLocked {
			return nil, ErrLocked
		}
		p := &Participant{ID: uuidV4(), Name: name, ExternalID: externalID, Role: role, DialIn: dialIn}
		participantID = p.ID
		return w.enter(m, rs, p, now), nil
	})
	return participantID, err
}

// Leave disconnects a participant and sends room.client.left, plus room.session.ended when fewer
// than two remain. Delivery failures are reported as in Join.
func (w *Whereby) Leave(roomName, participantID string) error {
	return w.do(roomName, func(m *Meeting, rs *roomState, now time.Time) ([]*Webhook, error) {
		i := slices.IndexFunc(rs.present, func(p *Participant) bool { return p.ID == participantID })
		if i < 0 {
			return nil, ErrNotInRoom
		}
		return w.exit(m, rs, i, now), nil
	})
}

// Knock makes a visitor knock on a locked room and sends room.client.knocked. They wait until a
// host in the room lets them in (Admit) or they stop (CancelKnock). Delivery failures are
// reported as in Join.
func (w *Whereby) Knock(roomName, displayName string) error {
	return w.KnockAs(roomName, displayName, "")
}

// KnockAs is Knock by a room link that carried Whereby's externalId parameter (see JoinAs): the
// knock and, once let in, the join carry it.
func (w *Whereby) KnockAs(roomName, displayName, externalID string) error {
	name, err := checkName(displayName)
	if err != nil {
		return err
	}
	if err := checkExternalID(externalID); err != nil {
		return err
	}
	return w.do(roomName, func(m *Meeting, rs *roomState, now time.Time) ([]*Webhook, error) {
		if !m.IsLocked {
			return nil, ErrNotLocked
		}
		p := &Participant{ID: uuidV4(), Name: name, ExternalID: externalID, At: now}
		rs.waiting = append(rs.waiting, p)
		return []*Webhook{w.clientEvent("room.client.knocked", m, rs, p, now)}, nil
	})
}

// CancelKnock stops the earliest knock by displayName and sends room.client.knockCancelled.
func (w *Whereby) CancelKnock(roomName, displayName string) error {
	return w.do(roomName, func(m *Meeting, rs *roomState, now time.Time) ([]*Webhook, error) {
		return w.cancelKnock(m, rs, waitingNamed(rs, displayName), now)
	})
}

// Admit is a host in the room letting the earliest visitor knocking as displayName in: they join
// as granted_visitor, keeping their participant id, which Admit returns.
func (w *Whereby) Admit(roomName, displayName string) (participantID string, err error) {
	err = w.do(roomName, func(m *Meeting, rs *roomState, now time.Time) ([]*Webhook, error) {
		i := waitingNamed(rs, displayName)
		events, err := w.admit(m, rs, i, now)
		if err == nil {
			participantID = rs.present[len(rs.present)-1].ID
		}
		return events, err
	})
	return participantID, err
}

// Presence returns who is in a room and who is knocking.
func (w *Whereby) Presence(roomName string) (Presence, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, rs, err := w.liveRoom(roomName)
	if err != nil {
		return Presence{}, err
	}
	return rs.snapshot(), nil
}

func (rs *roomState) snapshot() Presence {
	p := Presence{SessionID: rs.session}
	for _, q := range rs.present {
		p.Present = append(p.Present, *q)
	}
	for _, q := range rs.waiting {
		p.Waiting = append(p.Waiting, *q)
	}
	return p
}

// do runs one room action: f changes the room's presence under w.mu and returns the webhooks it
// causes, which are then delivered, actions and deliveries one at a time.
func (w *Whereby) do(roomName string, f func(*Meeting, *roomState, time.Time) ([]*Webhook, error)) error {
	w.act.Lock()
	defer w.act.Unlock()
	w.mu.Lock()
	m, rs, err := w.liveRoom(roomName)
	var events []*Webhook
	if err == nil {
		events, err = f(m, rs, w.now())
	}
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return w.deliver(events)
}

// liveRoom finds a room by name and its presence. w.mu must be held.
func (w *Whereby) liveRoom(roomName string) (*Meeting, *roomState, error) {
	if !strings.HasPrefix(roomName, "/") {
		roomName = "/" + roomName
	}
	now := w.now()
	for _, m := range w.meetings {
		if m.RoomName == roomName && !w.gone(m, now) {
			rs := w.rooms[m.MeetingID]
			if rs == nil {
				rs = &roomState{}
				w.rooms[m.MeetingID] = rs
			}
			return m, rs, nil
		}
	}
	return nil, nil, ErrNoRoom
}

// enter puts p in the room; the second one in starts a session. w.mu must be held.
func (w *Whereby) enter(m *Meeting, rs *roomState, p *Participant, now time.Time) []*Webhook {
	p.At = now
	rs.present = append(rs.present, p)
	started := rs.session == "" && len(rs.present) >= 2
	if started {
		rs.session = uuidV4()
	}
	events := []*Webhook{w.memberEvent("room.client.joined", m, rs, p, now)}
	if started {
		events = append(events, w.sessionEvent("room.session.started", m, rs.session, now))
	}
	return events
}

// exit takes the i-th participant out; fewer than two left ends the session. w.mu must be held.
func (w *Whereby) exit(m *Meeting, rs *roomState, i int, now time.Time) []*Webhook {
	p := rs.present[i]
	rs.present = slices.Delete(rs.present, i, i+1)
	events := []*Webhook{w.memberEvent("room.client.left", m, rs, p, now)}
	if s := rs.session; s != "" && len(rs.present) < 2 {
		rs.session = ""
		events = append(events, w.sessionEvent("room.session.ended", m, s, now))
	}
	return events
}

// admit lets the i-th knocking visitor in, if a host is in the room. w.mu must be held.
func (w *Whereby) admit(m *Meeting, rs *roomState, i int, now time.Time) ([]*Webhook, error) {
	if !slices.ContainsFunc(rs.present, func(p *Participant) bool { return hostRoles[p.Role] }) {
		return nil, ErrNoHost
	}
	if i < 0 || i >= len(rs.waiting) {
		return nil, ErrNotWaiting
	}
	p := rs.waiting[i]
	rs.waiting = slices.Delete(rs.waiting, i, i+1)
	p.Role = "granted_visitor"
	return w.enter(m, rs, p, now), nil
}

// cancelKnock stops the i-th knock. w.mu must be held.
func (w *Whereby) cancelKnock(m *Meeting, rs *roomState, i int, now time.Time) ([]*Webhook, error) {
	if i < 0 || i >= len(rs.waiting) {
		return nil, ErrNotWaiting
	}
	p := rs.waiting[i]
	rs.waiting = slices.Delete(rs.waiting, i, i+1)
	return []*Webhook{w.clientEvent("room.client.knockCancelled", m, rs, p, now)}, nil
}

// evict removes everyone from a room being deleted: each one leaves, and the session ends. Those
// knocking just go. w.mu must be held.
func (w *Whereby) evict(m *Meeting) []*Webhook {
	rs := w.rooms[m.MeetingID]
	if rs == nil {
		return nil
	}
	now := w.now()
	var events []*Webhook
	for len(rs.present) > 0 {
		events = append(events, w.exit(m, rs, len(rs.present)-1, now)...)
	}
	rs.waiting = nil
	return events
}

func waitingNamed(rs *roomState, name string) int {
	name = strings.TrimSpace(name)
	return slices.IndexFunc(rs.waiting, func(p *Participant) bool { return p.Name == name })
}

func (w *Whereby) inRoom(m *Meeting, session string) inRoomData {
	d := inRoomData{MeetingID: m.MeetingID, RoomName: m.RoomName, Subdomain: webhookSubdomain}
	if session != "" {
		d.RoomSessionID = &session
	}
	return d
}

func (w *Whereby) sessionEvent(typ string, m *Meeting, session string, now time.Time) *Webhook {
	return newWebhook(typ, m.MeetingID, now, w.inRoom(m, session))
}

func (w *Whereby) clientEvent(typ string, m *Meeting, rs *roomState, p *Participant, now time.Time) *Webhook {
	return newWebhook(typ, m.MeetingID, now, w.client(m, rs, p))
}

func (w *Whereby) client(m *Meeting, rs *roomState, p *Participant) clientData {
	d := clientData{inRoomData: w.inRoom(m, rs.session), DisplayName: p.Name, ParticipantID: p.ID}
	if p.ExternalID != "" {
		id := p.ExternalID
		d.ExternalID = &id
	}
	return d
}

// memberEvent is a joined or left event: the counts are those after the event. A participant
// leaving the session that ends with them is reported in it.
func (w *Whereby) memberEvent(typ string, m *Meeting, rs *roomState, p *Participant, now time.Time) *Webhook {
	byRole := map[string]int{}
	for _, q := range rs.present {
		byRole[q.Role]++
	}
	return newWebhook(typ, m.MeetingID, now, memberData{
		clientData: w.client(m, rs, p), RoleName: p.Role, NumClients: len(rs.present), NumClientsByRoleName: byRole, IsDialIn: p.DialIn,
	})
}

// checkName checks a display name as the sandbox takes it from a developer.
func checkName(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fmt.Errorf("%w: a display name is required", ErrInvalid)
	case utf8.RuneCountInString(s) > maxDisplayName:
		return "", fmt.Errorf("%w: a display name has at most %d characters", ErrInvalid, maxDisplayName)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return "", fmt.Errorf("%w: a display name has no control characters", ErrInvalid)
	}
	return s, nil
}

// externalIDPattern is what Whereby takes as an externalId
// (whereby-101/customizing-rooms/using-url-parameters.md in github.com/whereby/docs).
var externalIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,36}$`)

func checkExternalID(s string) error {
	if s != "" && !externalIDPattern.MatchString(s) {
		return fmt.Errorf("%w: an externalId is A-Za-z0-9-_ and at most 36 characters", ErrInvalid)
	}
	return nil
}

// roomPageData is what the room page shows.
type roomPageData struct {
	Name       string
	Found      bool
	Host       bool // the page was opened with the room key
	Locked     bool
	Mode       string
	ExpiresAt  time.Time
	GoneAt     time.Time
	Presence   Presence
	HostIn     bool      // someone with host powers is in the room
	Webhooks   string    // where webhooks go; empty: nowhere
	Deliveries []Webhook // this room's latest deliveries, newest first
	Error      string
	// DisplayName and ExternalID are the room link's displayName and externalId parameters:
	// the name filled in, and the id the webhooks of whoever comes in by the page carry.
	DisplayName string
	ExternalID  string
}

const pageDeliveries = 10

var roomPageTmpl = template.Must(template.New("room").Funcs(template.FuncMap{
	"asset":   web.Asset,
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Found}}{{.Name}}{{else}}Room not found{{end}} · Whereby sandbox · roomkeeper</title>
<link rel="icon" href="{{asset "favicon.svg"}}" type="image/svg+xml">
<link rel="stylesheet" href="{{asset "style.css"}}">
</head>
<body>
<header class="topbar">
<span class="brand"><img src="{{asset "favicon.svg"}}" alt="" width="28" height="28"><span>roomkeeper</span><span class="where">Whereby sandbox</span></span>
</header>
<main>
{{- if .Found}}
<p class="crumbs">A stand-in for a Whereby room: join, leave and knock here, and the sandbox sends Whereby's webhooks.</p>
<div class="page-head">
<div>
<h1 id="room" class="mono">{{.Name}}</h1>
<p id="role">{{if .Host}}You hold the host key for this room.{{else}}You are a guest in this room.{{end}}
<span class="badges">{{if .Presence.Present}}<span class="badge live">{{len .Presence.Present}} in the room</span>{{end}}{{if .Locked}}<span class="badge warn">Locked</span>{{end}}</span></p>
</div>
</div>
{{- with .Error}}
<div class="alert" id="error" role="alert"><p><strong>{{.}}</strong></p></div>
{{- end}}
<div class="grid-2">
<section class="card" aria-labelledby="come-in-heading">
<h2 id="come-in-heading">Come in</h2>
<form method="post" id="come-in" class="come-in">
<div class="field"><label for="displayName">Display name</label><input type="text" id="displayName" name="displayName" required maxlength="100" autocomplete="name"{{with .DisplayName}} value="{{.}}"{{end}}></div>
{{- with .ExternalID}}
<p class="muted small">Your link names you as <span class="mono" id="external-id">{{.}}</span> (externalId): the webhooks say so.</p>
{{- end}}
<div class="actions">
{{- if .Host}}
<button class="btn primary" name="action" value="host">Join as host</button>
{{- else}}
{{- if .Locked}}
<button class="btn primary" name="action" value="knock">Knock</button>
{{- else}}
<button class="btn primary" name="action" value="join">Join</button>
{{- end}}
<button class="btn" name="action" value="dialin">Call in by phone</button>
{{- end}}
</div>
</form>
</section>
<section class="card" aria-labelledby="in-room-heading">
<h2 id="in-room-heading">In the room</h2>
{{- if .Presence.Present}}
<ul class="people" id="present">
{{- range .Presence.Present}}
<li><span>{{.Name}} · {{.Role}}{{if .DialIn}} · by phone{{end}} <span class="muted small">since <time datetime="{{rfc3339 .At}}">{{rfc3339 .At}}</time></span></span>
<form method="post" class="inline"><input type="hidden" name="participant" value="{{.ID}}"><button class="btn small" name="action" value="leave">Leave<span class="visually-hidden"> ({{.Name}})</span></button></form></li>
{{- end}}
</ul>
{{- else}}
<p id="present">Nobody is in the room.</p>
{{- end}}
{{- if .Presence.Waiting}}
<h3>Knocking</h3>
<ul class="people" id="waiting">
{{- range .Presence.Waiting}}
<li><span>{{.Name}} <span class="muted small">since <time datetime="{{rfc3339 .At}}">{{rfc3339 .At}}</time></span></span>
<form method="post" class="inline"><input type="hidden" name="participant" value="{{.ID}}">
{{- if and $.Host $.HostIn}}<button class="btn small primary" name="action" value="admit">Let in</button>{{end}}
<button class="btn small" name="action" value="cancel">Stop knocking</button></form></li>
{{- end}}
</ul>
{{- end}}
</section>
</div>
<section class="card section-card" aria-labelledby="about-heading">
<h2 id="about-heading">The room</h2>
<dl class="facts">
<dt>Mode</dt><dd id="mode">{{.Mode}}</dd>
<dt>Locked</dt><dd id="locked">{{if .Locked}}yes{{else}}no{{end}}</dd>
<dt>End date</dt><dd><time id="expires" datetime="{{rfc3339 .ExpiresAt}}">{{rfc3339 .ExpiresAt}}</time></dd>
<dt>Gone from</dt><dd><time id="gone" datetime="{{rfc3339 .GoneAt}}">{{rfc3339 .GoneAt}}</time></dd>
<dt>Session</dt><dd id="session">{{with .Presence.SessionID}}<span class="mono">{{.}}</span>{{else}}none (a session needs two people in the room){{end}}</dd>
</dl>
</section>
<h2>Webhooks</h2>
{{- if .Webhooks}}
<p id="webhooks">Sent, signed, to <code>{{.Webhooks}}</code>.</p>
{{- if .Deliveries}}
<div class="table-wrap">
<table class="data" id="deliveries">
<thead><tr><th scope="col">Created</th><th scope="col">Type</th><th scope="col">Answer</th><th scope="col" class="num">Attempts</th></tr></thead>
<tbody>
{{- range .Deliveries}}
<tr><td>{{rfc3339 .CreatedAt}}</td><td>{{.Type}}</td><td>{{if .Status}}{{.Status}}{{else if .Attempts}}no answer{{else}}held{{end}}</td><td class="num">{{.Attempts}}</td></tr>
{{- end}}
</tbody>
</table>
</div>
{{- end}}
{{- else}}
<p id="webhooks">Off: the sandbox has no webhook URL.</p>
{{- end}}
{{- else}}
<div class="card empty">
<h1>Room not found</h1>
<p id="gone">This room does not exist, was deleted or has expired.</p>
</div>
{{- end}}
</main>
</body>
</html>
`))

// roomPage shows a room: whether the visitor holds the host key, when it expires, who is in it
// and knocking, forms to come in, leave and let in, and the room's latest webhooks.
func (w *Whereby) roomPage(rw http.ResponseWriter, r *http.Request) {
	w.renderRoom(rw, r, "", http.StatusOK)
}

func (w *Whereby) renderRoom(rw http.ResponseWriter, r *http.Request, msg string, status int) {
	name := "/" + r.PathValue("name")
	key := r.URL.Query().Get("roomKey")

	q := r.URL.Query()
	data := roomPageData{Name: strings.TrimPrefix(name, "/"), Webhooks: w.hooks.url, Error: msg,
		DisplayName: q.Get("displayName"), ExternalID: q.Get("externalId")}
	w.mu.Lock()
	if m, rs, err := w.liveRoom(name); err == nil {
		data.Found = true
		data.Mode, data.Locked = m.RoomMode, m.IsLocked
		data.ExpiresAt, data.GoneAt = m.EndDate, m.EndDate.Add(roomGrace)
		data.Host = holdsKey(m, key)
		data.Presence = rs.snapshot()
		data.HostIn = slices.ContainsFunc(rs.present, func(p *Participant) bool { return hostRoles[p.Role] })
		for i := len(w.sent) - 1; i >= 0 && len(data.Deliveries) < pageDeliveries; i-- {
			if w.sent[i].MeetingID == m.MeetingID {
				data.Deliveries = append(data.Deliveries, *w.sent[i])
			}
		}
	}
	w.mu.Unlock()

	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // host links carry the key in the URL
	if !data.Found {
		status = http.StatusNotFound
	}
	var buf bytes.Buffer
	if err := roomPageTmpl.Execute(&buf, data); err != nil {
		http.Error(rw, "render room page", http.StatusInternalServerError)
		return
	}
	rw.WriteHeader(status)
	_, _ = rw.Write(buf.Bytes())
}

// holdsKey reports whether key is the room's host key, compared in constant time.
func holdsKey(m *Meeting, key string) bool {
	return key != "" && subtle.ConstantTimeCompare([]byte(m.HostRoomURL), []byte(m.RoomURL+"?roomKey="+key)) == 1
}

const maxFormBytes = 64 << 10

// roomAction runs a room page form (join, call in, join as host, knock, leave, let in, stop
// knocking) and redirects back to the page. A webhook the receiver refused does not undo the
// action: the page lists the deliveries and their answers.
func (w *Whereby) roomAction(rw http.ResponseWriter, r *http.Request) {
	name := "/" + r.PathValue("name")
	r.Body = http.MaxBytesReader(rw, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		w.renderRoom(rw, r, "The form could not be read.", http.StatusBadRequest)
		return
	}
	host := false
	w.mu.Lock()
	if m, _, err := w.liveRoom(name); err == nil {
		host = holdsKey(m, r.URL.Query().Get("roomKey"))
	}
	w.mu.Unlock()

	displayName, pid := r.PostForm.Get("displayName"), r.PostForm.Get("participant")
	// The form posts to the page's own URL: the room link's externalId, if it carried one.
	externalID := r.URL.Query().Get("externalId")
	var err error
	switch action := r.PostForm.Get("action"); action {
	case "join":
		_, err = w.JoinAs(name, displayName, externalID, "visitor", false)
	case "dialin":
		_, err = w.Join(name, displayName, "visitor", true)
	case "host":
		if !host {
			err = errNoKey
			break
		}
		_, err = w.JoinAs(name, displayName, externalID, "host", false)
	case "knock":
		err = w.KnockAs(name, displayName, externalID)
	case "leave":
		err = w.Leave(name, pid)
	case "admit":
		if !host {
			err = errNoKey
			break
		}
		err = w.do(name, func(m *Meeting, rs *roomState, now time.Time) ([]*Webhook, error) {
			return w.admit(m, rs, waitingID(rs, pid), now)
		})
	case "cancel":
		err = w.do(name, func(m *Meeting, rs *roomState, now time.Time) ([]*Webhook, error) {
			return w.cancelKnock(m, rs, waitingID(rs, pid), now)
		})
	default:
		err = fmt.Errorf("%w: unknown action %q", ErrInvalid, action)
	}
	var refused *DeliveryError
	if err != nil && !errors.As(err, &refused) {
		status := http.StatusConflict
		switch {
		case errors.Is(err, ErrNoRoom):
			status = http.StatusNotFound
		case errors.Is(err, ErrInvalid):
			status = http.StatusBadRequest
		case errors.Is(err, errNoKey):
			status = http.StatusForbidden
		}
		w.renderRoom(rw, r, strings.TrimPrefix(err.Error(), "whereby sandbox: "), status)
		return
	}
	http.Redirect(rw, r, r.URL.RequestURI(), http.StatusSeeOther)
}

func waitingID(rs *roomState, id string) int {
	return slices.IndexFunc(rs.waiting, func(p *Participant) bool { return p.ID == id })
}
