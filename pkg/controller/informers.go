package controller

import (
	"context"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	kubeinformers "k8s.io/client-go/informers"
	discoveryinformers "k8s.io/client-go/informers/discovery/v1"
	"k8s.io/client-go/metadata/metadatainformer"

	notifycontroller "github.com/sluice-dev/sluice/notifications/controller"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
	"github.com/sluice-dev/sluice/rollout"
)

// rolloutResync re-delivers every cached Rollout (and AnalysisRun) this often.
//
// Resync is a safety net, not a clock (DESIGN §2): every timed wait uses
// AddAfter, and every change of a watched object triggers a sync. A periodic
// resync only repairs a missed requeue (a bug, or a write to an object sluice
// does not watch). A sync of an unchanged Rollout reads caches and writes
// nothing, so ten minutes costs little even for thousands of Rollouts. The
// built-in kinds get no resync: ReplicaSet and Service events only wake their
// Rollouts, which the Rollout resync already covers.
const rolloutResync = 10 * time.Minute

// informers holds the shared informer factories, split by the filter their
// objects need.
type informers struct {
	// sluice: objects sluice owns per instance — Rollouts, AnalysisRuns.
	sluice sluiceinformers.SharedInformerFactory
	// unfilteredSluice: objects users reference by name and need not label —
	// AnalysisTemplates, ClusterAnalysisTemplates.
	unfilteredSluice sluiceinformers.SharedInformerFactory
	// ownedKube: built-in objects sluice creates — ReplicaSets with sluice's
	// pod-template-hash label, for this instance.
	ownedKube kubeinformers.SharedInformerFactory
	// kube: built-in objects a Rollout names — Services, their EndpointSlices,
	// Deployments.
	kube kubeinformers.SharedInformerFactory
	// analysisJobs: the Jobs of job metrics, for this instance.
	analysisJobs kubeinformers.SharedInformerFactory
	// ownedMetadata: metadata-only views of pods of sluice's ReplicaSets.
	ownedMetadata metadatainformer.SharedInformerFactory
	// notifications: the ConfigMaps and Secrets named sluice-notifications
	// (nothing else), in the controller's namespace or, with self-service
	// notifications, in every namespace.
	notifications kubeinformers.SharedInformerFactory
}

func newInformers(o Options, cs *clients) *informers {
	instance := instanceSelector(o.InstanceID).String()
	owned := replicaSetSelector(o.InstanceID).String()
	pods := podSelector().String()
	jobs := jobSelector(o.InstanceID).String()
	return &informers{
		sluice: sluiceinformers.NewSharedInformerFactoryWithOptions(cs.sluice, rolloutResync,
			sluiceinformers.WithNamespace(o.Namespace),
			sluiceinformers.WithTweakListOptions(func(lo *metav1.ListOptions) { lo.LabelSelector = instance }),
			sluiceinformers.WithTransform(trimCached)),
		unfilteredSluice: sluiceinformers.NewSharedInformerFactoryWithOptions(cs.sluice, 0,
			sluiceinformers.WithNamespace(o.Namespace),
			sluiceinformers.WithTransform(trimCached)),
		ownedKube: kubeinformers.NewSharedInformerFactoryWithOptions(cs.kube, 0,
			kubeinformers.WithNamespace(o.Namespace),
			kubeinformers.WithTweakListOptions(func(lo *metav1.ListOptions) { lo.LabelSelector = owned }),
			kubeinformers.WithTransform(trimCached)),
		kube: kubeinformers.NewSharedInformerFactoryWithOptions(cs.kube, 0,
			kubeinformers.WithNamespace(o.Namespace),
			kubeinformers.WithTransform(trimCached)),
		analysisJobs: kubeinformers.NewSharedInformerFactoryWithOptions(cs.kube, 0,
			kubeinformers.WithNamespace(o.Namespace),
			kubeinformers.WithTweakListOptions(func(lo *metav1.ListOptions) { lo.LabelSelector = jobs }),
			kubeinformers.WithTransform(trimCached)),
		ownedMetadata: metadatainformer.NewFilteredSharedInformerFactory(cs.metadata, 0, o.Namespace,
			func(lo *metav1.ListOptions) { lo.LabelSelector = pods }),
		notifications: kubeinformers.NewSharedInformerFactoryWithOptions(cs.kube, 0,
			kubeinformers.WithNamespace(o.notificationsWatchNamespace()),
			kubeinformers.WithTweakListOptions(func(lo *metav1.ListOptions) { lo.FieldSelector = notificationsObjects }),
			kubeinformers.WithTransform(trimCached)),
	}
}

