package zoomhook

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLooksLikePhone(t *testing.T) {
	for s, want := range map[string]bool{
		"+1 212 555 0142": true, "212****142": true, "(212) 555-0142": true,
		"Bob Guest": false, "Room 42": false, "": false, "+1": false,
	} {
		assert.Equal(t, want, looksLikePhone(s), "%q", s)
	}
}
