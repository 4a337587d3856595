package shared_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdminAndSlackCompileNoRegexpAtInit: no package the admin and slack functions link (a person
// waits on their cold starts) compiles a regular expression at init, in a package-level variable
// or an init function: every package linked runs its init at every cold start, and the pattern
// is wanted on few requests, if any. Compile it on first use (sync.OnceValue), or check by hand
// where that is clearer.
func TestAdminAndSlackCompileNoRegexpAtInit(t *testing.T) {
	cmd := exec.Command("go", "list", "-tags", "lambda.norpc", "-deps", "-json=ImportPath,Dir,GoFiles,Module", "./functions/admin", "./functions/slack")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	var found []string
	checked := 0
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p struct {
			ImportPath, Dir string
			GoFiles         []string
			Module          *struct{ Path string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		if p.Module == nil || p.Module.Path+"/" != module {
			continue
		}
		checked++
		for _, name := range p.GoFiles {
			for _, at := range compiledAtInit(t, filepath.Join(p.Dir, name)) {
				found = append(found, strings.TrimPrefix(p.ImportPath, module)+"/"+name+":"+at)
			}
		}
	}
	assert.Greater(t, checked, 20, "the functions' own packages were listed")
	assert.Empty(t, found, "regular expressions compiled at init")
}

// TestCompiledAtInitIsFound feeds the checker the forms a regular expression compiled at init
// takes, and those compiled on first use.
func TestCompiledAtInitIsFound(t *testing.T) {
	src := `package p

import (
	re "regexp"
	"sync"
)

var a = re.MustCompile("a")

var (
	b, c = 1, []*re.Regexp{re.MustCompile("c")}
	d    = sync.OnceValue(func() *re.Regexp { return re.MustCompile("d") })
)

func init() { _ = re.MustCompilePOSIX("e") }

func f() *re.Regexp { return re.MustCompile("f") }
`
	file := filepath.Join(t.TempDir(), "p.go")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o600))
	assert.Equal(t, []string{"8", "11", "15"}, compiledAtInit(t, file))
}

// compiledAtInit returns the lines of file, in order, where package-level variables or init functions
// compile a regular expression; a function literal (sync.OnceValue's) runs later and is skipped.
func compiledAtInit(t *testing.T, file string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	require.NoError(t, err)
	regexpName := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"regexp"` {
			regexpName = "regexp"
			if imp.Name != nil {
				regexpName = imp.Name.Name
			}
		}
	}
	if regexpName == "" {
		return nil
	}
	var lines []string
	inspect := func(root ast.Node, skipFuncLits bool) {
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return !skipFuncLits
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && strings.Contains(sel.Sel.Name, "Compile") {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == regexpName {
						lines = append(lines, strconv.Itoa(fset.Position(n.Pos()).Line))
					}
				}
			}
			return true
		})
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.GenDecl:
			if d.Tok == token.VAR {
				inspect(d, true)
			}
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "init" {
				inspect(d.Body, false)
			}
		}
	}
	return lines
}
