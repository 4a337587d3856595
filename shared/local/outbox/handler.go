package outbox

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	web "github.com/roomkeeper/roomkeeper/templates/console"
)

// Handler serves the outbox for people to read, under the path prefix "/outbox" (mount it at
// both "/outbox" and "/outbox/"):
//   - GET /outbox: the messages, newest first;
//   - GET /outbox/{id}: one message: headers, text part, HTML part (in a sandboxed iframe, so its
//     markup cannot script the page), calendar parts as text, and a link to the raw file;
//   - GET /outbox/{id}.eml: the raw message as message/rfc822.
//
// An unknown or malformed id is a 404.
func (o *Outbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /outbox", o.serveList)
	mux.HandleFunc("GET /outbox/{$}", o.serveList)
	mux.HandleFunc("GET /outbox/{id}", o.serveMessage)
	return mux
}

func (o *Outbox) serveList(w http.ResponseWriter, r *http.Request) {
	entries, err := o.List()
	if err != nil {
		http.Error(w, "cannot list the outbox", http.StatusInternalServerError)
		return
	}
	render(w, "list", entries)
}

func (o *Outbox) serveMessage(w http.ResponseWriter, r *http.Request) {
	id, raw := strings.CutSuffix(r.PathValue("id"), ext)
	data, err := o.Read(id)
	if errors.Is(err, booking.ErrNotFound) || booking.ErrorCode(err) == booking.Invalid {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "cannot read the message", http.StatusInternalServerError)
		return
	}
	if raw {
		w.Header().Set("Content-Type", "message/rfc822")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": id + ext}))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(data)
		return
	}
	render(w, "message", parse(id, data))
}

func render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	// A second line of defence behind escaping and the sandbox; the srcdoc iframe inherits it.
	h.Set("Content-Security-Policy", "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	_, _ = w.Write(buf.Bytes())
}

// view is one message prepared for the message page.
type view struct {
	ID        string
	Subject   string
	Headers   [][2]string
	Parts     []part
	Text      string
	HTML      string
	Calendars []part // text/calendar and application/ics parts, with Body
	Problems  []string
}

// part describes one leaf part of a message.
type part struct {
	Path     string // e.g. "1.2", as IMAP numbers parts
	Type     string // Content-Type with parameters, as written
	Filename string
	Size     int // decoded bytes
	Body     string
}

// parse prepares a raw message for display. It never fails: what it cannot read it reports in
// Problems.
func parse(id string, raw []byte) view {
	v := view{ID: id}
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil {
		v.Problems = append(v.Problems, "cannot read the message: "+err.Error())
		return v
	}
	v.Headers = decodedHeader(e.Header)
	v.Subject, _ = (&mail.Header{Header: e.Header}).Subject()
	err = e.Walk(func(path []int, e *message.Entity, err error) error {
		if err != nil {
			v.Problems = append(v.Problems, partPath(path)+": "+err.Error())
		}
		t, _, _ := e.Header.ContentType()
		if strings.HasPrefix(t, "multipart/") {
			return nil
		}
		body, err := io.ReadAll(e.Body)
		if err != nil {
			v.Problems = append(v.Problems, partPath(path)+": "+err.Error())
		}
		disp, dparams, _ := e.Header.ContentDisposition()
		p := part{Path: partPath(path), Type: e.Header.Get("Content-Type"), Filename: dparams["filename"], Size: len(body)}
		if p.Type == "" {
			p.Type = "text/plain"
		}
		attached := disp == "attachment"
		text := strings.ReplaceAll(string(body), "\r\n", "\n")
		switch {
		case t == "text/calendar" || t == "application/ics":
			c := p
			c.Body = text
			v.Calendars = append(v.Calendars, c)
		case (t == "text/plain" || t == "") && !attached && v.Text == "":
			v.Text = text
		case t == "text/html" && !attached && v.HTML == "":
			v.HTML = text
		}
		v.Parts = append(v.Parts, p)
		return nil
	})
	if err != nil {
		v.Problems = append(v.Problems, "cannot read every part: "+err.Error())
	}
	return v
}

