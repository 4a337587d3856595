// The dependency rules of roomkeeper's layout, checked against what `go list -deps` reports, so
// that an import that breaks one fails the build's tests rather than a review:
//
//   - the core (booking, intake, reconcile, sweep, invite and its renderer, locale) knows no AWS
//     type, no HTTP and no adapter: it links neither net/http nor any AWS module, and of this
//     module only the core itself and the e-mail templates;
//   - only what sends mail links the e-mail renderer (shared/invite/render) and its iCalendar and
//     MIME libraries: never the admin and slack functions, nor the reconciler itself (it takes a
//     reconcile.Renderer), nor the join pages, which show times with package invite alone;
//   - config reads the environment and imports nothing of this module;
//   - each Lambda function links only what it runs: the worker no booking-source parser, no HTTP
//     handler, no intake and no SQS client; the sweeper no video provider; the webhook functions no provider
//     REST client; the admin function no mail client and, like every function but dialin (the
//     worker included, which invokes it), no phone-number library; the dialin function no AWS
//     SDK, configuration or provider; the webhook functions and the sweeper no template package and no
//     iCalendar library; none of them the test kit (shared/devkit, the contract suites), the AWS
//     SDK's default credential chain, pprof, expvar or net/rpc;
//   - only the admin function (and the local server in cmd/) links the web console;
//   - only the slack function (the Slack app's routes) and the worker (the knock alert and the
//     app's jobs) link Slack's client, never the admin function; the core reaches it only
//     through booking.Alerter. The slack function, like the admin function, sends no mail and
//     links no phone-number library.
//   - only the webhook functions (and the local server) link the webhook receivers
//     (shared/httpapi/webhook) and what they call: the booking sources' parsers, Standard Webhooks
//     and intake; shared/httpapi, which every HTTP function links, links none of them.
package shared_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/roomkeeper/roomkeeper/"

// rule forbids the packages a package links (Deps: its whole import graph) or, with direct,
// imports itself. Paths are relative to the module unless they hold a dot or are standard
// library paths; a path ending in "/..." stands for the folder and every package below it.
type rule struct {
	why       string
	from      []string
	forbidden []string
	allowed   []string // exceptions to forbidden
	direct    bool
}

const sdk = "github.com/aws/aws-sdk-go-v2/"

var core = []string{"shared/booking", "shared/intake", "shared/reconcile", "shared/sweep", "shared/invite", "shared/invite/render", "shared/locale"}

