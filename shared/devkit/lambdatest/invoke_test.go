package lambdatest

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

// TestInvokeAPI drives the Invoke fake with the SDK's Lambda client, in front of the compiled
// dialin function: an answer, the function's own error for a bad request (X-Amz-Function-Error),
// the names a caller may give, the invocation types, and the service's errors.
func TestInvokeAPI(t *testing.T) {
	bin := Build(t, functionPackages[dialinFunction])[0]
	f := Start(t, bin, dialinFunction)
	api := NewInvokeAPI(t, f)
	client := lambda.NewFromConfig(emulator.AWSConfig(api.URL))
	ctx := context.Background()
	invoke := func(name string, payload string, typ types.InvocationType) (*lambda.InvokeOutput, error) {
		return client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload), InvocationType: typ})
	}

	for _, name := range []string{dialinFunction, f.Runtime.FunctionARN, "123456789012:function:" + dialinFunction, f.Runtime.FunctionARN + ":$LATEST"} {
		out, err := invoke(name, `{"number":"+1 212 555 0142"}`, types.InvocationTypeRequestResponse)
		require.NoError(t, err, name)
		assert.Nil(t, out.FunctionError, name)
		assert.EqualValues(t, http.StatusOK, out.StatusCode)
		assert.Equal(t, "$LATEST", aws.ToString(out.ExecutedVersion))
		assert.JSONEq(t, `{"e164":"+12125550142"}`, string(out.Payload), name)
	}
	assert.Equal(t, 4, api.Invocations(dialinFunction))

	out, err := invoke(dialinFunction, `{"region":"US"}`, "")
	require.NoError(t, err, "a function error is an answer, not an API error")
	require.NotNil(t, out.FunctionError)
	assert.Equal(t, "Unhandled", *out.FunctionError)
	assert.JSONEq(t, `{"errorType":"errorString","errorMessage":"dialin: the request has no \"number\""}`, string(out.Payload))

	out, err = invoke(dialinFunction, `{"number":"+12125550142"}`, types.InvocationTypeDryRun)
	require.NoError(t, err)
	assert.EqualValues(t, http.StatusNoContent, out.StatusCode)
	assert.Equal(t, 5, api.Invocations(dialinFunction), "a dry run invokes nothing")

	for _, tt := range []struct {
		name, function string
		typ            types.InvocationType
		fail           int
		want           any
	}{
		{"unknown function", "roomkeeper-other", "", 0, new(*types.ResourceNotFoundException)},
		{"asynchronous", dialinFunction, types.InvocationTypeEvent, 0, new(*types.InvalidParameterValueException)},
		{"throttled", dialinFunction, "", http.StatusTooManyRequests, new(*types.TooManyRequestsException)},
		{"service error", dialinFunction, "", http.StatusInternalServerError, new(*types.ServiceException)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fail != 0 {
				api.Fail(2, tt.fail) // the test client's two attempts
			}
			_, err := invoke(tt.function, `{"number":"+12125550142"}`, tt.typ)
			require.Error(t, err)
			assert.True(t, errors.As(err, tt.want), "%T: %v", tt.want, err)
		})
	}
	assert.Equal(t, 5, api.Invocations(dialinFunction), "no call that failed reached the function")
}
