// Package access says who may run roomkeeper: named operators with a role, each holding a
// bearer token of which only a hash is kept; the console's server-side sessions; and the audit
// list of every change an operator made. The admin API, the CLI and the console all go through
// it, so one token works everywhere and one rule decides what a role may do.
package access

import "time"

// Role is what an operator may do.
type Role string

// Roles.
const (
	Viewer Role = "viewer" // sees rooms, sessions, bookings and usage
	Admin  Role = "admin"  // also creates, extends and deletes rooms and erases people
)

// Operator is a person who runs meetings.
type Operator struct {
	Name     string
	Role     Role
	Email    string // optional: the default organizer of the rooms they make
	TimeZone string // IANA zone their pages show times in; "" means the deployment's
}

// CanChange reports whether o may change anything (create, extend, delete, erase).
func (o Operator) CanChange() bool { return o.Role == Admin }

// Session is a console sign-in, kept server-side; the browser holds only its ID in a cookie.
type Session struct {
	ID       string // the cookie's value: random, unguessable
	Operator Operator
	CSRF     string    // the token every form of this session carries
	Expires  time.Time // when it ends if idle; each use moves it on
}

// Entry is one line of the audit list: an operator changed something.
type Entry struct {
	At       time.Time
	Operator string // the operator's name
	Action   string // such as "room.create", "room.delete", "operator.add"
	Target   string // what was changed: a room id, a booking id, an operator's name
}
