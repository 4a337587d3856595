// Package operatorfn builds the operator's rules (shared/operator) for the functions that serve
// operators: the admin function (the admin API and the console) and the slack function (the
// Slack app), each over its own table and queue clients, so both apply the same rules.
package operatorfn

import (
	"errors"
	"time"

	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/aws/secrets"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/link"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	"github.com/roomkeeper/roomkeeper/shared/video"
	"github.com/roomkeeper/roomkeeper/shared/wire"
)

// New returns the operator's rules over store and queue and the providers they use. Their
// reconciler makes, moves and deletes hand-made rooms at once with the worker's steps; it sends
// no mail (no Mailer, so no Renderer: the e-mail renderer is not linked) and leaves rooms with
// dial-in to the worker: a step it does not take leaves the room
// due for the worker, nudged through the queue. The providers' secrets are read on their first
// call (video.New), so building them calls nothing. It stops the function if
// ROOMKEEPER_PUBLIC_URL is unset or a provider is half configured.
func New(env start.Env, sec *secrets.Source, store *dynamo.Store, queue *sqs.Queue) (*operator.Operator, video.Providers) {
	cfg := env.Config
	videos, err := video.New(cfg, sec, time.Now, nil) // no phone numbers: dial-in rooms are the worker's
	if err != nil {
		env.Exit(err)
	}
	if cfg.PublicURL == "" {
		env.Exit(errors.New("ROOMKEEPER_PUBLIC_URL is not set: every link roomkeeper shows is made under it"))
	}
	parts := wire.Parts{Store: store, Videos: videos, Links: &link.Linker{PublicURL: cfg.PublicURL, Secrets: sec}, Now: time.Now}
	reconciler := wire.Reconciler(cfg, parts)
	reconciler.LeaveDialIn = true         // its providers have no phone-number library (video.New above)
	reconciler.Metrics = emf.New(env.Log) // hand-made rooms: rooms made, the providers' errors and waits
	ops := wire.Operator(cfg, parts, reconciler)
	ops.Queue = queue
	return ops, videos
}
