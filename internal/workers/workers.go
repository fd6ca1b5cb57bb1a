// Package workers runs a controller's workers over its queue, the loop every
// sluice controller shares.
package workers

import (
	"context"
	"fmt"
	"sync"
	"time"

	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// Run waits for the caches, runs n workers that call process until it returns
// false (the queue shut down), and returns once ctx is cancelled and every
// worker has finished its current item: the queue drains, nothing is cut off
// in the middle of a sync.
func Run[T comparable](ctx context.Context, name string, queue workqueue.TypedRateLimitingInterface[T],
	synced []cache.InformerSynced, n int, process func(context.Context) bool) error {
	defer utilruntime.HandleCrash()
	logger := klog.FromContext(ctx)
	if !cache.WaitForNamedCacheSync(name, ctx.Done(), synced...) {
		return fmt.Errorf("%s controller: caches did not sync", name)
	}
	logger.Info("Starting workers", "controller", name, "workers", n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			wait.UntilWithContext(ctx, func(ctx context.Context) {
				for process(ctx) {
				}
			}, time.Second)
		})
	}
	<-ctx.Done()
	queue.ShutDownWithDrain()
	wg.Wait()
	logger.Info("Workers stopped", "controller", name)
	return nil
}
