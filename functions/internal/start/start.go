// Package start is the init every roomkeeper Lambda function shares: a JSON logger that adds the
// invocation's request id, the checked configuration (shared/config), the environment variables
// the function cannot run without, and the AWS configuration its clients are built from. Any
// error stops the process with one "cannot start" log line naming what is wrong: Lambda records
// the init failure and tries again on the next invocation. Nothing here calls AWS.
//
// The AWS configuration is built from what the Lambda runtime gives every function (the
// "Defined runtime environment variables" of the Lambda Developer Guide): the region in
// AWS_REGION and the execution role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN, and the endpoint overrides (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_<SERVICE>) that tests use against emulators, read as the SDK reads them.
// config.LoadDefaultConfig is not used: its credential chain (shared profiles, SSO, web identity,
// assume role, the container and EC2 metadata endpoints) imports the STS, SSO, SSO OIDC and
// sign-in clients, whose generated tables every cold start would initialise, for sources a
// Lambda function never reads.
package start

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/roomkeeper/roomkeeper/shared/config"
)

// Env is what a function's main builds its handler from.
type Env struct {
	Log    *slog.Logger
	Config config.Config
	AWS    aws.Config
	vars   map[string]string
}

// Load reads and checks the configuration and the required environment variables (the table's
// name, the queue's URL…), whose values Var then returns, and builds the AWS configuration from
// the environment (FromEnv).
// Every function checks the whole configuration, even settings it does not use, so a bad
// deployment fails in all of them alike.
func Load(required ...string) Env {
	e := Env{
		Log:  NewLog(os.Stdout, os.Getenv("AWS_LAMBDA_LOG_LEVEL")),
		vars: map[string]string{},
	}
	cfg, err := config.FromEnv(os.LookupEnv)
	if err != nil {
		e.Exit(err)
	}
	e.Config = cfg
	var missing []string
	for _, name := range required {
		if e.vars[name] = os.Getenv(name); e.vars[name] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		e.Exit(fmt.Errorf("configuration: %s must be set", strings.Join(missing, " and ")))
	}
	if e.AWS, err = FromEnv(); err != nil {
		e.Exit(err)
	}
	return e
}

// NewLog returns the function's logger: JSON lines on w, with Lambda's names for the time and
// the message, at level and above. level is AWS_LAMBDA_LOG_LEVEL, which Lambda sets to the
// function's application log level when its log format is JSON ("Log-level filtering" in the
// Lambda Developer Guide; the stack sets INFO): a line Lambda would drop is not written at all.
// Unset or unknown, it is INFO. Lambda's TRACE is slog's DEBUG and FATAL its ERROR.
func NewLog(w io.Writer, level string) *slog.Logger {
	l := slog.LevelInfo
	switch strings.ToUpper(level) {
	case "TRACE", "DEBUG":
		l = slog.LevelDebug
	case "WARN":
		l = slog.LevelWarn
	case "ERROR", "FATAL":
		l = slog.LevelError
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l, ReplaceAttr: lambdacontext.ReplaceAttr}))
}

// FromEnv returns the AWS configuration of a Lambda function: the region and the static
// credentials from the environment, and the endpoint overrides the SDK's own environment reader
// honours (AWS_ENDPOINT_URL for every service, AWS_ENDPOINT_URL_<SERVICE> for one, both ignored
// with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true). The credentials are the execution role's for
// the environment's lifetime, as the SDK's default chain resolves them there (its first source,
// "EnvConfigCredentials"). Without a region or credentials in the environment it fails rather
// than look elsewhere.
func FromEnv() (aws.Config, error) {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		return aws.Config{}, errors.New("AWS configuration: AWS_REGION must be set")
	}
	creds := aws.Credentials{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		AccountID:       os.Getenv("AWS_ACCOUNT_ID"),
		Source:          "EnvConfigCredentials",
	}
	if !creds.HasKeys() {
		return aws.Config{}, errors.New("AWS configuration: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set")
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.StaticCredentialsProvider{Value: creds},
	}
	if ignore, _ := strconv.ParseBool(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")); ignore {
		return cfg, nil
	}
	if url := os.Getenv("AWS_ENDPOINT_URL"); url != "" {
		cfg.BaseEndpoint = aws.String(url)
	}
	// Each client asks its configuration sources for its own endpoint (by its SDK ID).
	cfg.ConfigSources = []any{serviceEndpoints{}}
	return cfg, nil
}

// serviceEndpoints gives a client the endpoint in AWS_ENDPOINT_URL_<SERVICE>, the service's SDK ID
// in upper case with spaces as underscores (AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ENDPOINT_URL_SECRETS_MANAGER), as the SDK's config.EnvConfig does.
type serviceEndpoints struct{}

// GetServiceBaseEndpoint is the method the clients look for in aws.Config.ConfigSources.
func (serviceEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	name := "AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_")
	url := os.Getenv(name)
	return url, url != "", nil
}

// Var returns the value of a variable Load was asked to require.
func (e Env) Var(name string) string {
	v, ok := e.vars[name]
	if !ok {
		panic("start: " + name + " was not required by Load")
	}
	return v
}

// Exit logs that the function cannot start, and why, and stops the process.
func (e Env) Exit(err error) {
	e.Log.Error("cannot start", "err", err)
	os.Exit(1)
}
