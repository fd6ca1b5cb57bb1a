package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RolloutStatus is what the controller last observed and decided. User actions
// (promote, abort, retry, promote full) are writes to some of these fields through
// the status subresource.
type RolloutStatus struct {
	// ObservedGeneration is the metadata.generation this status was computed from. A
	// client that sees it differ from metadata.generation must treat the phase as
	// Progressing.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase summarises the rollout: Healthy, Progressing, Paused or Degraded.
	// +optional
	Phase RolloutPhase `json:"phase,omitempty"`
	// Message explains the phase.
	// +optional
	Message string `json:"message,omitempty"`
	// CurrentPodHash is the pod-template-hash of the ReplicaSet that runs the current template.
	// +optional
	CurrentPodHash string `json:"currentPodHash,omitempty"`
	// StableRS is the pod-template-hash of the stable ReplicaSet.
	// +optional
	StableRS string `json:"stableRS,omitempty"`
	// CurrentStepIndex counts the completed canary steps.
	// +optional
	CurrentStepIndex *int32 `json:"currentStepIndex,omitempty"`
	// CurrentStepHash is a hash of the canary steps; when the steps change the count
	// restarts at 0.
	// +optional
	CurrentStepHash string `json:"currentStepHash,omitempty"`
	// PauseConditions are the reasons the rollout is paused. Clearing them promotes.
	// +optional
	PauseConditions []PauseCondition `json:"pauseConditions,omitempty"`
	// ControllerPause is true while the controller itself holds the rollout paused.
	// +optional
	ControllerPause bool `json:"controllerPause,omitempty"`
	// ControllerPauses are the reasons of the pauses the controller set that
	// have not ended (a sluice addition to Argo's schema). A reason listed here
	// whose pause condition is gone was promoted by a person: the controller
	// tells each pause's promote apart this way, so one pause ending never ends
	// or eats another.
	// +optional
	// +listType=set
	ControllerPauses []PauseReason `json:"controllerPauses,omitempty"`
	// Abort is set by a user (or by failed analysis) to abort the update. Setting it
	// back to false retries.
	// +optional
	Abort bool `json:"abort,omitempty"`
	// AbortedAt is when the rollout was aborted.
	// +optional
	AbortedAt *metav1.Time `json:"abortedAt,omitempty"`
	// PromoteFull is set by a user to skip all remaining steps and analysis. The
	// controller clears it once the new ReplicaSet is stable.
	// +optional
	PromoteFull bool `json:"promoteFull,omitempty"`
	// Replicas is the number of pods targeted by the rollout (all ReplicaSets).
	// +optional
	Replicas int32 `json:"replicas,omitempty"`
	// UpdatedReplicas is the number of pods that run the current template.
	// +optional
	UpdatedReplicas int32 `json:"updatedReplicas,omitempty"`
	// ReadyReplicas is the number of ready pods.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// AvailableReplicas is the number of available pods (ready for minReadySeconds).
	// +optional
	AvailableReplicas int32 `json:"availableReplicas,omitempty"`
	// Selector is spec.selector as a string, for the scale subresource (HPA).
	// +optional
	Selector string `json:"selector,omitempty"`
	// RestartedAt echoes spec.restartAt once every older pod has been replaced.
	// +optional
	RestartedAt *metav1.Time `json:"restartedAt,omitempty"`
	// WorkloadObservedGeneration is the metadata.generation of the workloadRef's
	// Deployment that currentPodHash was computed from.
	// +optional
	WorkloadObservedGeneration int64 `json:"workloadObservedGeneration,omitempty"`
	// CollisionCount counts pod-template-hash collisions; it is mixed into the hash of
	// new ReplicaSets to make their names unique.
	// +optional
	CollisionCount *int32 `json:"collisionCount,omitempty"`
	// Canary is the canary strategy's status.
	// +optional
	Canary CanaryStatus `json:"canary,omitzero"`
	// BlueGreen is the blue-green strategy's status.
	// +optional
	BlueGreen BlueGreenStatus `json:"blueGreen,omitzero"`
	// Conditions are the latest observations of the rollout's state.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []RolloutCondition `json:"conditions,omitempty"`
}

