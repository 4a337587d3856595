// Package templates holds roomkeeper's e-mail templates: the readable text/plain and text/html
// parts of invites and of the failure notice sent to organizers. Package invite parses them
// (text/template for *.txt.tmpl, html/template for *.html.tmpl) and fills them in.
//
// The HTML is deliberately plain: inline styles only (mail clients drop <style> blocks), no
// images, and one big link to join, so it reads the same in every client and with images off.
package templates

import "embed"

// FS holds invite.txt.tmpl, invite.html.tmpl, failure.txt.tmpl and failure.html.tmpl.
//
//go:embed *.tmpl
var FS embed.FS
