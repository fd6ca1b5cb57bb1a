package runargs

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

func TestValue(t *testing.T) {
	ro := &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"team": "cart"}},
		Spec:       v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{Baseline: &v1alpha1.CanaryBaseline{}}}},
		Status:     v1alpha1.RolloutStatus{StableRS: "a", CurrentPodHash: "b"},
	}
	hash := func(w v1alpha1.ValueFromPodTemplateHash) v1alpha1.AnalysisRunArgument {
		return v1alpha1.AnalysisRunArgument{Name: "h", ValueFrom: &v1alpha1.ArgumentValueFrom{PodTemplateHashValue: &w}}
	}
	field := func(path string) v1alpha1.AnalysisRunArgument {
		return v1alpha1.AnalysisRunArgument{Name: "f", ValueFrom: &v1alpha1.ArgumentValueFrom{FieldRef: &v1alpha1.FieldRef{FieldPath: path}}}
	}
	tests := []struct {
		name    string
		arg     v1alpha1.AnalysisRunArgument
		latest  string
		want    string
		wantErr string
	}{
		{"literal", v1alpha1.AnalysisRunArgument{Name: "l", Value: "x"}, "c", "x", ""},
		{"stable", hash(v1alpha1.Stable), "c", "a", ""},
		{"latest is the run's ReplicaSet", hash(v1alpha1.Latest), "c", "c", ""},
		{"baseline of stable and latest", hash(v1alpha1.Baseline), "c", plan.BaselineHash("a", "c"), ""},
		{"no baseline without a canary", hash(v1alpha1.Baseline), "a", "", "the Rollout runs no canary (the current template is the stable one), so no baseline"},
		{"label", field("metadata.labels['team']"), "c", "cart", ""},
		{"missing label", field("metadata.labels['nope']"), "c", "", `fieldRef "metadata.labels['nope']": the Rollout has no such key`},
		{"jsonpath", field("metadata.namespace"), "c", "shop", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Value(ro, tt.arg, tt.latest)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
