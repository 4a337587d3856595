package templates

import "strings"

// The text/plain parts, with LF line endings (package invite writes them as CRLF). Plain text
// needs no escaping: the values are the cleaned lines package invite passes.

// InviteText is an invitation's text/plain part.
func InviteText(v *Invite) string {
	var b strings.Builder
	b.Grow(512 + len(v.Description))
	switch {
	case v.Cancelled:
		b.WriteString("This meeting has been cancelled.\n")
	case v.Updated:
		b.WriteString("This meeting has been updated.\n")
	default:
		b.WriteString("You are invited to a video meeting.\n")
	}
	b.WriteString("\n" + v.Title + "\nWhen: " + v.When + "\nOrganizer: " + v.Organizer)
	if v.Guests != "" {
		b.WriteString("\nGuests: " + v.Guests)
	}
	if !v.Cancelled {
		if v.HostURL != "" {
			b.WriteString("\n\nStart the meeting as host:\n" + v.HostURL + "\n\nGuests join at:\n" + v.GuestURL)
		} else {
			b.WriteString("\n\nJoin the meeting:\n" + v.GuestURL)
		}
		if v.DialIn != nil {
			b.WriteString("\n\nJoin by phone")
			for _, n := range v.DialIn.Numbers {
				b.WriteString("\nOne tap on a mobile phone: " + n.Tel + "\nOr dial " + n.Manual)
			}
		}
	}
	if v.Description != "" {
		b.WriteString("\n\n" + v.Description)
	}
	b.WriteString("\n\nReply to this e-mail to reach the organizer.\n")
	return b.String()
}

// KnockText is the knock notice's text/plain part.
func KnockText(v *Knock) string {
	return v.Name + " is waiting to be let into " + v.Title + " (" + v.When + ").\n\n" +
		"No host is in the room. Join as host to let them in:\n" + v.HostURL + "\n"
}

// FailureText is the failure notice's text/plain part.
func FailureText(v *Failure) string {
	return "We could not set up the video room for " + v.Title + " (" + v.When + "): " + v.Reason + "\n\n" +
		"roomkeeper has stopped retrying. Please arrange another way to meet, or ask your administrator to look at the booking.\n"
}
