package httpapi

import (
	"net/http"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// handleHost serves the organizer's host link (GET /v1/host/{token}).
func (s *Server) handleHost(w http.ResponseWriter, r *http.Request) {
	writeError(w, s.Log, booking.Errorf(booking.NotFound, "", "unknown host link"))
}
