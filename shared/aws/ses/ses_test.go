package ses_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/ses"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/mailertest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

// TestMailerContract runs the Mailer suite against aws-ses-v2-local. readBack returns the bytes
// the emulator accepted under the id (captured by the emulator's proxy, since the emulator keeps
// only a parsed copy; see emulator.SESRebuilt) after checking that the emulator stored a message
// under that id with the same subject.
func TestMailerContract(t *testing.T) {
	endpoint := emulator.SESLocal(t)
	client := sesv2.NewFromConfig(emulator.AWSConfig(endpoint))
	mailertest.Run(t, func(t *testing.T) (booking.Mailer, func(t *testing.T, id string) []byte) {
		return ses.New(client, ""), func(t *testing.T, id string) []byte {
			t.Helper()
			raw := emulator.SESRaw(t, endpoint, id)
			stored := storedMessage(t, endpoint, id)
			assert.Equal(t, subjectOf(t, raw), stored.Subject, "the emulator's parsed copy of %s", id)
			return raw
		}
	})
}

// sesRequest is what the fake SES endpoint saw of one SendEmail call.
type sesRequest struct {
	Path                 string
	ConfigurationSetName *string
	FromEmailAddress     *string
	Destination          *struct{ ToAddresses []string }
	Content              struct {
		Raw *struct{ Data []byte }
	}
	EmailTags []struct{ Name, Value string }
}

// fakeSES is an SES v2 endpoint that records SendEmail requests and answers each with the next
// of answers (the last one repeats).
type fakeSES struct {
	mu       sync.Mutex
	requests []sesRequest
	answers  []answer
}

type answer struct {
	status    int
	errorType string // X-Amzn-ErrorType
	body      string
}

func (f *fakeSES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req sesRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req.Path = r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.requests = append(f.requests, req)
	a := f.answers[min(len(f.requests), len(f.answers))-1]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if a.errorType != "" {
		w.Header().Set("X-Amzn-ErrorType", a.errorType)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (f *fakeSES) start(t *testing.T) *sesv2.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return sesv2.NewFromConfig(emulator.AWSConfig(srv.URL))
}

func TestSendRequest(t *testing.T) {
	raw := []byte("From: invites@roomkeeper.test\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\nhello\r\n")
	tests := []struct {
		name      string
		configSet string
		msg       booking.Message
		wantSet   *string
		wantFrom  *string
		wantTo    []string
	}{
		{
			name:     "envelope, no configuration set",
			msg:      booking.Message{From: "invites@roomkeeper.test", To: []string{"bob@example.net"}, Raw: raw},
			wantFrom: new("invites@roomkeeper.test"),
			wantTo:   []string{"bob@example.net"},
		},
		{
			name:      "configuration set",
			configSet: "roomkeeper-events",
			msg:       booking.Message{From: "invites@roomkeeper.test", To: []string{"bob@example.net", "eve@example.org"}, Raw: raw},
			wantSet:   new("roomkeeper-events"),
			wantFrom:  new("invites@roomkeeper.test"),
			wantTo:    []string{"bob@example.net", "eve@example.org"},
		},
		{
			name: "no envelope: SES reads the headers",
			msg:  booking.Message{Raw: raw},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSES{answers: []answer{{status: 200, body: `{"MessageId":"0100019a-test"}`}}}
			id, err := ses.New(f.start(t), tt.configSet).Send(t.Context(), tt.msg)
			require.NoError(t, err)
			assert.Equal(t, "0100019a-test", id)
			require.Len(t, f.requests, 1)
			got := f.requests[0]
			assert.Equal(t, "POST /v2/email/outbound-emails", got.Path)
			require.NotNil(t, got.Content.Raw)
			assert.Equal(t, raw, got.Content.Raw.Data, "the raw bytes go out unchanged")
			assert.Equal(t, tt.wantSet, got.ConfigurationSetName)
			assert.Equal(t, tt.wantFrom, got.FromEmailAddress)
			if tt.wantTo == nil {
				assert.Nil(t, got.Destination)
			} else {
				require.NotNil(t, got.Destination)
				assert.Equal(t, tt.wantTo, got.Destination.ToAddresses)
			}
		})
	}
}

