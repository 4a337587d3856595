package eventfile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

// SignAPIGateway signs the webhook an API Gateway HTTP API event (payload format 2.0, as in
// events/apigw-*.json) carries in its body, the way the booking source would have signed it
// before API Gateway wrapped it: with secret (whsec_…), delivery id and time now, it sets the
// Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature over the body's
// exact bytes (base64-decoded first when isBase64Encoded is true), sets content-length, and stamps
// requestContext.time and timeEpoch with now, as API Gateway does on arrival. raw must already be
// expanded (Expand): the signature covers the body as it will be sent. Header names are lower
// case, as API Gateway delivers them. Members the function does not set are kept; the output is
// compact JSON.
func SignAPIGateway(raw []byte, secret, id string, now time.Time) ([]byte, error) {
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers as written
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("sign API Gateway event: not a JSON object: %w", err)
	}
	bodyText, ok := ev["body"].(string)
	if !ok {
		return nil, fmt.Errorf("sign API Gateway event: no string member \"body\"")
	}
	body := []byte(bodyText)
	if b64, _ := ev["isBase64Encoded"].(bool); b64 {
		var err error
		if body, err = base64.StdEncoding.DecodeString(bodyText); err != nil {
			return nil, fmt.Errorf("sign API Gateway event: isBase64Encoded is true but body is not base64: %w", err)
		}
	}
	sig, err := stdwebhook.Sign(secret, id, now, body)
	if err != nil {
		return nil, fmt.Errorf("sign API Gateway event: %w", err)
	}
	headers, _ := ev["headers"].(map[string]any)
	if headers == nil {
		headers = map[string]any{}
	}
	headers["webhook-id"] = id
	headers["webhook-timestamp"] = strconv.FormatInt(now.Unix(), 10)
	headers["webhook-signature"] = sig
	headers["content-length"] = strconv.Itoa(len(body))
	ev["headers"] = headers
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
		return nil, fmt.Errorf("sign API Gateway event: %w", err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}
