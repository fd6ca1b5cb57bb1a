package rollout

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// TestBaselineReplicaSetOfALongName: a Rollout with a 63-character name gets
// a baseline ReplicaSet whose name, labels and selector the API server
// accepts, running the stable template with the baseline's hash and role.
func TestBaselineReplicaSetOfALongName(t *testing.T) {
	name := strings.Repeat("a", 63)
	ro := &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", UID: "u1"},
		Spec: v1alpha1.RolloutSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{Baseline: &v1alpha1.CanaryBaseline{}}}},
	}
	stable := &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Template: corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", HashLabel: "s1"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1"}}},
	}}}
	hash := plan.BaselineHash("s1", "c2")
	rs := newBaselineReplicaSet(ro, stable, hash, 2)
	for _, msg := range validation.IsDNS1123Subdomain(rs.Name) {
		t.Errorf("name %q: %s", rs.Name, msg)
	}
	// Pod names are the ReplicaSet's name and 5 characters.
	if n := len(rs.Name) + 6; n > validation.DNS1123SubdomainMaxLength {
		t.Errorf("pod names would be %d characters", n)
	}
	for k, v := range rs.Spec.Template.Labels {
		for _, msg := range validation.IsValidLabelValue(v) {
			t.Errorf("label %s=%q: %s", k, v, msg)
		}
	}
	if got := rs.Spec.Template.Labels; got[HashLabel] != hash || got[RoleLabel] != RoleBaseline || got["app"] != "web" {
		t.Errorf("template labels %v", got)
	}
	if rs.Spec.Selector.MatchLabels[HashLabel] != hash || *rs.Spec.Replicas != 2 || rs.Spec.Template.Spec.Containers[0].Image != "web:1" {
		t.Errorf("baseline ReplicaSet %+v", rs.Spec)
	}
}
