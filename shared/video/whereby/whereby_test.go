package whereby_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/booking/providertest"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/video/whereby"
)

const apiKey = "wb-secret-key-do-not-leak"

// mustSandbox starts a Whereby sandbox and returns it with a client for it.
func mustSandbox(t *testing.T, hc *http.Client) (*whereby.Client, *sandbox.Whereby) {
	t.Helper()
	sb, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://rooms.test"})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath + "/", APIKey: apiKey, HTTPClient: hc, Phone: phone.Normalize}), sb
}

// fixed serves one canned answer to every request, for responses the sandbox never gives.
func fixed(t *testing.T, status int, header map[string]string, body string) (*whereby.Client, *[]string) {
	t.Helper()
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path)
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return whereby.New(whereby.Config{APIURL: srv.URL + "/v1", APIKey: apiKey, HTTPClient: srv.Client(), Phone: phone.Normalize}), &seen
}

func TestContract(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (booking.Provider, providertest.Faults) {
		c, sb := mustSandbox(t, nil)
		return c, sb
	})
}

var (
	now     = time.Now().UTC()
	expires = now.Add(8 * 24 * time.Hour).Truncate(time.Second)
	tag     = booking.Tag{Key: booking.KeyOf("generic", "bk_123"), Gen: 1, Deployment: booking.DeploymentTag("test")}.String()
)

func roomSpec(opts booking.RoomOptions) booking.RoomSpec {
	opts.Provider = whereby.Name
	return booking.RoomSpec{
		Tag:       tag,
		Title:     "Intro call",
		Start:     now.Add(time.Hour),
		End:       now.Add(90 * time.Minute),
		ExpiresAt: expires.In(time.FixedZone("Oslo", 3600)),
		Options:   opts,
	}
}

