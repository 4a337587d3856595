package access

import (
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"
)

// MinTokenBits is the least randomness a token may carry: a configured token estimated below it
// is refused (CheckToken).
const MinTokenBits = 128

// TokenBits estimates the randomness of a token, in bits, as its length times log2 of the
// alphabet its characters are drawn from: the sum of the character classes it uses, which are
// the 10 digits; lower-case letters, 6 when they are all a–f (hex) and 26 otherwise; upper-case
// letters alike; "-" and "_" (base64url), 2; "+" and "/" (base64), 2; and anything else, 28. A
// UUID counts as the 122 random bits of a version-4 UUID. So 32 hex digits estimate at 128 bits,
// 22 base64url characters at about 131, and "password1" at 47.
//
// It is an upper bound: a patterned token ("aaaa…", "admin-admin-…") estimates as high as a
// random one of its classes. It refuses the short and the simple; a long token must still come
// from a random generator.
func TokenBits(token string) float64 {
	if isUUID(token) {
		return 122
	}
	var digit, hexLower, lower, hexUpper, upper, url, std, other bool
	n := 0
	for _, r := range token {
		n++
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'f':
			hexLower = true
		case r >= 'g' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'F':
			hexUpper = true
		case r >= 'G' && r <= 'Z':
			upper = true
		case r == '-' || r == '_':
			url = true
		case r == '+' || r == '/':
			std = true
		default:
			other = true
		}
	}
	alphabet := 0
	add := func(used bool, size int) {
		if used {
			alphabet += size
		}
	}
	add(digit, 10)
	add(lower, 26)
	add(hexLower && !lower, 6)
	add(upper, 26)
	add(hexUpper && !upper, 6)
	add(url, 2)
	add(std, 2)
	add(other, 28)
	if alphabet < 2 {
		return 0
	}
	return float64(n) * math.Log2(float64(alphabet))
}

// isUUID reports whether s is written as a UUID: 8-4-4-4-12 hex digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// CheckToken returns an error naming the setting when token, a configured secret such as the
// admin token, carries less than MinTokenBits of randomness by TokenBits' estimate, or has
// spaces or control characters (it travels in an Authorization header). An empty token is not
// configured, which is no error here.
func CheckToken(name, token string) error {
	if token == "" {
		return nil
	}
	if strings.IndexFunc(token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fmt.Errorf("%s is refused: it holds a space or a control character", name)
	}
	if bits := TokenBits(token); bits < MinTokenBits {
		return fmt.Errorf("%s is refused: it carries about %.0f bits of randomness and at least %d are needed "+
			"(its length × log2 of the alphabet of its character classes; docs/design.md): use 22 or more "+
			"random base64url characters or 32 hex digits, such as the output of `openssl rand -base64 32`", name, bits, MinTokenBits)
	}
	return nil
}

// operatorPrefix starts every operator token, so a token found in a log or a repository can be
// recognised as roomkeeper's, and names its operator, so a token is checked with one read.
const operatorPrefix = "rko_"

// secretBytes is how many random bytes a token, a session ID and a CSRF token carry: 256 bits.
const secretBytes = 32

// randomSecret returns secretBytes from random, base64url-encoded (43 characters).
func randomSecret(random io.Reader) (string, error) {
	b := make([]byte, secretBytes)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// isSecret reports whether s has the form randomSecret gives, so a malformed cookie or token
// costs no read.
func isSecret(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(secretBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// mintToken returns a new token for the operator name: "rko_<name>_<secret>".
func mintToken(random io.Reader, name string) (string, error) {
	secret, err := randomSecret(random)
	if err != nil {
		return "", err
	}
	return operatorPrefix + name + "_" + secret, nil
}

// tokenName returns the operator name a token of mintToken's form names. Names hold no "_", so
// the name ends at the first one (the secret may hold more).
func tokenName(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, operatorPrefix)
	if !ok {
		return "", false
	}
	name, secret, ok := strings.Cut(rest, "_")
	if !ok || CheckName(name) != nil || !isSecret(secret) {
		return "", false
	}
	return name, true
}

// AdminName is the name of the admin token's operator.
const AdminName = "admin"

// MaxName is the longest operator name.
const MaxName = 32

// CheckName returns an Invalid error naming "name" unless name can name an operator: 1 to
// MaxName of a-z, 0-9, "." and "-", starting with a letter or digit (so a name needs no
// escaping in a path, and ends at the first "_" of a token).
func CheckName(name string) error {
	ok := len(name) > 0 && len(name) <= MaxName && name[0] != '.' && name[0] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
	}
	if !ok {
		return errInvalid("name", fmt.Sprintf("want 1 to %d of a-z, 0-9, \".\" and \"-\", starting with a letter or digit, such as ada or front-desk", MaxName))
	}
	return nil
}
