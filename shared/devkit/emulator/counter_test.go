package emulator

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCounter(t *testing.T) {
	ctx := t.Context()
	var counter Counter
	assert.Empty(t, counter.Calls(), "the zero value counts nothing")
	cfg := AWSConfig(Dynalite(t))
	counter.Attach(&cfg)
	c := dynamodb.NewFromConfig(cfg)

	for range 2 {
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		require.NoError(t, err)
	}
	_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("missing")})
	require.Error(t, err)

	assert.Equal(t, map[string]int{"DynamoDB.ListTables": 2, "DynamoDB.DescribeTable": 1}, counter.Calls(), "failed calls count too")
	assert.Equal(t, 2, counter.Count("DynamoDB", "ListTables"))
	assert.Equal(t, 3, counter.Count("DynamoDB", ""))
	assert.Equal(t, 0, counter.Count("SQS", ""))
	assert.Equal(t, 0, counter.Count("Dynamo", ""), "service ids match whole")

	counter.Reset()
	assert.Empty(t, counter.Calls())
	_, err = c.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"DynamoDB.ListTables": 1}, counter.Calls())
}

func TestCounterCountsACallOnceAcrossRetries(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"down"}`))
	}))
	t.Cleanup(srv.Close)

	var counter Counter
	cfg := AWSConfig(srv.URL)
	counter.Attach(&cfg)
	_, err := dynamodb.NewFromConfig(cfg).ListTables(t.Context(), &dynamodb.ListTablesInput{})
	require.Error(t, err)
	assert.Equal(t, int64(2), requests.Load(), "AWSConfig allows two attempts")
	assert.Equal(t, 1, counter.Count("DynamoDB", "ListTables"))
}
