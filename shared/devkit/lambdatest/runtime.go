// Package lambdatest runs the real Lambda function binaries in tests, the way the Lambda service
// runs a provided.al2023 function: a small emulator of the Lambda Runtime API ("Using the Lambda
// runtime API for custom runtimes", https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html,
// API version 2018-06-01) serves invocations to a function process started with
// AWS_LAMBDA_RUNTIME_API pointing at it, and collects what the function answers.
//
// Emulated: GET /runtime/invocation/next (blocking until an invocation is queued, with the
// Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn and -Trace-Id headers),
// POST /runtime/invocation/{id}/response, POST /runtime/invocation/{id}/error and
// POST /runtime/init/error, with the service's 6 MB payload limit. Not emulated: extensions,
// response streaming, the telemetry API, and freezing the process between invocations.
//
// Build compiles function packages for the machine the tests run on with the deployment flags
// (BuildFlags), once per test process; Start runs a binary under its own Runtime and kills it when
// the test ends; InvokeAPI serves Lambda's Invoke API in front of started functions, for a function
// that invokes another (the worker, dialin). The end-to-end tests and benchmarks of this package
// drive the functions/ binaries against the AWS API emulators of shared/devkit/emulator.
package lambdatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// MaxPayload is the Lambda limit on a synchronous invocation's request and response (6 MB).
const MaxPayload = 6 << 20

const apiPrefix = "/2018-06-01/runtime/"

// Response is what a function answered to one invocation.
type Response struct {
	RequestID string
	Payload   []byte         // the response payload, when the function succeeded
	Error     *FunctionError // set when the function reported an error
}

// FunctionError is an error a function (or its runtime) reported, in the Runtime API's shape.
type FunctionError struct {
	Type       string            `json:"errorType"`
	Message    string            `json:"errorMessage"`
	StackTrace []json.RawMessage `json:"stackTrace,omitempty"`
	Header     string            `json:"-"` // the Lambda-Runtime-Function-Error-Type header
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Runtime is a Lambda Runtime API endpoint serving one function process. Its methods are safe for
// concurrent use.
type Runtime struct {
	// FunctionARN is sent as Lambda-Runtime-Invoked-Function-Arn.
	FunctionARN string
	// Timeout is each invocation's deadline from the moment it is queued; 0 means 30 s.
	Timeout time.Duration

	ln      net.Listener
	srv     *http.Server
	queue   chan *invocation
	closing chan struct{}

	mu        sync.Mutex
	open      map[string]*invocation // handed to the function, not answered
	firstNext time.Time
	nextSeen  chan struct{} // closed at the first GET next
	initErr   *FunctionError
	initSeen  chan struct{} // closed at the first POST init/error
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan Response // buffered: one answer
}

// NewRuntime starts a Runtime on a free loopback port; it is shut down when the test ends.
func NewRuntime(t testing.TB, functionName string) *Runtime {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("lambdatest: listen: %v", err)
	}
	rt := &Runtime{
		FunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:" + functionName,
		ln:          ln,
		queue:       make(chan *invocation, 64),
		closing:     make(chan struct{}),
		open:        map[string]*invocation{},
		nextSeen:    make(chan struct{}),
		initSeen:    make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"invocation/next", rt.next)
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/response", rt.response)
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/error", rt.invocationError)
	mux.HandleFunc("POST "+apiPrefix+"init/error", rt.initError)
	rt.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rt.srv.Serve(ln) }()
	t.Cleanup(func() {
		close(rt.closing)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rt.srv.Shutdown(ctx)
	})
	return rt
}

// Addr is the value for AWS_LAMBDA_RUNTIME_API ("127.0.0.1:port").
func (rt *Runtime) Addr() string { return rt.ln.Addr().String() }

// Queue adds an invocation with payload and returns a channel that receives the function's
// answer.
func (rt *Runtime) Queue(payload []byte) (requestID string, answer <-chan Response, err error) {
	if len(payload) > MaxPayload {
		return "", nil, fmt.Errorf("lambdatest: payload of %d bytes is over the %d byte limit", len(payload), MaxPayload)
	}
	timeout := rt.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	inv := &invocation{id: newRequestID(), payload: payload, deadline: time.Now().Add(timeout), done: make(chan Response, 1)}
	select {
	case rt.queue <- inv:
	default:
		return "", nil, fmt.Errorf("lambdatest: too many invocations queued")
	}
	return inv.id, inv.done, nil
}

