package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KWOK simulates the kubelets: it owns the nodes the harness creates (those
// annotated kwok.x-k8s.io/node=fake) and moves them and their pods through the
// stages in kwok-stages.yaml. Its settings are in kwok-config.yaml.
var (
	//go:embed kwok-config.yaml
	kwokConfigYAML string
	//go:embed kwok-stages.yaml
	kwokStagesYAML string
)

const (
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
	kwokNodePrefix     = "kwok-node-"
	maxNodes           = 64 // 198.18.0.0/16 split into one /22 per node
)

// startKWOK writes the --config file and starts kwok. KWOK_WORKDIR points
// into the state dir so that a ~/.kwok/kwok.yaml of the user is not merged in.
func startKWOK(cp *controlPlane, r *runner) (*proc, error) {
	dir := filepath.Join(cp.o.stateDir, "kwok")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "kwok.yaml")
	if err := os.WriteFile(cfgPath, []byte(kwokConfigYAML+"\n---\n"+kwokStagesYAML), 0o644); err != nil {
		return nil, err
	}
	return r.start("kwok", stopWithClients, filepath.Join(cp.o.binDir(), "kwok"), []string{
		"--kubeconfig=" + cp.adminKC,
		"--config=" + cfgPath,
	}, []string{"KWOK_WORKDIR=" + dir})
}

// nodeNames returns the names of the n simulated nodes.
func nodeNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s%d", kwokNodePrefix, i)
	}
	return names
}

// createNodes registers the simulated nodes. Each is big (64 CPU, 256Gi, 1000
// pods) so that scheduling never fails for lack of room, and gets its own pod
// CIDR (a /22 in 198.18.0.0/16) so pod IPs stay unique across nodes.
func createNodes(ctx context.Context, cp *controlPlane, n int) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("64"),
		corev1.ResourceMemory:           resource.MustParse("256Gi"),
		corev1.ResourcePods:             resource.MustParse("1000"),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	for i, name := range nodeNames(n) {
		cidr := fmt.Sprintf("198.18.%d.0/22", 4*i)
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        name,
				Annotations: map[string]string{kwokNodeAnnotation: "fake"},
				Labels: map[string]string{
					"kubernetes.io/hostname": name,
					"kubernetes.io/os":       "linux",
					"kubernetes.io/arch":     "amd64",
					"type":                   "kwok",
				},
			},
			Spec: corev1.NodeSpec{PodCIDR: cidr, PodCIDRs: []string{cidr}},
			Status: corev1.NodeStatus{
				Capacity:    capacity,
				Allocatable: capacity,
			},
		}
		if _, err := cp.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create node %s: %w", name, err)
		}
	}
	return nil
}

// waitNodesReady waits until every simulated node is Ready and carries none
// of the not-ready/unreachable taints (the node lifecycle controller removes
// them a moment after Ready), so that pods created next schedule at once.
func waitNodesReady(ctx context.Context, cp *controlPlane, kwok *proc, n int) error {
	want := nodeNames(n)
	return waitUntil(ctx, kwok, fmt.Sprintf("%d KWOK nodes to be Ready", n), 120*time.Second, func() error {
		nodes, err := cp.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=kwok"})
		if err != nil {
			return err
		}
		ready := map[string]bool{}
		for _, node := range nodes.Items {
			ready[node.Name] = nodeReady(&node)
		}
		var pending []string
		for _, name := range want {
			if !ready[name] {
				pending = append(pending, name)
			}
		}
		if len(pending) > 0 {
			return fmt.Errorf("not ready yet: %s", strings.Join(pending, ", "))
		}
		return nil
	})
}

func nodeReady(node *corev1.Node) bool {
	for _, t := range node.Spec.Taints {
		if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
			return false
		}
	}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitDefaultServiceAccount waits for the ServiceAccount controller to create
// default/default: until it exists, the ServiceAccount admission plugin
// rejects every pod in the namespace.
func waitDefaultServiceAccount(ctx context.Context, cp *controlPlane, kcm *proc) error {
	return waitUntil(ctx, kcm, "the default ServiceAccount", 120*time.Second, func() error {
		_, err := cp.client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
}
