package actions

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Rollout reads a rollout; a missing one is reported in the user's terms.
func (e *Executor) Rollout(ctx context.Context, name string) (*v1alpha1.Rollout, error) {
	ro, err := e.Sluice.SluiceV1alpha1().Rollouts(e.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, RolloutError(e.Namespace, name, err)
	}
	return ro, nil
}

// Rollouts reads every named rollout (each once, in the order named) before
// anything is done to any of them: an action on several rollouts acts on all
// of them or, when one does not exist, on none. A mistyped name among several
// must not leave the others changed.
func (e *Executor) Rollouts(ctx context.Context, names []string) ([]*v1alpha1.Rollout, error) {
	var ros []*v1alpha1.Rollout
	var missing []string
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		ro, err := e.Sluice.SluiceV1alpha1().Rollouts(e.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			missing = append(missing, fmt.Sprintf("%q", name))
			continue
		}
		if err != nil {
			return nil, RolloutError(e.Namespace, name, err)
		}
		ros = append(ros, ro)
	}
	switch {
	case len(missing) == 0:
		return ros, nil
	case len(seen) == 1:
		return nil, fmt.Errorf("rollout %s not found in namespace %q", missing[0], e.Namespace)
	case len(missing) == 1:
		return nil, fmt.Errorf("rollout %s not found in namespace %q; no rollout was changed", missing[0], e.Namespace)
	}
	return nil, fmt.Errorf("rollouts %s not found in namespace %q; no rollout was changed", strings.Join(missing, ", "), e.Namespace)
}

// RolloutError rewrites an API error about a rollout for the user.
func RolloutError(namespace, name string, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("rollout %q not found in namespace %q", name, namespace)
	}
	return fmt.Errorf("rollout %q: %w", name, err)
}

// OwnedReplicaSets lists the ReplicaSets of a rollout: those its selector
// matches and that it controls.
func (e *Executor) OwnedReplicaSets(ctx context.Context, ro *v1alpha1.Rollout) ([]*appsv1.ReplicaSet, error) {
	selector, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("rollout %q has an invalid selector: %w", ro.Name, err)
	}
	list, err := e.Kube.AppsV1().ReplicaSets(ro.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("list ReplicaSets of rollout %q: %w", ro.Name, err)
	}
	var owned []*appsv1.ReplicaSet
	for i := range list.Items {
		if ref := metav1.GetControllerOf(&list.Items[i]); ref != nil && ref.UID == ro.UID && ref.Kind == "Rollout" {
			owned = append(owned, &list.Items[i])
		}
	}
	return owned, nil
}
