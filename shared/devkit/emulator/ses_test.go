package emulator

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSESLocal(t *testing.T) {
	endpoint := SESLocal(t)
	c := sesv2.NewFromConfig(AWSConfig(endpoint))
	raw := []byte(strings.Join([]string{
		"From: roomkeeper <invites@roomkeeper.test>",
		"To: bob@example.net",
		"Subject: =?utf-8?q?M=C3=B8te?=",
		"Date: Sun, 22 Nov 2026 10:00:00 +0000",
		"Message-ID: <fixed@roomkeeper.test>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Hei\r\n",
	}, "\r\n"))
	out, err := c.SendEmail(t.Context(), &sesv2.SendEmailInput{
		Content:   &types.EmailContent{Raw: &types.RawMessage{Data: raw}},
		EmailTags: []types.MessageTag{{Name: new("roomkeeper-booking"), Value: new("fsfrjwdrtwpac")}},
	})
	require.NoError(t, err)
	rawID := *out.MessageId

	out, err = c.SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress: new("invites@roomkeeper.test"),
		Destination:      &types.Destination{ToAddresses: []string{"bob@example.net"}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: new("Simple")},
			Body:    &types.Body{Text: &types.Content{Data: new("Hello")}},
		}},
	})
	require.NoError(t, err)
	simpleID := *out.MessageId

	msgs := SESMessages(t, endpoint)
	require.Len(t, msgs, 2)
	assert.Equal(t, rawID, msgs[0].MessageID)
	assert.Equal(t, "Møte", msgs[0].Subject)
	assert.Equal(t, `"roomkeeper" <invites@roomkeeper.test>`, msgs[0].From, "display text")
	assert.Equal(t, []string{"bob@example.net"}, msgs[0].Destination.To)
	assert.Equal(t, "Hei\n", msgs[0].Body.Text, "mailparser turns CRLF into LF")
	assert.Equal(t, simpleID, msgs[1].MessageID)
	assert.Equal(t, "Simple", msgs[1].Subject)

	assert.Equal(t, raw, SESRaw(t, endpoint, rawID), "the accepted bytes, exactly")
	assert.Equal(t, map[string]string{"roomkeeper-booking": "fsfrjwdrtwpac"}, SESTags(t, endpoint, rawID), "the tags SES would hand back")

	rebuilt := string(SESRebuilt(t, endpoint, rawID))
	assert.Contains(t, rebuilt, "Subject: =?UTF-8?Q?M=C3=B8te?=")
	assert.NotContains(t, rebuilt, "<fixed@roomkeeper.test>", "the Message-ID is not kept")

	t.Run("helpers fail on what the emulator does not have", func(t *testing.T) {
		tb := run(t, func(tb testing.TB) { SESRaw(tb, endpoint, simpleID) })
		assert.Contains(t, tb.failed, "was not sent with Raw content")
		tb = run(t, func(tb testing.TB) { SESRaw(tb, endpoint, "ses-unknown") })
		assert.Contains(t, tb.failed, `stored no message "ses-unknown"`)
		tb = run(t, func(tb testing.TB) { SESRebuilt(tb, endpoint, "ses-unknown") })
		assert.Contains(t, tb.failed, `stored no message "ses-unknown"`)
		tb = run(t, func(tb testing.TB) { SESRaw(tb, "http://127.0.0.1:1", rawID) })
		assert.Contains(t, tb.failed, "is not an endpoint SESLocal returned")
		require.NoError(t, httpOK(context.Background(), endpoint+"/health-check"), "the emulator is still up")
	})

	t.Run("each call starts its own emulator", func(t *testing.T) {
		other := SESLocal(t)
		assert.NotEqual(t, endpoint, other)
		assert.Empty(t, SESMessages(t, other))
	})
}
