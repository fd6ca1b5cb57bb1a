package view

import (
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Labels and annotations sluice puts on the objects it owns (SPEC §1).
const (
	HashLabel                   = "sluice.dev/pod-template-hash"
	RevisionAnnotation          = "sluice.dev/revision"
	ScaleDownDeadlineAnnotation = "sluice.dev/scale-down-deadline"
	// RoleMetadataAnnotation records, on a ReplicaSet, the role metadata
	// (canaryMetadata, stableMetadata, previewMetadata, activeMetadata) the
	// controller put on its pod template, as a JSON PodTemplateMetadata.
	RoleMetadataAnnotation = "sluice.dev/role-metadata"
)

// Snapshot is everything `get rollout` shows, read at one moment.
type Snapshot struct {
	// Rollout is the rollout itself.
	Rollout *v1alpha1.Rollout
	// ReplicaSets are the ReplicaSets the rollout controls.
	ReplicaSets []*appsv1.ReplicaSet
	// Pods are the pods the rollout's selector matches; each is shown under the
	// ReplicaSet whose selector matches it.
	Pods []*corev1.Pod
	// AnalysisRuns are the runs the rollout controls.
	AnalysisRuns []*v1alpha1.AnalysisRun
	// Now is the time ages and countdowns are computed from.
	Now time.Time
}

// Revision returns an object's sluice.dev/revision annotation, 0 when it has
// none or it is not a number.
func Revision(annotations map[string]string) int64 {
	n, err := strconv.ParseInt(annotations[RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// hashOf is a ReplicaSet's pod-template-hash.
func hashOf(rs *appsv1.ReplicaSet) string { return rs.Labels[HashLabel] }

// desiredReplicas is spec.replicas with its default of 1.
func desiredReplicas(ro *v1alpha1.Rollout) int32 {
	if ro.Spec.Replicas == nil {
		return 1
	}
	return *ro.Spec.Replicas
}