// RolloutPhase summarises a rollout.
type RolloutPhase string

const (
	// RolloutPhaseHealthy means fully promoted and available.
	RolloutPhaseHealthy RolloutPhase = "Healthy"
	// RolloutPhaseProgressing means an update or scaling is under way.
	RolloutPhaseProgressing RolloutPhase = "Progressing"
	// RolloutPhasePaused means paused by a user, a pause step or the controller.
	RolloutPhasePaused RolloutPhase = "Paused"
	// RolloutPhaseDegraded means aborted, invalid or past its progress deadline.
	RolloutPhaseDegraded RolloutPhase = "Degraded"
)

// PauseReason says why a rollout is paused.
type PauseReason string

const (
	// PauseReasonCanaryPauseStep is a canary pause step.
	PauseReasonCanaryPauseStep PauseReason = "CanaryPauseStep"
	// PauseReasonInconclusiveAnalysis is an Inconclusive AnalysisRun.
	PauseReasonInconclusiveAnalysis PauseReason = "InconclusiveAnalysisRun"
	// PauseReasonBlueGreenPause is a blue-green rollout waiting for promotion.
	PauseReasonBlueGreenPause PauseReason = "BlueGreenPause"
)

// PauseCondition is one reason a rollout is paused, and since when.
type PauseCondition struct {
	// Reason for the pause.
	// +kubebuilder:validation:Enum=CanaryPauseStep;InconclusiveAnalysisRun;BlueGreenPause
	Reason PauseReason `json:"reason"`
	// StartTime is when the pause began; timed pauses end relative to it.
	StartTime metav1.Time `json:"startTime"`
}

// CanaryStatus is the canary strategy's status.
type CanaryStatus struct {
	// Weights are the traffic weights last accepted by the router.
	// +optional
	Weights *TrafficWeights `json:"weights,omitempty"`
	// CurrentStepAnalysisRunStatus mirrors the current step's AnalysisRun.
	// +optional
	CurrentStepAnalysisRunStatus *RolloutAnalysisRunStatus `json:"currentStepAnalysisRunStatus,omitempty"`
	// CurrentBackgroundAnalysisRunStatus mirrors the background AnalysisRun.
	// +optional
	CurrentBackgroundAnalysisRunStatus *RolloutAnalysisRunStatus `json:"currentBackgroundAnalysisRunStatus,omitempty"`
}

// TrafficWeights are the weights on both sides of a routed canary.
type TrafficWeights struct {
	// Canary is the canary side.
	Canary WeightDestination `json:"canary"`
	// Stable is the stable side.
	Stable WeightDestination `json:"stable"`
	// Baseline is the baseline side, while a baseline runs (canary.baseline).
	// +optional
	Baseline *WeightDestination `json:"baseline,omitempty"`
	// Verified is true once the router reported the weights took effect.
	// +optional
	Verified *bool `json:"verified,omitempty"`
}

// WeightDestination is one side of a traffic split.
type WeightDestination struct {
	// Weight is the percentage of traffic, 0 to 100.
	Weight int32 `json:"weight"`
	// ServiceName is the Service that receives it.
	// +optional
	ServiceName string `json:"serviceName,omitempty"`
	// PodTemplateHash is the ReplicaSet that receives it.
	// +optional
	PodTemplateHash string `json:"podTemplateHash,omitempty"`
}

