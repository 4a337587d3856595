package twentyfour

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

const (
	// defaultThrottle is the wait after a 429 that names none (24sessions documents no limits).
	defaultThrottle = 10 * time.Second
	// refreshMargin is how long before its expiry a token is replaced.
	refreshMargin = 5 * time.Minute
)

// notFound wraps booking.ErrNotFound around a 404.
func notFound(err error) error {
	if rest.IsStatus(err, http.StatusNotFound, 0) {
		return fmt.Errorf("%w: %w", booking.ErrNotFound, err)
	}
	return err
}

// do sends an authenticated JSON-LD request and decodes a 2xx answer into out (when not nil). A
// 401 is answered once with a fresh token.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	r := rest.Request{Method: method, Path: path, Body: in}
	if method == http.MethodPatch {
		r.ContentType = "application/merge-patch+json" // API Platform's PATCH format
	}
	return c.tokens.Do(ctx,
		func(tok string) error {
			r.Token = tok
			return c.api.Do(ctx, r, out)
		},
		func(err error) bool { return rest.IsStatus(err, http.StatusUnauthorized, 0) })
}

// problem reads an error body's message: API Platform's hydra:description or detail, OAuth's
// error_description, or a plain message.
func problem(body []byte) rest.Problem {
	var eb struct {
		Description      string `json:"hydra:description"`
		Detail           string `json:"detail"`
		ErrorDescription string `json:"error_description"`
		Message          string `json:"message"`
	}
	_ = json.Unmarshal(body, &eb)
	return rest.Problem{Message: cmp.Or(eb.Description, eb.Detail, eb.ErrorDescription, eb.Message)}
}
