package lambdatest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
)

// BuildFlags are the flags every function is built with, for deployment (the Makefile's
// LAMBDA_FLAGS) and in tests alike, so tests and benchmarks measure what deploys; CGO_ENABLED=0 is
// set in the environment.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

var builds struct {
	mu   sync.Mutex
	dir  string
	done map[string]string // package → binary
}

// Build builds the main packages pkgs (paths relative to the module root, such as
// "./functions/worker") for the machine the tests run on, with BuildFlags and CGO_ENABLED=0, in
// one go command, and returns the binaries' paths in order. Each package is built once per test
// process, into a directory RemoveBuilds deletes. Without a go command the test goes through
// emulator.Require; a failing build fails it.
func Build(t testing.TB, pkgs ...string) []string {
	t.Helper()
	builds.mu.Lock()
	defer builds.mu.Unlock()
	goTool, err := exec.LookPath("go")
	if err != nil {
		emulator.Require(t, "go", "install Go to build the function binaries")
	}
	if builds.dir == "" {
		if builds.dir, err = os.MkdirTemp("", "lambdatest-bin-"); err != nil {
			t.Fatalf("lambdatest: %v", err)
		}
		builds.done = map[string]string{}
	}
	var todo []string
	for _, p := range pkgs {
		if _, ok := builds.done[p]; !ok && !contains(todo, p) {
			todo = append(todo, p)
		}
	}
	if len(todo) > 0 {
		// One command builds the packages in parallel; with several, -o names a directory and
		// each binary is named after its package's last element.
		out := filepath.Join(builds.dir, "b"+fmt.Sprint(len(builds.done)))
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatalf("lambdatest: %v", err)
		}
		args := append([]string{"build"}, BuildFlags...)
		args = append(args, "-o", out+string(filepath.Separator))
		args = append(args, todo...)
		cmd := exec.Command(goTool, args...)
		cmd.Dir = emulator.RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("lambdatest: go %s: %v\n%s", strings.Join(args, " "), err, msg)
		}
		for _, p := range todo {
			builds.done[p] = filepath.Join(out, filepath.Base(p))
		}
	}
	paths := make([]string, len(pkgs))
	for i, p := range pkgs {
		paths[i] = builds.done[p]
	}
	return paths
}

