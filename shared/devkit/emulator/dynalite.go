package emulator

import (
	"strconv"
	"testing"
)

// Dynalite starts a new, empty, in-memory dynalite (node_modules/dynalite,
// github.com/architect/dynalite) and returns its endpoint URL ("http://127.0.0.1:port"), for
// AWSConfig. Tables are ACTIVE as soon as CreateTable returns (no CREATING/DELETING/UPDATING
// delay). Each call starts its own process: tests that need isolation call it per test; others
// share one per top-level test and keep apart with their own table names. The process is killed at
// t.Cleanup.
//
// dynalite lacks transactions, PartiQL and TTL (items never expire), so code under test must use
// single-item conditional writes and check expiry itself.
func Dynalite(t testing.TB) string {
	t.Helper()
	spec := NodeSpec(t, "dynalite", "dynalite/cli.js", func(port int) []string {
		return []string{
			"--host", "127.0.0.1",
			"--port", strconv.Itoa(port),
			"--createTableMs", "0",
			"--deleteTableMs", "0",
			"--updateTableMs", "0",
		}
	})
	return "http://" + Start(t, spec)
}
