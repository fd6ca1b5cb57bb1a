// Package controller delivers notifications: its own informers' events wake a
// rate-limited queue of Rollout keys, and each sync works out from the stored
// objects which deliveries are due, claims them in the Rollout's ledger
// annotation with a write conditioned on resourceVersion, sends them, and
// marks them sent or failed in one more conditioned write.
//
// It never runs inside the Rollout reconcile, and it runs only while this
// process leads: the claim is what makes one process, and only one, send a
// delivery, even while a deposed leader still runs.
package controller

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appsinformers "k8s.io/client-go/informers/apps/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/sluice-dev/sluice/internal/freshness"
	runworkers "github.com/sluice-dev/sluice/internal/workers"
	"github.com/sluice-dev/sluice/notifications/services"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions/rollouts/v1alpha1"
	sluicelisters "github.com/sluice-dev/sluice/pkg/client/listers/rollouts/v1alpha1"
)

// ObjectName is the name of the ConfigMap and the Secret that configure
// notifications, in the controller's namespace (and, with self-service, in a
// Rollout's own namespace).
const ObjectName = "sluice-notifications"

// Defaults for Config's timings.
const (
	// DefaultClaimTimeout is how long a claim keeps other processes from
	// sending a delivery. A process that claimed and died is replaced after
	// it; a sender only starts a send in the first half of it, so a slow
	// destination (10 s timeout) still ends before anyone else may take over.
	DefaultClaimTimeout = 30 * time.Second
	// DefaultGiveUp is how long a failing delivery is retried.
	DefaultGiveUp = time.Hour
)

// Config is what the controller needs from the process that runs it.
type Config struct {
	Kube   kubernetes.Interface
	Sluice sluiceclient.Interface
	// Rollouts and AnalysisRuns are the manager's informers (this instance's
	// objects); ReplicaSets is filtered to sluice's pod-template-hash label.
	Rollouts     sluiceinformers.RolloutInformer
	AnalysisRuns sluiceinformers.AnalysisRunInformer
	ReplicaSets  appsinformers.ReplicaSetInformer
	// ConfigMaps and Secrets must be filtered to the name ObjectName; they
	// cover Namespace, and every namespace when SelfService is set.
	ConfigMaps coreinformers.ConfigMapInformer
	Secrets    coreinformers.SecretInformer
	// Namespace is the controller's namespace: its ConfigMap and Secret
	// configure every Rollout.
	Namespace string
	// SelfService adds each Rollout namespace's own ConfigMap and Secret.
	SelfService bool
	// Holder names this process in the claims it writes.
	Holder string
	// ClaimTimeout and GiveUp default to DefaultClaimTimeout, DefaultGiveUp.
	ClaimTimeout time.Duration
	GiveUp       time.Duration
	// MaySend, when set, is asked before every send: false holds the send
	// back (the lease fence of a process that may have lost leadership).
	MaySend func() bool
	// Send sends one delivery; nil means services.Send.
	Send     SendFunc
	Recorder record.EventRecorder
	Clock    clock.Clock
}

// Controller delivers notifications for Rollouts.
type Controller struct {
	cfg           Config
	rolloutLister sluicelisters.RolloutLister
	runIndex      cache.Indexer
	rsIndex       cache.Indexer
	queue         workqueue.TypedRateLimitingInterface[cache.ObjectName]
	synced        []cache.InformerSynced
	configs       *configCache
	fresh         *freshness.Tracker // the Rollouts' versions this controller's writes replaced
	send          SendFunc
}

// Index names are this controller's own, apart from the Rollout controller's
// indexes on the same shared informers.
const (
	runOwnerIndex = "notifications.byOwner"
	rsOwnerIndex  = "notifications.byOwner"
)

