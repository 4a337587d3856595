package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/chat"
	"github.com/roomkeeper/roomkeeper/shared/chat/roomsapp"
	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/devkit/sandbox"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/admin"
	webconsole "github.com/roomkeeper/roomkeeper/shared/httpapi/console"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/join"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/slackapp"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/webhook"
	"github.com/roomkeeper/roomkeeper/shared/intake"
	"github.com/roomkeeper/roomkeeper/shared/invite/render"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/local/bolt"
	"github.com/roomkeeper/roomkeeper/shared/local/memqueue"
	"github.com/roomkeeper/roomkeeper/shared/local/outbox"
	"github.com/roomkeeper/roomkeeper/shared/notify"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/sweep"
	"github.com/roomkeeper/roomkeeper/shared/video"
	"github.com/roomkeeper/roomkeeper/shared/video/phone"
	"github.com/roomkeeper/roomkeeper/shared/wire"
	web "github.com/roomkeeper/roomkeeper/templates/console"
)

// Local wiring: the same core and handlers as the Lambda functions, with embedded adapters.
// Eight workers: a provider call that hangs holds one until its timeout (shared/video/rest), so
// a few hung calls leave the others flowing; bbolt takes one write at a time whatever their number.
const (
	workers      = 8
	queueSize    = 1024
	reapInterval = time.Hour
	wakeQueue    = 64   // due times the workers report to the sweep loop, waiting; more are dropped
	maxWakes     = 1024 // due times the sweep loop keeps; the latest are dropped
)

// app is the whole product in one process.
type app struct {
	cfg        config.Config
	log        *slog.Logger
	now        func() time.Time
	store      *bolt.Store
	outbox     *outbox.Outbox
	queue      *memqueue.Queue
	sandbox    *sandbox.Whereby // nil when a real Whereby key is configured
	reconciler *reconcile.Reconciler
	sweeper    *sweep.Sweeper
	handler    http.Handler
	// slack is the Slack app, and slackJobs the in-process queue of its jobs (SQS on AWS); nil
	// when the app is not configured.
	slack     *slackapp.App
	slackJobs *memqueue.Queue
	// after is the sweep loop's timer: time.After, or a test's on a faster clock.
	after func(time.Duration) <-chan time.Time
	wakes chan time.Time // when a booking a worker left is next due
}

