package lambdatest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// apiRoutes are the HTTP API's routes to each function, as the stack declares them (infra/stack.go).
var apiRoutes = map[string][]string{
	"bookings": {"POST /v1/bookings/{source}"},
	"hooks":    {"POST /v1/hooks/{provider}"},
	"admin": {
		"ANY /v1/rooms", "ANY /v1/rooms/{proxy+}", "ANY /v1/bookings", "ANY /v1/bookings/{id}",
		"ANY /v1/usage", "ANY /v1/people/{proxy+}", "ANY /v1/operators", "ANY /v1/operators/{proxy+}",
		"ANY /v1/audit", "ANY /console", "ANY /console/{proxy+}", "GET /v1/host/{token}",
		"GET /j/{token}",
		"POST /v1/slack/commands", "POST /v1/slack/interactions", "POST /v1/slack/events",
	},
}

// muxPattern is a route key as a net/http pattern: ANY is every method, {name+} a greedy
// wildcard.
func muxPattern(routeKey string) string {
	p := strings.TrimPrefix(routeKey, "ANY ")
	return greedy.ReplaceAllString(p, "{$1...}")
}

var greedy = regexp.MustCompile(`\{([A-Za-z]+)\+\}`)

// apiGateway plays API Gateway's HTTP API in front of the function binaries, so that real HTTP
// clients — the Whereby sandbox sending its webhooks, a test following a host link — reach them:
// an HTTP server on a loopback port whose routes each turn the request into a payload format 2.0
// event, invoke the function through its Runtime API emulator, and turn the answer back into the
// HTTP response, as the Lambda proxy integration does ("Working with AWS Lambda proxy
// integrations for HTTP APIs"). A route with no function started, or a function that fails,
// answers as API Gateway does: 404 {"message":"Not Found"} and 500 {"message":"Internal Server
// Error"}.
type apiGateway struct {
	URL string

	mux      *http.ServeMux
	mu       sync.Mutex
	handlers map[string]*Function // route key → the function serving it
	requests int
}

func newAPIGateway(t testing.TB) *apiGateway {
	t.Helper()
	g := &apiGateway{mux: http.NewServeMux(), handlers: map[string]*Function{}}
	srv := httptest.NewServer(g.mux)
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	g.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeGatewayError(w, http.StatusNotFound, "Not Found")
	})
	return g
}

// serve routes the function's routes (apiRoutes) to f, replacing any function served before.
func (g *apiGateway) serve(name string, f *Function) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, route := range apiRoutes[name] {
		if _, ok := g.handlers[route]; !ok {
			g.mux.HandleFunc(muxPattern(route), g.integration(route))
		}
		g.handlers[route] = f
	}
}

// pathParameters finds the {name} wildcards of a route key.
var pathParameters = regexp.MustCompile(`\{([A-Za-z]+)\+?\}`)

func (g *apiGateway) integration(routeKey string) http.HandlerFunc {
	var params []string
	for _, m := range pathParameters.FindAllStringSubmatch(routeKey, -1) {
		params = append(params, m[1])
	}
	return func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		f := g.handlers[routeKey]
		g.requests++
		n := g.requests
		g.mu.Unlock()
		payload, err := gatewayEvent(r, routeKey, params, n)
		if err != nil {
			writeGatewayError(w, http.StatusBadRequest, "Bad Request")
			return
		}
		resp, err := f.Invoke(r.Context(), payload)
		if err != nil || resp.Error != nil {
			writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		var out events.APIGatewayV2HTTPResponse
		if json.Unmarshal(resp.Payload, &out) != nil || out.StatusCode == 0 {
			writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		body := []byte(out.Body)
		if out.IsBase64Encoded {
			if body, err = base64.StdEncoding.DecodeString(out.Body); err != nil {
				writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
				return
			}
		}
		for k, v := range out.Headers {
			w.Header().Set(k, v)
		}
		for k, vs := range out.MultiValueHeaders {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		for _, c := range out.Cookies {
			w.Header().Add("Set-Cookie", c)
		}
		w.WriteHeader(out.StatusCode)
		_, _ = w.Write(body)
	}
}

// gatewayEvent is the payload format 2.0 event API Gateway sends for r on the route: header names
// lower-cased and repeated ones joined with commas, cookies apart, and the body as is when it is
// UTF-8 text, base64-encoded otherwise.
func gatewayEvent(r *http.Request, routeKey string, params []string, n int) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	headers := map[string]string{}
	for k, vs := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.String())
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       routeKey,
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Cookies:        cookies,
		Headers:        headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   routeKey,
			AccountID:  "123456789012",
			Stage:      "$default",
			RequestID:  fmt.Sprintf("gw-%d", n),
			APIID:      "lambdatest",
			DomainName: r.Host,
			TimeEpoch:  time.Now().UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: ip, UserAgent: r.UserAgent(),
			},
		},
	}
	if len(params) > 0 {
		ev.PathParameters = map[string]string{}
		for _, p := range params {
			ev.PathParameters[p] = r.PathValue(p)
		}
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	return json.Marshal(ev)
}

func writeGatewayError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
