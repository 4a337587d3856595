package lambdatest

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxBootstrap is issue 15's limit on a function's binary: 15 MiB.
const maxBootstrap = 15 << 20

// TestDeployedSizes builds the functions as `make build` does (linux/arm64, the deployment flags)
// and checks each binary against maxBootstrap (docs/benchmarks.md, "Size"). It keeps, among
// others, the phone-number library out of the worker (18.8 MB with it: the dialin function
// normalises its numbers), Slack's client out of the admin function
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

// TestSDKClientsKeepOnlyWhatIsCalled builds the two functions that render templates (admin, the
// worker) with their symbols and checks that none of the AWS SDK operations roomkeeper never calls
// is in them. text/template looks methods up by name, so the linker keeps every exported method of
// a type reachable from one held in an interface: shared/aws's stores, mailers, queues, secret
// sources and number normaliser hold the SDK clients' method values, not the clients, or each
// function would carry every DynamoDB, SES, Secrets Manager and Lambda operation (the worker 4.0 MB and admin 2.8 MB more,
// docs/benchmarks.md, "Size").
func TestSDKClientsKeepOnlyWhatIsCalled(t *testing.T) {
	goTool, err := exec.LookPath("go")
	require.NoError(t, err)
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	never := []string{ // operations roomkeeper's functions never call, one per client
		"github.com/aws/aws-sdk-go-v2/service/dynamodb.(*Client).CreateBackup",
		"github.com/aws/aws-sdk-go-v2/service/sesv2.(*Client).CreateContactList",
		"github.com/aws/aws-sdk-go-v2/service/secretsmanager.(*Client).RotateSecret",
		"github.com/aws/aws-sdk-go-v2/service/lambda.(*Client).CreateFunction", // the worker calls Invoke only
	}
	for _, name := range []string{"admin", "worker"} {
		t.Run(name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), name)
			cmd := exec.Command(goTool, "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, functionPackages[name])
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			f, err := elf.Open(bin)
			require.NoError(t, err)
			defer f.Close()
			syms, err := f.Symbols()
			require.NoError(t, err)
			have := map[string]bool{}
			calls := 0 // the operations that are called, to show the symbols are there to look at
			for _, s := range syms {
				have[s.Name] = true
				if strings.HasPrefix(s.Name, "github.com/aws/aws-sdk-go-v2/service/dynamodb.(*Client).GetItem") {
					calls++
				}
			}
			require.Positive(t, calls, "the binary's symbols name no DynamoDB call at all")
			for _, sym := range never {
				assert.False(t, have[sym], "%s is linked into %s", sym, name)
			}
		})
	}
}
