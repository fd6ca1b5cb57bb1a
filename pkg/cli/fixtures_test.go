package cli

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// Hashes of the two revisions in the fixtures.
const (
	stableHash = "5f4b6c7d8"
	canaryHash = "7c9d8f6b5"
)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(testNow.Add(-d)) }

func ptr[T any](v T) *T { return &v }

// canaryRollout is "web": 4 replicas, steps setWeight 25 → pause 10m → setWeight
// 50 → pause (until promoted), paused 3m20s into the 10m pause with one canary pod
// of four.
func canaryRollout() *v1alpha1.Rollout {
	return &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "default", UID: "uid-web", Generation: 2, ResourceVersion: "100",
			CreationTimestamp: ago(26 * time.Hour),
		},
		Spec: v1alpha1.RolloutSpec{
			Replicas: ptr(int32(4)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: podTemplate("example.com/web:2.0"),
			Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{
				Steps: []v1alpha1.CanaryStep{
					{SetWeight: ptr(int32(25))},
					{Pause: &v1alpha1.RolloutPause{Duration: ptr(intstr.FromString("10m"))}},
					{SetWeight: ptr(int32(50))},
					{Pause: &v1alpha1.RolloutPause{}},
				},
			}},
		},
		Status: v1alpha1.RolloutStatus{
			ObservedGeneration: 2,
			Phase:              v1alpha1.RolloutPhasePaused,
			Message:            "CanaryPauseStep",
			CurrentPodHash:     canaryHash,
			StableRS:           stableHash,
			CurrentStepIndex:   ptr(int32(1)),
			PauseConditions: []v1alpha1.PauseCondition{{
				Reason: v1alpha1.PauseReasonCanaryPauseStep, StartTime: ago(3*time.Minute + 20*time.Second),
			}},
			ControllerPause:   true,
			Replicas:          4,
			UpdatedReplicas:   1,
			ReadyReplicas:     4,
			AvailableReplicas: 4,
		},
	}
}

// healthyRollout is "web" fully promoted to the canary revision.
func healthyRollout() *v1alpha1.Rollout {
	ro := canaryRollout()
	ro.Status = v1alpha1.RolloutStatus{
		ObservedGeneration: 2, Phase: v1alpha1.RolloutPhaseHealthy,
		CurrentPodHash: canaryHash, StableRS: canaryHash, CurrentStepIndex: ptr(int32(4)),
		Replicas: 4, UpdatedReplicas: 4, ReadyReplicas: 4, AvailableReplicas: 4,
	}
	return ro
}

// podTemplate is the template of "web" with one init container and one container.
func podTemplate(image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "migrate", Image: "example.com/migrate:1.0"}},
			Containers:     []corev1.Container{{Name: "web", Image: image}},
		},
	}
}

// replicaSet is a ReplicaSet of ro with the given hash, revision and counts.
func replicaSet(ro *v1alpha1.Rollout, hash string, revision int64, image string, replicas, ready int32, age time.Duration) *appsv1.ReplicaSet {
	tmpl := podTemplate(image)
	tmpl.Labels[view.HashLabel] = hash
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: ro.Name + "-" + hash, Namespace: ro.Namespace, UID: types.UID("uid-rs-" + hash),
			Labels:            map[string]string{"app": "web", view.HashLabel: hash},
			Annotations:       map[string]string{view.RevisionAnnotation: fmt.Sprint(revision)},
			CreationTimestamp: ago(age),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "Rollout", Name: ro.Name, UID: ro.UID, Controller: ptr(true),
			}},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", view.HashLabel: hash}},
			Template: tmpl,
		},
		Status: appsv1.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: ready, AvailableReplicas: ready},
	}
}

// pod is a pod of rs.
func pod(rs *appsv1.ReplicaSet, suffix string, ready bool, restarts int32, age time.Duration) *corev1.Pod {
	readyStatus := corev1.ConditionFalse
	if ready {
		readyStatus = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: rs.Name + "-" + suffix, Namespace: rs.Namespace, Labels: rs.Spec.Template.Labels,
			CreationTimestamp: ago(age),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr(true),
			}},
		},
		Spec: rs.Spec.Template.Spec,
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: readyStatus}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "web", Ready: ready, RestartCount: restarts,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			}},
		},
	}
}
