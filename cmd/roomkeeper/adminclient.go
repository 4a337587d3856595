package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
)

// adminAPI is a client of roomkeeper's admin API (docs/admin-api.md) for the CLI: the bearer
// token on every request, JSON in and out, an error answer turned into an *apiError, and paged
// lists followed to their end.
type adminAPI struct {
	base   string // "http://127.0.0.1:8080", no trailing slash
	token  string
	client *http.Client
}

// apiCall is one request to the admin API.
type apiCall struct {
	method string
	path   string // already escaped: every id through url.PathEscape
	query  url.Values
	body   any // sent as JSON when not nil
	header http.Header
}

// apiAnswer is a 2xx answer: its status, headers and body as sent.
type apiAnswer struct {
	status int
	header http.Header
	body   []byte
	base   string // whom it came from, for the error when it is not roomkeeper's JSON
}

// apiError is an error answer of the admin API: the status and roomkeeper's JSON error,
// {"error": {"code", "message", "field"}}. Its text is the API's message and the field at fault.
type apiError struct {
	Status  int
	Code    string // invalid, unauthorized, not_found, method_not_allowed, conflict, unprocessable, unavailable
	Message string
	Field   string
}

func (e *apiError) Error() string {
	msg := e.Message
	if msg == "" { // not roomkeeper's JSON: a proxy's page, say, which is not worth showing
		msg = fmt.Sprintf("roomkeeper answered %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Field != "" {
		msg += " (field " + e.Field + ")"
	}
	return msg
}

const (
	// maxAnswer bounds an answer's body; a page of 100 bookings with their invites is far less.
	maxAnswer = 16 << 20
	// maxPage is the largest page the API serves.
	maxPage = 100
)

// do sends one request and returns a 2xx answer, or an *apiError for any other.
func (a *adminAPI) do(ctx context.Context, call apiCall) (apiAnswer, error) {
	u := a.base + call.path
	if len(call.query) > 0 {
		u += "?" + call.query.Encode()
	}
	var body io.Reader
	if call.body != nil {
		raw, err := json.Marshal(call.body)
		if err != nil {
			return apiAnswer{}, err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, call.method, u, body)
	if err != nil {
		return apiAnswer{}, err
	}
	for k, v := range call.header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Accept", "application/json")
	if call.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return apiAnswer{}, fmt.Errorf("no roomkeeper at %s: start it with `make dev` in another terminal, or set ROOMKEEPER_URL", a.base)
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text repeats the method and the URL
			err = ue.Err
		}
		return apiAnswer{}, fmt.Errorf("no answer from roomkeeper at %s: %w", a.base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return apiAnswer{}, fmt.Errorf("read the answer from roomkeeper at %s: %w", a.base, err)
	}
	if resp.StatusCode/100 != 2 {
		return apiAnswer{}, errorAnswer(resp.StatusCode, raw)
	}
	return apiAnswer{status: resp.StatusCode, header: resp.Header, body: raw, base: a.base}, nil
}

// errorAnswer reads an error answer. A body that is not roomkeeper's error JSON is dropped, never
// shown: it may be anything.
func errorAnswer(status int, body []byte) *apiError {
	var v struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	e := &apiError{Status: status}
	if json.Unmarshal(body, &v) == nil {
		e.Code, e.Message, e.Field = v.Error.Code, v.Error.Message, v.Error.Field
	}
	return e
}

// decode reads the answer's JSON into v; unknown fields are ignored, since the API may add some.
func (ans apiAnswer) decode(v any) error {
	if err := json.Unmarshal(ans.body, v); err != nil {
		return fmt.Errorf("the answer from %s is not roomkeeper's JSON (is ROOMKEEPER_URL right?): %w", ans.base, err)
	}
	return nil
}

// list reads a paged list: it asks for pages of up to 100 (limit), passes each answer's
// nextCursor back as cursor, and stops after the last page (no nextCursor) or once it holds most
// items (0: no cap). It returns the items under key as the API sent them.
func (a *adminAPI) list(ctx context.Context, path string, query url.Values, key string, most int) ([]json.RawMessage, error) {
	q := maps.Clone(query)
	if q == nil {
		q = url.Values{}
	}
	limit := maxPage
	if most > 0 && most < maxPage {
		limit = most
	}
	q.Set("limit", strconv.Itoa(limit))
	var items []json.RawMessage
	seen := map[string]bool{}
	for {
		ans, err := a.do(ctx, apiCall{method: http.MethodGet, path: path, query: q})
		if err != nil {
			return nil, err
		}
		page := map[string]json.RawMessage{}
		if err := ans.decode(&page); err != nil {
			return nil, err
		}
		var got []json.RawMessage
		var next string
		if err := json.Unmarshal(page[key], &got); err != nil || page[key] == nil {
			return nil, fmt.Errorf("the answer from %s has no %q list (is ROOMKEEPER_URL right?)", a.base, key)
		}
		if raw, ok := page["nextCursor"]; ok {
			_ = json.Unmarshal(raw, &next) // null or absent: the last page
		}
		items = append(items, got...)
		switch {
		case most > 0 && len(items) >= most:
			return items[:most], nil
		case next == "":
			return items, nil
		case seen[next]:
			return nil, fmt.Errorf("roomkeeper at %s sent cursor %q twice: the list does not end", a.base, next)
		}
		seen[next] = true
		q.Set("cursor", next)
	}
}
