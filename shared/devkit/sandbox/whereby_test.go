package sandbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/clocktest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
)

const (
	publicURL = "http://127.0.0.1:8080"
	api       = sandbox.WherebyAPIPath
)

var t0 = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func mustSandbox(t *testing.T, statePath string) (*sandbox.Whereby, *clocktest.Clock) {
	t.Helper()
	c := clocktest.New(t0)
	w, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: publicURL + "/", Now: c.Now, StatePath: statePath})
	require.NoError(t, err)
	return w, c
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(r.body, &v), "body %s", r.body)
	return v
}

// call sends a request with a valid key unless auth says otherwise.
func call(t *testing.T, h http.Handler, method, target, body string, auth ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if len(auth) > 0 {
		if auth[0] != "" {
			req.Header.Set("Authorization", auth[0])
		}
	} else {
		req.Header.Set("Authorization", "Bearer test-key")
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func create(t *testing.T, h http.Handler, body string) map[string]any {
	t.Helper()
	r := call(t, h, http.MethodPost, api+"/meetings", body)
	require.Equal(t, http.StatusCreated, r.status, "body %s", r.body)
	return r.json(t)
}

var uuidV4 = `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`

func TestNewWherebyRejectsBadPublicURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "/sandbox", "ftp://example.com", "http://"} {
		t.Run(u, func(t *testing.T) {
			_, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: u})
			require.Error(t, err)
		})
	}
}

func TestAuth(t *testing.T) {
	w, _ := mustSandbox(t, "")
	tests := []struct {
		name, auth string
		want       int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized},
		{"blank bearer", "Bearer    ", http.StatusUnauthorized},
		{"basic scheme", "Basic dXNlcjpwYXNz", http.StatusUnauthorized},
		{"no scheme", "test-key", http.StatusUnauthorized},
		{"any key", "Bearer anything", http.StatusOK},
		{"lowercase scheme", "bearer anything", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, w, http.MethodGet, api+"/meetings", "", tt.auth)
			require.Equal(t, tt.want, r.status)
			if tt.want == http.StatusUnauthorized {
				assert.Equal(t, map[string]any{"error": "Access token is missing or invalid"}, r.json(t))
			}
		})
	}
	for _, tt := range []struct{ method, path, body string }{
		{http.MethodPost, api + "/meetings", `{"endDate":"2026-11-30T00:00:00Z"}`},
		{http.MethodGet, api + "/meetings/1", ""},
		{http.MethodDelete, api + "/meetings/1", ""},
	} {
		t.Run(tt.method+" "+tt.path+" without key", func(t *testing.T) {
			assert.Equal(t, http.StatusUnauthorized, call(t, w, tt.method, tt.path, tt.body, "").status)
		})
	}
	assert.Empty(t, w.Rooms(), "an unauthorised create must not make a room")
}

