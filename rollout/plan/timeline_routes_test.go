package plan

import (
	"slices"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestRoutesWithoutPods: a header or mirror route step is reported when the
// rollout next waits (a pause, an analysis, a setWeight) with a canary of no
// pods, or reaches the end of its steps so; plan notes it on the step's row.
func TestRoutesWithoutPods(t *testing.T) {
	beta := v1alpha1.HeaderRoutingMatch{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "true"}}
	get := v1alpha1.RouteMatch{Method: &v1alpha1.StringMatch{Exact: "GET"}}
	one := canaryScale(v1alpha1.SetCanaryScale{Replicas: ptr(int32(1))})
	cases := []struct {
		name  string
		steps []v1alpha1.CanaryStep
		want  []RouteWithoutPods
	}{
		{"header route, then a pause with no canary pod (the old Istio example)",
			steps(headerRoute("header-1", beta), pauseForever(), weight(10), pauseFor(60)),
			[]RouteWithoutPods{{Step: 0, Field: "setHeaderRoute", WaitStep: 1}}},
		{"setCanaryScale first (the fixed example)",
			steps(one, headerRoute("header-1", beta), pauseForever(), weight(10), pauseFor(60)), nil},
		{"setCanaryScale right after the route, before the pause",
			steps(headerRoute("header-1", beta), one, pauseForever(), weight(10)), nil},
		{"a setWeight gives the canary pods before the rollout waits",
			steps(headerRoute("header-1", beta), weight(10), pauseForever()), nil},
		{"mirror route before an analysis with no canary pod",
			steps(mirrorRoute("mirror-1", get), analysisStep(), weight(50)),
			[]RouteWithoutPods{{Step: 0, Field: "setMirrorRoute", WaitStep: 1}}},
		{"setCanaryScale sizes the canary at 0 pods",
			steps(canaryScale(v1alpha1.SetCanaryScale{Weight: ptr(int32(0))}), headerRoute("header-1", beta), pauseFor(30),
				canaryScale(v1alpha1.SetCanaryScale{MatchTrafficWeight: true}), weight(50)),
			[]RouteWithoutPods{{Step: 1, Field: "setHeaderRoute", WaitStep: 2}}},
		{"a route as the last step, with no canary pod",
			steps(pauseFor(10), headerRoute("header-1", beta)),
			[]RouteWithoutPods{{Step: 1, Field: "setHeaderRoute", WaitStep: -1}}},
		{"a step removing its route (no match) sets none",
			steps(headerRoute("header-1"), pauseForever(), weight(50)), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(int32(4)), Strategy: v1alpha1.RolloutStrategy{Canary: routedCanary(tc.steps...)}}}
			got := RoutesWithoutPods(ro)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("routes without pods %+v, want %+v", got, tc.want)
			}
			tl, err := NewTimeline(ro, TimelineOptions{PodReady: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tl.Rows {
				flagged := slices.ContainsFunc(tc.want, func(w RouteWithoutPods) bool { return w.Step == r.Step })
				if r.RouteWithoutPods != flagged || flagged != (len(r.Notes) == 1) {
					t.Errorf("row %q: flagged %v with notes %q, want flagged %v with one note", r.Description, r.RouteWithoutPods, r.Notes, flagged)
				}
			}
		})
	}
}

// TestRoutesWithoutPodsNeedARouter: without trafficRouting there are no routes to
// set (the controller rejects such a step), so nothing is reported.
func TestRoutesWithoutPodsNeedARouter(t *testing.T) {
	c := canaryWithServices(headerRoute("header-1", v1alpha1.HeaderRoutingMatch{HeaderName: "x"}), pauseForever())
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(int32(4)), Strategy: v1alpha1.RolloutStrategy{Canary: c}}}
	if got := RoutesWithoutPods(ro); got != nil {
		t.Fatalf("got %+v without a router", got)
	}
}
