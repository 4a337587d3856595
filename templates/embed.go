// Package templates holds roomkeeper's e-mail templates: the readable text/plain and text/html
// parts of invites and of the notices sent to organizers (a failure, a guest waiting, an
// invitation that was not delivered). Package invite parses them
// (text/template for *.txt.tmpl, html/template for *.html.tmpl) and fills them in.
//
// pages/ holds the web pages a person's link (GET /j/{token}) answers with when it cannot send
// them to the room (shared/httpapi/join parses them with html/template): one layout, one file
// per page, and one stylesheet, inlined and allowed by its hash in the pages' Content-Security-Policy.
//
// The HTML is deliberately plain: inline styles only (mail clients drop <style> blocks), no
// images, and one big link to join, so it reads the same in every client and with images off.
package templates

import "embed"

// FS holds the text and HTML templates of invite, failure, knock and undelivered.
//
//go:embed *.tmpl
var FS embed.FS

// Pages holds the pages of GET /j/{token} (pages/*.html.tmpl) and their stylesheet (pages/style.css).
//
//go:embed pages/*.html.tmpl pages/style.css
var Pages embed.FS