var rules = []rule{
	{
		why:       "the core holds every rule and knows no AWS type, no HTTP type and no adapter",
		from:      core,
		forbidden: []string{"net/http", "github.com/aws/...", module + "..."},
		allowed:   append([]string{"templates"}, core...),
	},
	{
		why:       "config reads the environment and imports nothing of ours",
		from:      []string{"shared/config"},
		forbidden: []string{module + "..."},
		allowed:   []string{"shared/config"},
		direct:    true,
	},
	{
		why:       "the worker serves no route and parses no webhook",
		from:      []string{"functions/worker"},
		forbidden: []string{"shared/source/...", "shared/httpapi", "shared/intake", "shared/video/wherebyhook", "shared/video/zoomhook"},
	},
	{
		why: "the worker gets its messages from the SQS event source and sends none: it reads them with " +
			"shared/aws/sqs/nudge, without the SQS client's tables (about 1 ms and 240 KB of every cold start)",
		from:      []string{"functions/worker"},
		forbidden: []string{sdk + "service/sqs", "shared/aws/sqs"},
	},
	{
		why:       "the sweeper, started every minute, calls no provider",
		from:      []string{"functions/sweeper"},
		forbidden: []string{"shared/video/...", "shared/reconcile", "shared/invite/...", "shared/aws/ses", "shared/aws/secrets"},
	},
	{
		why:       "the webhook functions answer within the providers' timeouts and call no provider",
		from:      []string{"functions/bookings", "functions/hooks"},
		forbidden: []string{"shared/video", "shared/video/whereby", "shared/video/zoom", "shared/video/twentyfour", "shared/video/accesstoken", "shared/video/phone", "shared/video/rest", "shared/reconcile", "shared/invite/..."},
	},
	{
		why: "the admin and slack functions, where a person waits, receive no webhook: the receivers, the booking " +
			"sources' parsers and intake would cost each cold start their package inits (regular expressions among them)",
		from:      []string{"functions/admin", "functions/slack", "shared/httpapi"},
		forbidden: []string{"shared/httpapi/webhook", "shared/source/...", "shared/stdwebhook", "shared/intake", "shared/video/zoomhook"},
	},
	{
		why:       "the admin and slack functions send no mail (the admin function's reconciler, and the Slack app's jobs, leave mail to the worker)",
		from:      []string{"functions/admin", "functions/slack"},
		forbidden: []string{"shared/aws/ses"},
	},
	{
		why: "only a process that sends mail links the e-mail renderer (shared/invite/render): go-ical, with " +
			"rrule-go, whose package init alone is about 0.45 ms of every cold start, and go-message. The admin and " +
			"slack functions send no mail; the reconciler reaches the renderer only through reconcile.Renderer, and " +
			"the join pages show a meeting's times with package invite alone",
		from:      []string{"functions/admin", "functions/slack", "shared/reconcile", "shared/httpapi/join", "shared/invite"},
		forbidden: []string{"shared/invite/render", "github.com/emersion/...", "github.com/teambition/rrule-go"},
	},
	{
		why: "a deployed function builds its AWS clients from what Lambda gives it (functions/internal/start): " +
			"the default credential chain's STS, SSO, SSO OIDC and sign-in clients would cost every cold start their tables",
		from:      []string{"functions/..."},
		forbidden: []string{sdk + "config", sdk + "credentials/...", sdk + "service/sts", sdk + "service/sso", sdk + "service/ssooidc", sdk + "service/signin", sdk + "feature/ec2/imds"},
		allowed:   []string{sdk + "credentials"},
	},
	{
		why: "no function but dialin links the phone-number library, whose metadata costs milliseconds of " +
			"every cold start and megabytes: the worker invokes the dialin function where it makes rooms (shared/aws/dialin)",
		from:      []string{"functions/admin", "functions/bookings", "functions/hooks", "functions/slack", "functions/sweeper", "functions/worker", "shared/video", "shared/aws/..."},
		forbidden: []string{"github.com/nyaruka/phonenumbers", "shared/video/phone"},
	},
	{
		why: "the dialin function only normalises numbers: no AWS client, no configuration, no provider, " +
			"so its cold start is the phone-number metadata's and a hello world's",
		from:      []string{"functions/dialin"},
		forbidden: []string{sdk + "...", "shared/aws/...", "shared/config", "shared/video", "shared/reconcile", "functions/internal/..."},
	},
	{
		why: "Slack's client is linked only where it is used — the slack function (the app's routes) and the worker " +
			"(the knock alert, the app's jobs) — and the core reaches it only through booking.Alerter; the admin " +
			"function, behind the console's clicks and people's links, keeps its size and cold start without it",
		from:      append([]string{"functions/admin", "functions/bookings", "functions/hooks", "functions/sweeper"}, core...),
		forbidden: []string{"github.com/slack-go/...", "shared/chat/...", "shared/httpapi/slackapp"},
	},
	{
		why:       "the worker runs the Slack app's jobs (shared/chat/roomsapp), never its handlers",
		from:      []string{"functions/worker"},
		forbidden: []string{"shared/httpapi/slackapp"},
	},
	{
		why: "the functions that show no page and render no invitation link no template package: " +
			"text/template's MethodByName keeps every exported method in the binary (megabytes), " +
			"and parsing templates at init costs every cold start",
		from:      []string{"functions/bookings", "functions/hooks", "functions/sweeper"},
		forbidden: []string{"text/template", "html/template", "github.com/emersion/go-ical"},
	},
	{
		why:       "no function serves debugging endpoints or RPC (their packages register handlers and tables at init)",
		from:      []string{"functions/..."},
		forbidden: []string{"net/http/pprof", "expvar", "net/rpc"},
	},
	{
		why:       "no deployed function carries the test kit",
		from:      []string{"functions/..."},
		forbidden: []string{"shared/devkit/...", "shared/access/accesstest"},
	},
	{
		why:       "the console's pages are served by the admin function only, behind its routes",
		from:      []string{"functions/bookings", "functions/hooks", "functions/worker", "functions/sweeper", "functions/slack"},
		forbidden: []string{"shared/httpapi/console", "templates/console"},
	},
}

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Standard   bool
}

// abs makes a rule's path a full import path.
func abs(p string) string {
	first, _, _ := strings.Cut(p, "/")
	switch first {
	case "shared", "functions", "templates", "cmd":
		return module + p
	}
	return p // a full path or the standard library's
}

