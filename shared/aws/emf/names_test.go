package emf

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The checks validName and validValue replace: they must say the same for every input.
var (
	namePattern  = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{0,63}$`)
	valuePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)
)

var nameInputs = []string{
	"", "A", "RoomsMade", "roomsMade", "Rooms_Made", "Rooms Made", "R2D2", "9Lives", "Ünicode", "RoomÜ",
	"A" + strings.Repeat("b", 63), "A" + strings.Repeat("b", 64), "time", "Msg", "Rooms-", "Rooms\n",
	"whereby", "24sessions", "calcom", "a.b_c-d", ".whereby", "-x", "_x", "12345", "0", "a",
	strings.Repeat("a", 32), strings.Repeat("a", 33), "ada@example.com", "x y", "whereby\x00", "é",
}

func TestValidNameIsThePattern(t *testing.T) {
	for _, in := range nameInputs {
		assert.Equal(t, namePattern.MatchString(in), validName(in), "%q", in)
	}
}

func TestValidValueIsThePatternWithALetter(t *testing.T) {
	for _, in := range nameInputs {
		want := valuePattern.MatchString(in) && strings.ContainsAny(in, "abcdefghijklmnopqrstuvwxyz")
		assert.Equal(t, want, validValue(in), "%q", in)
	}
}

func FuzzValidNameAndValue(f *testing.F) {
	for _, in := range nameInputs {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if namePattern.MatchString(in) != validName(in) {
			t.Errorf("validName(%q) = %v", in, validName(in))
		}
		want := valuePattern.MatchString(in) && strings.ContainsAny(in, "abcdefghijklmnopqrstuvwxyz")
		if want != validValue(in) {
			t.Errorf("validValue(%q) = %v", in, validValue(in))
		}
	})
}