func TestCreateRoomRequest(t *testing.T) {
	endDate := expires.Format(time.RFC3339)
	tests := []struct {
		name string
		opts booking.RoomOptions
		want map[string]any
	}{
		{"small", booking.RoomOptions{Size: booking.Small}, map[string]any{
			"endDate": endDate, "roomMode": "normal", "roomNamePrefix": tag + "-", "isLocked": false,
			"fields": []any{"hostRoomUrl"},
		}},
		{"size unset is small", booking.RoomOptions{}, map[string]any{
			"endDate": endDate, "roomMode": "normal", "roomNamePrefix": tag + "-", "isLocked": false,
			"fields": []any{"hostRoomUrl"},
		}},
		{"large", booking.RoomOptions{Size: booking.Large}, map[string]any{
			"endDate": endDate, "roomMode": "group", "roomNamePrefix": tag + "-", "isLocked": false,
			"fields": []any{"hostRoomUrl"},
		}},
		{"locked", booking.RoomOptions{Size: booking.Small, Locked: true}, map[string]any{
			"endDate": endDate, "roomMode": "normal", "roomNamePrefix": tag + "-", "isLocked": true,
			"fields": []any{"hostRoomUrl"},
		}},
		{"dial-in", booking.RoomOptions{Size: booking.Large, DialIn: true}, map[string]any{
			"endDate": endDate, "roomMode": "group", "roomNamePrefix": tag + "-", "isLocked": false,
			"fields": []any{"hostRoomUrl", "dialIn"}, "isDialInEnabled": true,
		}},
		{"prefix", booking.RoomOptions{Size: booking.Small, NamePrefix: "intro-"}, map[string]any{
			"endDate": endDate, "roomMode": "normal", "roomNamePrefix": "intro-" + tag + "-", "isLocked": false,
			"fields": []any{"hostRoomUrl"},
		}},
		{"prefix lowercased", booking.RoomOptions{Size: booking.Small, NamePrefix: "Sales-"}, map[string]any{
			"endDate": endDate, "roomMode": "normal", "roomNamePrefix": "sales-" + tag + "-", "isLocked": false,
			"fields": []any{"hostRoomUrl"},
		}},
		{"prefix without a dash gets one", booking.RoomOptions{Size: booking.Small, NamePrefix: "sales"}, map[string]any{
			"endDate": endDate, "roomMode": "normal", "roomNamePrefix": "sales-" + tag + "-", "isLocked": false,
			"fields": []any{"hostRoomUrl"},
		}},
		{"longest prefix fits", booking.RoomOptions{Size: booking.Small, NamePrefix: strings.Repeat("p", booking.MaxNamePrefix-1) + "-"}, map[string]any{
			"endDate": endDate, "roomMode": "normal", "roomNamePrefix": strings.Repeat("p", booking.MaxNamePrefix-1) + "-" + tag + "-", "isLocked": false,
			"fields": []any{"hostRoomUrl"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, sb := mustSandbox(t, nil)
			_, err := c.CreateRoom(context.Background(), roomSpec(tt.opts))
			require.NoError(t, err)

			reqs := sb.Requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, sandbox.WherebyAPIPath+"/meetings", r.Path)
			assert.Equal(t, "Bearer "+apiKey, r.Header.Get("Authorization"))
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			var got map[string]any
			require.NoError(t, json.Unmarshal(r.Body, &got))
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got["roomNamePrefix"].(string)), 39)
		})
	}

	t.Run("a prefix that does not fit is refused, never cut", func(t *testing.T) {
		c, sb := mustSandbox(t, nil)
		s := roomSpec(booking.RoomOptions{NamePrefix: strings.Repeat("p", booking.MaxNamePrefix)})
		s.Tag = booking.Tag{Key: booking.KeyOf("generic", "bk_123"), Gen: 999, Deployment: booking.DeploymentTag("test")}.String()
		room, err := c.CreateRoom(context.Background(), s)
		require.NoError(t, err, "the longest prefix fits beside the longest tag it allows for")
		var got map[string]any
		require.NoError(t, json.Unmarshal(sb.Requests()[0].Body, &got))
		assert.Equal(t, strings.Repeat("p", booking.MaxNamePrefix)+"-"+s.Tag+"-", got["roomNamePrefix"])
		assert.Len(t, got["roomNamePrefix"], 39)
		tag, ok := booking.ParseTag(room.Name)
		require.True(t, ok)
		assert.Equal(t, s.Tag, tag.String())

		s.Tag = booking.Tag{Key: booking.KeyOf("generic", "bk_123"), Gen: 1000, Deployment: booking.DeploymentTag("test")}.String()
		_, err = c.CreateRoom(context.Background(), s)
		require.Error(t, err)
		assert.True(t, booking.IsPermanent(err))
		assert.Len(t, sb.Requests(), 1, "nothing sent")
	})

	t.Run("unknown size is permanent and sends nothing", func(t *testing.T) {
		c, sb := mustSandbox(t, nil)
		_, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{Size: "huge"}))
		require.Error(t, err)
		assert.True(t, booking.IsPermanent(err))
		assert.Empty(t, sb.Requests())
	})

	t.Run("past expiry is rejected by Whereby, permanently", func(t *testing.T) {
		c, _ := mustSandbox(t, nil)
		s := roomSpec(booking.RoomOptions{})
		s.ExpiresAt = now.Add(-time.Hour)
		_, err := c.CreateRoom(context.Background(), s)
		require.Error(t, err)
		assert.True(t, booking.IsPermanent(err))
		assert.Contains(t, err.Error(), "whereby: create meeting: ")
		assert.Contains(t, err.Error(), "endDate", "Whereby's message is kept")
	})
}

