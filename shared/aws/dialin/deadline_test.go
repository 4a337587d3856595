package dialin

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/lambda/dialin"
)

// TestDeadline: an invocation's context is the caller's, so it ends when the caller's does,
// bounded by callTimeout when the caller's deadline is further off or unset.
func TestDeadline(t *testing.T) {
	var got context.Context
	n := &Normalizer{function: "roomkeeper-dialin", known: map[query]dialin.Answer{},
		invoke: func(ctx context.Context, _ *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
			got = ctx
			return &lambda.InvokeOutput{Payload: []byte(`{"e164":"+12125550142"}`)}, nil
		}}

	near := time.Now().Add(time.Second)
	ctx, cancel := context.WithDeadline(t.Context(), near)
	_, err := n.Normalize(ctx, "212-555-0142", "US")
	require.NoError(t, err)
	deadline, ok := got.Deadline()
	require.True(t, ok)
	assert.Equal(t, near, deadline, "the caller's deadline, nearer than callTimeout")
	cancel()
	assert.ErrorIs(t, got.Err(), context.Canceled, "cancelled with the caller")

	before := time.Now()
	_, err = n.Normalize(t.Context(), "+44 20 7946 0018", "")
	require.NoError(t, err)
	deadline, ok = got.Deadline()
	require.True(t, ok, "callTimeout bounds a caller without a deadline")
	assert.WithinRange(t, deadline, before.Add(callTimeout), time.Now().Add(callTimeout))
}
