package booking

import (
	"context"
	"time"
)

// Metrics records figures for the operator's dashboards and alarms: CloudWatch metrics in the
// embedded metric format on AWS (shared/aws/emf). The core reports through it; a nil Metrics
// field means the figures are dropped (the local server).
type Metrics interface {
	// Put records ms. It never fails the work it describes: a figure that cannot be written is
	// lost.
	Put(ctx context.Context, ms ...Metric)
}

// Unit is what a Metric's value counts.
type Unit string

// Units of the metrics roomkeeper reports.
const (
	Count   Unit = "Count"
	Seconds Unit = "Seconds"
)

// Metric is one figure. It holds a name, a number and at most one dimension whose value is a
// name roomkeeper chose (a provider, a booking source): never an address, a phone number, a
// booking's details or a secret.
type Metric struct {
	Name  string
	Unit  Unit
	Value float64
	// Dimension, when set, records the figure per its value too (per provider, per source),
	// beside the total every figure counts towards.
	Dimension Dimension
}

// Dimension names one way a figure is broken down.
type Dimension struct {
	Name  string // "Provider", "Source"
	Value string // "whereby", "calcom"…
}

// Names of the metrics roomkeeper reports, in the namespace "roomkeeper". The stack's alarms
// (infra/stack.go, docs/deploy.md) watch some of them by these names.
const (
	// MetricRoomsCreated counts provider rooms made, per Provider.
	MetricRoomsCreated = "RoomsCreated"
	// MetricInvitesSent counts invitations (REQUEST or CANCEL) the mail service accepted.
	MetricInvitesSent = "InvitesSent"
	// MetricRemindersSent counts reminders before a meeting the mail service accepted.
	MetricRemindersSent = "RemindersSent"
	// MetricProviderErrors counts failed provider calls other than a request to wait, per
	// Provider.
	MetricProviderErrors = "ProviderErrors"
	// MetricProviderPaused is how long roomkeeper leaves a provider alone after the provider
	// asked it to wait (a 429 with Retry-After, or another wait it asked for), in seconds, per
	// Provider: one figure each time a wait is recorded.
	MetricProviderPaused = "ProviderPaused"
	// MetricPermanentFailures counts bookings that stopped for good (the organizer is e-mailed).
	MetricPermanentFailures = "PermanentFailures"
	// MetricCleanupLag is how long after it became due a room's cleanup was attempted, in
	// seconds: one figure per attempt, so a cleanup that keeps failing reports a growing lag.
	MetricCleanupLag = "CleanupLag"
	// MetricRoomsReaped counts unreferenced rooms the reaper deleted, per Provider.
	MetricRoomsReaped = "RoomsReaped"
	// MetricWebhookRejected counts webhook deliveries answered with a 4xx, per Source (the
	// booking source or the provider the route names; "other" for a name roomkeeper does not
	// know).
	MetricWebhookRejected = "WebhookRejected"
	// MetricMailBounced and MetricMailComplained count recipients the mail service reported
	// bounced or complained of an invitation or notice.
	MetricMailBounced    = "MailBounced"
	MetricMailComplained = "MailComplained"
	// MetricPossibleDuplicateInvites counts invitations sent again after a run stopped between
	// the mail service accepting them and the record being saved (invariant 4's exception).
	MetricPossibleDuplicateInvites = "PossibleDuplicateInvites"
	// MetricBookingsDue counts the bookings each sweep found due, or falling due before the next
	// sweep, and handed to the worker.
	MetricBookingsDue = "BookingsDue"
)

// CountOf is a Count figure.
func CountOf(name string, n int) Metric { return Metric{Name: name, Unit: Count, Value: float64(n)} }

// DurationOf is a Seconds figure.
func DurationOf(name string, d time.Duration) Metric {
	return Metric{Name: name, Unit: Seconds, Value: d.Seconds()}
}

// By returns m broken down by the dimension name=value too.
func (m Metric) By(name, value string) Metric {
	m.Dimension = Dimension{Name: name, Value: value}
	return m
}
