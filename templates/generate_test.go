package templates

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGeneratedCodeIsCurrent regenerates each component with the templ version go.mod pins and
// compares it with the committed *_templ.go: an edit to a .templ file without `go generate
// ./templates` fails here, not in someone's inbox.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	files, err := filepath.Glob("*.templ")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		out, err := exec.Command("go", "tool", "templ", "generate", "-stdout", "-f", f).Output()
		require.NoError(t, err, "templ generate -f %s", f)
		committed, err := os.ReadFile(strings.TrimSuffix(f, ".templ") + "_templ.go")
		require.NoError(t, err)
		assert.Equal(t, string(committed), string(out), "%s changed: run go generate ./templates", f)
	}
}