// newApp wires the local adapters to the core. cfg's secrets must already be resolved.
func newApp(cfg config.Config, now func() time.Time, log *slog.Logger) (*app, error) {
	store, err := bolt.Open(filepath.Join(cfg.DataDir, "roomkeeper.db"))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	ob, err := outbox.New(filepath.Join(cfg.DataDir, "outbox"), now)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open outbox: %w", err)
	}
	a := &app{cfg: cfg, log: log, now: now, store: store, outbox: ob, queue: memqueue.New(queueSize),
		after: time.After, wakes: make(chan time.Time, wakeQueue)}

	// The providers' view of the configuration: without a Whereby key, the sandbox's API, which the
	// adapter calls over loopback HTTP exactly as it calls Whereby.
	vcfg := cfg
	if cfg.Whereby.APIKey == "" {
		opts := sandbox.WherebyOptions{
			PublicURL: cfg.PublicURL,
			Now:       now,
			StatePath: filepath.Join(cfg.DataDir, "sandbox-whereby.json"),
		}
		if cfg.Whereby.WebhookSecret != "" {
			// The sandbox's webhooks come back to this process's own handler, signed as Whereby signs.
			opts.WebhookURL = "http://" + cfg.Addr + "/v1/hooks/whereby"
			opts.WebhookSecret = cfg.Whereby.WebhookSecret
		}
		a.sandbox, err = sandbox.NewWhereby(opts)
		if err != nil {
			store.Close()
			return nil, fmt.Errorf("start the Whereby sandbox: %w", err)
		}
		vcfg.Whereby.APIURL, vcfg.Whereby.APIKey = "http://"+cfg.Addr+"/sandbox/whereby/v1", "sandbox"
	}
	secrets := staticSecrets{
		webhook.GenericSecret: cfg.GenericSecret,
		admin.Token:           cfg.AdminToken,
		// The sandbox's secret, or with WHEREBY_API_KEY set, the one configured in Whereby.
		webhook.WherebyWebhookSecret: cfg.Whereby.WebhookSecret,
		webhook.ZoomWebhookSecret:    cfg.Zoom.WebhookSecret,
		link.HostSecret:              cfg.HostSecret,
		link.Secret:                  cfg.LinkSecret,
		video.WherebyAPIKey:          vcfg.Whereby.APIKey,
		video.ZoomClientSecret:       cfg.Zoom.ClientSecret,
		video.TwentyFourClientSecret: cfg.TwentyFour.ClientSecret,
		// The other booking sources, from the environment or the generated dev secrets.
		webhook.CalcomSecret:   sourceSecret(cfg, webhook.CalcomSecret),
		webhook.CalendlySecret: sourceSecret(cfg, webhook.CalendlySecret),
		webhook.CronofySecret:  sourceSecret(cfg, webhook.CronofySecret),
		notify.SecretName:      cfg.NotifySecret,
		slackapp.SigningSecret: cfg.Slack.SigningSecret,
		chat.BotToken:          cfg.Slack.BotToken,
	}
	videos, err := video.New(vcfg, secrets, now, phone.Normalize)
	if err == nil {
		err = videos.Build(context.Background())
	}
	if err != nil {
		store.Close()
		return nil, err
	}
	parts := wire.Parts{Store: store, Videos: videos, Links: &link.Linker{PublicURL: cfg.PublicURL, Secrets: secrets}, Now: now}
	a.reconciler = wire.Reconciler(cfg, parts)
	a.reconciler.Mailer, a.reconciler.Renderer = ob, render.Renderer{}
	if cfg.NotifyURL != "" {
		a.reconciler.Notifier = &notify.Notifier{URL: cfg.NotifyURL, Secrets: secrets, Now: now}
	}
	// A sweep enqueues at most what the queue holds: the workers' backlog.
	a.sweeper = &sweep.Sweeper{Store: store, Queue: a.queue, Now: now, Max: queueSize}
	in := &intake.Intake{Store: store, Queue: a.queue, Now: now, Retention: cfg.Retention, Deployment: cfg.Deployment}
	// The operator's rules and who may use them: the admin API's, and the console's.
	// The sandbox serves Whereby's insights too.
	ops := wire.Operator(cfg, parts, a.reconciler)
	ops.Queue, ops.Outbox = a.queue, ob
	acc := &access.Access{Store: store, Secrets: secrets, Now: now}
	mux := http.NewServeMux()
	if cfg.Slack.Enabled() {
		sl := &chat.Slack{Secrets: secrets, APIURL: cfg.Slack.APIURL}
		a.reconciler.Alerter = sl
		a.slackJobs = memqueue.New(queueSize)
		a.slack = &slackapp.App{
			App: &roomsapp.App{
				Operator: ops, Access: acc, Slack: sl, Secrets: secrets,
				TeamID: cfg.Slack.TeamID, AdminUsergroup: cfg.Slack.AdminUsergroup, AdminUsers: cfg.Slack.AdminUsers,
				PublicURL: cfg.PublicURL, Log: log,
			},
			Store: store, Jobs: localJobs{a.slackJobs}, Now: now,
		}
		a.slack.Register(mux)
	}
	for _, h := range []interface{ Register(*http.ServeMux) }{
		&webhook.Bookings{
			Intake:          in,
			Secrets:         secrets,
			Now:             now,
			Tolerance:       cfg.WebhookTolerance,
			DefaultProvider: cfg.Provider,
			Providers:       cfg.Providers(),
			Log:             log,
		},
		&webhook.Hooks{Intake: in, Secrets: secrets, Now: now, Tolerance: cfg.WebhookTolerance, Log: log},
		&admin.API{Operator: ops, Access: acc, Log: log},
		&webconsole.Console{Operator: ops, Access: acc, Log: log},
		&join.Links{Store: store, Secrets: secrets, Linkers: videos.HostLinkers(), Locale: cfg.Locale, Log: log},
		// The organizer's host links of the older kind, already sent: still verified.
		&httpapi.HostLinks{Store: store, Secrets: secrets, Linkers: videos.HostLinkers(), Log: log},
	} {
		h.Register(mux)
	}
	mux.Handle("/outbox", ob.Handler())
	mux.Handle("/outbox/", ob.Handler())
	if a.sandbox != nil {
		mux.Handle("/sandbox/whereby/", a.sandbox)
	}
	mux.HandleFunc("GET /{$}", a.index)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	a.handler = mux
	return a, nil
}

