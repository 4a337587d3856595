package booking

import (
	"strconv"
	"strings"
)

// HeaderValues returns the values of header name under any spelling of the name: net/http
// canonicalises names, while a header map built from API Gateway's event has them lower-cased.
// The order across spellings is unspecified. h is an http.Header (the core does not import
// net/http).
func HeaderValues(h map[string][]string, name string) []string {
	var vs []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			vs = append(vs, v...)
		}
	}
	return vs
}

// UnixTimestamp reads the timestamp a webhook signature covers: unix seconds in decimal digits,
// without sign, space or fraction. A malformed one is an Unauthorized *Error whose message says
// where it was sent (where, such as "webhook-timestamp header").
func UnixTimestamp(where, s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strings.TrimLeft(s, "0123456789") != "" {
		return 0, Errorf(Unauthorized, "", "malformed %s: want unix seconds", where)
	}
	return n, nil
}
