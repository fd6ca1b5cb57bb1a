package plan

import (
	"slices"
	"testing"
	"time"
)

// Events and pause messages number steps 1..N in spec order, as the plugin
// does: the first step is "1/N", whatever status.currentStepIndex (0-based)
// holds while it runs.
func TestEventsNumberStepsFromOne(t *testing.T) {
	w := healthyWorld(t, 4, canaryWithServices(weight(25), pauseFor(10), weight(50), pauseForever()))
	w.deploy("b")
	var messages []string
	for range 40 {
		p := w.tick(time.Second)
		for _, e := range p.Events {
			messages = append(messages, e.Reason+": "+e.Message)
		}
		if w.paused() && idx(w.ro.Status.CurrentStepIndex) == 3 {
			break
		}
	}
	for _, want := range []string{
		"RolloutStepCompleted: Rollout step 1/4 completed (setWeight 25)",
		"RolloutPaused: Rollout paused at step 2/4 (pause 10s)",
		"RolloutStepCompleted: Rollout step 2/4 completed (pause 10s)",
		"RolloutStepCompleted: Rollout step 3/4 completed (setWeight 50)",
		"RolloutPaused: Rollout paused at step 4/4 (pause (until promoted))",
	} {
		if !slices.Contains(messages, want) {
			t.Errorf("no event %q among %q", want, messages)
		}
	}
}

func TestStepName(t *testing.T) {
	steps := steps(weight(20), pauseFor(30), weight(100))
	for index, want := range []string{"step 1/3 (setWeight 20)", "step 2/3 (pause 30s)", "step 3/3 (setWeight 100)"} {
		if got := StepName(steps, int32(index)); got != want {
			t.Errorf("StepName(%d) = %q, want %q", index, got, want)
		}
	}
}
