package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemo runs `roomkeeper demo` (what `make demo` runs) against a server working in the
// background as `make dev` does, and checks it reports the invites of each step.
func TestDemo(t *testing.T) {
	s := newStack(t, map[string]string{"ROOMKEEPER_SWEEP_INTERVAL": "200ms"})
	s.clock.real = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.app.run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	t.Setenv("ROOMKEEPER_ADDR", s.cfg.Addr)
	t.Setenv("ROOMKEEPER_DATA_DIR", s.cfg.DataDir)
	var out bytes.Buffer
	require.NoError(t, demo(ctx, []string{"-events", "../../events", "-wait", "15s"}, &out))
	report := out.String()
	t.Log(report)

	steps := strings.Split(report, "== booking.")
	require.Len(t, steps, 4, "a section per step")
	assert.Contains(t, steps[1], "created: 202")
	assert.Equal(t, 1, strings.Count(steps[1], "Invitation: Intro call"), "the guest invited")
	assert.Equal(t, 1, strings.Count(steps[1], "Your meeting: Intro call"), "the organizer told")
	assert.Contains(t, steps[2], "updated: 202")
	assert.Equal(t, 1, strings.Count(steps[2], "Updated invitation: Intro call"), "the guest updated")
	assert.Equal(t, 1, strings.Count(steps[2], "Updated meeting: Intro call"), "the organizer updated")
	assert.Equal(t, 1, strings.Count(steps[2], " Invitation: Intro call"), "the added guest invited")
	assert.Contains(t, steps[3], "cancelled: 202")
	assert.Equal(t, 3, strings.Count(steps[3], "Cancelled: Intro call"))
	assert.Empty(t, s.app.sandbox.Rooms(), "the cancelled booking's room is gone")
}
