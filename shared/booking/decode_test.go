package booking

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	valid := []struct {
		in   string
		want time.Time
	}{
		{"2026-11-23T15:00:00Z", want},
		{"2026-11-23T16:00:00+01:00", want},
		{"2026-11-23T15:00:00.000Z", want},
		{"2026-11-23T15:00:00.123456Z", want.Add(123456 * time.Microsecond)},
	}
	for _, tt := range valid {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime("at", tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, time.UTC, got.Location(), "in UTC")
		})
	}

	invalid := []struct {
		name, in, msg string
	}{
		{"empty", "", "a time is required"},
		{"no offset", "2026-11-23T15:00:00", "RFC 3339"},
		{"a date", "2026-11-23", "RFC 3339"},
		{"a space for T", "2026-11-23 15:00:00Z", "RFC 3339"},
		{"out of range", "2026-11-31T15:00:00Z", "RFC 3339"},
		{"unix seconds", "1795446000", "RFC 3339"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTime("data.start", tt.in)
			e := requireInvalid(t, err, "data.start")
			assert.Contains(t, e.Message, tt.msg)
			assert.Zero(t, got)
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type room struct {
		Name    string  `json:"name"`
		Seats   int     `json:"seats"`
		Session *string `json:"session"`
	}
	tests := []struct {
		name, body, prefix, field, msg string
	}{
		{"empty", ``, "", "", "malformed JSON"},
		{"truncated", `{"name":`, "", "", "malformed JSON at byte"},
		{"an array", `[]`, "", "", "the body must be a JSON object"},
		{"data not an object", `"x"`, "data", "data", "must be an object, not string"},
		{"a number for a string", `{"name":7}`, "data", "data.name", "must be a string, not number"},
		{"a string for a pointer", `{"session":true}`, "", "session", "must be a string, not bool"},
		{"a fraction for a whole number", `{"seats":1.5}`, "", "seats", "must be a whole number, not number"},
		{"a string for a whole number", `{"seats":"2"}`, "", "seats", "must be a whole number, not string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r room
			err := DecodeJSON([]byte(tt.body), &r, tt.prefix)
			e := requireInvalid(t, err, tt.field)
			assert.Contains(t, e.Message, tt.msg)
		})
	}
}

func TestChangeTime(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Time
	}{
		{"none sent: now", "", now},
		{"earlier: as sent, in UTC", "2026-11-22T10:59:00+01:00", now.Add(-time.Minute)},
		{"later than now: now", "2026-11-22T10:01:00Z", now},
		{"now", "2026-11-22T10:00:00Z", now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ChangeTime("createdAt", tt.in, now)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		_, err := ChangeTime("createdAt", "yesterday", now)
		e := requireInvalid(t, err, "createdAt")
		assert.Contains(t, e.Message, "RFC 3339")
	})
}

func TestCheckID(t *testing.T) {
	got, err := CheckID("payload.uri", "  https://example.net/i/1 ", 30, "a URI is required")
	require.NoError(t, err)
	assert.Equal(t, "https://example.net/i/1", got, "trimmed")

	tests := []struct {
		name, in, msg string
	}{
		{"empty", "", "a URI is required"},
		{"blank", "  ", "a URI is required"},
		{"too long", strings.Repeat("a", 31), "at most 30 characters"},
		{"a line break", "a\nb", "control characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckID("payload.uri", tt.in, 30, "a URI is required")
			e := requireInvalid(t, err, "payload.uri")
			assert.Contains(t, e.Message, tt.msg)
			assert.Empty(t, got)
		})
	}
}

func TestDecodeStrictJSON(t *testing.T) {
	var v struct {
		Size string `json:"size"`
		Dial bool   `json:"dialIn"`
	}
	for _, tt := range []struct {
		body, field, says string
	}{
		{`{"size": "small", "dialInn": true}`, "dialInn", "not a field"},
		{`{"size": 4}`, "size", "must be a string"},
		{`{"size": "small"} {}`, "", "one JSON object"},
		{``, "", "JSON object"},
		{`[1]`, "", "JSON object"},
		{`{"size": `, "", "malformed"},
	} {
		t.Run(tt.body, func(t *testing.T) {
			err := DecodeStrictJSON([]byte(tt.body), &v)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, Invalid, e.Code)
			assert.Equal(t, tt.field, e.Field)
			assert.Contains(t, e.Message, tt.says)
		})
	}
	require.NoError(t, DecodeStrictJSON([]byte(`{"size": "large", "dialIn": true}`), &v))
	assert.Equal(t, "large", v.Size)
}

func TestCheckUTF8(t *testing.T) {
	valid := []string{
		`{"data":{"title":"Jörg's café ☕","attendees":[{"name":"Åse"}]}}`,
		`{"a":"\ud83d\ude00 escaped"}`,
		`not JSON at all \xff`, // the decoder reports it
		``,
	}
	for _, body := range valid {
		t.Run("valid "+body, func(t *testing.T) {
			assert.NoError(t, CheckUTF8([]byte(body)))
		})
	}
	invalid := []struct {
		name, body, field, msg string
	}{
		{"a top-level value", "{\"type\":\"booking.\xffcreated\"}", "type", "not valid UTF-8"},
		{"a nested value", "{\"data\":{\"title\":\"Caf\xe9\"}}", "data.title", "not valid UTF-8"},
		{"in an array", "{\"data\":{\"bookingId\":\"b\",\"attendees\":[{\"email\":\"bob@example.net\"},{\"name\":\"J\xf6rg\",\"email\":\"j@example.net\"}]}}", "data.attendees[1].name", "not valid UTF-8"},
		{"after a nested array", "{\"data\":{\"a\":[1,[2,3],{\"x\":null}],\"b\":true,\"c\":\"\xc3\"}}", "data.c", "not valid UTF-8"},
		{"a field name", "{\"data\":{\"ti\xfftle\":\"x\"}}", "data", "field name"},
		{"a top-level field name", "{\"\xff\":1}", "", "field name"},
		{"a lone string", "\"\xff\"", "", "not valid UTF-8"},
		{"an array", "[\"ok\",\"\xff\"]", "[1]", "not valid UTF-8"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			e := requireInvalid(t, CheckUTF8([]byte(tt.body)), tt.field)
			assert.Contains(t, e.Message, tt.msg)
		})
	}
}
