package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
)

// instanceLabel scopes Rollouts to a controller instance; the bench's value
// is served by none, so its Rollouts stay as it writes them.
const instanceLabel = "sluice.dev/instance-id"

// cluster is the bench's connection to the local cluster and its namespace.
type cluster struct {
	kubeconfig string
	cfg        *rest.Config
	kube       kubernetes.Interface
	sluice     sluiceclient.Interface
	namespace  string
}

// connect reads the local cluster's cluster.json ($SLUICE_CLUSTER_DIR, else
// .cluster in the working directory).
func connect() (*cluster, error) {
	dir := os.Getenv("SLUICE_CLUSTER_DIR")
	if dir == "" {
		dir = ".cluster"
	}
	raw, err := os.ReadFile(filepath.Join(dir, "cluster.json"))
	if err != nil {
		return nil, fmt.Errorf("no local cluster (start one with `make cluster-up`, run from the repository root): %w", err)
	}
	var info struct {
		Kubeconfig string `json:"kubeconfig"`
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", info.Kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 500, 1000
	c := &cluster{kubeconfig: info.Kubeconfig, cfg: cfg, namespace: "dashboard-bench-" + utilrand.String(5)}
	if c.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if c.sluice, err = sluiceclient.NewForConfig(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *cluster) createNamespace(ctx context.Context) error {
	_, err := c.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.namespace}}, metav1.CreateOptions{})
	return err
}

// deleteNamespace removes everything the bench created.
func (c *cluster) deleteNamespace() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.kube.CoreV1().Namespaces().Delete(ctx, c.namespace, metav1.DeleteOptions{}); err != nil {
		fmt.Fprintf(os.Stderr, "delete namespace %s: %v\n", c.namespace, err)
	}
}

// phaseMix is the status the bench gives the Rollouts, one in turn: mostly
// Healthy, some paused at a step, updating or Degraded, as a busy cluster has.
var phaseMix = []v1alpha1.RolloutPhase{
	v1alpha1.RolloutPhaseHealthy, v1alpha1.RolloutPhaseHealthy, v1alpha1.RolloutPhaseHealthy,
	v1alpha1.RolloutPhaseHealthy, v1alpha1.RolloutPhaseHealthy, v1alpha1.RolloutPhaseHealthy,
	v1alpha1.RolloutPhasePaused, v1alpha1.RolloutPhaseProgressing, v1alpha1.RolloutPhaseDegraded,
	v1alpha1.RolloutPhaseHealthy,
}

// createRollouts creates n canary Rollouts and writes each one's status.
func (c *cluster) createRollouts(ctx context.Context, n int) error {
	const workers = 20
	names := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range names {
				if err := c.createRollout(ctx, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
loop:
	for i := range n {
		select {
		case names <- i:
		case err = <-errs:
			break loop
		}
	}
	close(names)
	wg.Wait()
	if err == nil && len(errs) > 0 {
		err = <-errs
	}
	return err
}

// createRollout creates Rollout i with a status of phaseMix.
func (c *cluster) createRollout(ctx context.Context, i int) error {
	name := fmt.Sprintf("app-%04d", i)
	labels := map[string]string{"app": name}
	weight, steps := int32(20), int32(0)
	ro := &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{instanceLabel: "dashboard-bench"}},
		Spec: v1alpha1.RolloutSpec{
			Replicas: ptr(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example/app:1"}}},
			},
			Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{Steps: []v1alpha1.CanaryStep{
				{SetWeight: &weight}, {Pause: &v1alpha1.RolloutPause{}},
			}}},
		},
	}
	created, err := c.sluice.SluiceV1alpha1().Rollouts(c.namespace).Create(ctx, ro, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create rollout %s: %w", name, err)
	}
	phase := phaseMix[i%len(phaseMix)]
	created.Status = v1alpha1.RolloutStatus{ObservedGeneration: created.Generation, Phase: phase, CurrentStepIndex: &steps,
		Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, UpdatedReplicas: 2}
	if phase == v1alpha1.RolloutPhaseDegraded {
		created.Status.Message = "ProgressDeadlineExceeded: the canary did not become available in time"
	}
	if _, err := c.sluice.SluiceV1alpha1().Rollouts(c.namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("write the status of rollout %s: %w", name, err)
	}
	return nil
}

// touch changes one Rollout's image: an update the list must show.
func (c *cluster) touch(ctx context.Context, i, version int) error {
	patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"example/app:%d"}]}}}}`, version)
	_, err := c.sluice.SluiceV1alpha1().Rollouts(c.namespace).Patch(ctx, fmt.Sprintf("app-%04d", i), types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	return err
}

func ptr[T any](v T) *T { return &v }
