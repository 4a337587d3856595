package httpapi

import (
	"net/http"
)

// registerAdmin adds the admin API's routes (bearer ROOMKEEPER_ADMIN_TOKEN).
func (s *Server) registerAdmin(mux *http.ServeMux) {}
