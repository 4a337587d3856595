package lambdatest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// InvokeAPI is a fake of Lambda's Invoke operation over HTTP (AWS Lambda API Reference,
// "Invoke": POST /2015-03-31/functions/{FunctionName}/invocations), in front of function
// processes started with Start: a synchronous invocation hands its payload to the named
// function through its Runtime and answers with what the function answered — 200 and the
// response payload, or 200 with X-Amz-Function-Error: Unhandled and the function's error
// ({"errorType", "errorMessage"}) when it reported one, exited (Runtime.ExitError) or ran past
// its deadline (Sandbox.Timedout).
//
// FunctionName may be a name, a function ARN or a partial ARN, with or without the $LATEST
// qualifier. Emulated invocation types: RequestResponse (the default) and DryRun. Errors are the
// service's REST-JSON errors (X-Amzn-ErrorType): ResourceNotFoundException (404),
// RequestTooLargeException (413), InvalidParameterValueException (400), and those Fail injects.
// Not emulated: Event invocations, aliases and versions, the client context and log tail.
type InvokeAPI struct {
	URL string

	mu        sync.Mutex
	functions map[string]*Function
	faults    []int          // the statuses the next calls are answered with instead
	calls     map[string]int // invocations handed to each function
}

// NewInvokeAPI serves functions, each by its Name, on a free loopback port until the test ends.
func NewInvokeAPI(t testing.TB, functions ...*Function) *InvokeAPI {
	t.Helper()
	a := &InvokeAPI{functions: map[string]*Function{}, calls: map[string]int{}}
	for _, f := range functions {
		a.functions[f.Name] = f
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", a.invoke)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	return a
}

// Fail answers the next n calls with status instead of invoking: 429 is TooManyRequestsException
// (the account's or the function's concurrency is used up), any other status ServiceException.
func (a *InvokeAPI) Fail(n, status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for range n {
		a.faults = append(a.faults, status)
	}
}

// Invocations returns how many invocations were handed to the named function.
func (a *InvokeAPI) Invocations(name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[name]
}

func (a *InvokeAPI) invoke(w http.ResponseWriter, r *http.Request) {
	name := functionName(r.PathValue("name"))
	if q := r.URL.Query().Get("Qualifier"); q != "" && q != "$LATEST" {
		name = "" // versions and aliases are not emulated
	}
	a.mu.Lock()
	f, ok := a.functions[name]
	var fault int
	if len(a.faults) > 0 {
		fault, a.faults = a.faults[0], a.faults[1:]
	}
	a.mu.Unlock()
	switch {
	case fault == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "0")
		writeServiceError(w, fault, "TooManyRequestsException", "Rate Exceeded.")
		return
	case fault != 0:
		writeServiceError(w, fault, "ServiceException", "lambdatest: injected fault")
		return
	case !ok:
		writeServiceError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+r.PathValue("name"))
		return
	}
	switch r.Header.Get("X-Amz-Invocation-Type") {
	case "", "RequestResponse":
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		writeServiceError(w, http.StatusBadRequest, "InvalidParameterValueException", "lambdatest: only RequestResponse and DryRun invocations are emulated")
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		writeServiceError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	if len(payload) > MaxPayload {
		writeServiceError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}") // as the service hands a function an invocation without a payload
	}
	a.mu.Lock()
	a.calls[name]++
	a.mu.Unlock()
	resp, err := f.Invoke(r.Context(), payload)
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("Content-Type", "application/json")
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		resp.Error = &FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("RequestId: %s Error: Task timed out", resp.RequestID)}
	case err != nil:
		resp.Error = &FunctionError{Type: "Runtime.ExitError", Message: fmt.Sprintf("RequestId: %s Error: Runtime exited", resp.RequestID)}
	}
	if resp.Error != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(resp.Error)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp.Payload)
}

// functionName is the name in a FunctionName path parameter: a name, or the function part of a
// full or partial ARN, without a $LATEST qualifier.
func functionName(s string) string {
	if _, after, ok := strings.Cut(s, ":function:"); ok {
		s = after
	}
	return strings.TrimSuffix(s, ":$LATEST")
}

// writeServiceError writes an error of the Lambda service (REST-JSON: the type in X-Amzn-ErrorType
// and the body's "Type" and "message").
func writeServiceError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", errType)
	w.WriteHeader(status)
	kind := "User"
	if status >= 500 {
		kind = "Service"
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": kind, "message": msg})
}