// RemoveBuilds deletes what Build built. Call it from TestMain after m.Run.
func RemoveBuilds() {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir != "" {
		_ = os.RemoveAll(builds.dir)
		builds.dir, builds.done = "", nil
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Function is a function process served by its own Runtime.
type Function struct {
	Name    string
	Runtime *Runtime
	Started time.Time // just before the process was started

	t      testing.TB
	cmd    *exec.Cmd
	out    *emulator.Output
	exited chan struct{}
	err    error // the process's exit, once exited is closed
}

// Start runs binary as the function name under a new Runtime, with an environment like the
// Lambda service's (AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME, _MEMORY_SIZE, AWS_REGION,
// static test credentials, a private HOME) plus env ("K=V"); nothing is inherited from the test
// process, so a developer's AWS profile cannot leak in. The process is killed when the test ends,
// and its output is logged if the test failed.
func Start(t testing.TB, binary, name string, env ...string) *Function {
	t.Helper()
	rt := NewRuntime(t, name)
	home := t.TempDir()
	cmd := exec.Command(binary)
	cmd.Dir = home
	cmd.Env = append([]string{
		"PATH=/usr/bin:/bin",
		"HOME=" + home,
		"TZ=UTC",
		"AWS_LAMBDA_RUNTIME_API=" + rt.Addr(),
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME=lambdatest",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_EC2_METADATA_DISABLED=true",
		"LAMBDA_TASK_ROOT=" + filepath.Dir(binary),
		// The stack sets it on every function; env may name another deployment.
		"ROOMKEEPER_DEPLOYMENT=lambdatest",
	}, env...)
	out := &emulator.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	f := &Function{Name: name, Runtime: rt, t: t, cmd: cmd, out: out, exited: make(chan struct{})}
	f.Started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("lambdatest: start %s: %v", name, err)
	}
	go func() {
		f.err = cmd.Wait()
		close(f.exited)
	}()
	t.Cleanup(func() {
		f.kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return f
}

func (f *Function) kill() {
	select {
	case <-f.exited:
		return
	default:
	}
	_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
	<-f.exited
}

// Invoke queues payload and waits for the function's answer. It fails when the function exits
// first, when the invocation's deadline passes, or when ctx is done.
func (f *Function) Invoke(ctx context.Context, payload []byte) (Response, error) {
	id, answer, err := f.Runtime.Queue(payload)
	if err != nil {
		return Response{}, err
	}
	timeout := f.Runtime.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case resp := <-answer:
		return resp, nil
	case <-f.exited:
		return Response{RequestID: id}, fmt.Errorf("lambdatest: %s exited during invocation %s: %v", f.Name, id, f.err)
	case <-ctx.Done():
		return Response{RequestID: id}, fmt.Errorf("lambdatest: %s: invocation %s: %w", f.Name, id, ctx.Err())
	}
}

// MustInvoke invokes the function with in encoded as JSON, requires a successful answer and
// decodes it into out (unless out is nil).
func (f *Function) MustInvoke(t testing.TB, in any, out any) {
	t.Helper()
	payload, ok := in.([]byte)
	if !ok {
		var err error
		if payload, err = json.Marshal(in); err != nil {
			t.Fatalf("lambdatest: encode %s event: %v", f.Name, err)
		}
	}
	resp, err := f.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if resp.Error != nil {
		t.Fatalf("lambdatest: %s answered an error: %v", f.Name, resp.Error)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Payload, out); err != nil {
			t.Fatalf("lambdatest: decode %s response %s: %v", f.Name, resp.Payload, err)
		}
	}
}

// WaitReady waits until the function asks for its first invocation, which ends its init phase,
// and returns how long that took from the moment the process was started (the cold start). It
// fails when the process exits or reports an init error first.
func (f *Function) WaitReady(ctx context.Context) (time.Duration, error) {
	select {
	case <-f.Runtime.NextSeen():
		at, _ := f.Runtime.FirstNext()
		return at.Sub(f.Started), nil
	case <-f.Runtime.InitErrorSeen():
		return 0, fmt.Errorf("lambdatest: %s reported an init error: %v", f.Name, f.Runtime.InitError())
	case <-f.exited:
		return 0, fmt.Errorf("lambdatest: %s exited during init: %v", f.Name, f.err)
	case <-ctx.Done():
		return 0, fmt.Errorf("lambdatest: %s init: %w", f.Name, ctx.Err())
	}
}

// Exited is closed when the process has exited.
func (f *Function) Exited() <-chan struct{} { return f.exited }

// Stop kills the process and returns its peak resident memory in bytes: the VmHWM ("high water
// mark") of /proc/<pid>/status, read just before the kill.
//
// Not the child's rusage maxrss: on Linux that also counts the memory the process had before it
// exec'd the binary, and Go starts children with vfork (CLONE_VM), sharing the test process's
// memory until then, so maxrss reports the test process's own peak for every child.
func (f *Function) Stop() (maxRSS int64, err error) {
	status, readErr := os.ReadFile(fmt.Sprintf("/proc/%d/status", f.cmd.Process.Pid))
	f.kill()
	if readErr != nil {
		return 0, fmt.Errorf("lambdatest: peak memory of %s: %w", f.Name, readErr)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("lambdatest: peak memory of %s: %q", f.Name, line)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("lambdatest: peak memory of %s: no VmHWM in /proc/%d/status", f.Name, f.cmd.Process.Pid)
}

// CPU returns the processor time (user and system, all threads) the process used, once it has
// exited (after Stop): for a process stopped while it waited for its first invocation, the
// processor time of its init, which, unlike the wall time, another program on the machine does
// not lengthen.
func (f *Function) CPU() time.Duration {
	<-f.exited
	return f.cmd.ProcessState.UserTime() + f.cmd.ProcessState.SystemTime()
}

// Logs returns what the process wrote to stdout and stderr so far.
func (f *Function) Logs() string { return f.out.String() }
