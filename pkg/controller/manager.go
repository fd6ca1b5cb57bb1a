package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	kubescheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/sluice-dev/sluice/analysis"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	sluicescheme "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/scheme"
	sluicev1alpha1informers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/metrics"
	"github.com/sluice-dev/sluice/rollout"
)

// component is the event source and the start of the user agent.
const component = "sluice-controller"

// Run runs the controller process until ctx is cancelled, then drains the
// controllers, stops the servers and returns nil. It returns an error when
// start-up fails, a server fails, or — with leader election — this replica
// loses the lease (the process should then exit and restart as a standby).
func Run(ctx context.Context, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	// Before any work queue exists: client-go binds a queue to the metrics
	// provider installed when the queue is created.
	metrics.InstallClientGoHooks()
	if err := registerReplacing(apiRequestCollectors()); err != nil {
		return fmt.Errorf("register API request metrics: %w", err)
	}
	cs, err := newClients(o)
	if err != nil {
		return err
	}
	m, err := newManager(o, cs)
	if err != nil {
		return err
	}
	return m.run(ctx)
}

// manager owns everything the controllers share.
type manager struct {
	opts      Options
	clients   *clients
	informers *informers
	// routing watches the traffic routers' objects once their CRDs exist.
	routing     *routingInformers
	events      *eventLanes // decisive events apart from routine ones (events.go)
	recorder    record.EventRecorder
	health      *health
	controllers []runnable
}

// runnable is one controller: run blocks until ctx is cancelled and the
// controller's workers have finished their current items. Its errors name the
// controller.
type runnable struct {
	name string
	run  func(ctx context.Context) error
}

func newManager(o Options, cs *clients) (*manager, error) {
	if o.LeaderElect && cs.fence == nil {
		cs.fence = newLeaseFence(o.RenewDeadline) // fake clients in tests: the watchdog still applies
	}
	m := &manager{
		opts:      o,
		clients:   cs,
		informers: newInformers(o, cs),
		routing:   newRoutingInformers(cs.dynamic, cs.sluice.Discovery(), o.Namespace),
		events:    newEventLanes(),
		health:    newHealth(o.LeaderElect),
	}
	m.recorder = m.events.newRecorder(eventScheme(), corev1.EventSource{Component: component})
	if err := m.addControllers(); err != nil {
		return nil, err
	}
	return m, nil
}

// addControllers builds every controller. Building one registers its informers
// and event handlers with the factories, so this runs before they start.
func (m *manager) addControllers() error {
	rc, err := rollout.NewController(rollout.Config{
		Kube:           m.clients.kube,
		Sluice:         m.clients.sluice,
		Rollouts:       m.informers.sluice.Sluice().V1alpha1().Rollouts(),
		ReplicaSets:    m.informers.ownedKube.Apps().V1().ReplicaSets(),
		Services:       m.informers.kube.Core().V1().Services(),
		EndpointSlices: m.informers.endpointSlices(),
		Pods:           m.informers.pods(),
		// Deployments back workloadRef (the migration path); unfiltered, since
		// users do not label their Deployments for sluice.
		Deployments: m.informers.kube.Apps().V1().Deployments(),
		// Runs are this instance's; users' templates carry no instance label.
		AnalysisRuns:             m.informers.sluice.Sluice().V1alpha1().AnalysisRuns(),
		AnalysisTemplates:        m.informers.unfilteredSluice.Sluice().V1alpha1().AnalysisTemplates(),
		ClusterAnalysisTemplates: m.clusterTemplates(),
		Dynamic:                  m.clients.dynamic,
		Routing:                  m.routing,
		Recorder:                 m.recorder,
		Clock:                    clock.RealClock{},
	})
	if err != nil {
		return fmt.Errorf("build Rollout controller: %w", err)
	}
	if err := registerReplacing(collectorsOf(rc.Collectors())); err != nil {
		return fmt.Errorf("register Rollout metrics: %w", err)
	}
	m.controllers = append(m.controllers, runnable{
		name: "rollout",
		run:  func(ctx context.Context) error { return rc.Run(ctx, m.opts.RolloutWorkers) },
	})

	ac, err := analysis.NewController(analysis.Config{
		Kube:              m.clients.kube,
		Sluice:            m.clients.sluice,
		Runs:              m.informers.sluice.Sluice().V1alpha1().AnalysisRuns(),
		Jobs:              m.informers.analysisJobs.Batch().V1().Jobs(),
		PrometheusAddress: m.opts.PrometheusAddress,
		Web:               m.opts.webOptions(),
		InstanceID:        m.opts.InstanceID,
		Recorder:          m.recorder,
		Clock:             clock.RealClock{},
	})
	if err != nil {
		return fmt.Errorf("build AnalysisRun controller: %w", err)
	}
	if err := registerReplacing(collectorsOf(ac.Collectors())); err != nil {
		return fmt.Errorf("register AnalysisRun metrics: %w", err)
	}
	m.controllers = append(m.controllers, runnable{
		name: "analysisrun",
		run:  func(ctx context.Context) error { return ac.Run(ctx, m.opts.AnalysisWorkers) },
	})
	if m.opts.Notifications {
		return m.addNotifications()
	}
	return nil
}

