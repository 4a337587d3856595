// Package whereby implements booking.Provider against the Whereby Embedded REST API v1
// (https://docs.whereby.com/reference/whereby-rest-api-reference; OpenAPI for
// https://api.whereby.dev/v1 in github.com/whereby/docs): POST /meetings to create a transient
// room, GET /meetings/{id} to check that a room still exists, DELETE /meetings/{id} (idempotent),
// and GET /meetings with cursor paging to find the rooms roomkeeper tagged. Dial-in follows the closed-beta docs
// (whereby-product-features/dial-in.md in github.com/whereby/docs):
// numbers are normalised to E.164 and joined to the room code as "tel:+<E.164>,<code>".
//
// Errors follow booking.Provider: a 429 carries the delay Whereby asked for and pauses every call
// (booking.Throttled: Whereby's budget is the organisation's, per minute), a rejected key and
// other 4xx are booking.Permanent refusals, and 5xx, timeouts and network failures are temporary.
package whereby

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

// Name is the provider name in booking.RoomOptions and booking.Room, and in its webhooks
// (wherebyhook.Provider, kept apart so the worker links no webhook parser).
const Name = "whereby"

const (
	maxPrefix = 39 // Whereby's roomNamePrefix maxLength
	pageSize  = 100
	maxPages  = 1000 // 100,000 rooms: a cursor loop beyond this is a provider bug
	// defaultThrottle is the wait when a 429 names none: Whereby's budget is per minute.
	defaultThrottle = time.Minute
)

// Config configures a Client.
type Config struct {
	APIURL     string           // e.g. https://api.whereby.dev/v1
	APIKey     string           // the Bearer token
	HTTPClient *http.Client     // nil means http.DefaultClient; calls time out as rest says
	Now        func() time.Time // nil means time.Now
	// Phone normalises a dial-in number of an ISO 3166 region to E.164: shared/video/phone's
	// Normalize locally, the dialin function through shared/aws/dialin on AWS, so that no other
	// function links the phone-number metadata. It is given the context of the client's call that
	// needs the number, and gives up with it. An error wrapping booking.ErrInvalidNumber rejects
	// the number; any other is temporary and fails the call that needed the number. Nil makes a
	// client that fails to make a room with dial-in and leaves the numbers out of the rooms it
	// lists.
	Phone func(ctx context.Context, number, region string) (string, error)
}

// errNoPhone is the error of a client without Config.Phone asked for dial-in numbers.
var errNoPhone = errors.New("dial-in numbers cannot be normalised by this client (no Phone); the worker makes rooms with dial-in")

// Client is a Whereby REST client implementing booking.Provider. It is safe for concurrent use.
type Client struct {
	api   *rest.Client
	key   string
	phone func(ctx context.Context, number, region string) (string, error)
}

var _ booking.Provider = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) *Client {
	return &Client{key: cfg.APIKey, phone: cfg.Phone, api: rest.New(rest.Client{
		Provider:    "whereby",
		BaseURL:     strings.TrimRight(cfg.APIURL, "/"),
		HTTPClient:  cfg.HTTPClient,
		Now:         cfg.Now,
		Throttle:    defaultThrottle,
		Credentials: "the API key",
		ReadProblem: problem,
	})}
}

// createRequest is the POST /meetings body.
type createRequest struct {
	EndDate         string   `json:"endDate"`
	RoomMode        string   `json:"roomMode"`
	RoomNamePrefix  string   `json:"roomNamePrefix"`
	IsLocked        bool     `json:"isLocked"`
	Fields          []string `json:"fields"`
	IsDialInEnabled bool     `json:"isDialInEnabled,omitempty"`
}

// meeting is Whereby's Meeting object, with only the fields roomkeeper reads.
type meeting struct {
	MeetingID   string    `json:"meetingId"`
	RoomName    string    `json:"roomName"`
	RoomURL     string    `json:"roomUrl"`
	HostRoomURL string    `json:"hostRoomUrl"`
	StartDate   time.Time `json:"startDate"`
	EndDate     time.Time `json:"endDate"`
	DialIn      *dialIn   `json:"dialIn"`
}

type dialIn struct {
	Code         string `json:"code"`
	PhoneNumbers []struct {
		CountryCode string `json:"countryCode"`
		PhoneNumber string `json:"phoneNumber"`
	} `json:"phoneNumbers"`
}

