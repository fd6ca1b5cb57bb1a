package framework

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	sluice "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
)

// TestLabel is put on every namespace a test creates, with the test's name as value.
const TestLabel = "sluice.dev/e2e-test"

// Cluster holds the clients shared by all tests of a package.
type Cluster struct {
	Info *ClusterInfo
	// InstanceID is the --instance-id of the test binary's controller. Apply
	// labels every Rollout and AnalysisRun with it, so test binaries running side
	// by side against one cluster each see only their own objects. (In a
	// Framework from WithInstance, it is that view's instance id.)
	InstanceID string
	Config     *rest.Config
	Kube       kubernetes.Interface
	Sluice     sluice.Interface
	Dynamic    dynamic.Interface
	Mapper     *restmapper.DeferredDiscoveryRESTMapper
}

// Connect builds clients for the local cluster. Call it once, from TestMain.
func Connect() (*Cluster, error) {
	info, err := LoadClusterInfo()
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", info.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", info.Kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	cfg.UserAgent = "sluice-e2e"
	c := &Cluster{Info: info, Config: cfg, InstanceID: instanceID()}
	if c.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if c.Sluice, err = sluice.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if c.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, err
	}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	c.Mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))
	return c, nil
}

// MustConnect is Connect for TestMain: it exits the test binary with a clear
// message when there is no cluster.
func MustConnect() *Cluster {
	c, err := Connect()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	return c
}

// Framework is one test's view of the cluster: its namespace, its context and its
// helpers.
type Framework struct {
	*Cluster
	T         *testing.T
	Ctx       context.Context
	Namespace string
	dumpers   []func()
}

// New creates the test's namespace and registers its cleanup. On failure the
// namespace's objects and events are dumped before it is deleted.
func (c *Cluster) New(t *testing.T) *Framework {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &Framework{Cluster: c, T: t, Ctx: ctx, Namespace: namespaceFor(t.Name())}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   f.Namespace,
		Labels: map[string]string{TestLabel: labelValue(t.Name())},
	}}
	if _, err := c.Kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		cancel()
		t.Fatalf("create namespace %s: %v", f.Namespace, err)
	}
	f.waitForDefaultServiceAccount()
	t.Cleanup(func() {
		if t.Failed() {
			f.dump()
		}
		cancel()
		err := c.Kube.CoreV1().Namespaces().Delete(context.Background(), f.Namespace, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", f.Namespace, err)
		}
	})
	return f
}

// OnFailure registers an extra dump (e.g. a controller's log) for a failed test.
func (f *Framework) OnFailure(dump func()) { f.dumpers = append(f.dumpers, dump) }

// waitForDefaultServiceAccount waits until pods can be created in the namespace:
// the API server refuses pods until the service-account controller has made "default".
func (f *Framework) waitForDefaultServiceAccount() {
	f.Eventually("the default ServiceAccount exists", 30*time.Second, func() (bool, string) {
		_, err := f.Kube.CoreV1().ServiceAccounts(f.Namespace).Get(f.Ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9-]+`)

// namespaceFor makes a DNS-label namespace name from a test name, with a random
// suffix so reruns never meet a namespace that is still terminating.
func namespaceFor(testName string) string {
	base := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(testName), "-"), "-")
	if len(base) > 50 {
		base = base[:50]
	}
	return fmt.Sprintf("%s-%04x", strings.TrimRight(base, "-"), rand.IntN(0x10000))
}

// labelValue makes a label value (at most 63 characters) from a test name.
func labelValue(testName string) string {
	v := strings.Trim(regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(testName, "_"), "_.-")
	if len(v) > 63 {
		v = strings.TrimRight(v[:63], "_.-")
	}
	return v
}

// NewNamespace creates a second namespace for the test (named after the first,
// with a suffix) and returns a Framework working in it. It is deleted with the
// test.
func (f *Framework) NewNamespace(suffix string) *Framework {
	f.T.Helper()
	g := *f
	g.Namespace = f.Namespace + "-" + suffix
	g.dumpers = nil
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   g.Namespace,
		Labels: map[string]string{TestLabel: labelValue(f.T.Name())},
	}}
	if _, err := f.Kube.CoreV1().Namespaces().Create(f.Ctx, ns, metav1.CreateOptions{}); err != nil {
		f.T.Fatalf("create namespace %s: %v", g.Namespace, err)
	}
	g.waitForDefaultServiceAccount()
	f.T.Cleanup(func() {
		if f.T.Failed() {
			g.dump()
		}
		_ = f.Kube.CoreV1().Namespaces().Delete(context.Background(), g.Namespace, metav1.DeleteOptions{})
	})
	return &g
}

// WithInstance returns a view of the same test and namespace whose Apply labels
// Rollouts and AnalysisRuns for the controller instance id ("" leaves them
// unlabelled, for a controller started without --instance-id), so a test can
// drive a controller of its own that the shared one ignores. Register failure
// dumps on the original Framework: the view's are not run.
func (f *Framework) WithInstance(id string) *Framework {
	g := *f
	c := *f.Cluster
	c.InstanceID = id
	g.Cluster = &c
	g.dumpers = nil
	return &g
}

// instanceID is $SLUICE_E2E_INSTANCE, or a fresh random id.
func instanceID() string {
	if id := os.Getenv("SLUICE_E2E_INSTANCE"); id != "" {
		return id
	}
	return "e2e-" + utilrand.String(6)
}
