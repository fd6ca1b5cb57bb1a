package analyze

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

func ptr[T any](v T) *T { return &v }

func hashArg(name string, which v1alpha1.ValueFromPodTemplateHash) v1alpha1.AnalysisRunArgument {
	return v1alpha1.AnalysisRunArgument{Name: name, ValueFrom: &v1alpha1.ArgumentValueFrom{PodTemplateHashValue: &which}}
}

func fieldArg(name, path string) v1alpha1.AnalysisRunArgument {
	return v1alpha1.AnalysisRunArgument{Name: name, ValueFrom: &v1alpha1.ArgumentValueFrom{FieldRef: &v1alpha1.FieldRef{FieldPath: path}}}
}

// judgedRollout runs a canary (hash "canary1") beside stable ("stable1") with
// a baseline, and analyzes it in step 1 with the cluster template "judge".
func judgedRollout() *v1alpha1.Rollout {
	analysis := &v1alpha1.RolloutAnalysis{
		Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "judge", ClusterScope: true}},
		Args: []v1alpha1.AnalysisRunArgument{
			hashArg("canary-hash", v1alpha1.Latest),
			hashArg("baseline-hash", v1alpha1.Baseline),
			hashArg("stable-hash", v1alpha1.Stable),
			fieldArg("namespace", "metadata.namespace"),
			fieldArg("team", "metadata.labels['team']"),
			fieldArg("replicas", "spec.replicas"),
			{Name: "interval", Value: "30s"},
		},
	}
	return &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"team": "payments"}},
		Spec: v1alpha1.RolloutSpec{
			Replicas: ptr(int32(4)),
			Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{
				Baseline: &v1alpha1.CanaryBaseline{Replicas: ptr(intstr.FromString("matchCanary"))},
				Steps: []v1alpha1.CanaryStep{
					{SetWeight: ptr(int32(20))},
					{Analysis: analysis},
				},
			}},
		},
		Status: v1alpha1.RolloutStatus{StableRS: "stable1", CurrentPodHash: "canary1"},
	}
}

func TestRolloutArgValuesResolveAsTheControllerDoes(t *testing.T) {
	ro := judgedRollout()
	a, where := FindAnalysis(ro, TemplateRef{Name: "judge", ClusterScope: true})
	if a == nil || where != "spec.strategy.canary.steps[1].analysis" {
		t.Fatalf("FindAnalysis = %v at %q, want step 1's analysis", a, where)
	}
	got, err := RolloutArgValues(ro, a)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"canary-hash": "canary1", "baseline-hash": plan.BaselineHash("stable1", "canary1"), "stable-hash": "stable1",
		"namespace": "shop", "team": "payments", "replicas": "4", "interval": "30s",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d values, want %d: %v", len(got), len(want), got)
	}
}

func TestFindAnalysisMatchesNameAndScope(t *testing.T) {
	ro := judgedRollout()
	if a, _ := FindAnalysis(ro, TemplateRef{Name: "judge"}); a != nil {
		t.Error("a namespaced template of the same name matched a ClusterAnalysisTemplate reference")
	}
	ro.Spec.Strategy.Canary.Analysis = &v1alpha1.RolloutAnalysisBackground{RolloutAnalysis: v1alpha1.RolloutAnalysis{
		Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "errors"}}}}
	if _, where := FindAnalysis(ro, TemplateRef{Name: "errors"}); where != "spec.strategy.canary.analysis" {
		t.Errorf("background analysis found at %q", where)
	}
	bg := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{
		PostPromotionAnalysis: &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "smoke"}}}}}}}
	if _, where := FindAnalysis(bg, TemplateRef{Name: "smoke"}); where != "spec.strategy.blueGreen.postPromotionAnalysis" {
		t.Errorf("post-promotion analysis found at %q", where)
	}
}

func TestRolloutArgValuesSayWhyAValueIsMissing(t *testing.T) {
	for _, row := range []struct {
		name   string
		change func(*v1alpha1.Rollout)
		want   string
	}{
		{"no baseline configured", func(ro *v1alpha1.Rollout) { ro.Spec.Strategy.Canary.Baseline = nil },
			`argument "baseline-hash" of Rollout "web": podTemplateHashValue Baseline, but the Rollout sets no spec.strategy.canary.baseline`},
		{"no canary running", func(ro *v1alpha1.Rollout) { ro.Status.CurrentPodHash = "stable1" },
			`argument "baseline-hash" of Rollout "web": the Rollout runs no canary`},
		{"a new Rollout", func(ro *v1alpha1.Rollout) { ro.Status = v1alpha1.RolloutStatus{} },
			`argument "canary-hash" of Rollout "web": the Rollout has no current pod-template hash yet`},
		{"a label that is not there", func(ro *v1alpha1.Rollout) { ro.Labels = nil },
			`argument "team" of Rollout "web": fieldRef "metadata.labels['team']": the Rollout has no such key`},
	} {
		t.Run(row.name, func(t *testing.T) {
			ro := judgedRollout()
			row.change(ro)
			a, _ := FindAnalysis(ro, TemplateRef{Name: "judge", ClusterScope: true})
			_, err := RolloutArgValues(ro, a)
			if err == nil || !strings.Contains(err.Error(), row.want) {
				t.Errorf("error %v, want %q", err, row.want)
			}
		})
	}
}
