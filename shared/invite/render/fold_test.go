package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFoldWriter(t *testing.T) {
	tests := []struct {
		name string
		in   string // lines without CRLF, joined by "\n"
		want string // folded, CRLF shown as "\n"
	}{
		{"short line untouched", "SUMMARY:hi", "SUMMARY:hi"},
		{"exactly 75 octets untouched", strings.Repeat("a", 75), strings.Repeat("a", 75)},
		{"76 octets folds", strings.Repeat("a", 76), strings.Repeat("a", 75) + "\n a"},
		{"continuations hold 74 octets", strings.Repeat("a", 75+74+1),
			strings.Repeat("a", 75) + "\n " + strings.Repeat("a", 74) + "\n a"},
		{"multi-byte character moves whole", strings.Repeat("a", 74) + "é", strings.Repeat("a", 74) + "\n é"},
		{"4-byte emoji across the limit", strings.Repeat("a", 73) + "🎉b", strings.Repeat("a", 73) + "\n 🎉b"},
		{"several lines", "A:1\n" + strings.Repeat("b", 80), "A:1\n" + strings.Repeat("b", 75) + "\n bbbbb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			fw := foldWriter{w: &out}
			in := strings.ReplaceAll(tt.in, "\n", "\r\n") + "\r\n"
			// Write in uneven pieces: a line may arrive in several writes.
			for len(in) > 0 {
				n := min(len(in), 7)
				_, err := fw.Write([]byte(in[:n]))
				assert.NoError(t, err)
				in = in[n:]
			}
			assert.Empty(t, fw.pending)
			assert.Equal(t, strings.ReplaceAll(tt.want, "\n", "\r\n")+"\r\n", out.String())
		})
	}
}
