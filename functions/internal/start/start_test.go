package start

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoad(t *testing.T) {
	t.Setenv("ROOMKEEPER_TABLE", "rk-table")
	t.Setenv("AWS_REGION", "eu-north-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("ROOMKEEPER_CLEANUP_GRACE", "2m")
	env := Load("ROOMKEEPER_TABLE")
	assert.Equal(t, "rk-table", env.Var("ROOMKEEPER_TABLE"))
	assert.Equal(t, "eu-north-1", env.AWS.Region)
	assert.Equal(t, "2m0s", env.Config.CleanupGrace.String())
	assert.Panics(t, func() { env.Var("ROOMKEEPER_QUEUE_URL") }, "only required variables are read through Var")
	assert.False(t, env.Log.Enabled(context.Background(), slog.LevelDebug), "INFO without AWS_LAMBDA_LOG_LEVEL")

	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "DEBUG") // as Lambda sets it from the application log level
	assert.True(t, Load("ROOMKEEPER_TABLE").Log.Enabled(context.Background(), slog.LevelDebug))
}

// TestNewLogFollowsLambdasApplicationLogLevel: the lines below AWS_LAMBDA_LOG_LEVEL, which
// Lambda would drop, are not written; INFO when it is unset or unknown.
func TestNewLogFollowsLambdasApplicationLogLevel(t *testing.T) {
	for _, tt := range []struct {
		level string
		want  []string
	}{
		{"", []string{"info", "warn", "error"}},
		{"INFO", []string{"info", "warn", "error"}},
		{"DEBUG", []string{"debug", "info", "warn", "error"}},
		{"TRACE", []string{"debug", "info", "warn", "error"}},
		{"WARN", []string{"warn", "error"}},
		{"ERROR", []string{"error"}},
		{"FATAL", []string{"error"}},
		{"chatty", []string{"info", "warn", "error"}},
	} {
		t.Run(tt.level, func(t *testing.T) {
			var buf bytes.Buffer
			log := NewLog(&buf, tt.level)
			log.Debug("debug")
			log.Info("info")
			log.Warn("warn")
			log.Error("error")
			var got []string
			for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
				var line map[string]any
				require.NoError(t, json.Unmarshal(l, &line))
				assert.Contains(t, line, "timestamp", "Lambda's name for the time")
				got = append(got, line["message"].(string))
			}
			assert.Equal(t, tt.want, got)
		})
	}
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

// lambdaEnv is what the Lambda runtime sets for every function.
var lambdaEnv = map[string]string{
	"AWS_REGION":            "eu-north-1",
	"AWS_ACCESS_KEY_ID":     "ASIAEXAMPLE",
	"AWS_SECRET_ACCESS_KEY": "secret",
	"AWS_SESSION_TOKEN":     "token",
}

func TestFromEnv(t *testing.T) {
	for k, v := range lambdaEnv {
		t.Setenv(k, v)
	}
	cfg, err := FromEnv()
	require.NoError(t, err)
	assert.Equal(t, "eu-north-1", cfg.Region)
	creds, err := cfg.Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "ASIAEXAMPLE", creds.AccessKeyID)
	assert.Equal(t, "secret", creds.SecretAccessKey)
	assert.Equal(t, "token", creds.SessionToken)
	assert.Nil(t, cfg.BaseEndpoint)
	assert.Nil(t, dynamodb.NewFromConfig(cfg).Options().BaseEndpoint, "no override: the region's endpoint")
}

// TestFromEnvEndpoints checks the overrides the tests against emulators rely on reach the clients
// as with the SDK's config.LoadDefaultConfig.
func TestFromEnvEndpoints(t *testing.T) {
	tests := []struct {
		name                    string
		env                     map[string]string
		wantDynamo, wantSecrets string // empty: no override
	}{
		{"per service", map[string]string{
			"AWS_ENDPOINT_URL_DYNAMODB":        "http://127.0.0.1:8000",
			"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:8001",
		}, "http://127.0.0.1:8000", "http://127.0.0.1:8001"},
		{"global", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, "http://127.0.0.1:4566", "http://127.0.0.1:4566"},
		{"per service before global", map[string]string{
			"AWS_ENDPOINT_URL":          "http://127.0.0.1:4566",
			"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
		}, "http://127.0.0.1:8000", "http://127.0.0.1:4566"},
		{"ignored", map[string]string{
			"AWS_ENDPOINT_URL_DYNAMODB":           "http://127.0.0.1:8000",
			"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range lambdaEnv {
				t.Setenv(k, v)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := FromEnv()
			require.NoError(t, err)
			assert.Equal(t, tt.wantDynamo, deref(dynamodb.NewFromConfig(cfg).Options().BaseEndpoint), "DynamoDB")
			assert.Equal(t, tt.wantSecrets, deref(secretsmanager.NewFromConfig(cfg).Options().BaseEndpoint), "Secrets Manager")
		})
	}
}

func TestFromEnvNeedsRegionAndCredentials(t *testing.T) {
	tests := []struct{ unset, want string }{
		{"AWS_REGION", "AWS_REGION must be set"},
		{"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set"},
		{"AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.unset, func(t *testing.T) {
			for k, v := range lambdaEnv {
				t.Setenv(k, v)
			}
			t.Setenv(tt.unset, "")
			_, err := FromEnv()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
