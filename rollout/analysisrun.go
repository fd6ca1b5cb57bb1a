package rollout

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
	"github.com/sluice-dev/sluice/rollout/runargs"
)

// createRun creates the AnalysisRun for a need from the templates the strategy
// names. It is named <rollout>-<podHash>-<revision>[-<step>|-pre|-post], with
// ".2", ".3"… when a spent run of the same name exists (a retry).
func (c *Controller) createRun(ctx context.Context, ro *v1alpha1.Rollout, need plan.AnalysisNeed, newRS *appsv1.ReplicaSet, runs []*v1alpha1.AnalysisRun) (*v1alpha1.AnalysisRun, error) {
	analysis := analysisSpec(ro, need)
	if analysis == nil {
		return nil, fmt.Errorf("no analysis configured for %s", need.Kind)
	}
	spec, err := c.runSpec(ro, analysis, newRS)
	if err != nil {
		return nil, err
	}
	hash := newRS.Labels[HashLabel]
	labels := map[string]string{HashLabel: hash, v1alpha1.AnalysisKindLabel: string(need.Kind)}
	if need.Kind == v1alpha1.AnalysisKindStep {
		labels[v1alpha1.StepIndexLabel] = strconv.Itoa(int(need.Step))
	}
	if id, ok := ro.Labels[InstanceLabel]; ok {
		labels[InstanceLabel] = id
	}
	run := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{
			Name:            freeRunName(runBaseName(ro, need, newRS), runs),
			Namespace:       ro.Namespace,
			Labels:          labels,
			Annotations:     map[string]string{RevisionAnnotation: newRS.Annotations[RevisionAnnotation]},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ro, rolloutKind)},
		},
		Spec: *spec,
	}
	created, err := c.sluice.SluiceV1alpha1().AnalysisRuns(ro.Namespace).Create(ctx, run, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create AnalysisRun %s: it exists but is not in the cache yet: %w", run.Name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("create AnalysisRun %s: %w", run.Name, err)
	}
	klog.FromContext(ctx).V(2).Info("Created AnalysisRun", "analysisrun", created.Name, "kind", need.Kind)
	c.recorder.Event(ro, "Normal", "AnalysisRunCreated", fmt.Sprintf("Created %s AnalysisRun %s", need.Kind, created.Name))
	return created, nil
}

func runBaseName(ro *v1alpha1.Rollout, need plan.AnalysisNeed, newRS *appsv1.ReplicaSet) string {
	base := fmt.Sprintf("%s-%s-%s", ro.Name, newRS.Labels[HashLabel], newRS.Annotations[RevisionAnnotation])
	switch need.Kind {
	case v1alpha1.AnalysisKindStep:
		return fmt.Sprintf("%s-%d", base, need.Step)
	case v1alpha1.AnalysisKindPrePromotion:
		return base + "-pre"
	case v1alpha1.AnalysisKindPostPromotion:
		return base + "-post"
	}
	return base
}

func freeRunName(base string, runs []*v1alpha1.AnalysisRun) string {
	name := base
	for n := 2; runNamed(runs, name) != nil; n++ {
		name = fmt.Sprintf("%s.%d", base, n)
	}
	return name
}

// analysisSpec is the strategy's analysis for a need.
func analysisSpec(ro *v1alpha1.Rollout, need plan.AnalysisNeed) *v1alpha1.RolloutAnalysis {
	s := ro.Spec.Strategy
	switch need.Kind {
	case v1alpha1.AnalysisKindStep:
		if s.Canary != nil && int(need.Step) < len(s.Canary.Steps) {
			return s.Canary.Steps[need.Step].Analysis
		}
	case v1alpha1.AnalysisKindBackground:
		if s.Canary != nil && s.Canary.Analysis != nil {
			return &s.Canary.Analysis.RolloutAnalysis
		}
	case v1alpha1.AnalysisKindPrePromotion:
		if s.BlueGreen != nil {
			return s.BlueGreen.PrePromotionAnalysis
		}
	case v1alpha1.AnalysisKindPostPromotion:
		if s.BlueGreen != nil {
			return s.BlueGreen.PostPromotionAnalysis
		}
	}
	return nil
}

