package booking

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTheStacksAlarmsWatchMetricsWeWrite reads the metric names infra/stack.go alarms on (its
// own module cannot import this one): each must be a metric roomkeeper writes, or the alarm
// would watch a metric that never comes.
func TestTheStacksAlarmsWatchMetricsWeWrite(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "infra", "stack.go"))
	require.NoError(t, err)
	ours := map[string]bool{}
	for _, n := range []string{MetricRoomsCreated, MetricInvitesSent, MetricProviderErrors, MetricProviderPaused,
		MetricPermanentFailures, MetricCleanupLag, MetricRoomsReaped, MetricWebhookRejected, MetricMailBounced,
		MetricMailComplained, MetricPossibleDuplicateInvites, MetricBookingsDue} {
		ours[n] = true
	}
	names := regexp.MustCompile(`(?m)^\s*metric([A-Z][A-Za-z]*)\s*=\s*"([^"]+)"`).FindAllStringSubmatch(string(src), -1)
	require.NotEmpty(t, names, "infra/stack.go names its metrics as metric<Name> constants")
	for _, m := range names {
		if m[1] == "Namespace" {
			assert.Equal(t, "roomkeeper", m[2], "the namespace shared/aws/emf writes in")
			continue
		}
		assert.True(t, ours[m[2]], "infra/stack.go alarms on %q, which roomkeeper does not write", m[2])
		assert.Equal(t, m[1], m[2], "the constant is named for its metric")
	}
}
