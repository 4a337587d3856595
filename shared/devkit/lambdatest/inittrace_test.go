package lambdatest

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// initLine is one package's line of GODEBUG=inittrace=1: "init <package> @<t> ms, <clock> ms
// clock, <bytes> bytes, <allocs> allocs".
var initLine = regexp.MustCompile(`(?m)^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, \d+ allocs$`)

// maxOwnInit is the most a roomkeeper package may allocate in its package initialisation: a
// lookup table or a few short regular expressions. A template parsed, a file hashed or a
// regular expression with a counted repetition ({0,63} compiles to 64 copies of its class,
// 60 KB) at package level costs more, at every cold start of every function that links the
// package; such work is done on first use (sync.OnceValue) or without the cost.
const maxOwnInit = 16 << 10

// TestInitAllocatesLittleOfItsOwn starts each function binary with GODEBUG=inittrace=1 and
// checks that no roomkeeper package allocates more than maxOwnInit bytes during init. The
// allocations are counted, not timed: the same binary allocates the same at every start.
func TestInitAllocatesLittleOfItsOwn(t *testing.T) {
	pkgs := make([]string, len(functionNames))
	for i, name := range functionNames {
		pkgs[i] = functionPackages[name]
	}
	bins := Build(t, pkgs...)
	for i, name := range functionNames {
		t.Run(name, func(t *testing.T) {
			f := Start(t, bins[i], name, append(coldStartEnv, "GODEBUG=inittrace=1")...)
			_, err := f.WaitReady(context.Background())
			require.NoError(t, err, f.Logs())
			_, err = f.Stop()
			require.NoError(t, err)
			lines := initLine.FindAllStringSubmatch(f.Logs(), -1)
			require.NotEmpty(t, lines, "no inittrace lines in\n%s", f.Logs())
			own := 0
			for _, l := range lines {
				if !strings.HasPrefix(l[1], "github.com/roomkeeper/roomkeeper/") {
					continue
				}
				own++
				n, err := strconv.Atoi(l[2])
				require.NoError(t, err)
				assert.LessOrEqual(t, n, maxOwnInit, "%s allocates %d bytes at init", l[1], n)
			}
			assert.NotZero(t, own, "the trace names roomkeeper's packages")
		})
	}
}