// runSpec merges the named templates into one run spec (see mergeTemplates) and
// fills in the Rollout's argument values, which replace the templates'. Secret
// arguments stay references: the AnalysisRun controller reads them when the run
// starts, so no secret is ever written.
func (c *Controller) runSpec(ro *v1alpha1.Rollout, analysis *v1alpha1.RolloutAnalysis, newRS *appsv1.ReplicaSet) (*v1alpha1.AnalysisRunSpec, error) {
	templates, err := c.templatesOf(ro.Namespace, analysis)
	if err != nil {
		return nil, err
	}
	merged, err := mergeTemplates(templates, suppliedArgs(analysis))
	if err != nil {
		return nil, err
	}
	spec := merged.DeepCopy() // merged shares the cached templates' memory
	spec.DryRun = append(spec.DryRun, analysis.DryRun...)
	spec.MeasurementRetention = append(spec.MeasurementRetention, analysis.MeasurementRetention...)
	for _, a := range analysis.Args {
		value, err := rolloutArgValue(ro, a, newRS)
		if err != nil {
			return nil, err
		}
		setArg(&spec.Args, a.Name, value)
	}
	return spec, nil
}

// errNoClusterTemplates is why a namespace-mode controller without the
// cluster-reads grant cannot use a ClusterAnalysisTemplate.
var errNoClusterTemplates = errors.New("ClusterAnalysisTemplates cannot be read: the controller watches one namespace (--namespace) without read access to cluster-scoped templates")

// template reads a referenced (Cluster)AnalysisTemplate's spec from the cache.
func (c *Controller) template(namespace string, ref v1alpha1.AnalysisTemplateRef) (*v1alpha1.AnalysisTemplateSpec, error) {
	if ref.ClusterScope {
		if c.clusterTemplateLister == nil {
			return nil, errNoClusterTemplates
		}
		t, err := c.clusterTemplateLister.Get(ref.TemplateName)
		if err != nil {
			return nil, fmt.Errorf("ClusterAnalysisTemplate %q: %w", ref.TemplateName, err)
		}
		return &t.Spec, nil
	}
	t, err := c.templateLister.AnalysisTemplates(namespace).Get(ref.TemplateName)
	if err != nil {
		return nil, fmt.Errorf("AnalysisTemplate %q: %w", ref.TemplateName, err)
	}
	return &t.Spec, nil
}

// setArg gives an argument a value, adding it if no template declared it.
func setArg(args *[]v1alpha1.Argument, name, value string) {
	for i := range *args {
		if (*args)[i].Name == name {
			(*args)[i].Value, (*args)[i].ValueFrom = &value, nil
			return
		}
	}
	*args = append(*args, v1alpha1.Argument{Name: name, Value: &value})
}

// rolloutArgValue is the value a Rollout passes for an argument of a run
// for newRS (package runargs, shared with kubectl sluice analyze).
func rolloutArgValue(ro *v1alpha1.Rollout, a v1alpha1.AnalysisRunArgument, newRS *appsv1.ReplicaSet) (string, error) {
	return runargs.Value(ro, a, newRS.Labels[HashLabel])
}

// trimRunHistory deletes the oldest finished runs beyond the Rollout's history
// limits (successful and unsuccessful counted apart), never a current one.
func (c *Controller) trimRunHistory(ctx context.Context, ro *v1alpha1.Rollout, runs []*v1alpha1.AnalysisRun, current currentRuns) error {
	keepOK, keepBad := v1alpha1.DefaultSuccessfulRunHistoryLimit, v1alpha1.DefaultUnsuccessfulRunHistoryLimit
	if a := ro.Spec.Analysis; a != nil {
		keepOK = ptrOr(a.SuccessfulRunHistoryLimit, keepOK)
		keepBad = ptrOr(a.UnsuccessfulRunHistoryLimit, keepBad)
	}
	isCurrent := func(r *v1alpha1.AnalysisRun) bool {
		for _, cur := range current {
			if cur != nil && cur.UID == r.UID {
				return true
			}
		}
		return false
	}
	var ok, bad []*v1alpha1.AnalysisRun
	for _, r := range runs {
		switch {
		case !r.Status.Phase.Completed() || isCurrent(r) || r.DeletionTimestamp != nil:
		case r.Status.Phase == v1alpha1.AnalysisPhaseSuccessful:
			ok = append(ok, r)
		default:
			bad = append(bad, r)
		}
	}
	for _, group := range []struct {
		runs []*v1alpha1.AnalysisRun
		keep int32
	}{{ok, keepOK}, {bad, keepBad}} {
		sort.Slice(group.runs, func(i, j int) bool {
			return group.runs[i].CreationTimestamp.Before(&group.runs[j].CreationTimestamp)
		})
		for len(group.runs) > int(group.keep) {
			r := group.runs[0]
			group.runs = group.runs[1:]
			err := c.sluice.SluiceV1alpha1().AnalysisRuns(r.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &r.UID}})
			if err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete old AnalysisRun %s: %w", r.Name, err)
			}
		}
	}
	return nil
}

func ptrOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}
