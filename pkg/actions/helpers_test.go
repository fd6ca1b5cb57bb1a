package actions

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

var testNow = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// The rollouts the decisions are tried on. "web" has four canary steps:
// setWeight 25, pause 10m, analysis, pause (until promoted); the new version is
// hash "new", the stable one "old".

func canary(change func(ro *v1alpha1.Rollout)) *v1alpha1.Rollout {
	ro := &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Generation: 2, ResourceVersion: "100"},
		Spec: v1alpha1.RolloutSpec{
			Replicas: ptr(int32(4)),
			Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{Steps: []v1alpha1.CanaryStep{
				{SetWeight: ptr(int32(25))},
				{Pause: &v1alpha1.RolloutPause{Duration: ptr(intstr.FromString("10m"))}},
				{Analysis: &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "checks"}}}},
				{Pause: &v1alpha1.RolloutPause{}},
			}}},
		},
		Status: v1alpha1.RolloutStatus{ObservedGeneration: 2, CurrentPodHash: "new", StableRS: "old", CurrentStepIndex: ptr(int32(0))},
	}
	if change != nil {
		change(ro)
	}
	return ro
}

// The states of a canary rollout.

func atStep(i int32) func(*v1alpha1.Rollout) {
	return func(ro *v1alpha1.Rollout) { ro.Status.CurrentStepIndex = &i }
}

func pausedFor(reason v1alpha1.PauseReason) func(*v1alpha1.Rollout) {
	return func(ro *v1alpha1.Rollout) {
		ro.Status.PauseConditions = append(ro.Status.PauseConditions, v1alpha1.PauseCondition{Reason: reason, StartTime: metav1.NewTime(testNow)})
		ro.Status.ControllerPause = true
	}
}

func pausedByUser(ro *v1alpha1.Rollout) { ro.Spec.Paused = true }

func abortedState(ro *v1alpha1.Rollout) {
	ro.Status.Abort, ro.Status.AbortedAt, ro.Status.CurrentStepIndex = true, ptr(metav1.NewTime(testNow)), ptr(int32(0))
}

func healthyState(ro *v1alpha1.Rollout) {
	ro.Status.StableRS, ro.Status.CurrentStepIndex = "new", ptr(int32(4))
}

func promotingFully(ro *v1alpha1.Rollout) { ro.Status.PromoteFull = true }

func specNotObserved(ro *v1alpha1.Rollout) { ro.Generation = 3 }

func all(changes ...func(*v1alpha1.Rollout)) func(*v1alpha1.Rollout) {
	return func(ro *v1alpha1.Rollout) {
		for _, c := range changes {
			c(ro)
		}
	}
}

// blueGreen is "web" with the blue-green strategy, the new version behind the
// preview Service.
func blueGreen(change func(ro *v1alpha1.Rollout)) *v1alpha1.Rollout {
	return canary(func(ro *v1alpha1.Rollout) {
		ro.Spec.Strategy = v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{ActiveService: "web", PreviewService: "web-preview"}}
		ro.Status.CurrentStepIndex = nil
		if change != nil {
			change(ro)
		}
	})
}

// after is the rollout as a change's writes leave it, applied as the API
// server would: merge patches into spec or status, JSON patch operations on
// the whole object.
func after(t *testing.T, ro *v1alpha1.Rollout, c Change) *v1alpha1.Rollout {
	t.Helper()
	doc := toMap(t, ro)
	for _, w := range c.Writes {
		if w.Ops != nil {
			for _, op := range w.Ops {
				if op.Op != "replace" {
					t.Fatalf("unexpected JSON patch op %q", op.Op)
				}
				replaceAt(t, doc, op.Path, toAny(t, op.Value))
			}
			continue
		}
		part := "spec"
		if w.Status {
			part = "status"
		}
		target, _ := doc[part].(map[string]any)
		if target == nil {
			target = map[string]any{}
			doc[part] = target
		}
		for k, v := range toAny(t, w.Merge).(map[string]any) {
			if v == nil {
				delete(target, k)
			} else {
				target[k] = v
			}
		}
	}
	var out v1alpha1.Rollout
	raw, _ := json.Marshal(doc)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	return toAny(t, v).(map[string]any)
}

func toAny(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// replaceAt sets the value at an RFC 6901 path that must exist.
func replaceAt(t *testing.T, doc any, path string, value any) {
	t.Helper()
	keys := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, key := range keys {
		last := i == len(keys)-1
		switch node := doc.(type) {
		case map[string]any:
			if _, ok := node[key]; !ok {
				t.Fatalf("path %s: no %q", path, key)
			}
			if last {
				node[key] = value
				return
			}
			doc = node[key]
		case []any:
			n, err := strconv.Atoi(key)
			if err != nil || n >= len(node) {
				t.Fatalf("path %s: no index %q", path, key)
			}
			if last {
				node[n] = value
				return
			}
			doc = node[n]
		default:
			t.Fatalf("path %s: %q is not in an object or array", path, key)
		}
	}
}

// state sums up what the actions change: the step index, the pauses, the
// user's flags.
func state(ro *v1alpha1.Rollout) string {
	var pauses []string
	for _, c := range ro.Status.PauseConditions {
		pauses = append(pauses, string(c.Reason))
	}
	step := "-"
	if i := ro.Status.CurrentStepIndex; i != nil {
		step = fmt.Sprint(*i)
	}
	return fmt.Sprintf("step=%s pauses=%v paused=%v abort=%v promoteFull=%v",
		step, pauses, ro.Spec.Paused, ro.Status.Abort, ro.Status.PromoteFull)
}

// decision is the outcome of one decision, as the tables state it: the state
// the writes leave (or "declined: <reason>") and the sentence.
type outcome struct {
	after, message string
}

func decide(t *testing.T, d Decision, ro *v1alpha1.Rollout) outcome {
	t.Helper()
	c, err := d(ro)
	if err != nil {
		reason, ok := IsDeclined(err)
		if !ok {
			return outcome{"error", err.Error()}
		}
		return outcome{map[DeclineReason]string{NothingToDo: "nothing to do", Refused: "refused"}[reason], err.Error()}
	}
	if len(c.Writes) == 0 {
		t.Fatalf("a change without writes: %+v", c)
	}
	return outcome{state(after(t, ro, c)), c.Done}
}
