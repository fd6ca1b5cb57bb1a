package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// StepsHash identifies a list of steps; status.currentStepHash holds it so that a
// change of steps restarts the count.
func StepsHash(steps []v1alpha1.CanaryStep) string {
	raw, _ := json.Marshal(steps)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])[:10]
}

// PauseDuration returns a pause step's duration; ok is false for an indefinite
// pause. Durations are integer seconds or a number with an s, m or h unit.
func PauseDuration(pause *v1alpha1.RolloutPause) (d time.Duration, ok bool, err error) {
	if pause == nil || pause.Duration == nil {
		return 0, false, nil
	}
	v := pause.Duration
	if v.Type == intstr.Int {
		return pauseSeconds(int64(v.IntVal), strconv.Itoa(int(v.IntVal)))
	}
	s := strings.TrimSpace(v.StrVal)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return pauseSeconds(n, s)
	}
	d, err = time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, false, fmt.Errorf("invalid pause duration %q", s)
	}
	return d, true, nil
}

// maxPauseSeconds is the longest pause a time.Duration holds (about 292 years).
const maxPauseSeconds = int64(1<<63-1) / int64(time.Second)

// pauseSeconds converts a pause given in seconds. A count beyond what a
// time.Duration holds would wrap around (the schema lets "18446744074" through,
// which would wrap to a pause of 0.29 s), and a negative one never ends a pause
// the way the user meant; both are errors.
func pauseSeconds(n int64, text string) (time.Duration, bool, error) {
	if n < 0 {
		return 0, false, fmt.Errorf("invalid pause duration %q", text)
	}
	if n > maxPauseSeconds {
		return 0, false, fmt.Errorf("invalid pause duration %q: more than %d seconds", text, maxPauseSeconds)
	}
	return time.Duration(n) * time.Second, true, nil
}

// describeStep names a step for events and messages.
func describeStep(step v1alpha1.CanaryStep) string {
	switch {
	case step.SetWeight != nil:
		return fmt.Sprintf("setWeight %d", *step.SetWeight)
	case step.Pause != nil:
		return describePause(step.Pause)
	case step.Analysis != nil:
		return "analysis"
	case step.SetCanaryScale != nil:
		return "setCanaryScale"
	case step.SetHeaderRoute != nil:
		return "setHeaderRoute " + step.SetHeaderRoute.Name
	case step.SetMirrorRoute != nil:
		return "setMirrorRoute " + step.SetMirrorRoute.Name
	}
	return "empty step"
}

func describePause(pause *v1alpha1.RolloutPause) string {
	if d, ok, err := PauseDuration(pause); err == nil && ok {
		return "pause " + d.String()
	}
	return "pause (until promoted)"
}

// WeightWithoutPods finds a weight above 0 in force while a setCanaryScale
// sizes the canary at 0 pods (replicas: 0 or weight: 0), in either order: a
// setWeight after such a scale, or such a scale after a setWeight. No weight
// may go to a canary without pods (SPEC §2.7 rule 1), so the rollout would
// wait at that step for ever. It returns the indexes of the setWeight step and
// of the setCanaryScale step.
func WeightWithoutPods(steps []v1alpha1.CanaryStep) (weightStep, scaleStep int, found bool) {
	weightStep, scaleStep = -1, -1
	for i, step := range steps {
		if s := step.SetCanaryScale; s != nil {
			scaleStep = i
			if s.MatchTrafficWeight || s.Replicas == nil && s.Weight == nil {
				scaleStep = -1
			}
		}
		if step.SetWeight != nil {
			weightStep = i
		}
		if weightStep >= 0 && *steps[weightStep].SetWeight > 0 && scaleStep >= 0 && sizesAtZero(steps[scaleStep].SetCanaryScale) {
			return weightStep, scaleStep, true
		}
	}
	return 0, 0, false
}

func sizesAtZero(s *v1alpha1.SetCanaryScale) bool {
	if s.Replicas != nil {
		return *s.Replicas == 0
	}
	return *s.Weight == 0
}
