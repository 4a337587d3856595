package eventfile

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Set returns the JSON body with the value at a dotted path ("payload.attendees.0.email": object
// keys, and array indexes as numbers) replaced by value, or, when value is nil, the object key
// deleted. Tests and tools use it to vary a sample. A path that does not lead to an existing
// object or array is an error. The result is re-encoded, so the body's formatting is not kept.
func Set(body []byte, path string, value any) ([]byte, error) {
	var root any
	if err := json.Unmarshal(body, &root); err != nil {
		return nil, fmt.Errorf("set %s: %w", path, err)
	}
	keys := strings.Split(path, ".")
	cur := root
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			switch {
			case !last:
				cur = c[k]
			case value == nil:
				delete(c, k)
			default:
				c[k] = value
			}
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(c) {
				return nil, fmt.Errorf("set %s: %q is not an index of an array of %d", path, k, len(c))
			}
			if !last {
				cur = c[n]
			} else {
				c[n] = value
			}
		default:
			return nil, fmt.Errorf("set %s: %s is not in an object or array", path, strings.Join(keys[:i+1], "."))
		}
	}
	return json.Marshal(root)
}
