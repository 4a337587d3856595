package stdwebhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// The test vector the Standard Webhooks specification publishes
// (spec/standard-webhooks.md in github.com/standard-webhooks/standard-webhooks).
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = "1614265330"
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

var vecTime = time.Unix(1614265330, 0)

const tolerance = 5 * time.Minute

// vecHeader returns the vector's headers, canonically named as net/http stores them.
func vecHeader() http.Header {
	h := http.Header{}
	h.Set(HeaderID, vecID)
	h.Set(HeaderTimestamp, vecTS)
	h.Set(HeaderSignature, vecSig)
	return h
}

func TestVerify(t *testing.T) {
	otherSecret, err := NewSecret()
	require.NoError(t, err)
	otherSig, err := Sign(otherSecret, vecID, vecTime, []byte(vecBody))
	require.NoError(t, err)

	tests := []struct {
		name    string
		secret  string
		header  func(h http.Header)           // edits the vector's headers
		raw     http.Header                   // used instead of the vector's headers when set
		body    string                        // empty: the vector's body
		now     time.Time                     // zero: the vector's time
		wantErr string                        // empty: the delivery passes
		code    booking.Code                  // with wantErr; zero means Unauthorized
		check   func(t *testing.T, err error) // extra checks
	}{
		{name: "published vector"},
		{
			name: "lower-case header names as API Gateway sends them",
			raw:  http.Header{"webhook-id": {vecID}, "webhook-timestamp": {vecTS}, "webhook-signature": {vecSig}},
		},
		{
			name: "upper-case header names",
			raw:  http.Header{"WEBHOOK-ID": {vecID}, "WEBHOOK-TIMESTAMP": {vecTS}, "WEBHOOK-SIGNATURE": {vecSig}},
		},
		{name: "bare base64 secret", secret: strings.TrimPrefix(vecSecret, SecretPrefix)},
		{name: "timestamp at the stale edge", now: vecTime.Add(tolerance)},
		{name: "timestamp at the future edge", now: vecTime.Add(-tolerance)},
		{
			name:   "several signatures, one matching",
			header: func(h http.Header) { h.Set(HeaderSignature, otherSig+" "+vecSig) },
		},
		{
			name:   "other versions ignored",
			header: func(h http.Header) { h.Set(HeaderSignature, "v1a,c2lnbmF0dXJl v2,abc "+vecSig+" garbage") },
		},
		{
			name:   "signatures over two header lines",
			header: func(h http.Header) { h.Set(HeaderSignature, otherSig); h.Add(HeaderSignature, vecSig) },
		},
		{
			name:   "extra spaces between signatures",
			header: func(h http.Header) { h.Set(HeaderSignature, "  "+otherSig+"   "+vecSig+"  ") },
		},
		{name: "tampered body", body: `{"test": 2432232315}`, wantErr: "no matching signature"},
		{name: "body with added whitespace", body: vecBody + "\n", wantErr: "no matching signature"},
		{name: "stale timestamp", now: vecTime.Add(tolerance + time.Second), wantErr: "timestamp outside tolerance"},
		{name: "future timestamp", now: vecTime.Add(-tolerance - time.Second), wantErr: "timestamp outside tolerance"},
		{name: "wrong secret", secret: otherSecret, wantErr: "no matching signature"},
		{
			name:    "signature by another secret",
			header:  func(h http.Header) { h.Set(HeaderSignature, otherSig) },
			wantErr: "no matching signature",
		},
		{
			name:    "tampered id",
			header:  func(h http.Header) { h.Set(HeaderID, vecID+"x") },
			wantErr: "no matching signature",
		},
		{
			name:    "right MAC under another version",
			header:  func(h http.Header) { h.Set(HeaderSignature, strings.Replace(vecSig, "v1,", "v2,", 1)) },
			wantErr: "no matching signature",
		},
		{
			name:    "MAC without version",
			header:  func(h http.Header) { h.Set(HeaderSignature, strings.TrimPrefix(vecSig, "v1,")) },
			wantErr: "no matching signature",
		},
		{
			name:    "MAC as hex",
			header:  func(h http.Header) { h.Set(HeaderSignature, "v1,8348"+strings.Repeat("0", 60)) },
			wantErr: "no matching signature",
		},
		{
			name:    "truncated MAC",
			header:  func(h http.Header) { h.Set(HeaderSignature, vecSig[:20]) },
			wantErr: "no matching signature",
		},
		{name: "missing webhook-id", header: func(h http.Header) { h.Del(HeaderID) }, wantErr: "missing webhook-id header"},
		{name: "blank webhook-id", header: func(h http.Header) { h.Set(HeaderID, " ") }, wantErr: "missing webhook-id header"},
		{name: "missing webhook-timestamp", header: func(h http.Header) { h.Del(HeaderTimestamp) }, wantErr: "missing webhook-timestamp header"},
		{name: "missing webhook-signature", header: func(h http.Header) { h.Del(HeaderSignature) }, wantErr: "missing webhook-signature header"},
		{name: "blank webhook-signature", header: func(h http.Header) { h.Set(HeaderSignature, "  ") }, wantErr: "missing webhook-signature header"},
		{name: "no headers", raw: http.Header{}, wantErr: "missing webhook-id header"},
		{
			name:    "two webhook-id headers",
			header:  func(h http.Header) { h.Add(HeaderID, "msg_other") },
			wantErr: "more than one webhook-id header",
		},
		{
			name:    "webhook-id under two spellings",
			header:  func(h http.Header) { h["webhook-id"] = []string{"msg_other"} },
			wantErr: "more than one webhook-id header",
		},
		{
			name:    "two webhook-timestamp headers",
			header:  func(h http.Header) { h.Add(HeaderTimestamp, vecTS) },
			wantErr: "more than one webhook-timestamp header",
		},
		{name: "timestamp not a number", header: func(h http.Header) { h.Set(HeaderTimestamp, "yesterday") }, wantErr: "malformed webhook-timestamp"},
		{name: "timestamp in milliseconds range overflow", header: func(h http.Header) { h.Set(HeaderTimestamp, "99999999999999999999") }, wantErr: "malformed webhook-timestamp"},
		{name: "timestamp with fraction", header: func(h http.Header) { h.Set(HeaderTimestamp, vecTS+".5") }, wantErr: "malformed webhook-timestamp"},
		{name: "timestamp with sign", header: func(h http.Header) { h.Set(HeaderTimestamp, "+"+vecTS) }, wantErr: "malformed webhook-timestamp"},
		{name: "timestamp RFC 3339", header: func(h http.Header) { h.Set(HeaderTimestamp, "2021-02-26T15:02:10Z") }, wantErr: "malformed webhook-timestamp"},
		{name: "timestamp with leading zero", header: func(h http.Header) { h.Set(HeaderTimestamp, "0"+vecTS) }, wantErr: "no matching signature"},
		{name: "timestamp in milliseconds", header: func(h http.Header) { h.Set(HeaderTimestamp, vecTS+"000") }, wantErr: "timestamp outside tolerance"},
		{name: "secret not base64", secret: "whsec_not base64!", wantErr: "not base64", code: booking.Internal},
		{name: "empty secret", secret: "whsec_", wantErr: "empty", code: booking.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret, h, body, now := tt.secret, tt.raw, tt.body, tt.now
			if secret == "" {
				secret = vecSecret
			}
			if h == nil {
				h = vecHeader()
			}
			if tt.header != nil {
				tt.header(h)
			}
			if body == "" {
				body = vecBody
			}
			if now.IsZero() {
				now = vecTime
			}

			id, err := Verify(secret, h, []byte(body), now, tolerance)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, vecID, id)
				return
			}
			require.Error(t, err)
			assert.Empty(t, id)
			var e *booking.Error
			require.True(t, errors.As(err, &e), "got %T, want *booking.Error", err)
			want := tt.code
			if want == "" {
				want = booking.Unauthorized
			}
			assert.Equal(t, want, e.Code)
			assert.Contains(t, e.Message, tt.wantErr)
			for _, secretPart := range []string{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "g0hM9SsE", "not base64!"} {
				assert.NotContains(t, err.Error(), secretPart, "error must not carry the secret or a MAC")
			}
		})
	}
}

