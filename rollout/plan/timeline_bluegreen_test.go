package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// stageRow is what a blue-green timeline row should say: its action, the new and
// old pods, the new pods' share of the active traffic, and when it is done.
type stageRow struct {
	action         string
	newPods, old   int32
	share          int32
	at             time.Duration
	maxPodsAtLeast int32
}

// TestTimelineBlueGreenStages checks that a blue-green plan reads as what happens,
// stage by stage, with times worked out by hand. Pods take 5s; the simulation
// reconciles every 250ms, so a stage may end up to a second after the hand-made
// time, never before it.
func TestTimelineBlueGreenStages(t *testing.T) {
	cases := []struct {
		name     string
		strategy func(bg *v1alpha1.BlueGreenStrategy)
		analyses map[int]time.Duration
		want     []stageRow
	}{{
		// One preview pod at 5s, 20s of pre-promotion analysis, a manual pause
		// (promoted at once), 2 more pods (5s) before the switch, 30s of
		// post-promotion analysis, and the old side gone 60s after promotion.
		name: "manual promotion with both analyses",
		strategy: func(bg *v1alpha1.BlueGreenStrategy) {
			bg.PreviewReplicaCount = ptr(int32(1))
			bg.ScaleDownDelaySeconds = ptr(int32(60))
			bg.PrePromotionAnalysis = &v1alpha1.RolloutAnalysis{}
			bg.PostPromotionAnalysis = &v1alpha1.RolloutAnalysis{}
		},
		analyses: map[int]time.Duration{-1: 20 * time.Second, -2: 30 * time.Second},
		want: []stageRow{
			{"preview: new pods up behind preview", 1, 3, 0, 5 * time.Second, 4},
			{"pre-promotion analysis", 1, 3, 0, 25 * time.Second, 4},
			{"pause (until promoted)", 1, 3, 0, 25 * time.Second, 4},
			{"scale up to 3 pods, switch active to them", 3, 3, 100, 30 * time.Second, 6},
			{"post-promotion analysis", 3, 3, 100, 60 * time.Second, 6},
			{"promoted: the new ReplicaSet is stable", 3, 3, 100, 60 * time.Second, 6},
			{"old ReplicaSet scaled down after scaleDownDelaySeconds (1m0s)", 3, 0, 100, 120 * time.Second, 6},
		},
	}, {
		// Full-size preview, then autoPromotionSeconds: the pause ends by itself
		// 45s after the preview is up.
		name: "autoPromotionSeconds",
		strategy: func(bg *v1alpha1.BlueGreenStrategy) {
			bg.AutoPromotionEnabled = ptr(true)
			bg.AutoPromotionSeconds = 45
			bg.ScaleDownDelaySeconds = ptr(int32(0))
		},
		want: []stageRow{
			{"preview: new pods up behind preview", 3, 3, 0, 5 * time.Second, 6},
			{"pause 45s (autoPromotionSeconds)", 3, 3, 0, 50 * time.Second, 6},
			{"switch active to the new pods", 3, 3, 100, 50 * time.Second, 6},
			{"promoted: the new ReplicaSet is stable", 3, 0, 100, 50 * time.Second, 6},
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bg := blueGreen(false)
			tc.strategy(bg)
			ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(int32(3)), Strategy: v1alpha1.RolloutStrategy{BlueGreen: bg}}}
			tl, err := NewTimeline(ro, TimelineOptions{PodReady: 5 * time.Second, AnalysisDuration: tc.analyses})
			if err != nil {
				t.Fatal(err)
			}
			if len(tl.Rows) != len(tc.want) {
				t.Fatalf("%d rows, want %d:\n%s", len(tl.Rows), len(tc.want), describeRows(tl.Rows))
			}
			for i, want := range tc.want {
				got := tl.Rows[i]
				if got.Description != want.action || got.Canary != want.newPods || got.Stable != want.old || got.Weight != want.share ||
					got.At < want.at || got.At > want.at+time.Second || got.MaxPods < want.maxPodsAtLeast || got.Step != -1 {
					t.Errorf("row %d: got %s\nwant %q new %d old %d share %d%% at %s (+1s) max pods ≥ %d",
						i+1, describeRows(tl.Rows[i:i+1]), want.action, want.newPods, want.old, want.share, want.at, want.maxPodsAtLeast)
				}
			}
			promoted := tl.Rows[len(tc.want)-1]
			if tc.want[len(tc.want)-1].action != "promoted: the new ReplicaSet is stable" {
				promoted = tl.Rows[len(tc.want)-2]
			}
			if tl.Total != promoted.At {
				t.Errorf("shortest time to full promotion %s, want the promotion's %s", tl.Total, promoted.At)
			}
		})
	}
}

func describeRows(rows []TimelineRow) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(fmt.Sprintf("%q new %d old %d share %d%% max %d at %s\n", r.Description, r.Canary, r.Stable, r.Weight, r.MaxPods, r.At))
	}
	return b.String()
}
