package reconcile

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// TestEachPersonInTheirLanguage: each recipient's mail is in their own language (a tag the
// source gave, matched: de-AT is German, no is Bokmål), else in ROOMKEEPER_LOCALE's (a tag
// roomkeeper has no catalog for, or none at all), subject and calendar description included.
func TestEachPersonInTheirLanguage(t *testing.T) {
	f := newFixture(t)
	f.r.Locale = "fr"
	key := f.put(func(b *booking.Booking) {
		b.Details.Organizer.Locale = "no"
		b.Details.Attendees = []booking.Person{
			{Name: "Bob Guest", Email: "bob@example.net", Locale: "de-AT"},
			{Name: "Cy Guest", Email: "cy@example.org", Locale: "ja"},
			{Name: "Di Guest", Email: "di@example.org"},
		}
	})
	f.reconcile(key)
	mails := f.mails()
	require.Len(t, mails, 4)

	ada := mails["ada@example.com"]
	assert.Contains(t, ada.Subject, "Møtet ditt: Intro call @ man. 23. nov. 2026, 11:00 CET (Europe/Oslo)")
	assert.Contains(t, ada.Text, "Møtet ditt med Bob Guest, Cy Guest og Di Guest har fått et videorom.")
	assert.Contains(t, ada.Text, "Når: mandag 23. november 2026 kl. 11:00–11:30 CET (Europe/Oslo)")
	assert.Contains(t, ada.HTML, `<html lang="nb">`)
	assert.Contains(t, string(ada.Calendar), "DESCRIPTION:Start som vert:")

	bob := mails["bob@example.net"]
	assert.Contains(t, bob.Subject, "Einladung: Intro call @ Mo., 23. Nov. 2026, 11:00 CET (Europe/Oslo)")
	assert.Contains(t, bob.Text, "Sie sind zu einem Videomeeting eingeladen.")
	assert.Contains(t, bob.HTML, `<html lang="de">`)
	assert.Contains(t, string(bob.Calendar), "DESCRIPTION:Am Meeting teilnehmen:")

	for _, to := range []string{"cy@example.org", "di@example.org"} {
		m := mails[to]
		assert.Contains(t, m.Subject, "Invitation\u00a0: Intro call @ lun. 23 nov. 2026, 11:00", to)
		assert.Contains(t, m.Text, "Vous avez reçu une invitation à une réunion vidéo.", to)
		assert.Contains(t, m.HTML, `<html lang="fr">`, to)
	}

	f.r.Locale = ""
	f.change(key, func(b *booking.Booking) { b.Details.Title = "Kickoff" })
	f.reconcile(key)
	assert.Contains(t, f.mails()["di@example.org"].Text, "This meeting has been updated.", "no ROOMKEEPER_LOCALE: English")
}

// TestNoticesInTheOrganizersLanguage: the failure notice goes in the organizer's language.
func TestNoticesInTheOrganizersLanguage(t *testing.T) {
	f := newFixture(t)
	key := f.put(func(b *booking.Booking) { b.Details.Organizer.Locale = "es" })
	f.provider.fail = func(op string) error {
		return booking.Permanent(errors.New("whereby rejected the API key (401)"))
	}
	f.reconcile(key)
	m := f.mails()["ada@example.com"]
	require.NotNil(t, m)
	assert.Contains(t, m.Subject, "No se pudo crear la sala de vídeo: Intro call")
	assert.Contains(t, m.Text, "El servicio de vídeo se ha negado a crear una sala para esta reunión")
}

// TestWhoCameInTheOrganizersLanguage: the attendance summary at cleanup is in the organizer's
// language, and ROOMKEEPER_LOCALE's when the source gave none.
func TestWhoCameInTheOrganizersLanguage(t *testing.T) {
	for _, c := range []struct{ organizer, setting, want string }{
		{"de-CH", "fr", "Niemand hat am Meeting teilgenommen."},
		{"", "nb", "Ingen ble med i møtet."},
	} {
		f := newFixture(t)
		f.r.Locale = c.setting
		key := f.put(func(b *booking.Booking) { b.Details.Organizer.Locale = c.organizer })
		f.reconcile(key)
		f.mails()
		f.at(key, 15*time.Minute)
		f.reconcile(key)
		m := f.mails()["ada@example.com"]
		require.NotNil(t, m, c.organizer)
		assert.Contains(t, m.Text, c.want, c.organizer)
	}
}
