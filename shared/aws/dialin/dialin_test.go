package dialin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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
		var invalid *booking.InvalidNumberError
		require.ErrorAs(t, err, &invalid)
		assert.Equal(t, "normalize phone number (region \"US\"): not a valid number", invalid.Reason, "the function's reason, as it gave it")
		assert.NotContains(t, err.Error(), "867", "no number in an error")
		assert.Equal(t, "normalize a dial-in number with roomkeeper-dialin: normalize phone number (region \"US\"): not a valid number: invalid phone number", err.Error())
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

// TestAnswersOfThePreviousVersion: during a deployment the worker may invoke a dialin function of
// the previous version, whose refusal is "invalid" alone (the reason and the words of
// booking.ErrInvalidNumber): it is still a rejected number, never a failed invocation, and an
// answer with neither field is an error. Lambda's Invoke API is faked here to give answers the
// current function no longer gives.
func TestAnswersOfThePreviousVersion(t *testing.T) {
	answers := map[string]string{
		"+12125550142": `{"e164":"+12125550142"}`,
		"111-867-5309": `{"invalid":"normalize phone number (region \"US\"): not a valid number: invalid phone number"}`,
		"212-555-0142": `{}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Number string }
		if r.Method != http.MethodPost || r.URL.Path != "/2015-03-31/functions/"+function+"/invocations" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "not an invocation of "+function, http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		_, _ = io.WriteString(w, answers[req.Number])
	}))
	t.Cleanup(srv.Close)
	n := dialin.New(lambda.NewFromConfig(emulator.AWSConfig(srv.URL)), function)

	got, err := n.Normalize(t.Context(), "+12125550142", "")
	require.NoError(t, err)
	assert.Equal(t, "+12125550142", got)

	_, err = n.Normalize(t.Context(), "111-867-5309", "US")
	require.ErrorIs(t, err, booking.ErrInvalidNumber)
	assert.NotContains(t, err.Error(), "867", "no number in an error")
	assert.Equal(t, "normalize a dial-in number with roomkeeper-dialin: normalize phone number (region \"US\"): not a valid number: invalid phone number: invalid phone number", err.Error(),
		"the whole refusal is the reason: the sentinel's words said twice, for one deployment")

	_, err = n.Normalize(t.Context(), "212-555-0142", "US")
	require.Error(t, err)
	assert.NotErrorIs(t, err, booking.ErrInvalidNumber)
	assert.Contains(t, err.Error(), `the answer has neither or both of "e164" and "reason"`)
}
