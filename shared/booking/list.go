package booking

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// Page sizes of every paged list a caller reads (rooms, bookings, the audit list).
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// PageSize reads the page size a caller asked for: 0 means DefaultPageSize; anything outside 1
// to MaxPageSize is an Invalid error naming "limit".
func PageSize(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultPageSize, nil
	case n < 1 || n > MaxPageSize:
		return 0, Errorf(Invalid, "limit", "must be from 1 to %d", MaxPageSize)
	}
	return n, nil
}

// EncodeCursor turns a store's position into the opaque cursor a caller passes back to continue
// a list; "" (the list is done) stays "".
func EncodeCursor(position string) string {
	if position == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(position))
}

// DecodeCursor reads a cursor EncodeCursor made; "" is the start of the list. Anything else is
// an Invalid error naming "cursor".
func DecodeCursor(cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) > 512 {
		return "", Errorf(Invalid, "cursor", "is not a cursor this API gave")
	}
	return string(b), nil
}

// positionLayout writes an instant in UTC at a fixed width, so that for the years 0 to 9999
// string order is time order.
const positionLayout = "2006-01-02T15:04:05.000000000Z"

// Position returns the place of the record key at instant t in a list ordered by time, then by
// key: t in UTC at a fixed width, "#", the key. Positions compare as strings in list order, so
// one string is both a store's index sort key and a list's cursor (ListEntry.Cursor), whatever
// the list and whatever the store.
func Position(t time.Time, key string) string {
	return t.UTC().Format(positionLayout) + "#" + key
}

// ParsePosition returns the instant and the key of a position Position made; anything else is
// an Invalid error naming "cursor".
func ParsePosition(p string) (time.Time, string, error) {
	at, key, ok := strings.Cut(p, "#")
	t, err := time.Parse(positionLayout, at)
	if !ok || err != nil || len(at) != len(positionLayout) || key == "" {
		return time.Time{}, "", Errorf(Invalid, "cursor", "is not a position")
	}
	return t, key, nil
}

// Check returns an Invalid error unless q names a list and a page size.
func (q ListQuery) Check() error {
	if q.State != Active && q.State != Ended {
		return Errorf(Invalid, "state", "want %q or %q, got %q", Active, Ended, q.State)
	}
	if q.Limit < 1 {
		return Errorf(Invalid, "limit", "want at least 1, got %d", q.Limit)
	}
	return nil
}

// Span returns the positions q's entries lie in, lo inclusive and hi exclusive, "" for a side
// without a bound: From and To, narrowed by After on the side the list continues from. A time
// bound is a position's time part alone, so it includes (From) or excludes (To) every record of
// that instant. When listing oldest first the entry at After itself lies in the span (lo is
// inclusive): stores skip an entry whose position is After.
func (q ListQuery) Span() (lo, hi string) {
	if !q.From.IsZero() {
		lo = q.From.UTC().Format(positionLayout)
	}
	if !q.To.IsZero() {
		hi = q.To.UTC().Format(positionLayout)
	}
	switch {
	case q.After == "":
	case q.Newest && (hi == "" || q.After < hi):
		hi = q.After
	case !q.Newest && q.After > lo:
		lo = q.After
	}
	return lo, hi
}

// DayLayout is the layout of a day: Usage.Day and the bounds of Store.Usage.
const DayLayout = "2006-01-02"

// CheckDays returns an Invalid error unless every day is written as DayLayout.
func CheckDays(days ...string) error {
	for _, d := range days {
		if t, err := time.Parse(DayLayout, d); err != nil || t.Format(DayLayout) != d {
			return Errorf(Invalid, "day", "want a day such as 2026-11-22, got %q", d)
		}
	}
	return nil
}

// Check returns an Invalid error unless u names its day and room.
func (u Usage) Check() error {
	if u.RoomID == "" {
		return Errorf(Invalid, "roomId", "not set")
	}
	return CheckDays(u.Day)
}

// PersonHash returns the key of an address in the people index (Store.IndexPeople): the hex
// SHA-256 of the address as Emails writes it (trimmed, lower case), so that no index key holds
// an address and any case of it finds the same entries. It returns "" for an empty address.
func PersonHash(email string) string {
	e := normalEmail(email)
	if e == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(e))
	return hex.EncodeToString(sum[:])
}

func normalEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }
