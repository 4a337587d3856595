package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/faultproxy"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
)

// soakFigures is what the soak counted: the run, and each figure it asserts.
type soakFigures struct {
	arcs                 map[string]int
	confirmed, cancelled int
	messages             int
	roomsMade            int // POST /meetings that reached the sandbox
	tagsMadeTwice        int // of them, made under a tag a room had already been made under
	roomsDeleted         int // DELETE /meetings that reached the sandbox
	roomsLive            int
	listPages            int // GET /meetings pages that reached the sandbox: recovery and the reaper
	insights             int // GET /insights/… that reached it: a deleted room's usage

	lost               int // a booking not as its last delivery says: no room or more, a participant without the current invite, a wrong state or time
	duplicateRooms     int // live rooms beyond the first of a booking
	orphanRooms        int // live rooms no confirmed booking has as its room
	cancelledWithRoom  int // cancelled bookings with a room, at the provider or on record
	hostLinks          int // messages to a guest carrying a host link
	staleInvites       int // removed guests and people of cancelled bookings whose last message is no CANCEL
	duplicateInvites   int // messages repeating a (recipient, UID, SEQUENCE, METHOD) sent before
	possibleDuplicates int // the records' count of invites re-sent after a stopped run
	failureNotices     int // "video room not set up" mail to organizers
	rejected           int // deliveries answered with a 4xx
	problems           []string
	logLeaks           []string

	duration time.Duration
}

// soakMail is one message of the outbox.
type soakMail struct {
	id   string
	at   time.Time
	to   string
	mail *invitetest.Mail
}

