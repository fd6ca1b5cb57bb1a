package dashboard

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
	sluicelisters "github.com/sluice-dev/sluice/pkg/client/listers/rollouts/v1alpha1"
)

// catalog holds the Rollouts and AnalysisRuns every page reads, kept current
// by informers that run with the user's credentials for as long as the
// dashboard does. Pages read the caches: no API request per row or per page.
type catalog struct {
	// namespace is the one watched, "" for all.
	namespace     string
	rolloutLister sluicelisters.RolloutLister
	// runLister is nil when the user may not list AnalysisRuns: pages show none.
	runLister sluicelisters.AnalysisRunLister
}

// startCatalog starts the informers and returns once their caches are filled.
// Every change notifies the topics it touches. A user who may not list
// Rollouts where asked gets that as the error: an informer would only retry.
func startCatalog(ctx context.Context, client sluiceclient.Interface, namespace string, notify func(topics ...string)) (*catalog, error) {
	if _, err := client.SluiceV1alpha1().Rollouts(namespace).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
		return nil, fmt.Errorf("cannot list rollouts.sluice.dev %s: %w", scopeText(namespace), err)
	}
	factory := sluiceinformers.NewSharedInformerFactoryWithOptions(client, 0, sluiceinformers.WithNamespace(namespace))
	c := &catalog{namespace: namespace}

	rollouts := factory.Sluice().V1alpha1().Rollouts()
	c.rolloutLister = rollouts.Lister()
	synced := []cache.InformerSynced{rollouts.Informer().HasSynced}
	if _, err := rollouts.Informer().AddEventHandler(changeHandler(func(obj metav1.Object) []string {
		return []string{listTopic, rolloutTopic(obj.GetNamespace(), obj.GetName())}
	}, notify)); err != nil {
		return nil, err
	}

	_, err := client.SluiceV1alpha1().AnalysisRuns(namespace).List(ctx, metav1.ListOptions{Limit: 1})
	if err == nil {
		runs := factory.Sluice().V1alpha1().AnalysisRuns()
		c.runLister = runs.Lister()
		synced = append(synced, runs.Informer().HasSynced)
		if _, err := runs.Informer().AddEventHandler(changeHandler(func(obj metav1.Object) []string {
			return []string{listTopic, analysisRunTopic(obj.GetNamespace(), obj.GetName()), ownerRolloutTopic(obj)}
		}, notify)); err != nil {
			return nil, err
		}
	} else if !apierrors.IsForbidden(err) && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("cannot list analysisruns.sluice.dev %s: %w", scopeText(namespace), err)
	}

	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return nil, fmt.Errorf("stopped before the Rollouts were read: %w", context.Cause(ctx))
	}
	return c, nil
}

// scopeText says where the dashboard looks: "in namespace X" or "in any namespace".
func scopeText(namespace string) string {
	if namespace == "" {
		return "in any namespace"
	}
	return fmt.Sprintf("in namespace %q", namespace)
}

// changeHandler notifies the topics of every object added, changed or deleted.
func changeHandler(topicsOf func(metav1.Object) []string, notify func(topics ...string)) cache.ResourceEventHandler {
	send := func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		if o, ok := obj.(metav1.Object); ok {
			notify(topicsOf(o)...)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    send,
		UpdateFunc: func(_, obj any) { send(obj) },
		DeleteFunc: send,
	}
}

// watches reports whether the dashboard looks at a namespace.
func (c *catalog) watches(namespace string) bool {
	return c.namespace == "" || c.namespace == namespace
}

// rollouts is every Rollout watched. The objects are the cache's: read only.
func (c *catalog) rollouts() ([]*v1alpha1.Rollout, error) {
	return c.rolloutLister.List(labels.Everything())
}

// rollout is one Rollout from the cache.
func (c *catalog) rollout(namespace, name string) (*v1alpha1.Rollout, error) {
	return c.rolloutLister.Rollouts(namespace).Get(name)
}

// analysisRun is one AnalysisRun from the cache; NotFound as well when runs
// cannot be read.
func (c *catalog) analysisRun(namespace, name string) (*v1alpha1.AnalysisRun, error) {
	if c.runLister == nil {
		return nil, apierrors.NewNotFound(v1alpha1.Resource("analysisruns"), name)
	}
	return c.runLister.AnalysisRuns(namespace).Get(name)
}

// analysisRunsOf is every AnalysisRun a Rollout controls.
func (c *catalog) analysisRunsOf(ro *v1alpha1.Rollout) ([]*v1alpha1.AnalysisRun, error) {
	if c.runLister == nil {
		return nil, nil
	}
	all, err := c.runLister.AnalysisRuns(ro.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var owned []*v1alpha1.AnalysisRun
	for _, run := range all {
		if ref := metav1.GetControllerOf(run); ref != nil && ref.UID == ro.UID {
			owned = append(owned, run)
		}
	}
	return owned, nil
}
