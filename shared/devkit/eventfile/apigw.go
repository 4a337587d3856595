package eventfile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// SignAPIGateway signs the webhook an API Gateway HTTP API event (payload format 2.0, as in
// events/apigw-*.json) carries in its body, the way the booking source would have signed it
// before API Gateway wrapped it: with secret (whsec_…), delivery id and time now, it sets the
// Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature over the body's
// exact bytes. See WithAPIGatewayHeaders for the rest.
func SignAPIGateway(raw []byte, secret, id string, now time.Time) ([]byte, error) {
	var ev struct{ Body *string }
	if err := json.Unmarshal(raw, &ev); err != nil || ev.Body == nil {
		return nil, fmt.Errorf("sign API Gateway event: no string member \"body\" to sign")
	}
	return WithAPIGatewayHeaders(raw, now, func(body []byte) (map[string]string, error) {
		sig, err := stdwebhook.Sign(secret, id, now, body)
		if err != nil {
			return nil, err
		}
		return map[string]string{
			"webhook-id":        id,
			"webhook-timestamp": strconv.FormatInt(now.Unix(), 10),
			"webhook-signature": sig,
		}, nil
	})
}

// WithAPIGatewayHeaders completes an API Gateway HTTP API event (payload format 2.0) at send
// time: it adds the headers headers returns for the body's exact bytes (base64-decoded first when
// isBase64Encoded is true) — a signature, a bearer token —, sets content-length when there is a
// body, and stamps requestContext.time and timeEpoch with now, as API Gateway does on arrival. raw
// must already be expanded (Expand): a signature covers the body as it will be sent. Header names
// are lower-cased, as API Gateway delivers them. Members it does not set are kept; the output is
// compact JSON.
func WithAPIGatewayHeaders(raw []byte, now time.Time, headers func(body []byte) (map[string]string, error)) ([]byte, error) {
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers as written
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("complete API Gateway event: not a JSON object: %w", err)
	}
	bodyText, hasBody := ev["body"].(string)
	if _, present := ev["body"]; present && !hasBody {
		return nil, fmt.Errorf("complete API Gateway event: member \"body\" is not a string")
	}
	body := []byte(bodyText)
	if b64, _ := ev["isBase64Encoded"].(bool); b64 {
		var err error
		if body, err = base64.StdEncoding.DecodeString(bodyText); err != nil {
			return nil, fmt.Errorf("complete API Gateway event: isBase64Encoded is true but body is not base64: %w", err)
		}
	}
	add, err := headers(body)
	if err != nil {
		return nil, fmt.Errorf("complete API Gateway event: %w", err)
	}
	h, _ := ev["headers"].(map[string]any)
	if h == nil {
		h = map[string]any{}
	}
	for k, v := range add {
		h[strings.ToLower(k)] = v
	}
	if hasBody {
		h["content-length"] = strconv.Itoa(len(body))
	}
	ev["headers"] = h
	rc, _ := ev["requestContext"].(map[string]any)
	if rc == nil {
		rc = map[string]any{}
	}
	rc["time"] = now.UTC().Format("02/Jan/2006:15:04:05 -0700")
	rc["timeEpoch"] = now.UnixMilli()
	ev["requestContext"] = rc

	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("complete API Gateway event: %w", err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}
