// Package templates holds the readable parts of roomkeeper's e-mails: invitations, the notice to
// an organizer whose room could not be made, and the notice that a guest is waiting with no host
// in the room. Package invite fills in the views (views.go) and assembles the messages.
//
// The text/html parts are templ components (*.templ, github.com/a-h/templ), compiled to Go
// (*_templ.go, committed) by `go generate ./templates`; templ escapes every value for where it stands and
// refuses link schemes other than http(s), mailto and tel. The text/plain parts are plain Go
// (text.go). Edit the wording in both.
//
// The HTML is deliberately plain: inline styles only (mail clients drop <style> blocks), no
// images, and one big link to join, so it reads the same in every client and with images off.
package templates

//go:generate go tool templ generate -path .
