package triggers

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/sluice-dev/sluice/notifications"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// RevisionAnnotation is where ReplicaSets and AnalysisRuns keep their revision
// (the rollout controller's sluice.dev/revision).
const RevisionAnnotation = "sluice.dev/revision"

// HashLabel is the pod-template hash label on ReplicaSets and AnalysisRuns.
const HashLabel = "sluice.dev/pod-template-hash"

// state is one Input read once: the Rollout and its current revision.
type state struct {
	in  Input
	ro  *v1alpha1.Rollout
	st  *v1alpha1.RolloutStatus
	rev int64 // the current revision; 0 when its ReplicaSet is unknown
	// pos places each event (by key) within its revision (see order.go).
	pos map[string]float64
}

func newState(in Input) (*state, bool) {
	if in.Rollout == nil {
		return nil, false
	}
	ro := in.Rollout
	s := &state{in: in, ro: ro, st: &ro.Status, pos: map[string]float64{}}
	s.rev = currentRevision(in)
	return s, true
}

// currentRevision is the revision of status.currentPodHash. An older
// ReplicaSet brought back keeps its old number until it becomes stable, when
// the rollout controller gives it the next one; its events are keyed with
// that next number from the start, so they keep their keys across the
// renumbering. Brought back while it is still stable (an undo during a
// canary), it keeps its number: there is no renumbering then.
func currentRevision(in Input) int64 {
	st := &in.Rollout.Status
	cur := st.CurrentPodHash
	rev := in.Revisions[cur]
	if cur == "" || rev == 0 || cur == st.StableRS {
		return rev
	}
	if newest := newestOtherRevision(in.Revisions, cur); rev < newest {
		return newest + 1
	}
	return rev
}

// newestOtherRevision is the highest revision of a ReplicaSet other than hash's.
func newestOtherRevision(revisions map[string]int64, hash string) int64 {
	var newest int64
	for h, r := range revisions {
		if h != hash {
			newest = max(newest, r)
		}
	}
	return newest
}

// key builds an event key: "<uid>/rev-<n>/<trigger>[/<part>...]".
func (s *state) key(rev int64, trigger string, parts ...string) string {
	k := string(s.ro.UID) + "/rev-" + strconv.FormatInt(rev, 10) + "/" + trigger
	for _, p := range parts {
		k += "/" + p
	}
	return k
}

// event makes an event of the current revision with the Rollout's data.
func (s *state) event(trigger, key string, at time.Time) notifications.Event {
	return s.eventOf(s.rev, trigger, key, at)
}

func (s *state) eventOf(rev int64, trigger, key string, at time.Time) notifications.Event {
	if at.IsZero() {
		at = s.in.Now
	}
	return notifications.Event{
		Trigger:  trigger,
		Key:      key,
		Revision: rev,
		Data: notifications.Data{
			Rollout: s.rolloutData(rev),
			Trigger: trigger,
			Key:     key,
			Time:    at.UTC(),
		},
	}
}

// rolloutData describes the Rollout as stored.
func (s *state) rolloutData(rev int64) notifications.RolloutData {
	ro, st := s.ro, s.st
	d := notifications.RolloutData{
		Namespace:  ro.Namespace,
		Name:       ro.Name,
		UID:        string(ro.UID),
		Phase:      string(st.Phase),
		Message:    st.Message,
		Revision:   rev,
		Step:       s.stepIndex(),
		Steps:      int32(len(s.steps())),
		StableHash: st.StableRS,
		CanaryHash: st.CurrentPodHash,
	}
	if w := st.Canary.Weights; w != nil {
		d.CanaryWeight, d.StableWeight = w.Canary.Weight, w.Stable.Weight
		if w.Baseline != nil {
			d.BaselineWeight = w.Baseline.Weight
		}
	}
	for _, c := range ro.Spec.Template.Spec.Containers {
		d.Images = append(d.Images, c.Image)
	}
	return d
}

func (s *state) steps() []v1alpha1.CanaryStep {
	if c := s.ro.Spec.Strategy.Canary; c != nil {
		return c.Steps
	}
	return nil
}

// stepIndex is status.currentStepIndex (the number of completed steps).
func (s *state) stepIndex() int32 {
	if s.st.CurrentStepIndex == nil {
		return 0
	}
	return *s.st.CurrentStepIndex
}

// condition returns the Rollout's condition of type t, or nil.
func (s *state) condition(t v1alpha1.RolloutConditionType) *v1alpha1.RolloutCondition {
	for i := range s.st.Conditions {
		if s.st.Conditions[i].Type == t {
			return &s.st.Conditions[i]
		}
	}
	return nil
}

// stamp formats a stored time for a key: UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// describeStep names a step for people: "2/5: setWeight 40".
func describeStep(steps []v1alpha1.CanaryStep, i int) string {
	step := steps[i]
	var what string
	switch {
	case step.SetWeight != nil:
		what = fmt.Sprintf("setWeight %d", *step.SetWeight)
	case step.Pause != nil && step.Pause.Duration != nil:
		what = "pause " + step.Pause.Duration.String()
	case step.Pause != nil:
		what = "pause until promoted"
	case step.Analysis != nil:
		what = "analysis"
		for j, t := range step.Analysis.Templates {
			sep := ", "
			if j == 0 {
				sep = " "
			}
			what += sep + t.TemplateName
		}
	case step.SetCanaryScale != nil:
		what = "setCanaryScale"
	case step.SetHeaderRoute != nil:
		what = "setHeaderRoute"
	case step.SetMirrorRoute != nil:
		what = "setMirrorRoute"
	default:
		what = "empty step"
	}
	return fmt.Sprintf("%d/%d: %s", i+1, len(steps), what)
}

// sortedRuns are the runs in the order they started (then by name).
func sortedRuns(runs []*v1alpha1.AnalysisRun) []*v1alpha1.AnalysisRun {
	out := append([]*v1alpha1.AnalysisRun(nil), runs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].CreationTimestamp.Time, out[j].CreationTimestamp.Time
		if !a.Equal(b) {
			return a.Before(b)
		}
		return out[i].Name < out[j].Name
	})
	return out
}
