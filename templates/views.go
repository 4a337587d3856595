package templates

// Invite is what an invitation's readable parts show (InviteText, InviteHTML). Package invite
// fills it in from checked, cleaned input: every string is one line except Description.
type Invite struct {
	Cancelled   bool   // CANCEL: no links at all
	Updated     bool   // a REQUEST to someone who holds an earlier version
	Title       string // one line
	When        string // readable range in the recipient's zone
	Organizer   string // "Name <address>" or the address
	Guests      string // organizer's message only: the guests, comma-separated
	HostURL     string // organizer's message only
	GuestURL    string
	DialIn      *DialIn // nil without dial-in
	Description string  // free text, LF line breaks
}

// DialIn is the meeting's dial-in numbers and their shared access code.
type DialIn struct {
	Numbers []Number
	Code    string
}

// Number is one dial-in number.
type Number struct {
	Tap    string // the tap-to-dial string as people read it: "+4721000000,123456#"
	Tel    string // the tel: URI, checked by package invite
	Manual string // what to dial by hand: "+4721000000 (NO), access code 123456"
	Label  string // the CONFERENCE label: "Dial-in (NO)"
}

// Knock is what the organizer's "someone is waiting" notice shows (KnockText, KnockHTML).
type Knock struct {
	Name, Title, When, HostURL string
}

// Failure is what the organizer's "no room" notice shows (FailureText, FailureHTML).
type Failure struct {
	Title, When, Reason string
}
