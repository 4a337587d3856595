package main

import (
	"errors"
	"flag"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// The admin commands' flag values. Each is checked as it is read, so a mistake is a usage error
// (exit 2) before anything is sent, and each is sent in the form the API reads.

// sizes are the room sizes as people type them, and as the API names them.
var sizes = map[string]string{
	"2-4": "small", "2–4": "small", "small": "small",
	"2-200": "large", "2–200": "large", "large": "large",
}

// sizeLabel shows an API size as people count: "2–4 people".
func sizeLabel(size booking.Size) string {
	switch size {
	case booking.Small:
		return "2–4 people"
	case booking.Large:
		return "2–200 people"
	}
	return orDash(string(size))
}

// sizeFlag reads --size 2-4|2-200 (or small|large) into the API's size.
func sizeFlag(fl *flag.FlagSet, dst *string, name, usage string) {
	fl.Func(name, usage, func(s string) error {
		size, ok := sizes[strings.ToLower(strings.TrimSpace(s))]
		if !ok {
			return errors.New("want 2-4 or 2-200 (people)")
		}
		*dst = size
		return nil
	})
}

// endFlag reads an end date: an RFC 3339 time, the short form 2026-12-05T15:00Z (sent with its
// seconds), or a duration from now such as +2h or +90m, sent as is since the API reads it.
func endFlag(fl *flag.FlagSet, dst *string, name, usage string) {
	fl.Func(name, usage, func(s string) error {
		if d, ok := strings.CutPrefix(s, "+"); ok {
			if v, err := time.ParseDuration(d); err != nil || v <= 0 {
				return errors.New("want a duration from now such as +2h or +90m")
			}
			*dst = s
			return nil
		}
		t, err := parseTime(s)
		if err != nil {
			return errors.New("want a time such as 2026-12-05T15:00Z or a duration from now such as +2h")
		}
		*dst = t
		return nil
	})
}

// timeOrDateFlag reads a bound such as bookings' --from: a date (2026-12-01) or a time as
// endFlag reads it.
func timeOrDateFlag(fl *flag.FlagSet, dst *string, name, usage string) {
	fl.Func(name, usage, func(s string) error {
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			*dst = s
			return nil
		}
		t, err := parseTime(s)
		if err != nil {
			return errors.New("want a date such as 2026-12-01 or a time such as 2026-12-01T09:00Z")
		}
		*dst = t
		return nil
	})
}

// dateFlag reads a date: 2026-12-01.
func dateFlag(fl *flag.FlagSet, dst *string, name, usage string) {
	fl.Func(name, usage, func(s string) error {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return errors.New("want a date such as 2026-12-01")
		}
		*dst = s
		return nil
	})
}

// parseTime reads an RFC 3339 time, or one without seconds, and returns it in RFC 3339.
func parseTime(s string) (string, error) {
	if _, err := time.Parse(time.RFC3339, s); err == nil {
		return s, nil
	}
	t, err := time.Parse("2006-01-02T15:04Z07:00", s)
	if err != nil {
		return "", err
	}
	return t.Format(time.RFC3339), nil
}

// limitFlag reads --limit N, a cap on the items a list shows.
func limitFlag(fl *flag.FlagSet, dst *int) {
	fl.Func("limit", "show at most `N` items (default: all, page after page)", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return errors.New("want a number of items from 1 up")
		}
		*dst = n
		return nil
	})
}

// personLine shows a person as "Ada Host <ada@example.com>", or the address alone.
func personLine(p booking.Person) string {
	if p.Name == "" {
		return p.Email
	}
	return p.Name + " <" + p.Email + ">"
}

// personFlag reads an e-mail address, with or without a name: "Ada Host <ada@example.com>".
func personFlag(fl *flag.FlagSet, dst **booking.Person, name, usage string) {
	fl.Func(name, usage, func(s string) error {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return errors.New("want an e-mail address such as ada@example.com")
		}
		*dst = &booking.Person{Name: a.Name, Email: a.Address}
		return nil
	})
}
