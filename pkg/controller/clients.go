package controller

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	"github.com/sluice-dev/sluice/pkg/version"
)

// newClients builds the API clients from the options.
func newClients(o Options) (*clients, error) {
	cfg, err := restConfig(o.Kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS = o.QPS
	cfg.Burst = o.Burst
	cfg.UserAgent = component + "/" + version.Version
	// Every client below (copies included) counts its requests by verb and
	// resource in sluice_api_requests_total.
	cfg.Wrap(countAPIRequests)

	// Built-in kinds travel as protobuf (cheaper to decode at scale); sluice's
	// CRDs speak JSON, or CBOR with --cbor (customResourceConfig).
	kubeCfg := rest.CopyConfig(cfg)
	kubeCfg.ContentType = runtime.ContentTypeProtobuf
	kubeCfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	// Leader election's client is copied before the fence goes in: renewing
	// the lease is what keeps the fence open.
	leCfg := rest.CopyConfig(kubeCfg)

	cs := &clients{}
	if o.LeaderElect {
		cs.fence = newLeaseFence(o.RenewDeadline)
		cfg.Wrap(cs.fence.wrap)
		kubeCfg.Wrap(cs.fence.wrap)
	}
	if cs.kube, err = kubernetes.NewForConfig(kubeCfg); err != nil {
		return nil, fmt.Errorf("build Kubernetes client: %w", err)
	}
	// Events get a client (and so a rate limiter) of their own: a wave of
	// updates records about as many events as it makes other writes, and they
	// must not hold back the writes that move rollouts.
	eventsCfg := rest.CopyConfig(kubeCfg)
	eventsCfg.UserAgent += "/events"
	if cs.events, err = kubernetes.NewForConfig(eventsCfg); err != nil {
		return nil, fmt.Errorf("build events client: %w", err)
	}
	// The sluice client carries the Rollout status writes. Its limiter has the
	// same budget as the others but sends the writes a user is waiting to see
	// (a phase, a step, a pause ended) ahead of ordinary ones queued before
	// them (prioritylimiter.go). The copy keeps that limiter to this client:
	// the clients built from cfg below have limiters of their own.
	sluiceCfg, err := customResourceConfig(cfg, o.CBOR)
	if err != nil {
		return nil, err
	}
	sluiceCfg.RateLimiter = newPriorityLimiter(o.QPS, o.Burst)
	if cs.sluice, err = sluiceclient.NewForConfig(sluiceCfg); err != nil {
		return nil, fmt.Errorf("build sluice client: %w", err)
	}
	// The notifications ledger gets a client (and so a rate limiter) of its
	// own too, slower by default: its claim and mark writes must not hold back
	// the writes that move rollouts (docs/benchmarks.md: sharing one made a
	// wave 38% longer), and a delivery can wait a few seconds.
	notifyCfg, err := customResourceConfig(cfg, o.CBOR)
	if err != nil {
		return nil, err
	}
	notifyCfg.UserAgent += "/notifications"
	notifyCfg.QPS, notifyCfg.Burst = o.NotificationsQPS, max(1, int(2*o.NotificationsQPS))
	if cs.notifications, err = sluiceclient.NewForConfig(notifyCfg); err != nil {
		return nil, fmt.Errorf("build notifications client: %w", err)
	}
	if cs.metadata, err = metadata.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("build metadata client: %w", err)
	}
	// Routing objects (VirtualService, DestinationRule, HTTPRoute) are read and
	// written as unstructured JSON, so fields sluice does not know survive.
	if cs.dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("build dynamic client: %w", err)
	}
	if o.LeaderElect {
		leCfg.UserAgent += "/leader-election"
		// A renewal request must not outlive the renew deadline, or one hung
		// request could cost the lease.
		leCfg.Timeout = o.RenewDeadline / 2
		if cs.leaderElection, err = kubernetes.NewForConfig(leCfg); err != nil {
			return nil, fmt.Errorf("build leader election client: %w", err)
		}
	}
	return cs, nil
}

// restConfig loads the client configuration: the --kubeconfig file if given;
// otherwise the in-cluster service account; outside a cluster, $KUBECONFIG and
// then ~/.kube/config (kubectl's rules).
func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("load --kubeconfig %s: %w", kubeconfig, err)
		}
		return cfg, nil
	}
	cfg, err := rest.InClusterConfig()
	if err == nil {
		return cfg, nil
	}
	if !errors.Is(err, rest.ErrNotInCluster) {
		return nil, fmt.Errorf("load in-cluster config: %w", err)
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("not running in a cluster and no usable kubeconfig ($KUBECONFIG or ~/.kube/config; or pass --kubeconfig): %w", err)
	}
	return cfg, nil
}
