// Package invite says what the e-mails roomkeeper sends contain: an invitation, update, reminder
// or cancellation to one recipient (Invite), and the notices to an organizer — a room that could
// not be set up (Failure), a guest waiting (Knock), an invitation not delivered (Undelivered), who
// came (Attendance) — and how a meeting's times read in a person's zone and language (When;
// Location, ReadableRange and ReadableStart, which the renderer writes them with), which the
// pages behind a person's link show as the mail does.
//
// Turning them into messages is package render (shared/invite/render): the iCalendar object
// (github.com/emersion/go-ical, which brings github.com/teambition/rrule-go), the MIME tree
// (github.com/emersion/go-message) and the text and HTML templates. The two are apart so that a
// process that sends no mail does not link the renderer, whose package inits alone cost a cold
// start about half a millisecond: the admin and slack functions build a reconciler with no Mailer
// (shared/reconcile) and the join pages only show times, so they import this package and not
// render. shared/deps_test.go holds that rule.
package invite

import (
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Invite is one recipient's invitation, update or cancellation.
type Invite struct {
	Method   booking.Method // booking.Request or booking.Cancel
	UID      string         // stable calendar UID
	Sequence int
	// Updated says the recipient holds an earlier version: the message says "Updated
	// invitation". A guest added to a booking gets a first invitation at a later sequence.
	Updated bool
	Stamp   time.Time // when it is sent: DTSTAMP and the Date header

	Title, Description string
	// CancelReason is the reason the source gave for a cancellation, shown in a CANCEL instead
	// of the description (which no longer matters); "" when none was given.
	CancelReason string
	Start, End   time.Time

	// Organizer is the ORGANIZER (mailto:), and the Reply-To of a guest's message: the
	// organizer's own message has no Reply-To.
	Organizer booking.Person
	// Attendees are the ATTENDEEs the calendar lists: a guest's own message lists just that
	// guest, the organizer's lists every guest.
	Attendees []booking.Person
	// Recipient is the To: address. Recipient.TimeZone is the IANA zone readable times are shown
	// in, and Recipient.Locale the language (BCP 47) the message is written in, both already
	// resolved by the caller; "" means UTC, and a language roomkeeper does not write means
	// English.
	Recipient booking.Person
	// Host says the recipient is the organizer: the message shows the host link and the guest
	// link to share. The renderer refuses Host for a recipient other than the organizer.
	Host bool
	// Uninvited are guests of the booking whom mail cannot reach (booking.Details.Uninvited):
	// the organizer's message names them and asks the organizer to pass the guest link on.
	// Shown only when Host is true; their addresses go in no header and no calendar.
	Uninvited []booking.Person

	GuestURL string
	// HostURL is rendered only when Host is true: a guest's message never contains it, whatever
	// the caller passes.
	HostURL string
	// DialIn is nil when there is no dial-in. Numbers[i].Tel is the ready tap-to-dial URI built
	// by the provider adapter ('#' already %23); E164 is the number.
	DialIn *booking.DialIn
	// Calendar includes the text/calendar part and invite.ics; false renders a plain
	// notification (the organizer of a Cal.com or Calendly booking).
	Calendar bool
	// Alarms are how long before the start the calendar reminds (a VALARM each, RFC 5545
	// §3.6.6, ACTION:DISPLAY), so the recipient's calendar reminds as roomkeeper's mail does.
	// Written in a REQUEST only.
	Alarms []time.Duration
	// Reminder, when set, renders the reminder mail sent this long before the start (the
	// reminder's offset) instead of an invitation: a REQUEST's links and dial-in with no calendar
	// part, the time left counted from Stamp.
	Reminder time.Duration
	// From is the sender, an RFC 5322 address that may carry a display name, such as
	// `roomkeeper <invites@localhost>`.
	From string
}

// Failure is the notice telling an organizer that a room could not be set up.
type Failure struct {
	From       string         // sender, as Invite.From
	Organizer  booking.Person // recipient; Organizer.TimeZone and Locale as Invite.Recipient's
	Title      string
	Start, End time.Time
	// Kind is what went wrong: the message says it, and what the organizer can do, in plain
	// words. roomkeeper's own account of the failure (booking.Failure.Message) is never mailed.
	Kind  booking.FailureKind
	Stamp time.Time
}

// Knock is the organizer's notice that a guest is waiting in a locked room with no host.
type Knock struct {
	From      string
	Organizer booking.Person // Organizer.TimeZone and Locale as Invite.Recipient's
	Title     string
	Start     time.Time
	End       time.Time
	Name      string // the waiting guest's display name, as the provider reported it
	HostURL   string // the organizer's host link, to let the guest in
	Stamp     time.Time
}

// Undelivered is the organizer's notice that a guest's invitation bounced or was complained of.
type Undelivered struct {
	From      string
	Organizer booking.Person // recipient; Organizer.TimeZone and Locale as Invite.Recipient's
	Title     string
	Start     time.Time
	End       time.Time
	Guest     booking.Person // whose invitation failed: the organizer learns the address
	Problem   booking.MailProblem
	Stamp     time.Time
}

// Attendance is the organizer's summary of who came to a meeting, e-mailed once its room was
// cleaned up. Who matched whom is the caller's (the reconciler's, from the provider's webhooks):
// this only shows it. It goes to the organizer alone and carries no link.
type Attendance struct {
	From      string
	Organizer booking.Person // recipient; Organizer.TimeZone and Locale as Invite.Recipient's
	Title     string
	Start     time.Time
	End       time.Time
	// OrganizerJoined says the organizer was in the room, for OrganizerMinutes.
	OrganizerJoined  bool
	OrganizerMinutes int
	Invitees         []AttendanceInvitee // every attendee of the booking, in the booking's order
	Others           []AttendanceOther   // participants who are not on the booking, by display name
	// DialInCalls counts the phone calls, DialInMinutes their minutes; callers are never named
	// (their display name is often their number).
	DialInCalls   int
	DialInMinutes int
	TotalMinutes  int // every participant's minutes, each stay rounded up to the minute
	Stamp         time.Time
}

// AttendanceInvitee is one attendee and whether they came.
type AttendanceInvitee struct {
	Person  booking.Person // as booked: shown by name, else by address (the organizer booked them)
	Joined  bool
	First   time.Time // first joined
	Last    time.Time // last left; zero when never seen leaving
	Minutes int
}

// AttendanceOther is a participant who is not on the booking.
type AttendanceOther struct {
	Name    string // display name; "" when the provider gave none
	Minutes int
}
