// Package start is the init every roomkeeper Lambda function shares: a JSON logger that adds the
// invocation's request id, the checked configuration (shared/config), the environment variables
// the function cannot run without, and the AWS configuration its clients are built from. Any
// error stops the process with one "cannot start" log line naming what is wrong: Lambda records
// the init failure and tries again on the next invocation. Nothing here calls AWS:
// LoadDefaultConfig reads the environment only, and credentials are fetched on the first call.
package start

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

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
// name, the queue's URL…), whose values Var then returns, and loads the AWS configuration.
// Every function checks the whole configuration, even settings it does not use, so a bad
// deployment fails in all of them alike.
func Load(required ...string) Env {
	e := Env{
		Log:  slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr})),
		vars: map[string]string{},
	}
	cfg, err := config.FromEnv(os.Getenv)
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
	if e.AWS, err = awsconfig.LoadDefaultConfig(context.Background()); err != nil {
		e.Exit(fmt.Errorf("load AWS configuration: %w", err))
	}
	return e
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
