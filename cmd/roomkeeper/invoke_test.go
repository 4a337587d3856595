package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/invite/invitetest"
	"github.com/roomkeeper/roomkeeper/shared/lambda/dialin"
	"github.com/roomkeeper/roomkeeper/shared/lambda/sweeper"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
)

// invokeEnv points invoke at a fresh data directory and a free loopback address.
func invokeEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	t.Setenv("ROOMKEEPER_DATA_DIR", dir)
	t.Setenv("ROOMKEEPER_ADDR", addr)
	t.Setenv("ROOMKEEPER_PUBLIC_URL", "")
	t.Setenv("ROOMKEEPER_GENERIC_SECRET", "")
	t.Setenv("WHEREBY_API_KEY", "")
	t.Setenv("ROOMKEEPER_DEPLOYMENT", "invoke-test")
	return dir
}

// runInvoke runs `roomkeeper invoke args…` on an events/ file and decodes what it printed.
func runInvoke(t *testing.T, out any, args ...string) {
	t.Helper()
	args[len(args)-1] = filepath.Join("..", "..", "events", args[len(args)-1])
	var buf bytes.Buffer
	require.NoError(t, invoke(context.Background(), args, &buf))
	require.NoError(t, json.Unmarshal(buf.Bytes(), out), "output %s", buf.String())
}

func TestInvokeRunsEachFunctionOnItsSample(t *testing.T) {
	dir := invokeEnv(t)

	// bookings: the API Gateway sample, signed with the generated local secret, is accepted.
	var apiResp events.APIGatewayV2HTTPResponse
	runInvoke(t, &apiResp, "bookings", "apigw-booking-created.json")
	assert.Equal(t, 202, apiResp.StatusCode, apiResp.Body)
	var body map[string]string
	require.NoError(t, json.Unmarshal([]byte(apiResp.Body), &body))
	key := booking.KeyOf("generic", "demo-sample")
	assert.Equal(t, map[string]string{"status": "applied", "booking": key}, body)

	// worker: the SQS sample names that booking (and carries one undecodable message).
	var sqsResp events.SQSEventResponse
	runInvoke(t, &sqsResp, "worker", "sqs-batch.json")
	assert.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "sample-0002"}}, sqsResp.BatchItemFailures)

	store, err := bolt.Open(filepath.Join(dir, "roomkeeper.db"))
	require.NoError(t, err)
	b, err := store.Get(context.Background(), key)
	require.NoError(t, err)
	require.NoError(t, store.Close())
	require.NotNil(t, b.Room, "the worker created the room in the sandbox")
	assert.Contains(t, b.Room.GuestURL, "/sandbox/whereby/rooms/")
	ob, err := outbox.New(filepath.Join(dir, "outbox"), nil)
	require.NoError(t, err)
	entries, err := ob.List()
	require.NoError(t, err)
	require.Len(t, entries, 2, "organizer and guest")
	for _, e := range entries {
		raw, err := ob.Read(e.ID)
		require.NoError(t, err)
		m := invitetest.Parse(t, raw)
		assert.Equal(t, "REQUEST", m.Method)
		assert.Equal(t, b.UID, m.UID)
	}

	// hooks: the sample Whereby webhook, signed with the local secret, names the sample booking's
	// first sandbox room (meetingId 87673375 in a fresh data directory): it is recorded.
	var hookResp events.APIGatewayV2HTTPResponse
	runInvoke(t, &hookResp, "hooks", "apigw-hook-whereby.json")
	assert.Equal(t, 200, hookResp.StatusCode, hookResp.Body)
	assert.Contains(t, hookResp.Body, `"status":"recorded"`)

	// admin: GET /v1/rooms with the local token lists the sample's room, and Bob in it.
	var adminResp events.APIGatewayV2HTTPResponse
	runInvoke(t, &adminResp, "admin", "apigw-admin-rooms.json")
	assert.Equal(t, 200, adminResp.StatusCode, adminResp.Body)
	var rooms struct {
		Rooms []struct {
			RoomID string `json:"roomId"`
			Live   bool   `json:"live"`
		} `json:"rooms"`
	}
	require.NoError(t, json.Unmarshal([]byte(adminResp.Body), &rooms))
	require.Len(t, rooms.Rooms, 1)
	assert.Equal(t, booking.Tag{Key: key, Gen: 1, Deployment: booking.DeploymentTag("invoke-test")}.String(), rooms.Rooms[0].RoomID)
	assert.True(t, rooms.Rooms[0].Live, "the hook's join was recorded")

	// sweeper: nothing is due yet (the meeting is tomorrow); the event asks for no reap.
	var sweepResp sweeper.Result
	runInvoke(t, &sweepResp, "sweeper", "scheduler-sweep.json")
	assert.Equal(t, 0, sweepResp.Enqueued)

	// dialin: the sample number in national form comes back in E.164; an invalid one is refused
	// with its reason, and the number in neither.
	var num dialin.Answer
	runInvoke(t, &num, "dialin", "dialin-number.json")
	assert.Equal(t, dialin.Answer{E164: "+12125550142"}, num)
	bad := filepath.Join(t.TempDir(), "bad-number.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"number": "12", "region": "US"}`), 0o600))
	var out bytes.Buffer
	require.NoError(t, invoke(context.Background(), []string{"dialin", bad}, &out))
	var refused dialin.Answer
	require.NoError(t, json.Unmarshal(out.Bytes(), &refused))
	assert.Empty(t, refused.E164)
	assert.NotEmpty(t, refused.Reason)
	assert.NotContains(t, out.String(), `"12"`)

	// A second booking run goes in under its own id.
	runInvoke(t, &apiResp, "-run", "other", "bookings", "apigw-booking-created.json")
	require.NoError(t, json.Unmarshal([]byte(apiResp.Body), &body))
	assert.Equal(t, booking.KeyOf("generic", "demo-other"), body["booking"])
}

func TestInvokeErrors(t *testing.T) {
	invokeEnv(t)
	sample := filepath.Join("..", "..", "events", "sqs-batch.json")
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"Records": "{{later}}"}`), 0o600))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no arguments", nil, "want a function and an event file"},
		{"unknown function", []string{"reaper", sample}, `unknown function "reaper"`},
		{"missing file", []string{"worker", "nosuch.json"}, "no such file"},
		{"unknown placeholder", []string{"worker", bad}, "unknown placeholder"},
		{"not the function's event", []string{"bookings", sample}, `no string member "body"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := invoke(context.Background(), tt.args, &out)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, strings.TrimSpace(out.String()))
		})
	}
}
