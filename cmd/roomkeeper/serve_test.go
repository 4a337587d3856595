package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerCutsOffStalledClients drives the local server with a raw TCP client that stalls at
// each point of a request, and checks the server hangs up within its timeouts (scaled down here
// from localTimeouts) instead of holding the connection open.
func TestServerCutsOffStalledClients(t *testing.T) {
	lt := localTimeouts()
	for _, d := range []time.Duration{lt.readHeader, lt.read, lt.write, lt.idle} {
		assert.Positive(t, d, "every timeout of the local server is set")
	}

	s := newStack(t, nil)
	const limit = 300 * time.Millisecond
	mux := http.NewServeMux()
	mux.Handle("/", s.app.handler)
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * limit) // a handler slower than the write timeout
		fmt.Fprintln(w, "late")
	})
	srv := newServer(mux, serverTimeouts{readHeader: limit, read: 2 * limit, write: 2 * limit, idle: limit})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })

	post := "POST /v1/bookings/generic HTTP/1.1\r\nHost: roomkeeper\r\nContent-Type: application/json\r\n"
	for _, tt := range []struct {
		name, send string
		answer     string // what the server answers before it hangs up, if anything
	}{
		{"headers that never end", post, ""},
		{"a body that stalls: 20 bytes of 2 KB", post + "Content-Length: 2048\r\n\r\n" + `{"type":"booking.cre`, ""},
		{"an answer slower than the write timeout", "GET /slow HTTP/1.1\r\nHost: roomkeeper\r\n\r\n", ""},
		{"a kept-alive connection left idle", "GET /healthz HTTP/1.1\r\nHost: roomkeeper\r\n\r\n", "HTTP/1.1 200 OK"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			_, err = io.WriteString(conn, tt.send)
			require.NoError(t, err)
			start := time.Now()
			require.NoError(t, conn.SetReadDeadline(start.Add(10*time.Second)))
			got, err := io.ReadAll(bufio.NewReader(conn))
			took := time.Since(start)
			require.False(t, errors.Is(err, os.ErrDeadlineExceeded), "still open after %s: the server waits on a stalled client", took)
			assert.GreaterOrEqual(t, took, limit/2, "not cut off before the timeout")
			if tt.answer != "" {
				assert.True(t, strings.HasPrefix(string(got), tt.answer), "answer %q", got)
			}
			assert.NotContains(t, string(got), "late", "an answer past the write timeout is not sent")
		})
	}
}
