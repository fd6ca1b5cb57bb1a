// Package rollout is the Rollout controller: it watches Rollouts, their
// ReplicaSets and the Services they name, and reconciles each Rollout toward the
// state package plan decides.
//
// One reconcile (sync.go) reads everything from informer caches, asks plan what
// to do, applies it with small idempotent writers (replicasets.go, services.go),
// and writes status once (status.go).
package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	appsinformers "k8s.io/client-go/informers/apps/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	discoveryinformers "k8s.io/client-go/informers/discovery/v1"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/sluice-dev/sluice/internal/freshness"
	runworkers "github.com/sluice-dev/sluice/internal/workers"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions/rollouts/v1alpha1"
	sluicelisters "github.com/sluice-dev/sluice/pkg/client/listers/rollouts/v1alpha1"
)

// serviceIndex indexes Rollouts by the "namespace/name" of every Service they name,
// so a Service event wakes exactly the Rollouts that use it.
const serviceIndex = "byService"

// Config is what the controller needs from the process that runs it.
type Config struct {
	Kube     kubernetes.Interface
	Sluice   sluiceclient.Interface
	Rollouts sluiceinformers.RolloutInformer
	// ReplicaSets must be filtered to sluice's pod-template-hash label.
	ReplicaSets appsinformers.ReplicaSetInformer
	Services    coreinformers.ServiceInformer
	// EndpointSlices serve the cutover checks; TrimEndpointSlice is a fitting
	// transform for it.
	EndpointSlices discoveryinformers.EndpointSliceInformer
	// Deployments serves workloadRef; it may be nil when no Rollout uses one.
	Deployments appsinformers.DeploymentInformer
	// Pods is a metadata-only pod informer filtered to sluice's pod-template-hash
	// label. Cutover checks read endpoints' pod labels from it, restarts
	// (spec.restartAt) read pod names and ages; it is required.
	Pods informers.GenericInformer
	// AnalysisRuns must be filtered to this instance; the templates are not.
	// All three may be nil together (no analysis).
	AnalysisRuns             sluiceinformers.AnalysisRunInformer
	AnalysisTemplates        sluiceinformers.AnalysisTemplateInformer
	ClusterAnalysisTemplates sluiceinformers.ClusterAnalysisTemplateInformer
	// Dynamic writes routing objects; Routing serves their caches. Both may be
	// nil (no traffic routing: Rollouts that use it are InvalidSpec).
	Dynamic  dynamic.Interface
	Routing  RoutingSources
	Recorder record.EventRecorder
	Clock    clock.Clock
}

// Controller reconciles Rollouts.
type Controller struct {
	kube                  kubernetes.Interface
	sluice                sluiceclient.Interface
	rolloutLister         sluicelisters.RolloutLister
	rolloutIndex          cache.Indexer
	rsLister              appslisters.ReplicaSetLister
	serviceLister         corelisters.ServiceLister
	serviceCache          cache.Indexer
	podLister             cache.GenericLister
	podIndex              cache.Indexer
	rsIndex               cache.Indexer
	sliceIndex            cache.Indexer
	deploymentLister      appslisters.DeploymentLister
	runIndex              cache.Indexer
	templateLister        sluicelisters.AnalysisTemplateLister
	clusterTemplateLister sluicelisters.ClusterAnalysisTemplateLister
	dynamic               dynamic.Interface
	routing               RoutingSources
	recorder              record.EventRecorder
	clock                 clock.Clock
	queue                 workqueue.TypedRateLimitingInterface[cache.ObjectName]
	synced                []cache.InformerSynced
	freshness             *freshness.Tracker
	counts                *countsBatch
	pauses                *pauseStarts
}

