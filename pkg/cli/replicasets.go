package cli

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// ownedReplicaSets lists the ReplicaSets of a rollout: those its selector matches
// and that it controls.
func (s *session) ownedReplicaSets(ctx context.Context, ro *v1alpha1.Rollout) ([]*appsv1.ReplicaSet, error) {
	selector, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("rollout %q has an invalid selector: %w", ro.Name, err)
	}
	list, err := s.kube.AppsV1().ReplicaSets(ro.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("list ReplicaSets of rollout %q: %w", ro.Name, err)
	}
	var owned []*appsv1.ReplicaSet
	for i := range list.Items {
		if controlledBy(&list.Items[i], ro) {
			owned = append(owned, &list.Items[i])
		}
	}
	return owned, nil
}

// controlledBy reports whether the rollout is obj's controller.
func controlledBy(obj metav1.Object, ro *v1alpha1.Rollout) bool {
	ref := metav1.GetControllerOf(obj)
	return ref != nil && ref.UID == ro.UID && ref.Kind == "Rollout"
}
