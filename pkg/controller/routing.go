package controller

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/sluice-dev/sluice/rollout/trafficrouting/gatewayapi"
	"github.com/sluice-dev/sluice/rollout/trafficrouting/istio"
)

// routingKinds are the kinds traffic routers read. Their CRDs are optional: a
// cluster without Istio has no VirtualService kind.
var routingKinds = []schema.GroupVersionResource{istio.VirtualServices, istio.DestinationRules, gatewayapi.HTTPRoutes}

// crdPollInterval is how often the controller looks for routing CRDs that were
// not installed yet.
const crdPollInterval = 30 * time.Second

// routingInformers watches the routing kinds whose CRDs are installed, and
// starts watching the others when their CRDs appear, without a restart. It
// implements rollout.RoutingSources.
type routingInformers struct {
	factory   dynamicinformer.DynamicSharedInformerFactory
	discovery discovery.DiscoveryInterface

	mu       sync.Mutex
	handlers []func(any)
	started  map[schema.GroupVersionResource]kubeinformers.GenericInformer
}

func newRoutingInformers(client dynamic.Interface, disco discovery.DiscoveryInterface, namespace string) *routingInformers {
	return &routingInformers{
		factory:   dynamicinformer.NewFilteredDynamicSharedInformerFactory(client, 0, namespace, nil),
		discovery: disco,
		started:   map[schema.GroupVersionResource]kubeinformers.GenericInformer{},
	}
}

// OnChange registers a handler for every add, update and delete of a routing
// object. Call it before run.
func (r *routingInformers) OnChange(fn func(any)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers = append(r.handlers, fn)
}

// Lister returns a kind's cache once its informer has synced.
func (r *routingInformers) Lister(gvr schema.GroupVersionResource) (cache.GenericLister, bool) {
	r.mu.Lock()
	gi, ok := r.started[gvr]
	r.mu.Unlock()
	if !ok || !gi.Informer().HasSynced() {
		return nil, false
	}
	return gi.Lister(), true
}

// run starts informers for the installed kinds and keeps looking for the others
// until all are found or ctx ends.
func (r *routingInformers) run(ctx context.Context) {
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if r.startInstalled(ctx) {
			<-ctx.Done() // all found: nothing left to look for
		}
	}, crdPollInterval)
	r.factory.Shutdown()
}

// startInstalled starts the informer of every routing kind the API server now
// serves and reports whether all are running.
func (r *routingInformers) startInstalled(ctx context.Context) bool {
	all := true
	for _, gvr := range routingKinds {
		r.mu.Lock()
		_, running := r.started[gvr]
		r.mu.Unlock()
		if running {
			continue
		}
		if !r.served(gvr) {
			all = false
			continue
		}
		gi := r.factory.ForResource(gvr)
		// Routing objects keep kubectl's last-applied annotation: the routers
		// write them back whole (trafficrouting's edits), and an update
		// without it would delete it. managedFields the API server keeps on
		// an update that leaves them out.
		_ = gi.Informer().SetTransform(dropManagedFields)
		r.mu.Lock()
		handlers := append([]func(any){}, r.handlers...)
		r.started[gvr] = gi
		r.mu.Unlock()
		for _, h := range handlers {
			_, _ = gi.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc:    h,
				UpdateFunc: func(_, obj any) { h(obj) },
				DeleteFunc: h,
			})
		}
		r.factory.Start(ctx.Done())
		klog.FromContext(ctx).Info("Watching traffic routing objects", "resource", gvr.String())
	}
	return all
}

// served reports whether the API server serves a kind (its CRD is installed).
func (r *routingInformers) served(gvr schema.GroupVersionResource) bool {
	list, err := r.discovery.ServerResourcesForGroupVersion(gvr.GroupVersion().String())
	if err != nil {
		if !apierrors.IsNotFound(err) {
			klog.Background().V(2).Info("Discovery failed", "groupVersion", gvr.GroupVersion(), "err", err)
		}
		return false
	}
	for _, res := range list.APIResources {
		if res.Name == gvr.Resource {
			return true
		}
	}
	return false
}
