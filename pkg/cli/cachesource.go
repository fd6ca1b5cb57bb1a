package cli

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

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
	sluicelisters "github.com/sluice-dev/sluice/pkg/client/listers/rollouts/v1alpha1"
)

// cacheSource reads from informer caches that a watch keeps current.
type cacheSource struct {
	s             *session
	rolloutLister sluicelisters.RolloutLister
	runLister     sluicelisters.AnalysisRunLister // nil when runs cannot be read
	rsLister      appslisters.ReplicaSetLister
	podLister     corelisters.PodLister
}

// watchRolloutObjects starts informers for one rollout, the ReplicaSets and pods
// its selector matches, and the AnalysisRuns of its namespace; every change pokes
// signal. It returns once the caches are filled.
func watchRolloutObjects(ctx context.Context, s *session, ro *v1alpha1.Rollout, signal changeSignal) (*cacheSource, error) {
	selector, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return nil, err
	}
	byName := sluiceinformers.NewSharedInformerFactoryWithOptions(s.sluice, 0,
		sluiceinformers.WithNamespace(s.namespace),
		sluiceinformers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", ro.Name).String()
		}))
	runs := sluiceinformers.NewSharedInformerFactoryWithOptions(s.sluice, 0, sluiceinformers.WithNamespace(s.namespace))
	kube := kubeinformers.NewSharedInformerFactoryWithOptions(s.kube, 0,
		kubeinformers.WithNamespace(s.namespace),
		kubeinformers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector.String() }))

	src := &cacheSource{
		s:             s,
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
	if err := watchInformers(ctx, signal, informers...); err != nil {
		return nil, err
	}
	return src, nil
}

// canReadAnalysisRuns probes whether AnalysisRuns can be listed: an informer on a
// kind that is not installed, or not readable, would never fill its cache.
func canReadAnalysisRuns(ctx context.Context, s *session) bool {
	_, err := s.sluice.SluiceV1alpha1().AnalysisRuns(s.namespace).List(ctx, metav1.ListOptions{Limit: 1})
	return !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err)
}

func (c *cacheSource) rollout(_ context.Context, name string) (*v1alpha1.Rollout, error) {
	ro, err := c.rolloutLister.Rollouts(c.s.namespace).Get(name)
	if err != nil {
		return nil, c.s.rolloutError(name, err)
	}
	return ro, nil
}

func (c *cacheSource) replicaSets(_ context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*appsv1.ReplicaSet, error) {
	return c.rsLister.ReplicaSets(ro.Namespace).List(selector)
}

func (c *cacheSource) pods(_ context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*corev1.Pod, error) {
	return c.podLister.Pods(ro.Namespace).List(selector)
}

func (c *cacheSource) analysisRuns(_ context.Context, ro *v1alpha1.Rollout) ([]*v1alpha1.AnalysisRun, error) {
	if c.runLister == nil {
		return nil, nil
	}
	return c.runLister.AnalysisRuns(ro.Namespace).List(labels.Everything())
}
