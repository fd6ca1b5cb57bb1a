package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Rollout replaces a Deployment: it owns ReplicaSets directly and moves a new pod
// template into production step by step, with a canary or blue-green strategy.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=ro,categories=sluice
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.replicas,selectorpath=.status.selector
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.spec.replicas`,description="Number of desired pods"
// +kubebuilder:printcolumn:name="Current",type=integer,JSONPath=`.status.replicas`,description="Total number of non-terminated pods targeted by this rollout"
// +kubebuilder:printcolumn:name="Up-to-date",type=integer,JSONPath=`.status.updatedReplicas`,description="Number of pods that run the current pod template"
// +kubebuilder:printcolumn:name="Available",type=integer,JSONPath=`.status.availableReplicas`,description="Number of available pods"
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`,description="Rollout phase"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Rollout struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the Rollout.
	Spec RolloutSpec `json:"spec"`
	// Status is the state the controller last observed and acted on.
	// +optional
	Status RolloutStatus `json:"status,omitempty"`
}

// RolloutSpec is the desired state of a Rollout.
//
// +kubebuilder:validation:XValidation:rule="has(self.template) != has(self.workloadRef)",message="spec: exactly one of template or workloadRef must be set"
// +kubebuilder:validation:XValidation:rule="!has(self.template) || !has(self.selector.matchLabels) || self.selector.matchLabels.all(k, has(self.template.metadata) && has(self.template.metadata.labels) && k in self.template.metadata.labels && self.template.metadata.labels[k] == self.selector.matchLabels[k])",message="spec.selector.matchLabels must match spec.template.metadata.labels"
type RolloutSpec struct {
	// Replicas is the number of desired pods. The scale subresource points here, so a
	// HorizontalPodAutoscaler and `kubectl scale` work on Rollouts.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// Selector is the label selector for the Rollout's pods. It must match the pod
	// template's labels and cannot be changed after creation.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.selector is immutable"
	Selector *metav1.LabelSelector `json:"selector"`
	// Template is the pod template the Rollout releases. Exclusive with workloadRef.
	// +optional
	Template corev1.PodTemplateSpec `json:"template,omitzero"`
	// WorkloadRef takes the pod template from an existing Deployment instead of
	// template: the migration path from Deployments. Exclusive with template.
	// +optional
	WorkloadRef *ObjectRef `json:"workloadRef,omitempty"`
	// MinReadySeconds is how long a new pod must be ready, without any container
	// crashing, to count as available. Copied to the ReplicaSets.
	// +kubebuilder:validation:Minimum=0
	// +optional
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// Strategy says how a new pod template is released: canary or blueGreen, exactly one.
	Strategy RolloutStrategy `json:"strategy"`
	// RevisionHistoryLimit is the number of old, scaled-down ReplicaSets kept so that
	// `undo` can go back to them.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=0
	// +optional
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
	// Paused stops all scaling and step progress while true (a user pause).
	// +optional
	Paused bool `json:"paused,omitempty"`
	// ProgressDeadlineSeconds is how long a rollout may go without progress before the
	// Progressing condition turns False with reason ProgressDeadlineExceeded. Time
	// spent paused does not count.
	// +kubebuilder:default=600
	// +kubebuilder:validation:Minimum=1
	// +optional
	ProgressDeadlineSeconds *int32 `json:"progressDeadlineSeconds,omitempty"`
	// ProgressDeadlineAbort also aborts the rollout when the progress deadline passes.
	// +optional
	ProgressDeadlineAbort bool `json:"progressDeadlineAbort,omitempty"`
	// RestartAt asks for every pod created before this time to be evicted (through the
	// Eviction API, so PodDisruptionBudgets hold), at most maxUnavailable (at least
	// one) at a time. status.restartedAt echoes it when done.
	// +optional
	RestartAt *metav1.Time `json:"restartAt,omitempty"`
	// RollbackWindow makes going back to one of the last revisions a fast rollback
	// that skips steps and analysis.
	// +optional
	RollbackWindow *RollbackWindowSpec `json:"rollbackWindow,omitempty"`
	// Analysis limits how many AnalysisRuns are kept per Rollout.
	// +optional
	Analysis *AnalysisRunStrategy `json:"analysis,omitempty"`
}

