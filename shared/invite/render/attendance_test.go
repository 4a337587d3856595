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

func attendance() *invite.Attendance {
	return &invite.Attendance{
		From:             from,
		Organizer:        ada,
		Title:            "Intro call",
		Start:            start,
		End:              start.Add(30 * time.Minute),
		OrganizerJoined:  true,
		OrganizerMinutes: 31,
		Invitees: []invite.AttendanceInvitee{
			{Person: bob, Joined: true, First: start.Add(2 * time.Minute), Last: start.Add(29 * time.Minute), Minutes: 27},
			{Person: booking.Person{Email: "cleo@example.org"}},
			{Person: booking.Person{Name: "Dan Late", Email: "dan@example.org"}, Joined: true, First: start.Add(20 * time.Minute), Minutes: 10},
		},
		Others:        []invite.AttendanceOther{{Name: "Eve Visitor", Minutes: 5}, {Minutes: 1}},
		DialInCalls:   2,
		DialInMinutes: 12,
		TotalMinutes:  86,
		Stamp:         start.Add(45 * time.Minute),
	}
}

func TestRenderAttendanceGolden(t *testing.T) {
	msg, err := renderer.Attendance(attendance())
	require.NoError(t, err)
	assert.Equal(t, []string{ada.Email}, msg.To, "only the organizer")
	m := invitetest.Parse(t, msg.Raw)
	assert.Empty(t, m.Calendar)
	assert.Equal(t, "Who came: Intro call @ Mon 23 Nov 2026 16:00 CET (Europe/Oslo)", m.Subject)
	for _, part := range []string{m.Text, m.HTML} {
		// Times in the organizer's zone (Europe/Oslo, UTC+1).
		assert.Contains(t, part, "Bob Guest: joined 16:02, left 16:29, 27 min")
		assert.Contains(t, part, "cleo@example.org: ")
		assert.Contains(t, part, "did not join")
		assert.Contains(t, part, "Dan Late: joined 16:20, still in the room when it closed, 10 min")
		assert.Contains(t, part, "Eve Visitor: 5 min")
		assert.Contains(t, part, "Someone with no name: 1 min")
		assert.Contains(t, part, "2 calls, 12 min")
		assert.Contains(t, part, "You were in the room for 31 min.")
		assert.Contains(t, part, "86")
		assert.NotContains(t, part, "Nobody joined")
		assert.NotContains(t, part, "http", "no link of any kind")
	}
	for _, lang := range locale.Languages {
		a := attendance()
		a.Organizer.Locale = lang
		// One who left past midnight in Oslo: the day is shown.
		a.Invitees = append(a.Invitees, invite.AttendanceInvitee{Person: booking.Person{Name: "Fay Night", Email: "fay@example.org"},
			Joined: true, First: start.Add(25 * time.Minute), Last: start.Add(10 * time.Hour), Minutes: 575})
		msg, err := renderer.Attendance(a)
		require.NoError(t, err, lang)
		invitetest.ParseStructure(t, msg.Raw)
		golden(t, lang, "attendance", dump(t, msg.Raw))
	}
}

func TestRenderAttendanceNobodyJoined(t *testing.T) {
	a := attendance()
	a.OrganizerJoined, a.OrganizerMinutes, a.Others, a.DialInCalls, a.DialInMinutes, a.TotalMinutes = false, 0, nil, 0, 0, 0
	for i := range a.Invitees {
		a.Invitees[i] = invite.AttendanceInvitee{Person: a.Invitees[i].Person}
	}
	msg, err := renderer.Attendance(a)
	require.NoError(t, err)
	m := invitetest.Parse(t, msg.Raw)
	for _, part := range []string{m.Text, m.HTML} {
		assert.Contains(t, part, "Nobody joined the meeting.")
		assert.Contains(t, part, "did not join")
		assert.NotContains(t, part, "Phone callers")
		assert.NotContains(t, part, "Others who joined")
		assert.NotContains(t, part, "You did not join", "nobody joined says it all")
	}
	assert.Contains(t, m.Text, "- Bob Guest: did not join")
}

func TestRenderAttendanceOneCallAndADayLater(t *testing.T) {
	a := attendance()
	a.DialInCalls = 1
	a.Invitees[0].Last = start.Add(10 * time.Hour) // past midnight in Oslo
	msg, err := renderer.Attendance(a)
	require.NoError(t, err)
	m := invitetest.Parse(t, msg.Raw)
	assert.Contains(t, m.Text, "Phone callers: 1 call, 12 min")
	assert.Contains(t, m.Text, "left Tue 24 Nov 02:00")
}

func TestRenderAttendanceRefusesBadInput(t *testing.T) {
	for _, tt := range []struct {
		name  string
		spoil func(*invite.Attendance)
	}{
		{"no organizer address", func(a *invite.Attendance) { a.Organizer.Email = "" }},
		{"unknown zone", func(a *invite.Attendance) { a.Organizer.TimeZone = "Mars/Olympus" }},
		{"no stamp", func(a *invite.Attendance) { a.Stamp = time.Time{} }},
		{"end before start", func(a *invite.Attendance) { a.End = a.Start }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := attendance()
			tt.spoil(a)
			_, err := renderer.Attendance(a)
			assert.Error(t, err)
		})
	}
}
