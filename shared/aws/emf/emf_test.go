package emf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/booking"
)

var stamp = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// put writes ms and returns the lines written, decoded, after checking each against the embedded
// metric format's rules.
func put(t *testing.T, ctx context.Context, ms ...booking.Metric) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	w := &emf.Writer{Log: slog.New(slog.NewJSONHandler(&buf, nil)), Now: func() time.Time { return stamp }}
	w.Put(ctx, ms...)
	var lines []map[string]any
	for _, raw := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if raw == "" {
			continue
		}
		var l map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &l), raw)
		checkSpec(t, l)
		lines = append(lines, l)
	}
	return lines
}

// checkSpec checks one line against the specification: an "_aws" object with a Timestamp and
// CloudWatchMetrics directives; each metric a root member holding a number or an array of
// numbers; each dimension a root member holding a string.
func checkSpec(t *testing.T, l map[string]any) {
	t.Helper()
	aws, ok := l["_aws"].(map[string]any)
	require.True(t, ok, "an _aws object: %v", l)
	assert.EqualValues(t, stamp.UnixMilli(), aws["Timestamp"])
	assert.Equal(t, emf.Message, l["msg"])
	directives := aws["CloudWatchMetrics"].([]any)
	require.NotEmpty(t, directives)
	declared := map[string]bool{}
	for _, directive := range directives {
		d := directive.(map[string]any)
		assert.Equal(t, emf.Namespace, d["Namespace"])
		for _, set := range d["Dimensions"].([]any) {
			for _, name := range set.([]any) {
				assert.IsType(t, "", l[name.(string)], "dimension %s is a root string", name)
			}
		}
		for _, m := range d["Metrics"].([]any) {
			name := m.(map[string]any)["Name"].(string)
			assert.False(t, declared[name], "metric %s is declared once in a line", name)
			declared[name] = true
			switch v := l[name].(type) {
			case float64:
			case []any:
				require.NotEmpty(t, v)
				assert.LessOrEqual(t, len(v), 100, "the format's limit of values")
				for _, x := range v {
					assert.IsType(t, float64(0), x, "metric %s", name)
				}
			default:
				t.Errorf("metric %s is %T, want a number or an array of numbers", name, v)
			}
		}
	}
}

