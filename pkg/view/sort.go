package view

import (
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The sorters copy: snapshots may hold objects straight from an informer cache.

func sortedByName(in []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	out := append([]*appsv1.ReplicaSet(nil), in...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sortedPods(in []*corev1.Pod) []*corev1.Pod {
	out := append([]*corev1.Pod(nil), in...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// sortedRuns orders AnalysisRuns oldest first, then by name.
func sortedRuns(in []*v1alpha1.AnalysisRun) []*v1alpha1.AnalysisRun {
	out := append([]*v1alpha1.AnalysisRun(nil), in...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].CreationTimestamp, out[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return out[i].Name < out[j].Name
	})
	return out
}
