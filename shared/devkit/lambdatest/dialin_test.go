package lambdatest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
)

// testDialIn: the worker binary makes Zoom and Whereby rooms with dial-in, and the compiled
// dialin function, invoked through Lambda's Invoke API, normalises their numbers: every
// invitation carries the E.164 tel: links. Zoom gives every meeting the same global numbers, so
// a second Zoom room costs no invocation: the worker keeps each answer.
func testDialIn(t *testing.T, e *emulators) {
	s := newStack(t, e, "dialin")
	zsrv := httptest.NewUnstartedServer(nil)
	zoom, err := sandbox.NewZoom(sandbox.ZoomOptions{
		PublicURL: "http://" + zsrv.Listener.Addr().String(),
		AccountID: "acct-lt", ClientID: "client-lt", ClientSecret: zoomClientSecret,
		HostEmail: "zoomhost@example.org",
	})
	require.NoError(t, err)
	zsrv.Config.Handler = zoom
	zsrv.Start()
	t.Cleanup(zsrv.Close)
	zoomEnv := []string{"ZOOM_ACCOUNT_ID=acct-lt", "ZOOM_CLIENT_ID=client-lt", "ZOOM_CLIENT_SECRET_SECRET_ARN=" + zoomClientARN,
		"ZOOM_API_URL=" + zsrv.URL + sandbox.ZoomAPIPath, "ZOOM_OAUTH_URL=" + zsrv.URL + sandbox.ZoomOAuthPath}
	bookings, _ := s.start("bookings", zoomEnv[:2]...)
	worker, workerAWS := s.start("worker", zoomEnv...)

	// book posts a booking whose room has dial-in, lets the worker make it, and returns the
	// booking and the invitations it mailed.
	book := func(run, provider string) (*booking.Booking, []*invitetest.Mail) {
		t.Helper()
		before := len(emulator.SESMessages(t, e.ses))
		resp, _ := s.post(bookings, s.bookingEvent(run, func(data map[string]any) {
			data["room"] = map[string]any{"provider": provider, "dialIn": true}
		}))
		require.Equal(t, http.StatusAccepted, resp.StatusCode, resp.Body)
		s.deliver(worker, s.receive())
		b := s.booking(run)
		require.Nil(t, b.Failure, "%s", run)
		require.NotNil(t, b.Room)
		require.NotNil(t, b.Room.DialIn, "%s: the room has its dial-in numbers", run)
		var mails []*invitetest.Mail
		for _, m := range emulator.SESMessages(t, e.ses)[before:] {
			mails = append(mails, invitetest.Parse(t, emulator.SESRaw(t, e.ses, m.MessageID)))
		}
		require.Len(t, mails, 2, "%s: organizer and guest", run)
		return b, mails
	}

	for i, run := range []string{"zoom1", "zoom2"} {
		b, mails := book(run, "zoom")
		var e164 []string
		for _, n := range b.Room.DialIn.Numbers {
			e164 = append(e164, n.E164)
		}
		assert.Equal(t, []string{"+12125550142", "+4721550142"}, e164, "Zoom's numbers in E.164")
		for _, m := range mails {
			assert.Contains(t, m.Text, "tel:+12125550142,,"+b.Room.ID+"%23", "%s: the US number's one-tap link", m.To)
			assert.Contains(t, m.Text, "tel:+4721550142,,"+b.Room.ID+"%23", "%s: the Norwegian number's", m.To)
		}
		assert.Equal(t, 2, s.lambda.Invocations(dialinFunction), "after Zoom room %d: one invocation per distinct number", i+1)
	}

	b, mails := book("whereby", "whereby")
	rooms := s.sandbox.Rooms()
	require.Len(t, rooms, 1)
	national := rooms[0].DialIn.PhoneNumbers[0].PhoneNumber // "212-555-01NN"
	want := "+1" + strings.ReplaceAll(national, "-", "")
	require.Len(t, b.Room.DialIn.Numbers, 1)
	assert.Equal(t, want, b.Room.DialIn.Numbers[0].E164, "Whereby's national number, in E.164")
	for _, m := range mails {
		assert.Contains(t, m.Text, "tel:"+want+","+rooms[0].DialIn.Code, "%s: the one-tap link", m.To)
	}
	assert.Equal(t, 3, s.lambda.Invocations(dialinFunction))
	assert.Equal(t, 3, workerAWS.Usage().Calls["Lambda.Invoke"], "the worker's invocations, as its proxy counted them")
}

// testDialInOutage: while Lambda answers the worker's invocations of the dialin function with
// errors, the worker makes the Whereby room but mails nothing and records a temporary failure;
// the next run adopts that room (the intent's tag, shared/reconcile) and mails the invitations
// with the room's dial-in number: one room, never an invitation without its number.
func testDialInOutage(t *testing.T, e *emulators) {
	for _, tt := range []struct {
		name   string
		status int
	}{{"throttled", http.StatusTooManyRequests}, {"failing", http.StatusInternalServerError}} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, e, "dialin-"+tt.name)
			worker, _ := s.start("worker")
			key := s.book(tt.name)
			before := len(emulator.SESMessages(t, e.ses))

			s.lambda.Fail(3, tt.status) // the SDK's three attempts
			var resp events.SQSEventResponse
			worker.MustInvoke(t, events.SQSEvent{Records: []events.SQSMessage{sqsRecord("m1", key)}}, &resp)
			assert.Empty(t, resp.BatchItemFailures, "a provider step's failure is the booking's, retried from its dueAt")
			b, err := s.store.Get(context.Background(), key)
			require.NoError(t, err)
			require.NotNil(t, b.Failure, "the failed invocation is recorded")
			assert.False(t, b.Failure.Permanent, "and retried")
			assert.Nil(t, b.Room)
			require.NotNil(t, b.Creating, "the intent stays, for the next run to find the room by")
			rooms := s.sandbox.Rooms()
			require.Len(t, rooms, 1, "the room Whereby made is kept")
			assert.Len(t, emulator.SESMessages(t, e.ses), before, "no invitation without the room's dial-in number")
			assert.Zero(t, s.lambda.Invocations(dialinFunction), "no invocation reached the function")

			worker.MustInvoke(t, events.SQSEvent{Records: []events.SQSMessage{sqsRecord("m2", key)}}, &resp)
			assert.Empty(t, resp.BatchItemFailures)
			b, err = s.store.Get(context.Background(), key)
			require.NoError(t, err)
			assert.Nil(t, b.Failure)
			require.NotNil(t, b.Room)
			assert.Equal(t, rooms[0].MeetingID, b.Room.ID, "the room made before is adopted")
			assert.Len(t, s.sandbox.Rooms(), 1, "and no second room made")
			want := "tel:+1" + strings.ReplaceAll(rooms[0].DialIn.PhoneNumbers[0].PhoneNumber, "-", "") + "," + rooms[0].DialIn.Code
			sent := emulator.SESMessages(t, e.ses)[before:]
			require.Len(t, sent, 2, "organizer and guest")
			for _, m := range sent {
				mail := invitetest.Parse(t, emulator.SESRaw(t, e.ses, m.MessageID))
				assert.Contains(t, mail.Text, want, "%s: the room's dial-in number", mail.To)
			}
		})
	}
}
