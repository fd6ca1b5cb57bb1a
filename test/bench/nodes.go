package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// KWOK nodes are plain Node objects that KWOK (started by hack/cluster) plays
// the kubelet for because they carry its annotation; see hack/cluster/kwok.go,
// whose sizes are copied here. The bench's nodes are tainted so that only its
// own pods land on them: deleting them at the end then cannot disturb the pods
// of tests sharing the cluster.
const (
	kwokAnnotation = "kwok.x-k8s.io/node"
	podsPerNode    = 1000
	// hack/cluster gives node i the pod range 198.18.(4i).0/22 and KWOK's
	// fallback range is the last block; the bench takes free blocks from the
	// top down so a cluster started later with more nodes rarely meets them.
	podCIDRBlocks = 63
)

// peakPodsPerRollout bounds the pods one Rollout has at once during an
// update: a routed canary keeps the stable side at full size, and after
// promotion the old ReplicaSet keeps its pods for scaleDownDelaySeconds while
// the new one runs at full size.
func peakPodsPerRollout(replicas int) int { return 2 * replicas }

// ensurePodCapacity adds tainted KWOK nodes until the Ready KWOK nodes have
// room for pods more pods (with a fifth more as headroom for others' tests).
func (e *env) ensurePodCapacity(ctx context.Context, pods int) error {
	nodes, err := e.kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	capacity, used := 0, map[string]bool{}
	kwok := map[string]bool{}
	for _, n := range nodes.Items {
		used[n.Spec.PodCIDR] = true
		if n.Annotations[kwokAnnotation] == "fake" && nodeReady(&n) {
			kwok[n.Name] = true
			capacity += int(n.Status.Allocatable.Pods().Value())
		}
	}
	running, err := e.podsOn(ctx, kwok)
	if err != nil {
		return err
	}
	need := pods + pods/5 - (capacity - running)
	logf("pods: %d needed at peak; KWOK nodes hold %d, %d in use", pods, capacity, running)
	count := max(e.cfg.extraNodes, (need+podsPerNode-1)/podsPerNode)
	if count <= 0 {
		return nil
	}
	var cidrs []string
	for k := podCIDRBlocks - 1; k >= 0 && len(cidrs) < count; k-- {
		if c := fmt.Sprintf("198.18.%d.0/22", 4*k); !used[c] {
			cidrs = append(cidrs, c)
		}
	}
	if len(cidrs) < count {
		return fmt.Errorf("need %d more KWOK nodes but only %d pod ranges are free", count, len(cidrs))
	}
	for i, cidr := range cidrs {
		name := fmt.Sprintf("kwok-%s-%d", e.cfg.instanceID, i)
		if _, err := e.kube.CoreV1().Nodes().Create(ctx, benchNode(name, cidr, e.cfg.instanceID), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create node %s: %w", name, err)
		}
		e.nodes = append(e.nodes, name)
	}
	logf("added %d KWOK nodes: %v", len(e.nodes), e.nodes)
	return e.waitNodesReady(ctx)
}

// podsOn counts the pods that are not finished on the given nodes.
func (e *env) podsOn(ctx context.Context, nodes map[string]bool) (int, error) {
	count, cont := 0, ""
	for {
		list, err := e.kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 1000, Continue: cont,
			FieldSelector: "status.phase!=Succeeded,status.phase!=Failed"})
		if err != nil {
			return 0, err
		}
		for _, p := range list.Items {
			if nodes[p.Spec.NodeName] {
				count++
			}
		}
		if cont = list.Continue; cont == "" {
			return count, nil
		}
	}
}

func benchNode(name, cidr, instance string) *corev1.Node {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("64"),
		corev1.ResourceMemory:           resource.MustParse("256Gi"),
		corev1.ResourcePods:             *resource.NewQuantity(podsPerNode, resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{kwokAnnotation: "fake"},
			Labels: map[string]string{
				"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
				"type": "kwok-bench", benchLabel: instance,
			},
		},
		Spec: corev1.NodeSpec{
			PodCIDR: cidr, PodCIDRs: []string{cidr},
			Taints: []corev1.Taint{{Key: benchLabel, Value: instance, Effect: corev1.TaintEffectNoSchedule}},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
}

// benchToleration lets the bench's pods onto its own nodes.
var benchToleration = corev1.Toleration{Key: benchLabel, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}

func (e *env) waitNodesReady(ctx context.Context) error {
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, name := range e.nodes {
			n, err := e.kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil || !nodeReady(n) {
				return false, nil
			}
		}
		return true, nil
	})
}

// nodeReady: Ready and without the not-ready/unreachable taints the node
// lifecycle controller removes a moment after Ready.
func nodeReady(n *corev1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
			return false
		}
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (e *env) deleteNodes(ctx context.Context) error {
	var errs []error
	for _, name := range e.nodes {
		if err := e.kube.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete node %s: %w", name, err))
		}
	}
	if len(e.nodes) > 0 && len(errs) == 0 {
		logf("deleted %d KWOK nodes", len(e.nodes))
	}
	return errors.Join(errs...)
}
