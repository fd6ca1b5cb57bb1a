package cli

import (
	"context"
	"time"

	"github.com/sluice-dev/sluice/pkg/view/source"
)

// pacing bounds how often a watch redraws.
type pacing struct {
	// minGap is the shortest time between two draws.
	minGap time.Duration
	// tick redraws without a change this often (0: only on changes), to keep
	// ages and countdowns moving.
	tick time.Duration
}

// redrawLoop calls draw once at the start and again after every change, but never
// twice within minGap, and every tick. It returns when draw says it is done or
// fails, or when ctx ends (with ctx's error).
func redrawLoop(ctx context.Context, changed source.Signal, p pacing, draw func() (done bool, err error)) error {
	var tick <-chan time.Time
	if p.tick > 0 {
		ticker := time.NewTicker(p.tick)
		defer ticker.Stop()
		tick = ticker.C
	}
	var last time.Time
	for {
		if wait := p.minGap - time.Since(last); wait > 0 && !last.IsZero() {
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return ctx.Err()
			case <-timer.C:
			}
		}
		select { // the draw below covers any change signalled so far
		case <-changed:
		default:
		}
		last = time.Now()
		if done, err := draw(); done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		case <-tick:
		}
	}
}
