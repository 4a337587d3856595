package emulator

import (
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGoAWSQueueRoundTrip(t *testing.T) {
	endpoint := GoAWS(t)
	queueURL := CreateQueue(t, endpoint, "roomkeeper-work")

	u, err := url.Parse(queueURL)
	require.NoError(t, err)
	e, err := url.Parse(endpoint)
	require.NoError(t, err)
	assert.Equal(t, e.Host, u.Host, "the queue URL points at the emulator")
	assert.Equal(t, "/"+goawsAccount+"/roomkeeper-work", u.Path)

	c := sqs.NewFromConfig(AWSConfig(endpoint))
	_, err = c.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: new(`{"key":"abc"}`)})
	require.NoError(t, err)
	out, err := c.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: &queueURL, WaitTimeSeconds: 1})
	require.NoError(t, err)
	require.Len(t, out.Messages, 1)
	assert.Equal(t, `{"key":"abc"}`, *out.Messages[0].Body)
	_, err = c.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: &queueURL, ReceiptHandle: out.Messages[0].ReceiptHandle})
	require.NoError(t, err)

	// Each call starts its own, empty emulator.
	other := GoAWS(t)
	require.NotEqual(t, endpoint, other)
	list, err := sqs.NewFromConfig(AWSConfig(other)).ListQueues(t.Context(), &sqs.ListQueuesInput{})
	require.NoError(t, err)
	assert.Empty(t, list.QueueUrls)
}
