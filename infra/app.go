// Command infra is roomkeeper's AWS deployment as an AWS CDK app (AWS CDK v2 for Go): one
// stack holding the HTTP API, the Lambda functions, the DynamoDB table, the SQS work queue,
// the EventBridge Scheduler sweep, the Secrets Manager secrets, the SES configuration set's
// bounce and complaint events and the alarms, checked by cdk-nag's AwsSolutions rules on every
// synthesis. See docs/deploy.md.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// newApp returns a CDK app with the given context (feature flags) and the cdk-nag AwsSolutions
// checks attached, so every synthesis, in main and in tests, reports rule violations as
// error annotations.
func newApp(context map[string]any) awscdk.App {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &context})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return app
}

// readContext returns the "context" object of a cdk.json file. The cdk CLI passes it to the
// app itself; reading it here too makes `go run .` and the tests synthesise with the same
// feature flags as `cdk synth` (context from the CLI still takes precedence).
func readContext(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cdk context: %w", err)
	}
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &cdkJSON); err != nil {
		return nil, fmt.Errorf("read cdk context from %s: %w", path, err)
	}
	return cdkJSON.Context, nil
}
