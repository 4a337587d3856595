// Package emf is the booking.Metrics of the Lambda functions: it writes figures as CloudWatch
// metrics in the embedded metric format ("Specification: Embedded metric format",
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
// a JSON log line whose "_aws" member declares the metrics, each value a root member of the same
// name. CloudWatch Logs extracts the metrics from the function's log group; nothing calls an API,
// so a figure costs no request and no permission.
//
// Every figure is recorded without a dimension, the total the alarms watch, and, when it names
// one, per the dimension's value too. Names and dimension values are checked, so a line carries
// only what roomkeeper chose to report: a dimension value that is not a short lowercase name
// (a provider, a booking source) is recorded as "other", never as given.
package emf

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// Namespace is the CloudWatch namespace of every roomkeeper metric.
const Namespace = "roomkeeper"

// Other stands in for a dimension value that is not a name roomkeeper knows.
const Other = "other"

// Message is the log message of a metrics line.
const Message = "metrics"

// maxValues bounds the values of one metric in one line (the format allows 100).
const maxValues = 100

// Writer writes metrics lines to Log. It is safe for concurrent use; a nil *Writer writes
// nothing.
type Writer struct {
	Log *slog.Logger
	// Now stamps each line; nil means time.Now.
	Now func() time.Time
}

var _ booking.Metrics = (*Writer)(nil)

// New returns a Writer on log.
func New(log *slog.Logger) *Writer { return &Writer{Log: log} }

// Put writes ms as one line per dimension they name (a line can hold one value of each
// dimension): the figures without one share a line. Counts of one name in a line are added up;
// durations of one name are kept apart, as an array, so CloudWatch's statistics (maximum, sample
// count) see each. A figure with a bad name or a value that is not a finite number is dropped.
// The line carries the Lambda request id when ctx has one.
func (w *Writer) Put(ctx context.Context, ms ...booking.Metric) {
	if w == nil || w.Log == nil || len(ms) == 0 {
		return
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	stamp := now().UnixMilli()
	var groups []*group
	for _, m := range ms {
		if !validName(m.Name) || math.IsNaN(m.Value) || math.IsInf(m.Value, 0) || (m.Unit != booking.Count && m.Unit != booking.Seconds) {
			continue
		}
		dim := m.Dimension
		if dim.Name != "" || dim.Value != "" {
			if !validName(dim.Name) {
				dim = booking.Dimension{}
			} else if !validValue(dim.Value) {
				dim.Value = Other
			}
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return g.dim == dim })
		if i < 0 {
			groups = append(groups, &group{dim: dim})
			i = len(groups) - 1
		}
		groups[i].add(m)
	}
	var requestID string
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	for _, g := range groups {
		w.Log.LogAttrs(ctx, slog.LevelInfo, Message, g.attrs(stamp, requestID)...)
	}
}

// validName reports whether n may be a metric or dimension name: CamelCase, as roomkeeper names
// them ([A-Z][A-Za-z0-9]{0,63}), which also keeps them apart from the log line's own members
// (time, level, msg, requestId). It and validValue check by hand what a regular expression
// would say, so that no function compiles one at every cold start.
func validName(n string) bool {
	if len(n) == 0 || len(n) > 64 || n[0] < 'A' || n[0] > 'Z' {
		return false
	}
	for i := 1; i < len(n); i++ {
		if c := n[i]; !isLower(c) && !isDigit(c) && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// validValue reports whether v may be written as a dimension value: a short lowercase name
// ([a-z0-9][a-z0-9._-]{0,31}: whereby, 24sessions, calcom), which no address or secret is, with a
// letter in it, since digits alone could be a phone number.
func validValue(v string) bool {
	if len(v) == 0 || len(v) > 32 || (!isLower(v[0]) && !isDigit(v[0])) {
		return false
	}
	letter := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isLower(c):
			letter = true
		case isDigit(c), i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return letter
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// group is the figures of one line: those with the same dimension.
type group struct {
	dim   booking.Dimension
	names []string // in the order first seen
	units map[string]booking.Unit
	vals  map[string][]float64
}

func (g *group) add(m booking.Metric) {
	if g.units == nil {
		g.units, g.vals = map[string]booking.Unit{}, map[string][]float64{}
	}
	if _, seen := g.units[m.Name]; !seen {
		g.names = append(g.names, m.Name)
		g.units[m.Name] = m.Unit
	}
	v := g.vals[m.Name]
	switch {
	case g.units[m.Name] != m.Unit:
		return // one name, one unit: the first wins
	case m.Unit == booking.Count && len(v) == 1:
		v[0] += m.Value
	case len(v) < maxValues:
		v = append(v, m.Value)
	}
	g.vals[m.Name] = v
}

// directive is the "_aws" member of a metrics line.
type directive struct {
	Timestamp         int64        `json:"Timestamp"` // epoch milliseconds
	CloudWatchMetrics []metricsSet `json:"CloudWatchMetrics"`
}

type metricsSet struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []definition `json:"Metrics"`
}

type definition struct {
	Name string       `json:"Name"`
	Unit booking.Unit `json:"Unit"`
}

// attrs returns the line's members: "_aws", each metric's value (a number, or an array of them),
// the dimension's value, and the request id.
func (g *group) attrs(stamp int64, requestID string) []slog.Attr {
	set := metricsSet{Namespace: Namespace, Dimensions: [][]string{{}}}
	if g.dim.Name != "" {
		set.Dimensions = append(set.Dimensions, []string{g.dim.Name})
	}
	attrs := make([]slog.Attr, 0, len(g.names)+3)
	for _, name := range g.names {
		set.Metrics = append(set.Metrics, definition{Name: name, Unit: g.units[name]})
		if v := g.vals[name]; len(v) == 1 {
			attrs = append(attrs, slog.Float64(name, v[0]))
		} else {
			attrs = append(attrs, slog.Any(name, v))
		}
	}
	attrs = append([]slog.Attr{slog.Any("_aws", directive{Timestamp: stamp, CloudWatchMetrics: []metricsSet{set}})}, attrs...)
	if g.dim.Name != "" {
		attrs = append(attrs, slog.String(g.dim.Name, g.dim.Value))
	}
	if requestID != "" {
		attrs = append(attrs, slog.String("requestId", requestID))
	}
	return attrs
}