func partPath(path []int) string {
	if len(path) == 0 {
		return "1"
	}
	s := make([]string, len(path))
	for i, n := range path {
		s[i] = strconv.Itoa(n + 1)
	}
	return strings.Join(s, ".")
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"asset": web.Asset,
	"time": func(e Entry) string {
		if e.Time.IsZero() {
			return ""
		}
		return e.Time.Format("2006-01-02 15:04:05.000 UTC")
	},
}).Parse(`
{{define "head"}}<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{{asset "favicon.svg"}}" type="image/svg+xml"><link rel="stylesheet" href="{{asset "style.css"}}">{{end}}

{{define "top"}}<header class="topbar">
<a class="brand" href="/"><img src="{{asset "favicon.svg"}}" alt="" width="28" height="28"><span>roomkeeper</span><span class="where">Outbox</span></a>
<nav aria-label="Local server"><ul><li><a href="/console">Console</a></li><li><a href="/outbox" aria-current="page">Outbox</a></li></ul></nav>
</header>{{end}}

{{define "list"}}<!DOCTYPE html>
<html lang="en"><head>{{template "head"}}<title>Outbox · roomkeeper</title></head>
<body>
{{template "top"}}
<main>
<div class="page-head"><div><h1>Outbox</h1><p>Every e-mail roomkeeper "sent" while running locally, the newest first.</p></div></div>
{{if .}}<div class="table-wrap">
<table class="data stack">
<thead><tr><th scope="col">Time</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col"><span class="visually-hidden">Raw message</span></th></tr></thead>
<tbody>
{{range .}}<tr><td data-label="Time" class="nowrap">{{time .}}</td><td data-label="To">{{.To}}</td><td data-label="Subject"><a href="/outbox/{{.ID}}">{{or .Subject "(no subject)"}}</a></td><td data-label="Raw"><a href="/outbox/{{.ID}}.eml">raw</a></td></tr>
{{end}}</tbody>
</table>
</div>{{else}}<div class="card empty"><h2>No messages yet</h2><p>Send a booking (<code>make demo</code>) and its invites show here.</p></div>{{end}}
</main>
</body></html>
{{end}}

{{define "message"}}<!DOCTYPE html>
<html lang="en"><head>{{template "head"}}<title>{{or .Subject "(no subject)"}} · Outbox · roomkeeper</title></head>
<body>
{{template "top"}}
<main>
<p class="crumbs"><a href="/outbox">Outbox</a> / <a href="/outbox/{{.ID}}.eml">raw message ({{.ID}}.eml)</a></p>
<h1>{{or .Subject "(no subject)"}}</h1>
{{range .Problems}}<div class="alert" role="alert"><p>{{.}}</p></div>
{{end}}<h2>Headers</h2>
<div class="table-wrap">
<table class="data">
{{range .Headers}}<tr><th scope="row">{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>
</div>
<h2>Parts</h2>
<div class="table-wrap">
<table class="data stack">
<thead><tr><th scope="col">Part</th><th scope="col">Type</th><th scope="col">File name</th><th scope="col" class="num">Bytes</th></tr></thead>
{{range .Parts}}<tr><td data-label="Part">{{.Path}}</td><td data-label="Type">{{.Type}}</td><td data-label="File name">{{.Filename}}</td><td data-label="Bytes" class="num">{{.Size}}</td></tr>
{{end}}</table>
</div>
{{if .Text}}<h2>Text</h2>
<pre>{{.Text}}</pre>
{{end}}{{if .HTML}}<h2>HTML</h2>
<iframe class="mail-frame" sandbox srcdoc="{{.HTML}}" title="HTML part"></iframe>
{{end}}{{range .Calendars}}<h2>Calendar ({{.Type}}{{with .Filename}}, {{.}}{{end}})</h2>
<pre>{{.Body}}</pre>
{{end}}</main>
</body></html>
{{end}}
`))
