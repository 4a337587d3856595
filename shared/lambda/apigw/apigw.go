// Package apigw serves an ordinary net/http handler behind an Amazon API Gateway HTTP API Lambda
// integration, payload format version 2.0 ("Working with AWS Lambda proxy integrations for HTTP
// APIs", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
// so the Lambda functions and the local server run the same handlers: one code path, tested once.
//
// The request is rebuilt from the event: method, rawPath and rawQueryString, the headers (API
// Gateway lower-cases their names and joins repeated ones with commas), the cookies (which v2
// moves out of the headers), and the body — base64-decoded when isBase64Encoded is set and
// otherwise passed byte for byte, never through a JSON round-trip, because webhook signatures
// cover the raw bytes. The response goes back as statusCode, headers, cookies (each Set-Cookie)
// and body, base64-encoded unless it is UTF-8 text.
//
// Why not github.com/awslabs/aws-lambda-go-api-proxy (httpadapter.NewV2): that one module holds
// its adapters for gin, echo, fiber, iris, chi and gorilla, and its go.mod requires all of them
// (and ginkgo/gomega), so importing it would add dozens of modules to go.mod and go.sum for what
// is about a hundred lines here; it also routes the v2 event through its own intermediate request
// type. Written once here, the conversion is small enough to read in full and is table-tested.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Handler serves HTTP to API Gateway HTTP API (payload v2) events. Set HTTP once in main.
type Handler struct {
	HTTP http.Handler
}

// Handle converts the event into an *http.Request carrying ctx (and, for RequestContext, the
// event's request context), runs the handler, and converts what it wrote into the response.
// It never returns an error: an event that cannot be turned into a request (a body that is not
// valid base64, a malformed path) is answered 400 in the project's JSON error shape, without
// calling the handler.
func (h Handler) Handle(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	r, err := NewRequest(ctx, e)
	if err != nil {
		return badRequest(err.Error()), nil
	}
	w := newResponseWriter()
	h.HTTP.ServeHTTP(w, r)
	return w.response(), nil
}

type contextKey struct{}

// RequestContext returns the API Gateway request context of the event a request was built
// from, when it was built by NewRequest.
func RequestContext(ctx context.Context) (events.APIGatewayV2HTTPRequestContext, bool) {
	rc, ok := ctx.Value(contextKey{}).(events.APIGatewayV2HTTPRequestContext)
	return rc, ok
}

// NewRequest builds the *http.Request an HTTP API v2 event describes, with ctx (plus the event's
// request context, see RequestContext) as its context.
func NewRequest(ctx context.Context, e events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(e.Body); err != nil {
			return nil, fmt.Errorf("body: isBase64Encoded is set but the body is not valid base64")
		}
	}
	method := e.RequestContext.HTTP.Method
	if method == "" {
		return nil, fmt.Errorf("requestContext.http.method is missing")
	}
	target := e.RawPath
	if target == "" {
		target = "/"
	}
	if e.RawQueryString != "" {
		target += "?" + e.RawQueryString
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("rawPath/rawQueryString: not a valid request target")
	}

	r, err := http.NewRequestWithContext(context.WithValue(ctx, contextKey{}, e.RequestContext), method, "/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("requestContext.http.method: %q is not a valid method", method)
	}
	r.URL = u
	r.RequestURI = target
	r.ContentLength = int64(len(body))
	if proto := e.RequestContext.HTTP.Protocol; proto != "" {
		if major, minor, ok := http.ParseHTTPVersion(proto); ok {
			r.Proto, r.ProtoMajor, r.ProtoMinor = proto, major, minor
		}
	}
	for name, value := range e.Headers {
		r.Header[http.CanonicalHeaderKey(name)] = []string{value}
	}
	if len(e.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	// Content-Length is the body's as it reaches the handler, after any base64 decoding.
	r.Header.Del("Content-Length")
	r.Host = r.Header.Get("Host")
	if r.Host == "" {
		r.Host = e.RequestContext.DomainName
	}
	r.Header.Del("Host") // net/http keeps the host in r.Host, not in the header map
	if ip := e.RequestContext.HTTP.SourceIP; ip != "" {
		r.RemoteAddr = net.JoinHostPort(ip, "0")
	}
	return r, nil
}

// responseWriter collects what the handler writes.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newResponseWriter() *responseWriter { return &responseWriter{header: http.Header{}} }

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// response converts what was written, as net/http would send it: status 200 when none was
// written, and a sniffed Content-Type when the handler set none.
func (w *responseWriter) response() events.APIGatewayV2HTTPResponse {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	body := w.body.Bytes()
	if _, ok := w.header["Content-Type"]; !ok && len(body) > 0 {
		w.header.Set("Content-Type", http.DetectContentType(body))
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for name, values := range w.header {
		if name == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, values...)
			continue
		}
		resp.Headers[name] = strings.Join(values, ", ")
	}
	if isText(w.header.Get("Content-Type"), body) {
		resp.Body = string(body)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = true
	}
	return resp
}

// isText reports whether a body goes back as it is: UTF-8 of a textual media type. Anything
// else is base64-encoded, which API Gateway decodes before sending.
func isText(contentType string, body []byte) bool {
	if len(body) == 0 {
		return true
	}
	if !utf8.Valid(body) {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript",
		"application/x-www-form-urlencoded", "image/svg+xml":
		return true
	}
	return false
}

// badRequest is the answer to an event that is not a valid request, in the JSON error shape of
// every roomkeeper answer: {"error": {"code": "invalid", "message": …}}.
func badRequest(msg string) events.APIGatewayV2HTTPResponse {
	type errorBody struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	body, _ := json.Marshal(struct {
		Error errorBody `json:"error"`
	}{errorBody{Code: "invalid", Message: msg}}) // cannot fail: two strings
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusBadRequest,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body) + "\n",
	}
}
