package lambdatest

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

// testOperators: through API Gateway, the admin binary adds an operator with the admin token
// read from Secrets Manager, the operator's token works within its role, the audit list names
// who did what, the table holds no token, the console's paths reach the admin function, and
// wrong tokens from one address are slowed with 429 and Retry-After.
func testOperators(t *testing.T, e *emulators) {
	s := newStack(t, e, "operators")
	s.start("admin")
	resp, added := s.call(http.MethodPost, "/v1/operators", adminToken, `{"name": "bob", "role": "viewer"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", added)
	token := added["token"].(string)

	resp, _ = s.get("/v1/rooms", token)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a viewer sees")
	resp, refused := s.call(http.MethodPost, "/v1/rooms", token, `{"endDate": "+1h"}`)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, fmt.Sprint(refused), "needs the admin role")

	resp, audit := s.get("/v1/audit", token)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	entries := audit["entries"].([]any)
	require.Len(t, entries, 1)
	assert.Equal(t, map[string]any{"at": entries[0].(map[string]any)["at"], "operator": "admin", "action": "operator.add", "target": "bob"}, entries[0])

	out, err := dynamodb.NewFromConfig(emulator.AWSConfig(e.dynamodb)).Scan(t.Context(), &dynamodb.ScanInput{TableName: &s.table})
	require.NoError(t, err)
	var b strings.Builder
	for _, item := range out.Items {
		for name, v := range item {
			fmt.Fprintf(&b, "%s=%v\n", name, v) // a pointer at the top level prints its value
		}
	}
	dump := b.String()
	assert.Contains(t, dump, "o#bob")
	assert.NotContains(t, dump, token[len(token)-43:], "the table holds the token's hash, never the token")
	assert.NotContains(t, dump, adminToken)

	// The console's paths are the admin function's: whatever it answers, API Gateway does not.
	for _, path := range []string{"/console", "/console/rooms", "/console/static/console.css"} {
		resp, err := http.Get(s.api.URL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.NotEqual(t, `{"message":"Not Found"}`, strings.TrimSpace(string(body)), "%s reaches the admin function", path)
	}

	checkConsole(t, s)

	for range access.FreeFailures {
		resp, _ := s.get("/v1/rooms", "rko_bob_"+strings.Repeat("A", 43))
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	resp, slowed := s.get("/v1/rooms", token)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "%v", slowed)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	s.checkLogs()
	s.checkCalls()
}

// checkConsole: the compiled admin binary serves the console. Signed out, /console sends the
// browser to the sign-in page, which comes with the console's security headers and a sign-in
// form whose cookie is HttpOnly, SameSite=Strict and, under API Gateway's own host name, Secure.
func checkConsole(t *testing.T, s *stack) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		req, err := http.NewRequest(http.MethodGet, s.api.URL+path, nil)
		require.NoError(t, err)
		req.Host = "abc123.execute-api.eu-north-1.amazonaws.com"
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(body)
	}
	headers := func(path string, resp *http.Response) {
		t.Helper()
		assert.Equal(t, "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
			resp.Header.Get("Content-Security-Policy"), path)
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), path)
		assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"), path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"), path)
	}

	resp, _ := get("/console")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "signed out: off to sign in")
	assert.Equal(t, "/console/sign-in?next=%2Fconsole", resp.Header.Get("Location"))
	headers("/console", resp)

	resp, page := get("/console/sign-in?next=%2Fconsole")
	require.Equal(t, http.StatusOK, resp.StatusCode, page)
	headers("/console/sign-in", resp)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, page, `<form method="post" action="/console/sign-in"`)
	assert.Contains(t, page, `name="csrf" value="`)
	assert.NotRegexp(t, `<script(?: [^>]*)?>[^<]`, page, "no inline script")
	cookies := resp.Cookies()
	require.Len(t, cookies, 1, "the sign-in form's cookie")
	assert.True(t, cookies[0].HttpOnly)
	assert.True(t, cookies[0].Secure, "API Gateway's host name is served over HTTPS")
	assert.Equal(t, http.SameSiteStrictMode, cookies[0].SameSite)
	assert.Equal(t, "/console", cookies[0].Path)
}
