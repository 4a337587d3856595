package dialin_test

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/dialin"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
	"github.com/roomkeeper/roomkeeper/shared/devkit/lambdatest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	lambdatest.RemoveBuilds()
	os.Exit(code)
}

const function = "roomkeeper-dialin"

// start runs the compiled dialin function behind a fake of Lambda's Invoke API and returns a
// Normalizer for it with the API and the function's process.
func start(t *testing.T) (*dialin.Normalizer, *lambdatest.InvokeAPI, *lambdatest.Function) {
	t.Helper()
	bin := lambdatest.Build(t, "./functions/dialin")[0]
	f := lambdatest.Start(t, bin, function)
	api := lambdatest.NewInvokeAPI(t, f)
	return dialin.New(lambda.NewFromConfig(emulator.AWSConfig(api.URL)), function), api, f
}

// TestNormalize: the function's answers, each invoked once per process however often it is
// asked, and a rejected number as booking.ErrInvalidNumber.
func TestNormalize(t *testing.T) {
	n, api, f := start(t)
	for range 3 {
		got, err := n.Normalize(t.Context(), "(212) 555-0142", "US")
		require.NoError(t, err)
		assert.Equal(t, "+12125550142", got)
	}
	got, err := n.Normalize(t.Context(), "+44 20 7946 0018", "")
	require.NoError(t, err)
	assert.Equal(t, "+442079460018", got)
	for range 2 {
		_, err = n.Normalize(t.Context(), "111-867-5309", "US")
		require.ErrorIs(t, err, booking.ErrInvalidNumber)
		assert.NotContains(t, err.Error(), "867", "no number in an error")
		assert.Contains(t, err.Error(), "normalize a dial-in number with roomkeeper-dialin: normalize phone number (region \"US\"): not a valid number: invalid phone number")
	}
	assert.Equal(t, 3, api.Invocations(function), "one invocation per distinct number")
	assert.NotContains(t, f.Logs(), "555", "the function logs no number")
}

// TestInvokeFailuresAreTemporary: a throttled or failed invocation, and a function that did not
// answer, are errors that do not say the number is invalid, and are not remembered.
func TestInvokeFailuresAreTemporary(t *testing.T) {
	n, api, f := start(t)
	for _, status := range []int{http.StatusTooManyRequests, http.StatusInternalServerError} {
		api.Fail(2, status) // the test client's two attempts
		_, err := n.Normalize(t.Context(), "212-555-0142", "US")
		require.Error(t, err, "status %d", status)
		assert.NotErrorIs(t, err, booking.ErrInvalidNumber)
		assert.NotContains(t, err.Error(), "555")
	}
	got, err := n.Normalize(t.Context(), "212-555-0142", "US")
	require.NoError(t, err, "a failure is not remembered")
	assert.Equal(t, "+12125550142", got)

	_, err = f.Stop()
	require.NoError(t, err)
	_, err = n.Normalize(t.Context(), "+47 22 00 00 00", "")
	require.Error(t, err)
	assert.NotErrorIs(t, err, booking.ErrInvalidNumber)
	assert.Contains(t, err.Error(), "function error (Unhandled) Runtime.ExitError")
	got, err = n.Normalize(t.Context(), "212-555-0142", "US")
	require.NoError(t, err, "an answer is remembered")
	assert.Equal(t, "+12125550142", got)

	other := dialin.New(lambda.NewFromConfig(emulator.AWSConfig(api.URL)), "no-such-function")
	_, err = other.Normalize(t.Context(), "212-555-0142", "US")
	require.Error(t, err)
	assert.NotErrorIs(t, err, booking.ErrInvalidNumber)
	assert.Contains(t, err.Error(), "ResourceNotFoundException")
}

// TestCancelledWithTheCaller: the invocation ends with the context it is given (the worker's
// invocation's): a caller that has given up invokes nothing, its error is temporary, and nothing
// is remembered of it.
func TestCancelledWithTheCaller(t *testing.T) {
	n, api, _ := start(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := n.Normalize(ctx, "212-555-0142", "US")
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, booking.ErrInvalidNumber)
	assert.NotContains(t, err.Error(), "555")
	assert.Zero(t, api.Invocations(function), "no invocation for a caller that gave up")

	got, err := n.Normalize(t.Context(), "212-555-0142", "US")
	require.NoError(t, err)
	assert.Equal(t, "+12125550142", got)
	assert.Equal(t, 1, api.Invocations(function))
}
