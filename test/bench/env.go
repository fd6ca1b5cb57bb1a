package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
)

// Labels the bench puts on what it creates. instanceLabel is the controller's
// (rollout.InstanceLabel): Rollouts and AnalysisRuns carrying another value
// are invisible to other sluice controllers on the shared cluster.
const (
	instanceLabel = "sluice.dev/instance-id"
	hashLabel     = "sluice.dev/pod-template-hash"
	benchLabel    = "sluice.dev/bench"
	kindLabel     = "sluice.dev/bench-kind"
)

// clusterInfo is the part of hack/cluster's cluster.json the bench needs.
type clusterInfo struct {
	Kubeconfig    string `json:"kubeconfig"`
	PrometheusURL string `json:"prometheusURL"`
	ExporterURL   string `json:"exporterURL"`
}

// env is one benchmark run's connection to the cluster and everything it
// started or created there, so teardown removes exactly that.
type env struct {
	cfg       *config
	root      string
	info      clusterInfo
	kube      kubernetes.Interface
	sluice    sluiceclient.Interface
	dynamic   dynamic.Interface
	namespace string
	// t0 is the zero of every timestamp the bench records.
	t0 time.Time

	nodes      []string // KWOK nodes this run added
	proxy      *promProxy
	controller *controllerProc
	// controllerBin is the binary the controller runs from.
	controllerBin string
	sampler       *sampler
	// clusterMeter samples the CPU of the cluster's processes per phase.
	clusterMeter *clusterMeter
	nsCreated    bool
	// sink receives the webhook notifications (--notifications).
	sink *webhookSink

	open   *openPhase
	phases []phaseResult
}

// connect reads cluster.json ($SLUICE_CLUSTER_DIR, else <repo>/.cluster) and
// builds the bench's own clients. Their rate limit is high so that the bench
// never paces the controller.
func connect(cfg *config) (*env, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	dir := os.Getenv("SLUICE_CLUSTER_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".cluster")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "cluster.json"))
	if err != nil {
		return nil, fmt.Errorf("no local cluster (start one with `make cluster-up`): %w", err)
	}
	e := &env{cfg: cfg, root: root, namespace: cfg.instanceID, t0: time.Now(), clusterMeter: newClusterMeter(dir)}
	if err := json.Unmarshal(raw, &e.info); err != nil {
		return nil, fmt.Errorf("read %s/cluster.json: %w", dir, err)
	}
	rc, err := clientcmd.BuildConfigFromFlags("", e.info.Kubeconfig)
	if err != nil {
		return nil, err
	}
	rc.QPS, rc.Burst = 1000, 2000
	rc.UserAgent = "sluice-bench"
	if e.kube, err = kubernetes.NewForConfig(rc); err != nil {
		return nil, err
	}
	if e.sluice, err = sluiceclient.NewForConfig(rc); err != nil {
		return nil, err
	}
	if e.dynamic, err = dynamic.NewForConfig(rc); err != nil {
		return nil, err
	}
	return e, nil
}

// since is the bench clock: time since connect.
func (e *env) since() time.Duration { return time.Since(e.t0) }

// setUp creates the namespace, makes room for the pods, prepares the
// Prometheus side, and starts the controller.
func (e *env) setUp(ctx context.Context) error {
	logf("instance %s, namespace %s", e.cfg.instanceID, e.namespace)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: e.namespace, Labels: map[string]string{benchLabel: e.cfg.instanceID},
	}}
	if _, err := e.kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	e.nsCreated = true
	if err := e.waitDefaultServiceAccount(ctx); err != nil {
		return err
	}
	if e.cfg.analysisRuns == 0 {
		if err := e.ensurePodCapacity(ctx, e.peakPods()); err != nil {
			return err
		}
	}
	if e.cfg.analysisRuns > 0 || e.cfg.analysisShare > 0 || e.cfg.judgeShare > 0 {
		if err := e.prepareExporter(ctx); err != nil {
			return err
		}
	}
	var err error
	if e.proxy, err = startPromProxy(e.info.PrometheusURL, e.t0); err != nil {
		return err
	}
	if e.cfg.notifications {
		if e.sink, err = startWebhookSink(e.t0); err != nil {
			return err
		}
	}
	return e.startController(ctx)
}

// waitDefaultServiceAccount waits until pods may be created in the namespace.
func (e *env) waitDefaultServiceAccount(ctx context.Context) error {
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := e.kube.CoreV1().ServiceAccounts(e.namespace).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
}

// teardown stops the controller first (so it does not react to the
// deletions), then deletes the namespace and waits until it is gone (its pods
// with it), and only then removes the extra nodes: a node deleted under pods
// would leave them to the pod garbage collector.
func (e *env) teardown(ctx context.Context) error {
	var errs []error
	if e.controller != nil {
		e.controller.stop()
	}
	if e.sampler != nil {
		e.sampler.stop()
	}
	if e.proxy != nil {
		e.proxy.close()
	}
	if e.sink != nil {
		e.sink.stop()
	}
	if e.cfg.keep {
		logf("--keep: leaving namespace %s and nodes %v", e.namespace, e.nodes)
		return nil
	}
	if e.nsCreated {
		logf("deleting namespace %s", e.namespace)
		errs = append(errs, e.deleteNamespace(ctx))
	}
	errs = append(errs, e.deleteNodes(ctx))
	return errors.Join(errs...)
}

func (e *env) deleteNamespace(ctx context.Context) error {
	start := time.Now()
	err := e.kube.CoreV1().Namespaces().Delete(ctx, e.namespace, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete namespace %s: %w", e.namespace, err)
	}
	err = wait.PollUntilContextTimeout(ctx, time.Second, namespaceDeleteLimit(e.peakPods()), true, func(ctx context.Context) (bool, error) {
		_, err := e.kube.CoreV1().Namespaces().Get(ctx, e.namespace, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		return fmt.Errorf("namespace %s still terminating after %s: %w", e.namespace, time.Since(start).Round(time.Second), err)
	}
	// How long this takes for a number of pods sets namespaceDeleteLimit.
	logf("namespace %s gone after %.1f s (%d pods at peak)", e.namespace, time.Since(start).Seconds(), e.peakPods())
	return nil
}

// repoRoot walks up from the working directory to go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the bench inside the sluice repository")
		}
		dir = parent
	}
}
