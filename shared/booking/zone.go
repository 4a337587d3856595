package booking

import (
	"errors"
	"strings"
	"sync"
	"time"
	"unicode"
)

// zones caches the zones LoadZone has loaded: time.LoadLocation opens, reads and parses a
// zoneinfo file on every call, and a booking's every person has a zone. Only names the zone
// database knows are kept, so the cache is bounded by it.
var zones sync.Map // IANA name → *time.Location

// errNotAZone is LoadZone's answer for a name that is not a person's IANA zone.
var errNotAZone = errors.New("not an IANA time zone name")

// LoadZone returns the IANA time zone name, such as "Europe/Oslo" or "UTC", loading it from the
// zone database once per process. "" and "Local", which mean the server's zone rather than a
// person's, are errors, as is a name the database does not have.
func LoadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	if name == "" || name == "Local" || strings.ContainsFunc(name, unicode.IsControl) {
		return nil, errNotAZone
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, errNotAZone
	}
	zones.Store(name, l)
	return l, nil
}
