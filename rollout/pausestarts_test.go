package rollout

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestPauseStartsKeepTheExactStart(t *testing.T) {
	key := cache.ObjectName{Namespace: "ns", Name: "web"}
	s := newPauseStarts()
	exact := time.Date(2026, 1, 1, 10, 0, 0, 700_000_000, time.UTC)
	step := v1alpha1.PauseReasonCanaryPauseStep
	s.record(key, []v1alpha1.PauseCondition{{Reason: step, StartTime: metav1.NewTime(exact)}})
	// Later writes carry the condition as read back, in whole seconds.
	s.record(key, []v1alpha1.PauseCondition{{Reason: step, StartTime: metav1.NewTime(exact.Truncate(time.Second))}})
	if got := s.of(key)[step]; !got.Equal(exact) {
		t.Fatalf("start %v, want the exact %v", got, exact)
	}
	s.record(key, nil)
	if got := s.of(key); got != nil {
		t.Fatalf("an ended pause is still known: %v", got)
	}
}
