package plan

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// judgeAnalysis turns the phase of an AnalysisRun the rollout waits for (an
// analysis step, a blue-green pre- or post-promotion analysis) into a decision and
// reports whether the rollout may go on:
//   - Successful: go on;
//   - Failed or Error: abort (which also sends traffic back to stable);
//   - Inconclusive: pause (reason InconclusiveAnalysisRun) until promoted;
//   - no run yet, or still running: wait.
func (p *planner) judgeAnalysis(phase v1alpha1.AnalysisPhase, which string) bool {
	switch phase {
	case v1alpha1.AnalysisPhaseSuccessful:
		return true
	case v1alpha1.AnalysisPhaseFailed, v1alpha1.AnalysisPhaseError:
		p.status.Abort = true
		now := metav1.NewTime(p.in.Now)
		p.status.AbortedAt = &now
		p.event(true, "RolloutAborted", fmt.Sprintf("Rollout aborted: %s analysis is %s", which, phase))
	case v1alpha1.AnalysisPhaseInconclusive:
		return p.controllerPause(v1alpha1.PauseReasonInconclusiveAnalysis,
			fmt.Sprintf("Rollout paused: %s analysis is Inconclusive", which), 0, "")
	}
	return false
}
