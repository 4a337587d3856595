package outbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/emersion/go-message"
)

// Erase deletes every stored message that names email (any case) in a header or in any part,
// decoded: to or from the person, or listing them (an organizer's invitation lists every guest).
// It returns how many it deleted; an erasure repeated deletes nothing more.
func (o *Outbox) Erase(email string) (int, error) {
	entries, err := o.List()
	if err != nil {
		return 0, err
	}
	needle := []byte(strings.ToLower(email))
	n := 0
	for _, e := range entries {
		path := filepath.Join(o.dir, e.ID+ext)
		raw, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("erase from outbox: %w", err)
		}
		if !mentions(raw, needle) {
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, fmt.Errorf("erase from outbox: %w", err)
		}
		n++
	}
	return n, nil
}

// mentions reports whether a message holds needle (lower case) in its raw bytes or in any of its
// parts once decoded (the parts are base64).
func mentions(raw, needle []byte) bool {
	if bytes.Contains(bytes.ToLower(raw), needle) {
		return true
	}
	m, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return false
	}
	found := false
	_ = m.Walk(func(_ []int, part *message.Entity, _ error) error {
		if found || part.MultipartReader() != nil {
			return nil
		}
		body, err := io.ReadAll(part.Body)
		if err == nil && bytes.Contains(bytes.ToLower(body), needle) {
			found = true
		}
		return nil
	})
	return found
}
