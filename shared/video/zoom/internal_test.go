package zoom

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
)

func TestDialString(t *testing.T) {
	tests := []struct {
		name     string
		m        fixture
		wantTel  []string
		wantCode string
		wantPass string
	}{
		{
			name: "numeric passcode",
			m: fixture{Password: "12345678", numbers: []number{
				{"US", "+1 212 555 0142"}, {"NO", "+47 21 55 01 42"},
			}},
			wantTel:  []string{"tel:+12125550142,,85746302158%23,,,,*12345678%23", "tel:+4721550142,,85746302158%23,,,,*12345678%23"},
			wantCode: "85746302158#", wantPass: "12345678#",
		},
		{
			name:     "passcode with letters: the numeric one for phones",
			m:        fixture{Password: "aB3xY9", H323Password: "902147", numbers: []number{{"US", "+1 212 555 0142"}}},
			wantTel:  []string{"tel:+12125550142,,85746302158%23,,,,*902147%23"},
			wantCode: "85746302158#", wantPass: "902147#",
		},
		{
			name:     "pstn_password first",
			m:        fixture{Password: "1111", H323Password: "2222", PSTNPassword: "3333", numbers: []number{{"US", "+1 212 555 0142"}}},
			wantTel:  []string{"tel:+12125550142,,85746302158%23,,,,*3333%23"},
			wantCode: "85746302158#", wantPass: "3333#",
		},
		{
			name:     "no passcode",
			m:        fixture{numbers: []number{{"US", "+1 212 555 0142"}}},
			wantTel:  []string{"tel:+12125550142,,85746302158%23"},
			wantCode: "85746302158#",
		},
		{
			name:     "national number read in its country; invalid ones left out",
			m:        fixture{Password: "1234", numbers: []number{{"us", "(212) 555-0142"}, {"US", "+1 000"}}},
			wantTel:  []string{"tel:+12125550142,,85746302158%23,,,,*1234%23"},
			wantCode: "85746302158#", wantPass: "1234#",
		},
		{name: "no numbers: no dial-in", m: fixture{Password: "1234"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m.build()
			d, err := dialInOf(t.Context(), m, "85746302158", phone.Normalize)
			require.NoError(t, err)
			if tt.wantTel == nil {
				assert.Nil(t, d)
				return
			}
			var tels []string
			for _, n := range d.Numbers {
				tels = append(tels, n.Tel)
				assert.NotContains(t, n.Tel, "#", "'#' is written %23 in a tel: URI")
				assert.True(t, strings.HasPrefix(n.Tel, "tel:"+n.E164))
			}
			assert.Equal(t, tt.wantTel, tels)
			assert.Equal(t, tt.wantCode, d.Code, "the code to dial by hand")
			assert.Equal(t, tt.wantPass, d.Passcode, "and the passcode")
		})
	}
}

func TestDialInIsCapped(t *testing.T) {
	f := fixture{Password: "1"}
	for range 12 {
		f.numbers = append(f.numbers, number{"US", "+1 212 555 0142"})
	}
	d, err := dialInOf(t.Context(), f.build(), "1", phone.Normalize)
	require.NoError(t, err)
	assert.Len(t, d.Numbers, maxDialIn)
}

// TestDialInFailsWhileANumberCannotBeNormalised: a normaliser that cannot answer for now (the
// dialin function unreachable) fails the conversion with a temporary error naming no number,
// rather than leaving the number out of the room's invitations.
func TestDialInFailsWhileANumberCannotBeNormalised(t *testing.T) {
	f := fixture{Password: "1", numbers: []number{{"US", "+1 212 555 0142"}, {"GB", "+44 20 7946 0018"}}}
	calls := 0
	d, err := dialInOf(t.Context(), f.build(), "1", func(ctx context.Context, number, region string) (string, error) {
		if calls++; calls == 2 {
			return "", errors.New("invoke dialin: 503 Service Unavailable")
		}
		return phone.Normalize(ctx, number, region)
	})
	require.Error(t, err)
	assert.Nil(t, d)
	assert.ErrorIs(t, err, booking.ErrNumberNotNormalised)
	assert.False(t, booking.IsPermanent(err), "retried later")
	assert.NotContains(t, err.Error(), "7946", "no number in an error")
}

func TestTopic(t *testing.T) {
	tag := "rkabcdefghijklmg12"
	assert.Equal(t, "Intro call (rkabcdefghijklmg12)", Topic("  Intro\tcall ", tag))
	assert.Equal(t, "Meeting (rkabcdefghijklmg12)", Topic("", tag))
	assert.Equal(t, "Intro call", Topic("Intro call", ""))
	long := Topic(strings.Repeat("é", 300), tag)
	assert.LessOrEqual(t, len(long), maxTopic, "Zoom's topic limit")
	assert.True(t, strings.HasSuffix(long, "… ("+tag+")"), "the tag survives shortening: %q", long)
	assert.True(t, strings.ToValidUTF8(long, "?") == long, "cut on a rune boundary")
}

// fixture is a meeting's passcodes and dial-in numbers, to keep the table above readable.
type fixture struct {
	Password, H323Password, PSTNPassword string
	numbers                              []number
}

type number struct{ country, number string }

func (f fixture) build() meeting {
	m := meeting{Password: f.Password, H323Password: f.H323Password, PSTNPassword: f.PSTNPassword}
	for _, n := range f.numbers {
		m.Settings.GlobalDialInNumbers = append(m.Settings.GlobalDialInNumbers, struct {
			Country string `json:"country"`
			Number  string `json:"number"`
		}{n.country, n.number})
	}
	return m
}
