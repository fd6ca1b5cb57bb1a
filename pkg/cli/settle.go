package cli

import (
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/sluice-dev/sluice/pkg/view"
)

// stillMoving lists what is still changing around a rollout, as short phrases
// for a person: ReplicaSets whose pods have not yet reached the count asked
// for, pods still terminating, and the canary's weight on its way back to 0
// after an abort. The controller reports Healthy or Degraded as soon as it has
// decided, while the ReplicaSets, pods and traffic it asked to change still
// follow; a watch that stops at the decision shows a frame the cluster is about
// to leave (SetWeight 0, ActualWeight 29, a canary pod terminating).
//
// A ReplicaSet that keeps its pods on purpose until a scale-down deadline (the
// old side after a promotion, a routed canary after an abort) is not moving:
// it is where the controller wants it, and no traffic depends on it.
func stillMoving(s view.Snapshot) []string {
	var moving []string
	for _, rs := range sortedByName(s.ReplicaSets) {
		if phrase, ok := replicaSetMoving(rs); ok {
			moving = append(moving, phrase)
		}
	}
	terminating := 0
	for _, pod := range s.Pods {
		if pod.DeletionTimestamp != nil {
			terminating++
		}
	}
	switch {
	case terminating == 1:
		moving = append(moving, "1 pod terminating")
	case terminating > 1:
		moving = append(moving, fmt.Sprintf("%d pods terminating", terminating))
	}
	// Only an abort promises a weight whatever the pods do (0): elsewhere the
	// weight a canary without a router reaches depends on how many of its pods
	// are available, which a broken canary may never change.
	if ro := s.Rollout; ro.Status.Abort {
		set, ok := view.SetWeight(ro)
		actual, _ := view.ActualWeight(ro, s.ReplicaSets)
		if ok && actual != set {
			moving = append(moving, fmt.Sprintf("canary weight %d → %d", actual, set))
		}
	}
	return moving
}

// replicaSetMoving says how a ReplicaSet is still scaling: its status is of
// an older spec, or it has not yet as many pods as its spec asks for.
func replicaSetMoving(rs *appsv1.ReplicaSet) (string, bool) {
	want := int32(1)
	if rs.Spec.Replicas != nil {
		want = *rs.Spec.Replicas
	}
	switch have := rs.Status.Replicas; {
	case have != want:
		return fmt.Sprintf("ReplicaSet %s scaling %d → %d", rs.Name, have, want), true
	case rs.Status.ObservedGeneration < rs.Generation:
		return fmt.Sprintf("ReplicaSet %s scaling to %d", rs.Name, want), true
	}
	return "", false
}

func sortedByName(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	out := slices.Clone(rss)
	slices.SortFunc(out, func(a, b *appsv1.ReplicaSet) int { return strings.Compare(a.Name, b.Name) })
	return out
}