// BlueGreenStatus is the blue-green strategy's status.
type BlueGreenStatus struct {
	// ActiveSelector is the pod-template-hash the active Service selects.
	// +optional
	ActiveSelector string `json:"activeSelector,omitempty"`
	// PreviewSelector is the pod-template-hash the preview Service selects.
	// +optional
	PreviewSelector string `json:"previewSelector,omitempty"`
	// ScaleUpPreviewCheckPoint is true once the update was promoted (by a person or
	// automatically): the preview ReplicaSet grows to full size and takes over the
	// active Service. It is cleared when the new ReplicaSet becomes active.
	// +optional
	ScaleUpPreviewCheckPoint bool `json:"scaleUpPreviewCheckPoint,omitempty"`
	// PrePromotionAnalysisRunStatus mirrors the pre-promotion AnalysisRun.
	// +optional
	PrePromotionAnalysisRunStatus *RolloutAnalysisRunStatus `json:"prePromotionAnalysisRunStatus,omitempty"`
	// PostPromotionAnalysisRunStatus mirrors the post-promotion AnalysisRun.
	// +optional
	PostPromotionAnalysisRunStatus *RolloutAnalysisRunStatus `json:"postPromotionAnalysisRunStatus,omitempty"`
}

// RolloutAnalysisRunStatus mirrors an AnalysisRun in the Rollout's status.
type RolloutAnalysisRunStatus struct {
	// Name of the AnalysisRun.
	Name string `json:"name"`
	// Status is the run's phase.
	Status AnalysisPhase `json:"status"`
	// Message is the run's message.
	// +optional
	Message string `json:"message,omitempty"`
}

// RolloutConditionType names a condition.
type RolloutConditionType string

const (
	// RolloutProgressing: the rollout is making progress, or why it is not.
	RolloutProgressing RolloutConditionType = "Progressing"
	// RolloutAvailable: at least replicas − maxUnavailable pods are available.
	RolloutAvailable RolloutConditionType = "Available"
	// RolloutPaused: the rollout is paused.
	RolloutPaused RolloutConditionType = "Paused"
	// RolloutHealthy: the rollout is fully promoted and available.
	RolloutHealthy RolloutConditionType = "Healthy"
	// RolloutCompleted: the current template is stable.
	RolloutCompleted RolloutConditionType = "Completed"
	// RolloutReplicaFailure: a ReplicaSet could not create or delete pods.
	RolloutReplicaFailure RolloutConditionType = "ReplicaFailure"
	// RolloutInvalidSpec: the spec refers to something missing or inconsistent.
	RolloutInvalidSpec RolloutConditionType = "InvalidSpec"
)

// Condition reasons, a fixed list.
const (
	ReasonNewReplicaSetCreated     = "NewReplicaSetCreated"
	ReasonFoundNewReplicaSet       = "FoundNewReplicaSet"
	ReasonReplicaSetUpdated        = "ReplicaSetUpdated"
	ReasonNewRSAvailable           = "NewReplicaSetAvailable"
	ReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded"
	ReasonRolloutAborted           = "RolloutAborted"
	ReasonRolloutRetried           = "RolloutRetried"
	ReasonRolloutPaused            = "RolloutPaused"
	ReasonRolloutResumed           = "RolloutResumed"
	ReasonRolloutCompleted         = "RolloutCompleted"
	ReasonRolloutHealthy           = "RolloutHealthy"
	ReasonRolloutNotHealthy        = "RolloutNotHealthy"
	ReasonAvailable                = "AvailableReason"
	ReasonNotAvailable             = "NotAvailable"
	ReasonReplicaSetCreateError    = "ReplicaSetCreateError"
	ReasonFailedCreate             = "FailedCreate"
	ReasonInvalidSpec              = "InvalidSpec"
)

// RolloutCondition is one observation of a rollout's state.
type RolloutCondition struct {
	// Type of the condition.
	// +kubebuilder:validation:Enum=Progressing;Available;Paused;Healthy;Completed;ReplicaFailure;InvalidSpec
	Type RolloutConditionType `json:"type"`
	// Status of the condition: True, False or Unknown.
	Status corev1.ConditionStatus `json:"status"`
	// LastUpdateTime is when the condition was last written.
	// +optional
	LastUpdateTime metav1.Time `json:"lastUpdateTime,omitzero"`
	// LastTransitionTime is when the status last changed.
	// +optional
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitzero"`
	// Reason is a one-word CamelCase reason from a fixed list.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message is a human-readable explanation.
	// +optional
	Message string `json:"message,omitempty"`
}
