// Package access says who may run roomkeeper: named operators with a role, each holding a
// bearer token of which only a hash is kept; the console's server-side sessions; and the audit
// list of every change an operator made. The admin API, the CLI and the console all go through
// it, so one token works everywhere and one rule decides what a role may do.
//
// Tokens are bearer tokens (RFC 6750): the admin token ROOMKEEPER_ADMIN_TOKEN, whose operator is
// "admin", and the operators' own, minted by AddOperator as "rko_<name>_<43 characters of
// base64url>" (256 random bits). The store keeps the SHA-256 of an operator's token, never the
// token, and the SHA-256 of a session's ID, never the ID. Failed tokens, at sign-in or as a bearer
// token, are slowed by one limiter per client address (docs/design.md, "Who may do what").
package access

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Role is what an operator may do.
type Role string

// Roles.
const (
	Viewer Role = "viewer" // sees rooms, sessions, bookings, usage and the audit list
	Admin  Role = "admin"  // also creates, extends and deletes rooms, erases people and manages operators
)

// rank orders the roles: a role may do what every role of a lower rank may.
var rank = map[Role]int{Viewer: 1, Admin: 2}

// Operator is a person who runs meetings.
type Operator struct {
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Email    string `json:"email,omitempty"`    // optional: the default organizer of the rooms they make
	TimeZone string `json:"timeZone,omitempty"` // IANA zone their pages show times in; "" means the deployment's
	// Created is when the operator was added (for the admin token's operator: when it was first
	// used or given a setting; zero before).
	Created time.Time `json:"created,omitzero"`
	// LastUsed is when their token last worked, at the API or the console, to about a minute.
	LastUsed time.Time `json:"lastUsed,omitzero"`
}

// CanChange reports whether o may change anything (create, extend, delete, erase).
func (o Operator) CanChange() bool { return o.Role == Admin }

// Require returns nil when o's role is role or ranks above it, and otherwise a Forbidden
// *booking.Error naming the role needed (the admin API answers it as a 403). It is the one rule
// of what a role may do: the admin API checks it per route, the console before every change,
// and Change before running one.
func (o Operator) Require(role Role) error {
	if rank[o.Role] >= rank[role] && rank[role] > 0 {
		return nil
	}
	return booking.Errorf(booking.Forbidden, "", "this needs the %s role: operator %q is a %s", role, o.Name, o.Role)
}

// Session is a console sign-in, kept server-side; the browser holds only its ID in a cookie.
type Session struct {
	ID       string // the cookie's value: random, unguessable
	Operator Operator
	CSRF     string    // the token every form of this session carries
	Expires  time.Time // when it ends if idle; each use moves it on
}

// CheckCSRF reports whether token is the session's CSRF token, comparing in constant time. A
// session without one (the zero Session) accepts none.
func (s Session) CheckCSRF(token string) bool {
	return s.CSRF != "" && equalSecret(s.CSRF, token)
}

// Entry is one line of the audit list: an operator changed something.
type Entry struct {
	At       time.Time `json:"at"`
	Operator string    `json:"operator"` // the operator's name
	Action   string    `json:"action"`   // such as "room.create", "room.delete", "operator.add"
	// Target is what was changed: a room id, an operator's name, or for an erasure the
	// anonymous name the person's records now carry. Never an e-mail address or a token.
	Target string `json:"target"`
}

// The audit list's actions.
const (
	ActionRoomCreate       = "room.create"        // target: the room's id
	ActionRoomExtend       = "room.extend"        // target: the room's id
	ActionRoomDelete       = "room.delete"        // target: the room's id
	ActionRoomHostLink     = "room.host_link"     // target: the room's id (the console showed its host link)
	ActionPeopleErase      = "people.erase"       // target: "erased-<hash>", the anonymous name left behind
	ActionOperatorAdd      = "operator.add"       // target: the new operator's name
	ActionOperatorRemove   = "operator.remove"    // target: the operator's name
	ActionOperatorTimeZone = "operator.time_zone" // target: the operator's name
	ActionSignIn           = "session.sign_in"    // target: the operator's name (a console sign-in)
)

// equalSecret compares two secrets in constant time, their lengths included: it compares their
// digests.
func equalSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// hashSecret returns the hex SHA-256 of a high-entropy secret (a token, a session ID): what the
// store keeps in its place. SHA-256 without a salt or a slow hash suffices because the secrets
// carry at least 128 random bits, so a stolen hash cannot be reversed by guessing.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", sum)
}