// NewController wires the informers' event handlers to a rate-limited queue.
func NewController(cfg Config) (*Controller, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	c := &Controller{
		kube:          cfg.Kube,
		sluice:        cfg.Sluice,
		rolloutLister: cfg.Rollouts.Lister(),
		rolloutIndex:  cfg.Rollouts.Informer().GetIndexer(),
		rsLister:      cfg.ReplicaSets.Lister(),
		serviceLister: cfg.Services.Lister(),
		recorder:      countingRecorder{cfg.Recorder},
		dynamic:       cfg.Dynamic,
		routing:       cfg.Routing,
		clock:         cfg.Clock,
		freshness:     freshness.New(),
		counts:        newCountsBatch(),
		pauses:        newPauseStarts(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: "rollouts"}),
		synced: []cache.InformerSynced{
			cfg.Rollouts.Informer().HasSynced,
			cfg.ReplicaSets.Informer().HasSynced,
			cfg.Services.Informer().HasSynced,
		},
	}
	if err := cfg.ReplicaSets.Informer().AddIndexers(cache.Indexers{rsOwnerIndex: replicaSetOwner}); err != nil {
		return nil, fmt.Errorf("add ReplicaSet owner index: %w", err)
	}
	c.rsIndex = cfg.ReplicaSets.Informer().GetIndexer()
	if cfg.Pods == nil {
		return nil, errors.New("the Rollout controller needs the pod metadata informer (Config.Pods): cutover checks read pod labels")
	}
	if err := cfg.Pods.Informer().AddIndexers(cache.Indexers{podHashIndex: podHash}); err != nil {
		return nil, fmt.Errorf("add pod hash index: %w", err)
	}
	c.podIndex = cfg.Pods.Informer().GetIndexer()
	c.podLister = cfg.Pods.Lister()
	c.synced = append(c.synced, cfg.Pods.Informer().HasSynced)
	// Only a pod's arrival matters (endpointsShowOnly); its later changes come
	// with ReplicaSet status and EndpointSlice events.
	if _, err := cfg.Pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: c.enqueuePodOwner}); err != nil {
		return nil, fmt.Errorf("add pod handler: %w", err)
	}
	if cfg.Deployments != nil {
		c.deploymentLister = cfg.Deployments.Lister()
		c.synced = append(c.synced, cfg.Deployments.Informer().HasSynced)
		if err := onEveryChange(cfg.Deployments.Informer(), c.enqueueWorkloadUsers); err != nil {
			return nil, err
		}
	}
	if cfg.Routing != nil {
		cfg.Routing.OnChange(c.enqueueRoutingUsers)
	}
	if cfg.AnalysisRuns != nil {
		if err := c.watchAnalysis(cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.Rollouts.Informer().AddIndexers(cache.Indexers{serviceIndex: servicesOfRollout, workloadIndex: workloadOfRollout, templateIndex: templatesOfRollout, routingIndex: routingObjectsOfRollout}); err != nil {
		return nil, fmt.Errorf("add Rollout service index: %w", err)
	}
	if _, err := cfg.Rollouts.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue, UpdateFunc: c.rolloutUpdated, DeleteFunc: c.enqueue,
	}); err != nil {
		return nil, err
	}
	if err := onEveryChange(cfg.ReplicaSets.Informer(), c.enqueueOwner); err != nil {
		return nil, err
	}
	// The caches catching up with sluice's own writes free the objects those
	// writes returned (freshness.Tracker.Observed).
	for _, informer := range []cache.SharedInformer{cfg.Rollouts.Informer(), cfg.ReplicaSets.Informer(), cfg.Services.Informer()} {
		if err := onEveryChange(informer, c.freshness.Observed); err != nil {
			return nil, err
		}
	}
	if err := onEveryChange(cfg.Services.Informer(), c.enqueueServiceUsers); err != nil {
		return nil, err
	}
	if err := cfg.Services.Informer().AddIndexers(cache.Indexers{managedByIndex: serviceManager}); err != nil {
		return nil, fmt.Errorf("add Service managed-by index: %w", err)
	}
	c.serviceCache = cfg.Services.Informer().GetIndexer()
	if err := onEveryChange(cfg.Services.Informer(), c.enqueueReleasable); err != nil {
		return nil, err
	}
	if err := cfg.EndpointSlices.Informer().AddIndexers(cache.Indexers{sliceServiceIndex: sliceService}); err != nil {
		return nil, fmt.Errorf("add EndpointSlice service index: %w", err)
	}
	c.sliceIndex = cfg.EndpointSlices.Informer().GetIndexer()
	c.synced = append(c.synced, cfg.EndpointSlices.Informer().HasSynced)
	if err := onEveryChange(cfg.EndpointSlices.Informer(), c.enqueueSliceUsers); err != nil {
		return nil, err
	}
	return c, nil
}