func TestCreateRoomResult(t *testing.T) {
	c, sb := mustSandbox(t, nil)
	room, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{Size: booking.Small, DialIn: true, NamePrefix: "intro-"}))
	require.NoError(t, err)

	rooms := sb.Rooms()
	require.Len(t, rooms, 1)
	m := rooms[0]
	want := booking.Room{
		Provider:  "whereby",
		ID:        m.MeetingID,
		Name:      m.RoomName,
		Tag:       tag,
		GuestURL:  m.RoomURL,
		HostURL:   m.HostRoomURL,
		ExpiresAt: expires,
		CreatedAt: m.StartDate.Truncate(time.Millisecond), // Whereby's dates carry milliseconds
		DialIn: &booking.DialIn{
			Code: m.DialIn.Code,
			Numbers: []booking.PhoneNumber{{
				E164:    "+1" + strings.ReplaceAll(m.DialIn.PhoneNumbers[0].PhoneNumber, "-", ""),
				Country: "US",
				Tel:     "tel:+1" + strings.ReplaceAll(m.DialIn.PhoneNumbers[0].PhoneNumber, "-", "") + "," + m.DialIn.Code,
			}},
		},
	}
	assert.Equal(t, want, room)
	assert.True(t, strings.HasPrefix(room.Name, "/intro-"+tag+"-"), "name %q", room.Name)
	assert.NotContains(t, room.GuestURL, "roomKey")
	assert.Regexp(t, `^tel:\+1212555[0-9]{4},[0-9]{10}$`, room.DialIn.Numbers[0].Tel)
}

func TestCreateRoomDialInMissing(t *testing.T) {
	c, sb := mustSandbox(t, nil)
	sb.DisableDialIn()
	_, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{DialIn: true}))
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err), "the beta being off will not change on retry")
	assert.Contains(t, err.Error(), "whereby: create meeting: dial-in was requested but Whereby returned none")
	assert.Empty(t, sb.Rooms(), "the unusable room is deleted")

	_, err = c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{DialIn: false}))
	require.NoError(t, err, "rooms without dial-in still work")
}

func TestCreateRoomResponses(t *testing.T) {
	const ok = `{"meetingId":"87673375","startDate":"2026-11-22T10:00:00.056Z","endDate":"2026-12-01T17:00:00.000Z",
		"roomName":"/` + "rkabcdefghijklmg1" + `-546f","roomUrl":"https://sub.whereby.com/rkabcdefghijklmg1-546f",
		"hostRoomUrl":"https://sub.whereby.com/rkabcdefghijklmg1-546f?roomKey=eyJhbGciOiJIU"`
	tests := []struct {
		name      string
		dialIn    bool
		body      string
		wantErr   string // empty: success
		permanent bool
		deleted   string // the id of the room the adapter deleted because it could not use it
	}{
		{name: "unknown fields are ignored", body: ok + `,"viewerRoomUrl":"x","somethingNew":{"a":[1]}}`},
		{name: "dial-in in E.164 already", dialIn: true,
			body: ok + `,"dialIn":{"code":"1234567890","phoneNumbers":[{"countryCode":"GB","phoneNumber":"+44 20 7946 0018"}]}}`},
		{name: "invalid dial-in number", dialIn: true,
			body:    ok + `,"dialIn":{"code":"1234567890","phoneNumbers":[{"countryCode":"US","phoneNumber":"111-867-5309"}]}}`,
			wantErr: "dial-in number 1", permanent: true, deleted: "87673375"},
		{name: "dial-in without numbers", dialIn: true,
			body:    ok + `,"dialIn":{"code":"1234567890","phoneNumbers":[]}}`,
			wantErr: "dial-in was requested", permanent: true, deleted: "87673375"},
		{name: "dial-in without code", dialIn: true,
			body:    ok + `,"dialIn":{"code":"","phoneNumbers":[{"countryCode":"US","phoneNumber":"212-555-0142"}]}}`,
			wantErr: "dial-in was requested", permanent: true, deleted: "87673375"},
		{name: "no host link", body: `{"meetingId":"1","roomUrl":"https://sub.whereby.com/x","endDate":"2026-12-01T17:00:00Z"}`,
			wantErr: "hostRoomUrl", deleted: "1"},
		{name: "host key in the guest link",
			body:    `{"meetingId":"1","roomUrl":"https://sub.whereby.com/x?roomKey=k","hostRoomUrl":"https://sub.whereby.com/x?roomKey=k","endDate":"2026-12-01T17:00:00Z"}`,
			wantErr: "roomUrl carries a roomKey", permanent: true, deleted: "1"},
		{name: "no meeting id", body: `{"roomUrl":"https://sub.whereby.com/x","endDate":"2026-12-01T17:00:00Z"}`,
			wantErr: "meetingId"},
		{name: "not JSON", body: `<html>`, wantErr: "decode response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, seen := fixed(t, http.StatusCreated, nil, tt.body)
			room, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{DialIn: tt.dialIn}))
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, "87673375", room.ID)
				assert.Equal(t, time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC), room.ExpiresAt)
				if tt.dialIn {
					require.NotNil(t, room.DialIn)
					assert.Equal(t, []booking.PhoneNumber{{E164: "+442079460018", Country: "GB", Tel: "tel:+442079460018,1234567890"}}, room.DialIn.Numbers)
				}
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "whereby: create meeting: ")
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, tt.permanent, booking.IsPermanent(err), "permanent")
			assert.NotContains(t, err.Error(), "867-5309", "no phone numbers in errors")
			if tt.deleted != "" {
				assert.Equal(t, []string{"POST /v1/meetings", "DELETE /v1/meetings/" + tt.deleted}, *seen)
			} else {
				assert.Equal(t, []string{"POST /v1/meetings"}, *seen)
			}
		})
	}
}

