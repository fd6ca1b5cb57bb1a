package plan

import (
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/traffic"
)

// Input is what one reconcile observed.
type Input struct {
	// Rollout is the Rollout with defaults applied. Plan never modifies it.
	Rollout *v1alpha1.Rollout
	// New is the ReplicaSet for the current pod template. The controller creates it
	// (with 0 replicas) before planning, so it is never nil.
	New *ReplicaSet
	// Stable is the ReplicaSet named by status.stableRS, or nil when there is none
	// yet (first deploy) or it no longer exists.
	Stable *ReplicaSet
	// Others are the remaining ReplicaSets of the Rollout.
	Others []*ReplicaSet
	// Baselines are the Rollout's baseline ReplicaSets (canary.baseline): the
	// current canary's (named by BaselineHash) and any left from earlier ones.
	// They are never New, Stable or Others.
	Baselines []*ReplicaSet
	// StableService and CanaryService describe the Services named in the canary
	// strategy; nil when the strategy names none.
	StableService, CanaryService *Service
	// BaselineService describes canary.baselineService (nil when none is named).
	BaselineService *Service
	// ActiveService and PreviewService describe the blue-green strategy's Services
	// (PreviewService is nil when none is named).
	ActiveService, PreviewService *Service
	// StepAnalysis is the phase of the AnalysisRun of the analysis step at
	// status.currentStepIndex ("" while there is no run). Steps complete on
	// Successful, abort on Failed or Error and pause on Inconclusive.
	StepAnalysis v1alpha1.AnalysisPhase
	// BackgroundAnalysis is the phase of the canary's background AnalysisRun ("" while
	// there is none). It never completes a step: Failed or Error abort, Inconclusive
	// pauses.
	BackgroundAnalysis v1alpha1.AnalysisPhase
	// PrePromotionAnalysis and PostPromotionAnalysis are the phases of a blue-green
	// rollout's pre- and post-promotion AnalysisRuns, reported by the same hook
	// ("" while there is none).
	PrePromotionAnalysis, PostPromotionAnalysis v1alpha1.AnalysisPhase
	// AnalysisCauses say, by kind, why a run above ended Failed or Error: the
	// metric that decided it and what went wrong, in one bounded line. An
	// abort for the run repeats it, so the Rollout names its cause.
	AnalysisCauses map[v1alpha1.AnalysisKind]string
	// Now is the time of this reconcile.
	Now time.Time
	// ExactPauseStarts are the sub-second start times of the pauses this process
	// began, by reason. The stored startTime is whole seconds; a timed pause
	// counts from the exact start when the stored one is its truncation, so it
	// does not end up to a second early.
	ExactPauseStarts map[v1alpha1.PauseReason]time.Time
}

// ReplicaSet is what planning needs to know of one ReplicaSet.
type ReplicaSet struct {
	Name string
	// Hash is the value of its sluice.dev/pod-template-hash label.
	Hash string
	// Revision is its sluice.dev/revision annotation.
	Revision int64
	// Replicas is spec.replicas; Pods is status.replicas (pods that exist).
	Replicas, Pods int32
	// Ready and Available are from its status.
	Ready, Available int32
	// ScaleDownAt is its sluice.dev/scale-down-deadline, if set: until then an old
	// ReplicaSet keeps its pods (for fast rollback), after it they go.
	ScaleDownAt *time.Time
	// Synced is true when the ReplicaSet's status reflects its current spec
	// (status.observedGeneration >= metadata.generation), so its counts can be trusted.
	Synced bool
}

// Service is what planning needs to know of one Service sluice manages.
type Service struct {
	Name string
	// SelectedHash is the pod-template-hash in its selector ("" when none).
	SelectedHash string
	// Settled is true when its EndpointSlices list ready endpoints of SelectedHash's
	// pods only: the last selector change has taken effect.
	Settled bool
}

// Plan is the desired outcome of one reconcile.
type Plan struct {
	// Replicas maps ReplicaSet names to their desired spec.replicas. Only
	// ReplicaSets that must change are listed.
	Replicas map[string]int32
	// ScaleDownAt maps ReplicaSet names to a scale-down deadline to record.
	ScaleDownAt map[string]time.Time
	// StableServiceHash and CanaryServiceHash are the hashes the Services must
	// select ("" = leave the Service alone).
	StableServiceHash, CanaryServiceHash string
	// ActiveServiceHash and PreviewServiceHash are the same for blue-green.
	ActiveServiceHash, PreviewServiceHash string
	// Status is the Rollout status to write (the controller fills in replica
	// counts, conditions and phase).
	Status v1alpha1.RolloutStatus
	// Events are the decisions worth telling a person about.
	Events []Event
	// Baseline is what becomes of the baseline ReplicaSets; nil leaves them as
	// they are (no canary.baseline, or a pause that holds everything).
	Baseline *BaselinePlan
	// Traffic is what the traffic router must carry; nil leaves it alone (no
	// router, or a manual pause).
	Traffic *traffic.State
	// Analyses are the AnalysisRuns the rollout needs now. The controller creates
	// the missing ones and terminates every other run of the Rollout that is still
	// running — unless KeepAnalyses is set (a manual pause holds everything as is).
	Analyses     []AnalysisNeed
	KeepAnalyses bool
	// Accepted are the kinds of analysis whose Inconclusive run a person
	// promoted past in this reconcile: the controller marks those runs accepted,
	// and reports them as Successful from then on.
	Accepted []v1alpha1.AnalysisKind
	// WaitingForAnalysis names the analysis the rollout waits for ("step
	// analysis", "pre-promotion analysis", …; "" when it waits for none): its
	// time does not count against the progress deadline.
	WaitingForAnalysis string
	// RequeueAfter is when to look again without a watch event (0 = not needed):
	// the end of a timed pause, a scale-down deadline, an endpoint check.
	RequeueAfter time.Duration
}

// AnalysisNeed names an AnalysisRun the rollout needs: its kind and, for an
// analysis step, the step index.
type AnalysisNeed struct {
	Kind v1alpha1.AnalysisKind
	Step int32
}

// Event is a Kubernetes event the controller records on the Rollout.
type Event struct {
	Warning bool
	Reason  string
	Message string
}
