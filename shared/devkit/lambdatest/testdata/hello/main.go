// Command hello is the baseline of the cold-start benchmark: an aws-lambda-go function that does
// nothing, built with the same flags as the real functions, like the Go hello world whose Lambda
// cold starts github.com/maxday/lambda-perf measures.
// It answers {"hello": "world"}, or a function error when the event is {"fail": true}.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Fail bool `json:"fail"`
}

func main() {
	lambda.Start(func(_ context.Context, ev event) (map[string]string, error) {
		if ev.Fail {
			return nil, errors.New("asked to fail")
		}
		return map[string]string{"hello": "world"}, nil
	})
}