// CreateRoom creates a transient room ending at spec.ExpiresAt whose name starts with
// spec.Options.NamePrefix and spec.Tag. The room has a host link; with spec.Options.DialIn it has
// dial-in, and a response without it is a permanent error (the account lacks the dial-in beta).
// When the created room cannot be used, CreateRoom deletes it before returning the error.
func (c *Client) CreateRoom(ctx context.Context, spec booking.RoomSpec) (booking.Room, error) {
	const op = "whereby: create meeting"
	if spec.Options.DialIn && c.phone == nil {
		return booking.Room{}, fmt.Errorf("%s: %w", op, errNoPhone)
	}
	req, err := createRequestFor(spec)
	if err != nil {
		return booking.Room{}, fmt.Errorf("%s: %w", op, err)
	}
	var m meeting
	if err := c.do(ctx, http.MethodPost, "/meetings", req, &m); err != nil {
		return booking.Room{}, fmt.Errorf("%s: %w", op, err)
	}
	room, err := c.roomOf(ctx, m, spec.Tag, spec.Options.DialIn)
	if err != nil {
		if m.MeetingID != "" && !errors.Is(err, booking.ErrNumberNotNormalised) {
			// Best effort: a room left behind carries the tag, so the reaper finds it. A room
			// whose numbers could not be normalised for now is kept: the reconciler's next run
			// adopts it by its tag.
			_ = c.DeleteRoom(ctx, booking.Room{ID: m.MeetingID})
		}
		return booking.Room{}, fmt.Errorf("%s: %w", op, err)
	}
	return room, nil
}

func createRequestFor(spec booking.RoomSpec) (createRequest, error) {
	var mode string
	switch spec.Options.Size {
	case booking.Small, "":
		mode = "normal" // up to 4 participants, peer to peer
	case booking.Large:
		mode = "group" // up to 200
	default:
		return createRequest{}, booking.Permanent(fmt.Errorf("unknown room size %q", spec.Options.Size))
	}
	prefix, err := namePrefix(spec.Options.NamePrefix, spec.Tag)
	if err != nil {
		return createRequest{}, err
	}
	req := createRequest{
		EndDate:        spec.ExpiresAt.UTC().Format(time.RFC3339),
		RoomMode:       mode,
		RoomNamePrefix: prefix,
		IsLocked:       spec.Options.Locked,
		Fields:         []string{"hostRoomUrl"},
	}
	if spec.Options.DialIn {
		req.Fields = append(req.Fields, "dialIn")
		req.IsDialInEnabled = true
	}
	return req, nil
}

// namePrefix is the room name prefix: the record's own prefix, the tag and a "-" to part it from
// the name Whereby generates, lowercase. A "-" also parts the record's prefix from the tag, which
// booking.ParseTag only finds after a character that cannot be in a key. A prefix is never cut:
// validation keeps it within booking.MaxNamePrefix, which leaves room for the tag of any of a
// record's first 999 rooms; beyond that, or for a prefix that was not validated, the room
// cannot be made and the error says why.
func namePrefix(user, tag string) (string, error) {
	user, tag = strings.ToLower(user), strings.ToLower(tag)
	if user != "" && !strings.HasSuffix(user, "-") {
		user += "-"
	}
	if tag == "" {
		return user, nil
	}
	prefix := user + tag + "-"
	if len(prefix) > maxPrefix {
		return "", booking.Permanent(fmt.Errorf("the room name prefix %q and the tag %s are longer than Whereby's %d characters", user, tag, maxPrefix))
	}
	return prefix, nil
}

// roomOf converts a meeting. With needDialIn, dial-in details must be present and every number
// valid; without it numbers that do not normalise are left out.
func (c *Client) roomOf(ctx context.Context, m meeting, tag string, needDialIn bool) (booking.Room, error) {
	switch {
	case m.MeetingID == "" || m.RoomURL == "" || m.EndDate.IsZero():
		return booking.Room{}, errors.New("response lacks meetingId, roomUrl or endDate")
	case m.HostRoomURL == "":
		return booking.Room{}, errors.New("response lacks hostRoomUrl")
	case strings.Contains(m.RoomURL, "roomKey"):
		// The guest link goes to every guest; it must never carry a host key.
		return booking.Room{}, booking.Permanent(errors.New("roomUrl carries a roomKey"))
	}
	room := booking.Room{
		Provider:  Name,
		ID:        m.MeetingID,
		Name:      m.RoomName,
		Tag:       tag,
		GuestURL:  m.RoomURL,
		HostURL:   m.HostRoomURL,
		ExpiresAt: m.EndDate.UTC(),
		CreatedAt: m.StartDate.UTC(),
	}
	d, err := c.dialInOf(ctx, m.DialIn, needDialIn)
	if err != nil {
		return booking.Room{}, err
	}
	if needDialIn && d == nil {
		return booking.Room{}, booking.Permanent(errors.New(
			"dial-in was requested but Whereby returned none; is the dial-in beta enabled for this account?"))
	}
	room.DialIn = d
	return room, nil
}