func TestCreateMeeting(t *testing.T) {
	w, _ := mustSandbox(t, "")
	roomURL := regexp.QuoteMeta(publicURL+"/sandbox/whereby/rooms/") + `(.*)`

	t.Run("minimal", func(t *testing.T) {
		got := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
		assert.Regexp(t, `^[0-9]+$`, got["meetingId"])
		assert.Regexp(t, `^/`+uuidV4+`$`, got["roomName"])
		assert.Equal(t, publicURL+"/sandbox/whereby/rooms"+got["roomName"].(string), got["roomUrl"])
		assert.Equal(t, "2026-11-23T15:00:00.000Z", got["startDate"], "startDate is the creation time")
		assert.Equal(t, "2026-11-30T17:00:00.000Z", got["endDate"])
		assert.NotContains(t, got, "hostRoomUrl", "host link only when asked for")
		assert.NotContains(t, got, "dialIn")
		assert.NotContains(t, got, "roomPreferences")
	})

	t.Run("every field", func(t *testing.T) {
		got := create(t, w, `{"endDate":"2026-11-30T12:00:00-05:00","roomMode":"group","roomNamePrefix":"intro-rkabcdefghijklmg1-",
			"isLocked":true,"fields":["hostRoomUrl","dialIn"],"isDialInEnabled":true,
			"startDate":"2026-11-01T00:00:00Z","recording":{"type":"none"},"somethingNew":42}`)
		assert.Equal(t, "2026-11-30T17:00:00.000Z", got["endDate"], "endDate echoed in UTC")
		assert.Equal(t, "2026-11-23T15:00:00.000Z", got["startDate"], "a sent startDate is ignored")
		assert.Regexp(t, `^/intro-rkabcdefghijklmg1-`+uuidV4+`$`, got["roomName"])
		roomURL := got["roomUrl"].(string)
		assert.Regexp(t, `^`+regexp.QuoteMeta(roomURL)+`\?roomKey=[A-Za-z0-9_-]{43}$`, got["hostRoomUrl"])
		assert.NotContains(t, roomURL, "roomKey")
		dial := got["dialIn"].(map[string]any)
		assert.Regexp(t, `^[0-9]{10}$`, dial["code"])
		nums := dial["phoneNumbers"].([]any)
		require.Len(t, nums, 1)
		num := nums[0].(map[string]any)
		assert.Equal(t, "US", num["countryCode"])
		assert.Regexp(t, `^212-555-01[0-9]{2}$`, num["phoneNumber"], "national format, like Whereby's docs")
		assert.Equal(t, map[string]any{"dialIn": true}, got["roomPreferences"])

		rooms := w.Rooms()
		m := rooms[len(rooms)-1]
		assert.Equal(t, "group", m.RoomMode)
		assert.True(t, m.IsLocked)
		assert.Equal(t, got["hostRoomUrl"], m.HostRoomURL)
	})

	t.Run("dial-in enabled but not asked for in fields", func(t *testing.T) {
		got := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","isDialInEnabled":true,"fields":["hostRoomUrl"]}`)
		assert.NotContains(t, got, "dialIn")
		assert.Contains(t, got, "hostRoomUrl")
		r := call(t, w, http.MethodGet, api+"/meetings/"+got["meetingId"].(string)+"?fields=dialIn", "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Contains(t, r.json(t), "dialIn", "a room created with dial-in shows it when asked later")
	})

	t.Run("dial-in asked for in fields but not enabled", func(t *testing.T) {
		got := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","fields":["dialIn"]}`)
		assert.NotContains(t, got, "dialIn")
		assert.NotContains(t, got, "roomPreferences")
	})

	t.Run("prefix lowercased and whitespace stripped", func(t *testing.T) {
		got := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","roomNamePrefix":"Customer 0348-"}`)
		assert.Regexp(t, `^/customer0348-`+uuidV4+`$`, got["roomName"])
	})

	t.Run("endDate without offset is UTC", func(t *testing.T) {
		got := create(t, w, `{"endDate":"2026-11-30T17:00:00"}`)
		assert.Equal(t, "2026-11-30T17:00:00.000Z", got["endDate"])
	})

	t.Run("endDate now is allowed", func(t *testing.T) {
		create(t, w, `{"endDate":"2026-11-23T15:00:00Z"}`)
	})

	t.Run("ids are distinct numeric strings", func(t *testing.T) {
		a := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
		b := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
		assert.NotEqual(t, a["meetingId"], b["meetingId"])
		assert.NotEqual(t, a["roomName"], b["roomName"])
		assert.Regexp(t, roomURL, b["roomUrl"])
	})
}

func TestCreateMeetingRejects(t *testing.T) {
	w, _ := mustSandbox(t, "")
	tests := []struct{ name, body, wantMsg string }{
		{"empty body", ``, "Invalid JSON"},
		{"malformed JSON", `{"endDate":`, "Invalid JSON"},
		{"not an object", `[1,2]`, "Invalid JSON"},
		{"wrong type", `{"endDate":"2026-11-30T17:00:00Z","isLocked":"yes"}`, "Invalid JSON"},
		{"missing endDate", `{"roomMode":"normal"}`, "endDate"},
		{"empty endDate", `{"endDate":""}`, "endDate"},
		{"malformed endDate", `{"endDate":"next tuesday"}`, "endDate"},
		{"date only", `{"endDate":"2026-11-30"}`, "endDate"},
		{"past endDate", `{"endDate":"2026-11-23T14:59:59Z"}`, "endDate"},
		{"bad roomMode", `{"endDate":"2026-11-30T17:00:00Z","roomMode":"large"}`, "roomMode"},
		{"empty roomMode", `{"endDate":"2026-11-30T17:00:00Z","roomMode":""}`, "roomMode"},
		{"prefix with underscore", `{"endDate":"2026-11-30T17:00:00Z","roomNamePrefix":"a_b"}`, "roomNamePrefix"},
		{"prefix with slash", `{"endDate":"2026-11-30T17:00:00Z","roomNamePrefix":"/customer"}`, "roomNamePrefix"},
		{"prefix of 40", `{"endDate":"2026-11-30T17:00:00Z","roomNamePrefix":"` + strings.Repeat("a", 40) + `"}`, "roomNamePrefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, w, http.MethodPost, api+"/meetings", tt.body)
			require.Equal(t, http.StatusBadRequest, r.status, "body %s", r.body)
			assert.Contains(t, r.json(t)["error"], tt.wantMsg)
		})
	}
	assert.Empty(t, w.Rooms())

	t.Run("prefix of 39 is fine", func(t *testing.T) {
		create(t, w, `{"endDate":"2026-11-30T17:00:00Z","roomNamePrefix":"`+strings.Repeat("a", 39)+`"}`)
	})
}