func TestSign(t *testing.T) {
	t.Run("published vector", func(t *testing.T) {
		got, err := Sign(vecSecret, vecID, vecTime, []byte(vecBody))
		require.NoError(t, err)
		assert.Equal(t, vecSig, got)
	})
	t.Run("bare secret signs the same", func(t *testing.T) {
		got, err := Sign(strings.TrimPrefix(vecSecret, SecretPrefix), vecID, vecTime, []byte(vecBody))
		require.NoError(t, err)
		assert.Equal(t, vecSig, got)
	})
	t.Run("sub-second time signs whole seconds", func(t *testing.T) {
		got, err := Sign(vecSecret, vecID, vecTime.Add(999*time.Millisecond), []byte(vecBody))
		require.NoError(t, err)
		assert.Equal(t, vecSig, got)
	})
	t.Run("bad secret", func(t *testing.T) {
		_, err := Sign("whsec_***", vecID, vecTime, []byte(vecBody))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "***")
	})
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	require.NoError(t, err)
	b, err := NewSecret()
	require.NoError(t, err)
	assert.NotEqual(t, a, b)

	require.True(t, strings.HasPrefix(a, SecretPrefix), "got %q, want prefix %q", a, SecretPrefix)
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, SecretPrefix))
	require.NoError(t, err)
	assert.Len(t, key, 32)

	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	body := []byte(`{"type":"booking.created"}`)
	sig, err := Sign(a, "msg_1", now, body)
	require.NoError(t, err)
	h := http.Header{"webhook-id": {"msg_1"}, "webhook-timestamp": {strconv.FormatInt(now.Unix(), 10)}, "webhook-signature": {sig}}
	id, err := Verify(a, h, body, now, tolerance)
	require.NoError(t, err)
	assert.Equal(t, "msg_1", id)
	_, err = Verify(b, h, body, now, tolerance)
	require.Error(t, err)
}

