package view

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func ptr[T any](v T) *T { return &v }

var now = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// canary has steps setWeight 20 → pause 1m → analysis → setWeight 60 → pause.
func canary(index int32) *v1alpha1.Rollout {
	return &v1alpha1.Rollout{
		Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{Steps: []v1alpha1.CanaryStep{
			{SetWeight: ptr(int32(20))},
			{Pause: &v1alpha1.RolloutPause{Duration: ptr(intstr.FromInt32(60))}},
			{Analysis: &v1alpha1.RolloutAnalysis{}},
			{SetWeight: ptr(int32(60))},
			{Pause: &v1alpha1.RolloutPause{}},
		}}}},
		Status: v1alpha1.RolloutStatus{CurrentStepIndex: &index, StableRS: "old", CurrentPodHash: "new"},
	}
}

func TestSetWeight(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ro     *v1alpha1.Rollout
		want   int32
		wantOK bool
	}{
		{"at the first setWeight", canary(0), 20, true},
		{"at a pause after it", canary(1), 20, true},
		{"at the analysis", canary(2), 20, true},
		{"at the second setWeight", canary(3), 60, true},
		{"after the last step", canary(5), 100, true},
		{"aborted", func() *v1alpha1.Rollout { ro := canary(3); ro.Status.Abort = true; return ro }(), 0, true},
		{"fully promoted", func() *v1alpha1.Rollout { ro := canary(1); ro.Status.StableRS = "new"; return ro }(), 100, true},
		{"no steps", &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{}}}}, 100, true},
		{"blue-green", &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{}}}}, 0, false},
	} {
		got, ok := SetWeight(tc.ro)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("%s: got %d %v, want %d %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
}

func rs(hash string, available int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{HashLabel: hash}},
		Status:     appsv1.ReplicaSetStatus{AvailableReplicas: available},
	}
}

func TestActualWeight(t *testing.T) {
	rss := []*appsv1.ReplicaSet{rs("old", 2), rs("new", 1)}
	if got, _ := ActualWeight(canary(1), rss); got != 33 {
		t.Errorf("share of available pods: got %d, want 33", got)
	}
	if got, _ := ActualWeight(canary(1), nil); got != 0 {
		t.Errorf("no pods: got %d, want 0", got)
	}
	routed := canary(1)
	routed.Status.Canary.Weights = &v1alpha1.TrafficWeights{Canary: v1alpha1.WeightDestination{Weight: 20}, Stable: v1alpha1.WeightDestination{Weight: 80}}
	if got, _ := ActualWeight(routed, rss); got != 20 {
		t.Errorf("router weight: got %d, want 20", got)
	}
	routed.Status.StableRS = "new"
	if got, _ := ActualWeight(routed, rss); got != 100 {
		t.Errorf("fully promoted: got %d, want 100", got)
	}
}

func TestPauseLeft(t *testing.T) {
	ro := canary(1)
	ro.Status.PauseConditions = []v1alpha1.PauseCondition{{Reason: v1alpha1.PauseReasonCanaryPauseStep, StartTime: metav1.NewTime(now.Add(-15 * time.Second))}}
	if left, ok := PauseLeft(ro, now); !ok || left != 45*time.Second {
		t.Errorf("timed pause: got %s %v, want 45s", left, ok)
	}
	if left, ok := PauseLeft(ro, now.Add(time.Hour)); !ok || left != 0 {
		t.Errorf("overdue pause: got %s %v, want 0", left, ok)
	}
	ro.Spec.Paused = true
	if _, ok := PauseLeft(ro, now); ok {
		t.Error("a manual pause has no end")
	}
	indefinite := canary(4)
	indefinite.Status.PauseConditions = ro.Status.PauseConditions
	if _, ok := PauseLeft(indefinite, now); ok {
		t.Error("a pause without duration has no end")
	}
	bg := &v1alpha1.Rollout{
		Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{AutoPromotionSeconds: 30}}},
		Status: v1alpha1.RolloutStatus{PauseConditions: []v1alpha1.PauseCondition{
			{Reason: v1alpha1.PauseReasonBlueGreenPause, StartTime: metav1.NewTime(now.Add(-10 * time.Second))},
		}},
	}
	if left, ok := PauseLeft(bg, now); !ok || left != 20*time.Second {
		t.Errorf("auto-promotion: got %s %v, want 20s", left, ok)
	}
}

func TestRole(t *testing.T) {
	ro := canary(1)
	for hash, want := range map[string]string{"old": "stable", "new": "canary", "older": "", "": ""} {
		if got := Role(ro, hash); got != want {
			t.Errorf("canary %q: got %q, want %q", hash, got, want)
		}
	}
	bg := &v1alpha1.Rollout{
		Spec:   v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{}}},
		Status: v1alpha1.RolloutStatus{BlueGreen: v1alpha1.BlueGreenStatus{ActiveSelector: "a", PreviewSelector: "p"}},
	}
	for hash, want := range map[string]string{"a": "active", "p": "preview", "x": ""} {
		if got := Role(bg, hash); got != want {
			t.Errorf("blue-green %q: got %q, want %q", hash, got, want)
		}
	}
}

func TestEffectivePhase(t *testing.T) {
	ro := &v1alpha1.Rollout{ObjectMeta: metav1.ObjectMeta{Generation: 3},
		Status: v1alpha1.RolloutStatus{ObservedGeneration: 3, Phase: v1alpha1.RolloutPhaseDegraded, Message: "x"}}
	if p, m := EffectivePhase(ro); p != v1alpha1.RolloutPhaseDegraded || m != "x" {
		t.Errorf("current status: %s %q", p, m)
	}
	if done, healthy := Settled(ro); !done || healthy {
		t.Error("Degraded is settled, not healthy")
	}
	ro.Generation = 4
	if p, _ := EffectivePhase(ro); p != v1alpha1.RolloutPhaseProgressing {
		t.Errorf("stale status: %s, want Progressing", p)
	}
	if done, _ := Settled(ro); done {
		t.Error("a stale status is never settled")
	}
}

func TestCountdown(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:                      "0s",
		0:                                 "0s",
		400 * time.Millisecond:            "1s",
		45 * time.Second:                  "45s",
		125 * time.Second:                 "2m05s",
		time.Hour + 2*time.Minute + 3e9:   "1h02m",
		59*time.Second + time.Millisecond: "1m00s",
	} {
		if got := countdown(d); got != want {
			t.Errorf("countdown(%s) = %q, want %q", d, got, want)
		}
	}
}
