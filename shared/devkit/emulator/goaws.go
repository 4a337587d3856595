package emulator

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// goawsPackage is the goaws main package; tools/goaws/go.mod pins its version, so the main module
// never depends on goaws.
const goawsPackage = "github.com/Admiral-Piett/goaws/app/cmd"

// goawsAccount is the account id goaws puts in queue URLs.
const goawsAccount = "100010001000"

var goawsBuild struct {
	once sync.Once
	path string
	err  error
}

// GoAWS starts a new, empty goaws SQS emulator (github.com/Admiral-Piett/goaws) on a free port and
// returns its endpoint URL ("http://127.0.0.1:port"), for AWSConfig. goaws speaks the SQS JSON
// protocol the SDK uses; create queues with CreateQueue. The process is killed at t.Cleanup.
//
// The binary is built once per test process from tools/goaws (a module of its own that pins
// goaws v0.5.4) into the user cache directory; a failed build (no Go toolchain, no module
// download) goes through Require. goaws always listens on every interface, not only loopback, and
// knows no IAM: keep it to tests.
func GoAWS(t testing.TB) string {
	t.Helper()
	bin := goawsBinary(t)
	dir := t.TempDir()
	return "http://" + Start(t, Spec{
		Name: "goaws",
		Path: bin,
		Args: func(port int) []string {
			config := filepath.Join(dir, "goaws-"+strconv.Itoa(port)+".yaml")
			if err := os.WriteFile(config, goawsConfig(port), 0o600); err != nil {
				t.Fatalf("write goaws config: %v", err)
			}
			// Without -config goaws searches its working directory tree for a goaws.yaml.
			return []string{"-config", config, "-loglevel", "error", "Local"}
		},
		Dir: dir,
		Ready: func(ctx context.Context, addr string) error {
			return httpOK(ctx, "http://"+addr+"/health")
		},
	})
}

// goawsConfig is goaws's configuration for one port. Region stays empty: goaws would otherwise
// put "<region>.<host>" into queue URLs, a host name that does not resolve.
func goawsConfig(port int) []byte {
	return fmt.Appendf(nil, `Local:
  Host: 127.0.0.1
  Port: "%d"
  AccountId: "%s"
  LogToFile: false
  EnableDuplicates: false
  QueueAttributeDefaults:
    VisibilityTimeout: 30
    ReceiveMessageWaitTimeSeconds: 0
    MaximumMessageSize: 262144
  Queues: []
  Topics: []
`, port, goawsAccount)
}

// goawsBinary builds goaws once per process and returns its path.
func goawsBinary(t testing.TB) string {
	t.Helper()
	goawsBuild.once.Do(func() { goawsBuild.path, goawsBuild.err = buildGoAWS() })
	if goawsBuild.err != nil {
		Require(t, "goaws", goawsBuild.err.Error())
	}
	return goawsBuild.path
}

// buildGoAWS builds goaws from tools/goaws into the user cache directory. It builds to a
// temporary name and renames, so test processes building at once never run a half-written file.
func buildGoAWS() (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go command to build it with: %w", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "roomkeeper", "goaws")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(dir, ".build-*")
	if err != nil {
		return "", fmt.Errorf("create temporary directory in %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	built := filepath.Join(tmp, "goaws")
	cmd := exec.Command(goTool, "build", "-o", built, goawsPackage)
	cmd.Dir = filepath.Join(RepoRoot(), "tools", "goaws")
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("`cd tools/goaws && go build %s` failed (%v): %s", goawsPackage, err, out)
	}
	path := filepath.Join(dir, "goaws")
	if err := os.Rename(built, path); err != nil {
		return "", fmt.Errorf("install goaws: %w", err)
	}
	return path, nil
}

// CreateQueue creates a standard queue on the SQS endpoint (GoAWS) and returns its URL, which
// points at the endpoint.
func CreateQueue(t testing.TB, endpoint, name string) string {
	t.Helper()
	out, err := sqs.NewFromConfig(AWSConfig(endpoint)).CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: &name})
	if err != nil {
		t.Fatalf("create queue %s: %v", name, err)
	}
	return *out.QueueUrl
}

// httpOK reports whether a GET of url answers 200.
func httpOK(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return nil
}
