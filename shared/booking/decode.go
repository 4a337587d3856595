package booking

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DecodeJSON unmarshals b into v, turning a decoding error into an Invalid *Error a sender can
// act on: malformed JSON with its offset, or the field (under prefix, a JSON path such as
// "data.organizer") whose value has the wrong type. Every booking source and provider webhook
// decodes with it.
func DecodeJSON(b []byte, v any, prefix string) error {
	return decodeError(json.Unmarshal(b, v), prefix)
}

// CheckUTF8 returns nil if every string of the JSON body b, names and values, is valid UTF-8
// (RFC 8259 §8.1), and otherwise an Invalid *Error naming the first string at fault as a path
// ("data.attendees[0].name"; for a name at fault, the object holding it). DecodeJSON cannot
// tell: encoding/json replaces invalid bytes with U+FFFD without a word. A source that can send
// again checks the raw body with it before decoding, so the sender hears of the bad bytes; one
// that sends once decodes without it, so the bad bytes are replaced and the delivery kept. A
// body that is not JSON passes, for the decoder to report.
func CheckUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	type frame struct {
		array   bool
		key     string // the name of the member being read (objects)
		index   int    // the index of the element being read (arrays)
		wantKey bool
	}
	var stack []frame
	path := func(withKey bool) string {
		var p strings.Builder
		for i, f := range stack {
			switch {
			case f.array:
				p.WriteString("[" + strconv.Itoa(f.index) + "]")
			case i < len(stack)-1 || withKey:
				if p.Len() > 0 {
					p.WriteByte('.')
				}
				p.WriteString(f.key)
			}
		}
		return p.String()
	}
	valueRead := func() {
		if n := len(stack); n > 0 {
			if f := &stack[n-1]; f.array {
				f.index++
			} else {
				f.wantKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var start int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or not JSON: decoding reports it
		}
		end := dec.InputOffset()
		bad := !utf8.Valid(b[start:end])
		start = end
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{wantKey: true})
			case '[':
				stack = append(stack, frame{array: true})
			default:
				stack = stack[:top]
				valueRead()
			}
			continue
		case string:
			if top >= 0 && !stack[top].array && stack[top].wantKey {
				if bad {
					return Errorf(Invalid, path(false), "holds a field name that is not valid UTF-8: JSON must be sent in UTF-8")
				}
				stack[top].key, stack[top].wantKey = t, false
				continue
			}
		}
		if bad {
			return Errorf(Invalid, path(true), "is not valid UTF-8: JSON must be sent in UTF-8")
		}
		valueRead()
	}
}

// DecodeStrictJSON is DecodeJSON for requests a person writes (the admin API's): a field v does
// not have is an Invalid error naming it, since a typo must not be ignored, and the body must
// hold one JSON value.
func DecodeStrictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		return Errorf(Invalid, "", "the body must hold one JSON object")
	}
	if err != nil && strings.HasPrefix(err.Error(), "json: unknown field ") {
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return Errorf(Invalid, field, "is not a field of this request")
	}
	switch {
	case errors.Is(err, io.EOF):
		return Errorf(Invalid, "", "the body must be a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(Invalid, "", "malformed JSON: the body ends too soon")
	}
	return decodeError(err, "")
}

// decodeError turns a JSON decoding error into an Invalid *Error.
func decodeError(err error, prefix string) error {
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return Errorf(Invalid, "", "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		field := typ.Field
		if prefix != "" {
			field = strings.TrimSuffix(prefix+"."+field, ".")
		}
		if field == "" {
			return Errorf(Invalid, "", "the body must be a JSON object")
		}
		return Errorf(Invalid, field, "must be %s, not %s", jsonKind(typ.Type), firstWord(typ.Value))
	}
	return Errorf(Invalid, prefix, "cannot be decoded")
}

// ParseTime reads an RFC 3339 time, which always carries an offset ("Z" or "+01:00"), and
// returns it in UTC. A missing or unreadable time is an Invalid *Error naming field. Booking
// sources and provider webhooks read their times with it.
func ParseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, Errorf(Invalid, field, "a time is required")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, Errorf(Invalid, field, "must be an RFC 3339 time with an offset, like 2026-11-23T15:00:00Z")
	}
	return t.UTC(), nil
}

// ChangeTime returns a Change's At from the time a source stamped its delivery with (field,
// RFC 3339): now when the source sent none, and never later than now, since a time ahead of
// roomkeeper's clock would make the booking's later deliveries look stale.
func ChangeTime(field, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now, nil
	}
	t, err := ParseTime(field, s)
	if err != nil {
		return time.Time{}, err
	}
	if t.Before(now) {
		return t, nil
	}
	return now, nil
}

// CheckID returns the id a sender sent in field, trimmed, if it is one line of at most max
// characters (CheckText). An empty id is an Invalid *Error naming field with the message missing,
// which says what the id is ("a URI is required").
func CheckID(field, s string, max int, missing string) (string, error) {
	s, err := CheckText(field, s, max, false)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", &Error{Code: Invalid, Field: field, Message: missing}
	}
	return s, nil
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another type"
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}
