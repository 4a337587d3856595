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
