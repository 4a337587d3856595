package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	code := m.Run()
	RemoveBuilds()
	os.Exit(code)
}

// client speaks the Runtime API the way a runtime does.
type client struct {
	t    *testing.T
	base string
}

func (c client) next() (*http.Response, []byte) {
	c.t.Helper()
	resp, err := http.Get(c.base + "invocation/next")
	require.NoError(c.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, body
}

func (c client) post(path string, body []byte, header ...string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(body))
	require.NoError(c.t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRuntimeAPI(t *testing.T) {
	tests := []struct {
		name       string
		answer     func(c client, id string) (int, string)
		wantStatus int
		check      func(t *testing.T, r Response)
	}{
		{
			name: "response",
			answer: func(c client, id string) (int, string) {
				return c.post("invocation/"+id+"/response", []byte(`{"ok":true}`))
			},
			wantStatus: http.StatusAccepted,
			check: func(t *testing.T, r Response) {
				assert.Nil(t, r.Error)
				assert.JSONEq(t, `{"ok":true}`, string(r.Payload))
			},
		},
		{
			name: "error",
			answer: func(c client, id string) (int, string) {
				return c.post("invocation/"+id+"/error",
					[]byte(`{"errorMessage":"store unreachable","errorType":"errorString"}`),
					"Lambda-Runtime-Function-Error-Type", "Runtime.Unknown")
			},
			wantStatus: http.StatusAccepted,
			check: func(t *testing.T, r Response) {
				require.NotNil(t, r.Error)
				assert.Equal(t, "errorString", r.Error.Type)
				assert.Equal(t, "store unreachable", r.Error.Message)
				assert.Equal(t, "Runtime.Unknown", r.Error.Header)
			},
		},
		{
			name: "response over 6 MB",
			answer: func(c client, id string) (int, string) {
				return c.post("invocation/"+id+"/response", bytes.Repeat([]byte("x"), MaxPayload+1))
			},
			wantStatus: http.StatusRequestEntityTooLarge,
			check: func(t *testing.T, r Response) {
				require.NotNil(t, r.Error)
				assert.Equal(t, "Function.ResponseSizeTooLarge", r.Error.Type)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := NewRuntime(t, "fn")
			c := client{t: t, base: "http://" + rt.Addr() + apiPrefix}
			_, seen := rt.FirstNext()
			assert.False(t, seen)
			before := time.Now()
			id, answer, err := rt.Queue([]byte(`{"event":1}`))
			require.NoError(t, err)

			resp, payload := c.next()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.JSONEq(t, `{"event":1}`, string(payload))
			assert.Equal(t, id, resp.Header.Get("Lambda-Runtime-Aws-Request-Id"))
			assert.Equal(t, rt.FunctionARN, resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn"))
			assert.True(t, strings.HasPrefix(resp.Header.Get("Lambda-Runtime-Trace-Id"), "Root=1-"))
			ms, err := strconv.ParseInt(resp.Header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
			require.NoError(t, err)
			assert.True(t, time.UnixMilli(ms).After(before.Add(29*time.Second)), "deadline is 30 s out")
			_, seen = rt.FirstNext()
			assert.True(t, seen)

			status, _ := tt.answer(c, id)
			assert.Equal(t, tt.wantStatus, status)
			select {
			case r := <-answer:
				assert.Equal(t, id, r.RequestID)
				tt.check(t, r)
			case <-time.After(5 * time.Second):
				t.Fatal("no answer")
			}

			status, body := c.post("invocation/"+id+"/response", []byte(`{}`))
			assert.Equal(t, http.StatusBadRequest, status, "a second answer is refused")
			assert.Contains(t, body, "InvalidRequestID")
		})
	}
}

func TestRuntimeInitError(t *testing.T) {
	rt := NewRuntime(t, "fn")
	c := client{t: t, base: "http://" + rt.Addr() + apiPrefix}
	status, _ := c.post("init/error", []byte(`{"errorMessage":"ROOMKEEPER_TABLE is not set","errorType":"Runtime.ConfigError"}`),
		"Lambda-Runtime-Function-Error-Type", "Runtime.ConfigError")
	assert.Equal(t, http.StatusAccepted, status)
	<-rt.InitErrorSeen()
	require.NotNil(t, rt.InitError())
	assert.Equal(t, "Runtime.ConfigError", rt.InitError().Type)
	assert.Equal(t, "ROOMKEEPER_TABLE is not set", rt.InitError().Message)
}

func TestRuntimeRejectsOversizedEvents(t *testing.T) {
	rt := NewRuntime(t, "fn")
	_, _, err := rt.Queue(bytes.Repeat([]byte("x"), MaxPayload+1))
	require.Error(t, err)
}

// TestHelloBinary runs a real aws-lambda-go binary under the emulator.
func TestHelloBinary(t *testing.T) {
	bin := Build(t, "./shared/devkit/lambdatest/testdata/hello")[0]
	f := Start(t, bin, "hello")
	cold, err := f.WaitReady(context.Background())
	require.NoError(t, err)
	assert.Positive(t, cold)

	var out map[string]string
	f.MustInvoke(t, map[string]any{}, &out)
	assert.Equal(t, map[string]string{"hello": "world"}, out)

	resp, err := f.Invoke(context.Background(), []byte(`{"fail":true}`))
	require.NoError(t, err)
	require.NotNil(t, resp.Error, "the handler's error is reported on /error")
	assert.Equal(t, "asked to fail", resp.Error.Message)

	f.MustInvoke(t, map[string]any{}, &out)
	assert.Equal(t, "world", out["hello"], "the process serves on after a function error")

	rss, err := f.Stop()
	require.NoError(t, err)
	assert.Positive(t, rss)
	self, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	var selfKB int64
	for _, line := range strings.Split(string(self), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			_, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &selfKB)
			require.NoError(t, err)
		}
	}
	assert.Less(t, rss, selfKB*1024, "the hello world's own peak, not the test process's (which the child's rusage maxrss reports)")
	var payload json.RawMessage
	_, err = f.Invoke(context.Background(), payload)
	assert.Error(t, err, "a stopped function answers nothing")
}