func (a *app) Close() error { return a.store.Close() }

// run works the queue, sweeps every ROOMKEEPER_SWEEP_INTERVAL (config.LocalSweepInterval when
// unset) and reaps orphaned rooms every hour, until
// ctx is done. A run that leaves its booking due before the next sweep (a short back-off, the
// end of a provider's pause) brings that sweep forward, so the booking is not held up to a
// whole interval longer than the provider asked.
func (a *app) run(ctx context.Context) {
	go a.queue.Run(ctx, workers, a.reconcile)
	if a.slackJobs != nil {
		go a.slackJobs.Run(ctx, 2, a.slackJob)
	}
	reapTick := time.NewTicker(reapInterval)
	defer reapTick.Stop()
	interval := cmp.Or(a.cfg.SweepInterval, config.LocalSweepInterval)
	a.sweep(ctx)
	a.reap(ctx)
	last := a.now()     // the last sweep
	var due []time.Time // when bookings the workers left are due, sorted, at most maxWakes
	for {
		next := last.Add(interval)
		if len(due) > 0 && due[0].Before(next) {
			next = due[0]
		}
		timer := a.after(next.Sub(a.now()))
		select {
		case <-ctx.Done():
			return
		case t := <-a.wakes:
			if i, found := slices.BinarySearchFunc(due, t, time.Time.Compare); !found {
				due = slices.Insert(due, i, t)
				due = due[:min(len(due), maxWakes)]
			}
		case <-timer:
			now := a.now()
			if now.Before(last.Add(interval)) {
				a.enqueueDue(ctx) // early, for a booking due: the purge waits for the regular sweep
			} else {
				a.sweep(ctx)
				last = now
			}
			due = slices.DeleteFunc(due, func(t time.Time) bool { return !t.After(now) })
		case <-reapTick.C:
			a.reap(ctx)
		}
	}
}

// reconcile runs the worker for one booking, logs what it did and tells the sweep loop when
// the booking is next due.
func (a *app) reconcile(ctx context.Context, key string) {
	res, err := a.reconciler.Reconcile(ctx, key)
	if !res.Due.IsZero() {
		select {
		case a.wakes <- res.Due:
		default: // the loop is behind: the regular sweep finds the booking
		}
	}
	log := a.log.With("booking", key)
	if res.Cleanup != "" {
		log = log.With("cleanup", res.Cleanup)
	}
	switch {
	case err != nil:
		log.Error("reconcile failed; the sweeper retries", "err", err)
	case res.Failure != "":
		log.Warn("reconcile step failed", "failure", res.Failure, "permanent", res.Permanent, "steps", res.Steps)
	case len(res.Steps) > 0:
		log.Info("reconciled", "steps", res.Steps)
	}
	if res.Postponed != "" {
		log.Info("cleanup postponed", "reason", res.Postponed, "until", res.PostponedUntil)
	}
	if len(res.NoticesDropped) > 0 {
		log.Warn("outbound webhook events given up", "notices", res.NoticesDropped)
	}
	if res.PossibleDuplicates > 0 {
		log.Warn("invites possibly sent twice after an interrupted run", "metric", "possible_duplicate_invites", "count", res.PossibleDuplicates)
	}
	a.mailReports(ctx)
}

// mailReports records the outbox's bounces and complaints on their bookings and nudges the
// worker for each booking that changed: what the worker does with SES's events on AWS. The
// reports of a run's mail are taken when the run ends, and at every sweep.
func (a *app) mailReports(ctx context.Context) {
	for _, ev := range a.outbox.Reports() {
		log := a.log.With("booking", ev.Key, "mail", string(ev.Kind), "class", ev.Type, "recipients", len(ev.Recipients))
		changed, err := a.reconciler.RecordMail(ctx, ev)
		switch {
		case err != nil:
			log.Error("recording a mail event failed", "err", err)
		case changed:
			log.Info("mail event recorded")
			if err := a.queue.Enqueue(ctx, ev.Key); err != nil {
				log.Warn("worker nudge failed; the sweeper will pick the booking up", "err", err)
			}
		}
	}
}

