package render_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/locale"
)

func undelivered(kind booking.MailEventKind, permanent bool) *invite.Undelivered {
	return &invite.Undelivered{
		From:      from,
		Organizer: ada,
		Title:     "Intro call",
		Start:     start,
		End:       start.Add(30 * time.Minute),
		Guest:     bob,
		Problem:   booking.MailProblem{Kind: kind, Type: "Permanent/General", Permanent: permanent, At: stamp},
		Stamp:     stamp,
	}
}

func TestRenderUndeliveredGolden(t *testing.T) {
	msg, err := renderer.Undelivered(undelivered(booking.MailBounced, true))
	require.NoError(t, err)
	assert.Equal(t, []string{ada.Email}, msg.To, "only the organizer")
	m := invitetest.Parse(t, msg.Raw)
	assert.Empty(t, m.Calendar)
	assert.Equal(t, "Invitation not delivered to Bob Guest: Intro call", m.Subject)
	assert.Contains(t, m.Text, "The invitation to Bob Guest <bob@example.net> for Intro call (Monday 23 November 2026, 16:00–16:30 CET (Europe/Oslo)) could not be delivered")
	assert.Contains(t, m.Text, "no more mail to this address")
	assert.Contains(t, m.HTML, "bob@example.net")
	for _, lang := range locale.Languages {
		for _, c := range []struct {
			name      string
			kind      booking.MailEventKind
			permanent bool
		}{{"undelivered", booking.MailBounced, true}, {"undelivered-once", booking.MailBounced, false}, {"undelivered-complaint", booking.MailComplained, true}} {
			u := undelivered(c.kind, c.permanent)
			u.Organizer.Locale = lang
			msg, err := renderer.Undelivered(u)
			require.NoError(t, err, lang)
			invitetest.ParseStructure(t, msg.Raw)
			golden(t, lang, c.name, dump(t, msg.Raw))
		}
	}
}

func TestRenderUndeliveredSaysWhatHappened(t *testing.T) {
	for _, tt := range []struct {
		name      string
		kind      booking.MailEventKind
		permanent bool
		want      []string
		not       []string
	}{
		{"a soft bounce", booking.MailBounced, false, []string{"could not be delivered.", "check the address"}, []string{"no more mail"}},
		{"a complaint", booking.MailComplained, true, []string{"marked as unwanted", "no more mail", "another way"}, []string{"check the address"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := renderer.Undelivered(undelivered(tt.kind, tt.permanent))
			require.NoError(t, err)
			m := invitetest.Parse(t, msg.Raw)
			for _, s := range tt.want {
				assert.Contains(t, m.Text, s)
				assert.Contains(t, m.HTML, s)
			}
			for _, s := range tt.not {
				assert.NotContains(t, m.Text, s)
			}
		})
	}
	u := undelivered(booking.MailBounced, true)
	u.Guest.Email = "not an address"
	_, err := renderer.Undelivered(u)
	assert.Error(t, err)
}