func TestListMeetings(t *testing.T) {
	w, _ := mustSandbox(t, "")
	var ids []string
	for i := 0; i < 7; i++ {
		body := `{"endDate":"2026-11-30T17:00:00Z","fields":["hostRoomUrl"]}`
		if i == 3 {
			body = `{"endDate":"2026-11-30T17:00:00Z","isDialInEnabled":true}`
		}
		ids = append(ids, create(t, w, body)["meetingId"].(string))
	}
	// A deleted room is not listed.
	require.Equal(t, http.StatusNoContent, call(t, w, http.MethodDelete, api+"/meetings/"+ids[5], "").status)
	live := append(append([]string{}, ids[:5]...), ids[6])

	list := func(t *testing.T, query string) (results []map[string]any, cursor any) {
		t.Helper()
		r := call(t, w, http.MethodGet, api+"/meetings"+query, "")
		require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
		v := r.json(t)
		require.Contains(t, v, "cursor")
		for _, m := range v["results"].([]any) {
			results = append(results, m.(map[string]any))
		}
		return results, v["cursor"]
	}
	idsOf := func(ms []map[string]any) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m["meetingId"].(string))
		}
		return out
	}

	t.Run("default limit returns all with a null cursor", func(t *testing.T) {
		got, cursor := list(t, "")
		assert.Equal(t, live, idsOf(got))
		assert.Nil(t, cursor)
		assert.NotContains(t, got[0], "hostRoomUrl", "fields not asked for")
		assert.NotContains(t, got[3], "dialIn")
	})

	t.Run("pages follow the cursor", func(t *testing.T) {
		var got []string
		cursor := any("")
		pages := 0
		for cursor != nil {
			q := "?limit=2"
			if cursor != "" {
				q += "&cursor=" + cursor.(string)
			}
			page, next := list(t, q)
			assert.LessOrEqual(t, len(page), 2)
			got = append(got, idsOf(page)...)
			cursor = next
			pages++
			require.Less(t, pages, 10, "paging must end")
		}
		assert.Equal(t, live, got)
		assert.Equal(t, 3, pages)
	})

	t.Run("exact last page has a null cursor", func(t *testing.T) {
		got, cursor := list(t, "?limit=6")
		assert.Len(t, got, 6)
		assert.Nil(t, cursor)
	})

	t.Run("fields", func(t *testing.T) {
		got, _ := list(t, "?fields=hostRoomUrl,dialIn")
		for _, m := range got {
			assert.Contains(t, m["hostRoomUrl"], m["roomUrl"].(string)+"?roomKey=")
		}
		assert.Contains(t, got[3], "dialIn", "dial-in listed for the room created with it")
		assert.NotContains(t, got[0], "dialIn")
	})

	for _, q := range []string{"?limit=0", "?limit=101", "?limit=abc", "?limit=-1", "?cursor=abc", "?cursor=-5"} {
		t.Run("rejects "+q, func(t *testing.T) {
			r := call(t, w, http.MethodGet, api+"/meetings"+q, "")
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.NotEmpty(t, r.json(t)["error"])
		})
	}
	t.Run("limit 100 is fine", func(t *testing.T) {
		got, _ := list(t, "?limit=100")
		assert.Len(t, got, 6)
	})
}

