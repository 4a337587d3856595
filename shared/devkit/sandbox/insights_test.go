package sandbox_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
)

// insightsRoom makes a room with two sessions: Ada (host) is in from t0; Bob is in from 1 min to
// 11 min 30 s (session one), then again from 20 min (session two, still going at 25 min).
func insightsRoom(t *testing.T) (w *sandbox.Whereby, name string, sessions [2]string) {
	t.Helper()
	w, c, _ := hookSandbox(t)
	name = create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)["roomName"].(string)
	at := func(d time.Duration) { c.Set(t0.Add(d)) }
	presence := func() sandbox.Presence {
		p, err := w.Presence(name)
		require.NoError(t, err)
		return p
	}

	_, err := w.Join(name, "Ada Host", "host", false)
	require.NoError(t, err)
	at(time.Minute)
	bob, err := w.Join(name, "Bob Guest", "visitor", false)
	require.NoError(t, err)
	sessions[0] = presence().SessionID
	at(11*time.Minute + 30*time.Second)
	require.NoError(t, w.Leave(name, bob))
	at(20 * time.Minute)
	_, err = w.Join(name, "Bob Guest", "visitor", true)
	require.NoError(t, err)
	sessions[1] = presence().SessionID
	at(25 * time.Minute)
	require.NotEmpty(t, sessions[0])
	require.NotEqual(t, sessions[0], sessions[1])

	// Another room's session is not this room's.
	other := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)["roomName"].(string)
	for _, n := range []string{"Cy", "Dee"} {
		_, err := w.Join(other, n, "visitor", false)
		require.NoError(t, err)
	}
	return w, name, sessions
}

func insights(t *testing.T, w http.Handler, query url.Values) (results []map[string]any, cursor any) {
	t.Helper()
	r := call(t, w, http.MethodGet, api+"/insights/room-sessions?"+query.Encode(), "")
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	v := r.json(t)
	require.Contains(t, v, "cursor")
	for _, s := range v["results"].([]any) {
		results = append(results, s.(map[string]any))
	}
	return results, v["cursor"]
}

func TestRoomSessionInsights(t *testing.T) {
	w, name, sessions := insightsRoom(t)

	got, cursor := insights(t, w, url.Values{"roomName": {name}})
	assert.Nil(t, cursor)
	require.Len(t, got, 2)
	assert.Equal(t, map[string]any{
		"roomSessionId":           sessions[0],
		"roomName":                name,
		"startedAt":               "2026-11-23T15:01:00.000Z",
		"endedAt":                 "2026-11-23T15:11:30.000Z",
		"totalParticipantMinutes": float64(11 + 11), // each 10 min 30 s of the session, rounded up
		"totalRecorderMinutes":    float64(0),
		"totalStreamerMinutes":    float64(0),
		"totalUniqueParticipants": float64(2),
		"totalUniqueRecorders":    float64(0),
		"totalUniqueStreamers":    float64(0),
		"rating":                  nil,
		"totalRatings":            nil,
	}, got[0])
	assert.Equal(t, sessions[1], got[1]["roomSessionId"])
	assert.Equal(t, "2026-11-23T15:20:00.000Z", got[1]["startedAt"])
	assert.Nil(t, got[1]["endedAt"], "still going")
	assert.Equal(t, float64(5+5), got[1]["totalParticipantMinutes"], "counted until now")
	assert.Equal(t, float64(2), got[1]["totalUniqueParticipants"])

	t.Run("name without its leading slash", func(t *testing.T) {
		got, _ := insights(t, w, url.Values{"roomName": {strings.TrimPrefix(name, "/")}})
		assert.Len(t, got, 2)
	})
	t.Run("one session", func(t *testing.T) {
		got, _ := insights(t, w, url.Values{"roomName": {name}, "roomSessionId": {sessions[1]}})
		require.Len(t, got, 1)
		assert.Equal(t, sessions[1], got[0]["roomSessionId"])
	})
	t.Run("pages follow the cursor", func(t *testing.T) {
		var ids []any
		q := url.Values{"roomName": {name}, "limit": {"1"}, "sortBy": {"totalUniqueParticipants:asc"}}
		for pages := 1; ; pages++ {
			require.LessOrEqual(t, pages, 2)
			got, cursor := insights(t, w, q)
			require.Len(t, got, 1)
			ids = append(ids, got[0]["roomSessionId"])
			if cursor == nil {
				break
			}
			q.Set("cursor", cursor.(string))
		}
		assert.Equal(t, []any{sessions[0], sessions[1]}, ids)
	})
	t.Run("a room without sessions", func(t *testing.T) {
		got, cursor := insights(t, w, url.Values{"roomName": {"/nobody-here"}})
		assert.Empty(t, got)
		assert.Nil(t, cursor)
	})
}

func TestRoomSessionInsightsRejects(t *testing.T) {
	w, name, _ := insightsRoom(t)
	for _, tt := range []struct {
		query, want string
	}{
		{"", `"roomName" is required`},
		{"roomName=" + url.QueryEscape(name) + "&limit=0", `"limit" must be an integer from 1 to 100`},
		{"roomName=" + url.QueryEscape(name) + "&limit=101", `"limit" must be an integer from 1 to 100`},
		{"roomName=" + url.QueryEscape(name) + "&cursor=x", `"cursor" is invalid`},
	} {
		r := call(t, w, http.MethodGet, api+"/insights/room-sessions?"+tt.query, "")
		assert.Equal(t, http.StatusBadRequest, r.status, tt.query)
		assert.Equal(t, tt.want, r.json(t)["error"], tt.query)
	}

	r := call(t, w, http.MethodGet, api+"/insights/room-sessions?roomName="+url.QueryEscape(name), "", "")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "Access token is missing or invalid", r.json(t)["error"])

	w.Fail(1, http.StatusServiceUnavailable)
	r = call(t, w, http.MethodGet, api+"/insights/room-sessions?roomName="+url.QueryEscape(name), "")
	assert.Equal(t, http.StatusServiceUnavailable, r.status, "faults apply to insights too")
}

func TestRoomSessionInsightsNeedWebhooks(t *testing.T) {
	// The sandbox reads sessions from the webhooks it sent: with none sent, it knows none.
	w, _ := mustSandbox(t, "")
	name := create(t, w, `{"endDate":"2026-11-30T17:00:00Z"}`)["roomName"].(string)
	for _, n := range []string{"Ada", "Bob"} {
		_, err := w.Join(name, n, "visitor", false)
		require.NoError(t, err)
	}
	got, cursor := insights(t, w, url.Values{"roomName": {name}})
	assert.Empty(t, got)
	assert.Nil(t, cursor)
}
