package cli

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// objectSource reads the objects around a rollout, from the API server or from an
// informer cache.
type objectSource interface {
	rollout(ctx context.Context, name string) (*v1alpha1.Rollout, error)
	// replicaSets and pods return the objects the rollout's selector matches.
	replicaSets(ctx context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*appsv1.ReplicaSet, error)
	pods(ctx context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*corev1.Pod, error)
	analysisRuns(ctx context.Context, ro *v1alpha1.Rollout) ([]*v1alpha1.AnalysisRun, error)
}

// loadSnapshot reads everything `get rollout` shows.
func loadSnapshot(ctx context.Context, src objectSource, name string, now time.Time) (view.Snapshot, error) {
	ro, err := src.rollout(ctx, name)
	if err != nil {
		return view.Snapshot{}, err
	}
	selector, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return view.Snapshot{}, fmt.Errorf("rollout %q has an invalid selector: %w", ro.Name, err)
	}
	snap := view.Snapshot{Rollout: ro, Now: now}
	rss, err := src.replicaSets(ctx, ro, selector)
	if err != nil {
		return view.Snapshot{}, err
	}
	for _, rs := range rss {
		if controlledBy(rs, ro) {
			snap.ReplicaSets = append(snap.ReplicaSets, rs)
		}
	}
	if snap.Pods, err = src.pods(ctx, ro, selector); err != nil {
		return view.Snapshot{}, err
	}
	runs, err := src.analysisRuns(ctx, ro)
	if err != nil {
		return view.Snapshot{}, err
	}
	for _, run := range runs {
		if controlledBy(run, ro) {
			snap.AnalysisRuns = append(snap.AnalysisRuns, run)
		}
	}
	return snap, nil
}

// apiSource reads straight from the API server: one request per kind.
type apiSource struct{ s *session }

func (a apiSource) rollout(ctx context.Context, name string) (*v1alpha1.Rollout, error) {
	return a.s.getRollout(ctx, name)
}

func (a apiSource) replicaSets(ctx context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*appsv1.ReplicaSet, error) {
	list, err := a.s.kube.AppsV1().ReplicaSets(ro.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("list ReplicaSets: %w", err)
	}
	out := make([]*appsv1.ReplicaSet, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

func (a apiSource) pods(ctx context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*corev1.Pod, error) {
	list, err := a.s.kube.CoreV1().Pods(ro.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	out := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

func (a apiSource) analysisRuns(ctx context.Context, ro *v1alpha1.Rollout) ([]*v1alpha1.AnalysisRun, error) {
	list, err := a.s.sluice.SluiceV1alpha1().AnalysisRuns(ro.Namespace).List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		return nil, nil // runs are optional: no AnalysisRun CRD, or no right to read them
	}
	if err != nil {
		return nil, fmt.Errorf("list AnalysisRuns: %w", err)
	}
	out := make([]*v1alpha1.AnalysisRun, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}
