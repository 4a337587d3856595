package httpapi

import (
	"net/http"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// handleHook receives provider webhooks (POST /v1/hooks/{provider}).
func (s *Server) handleHook(w http.ResponseWriter, r *http.Request) {
	writeError(w, s.Log, booking.Errorf(booking.NotFound, "", "unknown provider %q", r.PathValue("provider")))
}
