package view

import (
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Message shown while the controller has not yet looked at the latest spec.
const (
	notObservedMessage   = "waiting for the controller to observe the latest spec"
	noControllerMessage  = "waiting for the controller to pick up the rollout"
	defaultPausedMessage = "paused"
)

// EffectivePhase is the phase a client may trust (SPEC §2.6): when the status was
// computed from an older generation the rollout is Progressing, whatever the
// stored phase says.
func EffectivePhase(ro *v1alpha1.Rollout) (v1alpha1.RolloutPhase, string) {
	switch {
	case ro.Status.ObservedGeneration != ro.Generation:
		return v1alpha1.RolloutPhaseProgressing, notObservedMessage
	case ro.Status.Phase == "":
		return v1alpha1.RolloutPhaseProgressing, noControllerMessage
	}
	return ro.Status.Phase, ro.Status.Message
}

// Settled reports whether a rollout has reached a phase a watcher stops at, and
// whether that phase is a success.
func Settled(ro *v1alpha1.Rollout) (done, healthy bool) {
	phase, _ := EffectivePhase(ro)
	switch phase {
	case v1alpha1.RolloutPhaseHealthy:
		return true, true
	case v1alpha1.RolloutPhaseDegraded:
		return true, false
	}
	return false, false
}

// PhaseLine is a phase and its message as `status` prints them:
// "Progressing - more replicas need to be updated", or just "Healthy".
func PhaseLine(phase v1alpha1.RolloutPhase, message string) string {
	if message == "" {
		return string(phase)
	}
	return string(phase) + " - " + message
}

// tone is the colour class of a status.
type tone int

const (
	toneNone tone = iota
	toneGood
	toneBusy
	tonePaused
	toneBad
	toneIdle
)

// Icons of the rollout phases and other statuses.
const (
	iconHealthy     = "✔"
	iconProgressing = "◌"
	iconPaused      = "॥"
	iconDegraded    = "✖"
	iconIdle        = "•"
	iconUnknown     = "?"
)

// phaseTone returns the icon and colour class of a rollout phase.
func phaseTone(p v1alpha1.RolloutPhase) (string, tone) {
	switch p {
	case v1alpha1.RolloutPhaseHealthy:
		return iconHealthy, toneGood
	case v1alpha1.RolloutPhaseProgressing:
		return iconProgressing, toneBusy
	case v1alpha1.RolloutPhasePaused:
		return iconPaused, tonePaused
	case v1alpha1.RolloutPhaseDegraded:
		return iconDegraded, toneBad
	}
	return iconUnknown, toneNone
}

// analysisTone returns the icon and colour class of an AnalysisRun phase.
func analysisTone(p v1alpha1.AnalysisPhase) (string, tone) {
	switch p {
	case v1alpha1.AnalysisPhaseSuccessful:
		return iconHealthy, toneGood
	case v1alpha1.AnalysisPhaseFailed, v1alpha1.AnalysisPhaseError:
		return iconDegraded, toneBad
	case v1alpha1.AnalysisPhaseInconclusive:
		return iconUnknown, tonePaused
	case v1alpha1.AnalysisPhaseRunning, v1alpha1.AnalysisPhasePending, "":
		return iconProgressing, toneBusy
	}
	return iconUnknown, toneNone
}
