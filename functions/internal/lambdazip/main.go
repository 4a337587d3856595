// Command lambdazip packs a function's bootstrap binary into the deployment zip Lambda's
// provided.al2023 runtime expects: one entry named "bootstrap" at the root, executable (Unix mode
// 0755 in the external attributes), deflated. The entry's time is fixed, so the same binary
// always gives the same zip and a CDK asset hash changes only when the code does. It is used by
// `make build` instead of the zip command, which a fresh Debian lacks.
//
//	go run ./functions/internal/lambdazip dist/worker.zip dist/worker/bootstrap
package main

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: lambdazip OUT.zip BOOTSTRAP")
		os.Exit(2)
	}
	if err := pack(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "lambdazip:", err)
		os.Exit(1)
	}
}

// pack writes out, a zip holding bin as "bootstrap". It writes a temporary file and renames it,
// so a failed run leaves no half-written zip behind.
func pack(out, bin string) error {
	in, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(out), ".lambdazip-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	zw := zip.NewWriter(tmp)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, in); err != nil {
		return fmt.Errorf("compress %s: %w", bin, err)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
