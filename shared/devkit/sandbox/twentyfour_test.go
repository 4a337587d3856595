package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
)

func tfFake(t *testing.T, pageSize int) (*sandbox.TwentyFour, *zoomClock) {
	t.Helper()
	c := &zoomClock{now: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)}
	f, err := sandbox.NewTwentyFour(sandbox.TwentyFourOptions{
		ClientID: "cid", ClientSecret: "csecret", UserID: "7", MeetingTypeID: "2", PageSize: pageSize, Now: c.Now,
	})
	require.NoError(t, err)
	return f, c
}

type tfAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func tfDo(t *testing.T, h http.Handler, method, target, token, contentType, body string) tfAnswer {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := tfAnswer{status: rec.Code, header: rec.Header()}
	if rec.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &a.body), "body %s", rec.Body)
	}
	return a
}

func tfTokenFor(t *testing.T, h http.Handler) string {
	t.Helper()
	a := tfDo(t, h, http.MethodGet, sandbox.TwentyFourAPIPath+"/oauth/v2/token?client_id=cid&client_secret=csecret&grant_type=client_credentials", "", "", "")
	require.Equal(t, http.StatusOK, a.status, a.body)
	assert.EqualValues(t, 3600, a.body["expires_in"], "hourly tokens")
	return a.body["access_token"].(string)
}

const tfCreate = `{"date":"2026-11-24T14:00:00+00:00","status":"scheduled","description":"Intake","user":{"@id":"/users/7"},"guest":{"name":"Bob","email":"bob@example.net"},"type":{"@id":"/meeting_types/2"}}`

func TestTwentyFourToken(t *testing.T) {
	f, c := tfFake(t, 0)
	for name, q := range map[string]string{
		"wrong secret": "client_id=cid&client_secret=nope&grant_type=client_credentials",
		"wrong grant":  "client_id=cid&client_secret=csecret&grant_type=password",
	} {
		a := tfDo(t, f, http.MethodGet, sandbox.TwentyFourAPIPath+"/oauth/v2/token?"+q, "", "", "")
		assert.Equal(t, http.StatusBadRequest, a.status, name)
		assert.NotEmpty(t, a.body["error"], name)
	}
	tok := tfTokenFor(t, f)
	assert.Equal(t, 1, f.TokenRequests())
	assert.Equal(t, http.StatusOK, tfDo(t, f, http.MethodGet, sandbox.TwentyFourAPIPath+"/meetings", tok, "", "").status)
	assert.Equal(t, http.StatusUnauthorized, tfDo(t, f, http.MethodGet, sandbox.TwentyFourAPIPath+"/meetings", "forged", "", "").status)
	c.Add(time.Hour)
	a := tfDo(t, f, http.MethodGet, sandbox.TwentyFourAPIPath+"/meetings", tok, "", "")
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.Equal(t, "invalid_grant", a.body["error"])
}