// directive returns the line's i-th metric directive.
func directive(l map[string]any, i int) map[string]any {
	return l["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[i].(map[string]any)
}

func metricsOf(l map[string]any) []any { return directive(l, 0)["Metrics"].([]any) }

func dimensionsOf(l map[string]any) []any { return directive(l, 0)["Dimensions"].([]any) }

func TestPut(t *testing.T) {
	ctx := context.Background()
	t.Run("one count, no dimension", func(t *testing.T) {
		lines := put(t, ctx, booking.CountOf(booking.MetricInvitesSent, 2))
		require.Len(t, lines, 1)
		assert.EqualValues(t, 2, lines[0][booking.MetricInvitesSent])
		assert.Equal(t, []any{[]any{}}, dimensionsOf(lines[0]), "the total only")
		assert.Equal(t, []any{map[string]any{"Name": "InvitesSent", "Unit": "Count"}}, metricsOf(lines[0]))
	})
	t.Run("a dimension records the total and the breakdown", func(t *testing.T) {
		lines := put(t, ctx, booking.CountOf(booking.MetricRoomsCreated, 1).By("Provider", "whereby"))
		require.Len(t, lines, 1)
		assert.Equal(t, []any{[]any{}, []any{"Provider"}}, dimensionsOf(lines[0]))
		assert.Equal(t, "whereby", lines[0]["Provider"])
	})
	t.Run("a line per value a dimension takes; counts added, durations kept apart", func(t *testing.T) {
		lines := put(t, ctx,
			booking.CountOf(booking.MetricInvitesSent, 1),
			booking.CountOf(booking.MetricProviderErrors, 1).By("Provider", "whereby"),
			booking.CountOf(booking.MetricInvitesSent, 1),
			booking.CountOf(booking.MetricProviderErrors, 1).By("Provider", "zoom"),
			booking.CountOf(booking.MetricProviderErrors, 1).By("Provider", "whereby"),
			booking.DurationOf(booking.MetricCleanupLag, 90*time.Second),
			booking.DurationOf(booking.MetricCleanupLag, 30*time.Second),
		)
		require.Len(t, lines, 2)
		assert.EqualValues(t, 2, lines[0][booking.MetricInvitesSent])
		assert.Equal(t, []any{90.0, 30.0}, lines[0][booking.MetricCleanupLag])
		assert.Equal(t, "whereby", lines[0]["Provider"])
		assert.EqualValues(t, 2, lines[0][booking.MetricProviderErrors])
		assert.Equal(t, []any{[]any{}}, directive(lines[0], 0)["Dimensions"], "InvitesSent and CleanupLag: the total only")
		assert.Equal(t, []any{[]any{}, []any{"Provider"}}, directive(lines[0], 1)["Dimensions"], "ProviderErrors: the total and per provider")
		assert.Equal(t, "zoom", lines[1]["Provider"])
		assert.EqualValues(t, 1, lines[1][booking.MetricProviderErrors])
		assert.NotContains(t, lines[1], booking.MetricInvitesSent)
	})
	t.Run("one name with and without a dimension: two lines", func(t *testing.T) {
		lines := put(t, ctx,
			booking.CountOf(booking.MetricWebhookRejected, 1),
			booking.CountOf(booking.MetricWebhookRejected, 1).By("Source", "calcom"),
		)
		require.Len(t, lines, 2)
		assert.NotContains(t, lines[0], "Source")
		assert.Equal(t, "calcom", lines[1]["Source"])
	})
	t.Run("past 100 durations of a name, another line", func(t *testing.T) {
		var ms []booking.Metric
		for i := range 150 {
			ms = append(ms, booking.DurationOf(booking.MetricCleanupLag, time.Duration(i)*time.Second))
		}
		lines := put(t, ctx, ms...)
		require.Len(t, lines, 2)
		assert.Len(t, lines[0][booking.MetricCleanupLag], 100)
		assert.Len(t, lines[1][booking.MetricCleanupLag], 50)
	})
	t.Run("the request id", func(t *testing.T) {
		lctx := lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-7"})
		lines := put(t, lctx, booking.CountOf(booking.MetricBookingsDue, 3))
		require.Len(t, lines, 1)
		assert.Equal(t, "req-7", lines[0]["requestId"])
	})
	t.Run("nothing to write", func(t *testing.T) {
		assert.Empty(t, put(t, ctx))
		assert.NotPanics(t, func() { (*emf.Writer)(nil).Put(ctx, booking.CountOf(booking.MetricInvitesSent, 1)) })
	})
}

// TestPutCarriesOnlyNames: a dimension value that is not a short lowercase name is written as
// "other", so no address, phone number or secret reaches a metric or the log; bad names and
// values are dropped.
func TestPutCarriesOnlyNames(t *testing.T) {
	for _, value := range []string{"bob@example.net", "4712345678", "+4712345678", "whsec_Zm9vYmFy+/=", "Whereby",
		"a-very-long-name-that-is-not-any-provider-at-all", "", "zoom\n"} {
		t.Run(value, func(t *testing.T) {
			lines := put(t, context.Background(), booking.CountOf(booking.MetricWebhookRejected, 1).By("Source", value))
			require.Len(t, lines, 1)
			assert.Equal(t, emf.Other, lines[0]["Source"])
		})
	}
	for _, m := range []booking.Metric{
		{Name: "bob@example.net", Unit: booking.Count, Value: 1},
		{Name: "msg", Unit: booking.Count, Value: 1},
		{Name: "requestId", Unit: booking.Count, Value: 1},
		{Name: booking.MetricInvitesSent, Unit: booking.Count, Value: math.NaN()},
		{Name: booking.MetricCleanupLag, Unit: booking.Seconds, Value: math.Inf(1)},
		{Name: booking.MetricInvitesSent, Unit: "Bytes", Value: 1},
	} {
		assert.Empty(t, put(t, context.Background(), m), "%+v is dropped", m)
	}
	lines := put(t, context.Background(), booking.CountOf(booking.MetricRoomsCreated, 1).By("bad name", "whereby"))
	require.Len(t, lines, 1)
	assert.Equal(t, []any{[]any{}}, dimensionsOf(lines[0]), "a bad dimension name leaves the total")
}

// TestPerInvocation: the figures an invocation puts, through any Writer, are held until it ends
// and written as one line; one put after it ended is written at once.
func TestPerInvocation(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	w := &emf.Writer{Log: log, Now: func() time.Time { return stamp }}
	other := &emf.Writer{Log: log, Now: func() time.Time { return stamp }} // another adapter's
	var held context.Context
	h := emf.PerInvocation(w, func(ctx context.Context, n int) (string, error) {
		held = ctx
		for range n {
			w.Put(ctx, booking.CountOf(booking.MetricRoomsCreated, 1).By("Provider", "whereby"))
			other.Put(ctx, booking.CountOf(booking.MetricInvitesSent, 2))
			w.Put(ctx, booking.DurationOf(booking.MetricCleanupLag, time.Second))
		}
		assert.Empty(t, buf.String(), "nothing is written before the invocation ends")
		return "done", nil
	})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-9"})
	out, err := h(ctx, 10)
	require.NoError(t, err)
	assert.Equal(t, "done", out)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 1, "one line for the invocation: %s", buf.String())
	var l map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &l))
	checkSpec(t, l)
	assert.EqualValues(t, 10, l[booking.MetricRoomsCreated])
	assert.EqualValues(t, 20, l[booking.MetricInvitesSent])
	assert.Len(t, l[booking.MetricCleanupLag], 10)
	assert.Equal(t, "whereby", l["Provider"])
	assert.Equal(t, "req-9", l["requestId"])

	buf.Reset()
	w.Put(held, booking.CountOf(booking.MetricInvitesSent, 1))
	assert.Equal(t, 1, strings.Count(buf.String(), "\n"), "a figure put after the invocation is written at once")

	buf.Reset()
	_, _ = emf.PerInvocation(w, func(context.Context, int) (string, error) { return "", nil })(ctx, 0)
	assert.Empty(t, buf.String(), "no figure, no line")
}
