package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// syncInvalid runs one reconcile that must stop at an InvalidSpec.
func (f *fixture) syncInvalid() {
	f.t.Helper()
	f.refresh(context.Background())
	if _, err := f.c.sync(context.Background(), cache.ObjectName{Namespace: "ns", Name: "web"}); !errors.Is(err, errSpecInvalid) {
		f.t.Fatalf("sync: %v, want InvalidSpec", err)
	}
}

// wantInvalidConditions checks what `kubectl wait --for=condition=...` and Argo
// CD read from an InvalidSpec Rollout: InvalidSpec True naming the problem,
// Progressing False for the same reason, and not Healthy or Completed.
func wantInvalidConditions(t *testing.T, ro *v1alpha1.Rollout, naming string) {
	t.Helper()
	st := &ro.Status
	if st.Phase != v1alpha1.RolloutPhaseDegraded || !strings.Contains(st.Message, naming) {
		t.Errorf("phase %s %q, want Degraded naming %s", st.Phase, st.Message, naming)
	}
	invalid := condition(st, v1alpha1.RolloutInvalidSpec)
	if invalid == nil || invalid.Status != corev1.ConditionTrue || !strings.Contains(invalid.Message, naming) {
		t.Errorf("InvalidSpec condition %+v, want True naming %s", invalid, naming)
	}
	progressing := condition(st, v1alpha1.RolloutProgressing)
	if progressing == nil || progressing.Status != corev1.ConditionFalse || progressing.Reason != v1alpha1.ReasonInvalidSpec ||
		invalid == nil || progressing.Message != invalid.Message {
		t.Errorf("Progressing condition %+v, want False/InvalidSpec with the InvalidSpec message", progressing)
	}
	for _, ct := range []v1alpha1.RolloutConditionType{v1alpha1.RolloutHealthy, v1alpha1.RolloutCompleted} {
		if conditionTrue(st, ct) {
			t.Errorf("%s is True on an InvalidSpec Rollout", ct)
		}
	}
	for _, c := range st.Conditions {
		if strings.HasSuffix(c.Message, "progressing to ") {
			t.Errorf("condition %s says %q: a progress message without a hash", c.Type, c.Message)
		}
	}
}

// TestNeverValidRolloutIsNotProgressing: a Rollout whose Services do not exist
// yet never ran; its conditions say it does not progress, and why, until the
// Services appear.
func TestNeverValidRolloutIsNotProgressing(t *testing.T) {
	f := newFixture(t, testRollout("web:1"))
	f.syncInvalid()
	wantInvalidConditions(t, f.rollout(), `Service "web-stable" not found`)

	for _, name := range []string{"web-stable", "web-canary"} {
		if _, err := f.kube.CoreV1().Services("ns").Create(context.Background(), service(name), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		f.sync()
	}
	st := f.rollout().Status
	if c := condition(&st, v1alpha1.RolloutProgressing); c == nil || c.Status != corev1.ConditionTrue || c.Reason != v1alpha1.ReasonNewRSAvailable {
		t.Fatalf("once valid and deployed: Progressing %+v, want True/NewReplicaSetAvailable", c)
	}
	if conditionTrue(&st, v1alpha1.RolloutInvalidSpec) || st.Phase != v1alpha1.RolloutPhaseHealthy {
		t.Fatalf("once valid and deployed: phase %s, InvalidSpec %+v", st.Phase, condition(&st, v1alpha1.RolloutInvalidSpec))
	}
}

// TestRolloutInvalidMidReleaseIsNotProgressing: the canary Service disappears
// while a release runs. Progressing turns False for the InvalidSpec and, once
// the Service is back, True again with the progress deadline counting afresh.
func TestRolloutInvalidMidReleaseIsNotProgressing(t *testing.T) {
	ctx := context.Background()
	ro := testRollout("web:1")
	ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{{SetWeight: ptrTo(int32(20))}, {SetWeight: ptrTo(int32(60))}}
	f := newFixture(t, ro, service("web-stable"), service("web-canary"))
	for range 3 {
		f.sync()
	}
	ro = f.rollout()
	ro.Spec.Template.Spec.Containers[0].Image = "web:2"
	ro.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(ctx, ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if c := condition(&f.rollout().Status, v1alpha1.RolloutProgressing); c == nil || c.Status != corev1.ConditionTrue {
		t.Fatalf("mid-release: Progressing %+v, want True", c)
	}

	if err := f.kube.CoreV1().Services("ns").Delete(ctx, "web-canary", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Step(time.Minute)
	f.syncInvalid()
	wantInvalidConditions(t, f.rollout(), `Service "web-canary" not found`)

	if _, err := f.kube.CoreV1().Services("ns").Create(ctx, service("web-canary"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Step(time.Minute)
	f.sync()
	st := f.rollout().Status
	c := condition(&st, v1alpha1.RolloutProgressing)
	if c == nil || c.Status != corev1.ConditionTrue || c.Reason != v1alpha1.ReasonReplicaSetUpdated || !c.LastUpdateTime.Time.Equal(f.clock.Now()) ||
		c.Message != "Rollout is progressing to "+st.CurrentPodHash {
		t.Fatalf("valid again: Progressing %+v, want True/ReplicaSetUpdated to %s, updated now (%s)", c, st.CurrentPodHash, f.clock.Now())
	}
}

// TestAbortedRolloutKeepsItsCauseWhileInvalid: an aborted Rollout that then
// becomes invalid is not progressing either way; its Progressing condition
// keeps saying why it was aborted, so the cause outlives the InvalidSpec.
func TestAbortedRolloutKeepsItsCauseWhileInvalid(t *testing.T) {
	ro := testRollout("web:2")
	at := metav1.NewTime(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	because := `Rollout aborted: step analysis is Error: metric "error-rate": query returned no data`
	ro.Status = v1alpha1.RolloutStatus{StableRS: "a", CurrentPodHash: "b", Abort: true, AbortedAt: &at,
		Conditions: []v1alpha1.RolloutCondition{{Type: v1alpha1.RolloutProgressing, Status: corev1.ConditionFalse,
			Reason: v1alpha1.ReasonRolloutAborted, Message: because, LastUpdateTime: at, LastTransitionTime: at}}}
	st := ro.Status.DeepCopy()
	completeStatus(ro, st, statusFacts{invalid: `spec.strategy.canary.canaryService: Service "web-canary" not found`, now: at.Add(time.Minute)})
	if c := condition(st, v1alpha1.RolloutProgressing); c.Status != corev1.ConditionFalse || c.Reason != v1alpha1.ReasonRolloutAborted || c.Message != because {
		t.Fatalf("Progressing %+v, want the abort kept", c)
	}
	if !conditionTrue(st, v1alpha1.RolloutInvalidSpec) || !strings.HasPrefix(st.Message, "InvalidSpec: ") {
		t.Fatalf("InvalidSpec %+v, message %q", condition(st, v1alpha1.RolloutInvalidSpec), st.Message)
	}
}
