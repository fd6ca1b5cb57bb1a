// Package analysis is the AnalysisRun controller: it takes each run's
// measurements on schedule, judges them with the metrics' conditions, and moves
// the run through the phases of SPEC §3.3.
//
// One sync (sync.go) records the measurements that finished since the last one,
// decides every metric's and the run's phase (assess.go, pure), starts the
// measurements that are due (measurer.go, off the worker), and writes status
// once. The next sync is scheduled with AddAfter for the earliest due
// measurement; a finished measurement wakes its run at once.
package analysis

import (
	"context"
	"errors"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	batchinformers "k8s.io/client-go/informers/batch/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/sluice-dev/sluice/analysis/provider"
	"github.com/sluice-dev/sluice/analysis/provider/job"
	"github.com/sluice-dev/sluice/analysis/provider/judge"
	"github.com/sluice-dev/sluice/analysis/provider/prometheus"
	"github.com/sluice-dev/sluice/analysis/provider/web"
	"github.com/sluice-dev/sluice/internal/freshness"
	runworkers "github.com/sluice-dev/sluice/internal/workers"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions/rollouts/v1alpha1"
	sluicelisters "github.com/sluice-dev/sluice/pkg/client/listers/rollouts/v1alpha1"
)

// Config is what the controller needs from the process that runs it.
type Config struct {
	Kube   kubernetes.Interface
	Sluice sluiceclient.Interface
	// Runs must be filtered to this controller instance.
	Runs sluiceinformers.AnalysisRunInformer
	// Jobs must be filtered to the Jobs job metrics create (job.RunUIDLabel).
	Jobs batchinformers.JobInformer
	// PrometheusAddress is the default for metrics that name no address.
	PrometheusAddress string
	// Web is the web provider's network policy (redirects, denied addresses).
	Web web.Options
	// InstanceID labels the Jobs the controller creates.
	InstanceID string
	// MaxConcurrentMeasurements bounds provider calls in flight (default 200).
	MaxConcurrentMeasurements int
	Recorder                  record.EventRecorder
	Clock                     clock.WithTicker
	// Providers replaces the built-in providers, by type (tests).
	Providers map[string]provider.Provider
}

// Controller reconciles AnalysisRuns.
type Controller struct {
	kube      kubernetes.Interface
	sluice    sluiceclient.Interface
	runLister sluicelisters.AnalysisRunLister
	providers map[string]provider.Provider
	recorder  record.EventRecorder
	clock     clock.WithTicker
	queue     workqueue.TypedRateLimitingInterface[cache.ObjectName]
	synced    []cache.InformerSynced
	freshness *freshness.Tracker
	measurer  *measurer

	mu       sync.Mutex
	prepared map[types.UID]*preparedRun
	// jobChanged marks runs whose Job changed since their last sync, so an
	// in-progress Job measurement is checked at once instead of at its resume
	// time. Losing it (a restart) only delays the check to the resume time.
	jobChanged map[types.UID]bool
}

// NewController wires the informers' event handlers to a rate-limited queue.
func NewController(cfg Config) (*Controller, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.MaxConcurrentMeasurements <= 0 {
		cfg.MaxConcurrentMeasurements = 200
	}
	c := &Controller{
		kube:       cfg.Kube,
		sluice:     cfg.Sluice,
		runLister:  cfg.Runs.Lister(),
		providers:  cfg.Providers,
		recorder:   cfg.Recorder,
		clock:      cfg.Clock,
		freshness:  freshness.New(),
		prepared:   map[types.UID]*preparedRun{},
		jobChanged: map[types.UID]bool{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: "analysisruns", Clock: cfg.Clock}),
		synced: []cache.InformerSynced{cfg.Runs.Informer().HasSynced},
	}
	c.measurer = newMeasurer(cfg.Clock, cfg.MaxConcurrentMeasurements, func(run *v1alpha1.AnalysisRun) {
		c.queue.Add(cache.MetaObjectToName(run))
	})
	if c.providers == nil {
		c.providers = map[string]provider.Provider{
			"prometheus": prometheus.New(cfg.PrometheusAddress),
			"judge":      judge.New(cfg.PrometheusAddress),
			"web":        web.NewWithOptions(cfg.Web),
		}
		if cfg.Jobs != nil {
			c.providers["job"] = job.New(cfg.Kube, cfg.Jobs.Lister(), cfg.InstanceID)
		}
	}
	if _, err := cfg.Runs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
		DeleteFunc: c.runDeleted,
	}); err != nil {
		return nil, err
	}
	// The cache catching up with this controller's own status writes frees the
	// runs those writes returned (freshness.Tracker.Observed).
	if _, err := cfg.Runs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.freshness.Observed,
		UpdateFunc: func(_, obj any) { c.freshness.Observed(obj) },
	}); err != nil {
		return nil, err
	}
	if cfg.Jobs != nil {
		c.synced = append(c.synced, cfg.Jobs.Informer().HasSynced)
		if _, err := cfg.Jobs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    c.enqueueJobOwner,
			UpdateFunc: func(_, obj any) { c.enqueueJobOwner(obj) },
		}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Run waits for the caches, then runs workers until ctx is cancelled, and returns
// once every worker has finished its current item.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return runworkers.Run(ctx, "analysisrun", c.queue, c.synced, workers, c.processNextItem)
}

func (c *Controller) processNextItem(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)
	logger := klog.FromContext(ctx).WithValues("analysisrun", key.Name, "namespace", key.Namespace)
	requeueAfter, err := c.sync(klog.NewContext(ctx, logger), key)
	switch {
	case err == nil:
		c.queue.Forget(key)
		if requeueAfter > 0 {
			c.queue.AddAfter(key, requeueAfter)
		}
	case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) || apierrors.IsNotFound(err):
		c.queue.Forget(key)
	default:
		if apierrors.IsConflict(err) {
			logger.V(4).Info("Conflict, requeueing", "err", err)
		} else {
			logger.Error(err, "Reconcile failed")
		}
		c.queue.AddRateLimited(key)
	}
	return true
}

func (c *Controller) enqueue(obj any) {
	if run, ok := obj.(*v1alpha1.AnalysisRun); ok {
		c.queue.Add(cache.MetaObjectToName(run))
	}
}

// runDeleted drops what the controller keeps in memory for a run. Its Jobs go
// with it through their owner references.
func (c *Controller) runDeleted(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	run, ok := obj.(*v1alpha1.AnalysisRun)
	if !ok {
		return
	}
	c.mu.Lock()
	delete(c.prepared, run.UID)
	delete(c.jobChanged, run.UID)
	c.mu.Unlock()
	c.measurer.forget(run.UID)
	c.freshness.Forget(run.UID)
}

// enqueueJobOwner wakes the run whose Job metric changed, so a finished Job is
// judged at once rather than at its next scheduled check.
func (c *Controller) enqueueJobOwner(obj any) {
	j, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(j); ref != nil && ref.Kind == "AnalysisRun" && ref.APIVersion == v1alpha1.SchemeGroupVersion.String() {
		c.mu.Lock()
		c.jobChanged[ref.UID] = true
		c.mu.Unlock()
		c.queue.Add(cache.ObjectName{Namespace: j.Namespace, Name: ref.Name})
	}
}

// takeJobChanged reports and clears whether the run's Job changed.
func (c *Controller) takeJobChanged(run types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := c.jobChanged[run]
	delete(c.jobChanged, run)
	return changed
}

var errStale = errors.New("cache older than the last write")
