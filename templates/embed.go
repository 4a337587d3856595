// Package templates holds roomkeeper's e-mail templates: the readable text/plain and text/html
// parts of invites, of the reminders before a meeting (reminder.*, filled in from an invite's
// view: the same links and dial-in) and of the notices sent to organizers (a failure, a guest
// waiting, an invitation that was not delivered, who came to a meeting). Package render
// (shared/invite/render) parses them (text/template for *.txt.tmpl, html/template for
// *.html.tmpl) and fills them in.
//
// pages/ holds the web pages a person's link (GET /j/{token}) answers with when it cannot send
// them to the room (shared/httpapi/join parses them with html/template): one layout and one file
// per page. They have no stylesheet of their own: they link the console's (templates/console),
// served as a file from the same origin, which their Content-Security-Policy allows ('self').
//
// The templates hold no sentence of their own: each names a message of the catalogs in i18n/
// (`{{.T "invite.join"}}`, `{{.H …}}` in HTML), so that every person reads them in their
// language.
//
// The HTML is deliberately plain: inline styles only (mail clients drop <style> blocks), no
// images, and one big link to join, so it reads the same in every client and with images off.
package templates

import "embed"

// FS holds the text and HTML templates of invite, reminder, failure, knock, undelivered and
// attendance.
//
//go:embed *.tmpl
var FS embed.FS

// I18n holds the message catalogs, i18n/active.<lang>.toml, one per language roomkeeper writes
// in (shared/locale reads them): every sentence of the mail and page templates above, which
// name messages by id, and each language's CLDR date patterns and names.
//
//go:embed i18n/*.toml
var I18n embed.FS

// Pages holds the pages of GET /j/{token} (pages/*.html.tmpl).
//
//go:embed pages/*.html.tmpl
var Pages embed.FS
