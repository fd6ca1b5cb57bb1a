package plan

import (
	"fmt"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// A header or mirror route goes only to a canary with available pods (SPEC
// §2.7 rule 1): while the canary has none, the router gets no route at all. A
// setHeaderRoute step followed by a pause for beta testers, while the canary
// runs no pod, pauses for nothing. These functions find such steps in a
// timeline, so that `plan` and `lint` say the same.

// RouteWithoutPods is a setHeaderRoute or setMirrorRoute step whose route has no
// canary pod to go to.
type RouteWithoutPods struct {
	// Step is the step's index; Field is "setHeaderRoute" or "setMirrorRoute".
	Step  int
	Field string
	// WaitStep is the index of the step where the rollout waits with the route
	// and no canary pod (a pause or an analysis, or a setWeight 0), or -1 when
	// the steps end first (the promotion removes the routes).
	WaitStep int
}

// RoutesWithoutPods simulates an update of the Rollout, as `plan` does, and
// returns its route steps without canary pods. A Rollout the simulation cannot
// take through its steps has none.
func RoutesWithoutPods(ro *v1alpha1.Rollout) []RouteWithoutPods {
	c := ro.Spec.Strategy.Canary
	if c == nil || c.TrafficRouting == nil {
		return nil
	}
	tl, err := NewTimeline(ro, TimelineOptions{PodReady: 10 * time.Second})
	if err != nil {
		return nil
	}
	return routesWithoutPods(c.Steps, tl.Rows)
}

// routesWithoutPods decides from a timeline's rows (one per step, by index) which
// route steps set a route while the canary has no pods. A route step completes at
// once, and so do the setCanaryScale and other route steps next to it, in the same
// reconcile: what counts is the canary's size where the rollout next waits — the
// first pause, analysis or setWeight after the route step. A setWeight above 0
// gives the canary pods, and the route takes effect with them.
func routesWithoutPods(steps []v1alpha1.CanaryStep, rows []TimelineRow) []RouteWithoutPods {
	byStep := map[int]TimelineRow{}
	for _, r := range rows {
		if r.Step >= 0 {
			byStep[r.Step] = r
		}
	}
	var out []RouteWithoutPods
	for i, step := range steps {
		field := routeField(step)
		if field == "" {
			continue
		}
		wait := nextWait(steps, i)
		at := wait
		if at < 0 {
			at = len(steps) - 1 // the steps end first: the last one's state is what the route gets
		}
		if row, ok := byStep[at]; ok && row.Canary == 0 {
			out = append(out, RouteWithoutPods{Step: i, Field: field, WaitStep: wait})
		}
	}
	return out
}

// routeField names the route a step sets ("" for any other step, or for a route
// step with no match, which removes its route).
func routeField(step v1alpha1.CanaryStep) string {
	switch {
	case step.SetHeaderRoute != nil && len(step.SetHeaderRoute.Match) > 0:
		return "setHeaderRoute"
	case step.SetMirrorRoute != nil && len(step.SetMirrorRoute.Match) > 0:
		return "setMirrorRoute"
	}
	return ""
}

// nextWait is the index of the first step after i that takes time (a pause, an
// analysis or a setWeight), or -1 when none follows.
func nextWait(steps []v1alpha1.CanaryStep, i int) int {
	for j := i + 1; j < len(steps); j++ {
		if s := steps[j]; s.Pause != nil || s.Analysis != nil || s.SetWeight != nil {
			return j
		}
	}
	return -1
}

// markRoutesWithoutPods flags the route steps without canary pods in a canary
// timeline's rows and notes why on each.
func markRoutesWithoutPods(ro *v1alpha1.Rollout, rows []TimelineRow) {
	c := ro.Spec.Strategy.Canary
	if c == nil || c.TrafficRouting == nil {
		return
	}
	for _, r := range routesWithoutPods(c.Steps, rows) {
		for i := range rows {
			if rows[i].Step == r.Step {
				rows[i].RouteWithoutPods = true
				rows[i].Notes = append(rows[i].Notes, "no route set: the canary has no pods "+r.where())
			}
		}
	}
}

// where says where the route finds no canary pod.
func (r RouteWithoutPods) where() string {
	if r.WaitStep < 0 {
		return "before the promotion removes the route"
	}
	return fmt.Sprintf("at step %d", r.WaitStep+1)
}

// Message says, as a sentence about the step, what happens to its route and
// what to do about it.
func (r RouteWithoutPods) Message() string {
	return fmt.Sprintf("comes while the canary has no pods: it still has none %s, so the router gets no route "+
		"(a header or mirror route goes only to a canary with available pods); give the canary pods first, "+
		"e.g. a setCanaryScale step with replicas: 1", r.where())
}
