package lambdatest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxBootstrap is issue 15's limit on a function's binary: 15 MiB.
const maxBootstrap = 15 << 20

// TestDeployedSizes builds the functions as `make build` does (linux/arm64, the deployment flags)
// and checks each binary against maxBootstrap — every function but the worker, which is over it
// (docs/benchmarks.md, "Size"). It keeps, among others, Slack's client out of the admin function
// (16.8 MB with it) and the linker's dead-code elimination of methods working in the slack
// function: once text/template's MethodByName is reachable, every exported method of Slack's
// client stays in (17.1 MB).
func TestDeployedSizes(t *testing.T) {
	goTool, err := exec.LookPath("go")
	require.NoError(t, err)
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	dir := t.TempDir()
	for _, name := range functionNames {
		if name == "worker" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			bin := filepath.Join(dir, name)
			cmd := exec.Command(goTool, "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", bin, functionPackages[name])
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			st, err := os.Stat(bin)
			require.NoError(t, err)
			assert.LessOrEqual(t, st.Size(), int64(maxBootstrap), "%s's bootstrap", name)
		})
	}
}
