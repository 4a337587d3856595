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
//
// A function's handler is wrapped in PerInvocation, so an invocation writes its figures in one
// line (rarely a few) when it ends, rather than a line for each: CloudWatch Logs bills each line
// by its bytes, and the declaration and the request id would be repeated in every one.
package emf

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"sync"
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

// Put writes ms, or, within an invocation PerInvocation wraps, holds them until it ends. A
// figure with a bad name or a value that is not a finite number is dropped. A line carries the
// Lambda request id when ctx has one.
func (w *Writer) Put(ctx context.Context, ms ...booking.Metric) {
	if w == nil || w.Log == nil || len(ms) == 0 {
		return
	}
	if c, ok := ctx.Value(collectorKey{}).(*collector); ok && c.hold(ms) {
		return
	}
	w.write(ctx, ms)
}

// PerInvocation wraps a Lambda handler so that the figures put during one invocation, by any
// Writer, are written when it returns, as few lines as the format allows (one, unless a
// dimension took several values or a duration more than 100): every line is billed as a log
// event, and a line's "_aws" member and request id would otherwise be repeated for each figure.
func PerInvocation[In, Out any](w *Writer, h func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		c := &collector{}
		defer func() { w.write(ctx, c.take()) }()
		return h(context.WithValue(ctx, collectorKey{}, c), in)
	}
}

type collectorKey struct{}

// collector holds an invocation's figures until it ends.
type collector struct {
	mu    sync.Mutex
	ms    []booking.Metric
	taken bool
}

// hold keeps ms and reports true, or reports false once the invocation's figures were written
// (a figure put after its invocation ended is written at once).
func (c *collector) hold(ms []booking.Metric) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.taken {
		return false
	}
	c.ms = append(c.ms, ms...)
	return true
}

func (c *collector) take() []booking.Metric {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.taken = true
	return c.ms
}

// write writes ms in as few lines as it can. A line holds one value of each dimension, so the
// figures with another value of a dimension go to another line, and each name has one value
// (or array) per line: counts of one name and dimension in a line are added up; durations of
// one name are kept apart, as an array of at most 100, so CloudWatch's statistics (maximum,
// sample count) see each. Every figure is recorded without a dimension too, the total the
// alarms watch.
func (w *Writer) write(ctx context.Context, ms []booking.Metric) {
	if w == nil || w.Log == nil {
		return
	}
	var lines []*line
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
		i := slices.IndexFunc(lines, func(l *line) bool { return l.fits(m, dim) })
		if i < 0 {
			lines = append(lines, &line{dims: map[string]string{}, names: map[string]booking.Dimension{}})
			i = len(lines) - 1
		}
		lines[i].add(m, dim)
	}
	if len(lines) == 0 {
		return
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	stamp := now().UnixMilli()
	var requestID string
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	for _, l := range lines {
		w.Log.LogAttrs(ctx, slog.LevelInfo, Message, l.attrs(stamp, requestID)...)
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

// line is the figures of one metrics line: a metric set per dimension name (none first seen
// first), each metric's values, and the one value each dimension has here.
type line struct {
	dims  map[string]string            // dimension name → its value in this line
	names map[string]booking.Dimension // metric name → the dimension it is recorded by here
	sets  []*set
}

// set is the metrics of a line recorded by one dimension (or none).
type set struct {
	dim   string   // the dimension's name; "" for the total only
	names []string // in the order first seen
	units map[string]booking.Unit
	vals  map[string][]float64
}

// fits reports whether m, recorded by dim, can go in l: its name is not here by another
// dimension, dim has no other value here, and its durations are not full.
func (l *line) fits(m booking.Metric, dim booking.Dimension) bool {
	if d, seen := l.names[m.Name]; seen {
		if d != dim {
			return false
		}
		s := l.set(dim.Name)
		if s.units[m.Name] == booking.Seconds && m.Unit == booking.Seconds && len(s.vals[m.Name]) >= maxValues {
			return false
		}
	}
	v, ok := l.dims[dim.Name]
	return dim.Name == "" || !ok || v == dim.Value
}

// set returns the line's set of the named dimension, adding it when there is none.
func (l *line) set(dim string) *set {
	for _, s := range l.sets {
		if s.dim == dim {
			return s
		}
	}
	s := &set{dim: dim, units: map[string]booking.Unit{}, vals: map[string][]float64{}}
	l.sets = append(l.sets, s)
	return s
}

func (l *line) add(m booking.Metric, dim booking.Dimension) {
	if dim.Name != "" {
		l.dims[dim.Name] = dim.Value
	}
	l.names[m.Name] = dim
	s := l.set(dim.Name)
	if _, seen := s.units[m.Name]; !seen {
		s.names = append(s.names, m.Name)
		s.units[m.Name] = m.Unit
	}
	v := s.vals[m.Name]
	switch {
	case s.units[m.Name] != m.Unit:
		return // one name, one unit: the first wins
	case m.Unit == booking.Count && len(v) == 1:
		v[0] += m.Value
	default:
		v = append(v, m.Value)
	}
	s.vals[m.Name] = v
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

// attrs returns the line's members: "_aws", each metric's value (a number, or an array of
// them), each dimension's value, and the request id.
func (l *line) attrs(stamp int64, requestID string) []slog.Attr {
	d := directive{Timestamp: stamp}
	attrs := []slog.Attr{{}} // "_aws" first, once it is complete
	for _, s := range l.sets {
		ms := metricsSet{Namespace: Namespace, Dimensions: [][]string{{}}}
		if s.dim != "" {
			ms.Dimensions = append(ms.Dimensions, []string{s.dim})
		}
		for _, name := range s.names {
			ms.Metrics = append(ms.Metrics, definition{Name: name, Unit: s.units[name]})
			if v := s.vals[name]; len(v) == 1 {
				attrs = append(attrs, slog.Float64(name, v[0]))
			} else {
				attrs = append(attrs, slog.Any(name, v))
			}
		}
		d.CloudWatchMetrics = append(d.CloudWatchMetrics, ms)
	}
	attrs[0] = slog.Any("_aws", d)
	for _, s := range l.sets {
		if s.dim != "" {
			attrs = append(attrs, slog.String(s.dim, l.dims[s.dim]))
		}
	}
	if requestID != "" {
		attrs = append(attrs, slog.String("requestId", requestID))
	}
	return attrs
}
