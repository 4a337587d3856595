package lambdatest

import (
	"context"
	"regexp"
	"slices"
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
	for name, lines := range initTraces(t) {
		t.Run(name, func(t *testing.T) {
			own := 0
			for _, l := range lines {
				if !strings.HasPrefix(l.pkg, "github.com/roomkeeper/roomkeeper/") {
					continue
				}
				own++
				assert.LessOrEqual(t, l.bytes, maxOwnInit, "%s allocates %d bytes at init", l.pkg, l.bytes)
			}
			assert.NotZero(t, own, "the trace names roomkeeper's packages")
		})
	}
}

// maxClickPathInit is the most every package of a function but the worker and dialin may
// allocate at init together. Such a function answers a person (a booking, a click on a link, the console, Slack)
// or runs every minute (the sweeper), and what its init allocates is most of what it does
// before its first request beyond a hello world's. The AWS SDK's service clients built with
// schema-based serialisation allocate 0.9 MB more (DynamoDB's schemas alone 0.6 MB), which is
// why go.mod keeps them at their last release before it.
const maxClickPathInit = 512 << 10

// maxWorkerInit is the worker's bound: it links four of the SDK's service clients (DynamoDB,
// SES v2, Secrets Manager and Lambda, for the dialin function), each with about 90 KB of endpoint
// tables at init, and its goal is 2x a hello world's cold start, not 1.5x. One client built with
// schema-based serialisation (SES v2's schemas alone are 0.56 MB) puts it over.
const maxWorkerInit = 640 << 10

// TestInitOfTheClickPath checks every function but dialin against maxClickPathInit (the worker
// against maxWorkerInit), and names the heaviest packages when one is over. The dialin function
// is the phone-number library, whose metadata alone is 2.5 MB at init (docs/benchmarks.md, "Cold
// start"); it is kept off every other function's cold start, the worker's too, which invokes it.
func TestInitOfTheClickPath(t *testing.T) {
	for name, lines := range initTraces(t) {
		if name == dialinFunction {
			continue
		}
		limit := maxClickPathInit
		if name == "worker" {
			limit = maxWorkerInit
		}
		t.Run(name, func(t *testing.T) {
			total := 0
			for _, l := range lines {
				total += l.bytes
			}
			if total > limit {
				slices.SortFunc(lines, func(a, b initTrace) int { return b.bytes - a.bytes })
				t.Errorf("init allocates %d KB, more than %d KB; the heaviest packages: %v", total>>10, limit>>10, lines[:min(5, len(lines))])
			}
		})
	}
}

// initTrace is one package's line of a GODEBUG=inittrace=1 start.
type initTrace struct {
	pkg   string
	bytes int
}

// initTraces builds every function, starts each once with GODEBUG=inittrace=1 and returns the
// packages' init lines by function.
func initTraces(t *testing.T) map[string][]initTrace {
	t.Helper()
	pkgs := make([]string, len(functionNames))
	for i, name := range functionNames {
		pkgs[i] = functionPackages[name]
	}
	bins := Build(t, pkgs...)
	traces := map[string][]initTrace{}
	for i, name := range functionNames {
		f := Start(t, bins[i], name, slices.Concat(coldStartEnv, slackEnv[name], []string{"GODEBUG=inittrace=1"})...)
		_, err := f.WaitReady(context.Background())
		require.NoError(t, err, f.Logs())
		_, err = f.Stop()
		require.NoError(t, err)
		lines := initLine.FindAllStringSubmatch(f.Logs(), -1)
		require.NotEmpty(t, lines, "no inittrace lines from %s in\n%s", name, f.Logs())
		for _, l := range lines {
			n, err := strconv.Atoi(l[2])
			require.NoError(t, err)
			traces[name] = append(traces[name], initTrace{pkg: l[1], bytes: n})
		}
	}
	return traces
}
