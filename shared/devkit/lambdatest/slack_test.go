package lambdatest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/slackfake"
)

// testSlack: the compiled admin function answers a signed /rooms command within Slack's three
// seconds and leaves the room to a job on the work queue, {"slack": …}; the compiled worker
// runs it and posts the guest and host links to the command's response_url — each with its
// secrets read from Secrets Manager by their ARNs, and only the calls their roles allow.
func testSlack(t *testing.T, e *emulators) {
	fake := slackfake.New(slackToken)
	t.Cleanup(fake.Close)
	fake.AddUser(slackfake.User{ID: "UADMIN", TeamID: "T0AWS", Name: "Ada Admin", Email: organizer})
	fake.SetGroup("SADMINS", "UADMIN")
	s := newStack(t, e, "slack")
	env := []string{
		"SLACK_SIGNING_SECRET_SECRET_ARN=" + slackSigningARN, "SLACK_BOT_TOKEN_SECRET_ARN=" + slackTokenARN,
		"SLACK_TEAM_ID=T0AWS", "SLACK_ADMIN_USERGROUP=SADMINS", "SLACK_API_URL=" + fake.APIURL(),
	}
	s.start("admin", env...)
	worker, _ := s.start("worker", env...)

	body := []byte(url.Values{
		"team_id": {"T0AWS"}, "user_id": {"UADMIN"}, "command": {"/rooms"}, "text": {"create 2-4 aws +1h"},
		"response_url": {fake.ResponseURL()}, "trigger_id": {"t.aws.1"},
	}.Encode())
	post := func(h http.Header) (int, string) {
		req, err := http.NewRequest(http.MethodPost, s.api.URL+"/v1/slack/commands", strings.NewReader(string(body)))
		require.NoError(t, err)
		req.Header = h
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	status, _ := post(slackfake.Sign("wrong", time.Now(), body))
	assert.Equal(t, http.StatusUnauthorized, status)
	status, answer := post(slackfake.Sign(slackSigning, time.Now(), body))
	require.Equal(t, http.StatusOK, status, answer)
	assert.Contains(t, answer, "Making the room")
	assert.Empty(t, s.sandbox.Rooms(), "nothing made before the answer")

	msgs := s.receive()
	require.Len(t, msgs, 1, "the job, on the work queue")
	assert.Contains(t, *msgs[0].Body, `{"slack":{`)
	assert.NotContains(t, *msgs[0].Body, organizer, "no address on the queue: the worker reads it from Slack")
	resp := s.deliver(worker, msgs)
	assert.Empty(t, resp.BatchItemFailures)
	rooms := s.sandbox.Rooms()
	require.Len(t, rooms, 1, "the worker made the room")
	posts := fake.Calls(slackfake.ResponseURLMethod)
	require.Len(t, posts, 1)
	assert.Contains(t, string(posts[0].Body), "Guest link")
	assert.Contains(t, string(posts[0].Body), s.api.URL+"/j/", "roomkeeper's own links")
	assert.NotContains(t, string(posts[0].Body), "roomKey", "never the provider's host link")
}
