// Package emulator starts real AWS API emulators for tests: dynalite for DynamoDB, goaws for SQS,
// aws-ses-v2-local for SES v2. Each runs as a child
// process on a free loopback port, is killed with its process group when the test ends, and has its
// output shown when the test fails.
//
// A backend that is not installed makes the test skip with a message saying how to install it
// (`make test`), unless ROOMKEEPER_REQUIRE_BACKENDS=1, when it fails instead (Require).
//
// Building a new emulator helper takes three calls: NodeSpec (or a Spec by hand) to say what to run,
// Start to run it and wait for its port, and AWSConfig to point an SDK client at it. Shared lets a
// package's tests share one emulator (started lazily, stopped from TestMain); Counter counts the
// API calls a client makes.
package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// RequireEnv is the environment variable that turns a missing backend from a skip into a failure.
const RequireEnv = "ROOMKEEPER_REQUIRE_BACKENDS"

// StartTimeout bounds how long Start waits for a process to answer on its port.
const StartTimeout = 20 * time.Second

// Require stops a test whose backend is missing: what names the backend ("dynalite", "node"),
// how says how to get it. The test is skipped with "<what> not available: <how>; `make test`
// installs it", or fails with the same message when ROOMKEEPER_REQUIRE_BACKENDS=1.
func Require(t testing.TB, what, how string) {
	t.Helper()
	msg := fmt.Sprintf("%s not available: %s; `make test` installs it", what, how)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1 makes this a failure)", msg, RequireEnv)
	}
	t.Skip(msg)
}

// RepoRoot returns the directory holding the module's go.mod, found by walking up from the
// working directory (a test's working directory is its package directory). It panics if there is
// none, which only happens when the tests are run from outside the module.
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(fmt.Sprintf("emulator: working directory: %v", err))
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("emulator: no go.mod above the working directory")
		}
		dir = parent
	}
}

// AWSConfig returns an SDK configuration for an emulator at endpoint (e.g. "http://127.0.0.1:4567"):
// region us-east-1, static credentials "test"/"test" (emulators want a signature, not a valid one),
// and at most two attempts per call without client-side rate limiting, so a broken emulator fails
// a test quickly instead of being retried for seconds.
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 2
				o.MaxBackoff = 100 * time.Millisecond
				o.RateLimiter = ratelimit.None
			})
		},
	}
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listened on a moment ago. Another process
// may take it before the caller does; Start retries with a new port when that happens.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free loopback port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Spec says how to run an emulator.
type Spec struct {
	Name string                  // shown in messages, e.g. "dynalite"
	Path string                  // the program to run
	Args func(port int) []string // its arguments for the port it must listen on (127.0.0.1)
	Dir  string                  // working directory; empty: the test's
	Env  []string                // "K=V" entries added to the test's environment
	// Ready, when set, is polled after the port accepts connections until it returns nil; use it
	// when an emulator opens its port before it can serve (addr is "127.0.0.1:port").
	Ready func(ctx context.Context, addr string) error
}

// Start runs spec on a free loopback port and returns its address ("127.0.0.1:port") once the
// port accepts connections (and spec.Ready, if set, succeeds), within StartTimeout. The process
// runs in its own process group, which is killed at t.Cleanup; its stdin is a pipe the test
// process holds open, so a process that exits on end of input (NodeSpec's do) also dies if the
// test binary is killed before it can clean up. Its combined output is logged if the test failed.
// If the process exits before it is ready (typically because another process took the port), Start
// tries again on a new port, up to three times, then fails the test with the output.
func Start(t testing.TB, spec Spec) string {
	t.Helper()
	var errs []error
	for range 3 {
		addr, err := start(t, spec, FreePort(t))
		if err == nil {
			return addr
		}
		errs = append(errs, err)
		if !errors.Is(err, errExited) {
			break
		}
	}
	t.Fatalf("start %s: %v", spec.Name, errors.Join(errs...))
	return ""
}

var errExited = errors.New("exited before it was ready")

