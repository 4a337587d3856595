package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// sourceSecrets names the secret each booking source signs its webhooks with.
var sourceSecrets = map[string]string{
	generic.Source:  httpapi.GenericSecret,
	calcom.Source:   httpapi.CalcomSecret,
	calendly.Source: httpapi.CalendlySecret,
	cronofy.Source:  httpapi.CronofySecret,
}

// signedHeaders returns the headers a booking source sends with body: the content type and its
// signature over the exact bytes, made at now (a generic event also gets a fresh webhook-id).
func signedHeaders(source, secret string, now time.Time, body []byte) (http.Header, error) {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	switch source {
	case generic.Source:
		id := "msg_" + newRunID() + newRunID()
		sig, err := stdwebhook.Sign(secret, id, now, body)
		if err != nil {
			return nil, err
		}
		h.Set(stdwebhook.HeaderID, id)
		h.Set(stdwebhook.HeaderTimestamp, fmt.Sprint(now.Unix()))
		h.Set(stdwebhook.HeaderSignature, sig)
	case calcom.Source:
		h.Set(calcom.HeaderSignature, calcom.Sign(secret, body))
	case calendly.Source:
		h.Set(calendly.HeaderSignature, calendly.Sign(secret, now, body))
	case cronofy.Source:
		first, _, _ := strings.Cut(secret, ",") // the first of the rotation list signs
		h.Set(cronofy.HeaderSignature, cronofy.Sign(strings.TrimSpace(first), body))
	default:
		return nil, fmt.Errorf("cannot sign for booking source %q", source)
	}
	return h, nil
}
