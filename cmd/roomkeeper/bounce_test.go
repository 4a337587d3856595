package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/invite/render"
)

// sentTo returns the messages to an address, oldest first.
func sentTo(mails map[string][]*invitetest.Mail, addr string) []*invitetest.Mail {
	var out []*invitetest.Mail
	for to, ms := range mails {
		if strings.Contains(to, addr) {
			out = append(out, ms...)
		}
	}
	return out
}

// TestABouncedGuestLocally takes the path a deployment takes with SES's events, with the outbox
// told to bounce Bob's address: Bob's invitation bounces, the organizer hears of it once, the
// admin API shows it on Bob's invite, and Bob gets no more mail about the booking.
func TestABouncedGuestLocally(t *testing.T) {
	s := newStack(t, nil)
	s.app.outbox.Bounce(bob)
	run := "bounced"
	status, body := s.post("booking-created.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()

	mails := s.mail()
	require.Len(t, sentTo(mails, bob), 1, "Bob's invitation went out, and bounced")
	org := sentTo(mails, organizer)
	require.Len(t, org, 2, "the invitation and one notice")
	var notice *invitetest.Mail
	for _, m := range org {
		if strings.HasPrefix(m.Subject, "Invitation not delivered") {
			notice = m
		}
	}
	require.NotNil(t, notice)
	assert.Equal(t, "Invitation not delivered to Bob Guest: Intro call", notice.Subject)
	assert.Contains(t, notice.Text, "Bob Guest <"+bob+">", "which guest's address failed")

	key := s.booking(run).Key
	req, err := http.NewRequest(http.MethodGet, "http://"+s.cfg.Addr+"/v1/bookings/"+key, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var view struct {
		Invites []struct {
			Email       string
			MailProblem *struct {
				Kind          string
				Type          string
				Stopped       bool
				OrganizerTold bool
			}
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&view))
	found := false
	for _, inv := range view.Invites {
		if inv.Email == bob {
			found = true
			require.NotNil(t, inv.MailProblem)
			assert.Equal(t, "bounce", inv.MailProblem.Kind)
			assert.Equal(t, "Permanent/General", inv.MailProblem.Type)
			assert.True(t, inv.MailProblem.Stopped)
			assert.True(t, inv.MailProblem.OrganizerTold)
		} else {
			assert.Nil(t, inv.MailProblem, inv.Email)
		}
	}
	assert.True(t, found)

	s.clock.Add(time.Minute)
	status, body = s.post("booking-updated.json", run)
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	mails = s.mail()
	assert.Len(t, mails, 2, "the organizer and Cleo")
	assert.Empty(t, sentTo(mails, bob), "no more mail to Bob")
	assert.Len(t, sentTo(mails, cleo), 1)
	assert.Contains(t, s.logBuf.String(), "mail event recorded")
}

// TestMailSentOutsideARunIsReportedAtTheSweep: the outbox's reports of mail no worker run sent
// (an admin request's inline run, say) are taken at the next sweep.
func TestMailSentOutsideARunIsReportedAtTheSweep(t *testing.T) {
	s := newStack(t, nil)
	status, body := s.post("booking-created.json", "outside")
	require.Equal(t, http.StatusAccepted, status, body)
	s.work()
	key := s.booking("outside").Key
	s.app.outbox.Complain(bob)
	now := s.clock.Now()
	msg, err := render.Renderer{}.Failure(&invite.Failure{From: s.cfg.MailFrom, Organizer: booking.Person{Email: bob},
		Title: "Intro call", Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Kind: booking.FailureRefused, Stamp: now})
	require.NoError(t, err)
	msg.Key = key
	_, err = s.app.outbox.Send(context.Background(), msg)
	require.NoError(t, err)
	s.mail()

	s.sweep()
	p := s.booking("outside").InviteFor(bob).Problem
	require.NotNil(t, p, "recorded at the sweep")
	assert.Equal(t, booking.MailComplained, p.Kind)
	assert.True(t, p.Notified, "and the organizer told")
}
