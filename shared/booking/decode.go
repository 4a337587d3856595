package booking

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// DecodeJSON unmarshals b into v, turning a decoding error into an Invalid *Error a sender can
// act on: malformed JSON with its offset, or the field (under prefix, a JSON path such as
// "data.organizer") whose value has the wrong type. Every booking source decodes with it.
func DecodeJSON(b []byte, v any, prefix string) error {
	err := json.Unmarshal(b, v)
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
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	}
	return "another type"
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}
