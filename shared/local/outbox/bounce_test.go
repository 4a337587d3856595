package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
)

// TestTheOutboxBouncesAndComplainsAsTold: mail to an address the outbox was told to bounce, or
// to complain about, is written as usual and then reported, naming the message's booking, as
// SES reports it; so are SES's mailbox simulator addresses.
func TestTheOutboxBouncesAndComplainsAsTold(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	o := mustNew(t, t.TempDir(), func() time.Time { return at })
	o.Bounce("Bob@Example.net")
	o.Complain("cy@example.org")
	raw := []byte("From: invites@localhost\r\nTo: x@example.com\r\nSubject: hi\r\n\r\nhello\r\n")
	send := func(key string, to ...string) string {
		t.Helper()
		id, err := o.Send(context.Background(), booking.Message{From: "invites@localhost", To: to, Raw: raw, Key: key})
		require.NoError(t, err)
		return id
	}
	send("aaaaaaaaaaaaa", "ada@example.com")
	assert.Empty(t, o.Reports(), "mail to anyone else is not reported")

	id := send("bbbbbbbbbbbbb", "bob@example.net")
	assert.Equal(t, []booking.MailEvent{{Kind: booking.MailBounced, Key: "bbbbbbbbbbbbb", MessageID: id, Recipients: []string{"bob@example.net"}, Type: "Permanent/General", At: at}}, o.Reports())
	assert.Empty(t, o.Reports(), "each report once")
	_, err := o.Read(id)
	assert.NoError(t, err, "a bounced message was still sent")

	id = send("ccccccccccccc", "cy@example.org")
	assert.Equal(t, []booking.MailEvent{{Kind: booking.MailComplained, Key: "ccccccccccccc", MessageID: id, Recipients: []string{"cy@example.org"}, Type: "abuse", At: at}}, o.Reports())

	b := send("ddddddddddddd", outbox.SimulatorBounce)
	c := send("ddddddddddddd", outbox.SimulatorComplaint)
	got := o.Reports()
	require.Len(t, got, 2)
	assert.Equal(t, booking.MailBounced, got[0].Kind)
	assert.Equal(t, b, got[0].MessageID)
	assert.Equal(t, booking.MailComplained, got[1].Kind)
	assert.Equal(t, c, got[1].MessageID)
}
