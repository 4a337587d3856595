// Package zoom implements booking.Provider against the Zoom Meeting API v2 (Zoom Meeting API
// 2.0.0, https://developers.zoom.us/docs/api/meetings/), authenticated as a Server-to-Server
// OAuth app (https://developers.zoom.us/docs/internal-apps/s2s-oauth/; JWT apps were switched off
// in September 2023). A room is a scheduled meeting (type 2) of one Zoom user: POST
// /users/{userId}/meetings creates it, GET /meetings/{id} reads it (to check it still exists),
// PATCH /meetings/{id} moves it keeping its links, DELETE /meetings/{id} removes it, and GET
// /users/{userId}/meetings lists the meetings roomkeeper tagged.
//
// Zoom has no room-name prefix, so the roomkeeper tag goes at the end of the meeting's topic,
// "Intro call (rk…g1)": the list API and the webhooks both carry the topic.
//
// Links: guests get join_url. The host's start_url logs its holder in as the host and expires
// after two hours, so it is never stored or mailed: a Zoom room records no HostURL, and the
// organizer's link, roomkeeper's own GET /j/{token}, fetches a fresh start_url when clicked
// (HostLink). Dial-in
// numbers are normalised to E.164 and joined to the meeting id and the numeric passcode in Zoom's
// one-tap form, "tel:+<E.164>,,<id>%23,,,,*<passcode>%23".
//
// Errors follow booking.Provider: a 429 carries Zoom's delay and pauses every call
// (booking.Throttled), except the cap of meetings created or updated per host per day, which
// pauses only the calls that make or move meetings, until 00:00 UTC (booking.PauseCreate);
// rejected credentials and other 4xx are booking.Permanent; 5xx, timeouts and network failures
// are temporary.
package zoom

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/accesstoken"
	"github.com/roomkeeper/roomkeeper/shared/video/rest"
)

// Name is the provider name in booking.RoomOptions and booking.Room, and in its webhooks
// (zoomhook.Provider, kept apart so the worker links no webhook parser).
const Name = "zoom"

// Zoom's endpoints.
const (
	DefaultAPIURL   = "https://api.zoom.us/v2"
	DefaultOAuthURL = "https://zoom.us/oauth/token"
)

const (
	pageSize       = 300 // Zoom's maximum page_size
	maxPages       = 1000
	maxTopic       = 200 // Zoom's topic limit
	passcodeDigits = 8   // numeric, so a phone keypad can enter it; Zoom allows up to 10
	maxDialIn      = 5   // numbers listed in an invite; Zoom may return dozens
)

// Config configures a Client. AccountID, ClientID and ClientSecret are required.
type Config struct {
	AccountID    string // ZOOM_ACCOUNT_ID
	ClientID     string // ZOOM_CLIENT_ID
	ClientSecret string // ZOOM_CLIENT_SECRET
	UserID       string // ZOOM_USER_ID: the Zoom user who hosts the meetings; empty means "me"
	APIURL       string // ZOOM_API_URL; empty means DefaultAPIURL
	OAuthURL     string // ZOOM_OAUTH_URL; empty means DefaultOAuthURL

	// AlternativeHosts makes the organizer an alternative host of each meeting. Zoom accepts
	// only users of the same account with a licence, so a meeting Zoom refuses this way is
	// created again without; the organizer still hosts through the host link.
	AlternativeHosts bool
	// DialInCountries, ISO 3166 alpha-2, ask Zoom for dial-in numbers of these countries; empty
	// leaves the account's default.
	DialInCountries []string

	HTTPClient *http.Client     // nil means http.DefaultClient; calls time out as rest says
	Now        func() time.Time // nil means time.Now
	// Passcode returns a meeting passcode; nil means 8 random digits.
	Passcode func() string
	// Phone normalises a dial-in number of an ISO 3166 region to E.164: shared/video/phone's
	// Normalize locally, the dialin function through shared/aws/dialin on AWS, so that no other
	// function links the phone-number metadata. It is given the context of the client's call that
	// needs the number, and gives up with it. An error wrapping booking.ErrInvalidNumber rejects
	// the number; any other is temporary and fails the call that needed the number. Nil makes a
	// client that leaves dial-in numbers out, so a room asked for with dial-in fails.
	Phone func(ctx context.Context, number, region string) (string, error)
}

