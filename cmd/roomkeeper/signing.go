package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/httpapi/webhook"
	"github.com/roomkeeper/roomkeeper/shared/source/calcom"
	"github.com/roomkeeper/roomkeeper/shared/source/calendly"
	"github.com/roomkeeper/roomkeeper/shared/source/cronofy"
	"github.com/roomkeeper/roomkeeper/shared/source/generic"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// sourceSecrets names the secret each booking source signs its webhooks with.
var sourceSecrets = map[string]string{
	generic.Source:  webhook.GenericSecret,
	calcom.Source:   webhook.CalcomSecret,
	calendly.Source: webhook.CalendlySecret,
	cronofy.Source:  webhook.CronofySecret,
}

// signedHeaders returns the headers a booking source sends with body: the content type and its
// signature over the exact bytes, made at now (a generic event also gets a fresh webhook-id).
func signedHeaders(source, secret string, now time.Time, body []byte) (http.Header, error) {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	switch source {
	case generic.Source:
		return genericHeaders(secret, "msg_"+newRunID()+newRunID(), now, body)
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

// genericHeaders returns the headers of one delivery of a generic event: the content type and
// the Standard Webhooks id, timestamp and signature over the exact bytes, made at now. A sender
// retrying a delivery repeats its id, which is what roomkeeper deduplicates on.
func genericHeaders(secret, id string, now time.Time, body []byte) (http.Header, error) {
	sig, err := stdwebhook.Sign(secret, id, now, body)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(stdwebhook.HeaderID, id)
	h.Set(stdwebhook.HeaderTimestamp, fmt.Sprint(now.Unix()))
	h.Set(stdwebhook.HeaderSignature, sig)
	return h, nil
}