// NewController wires the informers' event handlers to the queue.
func NewController(cfg Config) (*Controller, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.ClaimTimeout <= 0 {
		cfg.ClaimTimeout = DefaultClaimTimeout
	}
	if cfg.GiveUp <= 0 {
		cfg.GiveUp = DefaultGiveUp
	}
	c := &Controller{
		cfg:           cfg,
		send:          cfg.Send,
		fresh:         freshness.New(),
		configs:       &configCache{byNS: map[string]loadedConfig{}, byUID: map[types.UID]string{}},
		rolloutLister: cfg.Rollouts.Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: "notifications"}),
		synced: []cache.InformerSynced{
			cfg.Rollouts.Informer().HasSynced, cfg.AnalysisRuns.Informer().HasSynced,
			cfg.ReplicaSets.Informer().HasSynced, cfg.ConfigMaps.Informer().HasSynced,
			cfg.Secrets.Informer().HasSynced,
		},
	}
	if c.send == nil {
		c.send = services.Send
	}
	c.configs.report = c.reportConfigProblems
	runs := cfg.AnalysisRuns.Informer()
	if err := runs.AddIndexers(cache.Indexers{runOwnerIndex: controllerUID}); err != nil {
		return nil, fmt.Errorf("add AnalysisRun owner index: %w", err)
	}
	c.runIndex = runs.GetIndexer()
	rss := cfg.ReplicaSets.Informer()
	if err := rss.AddIndexers(cache.Indexers{rsOwnerIndex: controllerUID}); err != nil {
		return nil, fmt.Errorf("add ReplicaSet owner index: %w", err)
	}
	c.rsIndex = rss.GetIndexer()
	handlers := []struct {
		informer cache.SharedIndexInformer
		fn       func(any)
	}{
		{cfg.Rollouts.Informer(), c.enqueueRollout},
		{runs, c.enqueueOwner},
		{cfg.ConfigMaps.Informer(), c.enqueueNamespaceOf},
		{cfg.Secrets.Informer(), c.enqueueNamespaceOf},
	}
	if _, err := cfg.Rollouts.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: func(obj any) {
			if ro, ok := unwrap(obj).(*v1alpha1.Rollout); ok {
				c.configs.forgetRollout(ro.UID)
				c.fresh.Forget(ro.UID)
			}
		},
	}); err != nil {
		return nil, fmt.Errorf("add event handler: %w", err)
	}
	for _, h := range handlers {
		if _, err := h.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: h.fn, UpdateFunc: func(_, obj any) { h.fn(obj) }, DeleteFunc: h.fn,
		}); err != nil {
			return nil, fmt.Errorf("add event handler: %w", err)
		}
	}
	return c, nil
}

// Run waits for the caches, then runs workers until ctx is cancelled, and
// returns once every worker has finished its current item.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return runworkers.Run(ctx, "notifications", c.queue, c.synced, workers, c.processNextItem)
}

func (c *Controller) processNextItem(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)
	logger := klog.FromContext(ctx).WithValues("rollout", key.Name, "namespace", key.Namespace)
	requeueAfter, err := c.sync(klog.NewContext(ctx, logger), key)
	switch {
	case err != nil:
		logger.V(2).Info("Notifications sync failed, requeueing", "err", err)
		c.queue.AddRateLimited(key)
	default:
		c.queue.Forget(key)
		if requeueAfter > 0 {
			c.queue.AddAfter(key, requeueAfter)
		}
	}
	return true
}

func (c *Controller) enqueueRollout(obj any) {
	if ro, ok := unwrap(obj).(*v1alpha1.Rollout); ok {
		c.queue.Add(cache.MetaObjectToName(ro))
	}
}

// enqueueOwner wakes the Rollout that owns an AnalysisRun.
func (c *Controller) enqueueOwner(obj any) {
	m, ok := unwrap(obj).(metav1.Object)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(m); ref != nil && ref.Kind == "Rollout" {
		c.queue.Add(cache.ObjectName{Namespace: m.GetNamespace(), Name: ref.Name})
	}
}

// enqueueNamespaceOf wakes the Rollouts a ConfigMap or Secret configures:
// every Rollout for the controller's own, the namespace's for another.
func (c *Controller) enqueueNamespaceOf(obj any) {
	m, ok := unwrap(obj).(metav1.Object)
	if !ok {
		return
	}
	lister := c.rolloutLister.List
	if m.GetNamespace() != c.cfg.Namespace {
		lister = c.rolloutLister.Rollouts(m.GetNamespace()).List
	}
	all, err := lister(everything)
	if err != nil {
		return
	}
	for _, ro := range all {
		c.queue.Add(cache.MetaObjectToName(ro))
	}
}

// runsOf lists the AnalysisRuns the Rollout owns, from the cache.
func (c *Controller) runsOf(ro *v1alpha1.Rollout) []*v1alpha1.AnalysisRun {
	objs, _ := c.runIndex.ByIndex(runOwnerIndex, string(ro.UID))
	runs := make([]*v1alpha1.AnalysisRun, 0, len(objs))
	for _, o := range objs {
		if r, ok := o.(*v1alpha1.AnalysisRun); ok {
			runs = append(runs, r)
		}
	}
	return runs
}

func controllerUID(obj any) ([]string, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOf(m); ref != nil && ref.Kind == "Rollout" {
		return []string{string(ref.UID)}, nil
	}
	return nil, nil
}

func unwrap(obj any) any {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return tomb.Obj
	}
	return obj
}

// recordWarning leaves a Warning Event on a Rollout or a ConfigMap.
func (c *Controller) recordWarning(obj metav1.Object, reason, message string) {
	if c.cfg.Recorder == nil {
		return
	}
	if ro, ok := obj.(*v1alpha1.Rollout); ok {
		c.cfg.Recorder.Event(ro, corev1.EventTypeWarning, reason, message)
		return
	}
	if cm, ok := obj.(*corev1.ConfigMap); ok {
		c.cfg.Recorder.Event(cm, corev1.EventTypeWarning, reason, message)
	}
}
