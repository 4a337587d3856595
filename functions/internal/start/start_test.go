package start

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoad(t *testing.T) {
	t.Setenv("ROOMKEEPER_TABLE", "rk-table")
	t.Setenv("AWS_REGION", "eu-north-1")
	t.Setenv("ROOMKEEPER_CLEANUP_GRACE", "2m")
	env := Load("ROOMKEEPER_TABLE")
	assert.Equal(t, "rk-table", env.Var("ROOMKEEPER_TABLE"))
	assert.Equal(t, "eu-north-1", env.AWS.Region)
	assert.Equal(t, "2m0s", env.Config.CleanupGrace.String())
	assert.Panics(t, func() { env.Var("ROOMKEEPER_QUEUE_URL") }, "only required variables are read through Var")
}

// TestLoadStopsOnBadConfiguration runs Load in a child process (it exits) and reads its log.
func TestLoadStopsOnBadConfiguration(t *testing.T) {
	if os.Getenv("START_TEST_CHILD") == "1" {
		Load("ROOMKEEPER_TABLE", "ROOMKEEPER_QUEUE_URL")
		return
	}
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"missing variables", nil, `configuration: ROOMKEEPER_TABLE and ROOMKEEPER_QUEUE_URL must be set`},
		{"one missing", []string{"ROOMKEEPER_TABLE=t"}, `configuration: ROOMKEEPER_QUEUE_URL must be set`},
		{"a bad setting", []string{"ROOMKEEPER_TABLE=t", "ROOMKEEPER_QUEUE_URL=q", "ROOMKEEPER_CLEANUP_GRACE=soon"}, "ROOMKEEPER_CLEANUP_GRACE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLoadStopsOnBadConfiguration$")
			cmd.Env = append([]string{"START_TEST_CHILD=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, tt.env...)
			out, err := cmd.Output()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "Load exits: %s", out)
			assert.Equal(t, 1, exit.ExitCode())
			assert.Contains(t, string(out), `"message":"cannot start"`)
			assert.Contains(t, string(out), tt.want)
		})
	}
}
