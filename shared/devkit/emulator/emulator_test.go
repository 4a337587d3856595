package emulator

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stopTB records how a helper stopped its test instead of stopping the real one. Its Skip and
// Fatalf end the goroutine, as testing's do; call the helper through run.
type stopTB struct {
	testing.TB
	skipped, failed string
}

func (tb *stopTB) Helper() {}

func (tb *stopTB) Skip(args ...any) {
	tb.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}

func (tb *stopTB) Fatalf(format string, args ...any) {
	tb.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls f with a stopTB wrapping t and returns it once f has returned or stopped.
func run(t *testing.T, f func(tb testing.TB)) *stopTB {
	tb := &stopTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(tb)
	}()
	<-done
	return tb
}

func TestRequire(t *testing.T) {
	const msg = "goaws not available: go install it; `make test` installs it"
	tests := []struct {
		env         string
		wantSkipped string
		wantFailed  string
	}{
		{env: "", wantSkipped: msg},
		{env: "0", wantSkipped: msg},
		{env: "1", wantFailed: msg + " (ROOMKEEPER_REQUIRE_BACKENDS=1 makes this a failure)"},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.env), func(t *testing.T) {
			t.Setenv(RequireEnv, tt.env)
			tb := run(t, func(tb testing.TB) {
				Require(tb, "goaws", "go install it")
				t.Error("Require returned")
			})
			assert.Equal(t, tt.wantSkipped, tb.skipped, "skip message")
			assert.Equal(t, tt.wantFailed, tb.failed, "failure message")
		})
	}
}

func TestRepoRoot(t *testing.T) {
	root := RepoRoot()
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	assert.Contains(t, string(mod), "module github.com/roomkeeper/roomkeeper\n")
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "shared", "devkit", "emulator"), wd)
}

func TestAWSConfig(t *testing.T) {
	cfg := AWSConfig("http://127.0.0.1:4567")
	assert.Equal(t, "us-east-1", cfg.Region)
	assert.Equal(t, "http://127.0.0.1:4567", *cfg.BaseEndpoint)
	creds, err := cfg.Credentials.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "test", creds.AccessKeyID)
	assert.Equal(t, "test", creds.SecretAccessKey)
	assert.Equal(t, 2, cfg.Retryer().MaxAttempts())
}

func TestStartFailures(t *testing.T) {
	tests := []struct {
		name     string
		spec     Spec
		contains []string
		attempts int // how often the failure is reported
	}{
		{
			name: "exits before listening",
			spec: Spec{
				Name: "quitter",
				Path: "/bin/sh",
				Args: func(port int) []string { return []string{"-c", "echo boom on port $0; exit 3", strconv.Itoa(port)} },
			},
			contains: []string{"start quitter: ", "exited before it was ready (exit status 3)", "output:\nboom on port "},
			attempts: 3,
		},
		{
			name: "program missing",
			spec: Spec{
				Name: "ghost",
				Path: "/nonexistent/ghost",
				Args: func(int) []string { return nil },
			},
			contains: []string{"start ghost: run /nonexistent/ghost: "},
			attempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := run(t, func(tb testing.TB) {
				Start(tb, tt.spec)
				t.Error("Start returned")
			})
			for _, want := range tt.contains {
				assert.Contains(t, tb.failed, want)
			}
			assert.Equal(t, tt.attempts, strings.Count(tb.failed, tt.contains[len(tt.contains)-1]), "attempts in %q", tb.failed)
		})
	}
}

func answers(addr string) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

func TestStartKillsTheProcessGroupAtCleanup(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		Require(t, "node", "install Node.js 20 or later")
	}
	// The listener is a child of the shell Start runs: killing only the shell would leave it.
	spec := Spec{
		Name: "shell with a listening child",
		Path: "/bin/sh",
		Args: func(port int) []string {
			return []string{"-c", `node -e "require('net').createServer().listen(+process.argv[1], '127.0.0.1')" "$0" & wait`, strconv.Itoa(port)}
		},
	}
	var addr string
	t.Run("running", func(t *testing.T) {
		addr = Start(t, spec)
		assert.True(t, answers(addr), "answers while the test runs")
	})
	require.NotEmpty(t, addr)
	assert.False(t, answers(addr), "still answers after the test ended")
}

func TestNodeWrapperExitsWhenStdinCloses(t *testing.T) {
	spec := NodeSpec(t, "dynalite", "dynalite/cli.js", func(port int) []string {
		return []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port)}
	})
	port := FreePort(t)
	cmd := exec.Command(spec.Path, spec.Args(port)...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	require.NoError(t, waitReady(context.Background(), spec, "127.0.0.1:"+strconv.Itoa(port), exited))

	require.NoError(t, stdin.Close())
	<-exited
	assert.NoError(t, waitErr, "exits cleanly at end of input")
}

func TestShared(t *testing.T) {
	var s Shared
	starts := 0
	start := func(tb testing.TB) string {
		starts++
		return Dynalite(tb)
	}
	var first string
	t.Run("first", func(t *testing.T) {
		first = s.Get(t, start)
	})
	require.NotEmpty(t, first)
	t.Run("second", func(t *testing.T) {
		assert.Equal(t, first, s.Get(t, start))
		assert.True(t, answers(strings.TrimPrefix(first, "http://")), "outlives the first test")
	})
	assert.Equal(t, 1, starts)
	s.Close()
	assert.False(t, answers(strings.TrimPrefix(first, "http://")), "answers after Close")
}

func TestSharedRetriesAfterASkip(t *testing.T) {
	var s Shared
	calls := 0
	start := func(tb testing.TB) string {
		calls++
		if calls == 1 {
			tb.Skip("backend missing")
		}
		return "http://127.0.0.1:1"
	}
	t.Run("skipped", func(t *testing.T) {
		s.Get(t, start)
		t.Error("Get returned after a skip")
	})
	t.Run("retried", func(t *testing.T) {
		assert.Equal(t, "http://127.0.0.1:1", s.Get(t, start))
	})
	assert.Equal(t, 2, calls)
	s.Close()
}
