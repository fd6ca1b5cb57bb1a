package source

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	kubeinformers "k8s.io/client-go/informers"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/sluice-dev/sluice/pkg/actions"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
	sluicelisters "github.com/sluice-dev/sluice/pkg/client/listers/rollouts/v1alpha1"
)

// Cache reads from informer caches that a watch keeps current (see Watch).
type Cache struct {
	clients       Clients
	rolloutLister sluicelisters.RolloutLister
	runLister     sluicelisters.AnalysisRunLister // nil when runs cannot be read
	rsLister      appslisters.ReplicaSetLister
	podLister     corelisters.PodLister
}

// Watch starts informers for one rollout, the ReplicaSets and pods its selector
// matches, and the AnalysisRuns of its namespace; every change pokes signal. It
// returns once the caches are filled; the informers stop when ctx ends.
func Watch(ctx context.Context, s Clients, ro *v1alpha1.Rollout, signal Signal) (*Cache, error) {
	selector, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return nil, err
	}
	byName := sluiceinformers.NewSharedInformerFactoryWithOptions(s.Sluice, 0,
		sluiceinformers.WithNamespace(s.Namespace),
		sluiceinformers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", ro.Name).String()
		}))
	runs := sluiceinformers.NewSharedInformerFactoryWithOptions(s.Sluice, 0, sluiceinformers.WithNamespace(s.Namespace))
	kube := kubeinformers.NewSharedInformerFactoryWithOptions(s.Kube, 0,
		kubeinformers.WithNamespace(s.Namespace),
		kubeinformers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector.String() }))

	src := &Cache{
		clients:       s,
		rolloutLister: byName.Sluice().V1alpha1().Rollouts().Lister(),
		rsLister:      kube.Apps().V1().ReplicaSets().Lister(),
		podLister:     kube.Core().V1().Pods().Lister(),
	}
	informers := []cache.SharedIndexInformer{
		byName.Sluice().V1alpha1().Rollouts().Informer(),
		kube.Apps().V1().ReplicaSets().Informer(),
		kube.Core().V1().Pods().Informer(),
	}
	if canReadAnalysisRuns(ctx, s) {
		src.runLister = runs.Sluice().V1alpha1().AnalysisRuns().Lister()
		informers = append(informers, runs.Sluice().V1alpha1().AnalysisRuns().Informer())
	}
	if err := WatchInformers(ctx, signal, informers...); err != nil {
		return nil, err
	}
	return src, nil
}

// canReadAnalysisRuns probes whether AnalysisRuns can be listed: an informer on a
// kind that is not installed, or not readable, would never fill its cache.
func canReadAnalysisRuns(ctx context.Context, s Clients) bool {
	_, err := s.Sluice.SluiceV1alpha1().AnalysisRuns(s.Namespace).List(ctx, metav1.ListOptions{Limit: 1})
	return !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err)
}

// Rollout reads the watched rollout; a missing one is reported in the user's terms.
func (c *Cache) Rollout(_ context.Context, name string) (*v1alpha1.Rollout, error) {
	ro, err := c.rolloutLister.Rollouts(c.clients.Namespace).Get(name)
	if err != nil {
		return nil, actions.RolloutError(c.clients.Namespace, name, err)
	}
	return ro, nil
}

// ReplicaSets lists the cached ReplicaSets the selector matches.
func (c *Cache) ReplicaSets(_ context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*appsv1.ReplicaSet, error) {
	return c.rsLister.ReplicaSets(ro.Namespace).List(selector)
}

// Pods lists the cached pods the selector matches.
func (c *Cache) Pods(_ context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*corev1.Pod, error) {
	return c.podLister.Pods(ro.Namespace).List(selector)
}

// AnalysisRuns lists the cached AnalysisRuns of the namespace; none when they
// cannot be read.
func (c *Cache) AnalysisRuns(_ context.Context, ro *v1alpha1.Rollout) ([]*v1alpha1.AnalysisRun, error) {
	if c.runLister == nil {
		return nil, nil
	}
	return c.runLister.AnalysisRuns(ro.Namespace).List(labels.Everything())
}