// notificationsObjects selects the notifications ConfigMap and Secret by name.
var notificationsObjects = fields.OneTermEqualSelector("metadata.name", notifycontroller.ObjectName).String()

// pods is the metadata-only pod informer (restarts read pod names and ages).
func (i *informers) pods() kubeinformers.GenericInformer {
	gi := i.ownedMetadata.ForResource(corev1.SchemeGroupVersion.WithResource("pods"))
	// The metadata factory takes no transform option together with a filter;
	// set it on the informer, which is allowed until it starts.
	_ = gi.Informer().SetTransform(trimCached)
	return gi
}

// endpointSlices is the EndpointSlice informer, trimmed to what cutover checks
// read: unfiltered (slices carry no sluice label), so keep each one small.
func (i *informers) endpointSlices() discoveryinformers.EndpointSliceInformer {
	inf := i.kube.Discovery().V1().EndpointSlices()
	_ = inf.Informer().SetTransform(rollout.TrimEndpointSlice)
	return inf
}

// start starts every informer requested so far; they stop when ctx is done.
func (i *informers) start(ctx context.Context) {
	i.sluice.Start(ctx.Done())
	i.unfilteredSluice.Start(ctx.Done())
	i.ownedKube.Start(ctx.Done())
	i.analysisJobs.Start(ctx.Done())
	i.kube.Start(ctx.Done())
	i.ownedMetadata.Start(ctx.Done())
	i.notifications.Start(ctx.Done())
}

// waitForSync reports whether every started informer synced before ctx ended.
func (i *informers) waitForSync(ctx context.Context) bool {
	synced := true
	for _, ok := range i.ownedMetadata.WaitForCacheSync(ctx.Done()) {
		synced = synced && ok
	}
	for _, s := range []func(<-chan struct{}) map[reflect.Type]bool{
		i.sluice.WaitForCacheSync, i.unfilteredSluice.WaitForCacheSync,
		i.ownedKube.WaitForCacheSync, i.analysisJobs.WaitForCacheSync, i.kube.WaitForCacheSync,
		i.notifications.WaitForCacheSync,
	} {
		for _, ok := range s(ctx.Done()) {
			synced = synced && ok
		}
	}
	return synced
}

// shutdown waits for the informers' goroutines; call it after ctx is done.
func (i *informers) shutdown() {
	i.sluice.Shutdown()
	i.unfilteredSluice.Shutdown()
	i.ownedKube.Shutdown()
	i.analysisJobs.Shutdown()
	i.kube.Shutdown()
	i.ownedMetadata.Shutdown()
	i.notifications.Shutdown()
}

// trimCached drops from a cached object what sluice never reads:
//   - metadata.managedFields, a large share of every object;
//   - the last-applied-configuration annotation client-side `kubectl apply`
//     keeps: the whole applied manifest again, which nearly doubles an
//     applied Rollout with a large pod template (docs/benchmarks.md,
//     "Decoding and caches").
//
// Nothing is written back without them: sluice patches what it changes, and a
// status update changes status alone (the API server keeps the stored
// metadata). The exception is the Deployment of a workloadRef, whose
// scale-down updates the cached copy whole (rollout/workload.go): it keeps the
// annotation, or that update would delete it and the user's next kubectl
// apply would no longer know what it applied before.
func trimCached(obj any) (any, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return obj, nil // a DeletedFinalStateUnknown: nothing cached to trim
	}
	m.SetManagedFields(nil)
	if _, writtenWhole := obj.(*appsv1.Deployment); !writtenWhole {
		dropLastApplied(m)
	}
	return obj, nil
}

// dropManagedFields is the transform of objects the controller writes back
// whole: it keeps every annotation.
func dropManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// dropLastApplied removes kubectl's last-applied-configuration annotation. The
// object is the informer's own, just decoded, so its map can change in place.
func dropLastApplied(m metav1.Object) {
	annotations := m.GetAnnotations()
	if _, ok := annotations[corev1.LastAppliedConfigAnnotation]; !ok {
		return
	}
	delete(annotations, corev1.LastAppliedConfigAnnotation)
	if len(annotations) == 0 {
		annotations = nil
	}
	m.SetAnnotations(annotations)
}
