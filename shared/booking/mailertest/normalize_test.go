package mailertest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// msg joins lines with CRLF.
func msg(lines ...string) string { return strings.Join(lines, "\r\n") }

func TestNormalize(t *testing.T) {
	nested := msg(
		"Date: Sun, 22 Nov 2026 10:00:00 +0000",
		"Message-Id: <abc@roomkeeper.test>",
		"Subject: hi",
		`Content-Type: multipart/mixed; boundary="outer"`,
		"",
		"preamble",
		"--outer",
		"Content-Type: multipart/alternative;",
		" boundary=inner-longer",
		"",
		"--inner-longer",
		"Content-Type: text/plain",
		"Date: a part's own date line is a header too",
		"",
		"Date: not a header, body text",
		"--inner-longer--",
		"--outer--",
		"epilogue",
		"",
	)
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "plain message keeps everything else",
			in:   msg("From: a@example.com", "DATE: Mon, 1 Jan 2024 00:00:00 +0000", "message-id: <x@y>", "", "Date: body", ""),
			want: msg("From: a@example.com", "Date: <date>", "Message-ID: <message-id>", "", "Date: body", ""),
		},
		{
			name: "folded fields",
			in:   msg("Message-ID:", " <long@example.com>", "Date: Mon, 1 Jan 2024", "\t00:00:00 +0000", "Subject: a", " b", "", "x"),
			want: msg("Message-ID: <message-id>", "Date: <date>", "Subject: a", " b", "", "x"),
		},
		{
			name: "nested boundaries numbered by declaration",
			in:   nested,
			want: msg(
				"Date: <date>",
				"Message-ID: <message-id>",
				"Subject: hi",
				`Content-Type: multipart/mixed; boundary="boundary-1"`,
				"",
				"preamble",
				"--boundary-1",
				"Content-Type: multipart/alternative;",
				" boundary=boundary-2",
				"",
				"--boundary-2",
				"Content-Type: text/plain",
				"Date: <date>",
				"",
				"Date: not a header, body text",
				"--boundary-2--",
				"--boundary-1--",
				"epilogue",
				"",
			),
		},
		{
			name: "LF and CR line endings become CRLF",
			in:   "Subject: a\nDate: x\r\rbody\n",
			want: msg("Subject: a", "Date: <date>", "", "body", ""),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(Normalize([]byte(tt.in))))
		})
	}
}

func TestNormalizeComparesCopies(t *testing.T) {
	a := invite(t, "Same subject")
	b := invite(t, "Same subject") // new boundaries and Message-ID
	assert.NotEqual(t, string(a), string(b), "the copies differ before normalising")
	assert.Equal(t, string(Normalize(a)), string(Normalize(b)))

	lf := strings.ReplaceAll(string(b), "\r\n", "\n")
	assert.Equal(t, string(Normalize(a)), string(Normalize([]byte(lf))), "line endings")

	other := invite(t, "Other subject")
	assert.NotEqual(t, string(Normalize(a)), string(Normalize(other)), "content differences remain")
}