func FuzzVerify(f *testing.F) {
	f.Add(vecID, vecTS, vecSig, []byte(vecBody), false)
	f.Add(vecID, vecTS, "v1a,xx v1,=== v1,", []byte(vecBody), true)
	f.Add("", "-1", ",,,", []byte{}, false)
	f.Add("x", "9223372036854775807", "v1,"+strings.Repeat("A", 44), []byte("\x00"), true)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte, lower bool) {
		h := http.Header{}
		names := []string{HeaderID, HeaderTimestamp, HeaderSignature}
		for i, v := range []string{id, ts, sig} {
			if lower {
				h[names[i]] = []string{v}
			} else {
				h.Set(names[i], v)
			}
		}
		got, err := Verify(vecSecret, h, body, vecTime, tolerance)
		if err != nil {
			var e *booking.Error
			require.True(t, errors.As(err, &e), "got %T, want *booking.Error", err)
			require.Equal(t, booking.Unauthorized, e.Code)
			require.Empty(t, got)
		} else {
			require.Equal(t, id, got)
		}

		// Whatever the id and body, a delivery signed now verifies.
		if strings.TrimSpace(id) == "" {
			return
		}
		good, err := Sign(vecSecret, id, vecTime, body)
		require.NoError(t, err)
		h = http.Header{"webhook-id": {id}, "webhook-timestamp": {vecTS}, "webhook-signature": {sig + " " + good}}
		got, err = Verify(vecSecret, h, body, vecTime, tolerance)
		require.NoError(t, err)
		require.Equal(t, id, got)
	})
}
