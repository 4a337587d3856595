// Package templates holds roomkeeper's e-mail templates: the readable text/plain and text/html
// parts of invites and of the notices sent to organizers (a failure, a guest waiting, an
// invitation that was not delivered). Package invite parses them
// (text/template for *.txt.tmpl, html/template for *.html.tmpl) and fills them in.
//
// The HTML is deliberately plain: inline styles only (mail clients drop <style> blocks), no
// images, and one big link to join, so it reads the same in every client and with images off.
package templates

import "embed"

// FS holds the text and HTML templates of invite, failure, knock and undelivered.
//
//go:embed *.tmpl
var FS embed.FS
