package notifications

import "time"

// Built-in triggers. Each is computed from stored state (package triggers).
const (
	OnRolloutUpdated       = "on-rollout-updated"        // a new revision started (status.currentPodHash changed)
	OnRolloutStepCompleted = "on-rollout-step-completed" // status.currentStepIndex passed a step
	OnRolloutPaused        = "on-rollout-paused"         // a pause condition (or spec.paused) appeared
	OnRolloutResumed       = "on-rollout-resumed"        // that pause ended without an abort
	OnRolloutPromoted      = "on-rollout-promoted"       // a person promoted (incl. promote-full)
	OnRolloutCompleted     = "on-rollout-completed"      // the revision became stable and Healthy
	OnRolloutAborted       = "on-rollout-aborted"        // status.abort set (reason: analysis, deadline, user)
	OnRolloutRolledBack    = "on-rollout-rolled-back"    // undo or fast rollback to an older revision
	OnAnalysisRunRunning   = "on-analysis-run-running"
	OnAnalysisRunSuccess   = "on-analysis-run-successful"
	OnAnalysisRunFailed    = "on-analysis-run-failed"
	OnAnalysisRunError     = "on-analysis-run-error"
	OnAnalysisRunInconcl   = "on-analysis-run-inconclusive"
)

// BuiltinTriggers lists every trigger sluice computes, in a stable order.
var BuiltinTriggers = []string{
	OnRolloutUpdated, OnRolloutStepCompleted, OnRolloutPaused, OnRolloutResumed, OnRolloutPromoted,
	OnRolloutCompleted, OnRolloutAborted, OnRolloutRolledBack,
	OnAnalysisRunRunning, OnAnalysisRunSuccess, OnAnalysisRunFailed, OnAnalysisRunError, OnAnalysisRunInconcl,
}

// Event is one firing of a trigger, as the stored objects show it.
type Event struct {
	// Trigger is one of BuiltinTriggers.
	Trigger string
	// Key names this firing and nothing else, deterministically from stored
	// state, so every process computes the same key: the Rollout's UID, the
	// revision, the trigger and what makes the firing unique — e.g.
	// "7c1e…/rev-3/on-rollout-step-completed/step-2",
	// "7c1e…/rev-3/on-analysis-run-failed/web-6d9f-3-1",
	// "7c1e…/rev-3/on-rollout-paused/CanaryPauseStep/2026-12-03T15:04:05Z".
	Key string
	// Revision is the Rollout revision the firing belongs to (Slack threads
	// one message per revision).
	Revision int64
	// Data is what templates and payloads see: the state after the transition.
	Data Data
}

// Data is what a template sees (Go templates: {{.Rollout.Name}}).
type Data struct {
	Rollout  RolloutData
	Analysis *AnalysisData // set for analysis triggers and for aborts caused by one
	// Trigger and Key repeat the Event's, so a receiver can drop a repeat by Key.
	Trigger, Key string
	// Time is when the transition happened, as stored (a condition's or pause's
	// time), or when it was first seen.
	Time time.Time
}

// RolloutData describes the Rollout after the transition.
type RolloutData struct {
	Namespace, Name, UID string
	Phase, Message       string
	Revision             int64
	// Step is the number of completed steps (status.currentStepIndex) and
	// Steps the number of steps; a step named in a step trigger is 1-based in
	// StepName ("2/5: pause 1m").
	Step, Steps int32
	StepName    string
	// Weights the router carries (0 without a router); Baseline is 0 without one.
	CanaryWeight, BaselineWeight, StableWeight int32
	StableHash, CanaryHash                     string
	Images                                     []string
	// PauseReason is set for pauses; AbortReason for aborts ("analysis failed:
	// …", "progress deadline exceeded", "aborted by a user").
	PauseReason, AbortReason string
}

// AnalysisData summarises an AnalysisRun.
type AnalysisData struct {
	Name, Kind, Phase, Message string
	Metrics                    []MetricData
}

// MetricData is one metric's latest result.
type MetricData struct {
	Name, Phase, Value, Message string
}

// Destination is where a subscription sends: a configured service
// ("webhook.<name>" or "slack") and, for Slack, a channel ("" for a webhook).
type Destination struct {
	Service, Recipient string
}

// Delivery is one Event to one Destination.
type Delivery struct {
	Event
	Destination
}

// ID names a delivery in the ledger and in the payload (CloudEvents id):
// the event's key and the destination.
func (d Delivery) ID() string {
	return d.Key + "/" + d.Service + "/" + d.Recipient
}
