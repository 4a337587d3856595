package phone_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, number, region string
		want                 string // empty: an error is expected
	}{
		{name: "US national with dashes", number: "212-555-0142", region: "US", want: "+12125550142"},
		{name: "US national with parentheses", number: "(212) 555-0142", region: "US", want: "+12125550142"},
		{name: "lowercase region", number: "212 555 0142", region: "us", want: "+12125550142"},
		{name: "US with trunk prefix 1", number: "1-212-555-0142", region: "US", want: "+12125550142"},
		{name: "toll free", number: "(800) 555-0100", region: "US", want: "+18005550100"},
		{name: "GB national with trunk 0", number: "020 7946 0018", region: "GB", want: "+442079460018"},
		{name: "NO national", number: "22 00 00 00", region: "NO", want: "+4722000000"},
		{name: "international ignores region", number: "+47 22 00 00 00", region: "US", want: "+4722000000"},
		{name: "international without region", number: "+1 212 555 0142", region: "", want: "+12125550142"},
		{name: "already E.164", number: "+12125550142", region: "", want: "+12125550142"},
		{name: "surrounding space", number: "  212-555-0142 ", region: " US ", want: "+12125550142"},

		{name: "empty", number: "", region: "US"},
		{name: "blank", number: "   ", region: "US"},
		{name: "letters", number: "call me", region: "US"},
		{name: "too short", number: "12", region: "US"},
		{name: "too long", number: "+1 212 555 0142 0142 0142", region: ""},
		{name: "invalid US area code (Whereby docs example)", number: "111-867-5309", region: "US"},
		{name: "national without region", number: "212-555-0142", region: ""},
		{name: "unknown region", number: "212-555-0142", region: "ZZ"},
		{name: "not a region", number: "212-555-0142", region: "USA"},
		{name: "unknown country calling code", number: "+999 1234 5678", region: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := phone.Normalize(t.Context(), tt.number, tt.region)
			if tt.want == "" {
				require.ErrorIs(t, err, booking.ErrInvalidNumber)
				var invalid *booking.InvalidNumberError
				require.ErrorAs(t, err, &invalid, "the reason apart, for the dialin function's answer")
				assert.Equal(t, invalid.Reason+": invalid phone number", err.Error())
				assert.Empty(t, got)
				if len(tt.number) >= 4 {
					assert.NotContains(t, err.Error(), tt.number, "errors must not carry the number")
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+12125550142", "+1 212-555-0142"},
		{"+442079460018", "+44 20 7946 0018"},
		{"+4722000000", "+47 22 00 00 00"},
		{"2125550142", "2125550142"}, // not international: unchanged
		{"", ""},
		{"garbage", "garbage"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, phone.Display(tt.in))
		})
	}
}

func TestDisplayRoundTrips(t *testing.T) {
	for _, e164 := range []string{"+12125550142", "+442079460018", "+4722000000", "+18005550100"} {
		t.Run(e164, func(t *testing.T) {
			got, err := phone.Normalize(t.Context(), phone.Display(e164), "")
			require.NoError(t, err)
			assert.Equal(t, e164, got)
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	for b.Loop() {
		if _, err := phone.Normalize(b.Context(), "212-555-0142", "US"); err != nil {
			b.Fatal(err)
		}
	}
}
