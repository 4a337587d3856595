// Package eventfile fills in the placeholders of roomkeeper's sample events (events/*.json,
// described in events/README.md): the samples hold times relative to now and a per-run id, and
// tools and tests expand them just before sending, so the samples never go stale. The output is
// JSON (RFC 8259) with times in RFC 3339.
package eventfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Vars are the values placeholders expand to.
type Vars struct {
	Now time.Time // the time {{now}} stands for
	Run string    // what {{run}} stands for: an id that keeps one run's bookings apart from another's
}

// Expand replaces the placeholders inside the JSON string values of raw and returns the result:
//
//	{{now}}        Now in UTC, RFC 3339 with nanoseconds, so two events made in the same second
//	               still order by timestamp
//	{{now+D}}      Now plus the Go duration D (24h, 24h30m, 90m) in UTC, RFC 3339 to the second
//	{{now-D}}      Now minus D, likewise
//	{{run}}        Run, JSON-escaped
//
// Spaces inside the braces are ignored. An unknown or unterminated placeholder is an error, and so
// is a result that is not valid JSON (a placeholder outside a string value is left as it is, so
// it ends up there). Formatting outside the placeholders is kept byte for byte.
func Expand(raw []byte, vars Vars) ([]byte, error) {
	out := make([]byte, 0, len(raw)+64)
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '\\' && i+1 < len(raw):
			out = append(out, c)
			i++
			c = raw[i]
		case c == '"':
			inString = false
		case c == '{' && i+1 < len(raw) && raw[i+1] == '{':
			n := placeholderLen(raw[i+2:])
			if n < 0 {
				return nil, fmt.Errorf("expand event: line %d: unterminated placeholder", line(raw, i))
			}
			name := string(raw[i+2 : i+2+n])
			v, err := vars.value(name)
			if err != nil {
				return nil, fmt.Errorf("expand event: line %d: %w", line(raw, i), err)
			}
			out = appendEscaped(out, v)
			i += 2 + n + 1 // the placeholder and its "}}"
			continue
		}
		out = append(out, c)
	}
	if !json.Valid(out) {
		return nil, fmt.Errorf("expand event: the result is not valid JSON")
	}
	return out, nil
}

// placeholderLen returns the length of the placeholder name before "}}" in s, or -1 when the
// string value ends first.
func placeholderLen(s []byte) int {
	for i := 0; i+1 < len(s); i++ {
		switch {
		case s[i] == '"' || s[i] == '\\' || s[i] == '\n':
			return -1
		case s[i] == '}' && s[i+1] == '}':
			return i
		}
	}
	return -1
}

func (v Vars) value(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "now":
		return v.Now.UTC().Format(time.RFC3339Nano), nil
	case name == "run":
		return v.Run, nil
	case strings.HasPrefix(name, "now+") || strings.HasPrefix(name, "now-"):
		arg := strings.TrimSpace(name[len("now+"):])
		d, err := time.ParseDuration(arg)
		if err != nil || arg[0] == '+' || arg[0] == '-' {
			return "", fmt.Errorf("placeholder {{%s}}: want a Go duration such as 24h, 24h30m or 90m", name)
		}
		if name[3] == '-' {
			d = -d
		}
		return v.Now.Add(d).UTC().Truncate(time.Second).Format(time.RFC3339), nil
	}
	return "", fmt.Errorf("unknown placeholder {{%s}}: want {{now}}, {{now+DURATION}}, {{now-DURATION}} or {{run}}", name)
}

// appendEscaped appends s as the inside of a JSON string.
func appendEscaped(out []byte, s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	q := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return append(out, q[1:len(q)-1]...)
}

// line returns the 1-based line of byte offset i.
func line(raw []byte, i int) int {
	return bytes.Count(raw[:i], []byte("\n")) + 1
}
