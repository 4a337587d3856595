package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/browser"
)

// TestLanguagesEndToEnd runs the local server with ROOMKEEPER_LOCALE=es: the organizer, whose
// generic event says "de", gets German mail; Bob ("fr-CA") French; Cleo, added with no language,
// Spanish. After the cancellation Bob's link answers in French; a tampered link in the browser's
// language, and without one in Spanish.
func TestLanguagesEndToEnd(t *testing.T) {
	s := newStack(t, map[string]string{"ROOMKEEPER_LOCALE": "es"})
	run := "languages"
	status, body := s.post("booking-created.json", run, func(v map[string]any) {
		d := v["data"].(map[string]any)
		d["organizer"].(map[string]any)["locale"] = "de"
		d["attendees"] = []any{
			map[string]any{"name": "Bob Guest", "email": bob, "timeZone": "America/New_York", "locale": "fr-CA"},
			map[string]any{"name": "Cleo", "email": cleo},
		}
	})
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	mails := s.mail()
	org, guest, other := to(t, mails, organizer), to(t, mails, bob), to(t, mails, cleo)
	assert.True(t, strings.HasPrefix(org.Subject, "Ihr Meeting: Intro call @ "), org.Subject)
	assert.Contains(t, org.Text, "Für Ihr Meeting mit Bob Guest und Cleo steht ein Videoraum bereit.")
	assert.Contains(t, org.HTML, `<html lang="de">`)
	assert.True(t, strings.HasPrefix(guest.Subject, "Invitation\u00a0: Intro call @ "), guest.Subject)
	assert.Contains(t, guest.Text, "Vous avez reçu une invitation à une réunion vidéo.")
	assert.Contains(t, strings.ReplaceAll(string(guest.Calendar), "\r\n ", ""), "DESCRIPTION:Rejoindre la réunion\u00a0:")
	assert.Contains(t, other.Text, "Ha recibido una invitación a una reunión por vídeo.", "no language given: ROOMKEEPER_LOCALE")
	bobLink := s.joinLinks(guest.Text)[0]

	s.clock.Add(time.Minute)
	status, body = s.post("booking-cancelled.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	assert.Contains(t, to(t, s.mail(), bob).Text, "Cette réunion a été annulée.")

	p := s.get(bobLink)
	assert.Equal(t, http.StatusGone, p.status)
	assert.Equal(t, "fr", p.header.Get("Content-Language"))
	assert.Contains(t, p.body, `<html lang="fr">`)
	assert.Contains(t, p.body, "Cette réunion a été annulée")

	// In a browser (whose own language is English), Bob's page is still his.
	tab := browsers.Tab(t, s.srv.URL)
	path := strings.TrimPrefix(bobLink, s.cfg.PublicURL)
	tab.Expect(path, http.StatusGone)
	tab.Open(path)
	assert.Equal(t, "fr", browser.Run(tab, chromedp.Evaluate[string](`document.documentElement.lang`)))
	assert.Equal(t, "Cette réunion a été annulée", tab.Text("h1"))
	tab.Screenshot("link-cancelled-fr")

	tampered := bobLink[:len(bobLink)-4] + "AAAA"
	for accept, want := range map[string]string{"nb-NO,en;q=0.8": "Denne lenken er ikke gyldig", "": "Este enlace no es válido"} {
		req, err := http.NewRequest(http.MethodGet, tampered, nil)
		require.NoError(t, err)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b := new(strings.Builder)
		_, _ = io.Copy(b, resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, accept)
		assert.Contains(t, b.String(), want, accept)
	}
}
