package plan

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestTimelineCanary(t *testing.T) {
	c := canaryWithServices(weight(20), pauseFor(60), weight(50), pauseForever())
	c.MaxSurge, c.MaxUnavailable = ptr(intstr.FromInt32(1)), ptr(intstr.FromInt32(0))
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(int32(5)), Strategy: v1alpha1.RolloutStrategy{Canary: c}}}
	tl, err := NewTimeline(ro, TimelineOptions{PodReady: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Rows) != 5 {
		t.Fatalf("want 4 steps and the promotion, got %+v", tl.Rows)
	}
	for _, r := range tl.Rows {
		t.Logf("%+v", r)
	}
	t.Logf("total %s rollback %s", tl.Total, tl.WorstRollback)
	first := tl.Rows[0]
	if first.Canary != 1 || first.Stable != 4 || first.MaxPods != 6 {
		t.Fatalf("setWeight 20: %+v", first)
	}
	if tl.Rows[2].Canary != 3 || tl.Rows[2].Stable != 2 {
		t.Fatalf("setWeight 50: %+v", tl.Rows[2])
	}
	// Surge 1, unavailable 0: each pod of the 5 is replaced one at a time, 10 s
	// each, plus the 60 s pause: at least 50 s + 60 s.
	if tl.Total < 110*time.Second || tl.Total > 130*time.Second {
		t.Fatalf("total %s, want about 110-130 s", tl.Total)
	}
	if tl.WorstRollback < 10*time.Second {
		t.Fatalf("worst rollback %s: the stable side lost pods and needs at least one pod start", tl.WorstRollback)
	}
	if len(tl.Warnings) != 1 || !strings.Contains(tl.Warnings[0], "setWeight 50 with 5 replicas runs 3 canary pod(s), 60% of the pods") {
		t.Fatalf("warnings: %q", tl.Warnings)
	}
	if tl.Rows[1].Canary != 1 || tl.Rows[3].Canary != 3 {
		t.Fatalf("pause rows should show the weight held during the pause: %+v / %+v", tl.Rows[1], tl.Rows[3])
	}
}

func TestTimelineWarnsAboutWeightsReplicasCannotGive(t *testing.T) {
	c := canaryWithServices(weight(10), pauseForever())
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(int32(3)), Strategy: v1alpha1.RolloutStrategy{Canary: c}}}
	tl, err := NewTimeline(ro, TimelineOptions{PodReady: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Warnings) != 1 || !strings.Contains(tl.Warnings[0], "setWeight 10 with 3 replicas runs 1 canary pod(s), 33% of the pods") {
		t.Fatalf("warnings: %q", tl.Warnings)
	}
}

func TestTimelineBlueGreen(t *testing.T) {
	bg := blueGreen(false)
	bg.PreviewReplicaCount = ptr(int32(1))
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(int32(3)), Strategy: v1alpha1.RolloutStrategy{BlueGreen: bg}}}
	tl, err := NewTimeline(ro, TimelineOptions{PodReady: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	promoted := tl.Rows[len(tl.Rows)-2]
	if promoted.Step != -1 || promoted.Description != "promoted: the new ReplicaSet is stable" ||
		promoted.Canary != 3 || promoted.Stable != 3 || promoted.MaxPods != 6 {
		t.Fatalf("blue-green promotion row: %+v", promoted)
	}
	if tl.Total < 10*time.Second || tl.WorstRollback != 0 {
		t.Fatalf("total %s (preview start + growth), rollback %s (the active side never shrinks)", tl.Total, tl.WorstRollback)
	}
}

// TestEstimateAnalysisCountZero: count 0 is no count (as in the AnalysisRun
// controller): once without an interval, until terminated with one.
func TestEstimateAnalysisCountZero(t *testing.T) {
	zero := intstr.FromInt32(0)
	three := intstr.FromInt32(3)
	tests := []struct {
		name   string
		metric v1alpha1.Metric
		want   time.Duration
		ok     bool
	}{
		{"count 0, no interval: once", v1alpha1.Metric{Count: &zero, InitialDelay: "5s"}, 5 * time.Second, true},
		{"count 0 with an interval: until terminated", v1alpha1.Metric{Count: &zero, Interval: "10s"}, 0, false},
		{"count 3 every 10s", v1alpha1.Metric{Count: &three, Interval: "10s"}, 20 * time.Second, true},
	}
	for _, tt := range tests {
		d, ok := EstimateAnalysis([]v1alpha1.Metric{tt.metric})
		if d != tt.want || ok != tt.ok {
			t.Errorf("%s: %s, %v; want %s, %v", tt.name, d, ok, tt.want, tt.ok)
		}
	}
}

// A baseline runs beside the canary in the timeline: the rollout finishes (its
// steps wait for the baseline's pods and weight) and its pods count in the
// cost, until a step above 50% with a router retires it.
func TestTimelineWithABaseline(t *testing.T) {
	c := canaryWithServices(weight(25), pauseFor(30), weight(50), pauseFor(30), weight(75))
	c.BaselineService, c.Baseline = "baseline", &v1alpha1.CanaryBaseline{}
	c.TrafficRouting = &v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{VirtualService: &v1alpha1.IstioVirtualService{Name: "vs"}}}
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(int32(4)), Strategy: v1alpha1.RolloutStrategy{Canary: c}}}
	v1alpha1.SetRolloutDefaults(ro)
	tl, err := NewTimeline(ro, TimelineOptions{PodReady: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// 4 stable + 1 canary + 1 baseline at 25%; 4 + 2 + 2 at 50%; at 75% the
	// canary grows to 3 before the router write that retires the baseline,
	// which goes only then: 4 + 3 + 2 for a moment.
	for i, want := range map[int]int32{0: 6, 2: 8, 4: 9} {
		if got := tl.Rows[i].MaxPods; got != want {
			t.Errorf("row %d (%s): max pods %d, want %d", i, tl.Rows[i].Description, got, want)
		}
	}
	if last := tl.Rows[len(tl.Rows)-1]; last.MaxPods > 8 {
		t.Errorf("after promotion %d pods remain at most; the baseline should be gone (4 new + 4 old)", last.MaxPods)
	}
}
