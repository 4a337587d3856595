package httpapi

import (
	"net/http"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
	"github.com/roomkeeper/roomkeeper/shared/source/stdwebhook"
)

// Secret names of the other booking sources (DESIGN.md, "Configuration").
const (
	CalcomSecret   = "CALCOM_WEBHOOK_SECRET"
	CalendlySecret = "CALENDLY_WEBHOOK_SIGNING_KEY"
	CronofySecret  = "CRONOFY_CLIENT_SECRETS" // comma-separated, for rotation
)

// source is one booking source behind POST /v1/bookings/{source}: the secret it is signed with,
// how a delivery is verified over the raw body, and how a verified body becomes changes.
type source struct {
	secret string
	// verify checks the signature and returns the delivery id the signature covers, if any
	// (the parse functions derive their own from the body).
	verify func(s *Server, secret string, h http.Header, body []byte, now time.Time) (string, error)
	parse  func(s *Server, body []byte, now time.Time) ([]booking.Change, error)
}

// sources are the booking sources by path name. A source whose secret is not configured
// answers 404.
var sources = map[string]source{
	generic.Source: {
		secret: GenericSecret,
		verify: func(s *Server, secret string, h http.Header, body []byte, now time.Time) (string, error) {
			return stdwebhook.Verify(secret, h, body, now, s.Tolerance)
		},
		parse: func(s *Server, body []byte, now time.Time) ([]booking.Change, error) {
			ch, err := generic.Parse(body, now, generic.Options{DefaultProvider: s.DefaultProvider, Providers: s.Providers, MaxSkew: s.Tolerance})
			if err != nil {
				return nil, err
			}
			return []booking.Change{ch}, nil
		},
	},
	calcom.Source: {
		secret: CalcomSecret,
		verify: func(_ *Server, secret string, h http.Header, body []byte, _ time.Time) (string, error) {
			return "", calcom.Verify(secret, h, body)
		},
		parse: func(s *Server, body []byte, now time.Time) ([]booking.Change, error) {
			return calcom.Parse(body, now, calcom.Options{DefaultProvider: s.DefaultProvider, Providers: s.Providers})
		},
	},
	calendly.Source: {
		secret: CalendlySecret,
		verify: func(s *Server, secret string, h http.Header, body []byte, now time.Time) (string, error) {
			return "", calendly.Verify(secret, h, body, now, s.Tolerance)
		},
		parse: func(s *Server, body []byte, now time.Time) ([]booking.Change, error) {
			return calendly.Parse(body, now, calendly.Options{DefaultProvider: s.DefaultProvider, Providers: s.Providers})
		},
	},
	cronofy.Source: {
		secret: CronofySecret,
		verify: func(_ *Server, secret string, h http.Header, body []byte, _ time.Time) (string, error) {
			return "", cronofy.Verify(secret, h, body)
		},
		parse: func(s *Server, body []byte, now time.Time) ([]booking.Change, error) {
			return cronofy.Parse(body, now, cronofy.Options{DefaultProvider: s.DefaultProvider, Providers: s.Providers})
		},
	},
}
