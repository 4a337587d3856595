package clocktest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := New(start)
	assert.Equal(t, start, c.Now())
	c.Add(time.Minute)
	assert.Equal(t, start.Add(time.Minute), c.Now())
	c.Set(start)
	assert.Equal(t, start, c.Now())
}