// check compares what the provider and the outbox hold with what each booking must have ended as.
func (s *soak) check(bookings []*soakBooking) *soakFigures {
	s.t.Helper()
	f := &soakFigures{arcs: map[string]int{}}
	f.rejected = len(s.rejections)
	for _, r := range s.rejections {
		f.problem("delivery refused: %s", r)
	}

	// The provider's rooms, by the booking their tag names.
	own := booking.DeploymentTag("soak")
	live := map[string][]sandbox.Meeting{}
	for _, m := range s.sandbox.Rooms() {
		f.roomsLive++
		tag, ok := booking.ParseTag(m.RoomName)
		if !ok || tag.Deployment != own {
			f.orphanRooms++
			f.problem("room %s carries no tag of this deployment", m.MeetingID)
			continue
		}
		live[tag.Key] = append(live[tag.Key], m)
	}
	madeUnder := map[string]int{}
	for _, r := range s.sandbox.Requests() {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/meetings"):
			f.roomsMade++
			var body struct{ RoomNamePrefix string }
			_ = json.Unmarshal(r.Body, &body)
			if tag, ok := booking.ParseTag(body.RoomNamePrefix); ok {
				if madeUnder[tag.String()]++; madeUnder[tag.String()] == 2 {
					f.tagsMadeTwice++
				}
			}
		case r.Method == http.MethodDelete:
			f.roomsDeleted++
		case r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/meetings"):
			f.listPages++
		case r.Method == http.MethodGet && strings.Contains(r.Path, "/insights/"):
			f.insights++
		}
	}

	// The outbox, by recipient, oldest first.
	ob, err := outbox.New(filepath.Join(s.dir, "outbox"), nil)
	require.NoError(s.t, err)
	entries, err := ob.List()
	require.NoError(s.t, err)
	owner := map[string]*soakBooking{}
	for _, b := range bookings {
		for _, p := range b.people {
			owner[p] = b
		}
	}
	byTo := map[string][]soakMail{}
	seen := map[string]int{}
	for _, e := range entries {
		raw, err := ob.Read(e.ID)
		require.NoError(s.t, err)
		m := invitetest.ParseStructure(s.t, raw)
		addr, err := mail.ParseAddress(m.To)
		require.NoError(s.t, err, "To of message %s", e.ID)
		to := strings.ToLower(addr.Address)
		b := owner[to]
		require.NotNil(s.t, b, "message %s to someone no booking names", e.ID)
		f.messages++
		if len(m.Calendar) == 0 {
			f.failureNotices++
			f.problem("%s: the organizer was told the room could not be made", b.id)
			continue
		}
		if to != b.organizer && hasHostLink(m) {
			f.hostLinks++
			f.problem("%s: a guest's %s carries a host link", b.id, m.Method)
		}
		if seen[fmt.Sprint(to, m.UID, m.Sequence, m.Method)]++; seen[fmt.Sprint(to, m.UID, m.Sequence, m.Method)] > 1 {
			f.duplicateInvites++
		}
		byTo[to] = append(byTo[to], soakMail{id: e.ID, at: e.Time, to: to, mail: m})
	}
	for _, ms := range byTo {
		slices.SortFunc(ms, func(a, b soakMail) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return strings.Compare(a.id, b.id)
		})
	}

	referenced := map[string]bool{} // live rooms a confirmed booking records, by room name
	roomPages := s.sandboxURL + "/sandbox/whereby/rooms/"
	for _, b := range bookings {
		f.arcs[b.arc]++
		v, err := s.booking(b.id)
		if err != nil {
			f.lost++
			f.problem("%s (%s): %v", b.id, b.arc, err)
			continue
		}
		f.possibleDuplicates += v.PossibleDuplicates
		rooms := live[b.key]
		f.duplicateRooms += max(len(rooms)-1, 0)
		if b.final == nil {
			f.cancelled++
			if v.Status != booking.Cancelled {
				f.lost++
				f.problem("%s (%s): %s, not cancelled", b.id, b.arc, v.Status)
			}
			if len(rooms) > 0 || v.Room != nil || len(v.RetiredRooms) > 0 {
				f.cancelledWithRoom++
				f.problem("%s (%s): cancelled, with %d rooms at the provider", b.id, b.arc, len(rooms))
			}
			for _, p := range b.people {
				if ms := byTo[p]; len(ms) > 0 && ms[len(ms)-1].mail.Method != string(booking.Cancel) {
					f.staleInvites++
					f.problem("%s (%s): cancelled, but %s's last message is a %s", b.id, b.arc, b.role(p), ms[len(ms)-1].mail.Method)
				}
			}
			continue
		}

		f.confirmed++
		var why []string
		switch {
		case v.Status != booking.Confirmed:
			why = append(why, string(v.Status))
		case v.Failure != nil:
			why = append(why, "failure: "+v.Failure.Message)
		case !v.Start.Equal(b.final.start):
			why = append(why, "starts at "+v.Start.Format(time.RFC3339)+", not as last delivered")
		case v.Room == nil:
			why = append(why, "no room on record")
		case len(v.RetiredRooms) > 0:
			why = append(why, fmt.Sprintf("%d replaced rooms not deleted", len(v.RetiredRooms)))
		case len(rooms) != 1:
			why = append(why, fmt.Sprintf("%d rooms at the provider", len(rooms)))
		case rooms[0].RoomName != v.Room.RoomName:
			why = append(why, "the room on record is not the provider's")
		}
		if v.Room != nil {
			referenced[v.Room.RoomName] = true
		}
		for _, p := range b.participants() {
			ms := byTo[p]
			if len(ms) == 0 {
				why = append(why, b.role(p)+" got nothing")
				continue
			}
			last := ms[len(ms)-1].mail
			switch {
			case last.Method != string(booking.Request) || last.Sequence != v.Sequence:
				why = append(why, fmt.Sprintf("%s's last message is %s %d, not REQUEST %d", b.role(p), last.Method, last.Sequence, v.Sequence))
			case v.Room != nil && strings.Contains(last.Text, roomPages) && !strings.Contains(last.Text, v.Room.GuestURL):
				why = append(why, b.role(p)+"'s invite links to another room")
			case len(rooms) == 1 && !s.leadsTo(last.Text, rooms[0].RoomURL):
				why = append(why, b.role(p)+"'s invite link does not lead to the room")
			}
		}
		if len(why) > 0 {
			f.lost++
			f.problem("%s (%s): %s", b.id, b.arc, strings.Join(why, "; "))
		}
		for _, p := range b.people {
			if slices.Contains(b.participants(), p) {
				continue
			}
			if ms := byTo[p]; len(ms) > 0 && ms[len(ms)-1].mail.Method != string(booking.Cancel) {
				f.staleInvites++
				f.problem("%s (%s): %s was removed, but their last message is a %s", b.id, b.arc, b.role(p), ms[len(ms)-1].mail.Method)
			}
		}
	}
	for _, rooms := range live {
		for _, m := range rooms {
			if !referenced[m.RoomName] {
				f.orphanRooms++
				f.problem("room %s is no confirmed booking's room", m.MeetingID)
			}
		}
	}
	return f
}

