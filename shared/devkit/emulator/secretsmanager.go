package emulator

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// FakeSecretsManager is a small AWS Secrets Manager endpoint for tests, since none of the emulators
// covers the service: it answers GetSecretValue over the service's JSON protocol (X-Amz-Target
// secretsmanager.GetSecretValue, application/x-amz-json-1.1) from a map of secret id (an ARN or a
// name) to string value, and counts the reads of each id. Any other operation, an unsigned request
// or an unknown id gets the error real Secrets Manager gives. It is safe for concurrent use.
type FakeSecretsManager struct {
	URL string // endpoint for AWSConfig

	mu      sync.Mutex
	secrets map[string]string
	reads   map[string]int
	failing map[string]bool
}

// SecretsManager starts a FakeSecretsManager holding secrets (id → value) and returns its endpoint
// URL. It is stopped at t.Cleanup.
func SecretsManager(t testing.TB, secrets map[string]string) string {
	t.Helper()
	return NewFakeSecretsManager(t, secrets).URL
}

// NewFakeSecretsManager starts a FakeSecretsManager holding a copy of secrets (id → value). It is
// stopped at t.Cleanup.
func NewFakeSecretsManager(t testing.TB, secrets map[string]string) *FakeSecretsManager {
	t.Helper()
	f := &FakeSecretsManager{secrets: map[string]string{}, reads: map[string]int{}, failing: map[string]bool{}}
	maps.Copy(f.secrets, secrets)
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Set stores a new value under id, as a rotation does.
func (f *FakeSecretsManager) Set(id, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[id] = value
}

// Delete removes id: reads of it fail with ResourceNotFoundException from now on.
func (f *FakeSecretsManager) Delete(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.secrets, id)
}

// Fail makes reads of id fail with AccessDeniedException, as a policy change would (an error the
// SDK does not retry).
func (f *FakeSecretsManager) Fail(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing[id] = true
}

// Reads returns how many GetSecretValue calls asked for id, whether or not it exists.
func (f *FakeSecretsManager) Reads(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads[id]
}

func (f *FakeSecretsManager) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		smError(w, http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
		smError(w, http.StatusBadRequest, "UnknownOperationException", "only GetSecretValue is faked")
		return
	}
	var in struct {
		SecretId     string
		VersionId    string
		VersionStage string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.SecretId == "" {
		smError(w, http.StatusBadRequest, "InvalidParameterException", "SecretId is required")
		return
	}
	f.mu.Lock()
	f.reads[in.SecretId]++
	value, ok := f.secrets[in.SecretId]
	failing := f.failing[in.SecretId]
	f.mu.Unlock()
	if failing {
		smError(w, http.StatusBadRequest, "AccessDeniedException", "not authorized to perform secretsmanager:GetSecretValue")
		return
	}
	if !ok || (in.VersionStage != "" && in.VersionStage != "AWSCURRENT") || in.VersionId != "" {
		smError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	name := in.SecretId
	if i := strings.LastIndex(name, ":secret:"); i >= 0 {
		name = name[i+len(":secret:"):]
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ARN":           in.SecretId,
		"Name":          name,
		"SecretString":  value,
		"VersionId":     "00000000-0000-4000-8000-000000000001",
		"VersionStages": []string{"AWSCURRENT"},
		"CreatedDate":   1.7e9,
	})
}

// smError writes an error the way Secrets Manager's JSON protocol does.
func smError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
}
