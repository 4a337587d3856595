// Package secrets is the secret source of the Lambda functions: a secret NAME is read from the AWS
// Secrets Manager secret that the environment variable <NAME>_SECRET_ARN names (GetSecretValue,
// SecretString; AWS Secrets Manager API reference), once per container, and once more after a
// signature failure so a rotated secret is picked up.
// Without an ARN the variable NAME itself holds the value, as in local runs.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// FreshInterval is the least time between two reads of one secret that fresh asks for. A fresh
// read follows a failed signature, which anyone can cause: this keeps bad signatures from turning
// into a Secrets Manager call per request.
const FreshInterval = time.Minute

// ARNSuffix ends the name of the environment variable holding a secret's ARN: NAME's ARN is in
// NAME + ARNSuffix.
const ARNSuffix = "_SECRET_ARN"

// Source reads secrets. It is safe for concurrent use; build one per container.
type Source struct {
	client struct{ GetSecretValue getSecretValue } // the client's one call (see dynamo.Store's api)
	getenv func(string) string
	// Now is the clock of the FreshInterval limit; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	entries map[string]*entry // by secret name
}

// entry is one secret's cached value. Its mutex is held during a read, so concurrent callers of
// one name wait for one read instead of making their own.
type entry struct {
	mu     sync.Mutex
	value  string
	cached bool      // value holds a successful read
	readAt time.Time // when the last read started, successful or not
}

type getSecretValue = func(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)

// New returns a Source reading through client, with getenv (os.Getenv in main) for the variables.
func New(client *secretsmanager.Client, getenv func(string) string) *Source {
	s := &Source{getenv: getenv, entries: map[string]*entry{}}
	s.client.GetSecretValue = client.GetSecretValue
	return s
}

// Secret returns the secret name:
//   - if <name>_SECRET_ARN is set, the SecretString of that Secrets Manager secret, read on first
//     use and cached; with fresh, read again unless the last read began less than FreshInterval
//     ago, in which case the cached value is returned;
//   - otherwise the value of the variable name itself, "" when unset (the caller treats that as
//     not configured).
//
// A secret without a value (Secrets Manager's ResourceNotFoundException: the stack creates the
// secrets empty for the operator to set) is "" as well, and is read again after FreshInterval.
//
// A failed read returns an error and caches nothing, so the next call reads again; a failed fresh
// read still counts against FreshInterval. Errors name the secret, never its value.
func (s *Source) Secret(ctx context.Context, name string, fresh bool) (string, error) {
	arn := s.getenv(name + ARNSuffix)
	if arn == "" {
		return s.getenv(name), nil
	}
	e := s.entry(name)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := s.now()
	// An empty value (a secret created without one, or deleted) is read again once a minute, so
	// setting it takes effect without a new container.
	stale := fresh || e.value == ""
	if e.cached && (!stale || now.Sub(e.readAt) < FreshInterval) {
		return e.value, nil
	}
	e.readAt = now
	value, err := s.read(ctx, name, arn)
	if err != nil {
		return "", err
	}
	e.value, e.cached = value, true
	return value, nil
}

func (s *Source) entry(name string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[name]
	if !ok {
		e = &entry{}
		s.entries[name] = e
	}
	return e
}

func (s *Source) read(ctx context.Context, name, arn string) (string, error) {
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		// The stack creates each secret without a value for the operator to set; until then, or
		// once it is deleted, the secret is not configured (a source answers 404, not 503).
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read secret %s from Secrets Manager: %w", name, err)
	}
	if out.SecretString == nil {
		return "", errors.New("read secret " + name + " from Secrets Manager: the secret has no string value")
	}
	return *out.SecretString, nil
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