func TestDeleteRoom(t *testing.T) {
	c, sb := mustSandbox(t, nil)
	room, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{}))
	require.NoError(t, err)

	require.NoError(t, c.DeleteRoom(context.Background(), room))
	assert.Empty(t, sb.Rooms())
	last := sb.Requests()[len(sb.Requests())-1]
	assert.Equal(t, http.MethodDelete, last.Method)
	assert.Equal(t, sandbox.WherebyAPIPath+"/meetings/"+room.ID, last.Path)
	assert.Equal(t, "Bearer "+apiKey, last.Header.Get("Authorization"))

	require.NoError(t, c.DeleteRoom(context.Background(), room), "204 again")
	require.NoError(t, c.DeleteRoom(context.Background(), booking.Room{ID: "404404"}), "never existed")

	sb.Fail(1, http.StatusNotFound)
	require.NoError(t, c.DeleteRoom(context.Background(), room), "404 means gone")

	err = c.DeleteRoom(context.Background(), booking.Room{})
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err))
}

func TestCheckRoom(t *testing.T) {
	c, sb := mustSandbox(t, nil)
	room, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{}))
	require.NoError(t, err)

	n := len(sb.Requests())
	require.NoError(t, c.CheckRoom(context.Background(), room))
	reqs := sb.Requests()
	require.Len(t, reqs, n+1, "one request")
	assert.Equal(t, http.MethodGet, reqs[n].Method)
	assert.Equal(t, sandbox.WherebyAPIPath+"/meetings/"+room.ID, reqs[n].Path)

	sb.Fail(1, http.StatusServiceUnavailable)
	n = len(sb.Requests())
	require.NoError(t, c.CheckRoom(context.Background(), room), "a passing 5xx: the read is asked again")
	require.Len(t, sb.Requests(), n+2)

	sb.Fail(2, http.StatusServiceUnavailable)
	err = c.CheckRoom(context.Background(), room)
	require.Error(t, err)
	assert.NotErrorIs(t, err, booking.ErrNotFound, "an outage says nothing about the room")
	assert.False(t, booking.IsPermanent(err))

	require.NoError(t, c.DeleteRoom(context.Background(), room))
	err = c.CheckRoom(context.Background(), room)
	assert.ErrorIs(t, err, booking.ErrNotFound)
	assert.Contains(t, err.Error(), room.ID)
}