func TestTwentyFourMeetings(t *testing.T) {
	f, _ := tfFake(t, 0)
	tok := tfTokenFor(t, f)
	a := tfDo(t, f, http.MethodPost, sandbox.TwentyFourAPIPath+"/meetings", tok, "application/ld+json", tfCreate)
	require.Equal(t, http.StatusCreated, a.status, a.body)
	iri := a.body["@id"].(string)
	assert.Regexp(t, `^/meetings/[0-9]+$`, iri)
	assert.NotEmpty(t, a.body["accessKey"])
	assert.Equal(t, "scheduled", a.body["status"])

	for name, body := range map[string]string{
		"wrong type":    strings.Replace(tfCreate, "/meeting_types/2", "/meeting_types/3", 1),
		"wrong user":    strings.Replace(tfCreate, "/users/7", "/users/8", 1),
		"bad date":      strings.Replace(tfCreate, "2026-11-24T14:00:00+00:00", "soon", 1),
		"bad status":    strings.Replace(tfCreate, `"scheduled"`, `"done"`, 1),
		"no guest mail": strings.Replace(tfCreate, "bob@example.net", "bob", 1),
	} {
		a := tfDo(t, f, http.MethodPost, sandbox.TwentyFourAPIPath+"/meetings", tok, "application/ld+json", body)
		assert.Equal(t, http.StatusBadRequest, a.status, name)
		assert.Equal(t, "hydra:Error", a.body["@type"], name)
	}

	path := sandbox.TwentyFourAPIPath + iri
	a = tfDo(t, f, http.MethodPatch, path, tok, "application/json", `{"status":"canceled_user"}`)
	assert.Equal(t, http.StatusUnsupportedMediaType, a.status, "API Platform's PATCH takes merge-patch only")
	a = tfDo(t, f, http.MethodPatch, path, tok, "application/merge-patch+json", `{"date":"2026-11-25T10:00:00+01:00"}`)
	require.Equal(t, http.StatusOK, a.status, a.body)
	assert.Equal(t, "2026-11-25T10:00:00+01:00", a.body["date"])
	a = tfDo(t, f, http.MethodPut, path, tok, "application/ld+json", `{"status":"canceled_user","cancellationReason":"host ill"}`)
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "canceled_user", a.body["status"])
	assert.Equal(t, "Intake", a.body["description"], "PUT changes only what it sends")

	assert.Equal(t, http.StatusNoContent, tfDo(t, f, http.MethodDelete, path, tok, "", "").status)
	assert.Equal(t, http.StatusNotFound, tfDo(t, f, http.MethodGet, path, tok, "", "").status)
}

func TestTwentyFourListPages(t *testing.T) {
	f, _ := tfFake(t, 2)
	tok := tfTokenFor(t, f)
	for i := range 5 {
		body := strings.Replace(tfCreate, "2026-11-24", fmt.Sprintf("2026-11-%d", 20+i), 1)
		require.Equal(t, http.StatusCreated, tfDo(t, f, http.MethodPost, sandbox.TwentyFourAPIPath+"/meetings", tok, "", body).status)
	}
	a := tfDo(t, f, http.MethodGet, sandbox.TwentyFourAPIPath+"/meetings?page=1", tok, "", "")
	assert.Equal(t, "hydra:PagedCollection", a.body["@type"])
	assert.EqualValues(t, 5, a.body["hydra:totalItems"])
	assert.Len(t, a.body["hydra:member"], 2)
	assert.Contains(t, a.body["hydra:lastPage"], "page=3")
	assert.Contains(t, a.body["hydra:nextPage"], "page=2")
	a = tfDo(t, f, http.MethodGet, sandbox.TwentyFourAPIPath+"/meetings?page=3", tok, "", "")
	assert.Len(t, a.body["hydra:member"], 1)
	assert.NotContains(t, a.body, "hydra:nextPage")

	a = tfDo(t, f, http.MethodGet, sandbox.TwentyFourAPIPath+"/meetings?date%5Bafter%5D=2026-11-23T00:00:00%2B00:00", tok, "", "")
	assert.EqualValues(t, 2, a.body["hydra:totalItems"], "the date[after] filter")
}

func TestTwentyFourFaults(t *testing.T) {
	f, _ := tfFake(t, 0)
	tok := tfTokenFor(t, f)
	list := sandbox.TwentyFourAPIPath + "/meetings"
	f.Throttle(1, 2*time.Second)
	f.Fail(1, http.StatusUnauthorized)
	a := tfDo(t, f, http.MethodGet, list, tok, "", "")
	assert.Equal(t, http.StatusTooManyRequests, a.status)
	assert.Equal(t, "2", a.header.Get("Retry-After"))
	assert.Equal(t, http.StatusUnauthorized, tfDo(t, f, http.MethodGet, list, tok, "", "").status)
	assert.Equal(t, http.StatusOK, tfDo(t, f, http.MethodGet, list, tok, "", "").status)
	f.ExpireTokens()
	assert.Equal(t, http.StatusUnauthorized, tfDo(t, f, http.MethodGet, list, tok, "", "").status)
	assert.Len(t, f.Requests(), 4)

	_, err := sandbox.NewTwentyFour(sandbox.TwentyFourOptions{ClientID: "x"})
	require.Error(t, err)
}
