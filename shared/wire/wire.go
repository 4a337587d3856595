// Package wire builds the core's reconciler and the operator's rules from the configuration. The
// settings every process copies from config.Config into them are copied here once, for the Lambda
// functions' mains (the worker; the admin and slack functions through functions/internal/operatorfn)
// and the local process (cmd/roomkeeper) alike, so a new setting reaches all of them. The core
// (shared/reconcile) reads no configuration itself.
package wire

import (
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/operator"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
	"github.com/roomkeeper/roomkeeper/shared/video"
)

// Parts are what a process builds for itself: its store, its providers, its link maker, its clock.
type Parts struct {
	Store  booking.Store
	Videos video.Providers
	Links  booking.Linker
	Now    func() time.Time
}

// Reconciler returns a reconciler over p with cfg's settings. The caller adds what only it has:
// its mailer with the renderer (shared/invite/render, which this package does not import, so that
// the functions that send no mail do not link it), metrics, outbound notifier and alerter, or
// LeaveDialIn.
func Reconciler(cfg config.Config, p Parts) *reconcile.Reconciler {
	return &reconcile.Reconciler{
		Store:        p.Store,
		Links:        p.Links,
		Providers:    p.Videos.ByName(),
		Insights:     p.Videos.Insights(),
		Now:          p.Now,
		Deployment:   cfg.Deployment,
		Zone:         cfg.Zone(),
		MailFrom:     cfg.MailFrom,
		Locale:       cfg.Locale,
		CleanupGrace: cfg.CleanupGrace,
		MaxOverrun:   cfg.MaxOverrun,
		RoomSlack:    cfg.RoomSlack,
		Reminders:    cfg.Reminders,
	}
}

// Operator returns the operator's rules over p and r with cfg's settings. The caller adds its
// queue, and locally the outbox.
func Operator(cfg config.Config, p Parts, r *reconcile.Reconciler) *operator.Operator {
	return &operator.Operator{
		Store:           p.Store,
		Reconciler:      r,
		Insights:        p.Videos.Insights(),
		Links:           p.Links,
		Now:             p.Now,
		DefaultProvider: cfg.Provider,
		Providers:       cfg.Providers(),
		Retention:       cfg.Retention,
		Zone:            cfg.Zone(),
	}
}
