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
		return time.Duration(v.IntVal) * time.Second, true, nil
	}
	s := strings.TrimSpace(v.StrVal)
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, true, nil
	}
	d, err = time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, false, fmt.Errorf("invalid pause duration %q", s)
	}
	return d, true, nil
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