func TestTaggedRooms(t *testing.T) {
	c, sb := mustSandbox(t, nil)
	ctx := context.Background()
	want := map[string]string{} // id → tag
	var created []booking.Room
	for i := range 230 {
		s := roomSpec(booking.RoomOptions{NamePrefix: "intro-", DialIn: i%7 == 0})
		s.Tag = booking.Tag{Key: booking.KeyOf("generic", fmt.Sprint("bk_", i)), Gen: i%3 + 1, Deployment: booking.DeploymentTag("test")}.String()
		switch {
		case i%25 == 0:
			s.Tag = "rk" + strings.Repeat("1", 13) + "g1" // not a tag: '1' is no key character
		case i%10 == 0:
			s.Tag = "" // untagged
		default:
			want[fmt.Sprint(i)] = s.Tag // replaced by the id below
		}
		room, err := c.CreateRoom(ctx, s)
		require.NoError(t, err)
		if tag, ok := want[fmt.Sprint(i)]; ok {
			delete(want, fmt.Sprint(i))
			want[room.ID] = tag
		}
		created = append(created, room)
	}
	require.NoError(t, c.DeleteRoom(ctx, created[1]))
	delete(want, created[1].ID)
	before := len(sb.Requests())

	rooms, err := c.TaggedRooms(ctx)
	require.NoError(t, err)

	got := map[string]string{}
	for _, r := range rooms {
		got[r.ID] = r.Tag
		assert.Equal(t, "whereby", r.Provider)
		assert.NotEmpty(t, r.GuestURL)
		assert.Contains(t, r.HostURL, r.GuestURL+"?roomKey=", "host links are listed for adoption")
		assert.False(t, r.ExpiresAt.IsZero())
	}
	assert.Equal(t, want, got)

	var withDialIn int
	for _, r := range rooms {
		if r.DialIn != nil {
			withDialIn++
			assert.True(t, strings.HasPrefix(r.DialIn.Numbers[0].Tel, "tel:+1212555"))
		}
	}
	assert.Positive(t, withDialIn, "dial-in is listed")

	pages := sb.Requests()[before:]
	require.Len(t, pages, 3, "229 rooms in pages of 100")
	for i, p := range pages {
		assert.Equal(t, http.MethodGet, p.Method)
		assert.Equal(t, sandbox.WherebyAPIPath+"/meetings", p.Path)
		assert.Equal(t, "100", p.Query.Get("limit"))
		assert.Equal(t, "hostRoomUrl,dialIn", p.Query.Get("fields"))
		if i == 0 {
			assert.NotContains(t, p.Query, "cursor")
		} else {
			assert.NotEmpty(t, p.Query.Get("cursor"), "page %d follows the cursor", i+1)
		}
	}
}

func TestTaggedRoomsResponses(t *testing.T) {
	t.Run("a cursor that does not advance", func(t *testing.T) {
		c, seen := fixed(t, http.StatusOK, nil, `{"results":[],"cursor":"same"}`)
		_, err := c.TaggedRooms(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "whereby: list meetings: the cursor did not advance")
		assert.Len(t, *seen, 2)
	})
	t.Run("a bad dial-in number is left out, the room kept", func(t *testing.T) {
		c, _ := fixed(t, http.StatusOK, nil, `{"cursor":null,"results":[
			{"meetingId":"7","roomName":"/rkabcdefghijklmg2-x","roomUrl":"https://s.whereby.com/rkabcdefghijklmg2-x",
			 "hostRoomUrl":"https://s.whereby.com/rkabcdefghijklmg2-x?roomKey=k","endDate":"2026-12-01T17:00:00Z",
			 "dialIn":{"code":"42","phoneNumbers":[{"countryCode":"US","phoneNumber":"111-867-5309"},{"countryCode":"US","phoneNumber":"212-555-0142"}]}},
			{"meetingId":"8","roomName":"/no-tag","roomUrl":"https://s.whereby.com/no-tag","endDate":"2026-12-01T17:00:00Z"}]}`)
		rooms, err := c.TaggedRooms(context.Background())
		require.NoError(t, err)
		require.Len(t, rooms, 1)
		assert.Equal(t, "rkabcdefghijklmg2", rooms[0].Tag)
		require.NotNil(t, rooms[0].DialIn)
		assert.Equal(t, []booking.PhoneNumber{{E164: "+12125550142", Country: "US", Tel: "tel:+12125550142,42"}}, rooms[0].DialIn.Numbers)
	})
	t.Run("not JSON", func(t *testing.T) {
		c, _ := fixed(t, http.StatusOK, nil, `nope`)
		_, err := c.TaggedRooms(context.Background())
		require.Error(t, err)
		assert.False(t, booking.IsPermanent(err))
	})
}

