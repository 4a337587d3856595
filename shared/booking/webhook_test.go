package booking

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderValues(t *testing.T) {
	h := http.Header{
		"Webhook-Id":   {"a"},
		"webhook-id":   {"b", "c"},
		"Webhook-Ids":  {"x"},
		"Content-Type": {"application/json"},
	}
	got := HeaderValues(h, "WEBHOOK-ID")
	slices.Sort(got)
	assert.Equal(t, []string{"a", "b", "c"}, got)
	assert.Empty(t, HeaderValues(h, "webhook-signature"))
}

func TestUnixTimestamp(t *testing.T) {
	got, err := UnixTimestamp("webhook-timestamp header", "1614265330")
	require.NoError(t, err)
	assert.Equal(t, int64(1614265330), got)

	got, err = UnixTimestamp("webhook-timestamp header", "01614265330")
	require.NoError(t, err)
	assert.Equal(t, int64(1614265330), got, "a leading zero is still digits")

	for _, s := range []string{"", " 1614265330", "1614265330 ", "+1614265330", "-1614265330", "1614265330.5", "1.6e9", "yesterday", "99999999999999999999"} {
		t.Run(s, func(t *testing.T) {
			got, err := UnixTimestamp("webhook-timestamp header", s)
			require.Error(t, err)
			assert.Equal(t, Unauthorized, ErrorCode(err))
			assert.EqualError(t, err, "unauthorized: malformed webhook-timestamp header: want unix seconds")
			assert.Zero(t, got)
		})
	}
}