// ObjectRef points a Rollout at the workload whose pod template it releases.
type ObjectRef struct {
	// APIVersion of the referenced workload. Only apps/v1 is supported.
	// +kubebuilder:validation:Enum=apps/v1
	// +kubebuilder:default="apps/v1"
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind of the referenced workload. Only Deployment is supported.
	// +kubebuilder:validation:Enum=Deployment
	Kind string `json:"kind"`
	// Name of the referenced workload, in the Rollout's namespace.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// ScaleDown says what happens to the referenced Deployment: never (default) leaves
	// it alone, onsuccess scales it to 0 once the Rollout is Healthy, progressively
	// scales it down as the Rollout's pods become available.
	// +kubebuilder:validation:Enum=never;onsuccess;progressively
	// +optional
	ScaleDown WorkloadScaleDown `json:"scaleDown,omitempty"`
}

// WorkloadScaleDown is how a workloadRef's Deployment is scaled down.
type WorkloadScaleDown string

const (
	// ScaleDownNever leaves the referenced Deployment at its size.
	ScaleDownNever WorkloadScaleDown = "never"
	// ScaleDownOnSuccess scales the Deployment to 0 once the Rollout is Healthy.
	ScaleDownOnSuccess WorkloadScaleDown = "onsuccess"
	// ScaleDownProgressively scales the Deployment down as Rollout pods become available.
	ScaleDownProgressively WorkloadScaleDown = "progressively"
)

// RollbackWindowSpec bounds fast rollback.
type RollbackWindowSpec struct {
	// Revisions is how many of the most recent revisions a rollback may go back to
	// without steps or analysis.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Revisions int32 `json:"revisions,omitempty"`
}

// AnalysisRunStrategy says how many finished AnalysisRuns are kept per Rollout.
type AnalysisRunStrategy struct {
	// SuccessfulRunHistoryLimit is the number of successful runs kept (default 5).
	// +kubebuilder:validation:Minimum=0
	// +optional
	SuccessfulRunHistoryLimit *int32 `json:"successfulRunHistoryLimit,omitempty"`
	// UnsuccessfulRunHistoryLimit is the number of failed, errored or inconclusive
	// runs kept (default 5).
	// +kubebuilder:validation:Minimum=0
	// +optional
	UnsuccessfulRunHistoryLimit *int32 `json:"unsuccessfulRunHistoryLimit,omitempty"`
}

// RolloutStrategy holds exactly one release strategy.
//
// +kubebuilder:validation:XValidation:rule="has(self.canary) != has(self.blueGreen)",message="spec.strategy: exactly one of canary or blueGreen must be set"
type RolloutStrategy struct {
	// Canary releases the new template gradually, by replica ratio or traffic weight.
	// +optional
	Canary *CanaryStrategy `json:"canary,omitempty"`
	// BlueGreen brings the new template up beside the old one behind a preview
	// Service and switches the active Service over at once.
	// +optional
	BlueGreen *BlueGreenStrategy `json:"blueGreen,omitempty"`
}

// PodTemplateMetadata is extra metadata put on pods while they hold a role.
type PodTemplateMetadata struct {
	// Labels added to the pods.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations added to the pods.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// AntiAffinity keeps new pods off nodes that run the other side's pods. Exactly one
// of its fields is set.
//
// +kubebuilder:validation:XValidation:rule="has(self.preferredDuringSchedulingIgnoredDuringExecution) != has(self.requiredDuringSchedulingIgnoredDuringExecution)",message="antiAffinity: exactly one of preferredDuringSchedulingIgnoredDuringExecution or requiredDuringSchedulingIgnoredDuringExecution must be set"
type AntiAffinity struct {
	// PreferredDuringSchedulingIgnoredDuringExecution adds a weighted preference.
	// +optional
	PreferredDuringSchedulingIgnoredDuringExecution *PreferredDuringSchedulingIgnoredDuringExecution `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
	// RequiredDuringSchedulingIgnoredDuringExecution makes it a hard rule.
	// +optional
	RequiredDuringSchedulingIgnoredDuringExecution *RequiredDuringSchedulingIgnoredDuringExecution `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// PreferredDuringSchedulingIgnoredDuringExecution is a soft anti-affinity.
type PreferredDuringSchedulingIgnoredDuringExecution struct {
	// Weight of the preference, 1 to 100.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Weight int32 `json:"weight"`
}

// RequiredDuringSchedulingIgnoredDuringExecution is a hard anti-affinity.
type RequiredDuringSchedulingIgnoredDuringExecution struct{}

// RolloutList is a list of Rollouts.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type RolloutList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Rollouts.
	Items []Rollout `json:"items"`
}