func TestErrors(t *testing.T) {
	ops := []struct {
		name, prefix string
		do           func(c *whereby.Client) error
	}{
		{"create", "whereby: create meeting: ", func(c *whereby.Client) error {
			_, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{}))
			return err
		}},
		{"delete", "whereby: delete meeting 42: ", func(c *whereby.Client) error {
			return c.DeleteRoom(context.Background(), booking.Room{ID: "42"})
		}},
		{"list", "whereby: list meetings: ", func(c *whereby.Client) error {
			_, err := c.TaggedRooms(context.Background())
			return err
		}},
	}
	faults := []struct {
		name      string
		set       func(*sandbox.Whereby)
		permanent bool
		delay     time.Duration
		msg       string
	}{
		{"429", func(s *sandbox.Whereby) { s.Throttle(1, 3*time.Second) }, false, 3 * time.Second, "429: Rate limit active"},
		{"429 to the millisecond", func(s *sandbox.Whereby) { s.Throttle(1, 1200*time.Millisecond) }, false, 1200 * time.Millisecond, "429"},
		{"500", func(s *sandbox.Whereby) { s.Fail(2, 500) }, false, 0, "whereby answered 500"},
		{"502", func(s *sandbox.Whereby) { s.Fail(2, 502) }, false, 0, "whereby answered 502"},
		{"503", func(s *sandbox.Whereby) { s.Fail(2, 503) }, false, 0, "whereby answered 503"},
		{"401", func(s *sandbox.Whereby) { s.Fail(1, 401) }, true, 0, "whereby rejected the API key (401)"},
		{"403", func(s *sandbox.Whereby) { s.Fail(1, 403) }, true, 0, "whereby rejected the API key (403)"},
		{"400", func(s *sandbox.Whereby) { s.Fail(1, 400) }, true, 0, "whereby answered 400: Bad Request"},
		{"409", func(s *sandbox.Whereby) { s.Fail(1, 409) }, true, 0, "whereby answered 409: Conflict"},
		{"422", func(s *sandbox.Whereby) { s.Fail(1, 422) }, true, 0, "whereby answered 422"},
	}
	for _, f := range faults {
		for _, op := range ops {
			t.Run(f.name+"/"+op.name, func(t *testing.T) {
				c, sb := mustSandbox(t, nil)
				f.set(sb)
				err := op.do(c)
				require.Error(t, err)
				assert.True(t, strings.HasPrefix(err.Error(), op.prefix), "%q lacks the operation %q", err, op.prefix)
				assert.Contains(t, err.Error(), f.msg)
				assert.Equal(t, f.permanent, booking.IsPermanent(err), "IsPermanent")
				assert.Equal(t, f.delay, booking.RetryDelay(err), "RetryDelay")
				assert.NotContains(t, err.Error(), apiKey)
			})
		}
	}

	t.Run("a rejected key from the real check", func(t *testing.T) {
		sb, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://rooms.test"})
		require.NoError(t, err)
		srv := httptest.NewServer(sb)
		defer srv.Close()
		c := whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath})
		_, err = c.TaggedRooms(context.Background())
		require.Error(t, err)
		assert.True(t, booking.IsPermanent(err))
		assert.Equal(t, "whereby: list meetings: whereby rejected the API key (401)", err.Error())
	})
}

