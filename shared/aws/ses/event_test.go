package ses_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/ses"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/eventfile"
)

const key = "fsfrjwdrtwpac"

// sesEvent is an SES event record for a message tagged with key, as SES publishes it to SNS,
// with the type-specific object obj under the event type's member.
func sesEvent(eventType, member string, obj map[string]any, tags map[string][]string) []byte {
	ev := map[string]any{
		"eventType": eventType,
		"mail": map[string]any{
			"timestamp": "2026-11-22T10:00:00.000Z", "source": "invites@example.com", "messageId": "0100019a-msg",
			"destination": []string{"bob@example.net"}, "headersTruncated": false, "tags": tags,
		},
	}
	if member != "" {
		ev[member] = obj
	}
	b, _ := json.Marshal(ev)
	return b
}

func ours() map[string][]string {
	return map[string][]string{"ses:configuration-set": {"roomkeeper"}, ses.BookingTag: {key}}
}

func TestParseEvent(t *testing.T) {
	bounce := func(typ, sub string, rcpts ...string) map[string]any {
		var rs []map[string]any
		for _, r := range rcpts {
			rs = append(rs, map[string]any{"emailAddress": r, "action": "failed", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 <" + r + ">: user unknown"})
		}
		return map[string]any{"bounceType": typ, "bounceSubType": sub, "bouncedRecipients": rs, "timestamp": "2026-11-22T10:01:02.669Z", "feedbackId": "f"}
	}
	at := time.Date(2026, 11, 22, 10, 1, 2, 669e6, time.UTC)
	for _, tt := range []struct {
		name string
		body []byte
		want booking.MailEvent
	}{
		{"a hard bounce", sesEvent("Bounce", "bounce", bounce("Permanent", "General", "bob@example.net"), ours()),
			booking.MailEvent{Kind: booking.MailBounced, Key: key, MessageID: "0100019a-msg", Recipients: []string{"bob@example.net"}, Type: "Permanent/General", At: at}},
		{"a soft bounce of two", sesEvent("Bounce", "bounce", bounce("Transient", "MailboxFull", "bob@example.net", "\"Cy\" <cy@example.org>"), ours()),
			booking.MailEvent{Kind: booking.MailBounced, Key: key, MessageID: "0100019a-msg", Recipients: []string{"bob@example.net", "cy@example.org"}, Type: "Transient/MailboxFull", At: at}},
		{"a class that is not SES's", sesEvent("Bounce", "bounce", bounce("Permanent", "<b>General</b>", "bob@example.net"), ours()),
			booking.MailEvent{Kind: booking.MailBounced, Key: key, MessageID: "0100019a-msg", Recipients: []string{"bob@example.net"}, Type: "Permanent", At: at}},
		{"the longest class", sesEvent("Bounce", "bounce", bounce(strings.Repeat("P", 40), strings.Repeat("G", 41), "bob@example.net"), ours()),
			booking.MailEvent{Kind: booking.MailBounced, Key: key, MessageID: "0100019a-msg", Recipients: []string{"bob@example.net"}, Type: strings.Repeat("P", 40), At: at}},
		{"a complaint", sesEvent("Complaint", "complaint", map[string]any{
			"complainedRecipients": []map[string]any{{"emailAddress": "bob@example.net"}}, "timestamp": "2026-11-22T10:01:02.669Z",
			"complaintFeedbackType": "abuse", "complaintSubType": nil, "feedbackId": "f", "userAgent": "Mail"}, ours()),
			booking.MailEvent{Kind: booking.MailComplained, Key: key, MessageID: "0100019a-msg", Recipients: []string{"bob@example.net"}, Type: "abuse", At: at}},
		{"a complaint for an address SES suppressed", sesEvent("Complaint", "complaint", map[string]any{
			"complainedRecipients": []map[string]any{{"emailAddress": "bob@example.net"}}, "complaintSubType": "OnAccountSuppressionList"}, ours()),
			booking.MailEvent{Kind: booking.MailComplained, Key: key, MessageID: "0100019a-msg", Recipients: []string{"bob@example.net"}, Type: "OnAccountSuppressionList",
				At: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := ses.ParseEvent(tt.body)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestParseEventIgnoresWhatIsNotOurs: SES event records roomkeeper does not act on are
// acknowledged, not failed.
func TestParseEventIgnoresWhatIsNotOurs(t *testing.T) {
	b := map[string]any{"bounceType": "Permanent", "bouncedRecipients": []map[string]any{{"emailAddress": "bob@example.net"}}}
	for name, body := range map[string][]byte{
		"a delivery":                 sesEvent("Delivery", "delivery", map[string]any{"recipients": []string{"bob@example.net"}}, ours()),
		"a send":                     sesEvent("Send", "send", map[string]any{}, ours()),
		"another sender's mail":      sesEvent("Bounce", "bounce", b, map[string][]string{"ses:configuration-set": {"shared"}}),
		"a tag that is not a key":    sesEvent("Bounce", "bounce", b, map[string][]string{ses.BookingTag: {"../../etc"}}),
		"no tags at all":             sesEvent("Bounce", "bounce", b, nil),
		"an identity's notification": []byte(`{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"bob@example.net"}]},"mail":{"messageId":"m"}}`),
	} {
		t.Run(name, func(t *testing.T) {
			_, ok, err := ses.ParseEvent(body)
			require.NoError(t, err)
			assert.False(t, ok)
		})
	}
}

func TestParseEventRejectsWhatIsNoEvent(t *testing.T) {
	for name, body := range map[string]string{
		"a nudge":                   `{"key":"fsfrjwdrtwpac"}`,
		"not JSON":                  `not a roomkeeper message`,
		"no mail":                   `{"eventType":"Bounce","bounce":{}}`,
		"a bounce without bounce":   string(sesEvent("Bounce", "", nil, ours())),
		"a bounce without anybody":  string(sesEvent("Bounce", "bounce", map[string]any{"bounceType": "Permanent", "bouncedRecipients": []any{}}, ours())),
		"a complaint without one":   string(sesEvent("Complaint", "", nil, ours())),
		"an SNS envelope (not raw)": `{"Type":"Notification","MessageId":"x","TopicArn":"arn:aws:sns:us-east-1:1:t","Message":"{}"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, ok, err := ses.ParseEvent([]byte(body))
			require.Error(t, err)
			assert.False(t, ok)
			assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
			assert.NotContains(t, err.Error(), "@", "the error repeats no address")
		})
	}
}

// TestParseEventSample reads the body of events/sqs-ses-bounce.json, a Bounce as SNS delivers it
// to the work queue.
func TestParseEventSample(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "sqs-ses-bounce.json"))
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	payload, err := eventfile.Expand(raw, eventfile.Vars{Now: now, Run: "sample"})
	require.NoError(t, err)
	var ev events.SQSEvent
	require.NoError(t, json.Unmarshal(payload, &ev))
	require.Len(t, ev.Records, 1)
	got, ok, err := ses.ParseEvent([]byte(ev.Records[0].Body))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, booking.KeyOf("generic", "demo-sample"), got.Key, "the booking events/apigw-booking-created.json makes")
	assert.Equal(t, []string{"bob@example.net"}, got.Recipients)
	assert.Equal(t, "Permanent/General", got.Type)
	assert.Equal(t, now, got.At)
	assert.True(t, strings.HasPrefix(got.MessageID, "0100019a-"))
}
