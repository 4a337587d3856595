package webhook

import "github.com/roomkeeper/roomkeeper/shared/video/zoomhook"

// ZoomWebhookSecret names the secret token of the Zoom app, which signs its webhooks.
const ZoomWebhookSecret = "ZOOM_WEBHOOK_SECRET"

// zoomHook takes Zoom's webhooks at POST /v1/hooks/zoom (shared/video/zoomhook): the
// x-zm-signature ("v0=" hex HMAC-SHA256 over "v0:{x-zm-request-timestamp}:{raw body}") is checked
// within ROOMKEEPER_WEBHOOK_TOLERANCE, the endpoint.url_validation challenge is answered at once
// with {plainToken, encryptedToken} (Zoom allows 3 s, and nothing is stored for it), and
// meeting.started/ended and meeting.participant_joined/left become the session and participant
// records every provider's webhooks fill. The delivery id is the body's digest: a retry resends
// the same body.
var zoomHook = hookProvider{
	secret: ZoomWebhookSecret,
	event:  eventAt("event"),
	verify: zoomhook.Verify,
	parse:  zoomhook.Parse,
	answer: zoomhook.ValidationAnswer,
}