// TestSendTagsTheBooking: a message about a booking carries its key as the EmailTag that SES
// hands back with a bounce or complaint.
func TestSendTagsTheBooking(t *testing.T) {
	f := &fakeSES{answers: []answer{{status: 200, body: `{"MessageId":"0100019a-test"}`}}}
	m := ses.New(f.start(t), "roomkeeper")
	raw := []byte("Subject: x\r\n\r\nx\r\n")
	_, err := m.Send(t.Context(), booking.Message{From: "invites@roomkeeper.test", To: []string{"bob@example.net"}, Raw: raw, Key: "fsfrjwdrtwpac"})
	require.NoError(t, err)
	_, err = m.Send(t.Context(), booking.Message{From: "invites@roomkeeper.test", To: []string{"bob@example.net"}, Raw: raw})
	require.NoError(t, err)
	require.Len(t, f.requests, 2)
	assert.Equal(t, []struct{ Name, Value string }{{ses.BookingTag, "fsfrjwdrtwpac"}}, f.requests[0].EmailTags)
	assert.Empty(t, f.requests[1].EmailTags, "no booking, no tag")
}

func TestSendErrors(t *testing.T) {
	const addr = "bob@example.net"
	tests := []struct {
		name      string
		answer    answer
		permanent bool
		delay     time.Duration
	}{
		{"TooManyRequests", answer{429, "TooManyRequestsException", `{"message":"Too many requests."}`}, false, ses.RateDelay},
		{"Throttling, sending rate", answer{400, "ThrottlingException", `{"message":"Maximum sending rate exceeded."}`}, false, ses.RateDelay},
		{"Throttling, daily quota", answer{400, "ThrottlingException", `{"message":"Daily message quota exceeded."}`}, false, ses.QuotaDelay},
		{"LimitExceeded", answer{400, "LimitExceededException", `{"message":"Limit exceeded."}`}, false, ses.RateDelay},
		{"sending rate under another code", answer{400, "Throttling", `{"message":"Maximum sending rate exceeded."}`}, false, ses.RateDelay},
		{"MessageRejected naming an address", answer{400, "MessageRejected", `{"message":"Email address is not verified. The following identities failed the check in region US-EAST-1: ` + addr + `"}`}, true, 0},
		{"MailFromDomainNotVerified", answer{400, "MailFromDomainNotVerifiedException", `{"message":"MAIL FROM domain not verified."}`}, true, 0},
		{"AccountSuspended", answer{400, "AccountSuspendedException", `{"message":"Account suspended."}`}, true, 0},
		{"BadRequest", answer{400, "BadRequestException", `{"message":"Invalid email address <` + addr + `>."}`}, true, 0},
		{"NotFound", answer{404, "NotFoundException", `{"message":"Configuration set does not exist."}`}, true, 0},
		{"SendingPaused", answer{400, "SendingPausedException", `{"message":"Sending paused."}`}, false, 0},
		{"internal error", answer{500, "InternalFailure", `{"message":"internal error"}`}, false, 0},
		{"unknown 4xx", answer{403, "AccessDeniedException", `{"message":"not authorized"}`}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSES{answers: []answer{tt.answer}}
			id, err := ses.New(f.start(t), "").Send(t.Context(), booking.Message{From: "invites@roomkeeper.test", To: []string{addr}, Raw: []byte("Subject: x\r\n\r\nx\r\n")})
			require.Error(t, err)
			assert.Empty(t, id)
			assert.Equal(t, tt.permanent, booking.IsPermanent(err), "IsPermanent(%v)", err)
			assert.Equal(t, tt.delay, booking.RetryDelay(err), "RetryDelay(%v)", err)
			assert.NotContains(t, err.Error(), "@", "the error text names no address")
			assert.Contains(t, err.Error(), "send message with SES")
		})
	}
}

func TestSendRefusesEmptyMessage(t *testing.T) {
	f := &fakeSES{answers: []answer{{status: 200, body: `{"MessageId":"x"}`}}}
	_, err := ses.New(f.start(t), "").Send(t.Context(), booking.Message{From: "invites@roomkeeper.test", To: []string{"bob@example.net"}})
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err))
	assert.Empty(t, f.requests, "nothing was sent")
}

// storedMessage returns the emulator's parsed copy of a message.
func storedMessage(t *testing.T, endpoint, id string) emulator.SESMessage {
	t.Helper()
	for _, m := range emulator.SESMessages(t, endpoint) {
		if m.MessageID == id {
			return m
		}
	}
	require.FailNow(t, "the emulator stored no message "+id)
	return emulator.SESMessage{}
}

// subjectOf returns the decoded Subject of a raw message.
func subjectOf(t *testing.T, raw []byte) string {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	require.NoError(t, err)
	s, err := (&mail.Header{Header: e.Header}).Subject()
	require.NoError(t, err)
	return strings.TrimSpace(s)
}