// dialInOf converts Whereby's dial-in details: each number to E.164 and a tel: link that dials
// the number, waits for the answer (",") and sends the room code. Nil when there is no usable
// dial-in. With strict, a number the numbering plan rejects is a permanent error; otherwise it is
// left out. A number that could not be normalised for now (the dialin function unreachable) is
// a temporary error either way: a room is never made, nor listed, without one of its numbers.
func (c *Client) dialInOf(ctx context.Context, d *dialIn, strict bool) (*booking.DialIn, error) {
	if d == nil || d.Code == "" {
		return nil, nil
	}
	if c.phone == nil {
		if strict {
			return nil, errNoPhone
		}
		return nil, nil
	}
	out := &booking.DialIn{Code: d.Code}
	code := strings.ReplaceAll(d.Code, "#", "%23") // Whereby's codes are digits; '#' would end the URI
	for i, n := range d.PhoneNumbers {
		e164, err := c.phone(ctx, n.PhoneNumber, n.CountryCode)
		switch {
		case err != nil && !errors.Is(err, booking.ErrInvalidNumber):
			return nil, fmt.Errorf("%w: number %d: %w", booking.ErrNumberNotNormalised, i+1, err)
		case err != nil && strict:
			return nil, booking.Permanent(fmt.Errorf("dial-in number %d: %w", i+1, err))
		case err != nil:
			continue
		}
		out.Numbers = append(out.Numbers, booking.PhoneNumber{
			E164:    e164,
			Country: strings.ToUpper(n.CountryCode),
			Tel:     "tel:" + e164 + "," + code,
		})
	}
	if len(out.Numbers) == 0 {
		return nil, nil
	}
	return out, nil
}

// DeleteRoom deletes the meeting. Whereby answers 204 whether or not it still exists; a 404 also
// means it is gone.
func (c *Client) DeleteRoom(ctx context.Context, room booking.Room) error {
	const op = "whereby: delete meeting"
	if room.ID == "" {
		return fmt.Errorf("%s: %w", op, booking.Permanent(errors.New("room has no id")))
	}
	err := c.do(ctx, http.MethodDelete, "/meetings/"+url.PathEscape(room.ID), nil, nil)
	if rest.IsStatus(err, http.StatusNotFound, 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, room.ID, err)
	}
	return nil
}

// CheckRoom reads the meeting (GET /meetings/{meetingId}). Whereby answers 404 for a meeting
// deleted by anyone, or past endDate + 1 h: an error wrapping booking.ErrNotFound.
func (c *Client) CheckRoom(ctx context.Context, room booking.Room) error {
	const op = "whereby: get meeting"
	if room.ID == "" {
		return fmt.Errorf("%s: %w", op, booking.Permanent(errors.New("room has no id")))
	}
	err := c.do(ctx, http.MethodGet, "/meetings/"+url.PathEscape(room.ID), nil, nil)
	if rest.IsStatus(err, http.StatusNotFound, 0) {
		err = fmt.Errorf("%w: %w", booking.ErrNotFound, err)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, room.ID, err)
	}
	return nil
}

// TaggedRooms lists every active meeting, following the cursor to the end, and returns those
// whose room name carries a roomkeeper tag, with Tag set. Dial-in numbers that do not normalise
// are left out rather than failing the list (phone metadata can lag behind new number ranges);
// a tagged meeting lacking its links fails it.
func (c *Client) TaggedRooms(ctx context.Context) ([]booking.Room, error) {
	const op = "whereby: list meetings"
	var rooms []booking.Room
	cursor := ""
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("%s: more than %d pages", op, maxPages)
		}
		path := "/meetings?limit=" + strconv.Itoa(pageSize) + "&fields=hostRoomUrl,dialIn"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var resp struct {
			Results []meeting `json:"results"`
			Cursor  *string   `json:"cursor"`
		}
		if err := c.do(ctx, http.MethodGet, path, nil, &resp); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		for _, m := range resp.Results {
			tag, ok := booking.ParseTag(m.RoomName)
			if !ok {
				continue
			}
			room, err := c.roomOf(ctx, m, tag.String(), false)
			if err != nil {
				return nil, fmt.Errorf("%s: meeting %s: %w", op, m.MeetingID, err)
			}
			rooms = append(rooms, room)
		}
		if resp.Cursor == nil || *resp.Cursor == "" {
			return rooms, nil
		}
		if *resp.Cursor == cursor {
			return nil, fmt.Errorf("%s: the cursor did not advance", op)
		}
		cursor = *resp.Cursor
	}
}

// do sends a request with a JSON body (when in is not nil) and decodes a 2xx JSON answer into out
// (when not nil). It classifies failures for booking.Provider.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.api.Do(ctx, rest.Request{Method: method, Path: path, Body: in, Token: c.key}, out)
}

// problem reads Whereby's error body, undocumented for most statuses: a message in error or
// message, and after a 429 the milliseconds left until the budget refills in data.msLeft.
func problem(body []byte) rest.Problem {
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
		Data    struct {
			MsLeft int64 `json:"msLeft"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &e)
	return rest.Problem{Message: cmp.Or(e.Error, e.Message), Wait: time.Duration(e.Data.MsLeft) * time.Millisecond}
}
