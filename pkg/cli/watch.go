package cli

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/tools/cache"
)

// changeSignal is a one-slot channel that informer handlers poke on every event;
// a burst of events leaves one pending signal, so redraws coalesce.
type changeSignal chan struct{}

func newChangeSignal() changeSignal { return make(changeSignal, 1) }

func (c changeSignal) poke() {
	select {
	case c <- struct{}{}:
	default:
	}
}

// handler pokes the signal on every add, update and delete.
func (c changeSignal) handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { c.poke() },
		UpdateFunc: func(any, any) { c.poke() },
		DeleteFunc: func(any) { c.poke() },
	}
}

// watchInformers registers the signal on each informer, starts them and waits for
// their caches to fill.
func watchInformers(ctx context.Context, signal changeSignal, informers ...cache.SharedIndexInformer) error {
	synced := make([]cache.InformerSynced, 0, len(informers))
	for _, inf := range informers {
		if _, err := inf.AddEventHandler(signal.handler()); err != nil {
			return err
		}
		go inf.RunWithContext(ctx)
		synced = append(synced, inf.HasSynced)
	}
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("could not read from the API server")
	}
	return nil
}

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
func redrawLoop(ctx context.Context, changed changeSignal, p pacing, draw func() (done bool, err error)) error {
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
