package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPack(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	content := bytes.Repeat([]byte("\x7fELF binary"), 1000)
	require.NoError(t, os.WriteFile(bin, content, 0o755))

	first, second := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	require.NoError(t, pack(first, bin))
	require.NoError(t, pack(second, bin))

	zr, err := zip.OpenReader(first)
	require.NoError(t, err)
	defer zr.Close()
	require.Len(t, zr.File, 1)
	f := zr.File[0]
	assert.Equal(t, "bootstrap", f.Name, "at the zip root")
	assert.Equal(t, os.FileMode(0o755), f.Mode().Perm(), "executable")
	assert.Equal(t, zip.Deflate, f.Method)
	r, err := f.Open()
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, content, got)

	a, err := os.ReadFile(first)
	require.NoError(t, err)
	b, err := os.ReadFile(second)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same binary gives the same zip")

	assert.Error(t, pack(filepath.Join(dir, "c.zip"), filepath.Join(dir, "missing")))
	_, err = os.Stat(filepath.Join(dir, "c.zip"))
	assert.True(t, os.IsNotExist(err), "no zip is left behind after a failure")
}
