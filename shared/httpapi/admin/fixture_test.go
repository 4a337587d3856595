package admin

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
)

// server is the admin API over an embedded store, at a fixed now.
type server struct {
	Admin *API
}

func newServer(tb testing.TB, secrets access.Secrets) (*server, *bolt.Store, time.Time) {
	tb.Helper()
	st, err := bolt.Open(filepath.Join(tb.TempDir(), "db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	return &server{Admin: &API{
		Operator: &operator.Operator{
			Store: st, Now: clock, Retention: time.Hour, DefaultProvider: "whereby", Providers: []string{"whereby"},
			Reconciler: &reconcile.Reconciler{Store: st, Now: clock, Deployment: "test", Providers: map[string]booking.Provider{}},
		},
		Access: &access.Access{Store: st, Secrets: secrets, Now: clock},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}}, st, now
}

func serve(s *server, r *http.Request) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	s.Admin.Register(mux)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

// errorBody is the JSON error shape.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}
