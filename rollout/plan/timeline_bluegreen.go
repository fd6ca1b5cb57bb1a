package plan

import (
	"fmt"
	"slices"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// blueGreenRecorder makes a row per stage of a blue-green update, each seen in
// what the controller's planning does: the new pods up behind the preview
// Service, the pre-promotion analysis, the pause for promotion, the switch of
// the active Service, the post-promotion analysis, the promotion, and the old
// side's scale-down after scaleDownDelaySeconds. A stage the spec does not have
// gets no row.
type blueGreenRecorder struct {
	sim *simulation
	// maxPods is the most pods since the last row.
	maxPods int32
	// previewPods is the new side's size when the preview was up.
	previewPods                                                   int32
	previewed, analysed, pauseSeen, pauseOver, switched, promoted bool
}

func (r *blueGreenRecorder) observe(in Input, p Plan) []TimelineRow {
	s, bg := r.sim, r.sim.ro.Spec.Strategy.BlueGreen
	var rows []TimelineRow
	// Stages that end in this reconcile ended on the state before it; the pods
	// it adds belong to the next stage.
	before := func(description string) {
		row := r.row(description)
		row.MaxPods = max(r.maxPods, row.Canary+row.Stable)
		rows = append(rows, row)
		r.maxPods = 0
	}
	if !r.previewed && previewReached(p) {
		r.previewed, r.previewPods = true, s.new.Replicas
		before(previewDescription(bg))
	}
	if bg.PrePromotionAnalysis != nil && !r.analysed && judged(p, v1alpha1.AnalysisKindPrePromotion, "pre-promotion") {
		r.analysed = true
		before("pre-promotion analysis")
	}
	r.pauseSeen = r.pauseSeen || hasPause(p.Status, v1alpha1.PauseReasonBlueGreenPause)
	if r.pauseSeen && !r.pauseOver && (p.Status.BlueGreen.ScaleUpPreviewCheckPoint || p.Status.StableRS == "new") {
		r.pauseOver = true
		before(pauseDescription(bg))
	}

	oldPods := s.old.Replicas
	s.apply(p)
	r.maxPods = max(r.maxPods, s.pods())
	// Stages that end with this reconcile show its outcome.
	after := func(description string) {
		rows = append(rows, r.row(description))
		r.maxPods = s.pods()
	}
	if !r.switched && p.ActiveServiceHash == "new" {
		r.switched = true
		after(switchDescription(bg, r.previewPods, s.new.Replicas))
	}
	switch {
	case !r.promoted && p.Status.StableRS == "new":
		r.promoted = true
		if bg.PostPromotionAnalysis != nil {
			after("post-promotion analysis")
		}
		after("promoted: the new ReplicaSet is stable")
	case r.promoted && oldPods > 0 && s.old.Replicas == 0:
		delay := time.Duration(ptrOr(bg.ScaleDownDelaySeconds, v1alpha1.DefaultScaleDownDelaySeconds)) * time.Second
		after(fmt.Sprintf("old ReplicaSet scaled down after scaleDownDelaySeconds (%s)", delay))
	}
	return rows
}

// row is the current state of the simulation as a row; the new pods' share is
// the active Service's traffic.
func (r *blueGreenRecorder) row(description string) TimelineRow {
	s := r.sim
	row := TimelineRow{Step: -1, Description: description, Canary: s.new.Replicas, Stable: s.old.Replicas, MaxPods: r.maxPods, At: s.now}
	if s.services["active"].SelectedHash == "new" {
		row.Weight = 100
	}
	return row
}

// previewReached reports whether the planning got past bringing the preview up:
// it judges the pre-promotion analysis, pauses for promotion, promotes, or the
// new ReplicaSet is stable.
func previewReached(p Plan) bool {
	return slices.ContainsFunc(p.Analyses, func(a AnalysisNeed) bool { return a.Kind == v1alpha1.AnalysisKindPrePromotion }) ||
		hasPause(p.Status, v1alpha1.PauseReasonBlueGreenPause) ||
		p.Status.BlueGreen.ScaleUpPreviewCheckPoint || p.Status.StableRS == "new"
}

// judged reports whether a plan judged an analysis of kind and went on: it
// needs the run and does not wait for it.
func judged(p Plan, kind v1alpha1.AnalysisKind, which string) bool {
	needs := slices.ContainsFunc(p.Analyses, func(a AnalysisNeed) bool { return a.Kind == kind })
	return needs && p.WaitingForAnalysis != which+" analysis" && !p.Status.Abort
}

func hasPause(st v1alpha1.RolloutStatus, reason v1alpha1.PauseReason) bool {
	return slices.ContainsFunc(st.PauseConditions, func(c v1alpha1.PauseCondition) bool { return c.Reason == reason })
}

func previewDescription(bg *v1alpha1.BlueGreenStrategy) string {
	if bg.PreviewService == "" {
		return "new pods up (no preview Service)"
	}
	return "preview: new pods up behind " + bg.PreviewService
}

func pauseDescription(bg *v1alpha1.BlueGreenStrategy) string {
	if bg.AutoPromotionSeconds > 0 {
		return fmt.Sprintf("pause %s (autoPromotionSeconds)", time.Duration(bg.AutoPromotionSeconds)*time.Second)
	}
	return "pause (until promoted)"
}

func switchDescription(bg *v1alpha1.BlueGreenStrategy, previewPods, pods int32) string {
	if pods > previewPods {
		return fmt.Sprintf("scale up to %d pods, switch %s to them", pods, bg.ActiveService)
	}
	return fmt.Sprintf("switch %s to the new pods", bg.ActiveService)
}
