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
	"time": func(e Entry) string {
		if e.Time.IsZero() {
			return ""
		}
		return e.Time.Format("2006-01-02 15:04:05.000 UTC")
	},
}).Parse(`
{{define "style"}}<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.75rem;border:1px solid #ddd}
iframe{width:100%;height:32rem;border:1px solid #ddd;background:#fff}
.problem{color:#a00}
</style>{{end}}

{{define "list"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Outbox</title>{{template "style"}}</head>
<body>
<h1>Outbox</h1>
{{if .}}<table>
<thead><tr><th>Time</th><th>To</th><th>Subject</th><th></th></tr></thead>
<tbody>
{{range .}}<tr><td>{{time .}}</td><td>{{.To}}</td><td><a href="/outbox/{{.ID}}">{{or .Subject "(no subject)"}}</a></td><td><a href="/outbox/{{.ID}}.eml">raw</a></td></tr>
{{end}}</tbody>
</table>{{else}}<p>No messages yet.</p>{{end}}
</body></html>
{{end}}

{{define "message"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{or .Subject "(no subject)"}} · Outbox</title>{{template "style"}}</head>
<body>
<p><a href="/outbox">← Outbox</a> · <a href="/outbox/{{.ID}}.eml">raw message ({{.ID}}.eml)</a></p>
<h1>{{or .Subject "(no subject)"}}</h1>
{{range .Problems}}<p class="problem">{{.}}</p>
{{end}}<h2>Headers</h2>
<table>
{{range .Headers}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>
<h2>Parts</h2>
<table>
<thead><tr><th>Part</th><th>Type</th><th>File name</th><th>Bytes</th></tr></thead>
{{range .Parts}}<tr><td>{{.Path}}</td><td>{{.Type}}</td><td>{{.Filename}}</td><td>{{.Size}}</td></tr>
{{end}}</table>
{{if .Text}}<h2>Text</h2>
<pre>{{.Text}}</pre>
{{end}}{{if .HTML}}<h2>HTML</h2>
<iframe sandbox srcdoc="{{.HTML}}" title="HTML part"></iframe>
{{end}}{{range .Calendars}}<h2>Calendar ({{.Type}}{{with .Filename}}, {{.}}{{end}})</h2>
<pre>{{.Body}}</pre>
{{end}}</body></html>
{{end}}
`))