// clusterTemplates is the ClusterAnalysisTemplate informer, or nil when the
// controller watches one namespace and may not read cluster-scoped objects (a
// namespace install without the optional cluster-reads grant): then Rollouts
// naming a ClusterAnalysisTemplate are InvalidSpec rather than the whole
// controller waiting on a cache that can never sync.
func (m *manager) clusterTemplates() sluicev1alpha1informers.ClusterAnalysisTemplateInformer {
	informer := m.informers.unfilteredSluice.Sluice().V1alpha1().ClusterAnalysisTemplates()
	if m.opts.Namespace == "" {
		return informer
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := m.clients.sluice.SluiceV1alpha1().ClusterAnalysisTemplates().List(ctx, metav1.ListOptions{Limit: 1})
	if apierrors.IsForbidden(err) {
		klog.Background().Info("ClusterAnalysisTemplates cannot be read in namespace mode; Rollouts that name one are InvalidSpec", "namespace", m.opts.Namespace)
		return nil
	}
	return informer
}

// run serves health and metrics, starts the informers, and runs the
// controllers (directly, or as leader) until ctx is cancelled.
func (m *manager) run(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	servers, err := m.listen()
	if err != nil {
		return err
	}
	serverErrs := make(chan error, len(servers))
	for _, s := range servers {
		s.serve(ctx, func(err error) { serverErrs <- err; cancel() })
	}
	defer shutdownServers(ctx, servers) // last: /healthz answers while draining

	events := m.clients.events
	if events == nil {
		events = m.clients.kube
	}
	m.events.startRecording(&typedcorev1.EventSinkImpl{Interface: events.CoreV1().Events("")}, 4)
	defer m.events.shutdown()

	m.informers.start(ctx)
	routingDone := make(chan struct{})
	go func() { defer close(routingDone); m.routing.run(ctx) }()
	defer func() { <-routingDone }()
	defer m.informers.shutdown()
	go func() {
		if m.informers.waitForSync(ctx) {
			logger.Info("Informer caches synced")
			m.health.setSynced()
		}
	}()

	if m.opts.LeaderElect {
		err = m.runAsLeader(ctx)
	} else {
		err = m.runControllers(ctx)
	}
	m.health.setStopping()
	cancel() // stop the informers (and servers' contexts) before the deferred shutdowns wait for them
	select {
	case serr := <-serverErrs:
		err = errors.Join(serr, err)
	default:
	}
	if err == nil {
		logger.Info("Controllers stopped")
	}
	return err
}

// runControllers runs every controller until ctx is cancelled and all have
// drained. If one fails, the others are stopped too.
func (m *manager) runControllers(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	errs := make([]error, len(m.controllers))
	var wg sync.WaitGroup
	for i, c := range m.controllers {
		wg.Go(func() {
			defer utilruntime.HandleCrash()
			err := c.run(ctx)
			switch {
			case err == nil:
			case parent.Err() != nil:
				// Shutdown was asked for; an error now is the cancellation
				// itself (e.g. caches that could not finish syncing).
				klog.FromContext(ctx).V(2).Info("Controller stopped during shutdown", "controller", c.name, "err", err)
			default:
				errs[i] = err
				cancel()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// registerReplacing registers collectors with the process registry, replacing
// those of an earlier controller of the same kind (only tests build several).
func registerReplacing(c prometheus.Collector) error {
	err := metrics.Registry.Register(c)
	var dup prometheus.AlreadyRegisteredError
	if errors.As(err, &dup) {
		metrics.Registry.Unregister(dup.ExistingCollector)
		return metrics.Registry.Register(c)
	}
	return err
}

// collectorsOf bundles collectors so they register (or fail) together.
func collectorsOf(cs []prometheus.Collector) prometheus.Collector { return collectorGroup(cs) }

type collectorGroup []prometheus.Collector

func (g collectorGroup) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range g {
		c.Describe(ch)
	}
}

func (g collectorGroup) Collect(ch chan<- prometheus.Metric) {
	for _, c := range g {
		c.Collect(ch)
	}
}

// eventScheme resolves the references of events about both built-in objects
// (ReplicaSets, Services, the Lease) and sluice's own kinds.
func eventScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(kubescheme.AddToScheme(s))
	utilruntime.Must(sluicescheme.AddToScheme(s))
	return s
}

// clients are the API clients of the process.
type clients struct {
	kube   kubernetes.Interface
	sluice sluiceclient.Interface
	// events records Events, with its own rate limiter (nil: use kube).
	events kubernetes.Interface
	// notifications writes the notifications ledger, with its own rate
	// limiter (nil: use sluice).
	notifications sluiceclient.Interface
	// metadata reads objects as PartialObjectMetadata (pods: names, labels,
	// timestamps — not their specs).
	metadata metadata.Interface
	// dynamic reads and writes the traffic routers' objects.
	dynamic dynamic.Interface
	// leaderElection has its own rate limiter and a short timeout so that lease
	// renewals never queue behind controller traffic. Nil without leader election.
	leaderElection kubernetes.Interface
	// fence holds the other clients' writes back while this replica does not
	// hold a freshly renewed lease (fence.go). Nil without leader election.
	fence *leaseFence
}