// sweep enqueues due bookings and deletes records past their retention; it also takes the
// outbox's reports of mail sent outside a worker's run (a hand-made room's notices).
func (a *app) sweep(ctx context.Context) {
	a.mailReports(ctx)
	a.enqueueDue(ctx)
	if n, err := a.store.Purge(ctx, a.now()); err != nil {
		a.log.Error("purge failed", "err", err)
	} else if n > 0 {
		a.log.Info("purged expired records", "count", n)
	}
}

// enqueueDue enqueues due bookings.
func (a *app) enqueueDue(ctx context.Context) {
	if _, err := a.sweeper.Sweep(ctx); err != nil {
		a.log.Error("sweep failed", "err", err)
	}
}

func (a *app) reap(ctx context.Context) {
	n, err := a.reconciler.Reap(ctx)
	if err != nil {
		a.log.Error("reaping orphaned rooms failed", "err", err)
	} else if n > 0 {
		a.log.Info("reaped orphaned rooms", "count", n)
	}
}

// localJobs queues the Slack app's jobs on the in-process queue, as JSON.
type localJobs struct{ q *memqueue.Queue }

func (l localJobs) EnqueueSlack(ctx context.Context, j any) error {
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("encode a slack job: %w", err)
	}
	return l.q.Enqueue(ctx, string(b))
}

// slackJob runs one of the Slack app's jobs.
func (a *app) slackJob(ctx context.Context, raw string) {
	if err := a.slack.RunJSON(ctx, []byte(raw)); err != nil {
		a.log.Error("slack job failed", "err", err)
	}
}

// drain reconciles every booking waiting in the queue, and runs every Slack job waiting, in
// this goroutine. Tests use it to run the worker deterministically.
func (a *app) drain(ctx context.Context) {
	for a.slackJobs != nil {
		wait, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		raw, err := a.slackJobs.Receive(wait)
		cancel()
		if err != nil {
			break
		}
		a.slackJob(ctx, raw)
	}
	for {
		wait, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		key, err := a.queue.Receive(wait)
		cancel()
		if err != nil {
			return
		}
		a.reconcile(ctx, key)
	}
}

var indexPage = template.Must(template.New("index").Funcs(template.FuncMap{"asset": web.Asset}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>roomkeeper</title>
<link rel="icon" href="{{asset "favicon.svg"}}" type="image/svg+xml"><link rel="stylesheet" href="{{asset "style.css"}}"></head>
<body>
<header class="topbar">
<a class="brand" href="/"><img src="{{asset "favicon.svg"}}" alt="" width="28" height="28"><span>roomkeeper</span><span class="where">local</span></a>
<nav aria-label="Local server"><ul><li><a href="/console">Console</a></li><li><a href="/outbox">Outbox</a></li></ul></nav>
</header>
<main class="narrow">
<h1>roomkeeper is running</h1>
<p class="muted">One process with embedded defaults: a database file, an in-process queue, an outbox folder{{if .Sandbox}} and a Whereby sandbox{{end}}.</p>
<ul class="cards">
<li class="card"><h2><a href="/console">Console</a></h2><p>Rooms, who is in them, bookings and usage. Sign in with <code>ROOMKEEPER_ADMIN_TOKEN</code>, which <code>make dev</code> printed.</p></li>
<li class="card"><h2><a href="/outbox">Outbox</a></h2><p>Every e-mail roomkeeper "sent", with its invite.</p></li>
{{if .Sandbox}}<li class="card"><h2>Whereby sandbox</h2><p>The API at <code>/sandbox/whereby/v1</code>; the room pages, where invite links lead, under <code>/sandbox/whereby/rooms/</code>.</p></li>{{end}}
<li class="card"><h2>Booking webhook</h2><p><code>POST /v1/bookings/generic</code>, with a Standard Webhooks signature; <code>make demo</code> sends samples.</p></li>
</ul>
</main>
</body></html>`))

func (a *app) index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexPage.Execute(w, struct{ Sandbox bool }{a.sandbox != nil})
}

// staticSecrets serves secrets held in the configuration.
type staticSecrets map[string]string

func (s staticSecrets) Secret(_ context.Context, name string, _ bool) (string, error) {
	return s[name], nil
}