// joinLink matches roomkeeper's own link in a message.
var joinLink = regexp.MustCompile(`https?://[^\s<>"]+/j/[A-Za-z0-9_-]+`)

// leadsTo reports whether the first of roomkeeper's own links in a message's text answers with a
// redirect to the room (the guest link, or the host link with its key), as it does at click time.
func (s *soak) leadsTo(text, roomURL string) bool {
	link := joinLink.FindString(text)
	if link == "" {
		return false
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(link)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), roomURL)
}

// hasHostLink reports whether a message carries a host link: a Whereby room key, or roomkeeper's
// own host redirect.
func hasHostLink(m *invitetest.Mail) bool {
	all := m.Text + m.HTML + string(m.Calendar)
	return strings.Contains(all, "roomKey") || strings.Contains(all, "/v1/host/")
}

// problem notes what went wrong, up to a screenful.
func (f *soakFigures) problem(format string, args ...any) {
	if len(f.problems) < 20 {
		f.problems = append(f.problems, fmt.Sprintf(format, args...))
	}
}

// report lays the figures out for the log.
func (f *soakFigures) report(s *soak) string {
	var b strings.Builder
	c := s.proxy.Counts()
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	row := func(name string, format string, args ...any) {
		fmt.Fprintf(w, "%s\t%s\n", name, fmt.Sprintf(format, args...))
	}
	arcs := []string{}
	for _, a := range soakArcs {
		arcs = append(arcs, fmt.Sprintf("%s %d", a.name, f.arcs[a.name]))
	}
	row("bookings", "%d (%s): %d confirmed, %d cancelled", *soakN, strings.Join(arcs, ", "), f.confirmed, f.cancelled)
	row("seed", "%d", *soakSeed)
	answers := []string{}
	for k, n := range s.answers {
		answers = append(answers, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(answers)
	row("deliveries", "%d posts, %d of them again after no answer or a 5xx; acknowledged: %s", s.posts, s.retries, strings.Join(answers, ", "))
	mode := "after a wave settled"
	if *soakCrash {
		mode = "mid-run"
	}
	row("kills", "%d (SIGKILL, %s), %d processes", s.kills, mode, s.started)
	faults := []string{}
	total := 0
	for _, k := range faultproxy.Faults {
		faults = append(faults, fmt.Sprintf("%s %d", k, c.Faults[k]))
		total += c.Faults[k]
	}
	row("provider requests", "%d, %d reached the sandbox; faults %d (%.0f%% asked): %s", c.Requests, c.Forwarded, total, *soakFaults*100, strings.Join(faults, ", "))
	row("rooms", "%d made (%d under a tag already used), %d deletes, %d list pages read, %d insights read, %d live", f.roomsMade, f.tagsMadeTwice, f.roomsDeleted, f.listPages, f.insights, f.roomsLive)
	row("messages", "%d", f.messages)
	row("duration", "%s: delivering %s, settling %s (the last time %s)", f.duration.Round(time.Second), s.deliverDur.Round(time.Second), s.settleDur.Round(time.Second), s.lastSettle.Round(time.Second))
	row("lost bookings", "%d", f.lost)
	row("duplicate rooms", "%d", f.duplicateRooms)
	row("orphan rooms", "%d", f.orphanRooms)
	row("cancelled bookings keeping a room", "%d", f.cancelledWithRoom)
	row("host links in guest mail", "%d", f.hostLinks)
	row("stale invitations", "%d", f.staleInvites)
	row("duplicate invites", "%d (counted by the records: %d; kills: %d)", f.duplicateInvites, f.possibleDuplicates, s.kills)
	row("failure notices", "%d", f.failureNotices)
	row("deliveries refused", "%d", f.rejected)
	row("log leaks", "%d", len(f.logLeaks))
	_ = w.Flush()
	for _, p := range f.problems {
		b.WriteString("  " + p + "\n")
	}
	return b.String()
}
