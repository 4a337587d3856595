package eventfile

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSet(t *testing.T) {
	body := []byte(`{"payload":{"title":"Intro","attendees":[{"email":"a@x"},{"email":"b@x"}]}}`)
	tests := []struct {
		name, path string
		value      any
		want       string
	}{
		{"a key", "payload.title", "Call", `{"payload":{"title":"Call","attendees":[{"email":"a@x"},{"email":"b@x"}]}}`},
		{"through an array", "payload.attendees.1.email", "c@x", `{"payload":{"title":"Intro","attendees":[{"email":"a@x"},{"email":"c@x"}]}}`},
		{"an array element", "payload.attendees.0", "x", `{"payload":{"title":"Intro","attendees":["x",{"email":"b@x"}]}}`},
		{"delete a key", "payload.title", nil, `{"payload":{"attendees":[{"email":"a@x"},{"email":"b@x"}]}}`},
		{"a new key", "payload.extra", 3, `{"payload":{"title":"Intro","extra":3,"attendees":[{"email":"a@x"},{"email":"b@x"}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Set(body, tt.path, tt.value)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(out))
		})
	}
	for _, path := range []string{"payload.attendees.2.email", "payload.attendees.x", "payload.title.x", "missing.key"} {
		_, err := Set(body, path, "v")
		assert.Error(t, err, path)
	}
	_, err := Set([]byte(`{`), "a", 1)
	assert.Error(t, err)
}
