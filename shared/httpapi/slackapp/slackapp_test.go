package slackapp

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/devkit/slackfake"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

func TestVerify(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	now := time.Unix(1_800_000_000, 0)
	body := []byte("token=x&team_id=T1&text=list")
	// Slack's documented example request, signed as its docs show.
	docBody := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	docHeader := http.Header{}
	docHeader.Set("X-Slack-Request-Timestamp", "1531420618")
	docHeader.Set("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
	tests := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		now    time.Time
		want   error
	}{
		{"good", secret, slackfake.Sign(secret, now, body), body, now, nil},
		{"Slack's own example", secret, docHeader, docBody, time.Unix(1531420618, 0).Add(time.Minute), nil},
		{"tampered", secret, slackfake.Sign(secret, now, body), append([]byte("x"), body...), now, ErrSignature},
		{"stale", secret, slackfake.Sign(secret, now.Add(-5*time.Minute-time.Second), body), body, now, ErrStale},
		{"ahead", secret, slackfake.Sign(secret, now.Add(5*time.Minute+time.Second), body), body, now, ErrStale},
		{"just within", secret, slackfake.Sign(secret, now.Add(-5*time.Minute), body), body, now, nil},
		{"wrong secret", "another", slackfake.Sign(secret, now, body), body, now, ErrSignature},
		{"no signature", secret, http.Header{}, body, now, ErrNoSignature},
		{"not v0", secret, http.Header{"X-Slack-Request-Timestamp": {"1800000000"}, "X-Slack-Signature": {"v1=00"}}, body, now, ErrNoSignature},
		{"not hex", secret, http.Header{"X-Slack-Request-Timestamp": {"1800000000"}, "X-Slack-Signature": {"v0=zz"}}, body, now, ErrSignature},
		{"bad timestamp", secret, http.Header{"X-Slack-Request-Timestamp": {"soon"}, "X-Slack-Signature": {"v0=00"}}, body, now, ErrNoSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Verify(tt.secret, tt.header, tt.body, tt.now, Tolerance)
			assert.ErrorIs(t, got, tt.want)
			if tt.want == nil {
				assert.NoError(t, got)
			}
		})
	}
}

func TestParseCreate(t *testing.T) {
	tests := []struct {
		args  string
		want  operator.NewRoom
		field string
	}{
		{"2-200 standup +1h", operator.NewRoom{Size: "large", NamePrefix: "standup", EndDate: "+1h"}, ""},
		{"+90m 2–4 locked dial-in", operator.NewRoom{Size: "small", EndDate: "+90m", Locked: true, DialIn: true}, ""},
		{"small 2026-12-24T18:00:00Z", operator.NewRoom{Size: "small", EndDate: "2026-12-24T18:00:00Z"}, ""},
		{"2-4 standup", operator.NewRoom{}, "endDate"},
		{"a b +1h", operator.NewRoom{}, "namePrefix"},
		{"+1h +2h", operator.NewRoom{}, "endDate"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got, err := parseCreate(tt.args)
			if tt.field != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