// matches reports whether path is p, or below it when p ends in "/...".
func matches(path, p string) bool {
	p = abs(p)
	if prefix, ok := strings.CutSuffix(p, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == p
}

func matchesAny(path string, ps []string) bool {
	return slices.ContainsFunc(ps, func(p string) bool { return matches(path, p) })
}

// violations lists every edge the rules forbid, as "from → to (why)".
func violations(pkgs map[string]pkg, rules []rule) []string {
	var out []string
	for _, r := range rules {
		for path, p := range pkgs {
			if !matchesAny(path, r.from) {
				continue
			}
			links := p.Deps
			if r.direct {
				links = p.Imports
			}
			for _, dep := range links {
				if matchesAny(dep, r.forbidden) && !matchesAny(dep, r.allowed) {
					out = append(out, fmt.Sprintf("%s → %s (%s)", strings.TrimPrefix(path, module), strings.TrimPrefix(dep, module), r.why))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// listPackages runs go list over the module's non-test packages (what the binaries link), with
// the functions' build tag (lambda.norpc: aws-lambda-go without net/rpc).
func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-tags", "lambda.norpc", "-json", "./...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func TestDependencyRules(t *testing.T) {
	pkgs := listPackages(t)
	for _, r := range rules {
		for _, from := range r.from {
			found := slices.ContainsFunc(slices.Collect(maps.Keys(pkgs)), func(path string) bool { return matches(path, from) })
			assert.True(t, found, "rule %q names %s, which is no package: the layout moved, update the rule", r.why, from)
		}
	}
	assert.Empty(t, violations(pkgs, rules), "imports the layout forbids")
}

// TestDependencyRulesCatchANewImport feeds the checker a graph in which each rule is broken
// once, as an import added tomorrow would break it.
func TestDependencyRulesCatchANewImport(t *testing.T) {
	graph := func(from string, deps ...string) map[string]pkg {
		p := pkg{ImportPath: abs(from)}
		for _, d := range deps {
			p.Deps = append(p.Deps, abs(d))
			p.Imports = append(p.Imports, abs(d))
		}
		return map[string]pkg{p.ImportPath: p}
	}
	tests := []struct {
		from, dep string
		allowed   bool
	}{
		{"shared/reconcile", "net/http", false},
		{"shared/booking", "github.com/aws/aws-sdk-go-v2/service/dynamodb", false},
		{"shared/sweep", "github.com/aws/aws-lambda-go/lambdacontext", false},
		{"shared/intake", "shared/aws/dynamo", false},
		{"shared/invite", "templates", true},
		{"shared/reconcile", "shared/invite", true},
		{"shared/reconcile", "shared/invite/render", false},
		{"shared/invite", "github.com/emersion/go-message/mail", false},
		{"shared/httpapi/join", "github.com/emersion/go-ical", false},
		{"functions/admin", "github.com/emersion/go-ical", false},
		{"functions/admin", "shared/invite", true},
		{"functions/slack", "github.com/teambition/rrule-go", false},
		{"functions/slack", "github.com/emersion/go-message", false},
		{"functions/worker", "shared/invite/render", true},
		{"functions/worker", "github.com/emersion/go-ical", true},
		{"shared/config", "shared/video/twentyfour", false},
		{"functions/worker", "shared/httpapi", false},
		{"functions/worker", "shared/source/calcom", false},
		{"functions/worker", "shared/intake", false},
		{"functions/worker", "shared/video/zoom", true},
		{"functions/sweeper", "shared/video/rest", false},
		{"functions/sweeper", "shared/video/accesstoken", false},
		{"functions/bookings", "shared/video/whereby", false},
		{"functions/hooks", "shared/video/wherebyhook", true},
		{"functions/admin", "shared/aws/ses", false},
		{"functions/admin", "shared/devkit/sandbox", false},
		{"functions/admin", "shared/access/accesstest", false},
		{"functions/admin", "shared/devkit/browser", false},
		{"functions/admin", "shared/httpapi/console", true},
		{"functions/hooks", "shared/httpapi/console", false},
		{"functions/worker", "templates/console", false},
		{"functions/internal/start", sdk + "config", false},
		{"functions/worker", sdk + "service/sts", false},
		{"functions/sweeper", sdk + "credentials/stscreds", false},
		{"functions/hooks", sdk + "credentials", true},
		{"functions/admin", "github.com/nyaruka/phonenumbers", false},
		{"shared/video", "shared/video/phone", false},
		{"functions/worker", "shared/video/phone", false},
		{"functions/dialin", "shared/video/phone", true},
		{"functions/dialin", sdk + "service/lambda", false},
		{"functions/worker", sdk + "service/lambda", true},
		{"shared/reconcile", "github.com/slack-go/slack", false},
		{"functions/hooks", "github.com/slack-go/slack", false},
		{"functions/bookings", "shared/chat", false},
		{"functions/sweeper", "shared/chat/roomsapp", false},
		{"functions/worker", "shared/chat/roomsapp", true},
		{"functions/worker", "shared/httpapi/slackapp", false},
		{"functions/slack", "shared/httpapi/slackapp", true},
		{"functions/slack", "github.com/slack-go/slack", true},
		{"functions/admin", "github.com/slack-go/slack", false},
		{"functions/admin", "shared/httpapi/slackapp", false},
		{"functions/sweeper", "github.com/nyaruka/phonenumbers", false},
		{"functions/bookings", "html/template", false},
		{"functions/hooks", "text/template", false},
		{"functions/worker", "html/template", true},
		{"functions/admin", "net/http/pprof", false},
		{"functions/worker", "net/rpc", false},
		{"functions/worker", sdk + "service/sqs", false},
		{"functions/worker", "shared/aws/sqs/nudge", true},
		{"functions/admin", "shared/intake", false},
		{"functions/admin", "shared/httpapi/webhook", false},
		{"functions/slack", "shared/source/generic", false},
		{"functions/slack", "shared/stdwebhook", false},
		{"shared/httpapi", "shared/source/cronofy", false},
		{"shared/httpapi", "shared/video/zoomhook", false},
		{"functions/bookings", "shared/httpapi/webhook", true},
		{"functions/hooks", "shared/intake", true},
	}
	for _, tt := range tests {
		t.Run(tt.from+"→"+tt.dep, func(t *testing.T) {
			got := violations(graph(tt.from, tt.dep), rules)
			if tt.allowed {
				assert.Empty(t, got)
			} else {
				assert.Len(t, got, 1, "a forbidden import is reported")
			}
		})
	}
}
