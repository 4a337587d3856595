// Package console holds the look of roomkeeper's web pages: the operator console's page
// templates (html/template, *.html), one stylesheet, one small script (the copy buttons, the only
// JavaScript) and the icon, all embedded in the binary, so the console needs no build step and no
// file from outside it. shared/httpapi/console fills the templates in.
//
// The static files are served under StaticPath with a content hash in their names (Asset), so a
// browser may keep them for a year and a new build is fetched at once. The other web pages — the
// pages a person's link answers with (GET /j/{token}, shared/httpapi/join), and the local
// server's outbox and Whereby sandbox's room pages — link the same stylesheet and icon, so
// roomkeeper looks like one product; they are served even while the console is off. Every page obeys a Content-Security-Policy without
// 'unsafe-inline': no inline script, no style attribute, no <style> element.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

// FS holds the page templates (*.html) and the static files (static/).
//
//go:embed *.html static
var FS embed.FS

// StaticPath is where the static files are served.
const StaticPath = "/console/static/"

// file is one static file.
type file struct {
	body        []byte
	contentType string
}

// statics are the static files by their hashed names ("style.1a2b3c4d5e.css") and the hashed
// name of each plain one ("style.css").
type statics struct {
	byHashed map[string]file
	hashed   map[string]string
}

// static hashes the static files on first use, so that a cold start reads and hashes nothing.
var static = sync.OnceValue(func() statics {
	s := statics{byHashed: map[string]file{}, hashed: map[string]string{}}
	entries, err := fs.ReadDir(FS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := fs.ReadFile(FS, "static/"+e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		name := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:5]) + ext
		s.hashed[e.Name()] = name
		s.byHashed[name] = file{body: body, contentType: mime.TypeByExtension(ext)}
	}
	return s
})

// Asset returns the URL path of a static file by its plain name ("style.css", "console.js",
// "favicon.svg"), with its content hash in the name. An unknown name is a programming error:
// Asset panics, and every page's test catches it.
func Asset(name string) string {
	h, ok := static().hashed[name]
	if !ok {
		panic("console: no static file " + name)
	}
	return StaticPath + h
}

// Static serves the static files by their hashed names (GET and HEAD), cacheable for a year,
// since a changed file gets a new name. Any other name is a 404.
func Static() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := static().byHashed[strings.TrimPrefix(r.URL.Path, StaticPath)]
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(f.body)
	})
}