// errNoPhone is the error of a client without Config.Phone asked for dial-in numbers.
var errNoPhone = errors.New("dial-in numbers cannot be normalised by this client (no Phone); the worker makes rooms with dial-in")

// Client is a Zoom client implementing booking.Provider, the in-place update the reconciler uses
// (UpdateRoom) and the fresh host link roomkeeper's links redirect to (HostLink). It
// holds one access token for the process and is safe for concurrent use.
type Client struct {
	api      *rest.Client
	user     string
	altHosts bool
	dialIn   []string
	passcode func() string
	phone    func(ctx context.Context, number, region string) (string, error)
	tokens   *accesstoken.Cache
}

var _ booking.Provider = (*Client)(nil)

// countryPattern is an ISO 3166 alpha-2 code, as ZOOM_DIAL_IN_COUNTRIES lists them.
var countryPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]{2}$`) })

// Check reports what cfg lacks or has wrong, but for the client secret and the host link, which
// New checks: in AWS the secret is read on first use, long after the configuration is checked at
// start. Errors name the environment variables.
func (cfg Config) Check() error {
	var errs []string
	var missing []string
	for _, f := range []struct{ name, v string }{{"ZOOM_ACCOUNT_ID", cfg.AccountID}, {"ZOOM_CLIENT_ID", cfg.ClientID}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		errs = append(errs, "Zoom is half configured: set "+strings.Join(missing, ", "))
	}
	for _, cc := range cfg.DialInCountries {
		if !countryPattern().MatchString(cc) {
			errs = append(errs, fmt.Sprintf("ZOOM_DIAL_IN_COUNTRIES: want ISO 3166 alpha-2 codes such as US,NO, got %q", cc))
		}
	}
	if len(errs) > 0 {
		return errors.New("zoom: " + strings.Join(errs, "; "))
	}
	return nil
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	err := cfg.Check()
	if cfg.ClientSecret == "" {
		err = errors.Join(err, errors.New("zoom: ZOOM_CLIENT_SECRET not set"))
	}
	if err != nil {
		return nil, err
	}
	c := &Client{
		user:     cmp.Or(cfg.UserID, "me"),
		altHosts: cfg.AlternativeHosts,
		dialIn:   cfg.DialInCountries,
		passcode: cfg.Passcode,
		phone:    cfg.Phone,
		api: rest.New(rest.Client{
			Provider:    Name,
			BaseURL:     strings.TrimRight(cmp.Or(cfg.APIURL, DefaultAPIURL), "/"),
			HTTPClient:  cfg.HTTPClient,
			Now:         cfg.Now,
			Throttle:    defaultThrottle,
			ReadProblem: problem,
			Refine:      dailyCap,
		}),
	}
	if c.passcode == nil {
		c.passcode = randomPasscode
	}
	// One Server-to-Server OAuth access token for the process
	// (developers.zoom.us/docs/internal-apps/s2s-oauth): grant_type=account_credentials with the
	// account id, the client id and secret as HTTP Basic auth. There is no refresh token: a new
	// token is requested before the old one expires, or after Zoom refuses it. A 400
	// (invalid_client, invalid_request), 401 or 403 means the account id, client id or secret is
	// wrong, or the app is deactivated.
	oauth := &accesstoken.Endpoint{
		Name: Name, Credentials: "the Server-to-Server OAuth credentials",
		Check: "ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET", Throttle: defaultThrottle,
		URL: cmp.Or(cfg.OAuthURL, DefaultOAuthURL), ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Params:     url.Values{"grant_type": {"account_credentials"}, "account_id": {cfg.AccountID}},
		HTTPClient: c.api.HTTPClient, Now: c.api.Now,
	}
	c.tokens = &accesstoken.Cache{Fetch: oauth.Fetch, Now: c.api.Now, Margin: refreshMargin}
	return c, nil
}

// meetingRequest is the body of POST /users/{userId}/meetings and PATCH /meetings/{id}.
type meetingRequest struct {
	Topic     string    `json:"topic"`
	Type      int       `json:"type,omitempty"`
	StartTime string    `json:"start_time"`
	Duration  int       `json:"duration"`
	Timezone  string    `json:"timezone"`
	Password  string    `json:"password,omitempty"`
	Settings  *settings `json:"settings,omitempty"`
}

type settings struct {
	WaitingRoom                       bool     `json:"waiting_room"`
	JoinBeforeHost                    bool     `json:"join_before_host"`
	Audio                             string   `json:"audio,omitempty"`
	GlobalDialInCountries             []string `json:"global_dial_in_countries,omitempty"`
	AlternativeHosts                  string   `json:"alternative_hosts,omitempty"`
	AlternativeHostsEmailNotification bool     `json:"alternative_hosts_email_notification"`
	EmailNotification                 bool     `json:"email_notification"`
	ApprovalType                      int      `json:"approval_type"`
}

// meeting is Zoom's meeting object with the fields roomkeeper reads. start_url is left out on
// purpose: only HostLink reads it, and it is never kept.
type meeting struct {
	ID           int64  `json:"id"`
	UUID         string `json:"uuid"`
	Topic        string `json:"topic"`
	StartTime    string `json:"start_time"`
	Duration     int    `json:"duration"`
	Timezone     string `json:"timezone"`
	CreatedAt    string `json:"created_at"`
	JoinURL      string `json:"join_url"`
	Password     string `json:"password"`
	H323Password string `json:"h323_password"`
	PSTNPassword string `json:"pstn_password"`
	Settings     struct {
		GlobalDialInNumbers []struct {
			Country string `json:"country"`
			Number  string `json:"number"`
		} `json:"global_dial_in_numbers"`
	} `json:"settings"`
}

// Topic is the meeting topic for a booking title and a room tag: the title, shortened to fit
// Zoom's 200 characters, then the tag in brackets. Without a tag it is the title.
func Topic(title, tag string) string {
	title = strings.Join(strings.Fields(title), " ")
	if title == "" {
		title = "Meeting"
	}
	if tag == "" {
		return truncateRunes(title, maxTopic)
	}
	suffix := " (" + tag + ")"
	return truncateRunes(title, maxTopic-len(suffix)) + suffix
}

func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	limit, cut := n-len("…"), 0
	for i := range s { // i is where each rune starts
		if i > limit {
			break
		}
		cut = i
	}
	return s[:cut] + "…"
}

// schedule fills the fields of a meeting request that follow the booking's times and title.
func schedule(spec booking.RoomSpec) (meetingRequest, error) {
	if spec.Start.IsZero() || !spec.End.After(spec.Start) {
		return meetingRequest{}, booking.Permanent(errors.New("the meeting needs a start before its end"))
	}
	minutes := int((spec.End.Sub(spec.Start) + time.Minute - 1) / time.Minute)
	return meetingRequest{
		Topic: Topic(spec.Title, spec.Tag),
		// UTC with "Z": Zoom reads a time without it in the meeting's (or account's) zone.
		StartTime: spec.Start.UTC().Format("2006-01-02T15:04:05Z"),
		Duration:  minutes,
		Timezone:  cmp.Or(spec.TimeZone, "UTC"),
	}, nil
}

// CreateRoom creates a scheduled meeting for spec, hosted by the configured user. The room has a
// numeric passcode; with spec.Options.Locked a waiting room, otherwise guests may join before
// the host; with spec.Options.DialIn telephone audio and dial-in numbers, and a meeting without
// numbers is a permanent error (the account lacks audio conferencing). Size and name prefix have
// no Zoom equivalent and are ignored. A created meeting that cannot be used is deleted again.
func (c *Client) CreateRoom(ctx context.Context, spec booking.RoomSpec) (booking.Room, error) {
	const op = "zoom: create meeting"
	if spec.Options.DialIn && c.phone == nil {
		return booking.Room{}, fmt.Errorf("%s: %w", op, errNoPhone)
	}
	req, err := schedule(spec)
	if err != nil {
		return booking.Room{}, fmt.Errorf("%s: %w", op, err)
	}
	req.Type = 2 // scheduled
	req.Password = c.passcode()
	o := spec.Options
	req.Settings = &settings{
		WaitingRoom:    o.Locked,
		JoinBeforeHost: !o.Locked,
		ApprovalType:   2, // no registration
		// roomkeeper sends the invitations; Zoom's own e-mails would be duplicates.
		AlternativeHostsEmailNotification: false,
		EmailNotification:                 false,
	}
	if o.DialIn {
		req.Settings.Audio = "both"
		req.Settings.GlobalDialInCountries = c.dialIn
	}
	path := "/users/" + url.PathEscape(c.user) + "/meetings"
	var m meeting
	if c.altHosts && spec.Host.Email != "" {
		req.Settings.AlternativeHosts = spec.Host.Email
		err = c.do(ctx, http.MethodPost, path, req, &m)
		if rest.IsStatus(err, http.StatusBadRequest, 0) {
			// Best effort: the organizer is not a licensed user of this account, or the account
			// does not allow alternative hosts. The host link works without.
			req.Settings.AlternativeHosts = ""
			err = c.do(ctx, http.MethodPost, path, req, &m)
		}
	} else {
		err = c.do(ctx, http.MethodPost, path, req, &m)
	}
	if err != nil {
		return booking.Room{}, fmt.Errorf("%s: %w", op, err)
	}
	room, err := c.roomOf(ctx, m, spec.Tag, o.DialIn)
	if err != nil {
		if m.ID != 0 && !errors.Is(err, booking.ErrNumberNotNormalised) {
			// Best effort: a meeting left behind carries the tag, so the reaper finds it. A
			// meeting whose numbers could not be normalised for now is kept: the reconciler's
			// next run adopts it by its tag.
			_ = c.DeleteRoom(ctx, booking.Room{ID: strconv.FormatInt(m.ID, 10)})
		}
		return booking.Room{}, fmt.Errorf("%s: %w", op, err)
	}
	room.ExpiresAt = spec.ExpiresAt.UTC()
	return room, nil
}

// UpdateRoom moves the meeting to spec's start, length, time zone and title, keeping its id,
// links, passcode and dial-in (PATCH /meetings/{id}). It reads the meeting first and sends the
// change only when something differs, as every update counts against the host's daily cap. A
// meeting Zoom no longer has is an error wrapping booking.ErrNotFound.
func (c *Client) UpdateRoom(ctx context.Context, room booking.Room, spec booking.RoomSpec) (booking.Room, error) {
	const op = "zoom: update meeting"
	id, err := meetingID(room)
	if err != nil {
		return booking.Room{}, fmt.Errorf("%s: %w", op, err)
	}
	spec.Tag = room.Tag
	want, err := schedule(spec)
	if err != nil {
		return booking.Room{}, fmt.Errorf("%s %s: %w", op, id, err)
	}
	var got meeting
	if err := c.do(ctx, http.MethodGet, "/meetings/"+id, nil, &got); err != nil {
		return booking.Room{}, fmt.Errorf("%s %s: %w", op, id, gone(err))
	}
	if !sameSchedule(got, want) {
		if err := c.do(ctx, http.MethodPatch, "/meetings/"+id, want, nil); err != nil {
			return booking.Room{}, fmt.Errorf("%s %s: %w", op, id, gone(err))
		}
	}
	room.Name = want.Topic
	room.ExpiresAt = spec.ExpiresAt.UTC()
	return room, nil
}

func sameSchedule(m meeting, want meetingRequest) bool {
	start, err := time.Parse(time.RFC3339, m.StartTime)
	return err == nil && m.Topic == want.Topic && m.Duration == want.Duration && m.Timezone == want.Timezone &&
		start.UTC().Format("2006-01-02T15:04:05Z") == want.StartTime
}

// gone wraps booking.ErrNotFound around a 404 (code 3001: not found or expired).
func gone(err error) error {
	if rest.IsStatus(err, http.StatusNotFound, 0) {
		return fmt.Errorf("%w: %w", booking.ErrNotFound, err)
	}
	return err
}

// CheckRoom reads the meeting (GET /meetings/{meetingId}). A meeting Zoom no longer has (404,
// code 3001: deleted, or expired) is an error wrapping booking.ErrNotFound.
func (c *Client) CheckRoom(ctx context.Context, room booking.Room) error {
	const op = "zoom: get meeting"
	id, err := meetingID(room)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := c.do(ctx, http.MethodGet, "/meetings/"+id, nil, nil); err != nil {
		return fmt.Errorf("%s %s: %w", op, id, gone(err))
	}
	return nil
}

// DeleteRoom deletes the meeting without Zoom's own cancellation e-mails. A meeting that is gone
// (404, code 3001) or has ended (400, code 3007: nothing left to delete) is not an error; one in
// progress (400, code 3002) is a temporary error to try again later.
func (c *Client) DeleteRoom(ctx context.Context, room booking.Room) error {
	const op = "zoom: delete meeting"
	id, err := meetingID(room)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	err = c.do(ctx, http.MethodDelete, "/meetings/"+id+"?schedule_for_reminder=false&cancel_meeting_reminder=false", nil, nil)
	switch {
	case err == nil, rest.IsStatus(err, http.StatusNotFound, 0), rest.IsStatus(err, http.StatusBadRequest, codeEnded):
		return nil
	case rest.IsStatus(err, http.StatusBadRequest, codeInProgress):
		var e *rest.Error
		errors.As(err, &e)
		return fmt.Errorf("%s %s: %w", op, id, booking.RetryAfter(e, inProgressWait))
	}
	return fmt.Errorf("%s %s: %w", op, id, err)
}

// TaggedRooms lists the host's scheduled meetings (upcoming, live, and past ones not yet expired)
// whose topic carries a roomkeeper tag, following next_page_token to the end, and reads each
// tagged meeting for its passcode and dial-in numbers. A meeting deleted meanwhile is left out.
// ExpiresAt is zero: Zoom meetings have no end date.
func (c *Client) TaggedRooms(ctx context.Context) ([]booking.Room, error) {
	const op = "zoom: list meetings"
	var rooms []booking.Room
	next := ""
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("%s: more than %d pages", op, maxPages)
		}
		path := "/users/" + url.PathEscape(c.user) + "/meetings?type=scheduled&page_size=" + strconv.Itoa(pageSize)
		if next != "" {
			path += "&next_page_token=" + url.QueryEscape(next)
		}
		var resp struct {
			NextPageToken string    `json:"next_page_token"`
			Meetings      []meeting `json:"meetings"`
		}
		if err := c.do(ctx, http.MethodGet, path, nil, &resp); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		for _, listed := range resp.Meetings {
			tag, ok := booking.ParseTag(listed.Topic)
			if !ok {
				continue
			}
			var m meeting
			err := c.do(ctx, http.MethodGet, "/meetings/"+strconv.FormatInt(listed.ID, 10), nil, &m)
			if rest.IsStatus(err, http.StatusNotFound, 0) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: meeting %d: %w", op, listed.ID, err)
			}
			room, err := c.roomOf(ctx, m, tag.String(), false)
			if err != nil {
				return nil, fmt.Errorf("%s: meeting %d: %w", op, listed.ID, err)
			}
			rooms = append(rooms, room)
		}
		if resp.NextPageToken == "" {
			return rooms, nil
		}
		if resp.NextPageToken == next {
			return nil, fmt.Errorf("%s: the page token did not advance", op)
		}
		next = resp.NextPageToken
	}
}

// HostLink returns a fresh start_url for the room's meeting (GET /meetings/{id}): the link that
// starts the meeting as its host, valid for two hours. Callers redirect to it and never store or
// log it. A meeting Zoom no longer has is an error wrapping booking.ErrNotFound.
func (c *Client) HostLink(ctx context.Context, room booking.Room) (string, error) {
	const op = "zoom: get start_url"
	id, err := meetingID(room)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	var m struct {
		StartURL string `json:"start_url"`
	}
	if err := c.do(ctx, http.MethodGet, "/meetings/"+id, nil, &m); err != nil {
		return "", fmt.Errorf("%s of meeting %s: %w", op, id, gone(err))
	}
	if m.StartURL == "" {
		return "", fmt.Errorf("%s of meeting %s: the answer has none", op, id)
	}
	return m.StartURL, nil
}

// meetingID checks that a room's id is a Zoom meeting number (an int64) and returns it.
func meetingID(room booking.Room) (string, error) {
	n, err := strconv.ParseInt(room.ID, 10, 64)
	if err != nil || n <= 0 {
		return "", booking.Permanent(fmt.Errorf("room id %q is not a Zoom meeting id", room.ID))
	}
	return room.ID, nil
}

// roomOf converts a meeting. With needDialIn, dial-in numbers must be present; numbers the
// numbering plan rejects are left out.
func (c *Client) roomOf(ctx context.Context, m meeting, tag string, needDialIn bool) (booking.Room, error) {
	switch {
	case m.ID <= 0 || m.JoinURL == "":
		return booking.Room{}, errors.New("the answer lacks the meeting id or join_url")
	case strings.Contains(m.JoinURL, "zak="):
		// The guest link goes to every guest; it must never carry a host's key.
		return booking.Room{}, booking.Permanent(errors.New("join_url carries a host key (zak)"))
	}
	id := strconv.FormatInt(m.ID, 10)
	room := booking.Room{
		Provider: Name,
		ID:       id,
		Name:     m.Topic,
		Tag:      tag,
		GuestURL: m.JoinURL, // HostURL stays empty: the start_url is fetched at click time
	}
	if t, err := time.Parse(time.RFC3339, m.CreatedAt); err == nil {
		room.CreatedAt = t.UTC()
	}
	d, err := dialInOf(ctx, m, id, c.phone)
	if err != nil {
		return booking.Room{}, err
	}
	room.DialIn = d
	if needDialIn && c.phone == nil {
		return booking.Room{}, errNoPhone
	}
	if needDialIn && room.DialIn == nil {
		return booking.Room{}, booking.Permanent(errors.New(
			"dial-in was requested but Zoom returned no dial-in numbers; does the account have audio conferencing?"))
	}
	return room, nil
}

// dialInOf builds the dial-in details: each number in E.164 with Zoom's one-tap dial string
// (number, pause, meeting id and #, longer pause, * passcode #), and as the code to dial by hand
// the meeting id and, apart, the passcode. Nil when Zoom gave no usable number. A number the
// numbering plan rejects is left out; one that could not be normalised for now is a temporary
// error: a room is never made, nor listed, without one of its numbers.
func dialInOf(ctx context.Context, m meeting, id string, normalize func(ctx context.Context, number, region string) (string, error)) (*booking.DialIn, error) {
	if normalize == nil {
		return nil, nil
	}
	pass := numericPasscode(m)
	d := &booking.DialIn{Code: id + "#"}
	tail := ",," + id + "%23"
	if pass != "" {
		d.Passcode = pass + "#"
		tail += ",,,,*" + pass + "%23"
	}
	for _, n := range m.Settings.GlobalDialInNumbers {
		if len(d.Numbers) == maxDialIn {
			break
		}
		e164, err := normalize(ctx, n.Number, n.Country)
		if errors.Is(err, booking.ErrInvalidNumber) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: number %d: %w", booking.ErrNumberNotNormalised, len(d.Numbers)+1, err)
		}
		d.Numbers = append(d.Numbers, booking.PhoneNumber{
			E164:    e164,
			Country: strings.ToUpper(n.Country),
			Tel:     "tel:" + e164 + tail,
		})
	}
	if len(d.Numbers) == 0 {
		return nil, nil
	}
	return d, nil
}

// numericPasscode is the passcode a phone caller enters: Zoom's numeric forms first (a passcode
// with letters has a separate numeric one for phones), then the passcode itself if all digits.
func numericPasscode(m meeting) string {
	for _, p := range []string{m.PSTNPassword, m.H323Password, m.Password} {
		if p != "" && allDigits(p) {
			return p
		}
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// randomPasscode returns passcodeDigits random digits.
func randomPasscode() string {
	var sb strings.Builder
	for range passcodeDigits {
		d, _ := rand.Int(rand.Reader, big.NewInt(10)) // crypto/rand's reader does not fail
		sb.WriteByte(byte('0' + d.Int64()))
	}
	return sb.String()
}