func TestGetAndDeleteMeeting(t *testing.T) {
	w, _ := mustSandbox(t, "")
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","fields":["hostRoomUrl"]}`)
	id := m["meetingId"].(string)

	r := call(t, w, http.MethodGet, api+"/meetings/"+id, "")
	require.Equal(t, http.StatusOK, r.status)
	got := r.json(t)
	assert.Equal(t, id, got["meetingId"])
	assert.Equal(t, m["roomUrl"], got["roomUrl"])
	assert.NotContains(t, got, "hostRoomUrl")

	r = call(t, w, http.MethodGet, api+"/meetings/"+id+"?fields=hostRoomUrl", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, m["hostRoomUrl"], r.json(t)["hostRoomUrl"], "the host link is stable")

	for i := 0; i < 2; i++ {
		r = call(t, w, http.MethodDelete, api+"/meetings/"+id, "")
		assert.Equal(t, http.StatusNoContent, r.status, "DELETE is idempotent")
		assert.Empty(t, r.body)
	}
	assert.Equal(t, http.StatusNoContent, call(t, w, http.MethodDelete, api+"/meetings/999", "").status, "unknown id")

	r = call(t, w, http.MethodGet, api+"/meetings/"+id, "")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "The requested resource doesn't exist", r.json(t)["error"])
	assert.Empty(t, w.Rooms())
}

func TestRoomsGoneAnHourAfterEndDate(t *testing.T) {
	w, c := mustSandbox(t, "")
	m := create(t, w, `{"endDate":"2026-11-23T16:00:00Z"}`)
	id := m["meetingId"].(string)
	page := strings.TrimPrefix(m["roomUrl"].(string), publicURL)

	tests := []struct {
		name string
		at   time.Time
		live bool
	}{
		{"at endDate", t0.Add(time.Hour), true},
		{"just before endDate + 1h", t0.Add(2*time.Hour - time.Second), true},
		{"at endDate + 1h", t0.Add(2 * time.Hour), false},
		{"a day later", t0.Add(26 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Set(tt.at)
			get := call(t, w, http.MethodGet, api+"/meetings/"+id, "")
			list := call(t, w, http.MethodGet, api+"/meetings", "")
			pg := call(t, w, http.MethodGet, page, "")
			if tt.live {
				assert.Equal(t, http.StatusOK, get.status)
				assert.Len(t, list.json(t)["results"], 1)
				assert.Len(t, w.Rooms(), 1)
				assert.Equal(t, http.StatusOK, pg.status)
			} else {
				assert.Equal(t, http.StatusNotFound, get.status)
				assert.Empty(t, list.json(t)["results"])
				assert.Empty(t, w.Rooms())
				assert.Equal(t, http.StatusNotFound, pg.status)
			}
		})
	}
}

func TestMethodsAndPaths(t *testing.T) {
	w, _ := mustSandbox(t, "")
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodPut, api + "/meetings", http.StatusMethodNotAllowed},
		{http.MethodGet, api + "/rooms", http.StatusNotFound},
		{http.MethodGet, api + "/", http.StatusNotFound},
		{http.MethodGet, "/sandbox/whereby/elsewhere", http.StatusNotFound},
		{http.MethodPut, "/sandbox/whereby/rooms/x", http.StatusMethodNotAllowed},
		{http.MethodPost, "/sandbox/whereby/rooms/x", http.StatusNotFound}, // room pages take forms
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			assert.Equal(t, tt.want, call(t, w, tt.method, tt.path, "").status)
		})
	}
}

