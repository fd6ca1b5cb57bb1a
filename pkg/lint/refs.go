package lint

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
	specvalidation "github.com/sluice-dev/sluice/rollout/validation"
)

// Reference checks: a Rollout names Services, a Deployment, routers and analysis
// templates. The files are not the whole cluster, so a reference is checked only
// when the files hold objects of its kind (then the named one must be there);
// otherwise, with --strict, a note says it was left to the cluster.

// refKinds are the kinds a Rollout refers to, by "group/Kind" (the core group is "").
var refKinds = map[string]string{
	"/Service":                                      "Service",
	"apps/Deployment":                               "Deployment",
	"networking.istio.io/VirtualService":            "VirtualService",
	"networking.istio.io/DestinationRule":           "DestinationRule",
	"gateway.networking.k8s.io/HTTPRoute":           "HTTPRoute",
	v1alpha1.GroupName + "/AnalysisTemplate":        "AnalysisTemplate",
	v1alpha1.GroupName + "/ClusterAnalysisTemplate": "ClusterAnalysisTemplate",
}

// refIndex holds the referable objects of the input by kind.
type refIndex map[string][]*lintObject

func newRefIndex(objects []*lintObject) refIndex {
	ix := refIndex{}
	for _, o := range objects {
		group, _, found := strings.Cut(o.apiVersion, "/")
		if !found {
			group = "" // "v1": the core group
		}
		if kind, ok := refKinds[group+"/"+o.kind]; ok && o.name != "" {
			ix[kind] = append(ix[kind], o)
		}
	}
	return ix
}

// find returns the object of a kind with a name in a namespace. An object
// without a namespace goes to whatever namespace it is applied to, so it matches
// any; cluster-scoped kinds match by name only.
func (ix refIndex) find(kind, name, namespace string) *lintObject {
	for _, o := range ix[kind] {
		sameNamespace := o.namespace == "" || namespace == "" || o.namespace == namespace || kind == "ClusterAnalysisTemplate"
		if o.name == name && sameNamespace {
			return o
		}
	}
	return nil
}

// names lists the names of a kind's objects, for messages.
func (ix refIndex) names(kind string) string {
	seen := map[string]bool{}
	for _, o := range ix[kind] {
		seen[o.name] = true
	}
	return strings.Join(slices.Sorted(maps.Keys(seen)), ", ")
}

// resolve finds a referenced object and reports what it cannot: a note when the
// files hold no object of the kind, an error when they do but not this one.
func (l *linter) resolve(obj *lintObject, ix refIndex, path, kind, name, namespace string) *lintObject {
	if len(ix[kind]) == 0 {
		l.notef(obj, path, "not checked: the files hold no %s; %s %q must exist in the cluster", kind, kind, name)
		return nil
	}
	found := ix.find(kind, name, namespace)
	if found == nil {
		l.errorf(obj, path, "%s %q not found in the files (their %ss: %s)", kind, name, kind, ix.names(kind))
	}
	return found
}

// checkReferences checks the references of every Rollout, once all files are read.
func (l *linter) checkReferences() {
	ix := newRefIndex(l.objects)
	for _, obj := range l.objects {
		ro, ok := obj.typed.(*v1alpha1.Rollout)
		if !ok {
			continue
		}
		labels, labelsKnown := l.podLabels(obj, ro, ix)
		l.checkServices(obj, ro, ix, labels, labelsKnown)
		// The router's objects are checked against the Service names.
		if !obj.lost("spec.strategy.canary.stableService") && !obj.lost("spec.strategy.canary.canaryService") {
			l.checkRouting(obj, ro, ix)
		}
		l.checkAnalyses(obj, ro, ix)
		l.checkBaselineSteps(obj, ro)
	}
}

// podLabels returns the labels of the Rollout's pods: its template's, or those of
// its workloadRef Deployment when the files have it (whose selector match is
// checked here, as the controller checks it).
func (l *linter) podLabels(obj *lintObject, ro *v1alpha1.Rollout, ix refIndex) (map[string]string, bool) {
	ref := ro.Spec.WorkloadRef
	if obj.lost("spec.workloadRef") {
		return nil, false
	}
	if ref == nil {
		return ro.Spec.Template.Labels, !obj.partlyLost("spec.template.metadata.labels")
	}
	dep := l.resolve(obj, ix, "spec.workloadRef.name", "Deployment", ref.Name, obj.namespace)
	if dep == nil {
		return nil, false
	}
	labels := stringMap(valueAt(dep.raw, "spec.template.metadata.labels"))
	where := fmt.Sprintf("the pod template labels of Deployment %q", ref.Name)
	if p := specvalidation.Selector(ro.Spec.Selector, labels, where); p != nil && !obj.partlyLost("spec.selector") {
		l.errorf(obj, p.Field, "%s", p.Message)
	}
	return labels, true
}

// serviceRef is a Service a Rollout names, and the field that names it.
type serviceRef struct{ field, name string }

func serviceRefs(ro *v1alpha1.Rollout) []serviceRef {
	if c := ro.Spec.Strategy.Canary; c != nil {
		return []serviceRef{{"spec.strategy.canary.stableService", c.StableService}, {"spec.strategy.canary.canaryService", c.CanaryService},
			{"spec.strategy.canary.baselineService", c.BaselineService}}
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		return []serviceRef{{"spec.strategy.blueGreen.activeService", bg.ActiveService}, {"spec.strategy.blueGreen.previewService", bg.PreviewService}}
	}
	return nil
}

// checkServices checks that the Services exist and that their selectors can
// select the Rollout's pods: the controller only adds the pod-template-hash
// label to a selector, so every other key must match the pod labels.
func (l *linter) checkServices(obj *lintObject, ro *v1alpha1.Rollout, ix refIndex, labels map[string]string, labelsKnown bool) {
	for _, ref := range serviceRefs(ro) {
		if ref.name == "" {
			continue
		}
		svc := l.resolve(obj, ix, ref.field, "Service", ref.name, obj.namespace)
		if svc == nil || !labelsKnown {
			continue
		}
		if conflicts := selectorConflicts(stringMap(valueAt(svc.raw, "spec.selector")), labels); len(conflicts) > 0 {
			l.errorf(obj, ref.field, "Service %q selects %s: it would never select the Rollout's pods", ref.name, andList(conflicts))
		}
	}
}

// selectorConflicts describes each key of a Service selector the pod labels do
// not match. The pod-template-hash key is the controller's to set.
func selectorConflicts(selector, labels map[string]string) []string {
	var out []string
	for _, key := range slices.Sorted(maps.Keys(selector)) {
		want := selector[key]
		got, ok := labels[key]
		switch {
		case key == view.HashLabel:
		case !ok:
			out = append(out, fmt.Sprintf("%s=%s (the pods have no label %s)", key, want, key))
		case got != want:
			out = append(out, fmt.Sprintf("%s=%s (the pods have %s=%s)", key, want, key, got))
		}
	}
	return out
}

// stringMap reads a parsed map of strings.
func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}