func start(t testing.TB, spec Spec, port int) (string, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, spec.Path, spec.Args(port)...)
	cmd.Dir = spec.Dir
	cmd.Env = append(os.Environ(), spec.Env...)
	out := &Output{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		return "", fmt.Errorf("stdin pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return "", fmt.Errorf("run %s: %w", spec.Path, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		cancel()
		<-exited
		_ = stdin.Close()
	}

	if err := waitReady(ctx, spec, addr, exited); err != nil {
		stop()
		if errors.Is(err, errExited) {
			err = fmt.Errorf("%w (%v)", err, waitErr)
		}
		return "", fmt.Errorf("on %s: %w; output:\n%s", addr, err, out.String())
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", spec.Name, out.String())
		}
	})
	return addr, nil
}

// waitReady polls addr until it accepts a connection and spec.Ready passes, the process exits,
// or StartTimeout passes.
func waitReady(ctx context.Context, spec Spec, addr string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		last = probe(ctx, spec, addr)
		if last == nil {
			return nil
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %w", StartTimeout, last)
		case <-tick.C:
		}
	}
}

func probe(ctx context.Context, spec Spec, addr string) error {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	_ = c.Close()
	if spec.Ready == nil {
		return nil
	}
	return spec.Ready(ctx, addr)
}

// NodeSpec returns a Spec running script — a path inside the repository's node_modules, e.g.
// "dynalite/cli.js" — with node, and args for the port. It calls Require when node or the script
// is missing. The script runs under a small wrapper that exits when stdin closes, so the emulator
// dies with the test binary even if cleanup never runs.
func NodeSpec(t testing.TB, name, script string, args func(port int) []string) Spec {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Require(t, "node", "install Node.js 20 or later")
	}
	path := filepath.Join(RepoRoot(), "node_modules", script)
	if _, err := os.Stat(path); err != nil {
		Require(t, name, "run `npm ci` in "+RepoRoot()+" ("+script+" is missing)")
	}
	return Spec{
		Name: name,
		Path: node,
		Args: func(port int) []string {
			return append([]string{"-e", nodeWrapper, path}, args(port)...)
		},
		Dir: RepoRoot(),
	}
}

// nodeWrapper runs the script in process.argv[1] as if node had been given it directly, and exits
// when stdin ends: the test process holds the other end of the pipe.
const nodeWrapper = `process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
require(process.argv[1]);`

// Output collects a child process's output (its stdout and stderr): the process writes while a
// test may read. The emulators and the Lambda Runtime API harness both use it.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Output) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Output) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Shared lets a test package share one emulator among its tests. The zero value is ready; keep one
// in a package variable per emulator:
//
//	var dynamo emulator.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		dynamo.Close()
//		os.Exit(code)
//	}
//
//	func TestX(t *testing.T) { endpoint := dynamo.Get(t, emulator.Dynalite) … }
//
// The first Get starts the emulator with start; tests that share one keep apart by their own
// names (tables, queues).
type Shared struct {
	mu       sync.Mutex
	addr     string
	cleanups []func()
}

// Get returns the address start returned for the first test that called Get, starting it now if
// no call has succeeded yet. start runs with this test's t, so a missing backend skips (or fails)
// the test as usual, but the process outlives the test: Close stops it.
func (s *Shared) Get(t testing.TB, start func(testing.TB) string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addr == "" {
		s.addr = start(sharedTB{TB: t, s: s})
	}
	return s.addr
}

// Close stops the emulator, if one was started. Call it from TestMain after m.Run.
func (s *Shared) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
	s.cleanups, s.addr = nil, ""
}

// sharedTB is the test a shared emulator is started with: failures during start go to the test,
// clean-up goes to Shared.Close.
type sharedTB struct {
	testing.TB
	s *Shared
}

// Cleanup defers f to Shared.Close (the mutex is already held by Get).
func (tb sharedTB) Cleanup(f func()) { tb.s.cleanups = append(tb.s.cleanups, f) }

// Failed reports false: at Close there is no test to show the emulator's output to.
func (tb sharedTB) Failed() bool { return false }