func TestFaults(t *testing.T) {
	t.Run("throttle", func(t *testing.T) {
		w, _ := mustSandbox(t, "")
		w.Throttle(2, 1500*time.Millisecond)
		for i := 0; i < 2; i++ {
			r := call(t, w, http.MethodPost, api+"/meetings", `{"endDate":"2026-11-30T17:00:00Z"}`)
			require.Equal(t, http.StatusTooManyRequests, r.status)
			assert.Equal(t, "2", r.header.Get("Retry-After"), "whole seconds, rounded up")
			assert.JSONEq(t, `{"error":"Rate limit active for throttle key: organization:1","data":{"msLeft":1500}}`, string(r.body))
		}
		assert.Empty(t, w.Rooms(), "throttled requests do nothing")
		create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
	})

	t.Run("throttle applies without a key", func(t *testing.T) {
		w, _ := mustSandbox(t, "")
		w.Throttle(1, time.Second)
		assert.Equal(t, http.StatusTooManyRequests, call(t, w, http.MethodGet, api+"/meetings", "", "").status)
		assert.Equal(t, http.StatusUnauthorized, call(t, w, http.MethodGet, api+"/meetings", "", "").status)
	})

	for _, tt := range []struct {
		status int
		msg    string
	}{
		{http.StatusInternalServerError, "Internal Server Error"},
		{http.StatusBadGateway, "Bad Gateway"},
		{http.StatusServiceUnavailable, "Service Unavailable"},
		{http.StatusUnauthorized, "Access token is missing or invalid"},
		{http.StatusForbidden, "Not allowed to perform action"},
		{http.StatusBadRequest, "Bad Request"},
		{http.StatusNotFound, "Not Found"},
	} {
		t.Run("fail "+http.StatusText(tt.status), func(t *testing.T) {
			w, _ := mustSandbox(t, "")
			w.Fail(1, tt.status)
			r := call(t, w, http.MethodDelete, api+"/meetings/1", "")
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, map[string]any{"error": tt.msg}, r.json(t))
			assert.Equal(t, http.StatusNoContent, call(t, w, http.MethodDelete, api+"/meetings/1", "").status, "only the next n")
		})
	}

	t.Run("faults queue in order", func(t *testing.T) {
		w, _ := mustSandbox(t, "")
		w.Fail(1, http.StatusInternalServerError)
		w.Throttle(1, time.Second)
		w.Fail(2, http.StatusBadGateway)
		w.Fail(0, http.StatusTeapot) // nothing
		var got []int
		for i := 0; i < 5; i++ {
			got = append(got, call(t, w, http.MethodGet, api+"/meetings", "").status)
		}
		assert.Equal(t, []int{500, 429, 502, 502, 200}, got)
	})

	t.Run("hang until the client gives up", func(t *testing.T) {
		w, _ := mustSandbox(t, "")
		w.Hang(1)
		ctx, cancel := context.WithCancel(t.Context())
		req := httptest.NewRequest(http.MethodPost, api+"/meetings", strings.NewReader(`{"endDate":"2026-11-30T17:00:00Z"}`)).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer test-key")
		done := make(chan struct{})
		rec := httptest.NewRecorder()
		go func() { w.ServeHTTP(rec, req); close(done) }()
		require.Eventually(t, func() bool { return w.Hanging() == 1 }, 10*time.Second, time.Millisecond)
		assert.Equal(t, http.StatusCreated, call(t, w, http.MethodPost, api+"/meetings", `{"endDate":"2026-11-30T17:00:00Z"}`).status, "only the next n")
		cancel()
		<-done
		assert.Zero(t, w.Hanging())
		assert.Len(t, w.Rooms(), 1, "the hung request made nothing")
	})

	t.Run("faults do not touch room pages", func(t *testing.T) {
		w, _ := mustSandbox(t, "")
		m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
		w.Fail(1, http.StatusInternalServerError)
		assert.Equal(t, http.StatusOK, call(t, w, http.MethodGet, strings.TrimPrefix(m["roomUrl"].(string), publicURL), "").status)
		assert.Equal(t, http.StatusInternalServerError, call(t, w, http.MethodGet, api+"/meetings", "").status)
	})

	t.Run("delay outlasts a client timeout", func(t *testing.T) {
		w, _ := mustSandbox(t, "")
		srv := httptest.NewServer(w)
		defer srv.Close()
		w.Delay(time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+api+"/meetings", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer k")
		_, err = srv.Client().Do(req)
		require.ErrorIs(t, err, context.DeadlineExceeded)

		w.Delay(0)
		resp, err := srv.Client().Do(req.Clone(context.Background()))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})
}

func TestDisableDialIn(t *testing.T) {
	w, _ := mustSandbox(t, "")
	w.DisableDialIn()
	got := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","isDialInEnabled":true,"fields":["hostRoomUrl","dialIn"]}`)
	assert.NotContains(t, got, "dialIn")
	assert.NotContains(t, got, "roomPreferences")
	assert.Contains(t, got, "hostRoomUrl")
	assert.Nil(t, w.Rooms()[0].DialIn)
}

