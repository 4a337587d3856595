package eventfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var vars = Vars{Now: time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.FixedZone("CET", 3600)), Run: "r1"}

func TestExpand(t *testing.T) {
	tests := []struct {
		name string
		in   string
		vars Vars
		want string
	}{
		{"now keeps nanoseconds, in UTC", `{"t":"{{now}}"}`, vars, `{"t":"2026-11-22T09:00:00.123456789Z"}`},
		{"now on a whole second", `{"t":"{{now}}"}`, Vars{Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, `{"t":"2026-01-02T03:04:05Z"}`},
		{"now plus hours, to the second", `{"t":"{{now+24h}}"}`, vars, `{"t":"2026-11-23T09:00:00Z"}`},
		{"now plus hours and minutes", `{"t":"{{now+24h30m}}"}`, vars, `{"t":"2026-11-23T09:30:00Z"}`},
		{"now plus minutes", `{"t":"{{now+90m}}"}`, vars, `{"t":"2026-11-22T10:30:00Z"}`},
		{"now minus", `{"t":"{{now-2h}}"}`, vars, `{"t":"2026-11-22T07:00:00Z"}`},
		{"spaces inside braces", `{"t":"{{ now+1h }}"}`, vars, `{"t":"2026-11-22T10:00:00Z"}`},
		{"run inside text", `{"id":"demo-{{run}}-x"}`, vars, `{"id":"demo-r1-x"}`},
		{"run is escaped", `{"id":"{{run}}"}`, Vars{Run: "a\"b\\c<d>\n"}, `{"id":"a\"b\\c<d>\n"}`},
		{"several in one string", `{"s":"{{run}}/{{run}}"}`, vars, `{"s":"r1/r1"}`},
		{"key strings too", `{"{{run}}":1}`, vars, `{"r1":1}`},
		{"in arrays", `["{{run}}", "{{now+1s}}"]`, vars, `["r1", "2026-11-22T09:00:01Z"]`},
		{"formatting kept", "{\n  \"a\": \"{{run}}\",\n\t\"b\": [1, 2]\n}\n", vars, "{\n  \"a\": \"r1\",\n\t\"b\": [1, 2]\n}\n"},
		{"escaped quote does not end the string", `{"s":"say \"{{run}}\""}`, vars, `{"s":"say \"r1\""}`},
		{"escaped backslash before a quote", `{"s":"c:\\","t":"{{run}}"}`, vars, `{"s":"c:\\","t":"r1"}`},
		{"single braces are text", `{"s":"{x} {run} }}"}`, vars, `{"s":"{x} {run} }}"}`},
		{"no placeholders", `{"n":1,"b":true,"z":null}`, vars, `{"n":1,"b":true,"z":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expand([]byte(tt.in), tt.vars)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestExpandErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown placeholder", `{"t":"{{tomorrow}}"}`, "unknown placeholder {{tomorrow}}"},
		{"empty placeholder", `{"t":"{{}}"}`, "unknown placeholder"},
		{"bad duration", `{"t":"{{now+1d}}"}`, "Go duration"},
		{"missing duration", `{"t":"{{now+}}"}`, "Go duration"},
		{"double sign", `{"t":"{{now+-5m}}"}`, "Go duration"},
		{"unterminated", `{"t":"{{now"}`, "unterminated placeholder"},
		{"unterminated at the end", `"{{now`, "unterminated placeholder"},
		{"error names the line", "{\n\"a\": 1,\n\"t\": \"{{nwo}}\"}", "line 3"},
		{"placeholder outside a string", `{"t": {{now}}}`, "not valid JSON"},
		{"input not JSON", `{"t": "x"`, "not valid JSON"},
		{"empty input", ``, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expand([]byte(tt.in), vars)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, got)
		})
	}
}

// TestSamples expands every sample event: each must expand to valid JSON with no placeholder left.
func TestSamples(t *testing.T) {
	files, err := filepath.Glob("../../../events/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no samples in events/")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			got, err := Expand(raw, vars)
			require.NoError(t, err)
			assert.True(t, json.Valid(got))
			assert.NotContains(t, string(got), "{{")
		})
	}
}

func FuzzExpand(f *testing.F) {
	f.Add(`{"t":"{{now}}","id":"demo-{{run}}","e":"{{now+24h30m}}"}`, "r1")
	f.Add(`["\"{{run}}\\", "{{now-1s}}"]`, "a\"b")
	f.Add(`{"t":"{{`, "")
	f.Fuzz(func(t *testing.T, in, run string) {
		got, err := Expand([]byte(in), Vars{Now: vars.Now, Run: run})
		if err != nil {
			return
		}
		require.True(t, json.Valid(got), "output %q is not JSON", got)
		if !strings.Contains(in, "{{") {
			require.Equal(t, in, string(got))
		}
	})
}