// FirstNext returns when the function first asked for an invocation (the end of its init
// phase), or false if it has not yet.
func (rt *Runtime) FirstNext() (time.Time, bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.firstNext, !rt.firstNext.IsZero()
}

// NextSeen is closed when the function first asks for an invocation.
func (rt *Runtime) NextSeen() <-chan struct{} { return rt.nextSeen }

// InitError returns the error the function reported at init, if any.
func (rt *Runtime) InitError() *FunctionError {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.initErr
}

// InitErrorSeen is closed when the function reports an init error.
func (rt *Runtime) InitErrorSeen() <-chan struct{} { return rt.initSeen }

func (rt *Runtime) next(w http.ResponseWriter, r *http.Request) {
	rt.mu.Lock()
	if rt.firstNext.IsZero() {
		rt.firstNext = time.Now()
		close(rt.nextSeen)
	}
	rt.mu.Unlock()
	var inv *invocation
	select {
	case inv = <-rt.queue:
	case <-r.Context().Done():
		return
	case <-rt.closing:
		http.Error(w, "runtime shutting down", http.StatusGone)
		return
	}
	rt.mu.Lock()
	rt.open[inv.id] = inv
	rt.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", rt.FunctionARN)
	hexID := strings.ReplaceAll(inv.id, "-", "")
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+hexID[:8]+"-"+hexID[8:]+";Parent=0000000000000001;Sampled=0")
	_, _ = w.Write(inv.payload)
}

// take removes the open invocation with the request's id, answering 400 when there is none.
func (rt *Runtime) take(w http.ResponseWriter, r *http.Request) (*invocation, bool) {
	id := r.PathValue("id")
	rt.mu.Lock()
	inv, ok := rt.open[id]
	delete(rt.open, id)
	rt.mu.Unlock()
	if !ok {
		writeStatus(w, http.StatusBadRequest, "InvalidRequestID", "no open invocation "+id)
	}
	return inv, ok
}

func (rt *Runtime) response(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	inv, ok := rt.take(w, r)
	if !ok {
		return
	}
	if len(body) > MaxPayload {
		inv.done <- Response{RequestID: inv.id, Error: &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: "response payload is over 6 MB"}}
		writeStatus(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response payload is over 6 MB")
		return
	}
	inv.done <- Response{RequestID: inv.id, Payload: body}
	writeStatus(w, http.StatusAccepted, "", "")
}

func (rt *Runtime) invocationError(w http.ResponseWriter, r *http.Request) {
	fe, err := readError(r)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	inv, ok := rt.take(w, r)
	if !ok {
		return
	}
	inv.done <- Response{RequestID: inv.id, Error: fe}
	writeStatus(w, http.StatusAccepted, "", "")
}

func (rt *Runtime) initError(w http.ResponseWriter, r *http.Request) {
	fe, err := readError(r)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	rt.mu.Lock()
	if rt.initErr == nil {
		rt.initErr = fe
		close(rt.initSeen)
	}
	rt.mu.Unlock()
	writeStatus(w, http.StatusAccepted, "", "")
}

// readError reads an error report: a JSON body {errorMessage, errorType, stackTrace} and the
// Lambda-Runtime-Function-Error-Type header. A body that is not that JSON is kept as the message.
func readError(r *http.Request) (*FunctionError, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	if err != nil {
		return nil, err
	}
	fe := &FunctionError{}
	if json.Unmarshal(body, fe) != nil {
		fe = &FunctionError{Message: string(body)}
	}
	fe.Header = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	if fe.Type == "" {
		fe.Type = fe.Header
	}
	return fe, nil
}

func writeStatus(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status == http.StatusAccepted {
		_, _ = io.WriteString(w, `{"status":"OK"}`)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": errType, "errorMessage": msg})
}

// newRequestID returns a random request id in the UUID layout Lambda uses.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return strings.Join([]string{s[:8], s[8:12], s[12:16], s[16:20], s[20:]}, "-")
}
