package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sluice-dev/sluice/notifications/ledger"
	"github.com/sluice-dev/sluice/notifications/services"
)

// outcome is what one claimed delivery's send came to.
type outcome struct {
	wanted
	err error
	// notTried: the send did not start (the claim was too old, or this
	// process may no longer send); the delivery is retried at once, by
	// whoever holds the next claim.
	notTried bool
	// threadTS is a Slack revision's parent message after the send.
	threadTS string
}

// SendFunc sends one rendered delivery (services.Send; tests replace it).
type SendFunc func(ctx context.Context, req services.Request) (services.Response, error)

// errClaimTooOld holds back a send that would start late in its claim, when
// another process could take the claim over before the send ends.
var errClaimTooOld = errors.New("not sent: the claim is too old to start a send; the delivery is claimed again")

// errMayNotSend holds back sends of a process that may have lost leadership.
var errMayNotSend = errors.New("not sent: this process may no longer lead")

// sendBatches sends each destination's batch on its own goroutine, in order
// within a batch, and returns every outcome. threads are the ledger's Slack
// parent messages; claimedAt is when the claim was written.
func (c *Controller) sendBatches(ctx context.Context, batches [][]wanted, l ledger.Ledger, claimedAt time.Time) []outcome {
	results := make([][]outcome, len(batches))
	var wg sync.WaitGroup
	for i, batch := range batches {
		wg.Go(func() { results[i] = c.sendBatch(ctx, batch, l, claimedAt) })
	}
	wg.Wait()
	var out []outcome
	for _, r := range results {
		out = append(out, r...)
	}
	return out
}

// sendBatch sends one destination's deliveries one after the other.
func (c *Controller) sendBatch(ctx context.Context, batch []wanted, l ledger.Ledger, claimedAt time.Time) []outcome {
	out := make([]outcome, 0, len(batch))
	threads := map[int64]string{} // revision → Slack parent, as this batch leaves it
	for _, w := range batch {
		if _, ok := threads[w.Revision]; !ok {
			threads[w.Revision] = l.Thread(w.Revision, w.Recipient)
		}
		switch {
		case c.cfg.MaySend != nil && !c.cfg.MaySend():
			out = append(out, outcome{wanted: w, err: errMayNotSend, notTried: true})
			continue
		case c.cfg.Clock.Since(claimedAt) > c.cfg.ClaimTimeout/2:
			out = append(out, outcome{wanted: w, err: errClaimTooOld, notTried: true})
			continue
		}
		o := c.sendOne(ctx, w, threads[w.Revision])
		if o.err == nil && o.threadTS != "" {
			threads[w.Revision] = o.threadTS
		}
		out = append(out, o)
	}
	return out
}

// sendOne renders and sends one delivery. A template that cannot render this
// event is a permanent failure: nothing half-made is sent.
func (c *Controller) sendOne(ctx context.Context, w wanted, thread string) outcome {
	msg, err := w.cfg.Set.Render(w.templates, w.Delivery)
	if err != nil {
		return outcome{wanted: w, err: &services.Error{Err: fmt.Errorf("render %v: %w", w.templates, err)}}
	}
	resp, err := c.send(ctx, services.Request{Delivery: w.Delivery, Message: msg, Config: w.cfg, ThreadTS: thread})
	return outcome{wanted: w, err: err, threadTS: resp.ThreadTS}
}
