// Package operator holds the rules of what a person who runs roomkeeper may see and do: list and
// read rooms (a booking's, or made by hand) with their sessions and participants, make a room by
// hand, move its end, delete it, list bookings, read usage per day, and erase a person. The JSON
// admin API (shared/httpapi.Admin) calls it, and through the API the `roomkeeper rooms` command
// line; the console and the chat app call it too, so that no rule lives in a handler.
//
// A hand-made room is a record like a booking's (source booking.Manual): the same reconciler
// steps make it, follow it and clean it up after its end, never while a call is live. Its answer
// types carry the admin API's JSON names.
package operator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/reconcile"
)

// Operator carries out an operator's requests. Set its fields once in main.
type Operator struct {
	Store booking.Store
	// Reconciler makes, moves and deletes hand-made rooms at once, with the same steps as the
	// worker; its Mailer may be nil (the worker sends the mail then).
	Reconciler *reconcile.Reconciler
	// Queue, when set, nudges the worker to finish what a change left to it (a room the
	// provider was slow to make); without it the sweeper finds the record within its period.
	Queue booking.Queue
	// Insights are the providers that report their own session figures, by name.
	Insights map[string]booking.Insights
	// Links makes the links the answers show for a record's current room: roomkeeper's own
	// /j/ links (ROOMKEEPER_PUBLIC_URL/j/<token>), never the provider's. Nil shows the
	// provider's (tests that do not look at links).
	Links booking.Linker
	// Outbox, when set, holds copies of sent mail that an erasure must reach (locally).
	Outbox Eraser
	Now    func() time.Time

	DefaultProvider string        // ROOMKEEPER_PROVIDER
	Providers       []string      // the providers configured
	Retention       time.Duration // ROOMKEEPER_RETENTION: records are kept this long after their end
	Zone            *time.Location
	// Wait is how long making, moving or deleting a room waits for the provider before it
	// answers that the worker will finish; 0 means DefaultWait.
	Wait time.Duration
}

// DefaultWait is how long a request that changes a room waits for the provider.
const DefaultWait = 5 * time.Second

// Eraser deletes a person's mail from a store of sent messages (the local outbox).
type Eraser interface {
	// Erase deletes every message to or from email and returns how many it deleted.
	Erase(email string) (int, error)
}

// Limits of the lists.
const (
	DefaultLimit = booking.DefaultPageSize
	MaxLimit     = booking.MaxPageSize
	// loadConcurrency is how many records a list reads from the store at once.
	loadConcurrency = 8
	// insightsTimeout bounds the provider's insights call, so a slow provider costs the figures,
	// not the answer.
	insightsTimeout = 5 * time.Second
)

// loadRecord reads one record, with its activity; a missing one is nil.
func (o *Operator) loadRecord(ctx context.Context, key string) (*booking.Booking, error) {
	b, err := o.Store.Get(ctx, key)
	if errors.Is(err, booking.ErrNotFound) {
		return nil, nil
	}
	if err == nil {
		err = booking.LoadActivity(ctx, o.Store, b)
	}
	if err != nil {
		return nil, booking.Outage(err)
	}
	return b, nil
}

// loadRecords reads the records with the keys, a few at a time, in order. A record deleted
// meanwhile (retention) is left out.
func (o *Operator) loadRecords(ctx context.Context, keys []string) ([]*booking.Booking, error) {
	out := make([]*booking.Booking, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, loadConcurrency)
	var wg sync.WaitGroup
	for i, key := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i], errs[i] = o.loadRecord(ctx, key)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(out, func(b *booking.Booking) bool { return b == nil }), nil
}

// list reads one page of records from one or more of the store's lists, merged by their
// cursors, skipping records keep refuses, and returns the cursor after the last record (empty
// when the lists are done). It reads at most a few of the store's pages, so a page of a filtered
// list may hold fewer than q.Limit records and still have a cursor.
func (o *Operator) list(ctx context.Context, states []booking.ListState, q booking.ListQuery, keep func(*booking.Booking) bool) ([]*booking.Booking, string, error) {
	const maxReads = 4
	var out []*booking.Booking
	after := q.After
	for range maxReads {
		entries, more, err := o.merge(ctx, states, q, after)
		if err != nil {
			return nil, "", err
		}
		keys := make([]string, len(entries))
		for i, e := range entries {
			keys[i] = e.Key
		}
		records, err := o.loadRecords(ctx, keys)
		if err != nil {
			return nil, "", err
		}
		byKey := make(map[string]*booking.Booking, len(records))
		for _, b := range records {
			byKey[b.Key] = b
		}
		for i, e := range entries {
			after = e.Cursor
			if b := byKey[e.Key]; b != nil && keep(b) {
				out = append(out, b)
			}
			if len(out) == q.Limit {
				if i == len(entries)-1 && !more {
					return out, "", nil
				}
				return out, after, nil
			}
		}
		if !more {
			return out, "", nil
		}
	}
	return out, after, nil
}

// merge reads a page from each list starting after after and merges them in list order; more
// says there is more after the last entry returned.
func (o *Operator) merge(ctx context.Context, states []booking.ListState, q booking.ListQuery, after string) ([]booking.ListEntry, bool, error) {
	var all []booking.ListEntry
	more := false
	for _, st := range states {
		lq := q
		lq.State, lq.After = st, after
		page, err := o.Store.List(ctx, lq)
		if err != nil {
			return nil, false, booking.Outage(fmt.Errorf("list %s records: %w", st, err))
		}
		all = append(all, page.Entries...)
		more = more || page.More
	}
	slices.SortFunc(all, func(a, b booking.ListEntry) int {
		if q.Newest {
			return strings.Compare(b.Cursor, a.Cursor)
		}
		return strings.Compare(a.Cursor, b.Cursor)
	})
	if len(all) > q.Limit {
		all, more = all[:q.Limit], true
	}
	return all, more, nil
}

// save applies change to the record with the key and writes it, re-reading it on a version
// conflict. change may refuse (its error is returned as is) or report no change (false: nothing
// written).
func (o *Operator) save(ctx context.Context, key string, change func(*booking.Booking) (bool, error)) (*booking.Booking, error) {
	for attempt := 0; ; attempt++ {
		b, err := o.loadRecord(ctx, key)
		if err != nil {
			return nil, err
		}
		if b == nil {
			return nil, booking.Errorf(booking.NotFound, "", "no such record")
		}
		changed, err := change(b)
		if err != nil || !changed {
			return b, err
		}
		b.UpdatedAt = o.Now()
		err = o.Store.Put(ctx, b)
		if errors.Is(err, booking.ErrConflict) && attempt < 8 {
			continue
		}
		if err != nil {
			return nil, booking.Outage(err)
		}
		return b, nil
	}
}

// settle runs the reconciler's steps for a record at once, for up to Wait: what it cannot
// finish by then (the provider is slow, or a step sends mail and this reconciler sends none) the
// worker finishes. Only a store failure is returned.
func (o *Operator) settle(ctx context.Context, key string) error {
	wait := o.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if _, err := o.Reconciler.Reconcile(wctx, key); err != nil && ctx.Err() == nil && wctx.Err() == nil {
		return booking.Outage(err)
	}
	if o.Queue == nil {
		return nil
	}
	b, err := o.loadRecord(ctx, key)
	if err == nil && b != nil && !b.DueAt.IsZero() && !b.DueAt.After(o.Now()) {
		_ = o.Queue.Enqueue(ctx, key) // a lost nudge costs only time: the sweeper finds it
	}
	return nil
}
