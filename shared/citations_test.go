package shared_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mdCitation matches a cited Markdown file with the path it is given, such as docs/deploy.md or,
// from a file in docs/, a link to ../README.md.
var mdCitation = regexp.MustCompile(`[A-Za-z0-9_.\-/]*[A-Za-z0-9_\-]\.md\b`)

// repoPath matches a path into the repository's own folders, "shared/video/zoom/zoom.go",
// "docs/deploy.md", "functions/worker"; one with a placeholder (<name>, {name}, *) is not a path.
var repoPath = regexp.MustCompile(`(?:^|[\s(\x60"'])((?:shared|functions|cmd|docs|events|templates|infra|tools)/[A-Za-z0-9_./{}<>*-]*[A-Za-z0-9_/])`)

// goIdent is a Go identifier after a package path: ".Admin" in "shared/httpapi.Admin".
var goIdent = regexp.MustCompile(`\.[A-Z][A-Za-z0-9]*$`)

// outside marks a line that cites another project's files: a URL, or "… in github.com/owner/repo".
var outside = regexp.MustCompile(`://|\bin github\.com/|github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/`)

// TestDocsCiteOnlyWhatTheRepositoryHolds: a reader of this repository has only this repository,
// so every Markdown file a source file, a doc or a comment names must be in it, at the path given
// relative to the citing file or to the repository's root, and every path into the repository's
// folders (shared/…, docs/…) must still exist after a move. Other projects' documents are cited
// by URL or as "path in github.com/owner/repo".
func TestDocsCiteOnlyWhatTheRepositoryHolds(t *testing.T) {
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	out, err := exec.Command("git", "-C", root, "ls-files").Output()
	require.NoError(t, err)
	for _, name := range strings.Fields(string(out)) {
		if !cites(name) {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		require.NoError(t, err)
		for i, line := range strings.Split(string(raw), "\n") {
			if outside.MatchString(line) {
				continue
			}
			for _, ref := range mdCitation.FindAllString(line, -1) {
				if !exists(filepath.Join(root, filepath.Dir(name), ref)) && !exists(filepath.Join(root, ref)) {
					assert.Failf(t, "cites a file the repository does not hold", "%s:%d: %s", name, i+1, ref)
				}
			}
			for _, m := range repoPath.FindAllStringSubmatch(line, -1) {
				ref := goIdent.ReplaceAllString(m[1], "") // shared/httpapi.Admin names a package
				if strings.ContainsAny(ref, "{}<>*") {
					continue
				}
				if !exists(filepath.Join(root, ref)) && !exists(filepath.Join(root, filepath.Dir(name), ref)) {
					assert.Failf(t, "names a path the repository does not hold", "%s:%d: %s", name, i+1, ref)
				}
			}
		}
	}
}

// cites reports whether a tracked file is text a person reads: code, docs, build files.
func cites(name string) bool {
	switch filepath.Ext(name) {
	case ".go", ".md", ".c", ".sh", ".html", ".txt", ".tmpl", ".mod", ".mjs":
		return true
	}
	base := filepath.Base(name)
	return base == "Makefile" || base == "run"
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
