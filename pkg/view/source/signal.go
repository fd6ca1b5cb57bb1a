package source

import (
	"context"
	"fmt"

	"k8s.io/client-go/tools/cache"
)

// Signal is a one-slot channel that informer handlers poke on every event; a
// burst of events leaves one pending signal, so redraws coalesce.
type Signal chan struct{}

// NewSignal makes a Signal with nothing pending.
func NewSignal() Signal { return make(Signal, 1) }

// Poke leaves a signal pending, unless one already is.
func (c Signal) Poke() {
	select {
	case c <- struct{}{}:
	default:
	}
}

// handler pokes the signal on every add, update and delete.
func (c Signal) handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { c.Poke() },
		UpdateFunc: func(any, any) { c.Poke() },
		DeleteFunc: func(any) { c.Poke() },
	}
}

// WatchInformers registers the signal on each informer, starts them (until ctx
// ends) and waits for their caches to fill.
func WatchInformers(ctx context.Context, signal Signal, informers ...cache.SharedIndexInformer) error {
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
