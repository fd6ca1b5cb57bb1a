package plan

import (
	"slices"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestPrePromotionRunSurvivesAPreviewDip: once the pre-promotion run is
// running, a preview pod going away (a restart, someone scaling the
// ReplicaSet) keeps the run instead of dropping it from the plan, which
// terminated it and started a second run for the same revision (found by the
// fault suite's conflicting writer).
func TestPrePromotionRunSurvivesAPreviewDip(t *testing.T) {
	bg := blueGreen(false)
	bg.PrePromotionAnalysis = &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}
	w := healthyBlueGreen(t, 3, bg)
	w.deploy("b")
	w.runUntil("the preview at full size", 10, time.Second, func() bool { return w.rs["b"].Available == 3 })
	w.prePromotion = v1alpha1.AnalysisPhaseRunning
	w.tick(time.Second)
	w.rs["b"].Available = 2 // a preview pod goes away
	w.notReady["b"] = true  // and stays away for this reconcile
	p := w.tick(time.Second)
	if !slices.ContainsFunc(p.Analyses, func(n AnalysisNeed) bool { return n.Kind == v1alpha1.AnalysisKindPrePromotion }) {
		t.Fatalf("with the preview at 2 of 3 pods the plan dropped the running pre-promotion run (needs %v)", p.Analyses)
	}
	if w.services["active"].SelectedHash != "a" {
		t.Fatalf("switched the active Service with the preview below full size: %s", w)
	}
}