func TestRequests(t *testing.T) {
	w, _ := mustSandbox(t, "")
	body := `{"endDate":"2026-11-30T17:00:00Z"}`
	call(t, w, http.MethodPost, api+"/meetings", body)
	call(t, w, http.MethodGet, api+"/meetings?limit=5&fields=hostRoomUrl,dialIn", "", "")
	call(t, w, http.MethodGet, "/sandbox/whereby/rooms/x", "") // not an API request

	got := w.Requests()
	require.Len(t, got, 2)
	assert.Equal(t, http.MethodPost, got[0].Method)
	assert.Equal(t, api+"/meetings", got[0].Path)
	assert.JSONEq(t, body, string(got[0].Body))
	assert.Equal(t, "Bearer test-key", got[0].Header.Get("Authorization"))
	assert.Equal(t, http.MethodGet, got[1].Method)
	assert.Equal(t, "5", got[1].Query.Get("limit"))
	assert.Equal(t, "hostRoomUrl,dialIn", got[1].Query.Get("fields"))
	assert.Empty(t, got[1].Body)

	got[0].Body[0] = 'X'
	assert.Equal(t, byte('{'), w.Requests()[0].Body[0], "Requests returns copies of the list")
}

func TestRoomsReturnsCopies(t *testing.T) {
	w, _ := mustSandbox(t, "")
	create(t, w, `{"endDate":"2026-11-30T17:00:00Z","isDialInEnabled":true}`)
	rooms := w.Rooms()
	rooms[0].RoomURL = "changed"
	rooms[0].DialIn.PhoneNumbers[0].PhoneNumber = "changed"
	again := w.Rooms()[0]
	assert.NotEqual(t, "changed", again.RoomURL)
	assert.NotEqual(t, "changed", again.DialIn.PhoneNumbers[0].PhoneNumber)
}

func TestState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "whereby.json")
	w, c := mustSandbox(t, path)
	keep := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","fields":["hostRoomUrl","dialIn"],"isDialInEnabled":true}`)
	deleted := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
	short := create(t, w, `{"endDate":"2026-11-23T16:00:00Z"}`)
	require.Equal(t, http.StatusNoContent, call(t, w, http.MethodDelete, api+"/meetings/"+deleted["meetingId"].(string), "").status)

	t.Run("restart keeps rooms and links", func(t *testing.T) {
		w2, _ := mustSandbox(t, path)
		rooms := w2.Rooms()
		require.Len(t, rooms, 2)
		assert.Equal(t, keep["meetingId"], rooms[0].MeetingID)
		assert.Equal(t, keep["hostRoomUrl"], rooms[0].HostRoomURL)
		assert.Equal(t, keep["dialIn"].(map[string]any)["code"], rooms[0].DialIn.Code)
		assert.Equal(t, short["meetingId"], rooms[1].MeetingID)
		r := call(t, w2, http.MethodGet, strings.TrimPrefix(keep["hostRoomUrl"].(string), publicURL), "")
		assert.Equal(t, http.StatusOK, r.status)
		assert.Contains(t, string(r.body), "You hold the host key")

		next := create(t, w2, `{"endDate":"2026-11-30T17:00:00Z"}`)
		assert.NotContains(t, []any{keep["meetingId"], deleted["meetingId"], short["meetingId"]}, next["meetingId"], "ids are not reused")
	})

	t.Run("a change cut short by a stop is dropped, the rest kept", func(t *testing.T) {
		// A change is one line after the snapshot; a stop mid-write leaves half of one.
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, 2, strings.Count(string(b), "\n"), "the snapshot the restart above wrote, and the room it made")
		torn := filepath.Join(t.TempDir(), "torn.json")
		require.NoError(t, os.WriteFile(torn, append(b, `{"put":{"meetingId":"9`...), 0o600))
		w3, _ := mustSandbox(t, torn)
		require.Len(t, w3.Rooms(), 3, "keep, short, and the room made after the restart above")
		create(t, w3, `{"endDate":"2026-11-30T17:00:00Z"}`)
		w4, _ := mustSandbox(t, torn)
		assert.Len(t, w4.Rooms(), 4, "a change after the torn one is kept")
	})

	t.Run("gone rooms are dropped from the file on the next change", func(t *testing.T) {
		c.Set(t0.Add(3 * time.Hour))
		create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.NotContains(t, string(b), short["roomName"].(string))
		assert.Contains(t, string(b), keep["roomName"].(string))
	})

	t.Run("malformed file", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.json")
		require.NoError(t, os.WriteFile(bad, []byte("{not json"), 0o600))
		_, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: publicURL, StatePath: bad})
		require.Error(t, err)
	})

	t.Run("missing file starts empty", func(t *testing.T) {
		w, _ := mustSandbox(t, filepath.Join(t.TempDir(), "none.json"))
		assert.Empty(t, w.Rooms())
	})

	t.Run("unwritable file fails the create with 500", func(t *testing.T) {
		w, _ := mustSandbox(t, filepath.Join(t.TempDir(), "no", "such", "dir.json"))
		r := call(t, w, http.MethodPost, api+"/meetings", `{"endDate":"2026-11-30T17:00:00Z"}`)
		assert.Equal(t, http.StatusInternalServerError, r.status)
		assert.Empty(t, w.Rooms(), "a room that could not be saved is not kept")
	})
}

