package secrets_test

import (
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/secrets"
	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/emulator"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
)

// The Source is what the HTTP handlers read their secrets from.
var _ httpapi.Secrets = (*secrets.Source)(nil)

const (
	name = "ROOMKEEPER_GENERIC_SECRET"
	arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/generic-AbCdEf"
	v1   = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	v2   = "whsec_QmFzZTY0IHNlY3JldCBhZnRlciByb3RhdGlvbg"
)

// setup returns a Source reading name from a fake Secrets Manager holding v1 under arn, the fake,
// and the Source's clock.
func setup(t *testing.T, env map[string]string) (*secrets.Source, *emulator.FakeSecretsManager, *clocktest.Clock) {
	t.Helper()
	fake := emulator.NewFakeSecretsManager(t, map[string]string{arn: v1})
	src := secrets.New(secretsmanager.NewFromConfig(emulator.AWSConfig(fake.URL)), func(k string) string { return env[k] })
	c := clocktest.New(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	src.Now = c.Now
	return src, fake, c
}

// call is one Secret call after advancing the clock, and what it must return.
type call struct {
	after     time.Duration
	fresh     bool
	want      string
	wantReads int // reads of the ARN so far
}

func TestSecret(t *testing.T) {
	withARN := map[string]string{name + "_SECRET_ARN": arn}
	tests := []struct {
		name   string
		env    map[string]string
		rotate bool // the secret is v2 from the second call on
		calls  []call
	}{
		{
			name: "read once, then cached",
			env:  withARN,
			calls: []call{
				{want: v1, wantReads: 1},
				{after: time.Hour, want: v1, wantReads: 1},
				{after: 24 * time.Hour, want: v1, wantReads: 1},
			},
		},
		{
			name:   "fresh reads a rotated secret",
			env:    withARN,
			rotate: true,
			calls: []call{
				{want: v1, wantReads: 1},
				{after: 5 * time.Minute, want: v1, wantReads: 1}, // cached: not fresh
				{fresh: true, want: v2, wantReads: 2},
				{after: time.Second, want: v2, wantReads: 2}, // the new value is cached
			},
		},
		{
			name:   "fresh reads at most once a minute",
			env:    withARN,
			rotate: true,
			calls: []call{
				{want: v1, wantReads: 1},
				{after: 10 * time.Second, fresh: true, want: v1, wantReads: 1},
				{after: 49 * time.Second, fresh: true, want: v1, wantReads: 1},
				{after: time.Second, fresh: true, want: v2, wantReads: 2}, // a minute after the read
				{after: time.Second, fresh: true, want: v2, wantReads: 2},
				{after: 59 * time.Second, fresh: true, want: v2, wantReads: 3},
			},
		},
		{
			name:  "fresh first call reads",
			env:   withARN,
			calls: []call{{fresh: true, want: v1, wantReads: 1}, {fresh: true, want: v1, wantReads: 1}},
		},
		{
			name:  "no ARN and no value: not configured",
			env:   map[string]string{},
			calls: []call{{want: ""}, {fresh: true, want: ""}},
		},
		{
			name:  "no ARN: the variable's own value, for local runs",
			env:   map[string]string{name: "whsec_local"},
			calls: []call{{want: "whsec_local"}, {fresh: true, want: "whsec_local"}},
		},
		{
			name:  "an ARN wins over a plain value",
			env:   map[string]string{name: "whsec_local", name + "_SECRET_ARN": arn},
			calls: []call{{want: v1, wantReads: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, fake, c := setup(t, tt.env)
			for i, call := range tt.calls {
				if i == 1 && tt.rotate {
					fake.Set(arn, v2)
				}
				c.Add(call.after)
				got, err := src.Secret(t.Context(), name, call.fresh)
				require.NoError(t, err, "call %d", i)
				assert.Equal(t, call.want, got, "call %d", i)
				assert.Equal(t, call.wantReads, fake.Reads(arn), "call %d: reads of the secret", i)
			}
		})
	}
}

func TestSecretReadFailure(t *testing.T) {
	t.Run("a secret without a value is not configured until it is set", func(t *testing.T) {
		missing := arn + "-missing"
		src, fake, c := setup(t, map[string]string{name + "_SECRET_ARN": missing})
		for i := range 2 {
			got, err := src.Secret(t.Context(), name, i == 1)
			require.NoError(t, err, "call %d", i)
			assert.Empty(t, got, "not configured")
		}
		assert.Equal(t, 1, fake.Reads(missing), "read again no sooner than a minute later")
		fake.Set(missing, v1)
		c.Add(2 * time.Minute)
		got, err := src.Secret(t.Context(), name, false)
		require.NoError(t, err)
		assert.Equal(t, v1, got, "setting the secret takes effect without a new container")
		assert.Equal(t, 2, fake.Reads(missing))
	})

	t.Run("a failed fresh read counts against the limit", func(t *testing.T) {
		src, fake, c := setup(t, map[string]string{name + "_SECRET_ARN": arn})
		_, err := src.Secret(t.Context(), name, false)
		require.NoError(t, err)
		fake.Fail(arn) // Secrets Manager refusing
		c.Add(2 * time.Minute)
		_, err = src.Secret(t.Context(), name, true)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), v1, "the error holds no value")
		assert.Equal(t, 2, fake.Reads(arn))

		// Within the minute, fresh and not: the value read before, and no call.
		for _, fresh := range []bool{true, false} {
			got, err := src.Secret(t.Context(), name, fresh)
			require.NoError(t, err)
			assert.Equal(t, v1, got)
		}
		assert.Equal(t, 2, fake.Reads(arn))
	})
}

func TestSecretConcurrentCallersShareOneRead(t *testing.T) {
	src, fake, _ := setup(t, map[string]string{name + "_SECRET_ARN": arn})
	var wg sync.WaitGroup
	got := make([]string, 20)
	errs := make([]error, len(got))
	for i := range got {
		wg.Go(func() { got[i], errs[i] = src.Secret(t.Context(), name, false) })
	}
	wg.Wait()
	for i := range got {
		require.NoError(t, errs[i])
		assert.Equal(t, v1, got[i])
	}
	assert.Equal(t, 1, fake.Reads(arn))
}
