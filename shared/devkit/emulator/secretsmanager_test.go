package emulator

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFakeSecretsManager(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:roomkeeper/generic-AbCdEf"
	secrets := map[string]string{arn: "whsec_one"}
	fake := NewFakeSecretsManager(t, secrets)
	secrets[arn] = "changed after the start" // the fake keeps its own copy
	c := secretsmanager.NewFromConfig(AWSConfig(fake.URL))

	read := func(id string) (string, error) {
		out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: &id})
		if err != nil {
			return "", err
		}
		assert.Equal(t, id, *out.ARN)
		assert.Equal(t, "roomkeeper/generic-AbCdEf", *out.Name)
		return *out.SecretString, nil
	}

	got, err := read(arn)
	require.NoError(t, err)
	assert.Equal(t, "whsec_one", got)
	assert.Equal(t, 1, fake.Reads(arn))

	fake.Set(arn, "whsec_two")
	got, err = read(arn)
	require.NoError(t, err)
	assert.Equal(t, "whsec_two", got)
	assert.Equal(t, 2, fake.Reads(arn))

	fake.Delete(arn)
	_, err = read(arn)
	var notFound *types.ResourceNotFoundException
	require.True(t, errors.As(err, &notFound), "got %v, want ResourceNotFoundException", err)
	assert.Equal(t, 3, fake.Reads(arn), "failed reads count too")
	assert.Equal(t, 0, fake.Reads("other"))

	// SecretsManager is the same fake, by endpoint only.
	endpoint := SecretsManager(t, map[string]string{"name": "value"})
	out, err := secretsmanager.NewFromConfig(AWSConfig(endpoint)).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: new("name")})
	require.NoError(t, err)
	assert.Equal(t, "value", *out.SecretString)
}
