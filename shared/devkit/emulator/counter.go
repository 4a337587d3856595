package emulator

import (
	"context"
	"maps"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Counter counts the AWS API calls made by SDK clients built from a configuration it is attached
// to, by service and operation, so benchmarks can report e.g. DynamoDB writes per booking. A call
// counts once however many attempts its retries take, and whether or not it succeeds. The zero
// value is ready; it is safe for concurrent use.
type Counter struct {
	mu    sync.Mutex
	calls map[string]int // "DynamoDB.PutItem" → calls
}

// Attach makes every client later built from cfg count its calls in c.
func (c *Counter) Attach(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		// After: the service metadata this reads is registered earlier in the same step.
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("roomkeeperCallCounter", c.count), middleware.After)
	})
}

func (c *Counter) count(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	key := awsmiddleware.GetServiceID(ctx) + "." + awsmiddleware.GetOperationName(ctx)
	c.mu.Lock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[key]++
	c.mu.Unlock()
	return next.HandleInitialize(ctx, in)
}

// Count returns the calls of one operation of a service, by the SDK's service id and operation
// name ("DynamoDB", "PutItem"; "SQS", "SendMessage"; "SESv2", "SendEmail"), or of every operation
// of the service when operation is empty.
func (c *Counter) Count(service, operation string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if operation != "" {
		return c.calls[service+"."+operation]
	}
	n := 0
	prefix := service + "."
	for key, calls := range c.calls {
		if strings.HasPrefix(key, prefix) {
			n += calls
		}
	}
	return n
}

// Calls returns a copy of every count, keyed "<service id>.<operation>".
func (c *Counter) Calls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// Reset sets every count to zero, e.g. after a benchmark's setup.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = nil
}
