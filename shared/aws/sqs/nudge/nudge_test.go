package nudge_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/sqs/nudge"
	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// TestBody: what the queue sends is what Decode reads back.
func TestBody(t *testing.T) {
	key := booking.KeyOf("generic", "bk_123")
	assert.JSONEq(t, `{"key":"`+key+`"}`, nudge.Message{Key: key}.Body())
	assert.JSONEq(t, `{"reap":true}`, nudge.Message{Reap: true}.Body())
	for _, m := range []nudge.Message{{Key: key}, {Reap: true}} {
		got, err := nudge.Decode(m.Body())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
}

func TestDecode(t *testing.T) {
	key := booking.KeyOf("generic", "bk_123")
	tests := []struct {
		name string
		body string
		want string // "" means rejected
	}{
		{"valid", `{"key":"` + key + `"}`, key},
		{"white space around", " \n{ \"key\" : \"" + key + "\" }\n", key},
		{"escaped member name", `{"\u006bey":"` + key + `"}`, key},
		{"empty body", ``, ""},
		{"not JSON", `key=` + key, ""},
		{"bare string", `"` + key + `"`, ""},
		{"array", `["` + key + `"]`, ""},
		{"null", `null`, ""},
		{"empty object", `{}`, ""},
		{"other member", `{"id":"` + key + `"}`, ""},
		{"member name in another case", `{"Key":"` + key + `"}`, ""},
		{"extra member", `{"key":"` + key + `","retry":1}`, ""},
		{"member before key", `{"retry":1,"key":"` + key + `"}`, ""},
		{"key twice", `{"key":"` + key + `","key":"` + key + `"}`, ""},
		{"number", `{"key":123}`, ""},
		{"null key", `{"key":null}`, ""},
		{"object key", `{"key":{"key":"` + key + `"}}`, ""},
		{"empty key", `{"key":""}`, ""},
		{"short key", `{"key":"` + key[:12] + `"}`, ""},
		{"long key", `{"key":"` + key + `a"}`, ""},
		{"upper case key", `{"key":"` + strings.ToUpper(key) + `"}`, ""},
		{"key outside the alphabet", `{"key":"` + key[:12] + `1"}`, ""},
		{"second object", `{"key":"` + key + `"}{"key":"` + key + `"}`, ""},
		{"trailing garbage", `{"key":"` + key + `"}x`, ""},
		{"unterminated", `{"key":"` + key + `"`, ""},
		{"reap", `{"reap":true}`, "reap"},
		{"reap false", `{"reap":false}`, ""},
		{"reap a string", `{"reap":"true"}`, ""},
		{"reap and key", `{"reap":true,"key":"` + key + `"}`, ""},
		{"slack job", `{"slack":{"kind":"home","member":{"id":"U1"}}}`, "slack"},
		{"slack not an object", `{"slack":"home"}`, ""},
		{"slack and key", `{"slack":{"kind":"home"},"key":"` + key + `"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nudge.Decode(tt.body)
			if tt.want == "" {
				require.Error(t, err)
				assert.Equal(t, booking.Invalid, booking.ErrorCode(err))
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			if tt.want == "reap" {
				assert.Equal(t, nudge.Message{Reap: true}, got)
				return
			}
			if tt.want == "slack" {
				assert.JSONEq(t, `{"kind":"home","member":{"id":"U1"}}`, string(got.Slack))
				return
			}
			assert.Equal(t, nudge.Message{Key: tt.want}, got)
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(`{"key":"` + booking.KeyOf("generic", "bk_1") + `"}`)
	f.Add(`{"key":1}`)
	f.Fuzz(func(t *testing.T, body string) {
		m, err := nudge.Decode(body)
		if err != nil || m.Reap || m.Slack != nil {
			return
		}
		// Whatever Decode accepts is a key Enqueue could have sent.
		again, err := nudge.Decode(`{"key":"` + m.Key + `"}`)
		require.NoError(t, err)
		assert.Equal(t, m, again)
		assert.Len(t, m.Key, len(booking.KeyOf("", "")))
	})
}
