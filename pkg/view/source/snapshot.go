// Package source reads what a Rollout view shows — the Rollout, the
// ReplicaSets and AnalysisRuns it controls, the pods its selector matches —
// from the API server or from informer caches, into a view.Snapshot. The
// plugin's `get rollout` and the dashboard read through it, so both show the
// same objects.
package source

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/sluice-dev/sluice/pkg/actions"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	"github.com/sluice-dev/sluice/pkg/view"
)

// Source reads the objects around a rollout, from the API server (API) or from
// informer caches (Cache).
type Source interface {
	Rollout(ctx context.Context, name string) (*v1alpha1.Rollout, error)
	// ReplicaSets and Pods return the objects the rollout's selector matches.
	ReplicaSets(ctx context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*appsv1.ReplicaSet, error)
	Pods(ctx context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*corev1.Pod, error)
	AnalysisRuns(ctx context.Context, ro *v1alpha1.Rollout) ([]*v1alpha1.AnalysisRun, error)
}

// Clients are the clientsets a source reads with and the namespace it reads in.
type Clients struct {
	Sluice    sluiceclient.Interface
	Kube      kubernetes.Interface
	Namespace string
}

// Load reads everything `get rollout` shows: the rollout, the ReplicaSets and
// AnalysisRuns it controls, and the pods its selector matches.
func Load(ctx context.Context, src Source, name string, now time.Time) (view.Snapshot, error) {
	ro, err := src.Rollout(ctx, name)
	if err != nil {
		return view.Snapshot{}, err
	}
	selector, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return view.Snapshot{}, fmt.Errorf("rollout %q has an invalid selector: %w", ro.Name, err)
	}
	snap := view.Snapshot{Rollout: ro, Now: now}
	rss, err := src.ReplicaSets(ctx, ro, selector)
	if err != nil {
		return view.Snapshot{}, err
	}
	for _, rs := range rss {
		if controlledBy(rs, ro) {
			snap.ReplicaSets = append(snap.ReplicaSets, rs)
		}
	}
	if snap.Pods, err = src.Pods(ctx, ro, selector); err != nil {
		return view.Snapshot{}, err
	}
	runs, err := src.AnalysisRuns(ctx, ro)
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

// API reads straight from the API server: one request per kind.
type API struct{ Clients }

// Rollout reads a rollout; a missing one is reported in the user's terms.
func (a API) Rollout(ctx context.Context, name string) (*v1alpha1.Rollout, error) {
	ro, err := a.Sluice.SluiceV1alpha1().Rollouts(a.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, actions.RolloutError(a.Namespace, name, err)
	}
	return ro, nil
}

// ReplicaSets lists the ReplicaSets the selector matches.
func (a API) ReplicaSets(ctx context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*appsv1.ReplicaSet, error) {
	list, err := a.Kube.AppsV1().ReplicaSets(ro.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("list ReplicaSets: %w", err)
	}
	out := make([]*appsv1.ReplicaSet, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

// Pods lists the pods the selector matches.
func (a API) Pods(ctx context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*corev1.Pod, error) {
	list, err := a.Kube.CoreV1().Pods(ro.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	out := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

// AnalysisRuns lists the AnalysisRuns of the rollout's namespace; none when
// the kind is not installed or may not be read.
func (a API) AnalysisRuns(ctx context.Context, ro *v1alpha1.Rollout) ([]*v1alpha1.AnalysisRun, error) {
	list, err := a.Sluice.SluiceV1alpha1().AnalysisRuns(ro.Namespace).List(ctx, metav1.ListOptions{})
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
