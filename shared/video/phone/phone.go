// Package phone normalises telephone numbers to E.164 (ITU-T E.164, "+" then the country calling
// code and the national number) and formats them for people, using the libphonenumber metadata
// (github.com/nyaruka/phonenumbers). Providers give dial-in numbers in national formats with an
// ISO 3166 alpha-2 country (Whereby: {"countryCode":"US","phoneNumber":"111-867-5309"}); a tel:
// link needs E.164 to work from any country.
//
// The metadata is parsed at package init (milliseconds and megabytes), so only what normalises
// numbers links this package: the dialin function on AWS (functions/dialin, which the worker
// invokes through shared/aws/dialin) and the local server.
package phone

import (
	"context"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Normalize returns number in E.164 form ("+12125550142"). A number in national form is read as a
// number of region, an ISO 3166 alpha-2 code such as "US" (case is ignored); a number starting
// with "+" carries its own country code and region is ignored. The number must be valid by the
// numbering plan's metadata, not only of a plausible length; input that is not is a
// *booking.InvalidNumberError (wrapping booking.ErrInvalidNumber), and there is no other error.
// Errors never contain the number.
//
// ctx is unused, the metadata being in memory: Normalize takes one so that it is itself the
// providers' phone func (whereby.Config.Phone, zoom.Config.Phone), as shared/aws/dialin's is.
func Normalize(_ context.Context, number, region string) (string, error) {
	number = strings.TrimSpace(number)
	if number == "" {
		return "", invalid("normalize phone number: empty")
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	if strings.HasPrefix(number, "+") {
		region = ""
	} else if region == "" {
		return "", invalid("normalize phone number: national number without a region")
	}
	n, err := phonenumbers.Parse(number, region)
	if err != nil {
		// The library's messages name no digits, only what is wrong.
		return "", invalid(fmt.Sprintf("normalize phone number (region %q): %v", region, err))
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", invalid(fmt.Sprintf("normalize phone number (region %q): not a valid number", region))
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func invalid(reason string) error { return &booking.InvalidNumberError{Reason: reason} }

// Display formats an E.164 number in international form for people: "+12125550142" becomes
// "+1 212-555-0142". Input that does not parse as an international number is returned unchanged,
// so a caller can always print the result.
func Display(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}
