package rollout

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const (
	// runOwnerIndex indexes AnalysisRuns by the UID of the Rollout that owns them.
	runOwnerIndex = "byOwner"
	// templateIndex indexes Rollouts by the templates they name ("ns/name", or
	// "cluster/name" for a ClusterAnalysisTemplate), so a template created after
	// its Rollout clears the InvalidSpec at once.
	templateIndex = "byTemplate"
)

// watchAnalysis wires the AnalysisRun and template informers: a run's change
// wakes its Rollout (a finished measurement may end a step), a template's
// change wakes the Rollouts that name it.
func (c *Controller) watchAnalysis(cfg Config) error {
	runs := cfg.AnalysisRuns.Informer()
	if err := runs.AddIndexers(cache.Indexers{runOwnerIndex: runOwner}); err != nil {
		return fmt.Errorf("add AnalysisRun owner index: %w", err)
	}
	c.runIndex = runs.GetIndexer()
	c.templateLister = cfg.AnalysisTemplates.Lister()
	c.synced = append(c.synced, runs.HasSynced, cfg.AnalysisTemplates.Informer().HasSynced)
	if err := onEveryChange(runs, c.enqueueRunOwner); err != nil {
		return err
	}
	if err := onEveryChange(runs, c.freshness.Observed); err != nil {
		return err
	}
	if err := onEveryChange(cfg.AnalysisTemplates.Informer(), c.enqueueTemplateUsers); err != nil {
		return err
	}
	if cfg.ClusterAnalysisTemplates != nil {
		c.clusterTemplateLister = cfg.ClusterAnalysisTemplates.Lister()
		c.synced = append(c.synced, cfg.ClusterAnalysisTemplates.Informer().HasSynced)
		if err := onEveryChange(cfg.ClusterAnalysisTemplates.Informer(), c.enqueueTemplateUsers); err != nil {
			return err
		}
	}
	return nil
}

// analysisRunsOf lists the runs the Rollout owns, from the cache.
func (c *Controller) analysisRunsOf(ro *v1alpha1.Rollout) []*v1alpha1.AnalysisRun {
	if c.runIndex == nil {
		return nil
	}
	objs, err := c.runIndex.ByIndex(runOwnerIndex, string(ro.UID))
	if err != nil {
		return nil
	}
	runs := make([]*v1alpha1.AnalysisRun, 0, len(objs))
	for _, o := range objs {
		if r, ok := o.(*v1alpha1.AnalysisRun); ok {
			runs = append(runs, r)
		}
	}
	return runs
}

func runOwner(obj any) ([]string, error) {
	run, ok := obj.(*v1alpha1.AnalysisRun)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOf(run); ref != nil && ref.Kind == "Rollout" {
		return []string{string(ref.UID)}, nil
	}
	return nil, nil
}

func (c *Controller) enqueueRunOwner(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	run, ok := obj.(*v1alpha1.AnalysisRun)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(run); ref != nil && ref.Kind == "Rollout" && ref.APIVersion == v1alpha1.SchemeGroupVersion.String() {
		c.queue.Add(cache.ObjectName{Namespace: run.Namespace, Name: ref.Name})
	}
}

func (c *Controller) enqueueTemplateUsers(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	var key string
	switch t := obj.(type) {
	case *v1alpha1.AnalysisTemplate:
		key = t.Namespace + "/" + t.Name
	case *v1alpha1.ClusterAnalysisTemplate:
		key = "cluster/" + t.Name
	default:
		return
	}
	c.enqueueIndexed(templateIndex, key)
}

// templatesOfRollout is the index function behind templateIndex.
func templatesOfRollout(obj any) ([]string, error) {
	ro, ok := obj.(*v1alpha1.Rollout)
	if !ok {
		return nil, nil
	}
	var keys []string
	for _, ref := range referencedTemplates(ro) {
		if ref.ClusterScope {
			keys = append(keys, "cluster/"+ref.TemplateName)
		} else {
			keys = append(keys, ro.Namespace+"/"+ref.TemplateName)
		}
	}
	return keys, nil
}

// referencedTemplates lists every template the strategy names, with the field
// path that names it.
func referencedTemplates(ro *v1alpha1.Rollout) []templateRef {
	var refs []templateRef
	for _, a := range analysesOf(ro) {
		for i, t := range a.analysis.Templates {
			refs = append(refs, templateRef{fmt.Sprintf("%s.templates[%d]", a.path, i), t})
		}
	}
	return refs
}

type templateRef struct {
	path string
	v1alpha1.AnalysisTemplateRef
}