func TestRoomPage(t *testing.T) {
	w, _ := mustSandbox(t, "")
	m := create(t, w, `{"endDate":"2026-11-30T17:00:00Z","roomMode":"group","isLocked":true,"fields":["hostRoomUrl"]}`)
	guest := strings.TrimPrefix(m["roomUrl"].(string), publicURL)
	host := strings.TrimPrefix(m["hostRoomUrl"].(string), publicURL)
	name := strings.TrimPrefix(m["roomName"].(string), "/")

	tests := []struct {
		name, path string
		status     int
		want       []string
		notWant    []string
	}{
		{"guest", guest, http.StatusOK,
			[]string{name, "You are a guest", `datetime="2026-11-30T17:00:00Z"`, "2026-11-30T18:00:00Z", ">group<", ">yes<"},
			[]string{"host key"}},
		{"host", host, http.StatusOK, []string{name, "You hold the host key"}, []string{"You are a guest"}},
		{"wrong key", guest + "?roomKey=guess", http.StatusOK, []string{"You are a guest"}, []string{"You hold the host key"}},
		{"empty key", guest + "?roomKey=", http.StatusOK, []string{"You are a guest"}, nil},
		{"unknown room", "/sandbox/whereby/rooms/nope", http.StatusNotFound, []string{"Room not found"}, nil},
		{"escaped name", "/sandbox/whereby/rooms/%3Cscript%3E", http.StatusNotFound, []string{"Room not found"}, []string{"<script>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, w, http.MethodGet, tt.path, "", "")
			require.Equal(t, tt.status, r.status)
			assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
			assert.Equal(t, "no-referrer", r.header.Get("Referrer-Policy"))
			for _, s := range tt.want {
				assert.Contains(t, string(r.body), s)
			}
			for _, s := range tt.notWant {
				assert.NotContains(t, string(r.body), s)
			}
		})
	}

	t.Run("deleted", func(t *testing.T) {
		call(t, w, http.MethodDelete, api+"/meetings/"+m["meetingId"].(string), "")
		r := call(t, w, http.MethodGet, host, "", "")
		assert.Equal(t, http.StatusNotFound, r.status)
		assert.Contains(t, string(r.body), "Room not found")
	})
}

func TestConcurrentUse(t *testing.T) {
	w, _ := mustSandbox(t, "")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Go(func() {
			for j := 0; j < 10; j++ {
				r := call(t, w, http.MethodPost, api+"/meetings", `{"endDate":"2026-11-30T17:00:00Z"}`)
				assert.Equal(t, http.StatusCreated, r.status)
				call(t, w, http.MethodGet, api+"/meetings", "")
				w.Fail(0, 500)
				_ = w.Requests()
			}
		})
	}
	wg.Wait()
	assert.Len(t, w.Rooms(), 80)
	ids := map[string]bool{}
	for _, m := range w.Rooms() {
		ids[m.MeetingID] = true
	}
	assert.Len(t, ids, 80)
}

func TestListDefaultLimit(t *testing.T) {
	w, _ := mustSandbox(t, "")
	for range 51 {
		create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)
	}
	r := call(t, w, http.MethodGet, api+"/meetings", "")
	require.Equal(t, http.StatusOK, r.status)
	v := r.json(t)
	assert.Len(t, v["results"], 50)
	require.NotNil(t, v["cursor"])

	r = call(t, w, http.MethodGet, api+"/meetings?cursor="+v["cursor"].(string), "")
	require.Equal(t, http.StatusOK, r.status)
	v = r.json(t)
	assert.Len(t, v["results"], 1)
	assert.Nil(t, v["cursor"])
}