// Run waits for the caches, then runs workers until ctx is cancelled, and returns
// once every worker has finished its current item.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return runworkers.Run(ctx, "rollout", c.queue, c.synced, workers, c.processNextItem)
}

func (c *Controller) processNextItem(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)
	logger := klog.FromContext(ctx).WithValues("rollout", key.Name, "namespace", key.Namespace)
	start := time.Now()
	requeueAfter, err := c.sync(klog.NewContext(ctx, logger), key)
	observeReconcile(start, err != nil && !isConflict(err) && !errors.Is(err, errSpecInvalid))
	switch {
	case errors.Is(err, errSpecInvalid):
		c.queue.AddRateLimited(key)
	case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		// The namespace is going away with the Rollout in it; nothing to do.
		logger.V(2).Info("Namespace is terminating", "err", err)
		c.queue.Forget(key)
	case err != nil:
		if isConflict(err) {
			logger.V(4).Info("Conflict, requeueing", "err", err)
		} else {
			logger.Error(err, "Reconcile failed")
			c.recordReconcileError(key, err)
		}
		c.queue.AddRateLimited(key)
	default:
		c.queue.Forget(key)
		if requeueAfter > 0 {
			c.queue.AddAfter(key, requeueAfter)
		}
	}
	return true
}

// recordReconcileError tells the Rollout's owner, as a Warning event, why a sync
// failed; the event recorder folds repeats into one event with a count.
func (c *Controller) recordReconcileError(key cache.ObjectName, err error) {
	if ro, getErr := c.rolloutLister.Rollouts(key.Namespace).Get(key.Name); getErr == nil {
		c.recorder.Event(ro, corev1.EventTypeWarning, "ReconciliationError", err.Error())
	}
}

func (c *Controller) enqueue(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	ro, ok := obj.(*v1alpha1.Rollout)
	if !ok {
		return
	}
	c.queue.Add(cache.MetaObjectToName(ro))
}

// enqueueOwner wakes the Rollout that controls a ReplicaSet, or, for an orphan,
// every Rollout in its namespace whose selector matches it (it may be adopted).
func (c *Controller) enqueueOwner(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(rs); ref != nil {
		if ref.Kind == "Rollout" && ref.APIVersion == v1alpha1.SchemeGroupVersion.String() {
			c.queue.Add(cache.ObjectName{Namespace: rs.Namespace, Name: ref.Name})
		}
		return
	}
	for _, ro := range c.rolloutsSelecting(rs) {
		c.queue.Add(cache.MetaObjectToName(ro))
	}
}

// enqueueServiceUsers wakes the Rollouts that name a Service (e.g. a missing
// stable Service was just created).
func (c *Controller) enqueueServiceUsers(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return
	}
	c.enqueueIndexed(serviceIndex, svc.Namespace+"/"+svc.Name)
}

// enqueueIndexed wakes the Rollouts filed under key in one of the Rollout
// informer's indexes (the Rollouts that name a Service, a Deployment, a
// template, a routing object).
func (c *Controller) enqueueIndexed(index, key string) {
	users, err := c.rolloutIndex.ByIndex(index, key)
	if err != nil {
		return
	}
	for _, u := range users {
		c.enqueue(u)
	}
}

// enqueueWorkloadUsers wakes the Rollouts whose workloadRef names a Deployment.
func (c *Controller) enqueueWorkloadUsers(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	dep, ok := obj.(*appsv1.Deployment)
	if !ok {
		return
	}
	c.enqueueIndexed(workloadIndex, dep.Namespace+"/"+dep.Name)
}

// servicesOfRollout is the index function behind serviceIndex.
func servicesOfRollout(obj any) ([]string, error) {
	ro, ok := obj.(*v1alpha1.Rollout)
	if !ok {
		return nil, nil
	}
	var keys []string
	for _, name := range referencedServices(ro) {
		keys = append(keys, ro.Namespace+"/"+name)
	}
	return keys, nil
}

// referencedServices lists the Services a Rollout's strategy names.
func referencedServices(ro *v1alpha1.Rollout) []string {
	var names []string
	add := func(n string) {
		if n != "" {
			names = append(names, n)
		}
	}
	if c := ro.Spec.Strategy.Canary; c != nil {
		add(c.StableService)
		add(c.CanaryService)
		add(c.BaselineService)
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		add(bg.ActiveService)
		add(bg.PreviewService)
	}
	return names
}