func TestThrottleBodies(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		body   string
		want   time.Duration
	}{
		{"Retry-After wins", map[string]string{"Retry-After": "7"}, `{"data":{"msLeft":38689}}`, 7 * time.Second},
		{"msLeft without Retry-After", nil, `{"error":"Rate limit active for throttle key: organization:1","data":{"msLeft":38689}}`, 38689 * time.Millisecond},
		{"unparsable Retry-After falls back to msLeft", map[string]string{"Retry-After": "soon"}, `{"data":{"msLeft":1500}}`, 1500 * time.Millisecond},
		{"nothing says: a minute, the budget's period", nil, ``, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := fixed(t, http.StatusTooManyRequests, tt.header, tt.body)
			_, err := c.TaggedRooms(context.Background())
			require.Error(t, err)
			assert.False(t, booking.IsPermanent(err))
			assert.Equal(t, tt.want, booking.RetryDelay(err))
		})
	}
}

func TestThrottleDateReadsTheClock(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "Sun, 22 Nov 2026 10:01:30 GMT")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	clock := func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }
	c := whereby.New(whereby.Config{APIURL: srv.URL + "/v1", APIKey: apiKey, HTTPClient: srv.Client(), Now: clock, Phone: phone.Normalize})
	_, err := c.TaggedRooms(context.Background())
	require.Error(t, err)
	assert.Equal(t, 90*time.Second, booking.RetryDelay(err), "an HTTP-date Retry-After, measured from Config.Now")
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"error field", `{"error":"\"endDate\" must be now or later"}`, `whereby answered 400: "endDate" must be now or later`},
		{"message field", `{"message":"Validation failed"}`, "whereby answered 400: Validation failed"},
		{"no body", ``, "whereby answered 400 Bad Request"},
		{"html body", `<html>oops</html>`, "whereby answered 400 Bad Request"},
		{"long message truncated", `{"error":"` + strings.Repeat("x", 1000) + `"}`, strings.Repeat("x", 300) + "…"},
		// 1 + 149×2 bytes, then a 300th byte that would fall inside the next "é".
		{"truncated between runes", `{"error":"x` + strings.Repeat("é", 1000) + `"}`, "x" + strings.Repeat("é", 149) + "…"},
		{"addresses redacted", `{"error":"\"guest\" ada@example.com is not allowed"}`, `whereby answered 400: "guest" <address> is not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := fixed(t, http.StatusBadRequest, nil, tt.body)
			_, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{}))
			require.Error(t, err)
			assert.True(t, booking.IsPermanent(err))
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), strings.Repeat("x", 301))
			assert.NotContains(t, err.Error(), "@", "Whereby's message is recorded and logged: no address in it")
			assert.True(t, utf8.ValidString(err.Error()), "%q is cut inside a rune", err)
		})
	}
}

func TestTimeoutIsTemporary(t *testing.T) {
	c, sb := mustSandbox(t, &http.Client{Timeout: 50 * time.Millisecond})
	sb.Delay(time.Minute)
	_, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{}))
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err))
	assert.Zero(t, booking.RetryDelay(err))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.Contains(t, err.Error(), "whereby: create meeting: ")
	assert.NotContains(t, err.Error(), apiKey)
}

func TestUnreachableIsTemporary(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL + "/v1"
	srv.Close() // nothing listens there now
	c := whereby.New(whereby.Config{APIURL: base, APIKey: apiKey})

	err := c.DeleteRoom(context.Background(), booking.Room{ID: "1"})
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err))
	assert.NotContains(t, err.Error(), apiKey)
}

func TestCancelledContext(t *testing.T) {
	c, sb := mustSandbox(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.TaggedRooms(ctx)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled))
	assert.False(t, booking.IsPermanent(err))
	assert.Empty(t, sb.Requests())
}

// TestWithoutPhoneNoRoomWithDialIn is the admin function's client, which links no phone-number
// library: a room with dial-in is refused before any request (the worker makes it), a room
// without is made as usual.
func TestWithoutPhoneNoRoomWithDialIn(t *testing.T) {
	sb, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://rooms.test"})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c := whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath, APIKey: apiKey})

	_, err = c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{DialIn: true}))
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err), "another client can make it: %v", err)
	assert.Empty(t, sb.Rooms(), "no request")

	room, err := c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{}))
	require.NoError(t, err)
	assert.Nil(t, room.DialIn)
	assert.Len(t, sb.Rooms(), 1)
}

// TestNormaliserOutage: while dial-in numbers cannot be normalised (the dialin function
// unreachable), making a room with dial-in fails with a temporary error and keeps the room for
// the reconciler's next run to adopt by its tag, and listing the rooms fails rather than listing
// one without its numbers. A number the numbering plan rejects stays a permanent error.
func TestNormaliserOutage(t *testing.T) {
	sb, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://rooms.test"})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	var down bool
	c := whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath, APIKey: apiKey, Phone: func(ctx context.Context, number, region string) (string, error) {
		if down {
			return "", errors.New("invoke roomkeeper-dialin: 503 Service Unavailable")
		}
		return phone.Normalize(ctx, number, region)
	}})

	down = true
	_, err = c.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{DialIn: true}))
	require.Error(t, err)
	assert.False(t, booking.IsPermanent(err), "retried: %v", err)
	assert.False(t, booking.IsRefused(err), "the room was made: %v", err)
	rooms := sb.Rooms()
	require.Len(t, rooms, 1, "the room is kept for the next run to adopt")
	assert.NotContains(t, err.Error(), rooms[0].DialIn.PhoneNumbers[0].PhoneNumber, "no number in an error")

	_, err = c.TaggedRooms(context.Background())
	require.Error(t, err, "no room is listed without its numbers")
	assert.False(t, booking.IsPermanent(err))

	down = false
	listed, err := c.TaggedRooms(context.Background())
	require.NoError(t, err)
	require.Len(t, listed, 1)
	require.NotNil(t, listed[0].DialIn)
	assert.Len(t, listed[0].DialIn.Numbers, 1)

	invalid := whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath, APIKey: apiKey, Phone: func(context.Context, string, string) (string, error) {
		return "", fmt.Errorf("dialin: not a valid number: %w", booking.ErrInvalidNumber)
	}})
	_, err = invalid.CreateRoom(context.Background(), roomSpec(booking.RoomOptions{DialIn: true}))
	require.Error(t, err)
	assert.True(t, booking.IsPermanent(err), "a rejected number will not change on retry: %v", err)
	assert.Len(t, sb.Rooms(), 1, "and its unusable room is deleted")
}

// TestPhoneIsGivenTheCallsContext: the normaliser gets the context of the call that needs the
// number, so the dialin function's invocation ends with the worker's (shared/aws/dialin).
func TestPhoneIsGivenTheCallsContext(t *testing.T) {
	sb, err := sandbox.NewWhereby(sandbox.WherebyOptions{PublicURL: "http://rooms.test"})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	type call struct{}
	var seen []any
	c := whereby.New(whereby.Config{APIURL: srv.URL + sandbox.WherebyAPIPath, APIKey: apiKey, Phone: func(ctx context.Context, number, region string) (string, error) {
		seen = append(seen, ctx.Value(call{}))
		return phone.Normalize(ctx, number, region)
	}})

	_, err = c.CreateRoom(context.WithValue(t.Context(), call{}, "create"), roomSpec(booking.RoomOptions{DialIn: true}))
	require.NoError(t, err)
	_, err = c.TaggedRooms(context.WithValue(t.Context(), call{}, "list"))
	require.NoError(t, err)
	assert.Equal(t, []any{"create", "list"}, seen)
}
