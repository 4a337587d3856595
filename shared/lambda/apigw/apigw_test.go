package apigw

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seen is what the handler under test received.
type seen struct {
	called     bool
	method     string
	path       string
	pathValue  string
	rawQuery   string
	requestURI string
	host       string
	remoteAddr string
	header     http.Header
	cookies    []*http.Cookie
	body       []byte
	length     int64
	reqCtx     events.APIGatewayV2HTTPRequestContext
	ctxValue   any
}

type ctxKey struct{}

// recorder returns a mux answering POST /v1/bookings/{source} that records the request into s.
func recorder(s *seen) http.Handler {
	mux := http.NewServeMux()
	record := func(w http.ResponseWriter, r *http.Request) {
		s.called = true
		s.method, s.path, s.rawQuery, s.requestURI = r.Method, r.URL.Path, r.URL.RawQuery, r.RequestURI
		s.pathValue = r.PathValue("source")
		s.host, s.remoteAddr, s.header, s.cookies = r.Host, r.RemoteAddr, r.Header, r.Cookies()
		s.length = r.ContentLength
		s.body, _ = io.ReadAll(r.Body)
		s.reqCtx, _ = RequestContext(r.Context())
		s.ctxValue = r.Context().Value(ctxKey{})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"status":"applied"}`))
	}
	mux.HandleFunc("POST /v1/bookings/{source}", record)
	mux.HandleFunc("GET /v1/bookings/{source}", record)
	return mux
}

// event is an HTTP API v2 event as API Gateway sends it for POST /v1/bookings/generic.
func event(body string, b64 bool) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "POST /v1/bookings/{source}",
		RawPath:        "/v1/bookings/generic",
		RawQueryString: "",
		Headers: map[string]string{
			"content-type":      "application/json",
			"content-length":    "999",
			"host":              "abc123.execute-api.us-east-1.amazonaws.com",
			"webhook-id":        "msg_1",
			"webhook-timestamp": "1700000000",
			"webhook-signature": "v1,abc=",
			"x-forwarded-for":   "198.51.100.7, 203.0.113.9",
		},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   "POST /v1/bookings/{source}",
			AccountID:  "123456789012",
			Stage:      "$default",
			RequestID:  "Ab1Cd2Ef3Gh=",
			APIID:      "abc123",
			DomainName: "abc123.execute-api.us-east-1.amazonaws.com",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: "POST", Path: "/v1/bookings/generic", Protocol: "HTTP/1.1",
				SourceIP: "203.0.113.9", UserAgent: "Svix-Webhooks/1.0",
			},
		},
		Body:            body,
		IsBase64Encoded: b64,
	}
}

func TestRequestReachesTheHandler(t *testing.T) {
	// Bytes a JSON round-trip would change: odd spacing, key order, an escaped slash, "\u003c",
	// a non-ASCII character and a trailing newline. A signature covers exactly these bytes.
	jsonBody := "{\"z\":1,  \"a\":\"caf\u00e9 \\/ \\u003c\"}\n"
	binary := []byte{0x00, 0xff, 0xfe, '{', 0x80, '\n'}
	tests := []struct {
		name      string
		event     func() events.APIGatewayV2HTTPRequest
		wantBody  []byte
		wantPath  string
		wantValue string
		wantQuery string
		wantURI   string
		check     func(t *testing.T, s *seen)
	}{
		{
			name:      "plain JSON body arrives byte for byte",
			event:     func() events.APIGatewayV2HTTPRequest { return event(jsonBody, false) },
			wantBody:  []byte(jsonBody),
			wantPath:  "/v1/bookings/generic",
			wantValue: "generic",
			wantURI:   "/v1/bookings/generic",
		},
		{
			name: "base64 body is decoded",
			event: func() events.APIGatewayV2HTTPRequest {
				return event(base64.StdEncoding.EncodeToString([]byte(jsonBody)), true)
			},
			wantBody:  []byte(jsonBody),
			wantPath:  "/v1/bookings/generic",
			wantValue: "generic",
			wantURI:   "/v1/bookings/generic",
		},
		{
			name: "binary base64 body is decoded exactly",
			event: func() events.APIGatewayV2HTTPRequest {
				return event(base64.StdEncoding.EncodeToString(binary), true)
			},
			wantBody:  binary,
			wantPath:  "/v1/bookings/generic",
			wantValue: "generic",
			wantURI:   "/v1/bookings/generic",
		},
		{
			name: "empty body",
			event: func() events.APIGatewayV2HTTPRequest {
				e := event("", false)
				e.RequestContext.HTTP.Method = "GET"
				return e
			},
			wantBody:  []byte{},
			wantPath:  "/v1/bookings/generic",
			wantValue: "generic",
			wantURI:   "/v1/bookings/generic",
		},
		{
			name: "percent-encoded path and raw query",
			event: func() events.APIGatewayV2HTTPRequest {
				e := event("{}", false)
				e.RawPath = "/v1/bookings/caf%C3%A9"
				e.RawQueryString = "a=1&b=x%20y&a=2"
				return e
			},
			wantBody:  []byte("{}"),
			wantPath:  "/v1/bookings/café",
			wantValue: "café",
			wantQuery: "a=1&b=x%20y&a=2",
			wantURI:   "/v1/bookings/caf%C3%A9?a=1&b=x%20y&a=2",
		},
		{
			name: "cookies become a Cookie header",
			event: func() events.APIGatewayV2HTTPRequest {
				e := event("{}", false)
				e.Cookies = []string{"session=abc", "theme=dark"}
				return e
			},
			wantBody:  []byte("{}"),
			wantPath:  "/v1/bookings/generic",
			wantValue: "generic",
			wantURI:   "/v1/bookings/generic",
			check: func(t *testing.T, s *seen) {
				require.Len(t, s.cookies, 2)
				assert.Equal(t, "session", s.cookies[0].Name)
				assert.Equal(t, "abc", s.cookies[0].Value)
				assert.Equal(t, "theme", s.cookies[1].Name)
				assert.Equal(t, "dark", s.cookies[1].Value)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s seen
			ctx := context.WithValue(context.Background(), ctxKey{}, "lambda context")
			e := tt.event()
			resp, err := Handler{HTTP: recorder(&s)}.Handle(ctx, e)
			require.NoError(t, err)
			require.True(t, s.called, "handler not called; response %d %s", resp.StatusCode, resp.Body)
			assert.Equal(t, http.StatusAccepted, resp.StatusCode)

			assert.Equal(t, tt.wantBody, s.body, "raw body bytes")
			assert.Equal(t, int64(len(tt.wantBody)), s.length, "ContentLength is the decoded body's")
			assert.Equal(t, e.RequestContext.HTTP.Method, s.method)
			assert.Equal(t, tt.wantPath, s.path)
			assert.Equal(t, tt.wantValue, s.pathValue)
			assert.Equal(t, tt.wantQuery, s.rawQuery)
			assert.Equal(t, tt.wantURI, s.requestURI)
			assert.Equal(t, "abc123.execute-api.us-east-1.amazonaws.com", s.host)
			assert.Equal(t, "203.0.113.9:0", s.remoteAddr)
			assert.Equal(t, "lambda context", s.ctxValue, "the Lambda context reaches the handler")
			assert.Equal(t, "Ab1Cd2Ef3Gh=", s.reqCtx.RequestID, "the request context reaches the handler")

			// Lower-cased names are found the usual way; a comma-joined value stays one value.
			assert.Equal(t, "msg_1", s.header.Get("Webhook-Id"))
			assert.Equal(t, "1700000000", s.header.Get("webhook-timestamp"))
			assert.Equal(t, "v1,abc=", s.header.Get("Webhook-Signature"))
			assert.Equal(t, []string{"198.51.100.7, 203.0.113.9"}, s.header.Values("X-Forwarded-For"))
			assert.Empty(t, s.header.Get("Content-Length"), "the event's Content-Length is not passed on")
			assert.Empty(t, s.header.Get("Host"), "net/http keeps the host in r.Host")
			if tt.check != nil {
				tt.check(t, &s)
			}
		})
	}
}

// TestSignatureOverRawBytes checks the property webhook verification depends on: an HMAC over
// the bytes the sender signed still matches what the handler reads, plain or base64-encoded.
func TestSignatureOverRawBytes(t *testing.T) {
	key := []byte("secret")
	body := "{\"type\": \"booking.created\",\n \"data\": {\"title\": \"Caf\u00e9 \\u0026 \u2603\"}}"
	mac := func(b []byte) []byte {
		h := hmac.New(sha256.New, key)
		h.Write(b)
		return h.Sum(nil)
	}
	want := mac([]byte(body))
	for _, b64 := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "base64"}[b64], func(t *testing.T) {
			sent := body
			if b64 {
				sent = base64.StdEncoding.EncodeToString([]byte(body))
			}
			var ok bool
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, err := io.ReadAll(r.Body)
				require.NoError(t, err)
				ok = hmac.Equal(mac(got), want)
				w.WriteHeader(http.StatusNoContent)
			})
			resp, err := Handler{HTTP: h}.Handle(context.Background(), event(sent, b64))
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			assert.True(t, ok, "HMAC over the received bytes matches the sender's")
		})
	}
}

func TestBadEvents(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(e *events.APIGatewayV2HTTPRequest)
		message string
	}{
		{"invalid base64", func(e *events.APIGatewayV2HTTPRequest) { e.Body, e.IsBase64Encoded = "not base64!", true }, "not valid base64"},
		{"no method", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "" }, "method is missing"},
		{"invalid method", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "PO ST" }, "not a valid method"},
		{"relative path", func(e *events.APIGatewayV2HTTPRequest) { e.RawPath = "v1/bookings" }, "not a valid request target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s seen
			e := event("{}", false)
			tt.edit(&e)
			resp, err := Handler{HTTP: recorder(&s)}.Handle(context.Background(), e)
			require.NoError(t, err, "a bad event is an answer, not a function error")
			assert.False(t, s.called, "the handler must not run")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Headers["Content-Type"])
			var body struct {
				Error struct{ Code, Message string }
			}
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
			assert.Equal(t, "invalid", body.Error.Code)
			assert.Contains(t, body.Error.Message, tt.message)
		})
	}
}

func TestResponse(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		wantStatus  int
		wantBody    string
		wantBase64  bool
		wantHeaders map[string]string
		wantCookies []string
	}{
		{
			name: "JSON text",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusAccepted)
				_, _ = io.WriteString(w, `{"status":"applied","booking":"k"}`+"\n")
			},
			wantStatus:  http.StatusAccepted,
			wantBody:    `{"status":"applied","booking":"k"}` + "\n",
			wantHeaders: map[string]string{"Content-Type": "application/json"},
		},
		{
			name: "no WriteHeader means 200, and the type is sniffed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "<!doctype html><p>hi</p>")
			},
			wantStatus:  http.StatusOK,
			wantBody:    "<!doctype html><p>hi</p>",
			wantHeaders: map[string]string{"Content-Type": "text/html; charset=utf-8"},
		},
		{
			name: "binary body goes back base64",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "image/png")
				_, _ = w.Write(png)
			},
			wantStatus:  http.StatusOK,
			wantBody:    base64.StdEncoding.EncodeToString(png),
			wantBase64:  true,
			wantHeaders: map[string]string{"Content-Type": "image/png"},
		},
		{
			name: "text type but invalid UTF-8 goes back base64",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte{'a', 0xff})
			},
			wantStatus:  http.StatusOK,
			wantBody:    base64.StdEncoding.EncodeToString([]byte{'a', 0xff}),
			wantBase64:  true,
			wantHeaders: map[string]string{"Content-Type": "text/plain"},
		},
		{
			name: "repeated headers are joined, Set-Cookie become cookies, first status wins",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("Vary", "Accept")
				w.Header().Add("Vary", "Origin")
				w.Header().Add("Set-Cookie", "a=1; HttpOnly")
				w.Header().Add("Set-Cookie", "b=2")
				w.Header().Set("Location", "/v1/bookings/x")
				w.WriteHeader(http.StatusFound)
				w.WriteHeader(http.StatusTeapot)
			},
			wantStatus:  http.StatusFound,
			wantHeaders: map[string]string{"Vary": "Accept, Origin", "Location": "/v1/bookings/x"},
			wantCookies: []string{"a=1; HttpOnly", "b=2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := Handler{HTTP: tt.handler}.Handle(context.Background(), event("", false))
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantBody, resp.Body)
			assert.Equal(t, tt.wantBase64, resp.IsBase64Encoded)
			assert.Equal(t, tt.wantHeaders, resp.Headers)
			assert.Equal(t, tt.wantCookies, resp.Cookies)
		})
	}
}
