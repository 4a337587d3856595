package invitetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// RequireBackendsEnv names the environment variable that, set to 1, turns a missing validator
// from a skip into a failure. `make test` sets it.
const RequireBackendsEnv = "ROOMKEEPER_REQUIRE_BACKENDS"

//go:embed libical_check.c
var libicalSource []byte

// CheckICS runs every calendar in ics through ical.js and libical's iTIP restriction check and
// fails t with their messages if either rejects one. ical.js runs in one node process per call
// for all of ics; the libical checker is compiled on first use and cached (in the user cache
// directory, else the temporary directory). A missing node, ical.js, C compiler or libical skips
// t, or fails it when ROOMKEEPER_REQUIRE_BACKENDS=1.
func CheckICS(t testing.TB, ics ...[]byte) {
	t.Helper()
	if len(ics) == 0 {
		return
	}
	node := icaljs()
	if node.missing != "" {
		backendMissing(t, node.missing)
	}
	lib := libicalCheck()
	if lib.missing != "" {
		backendMissing(t, lib.missing)
	}

	dir, err := os.MkdirTemp("", "invitetest-ics-")
	require.NoError(t, err, "create directory for calendars")
	defer os.RemoveAll(dir)
	files := make([]string, len(ics))
	for i, b := range ics {
		files[i] = filepath.Join(dir, strconv.Itoa(i)+".ics")
		require.NoError(t, os.WriteFile(files[i], b, 0o600), "write calendar")
	}

	// Not t.Context(): it is already cancelled when t.Cleanup functions run, and tests check the
	// mail they sent from their cleanups.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	problems := make([][]string, len(ics))
	for i, msg := range runIcalJS(t, ctx, node, files) {
		problems[i] = append(problems[i], msg)
	}
	for i, msgs := range runLibical(t, ctx, lib, files) {
		problems[i] = append(problems[i], msgs...)
	}

	var report strings.Builder
	for i, msgs := range problems {
		if len(msgs) == 0 {
			continue
		}
		fmt.Fprintf(&report, "calendar %d of %d:\n  %s\n%s\n", i+1, len(ics), strings.Join(msgs, "\n  "), excerpt(ics[i]))
	}
	if report.Len() > 0 {
		require.Fail(t, "outside iCalendar validators rejected the calendar", report.String())
	}
}

func backendMissing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(RequireBackendsEnv) == "1" {
		require.FailNow(t, reason, "%s=1 makes a missing validator a failure", RequireBackendsEnv)
	}
	t.Skip(reason)
}

// excerpt shows the start of a rejected calendar.
func excerpt(ics []byte) string {
	const max = 4000
	s := string(ics)
	if len(s) > max {
		s = s[:max] + "\n[…]"
	}
	return "  ---\n  " + strings.ReplaceAll(strings.TrimRight(s, "\r\n"), "\r\n", "\n  ")
}

type backend struct {
	path    string // node, or the compiled checker
	script  string // icaljs.mjs
	missing string // why the backend cannot run, with how to install it
}

// icaljs finds node and the ical.js script once per process.
var icaljs = sync.OnceValue(func() backend {
	node, err := exec.LookPath("node")
	if err != nil {
		return backend{missing: "node is not installed: install Node.js 20 or later and run `npm ci` in the repository root (make test does)"}
	}
	script, err := sourceFile("icaljs.mjs")
	if err != nil {
		return backend{missing: err.Error()}
	}
	for dir := filepath.Dir(script); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "ical.js", "package.json")); err == nil {
			return backend{path: node, script: script}
		}
		if filepath.Dir(dir) == dir {
			return backend{missing: "ical.js is not installed: run `npm ci` in the repository root (make test does)"}
		}
	}
})

// sourceFile finds a file of this package's source directory: next to this file, or, when the
// test binary was built with -trimpath, under the module root above the working directory (go
// test runs each package in its own directory).
func sourceFile(name string) (string, error) {
	if _, self, _, ok := runtime.Caller(0); ok && filepath.IsAbs(self) {
		p := filepath.Join(filepath.Dir(self), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find %s: %w", name, err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "invite", "invitetest", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("cannot find shared/invite/invitetest/%s above %s: run the tests from the roomkeeper repository", name, wd)
		}
	}
}

// runIcalJS returns the ical.js error of each rejected file by index.
func runIcalJS(t testing.TB, ctx context.Context, b backend, files []string) map[int]string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.path, append([]string{b.script}, files...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		backendMissing(t, strings.TrimSpace(stderr.String()))
	}
	require.NoError(t, err, "run ical.js: %s", stderr.String())

	var results []struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &results), "read ical.js results: %s", stdout.String())
	require.Len(t, results, len(files), "ical.js results")
	problems := make(map[int]string)
	for i, r := range results {
		if !r.OK {
			problems[i] = r.Error
		}
	}
	return problems
}

// runLibical returns the libical errors of each rejected file by index.
func runLibical(t testing.TB, ctx context.Context, b backend, files []string) map[int][]string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.path, files...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		// errors found; read them below
	case errors.As(err, &exit) && exit.ExitCode() == 127:
		backendMissing(t, "libical cannot be loaded ("+strings.TrimSpace(stderr.String())+"): apt-get install libical-dev (make test does)")
	default:
		require.NoError(t, err, "run libical check: %s", stderr.String())
	}
	problems := make(map[int][]string)
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		idx, msg, ok := strings.Cut(line, ": ")
		i, err := strconv.Atoi(idx)
		require.True(t, ok && err == nil && i >= 0 && i < len(files), "unexpected libical check output %q", line)
		problems[i] = append(problems[i], "libical: "+msg)
	}
	require.NotEmpty(t, problems, "libical check failed without saying why: %s", stderr.String())
	return problems
}

// libicalCheck compiles libical_check.c once per process, into a cache directory keyed by the
// source and the build flags, so later processes reuse it.
var libicalCheck = sync.OnceValue(func() backend {
	const install = "apt-get install libical-dev pkg-config (make test does)"
	cc, err := exec.LookPath("cc")
	if err != nil {
		return backend{missing: "no C compiler (cc) to build the libical check: apt-get install gcc; " + install}
	}
	flags := []string{"-lical"}
	if out, err := exec.Command("pkg-config", "--cflags", "--libs", "libical").Output(); err == nil {
		flags = strings.Fields(string(out))
	}

	key := sha256.New()
	key.Write(libicalSource)
	fmt.Fprintf(key, "\x00%s\x00%s\x00%s/%s", cc, strings.Join(flags, " "), runtime.GOOS, runtime.GOARCH)
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "roomkeeper")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		dir = os.TempDir()
	}
	bin := filepath.Join(dir, "libical_check-"+hex.EncodeToString(key.Sum(nil)[:8]))
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() && st.Mode()&0o100 != 0 {
		return backend{path: bin}
	}

	// Build under a temporary name and rename, so parallel test processes never run a
	// half-written binary.
	tmp := fmt.Sprintf("%s.tmp%d", bin, os.Getpid())
	args := append([]string{"-O1", "-o", tmp, "-x", "c", "-"}, flags...)
	cmd := exec.Command(cc, args...)
	cmd.Stdin = bytes.NewReader(libicalSource)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return backend{missing: fmt.Sprintf("cannot build the libical check (%v: %s): %s", err, strings.TrimSpace(string(out)), install)}
	}
	if err := os.Rename(tmp, bin); err != nil {
		os.Remove(tmp)
		return backend{missing: fmt.Sprintf("cannot install the libical check: %v", err)}
	}
	return backend{path: bin}
})
