package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// AnalysisTemplate is a reusable set of metrics that judge a release, in a namespace.
//
// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=at,categories=sluice
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type AnalysisTemplate struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec holds the metrics and arguments.
	Spec AnalysisTemplateSpec `json:"spec"`
}

// AnalysisTemplateList is a list of AnalysisTemplates.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type AnalysisTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the templates.
	Items []AnalysisTemplate `json:"items"`
}

// ClusterAnalysisTemplate is an AnalysisTemplate usable from every namespace.
//
// +genclient
// +genclient:nonNamespaced
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=cat,categories=sluice
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterAnalysisTemplate struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec holds the metrics and arguments.
	Spec AnalysisTemplateSpec `json:"spec"`
}

// ClusterAnalysisTemplateList is a list of ClusterAnalysisTemplates.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type ClusterAnalysisTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the templates.
	Items []ClusterAnalysisTemplate `json:"items"`
}

// AnalysisTemplateSpec is the content of an AnalysisTemplate.
type AnalysisTemplateSpec struct {
	// Metrics are measured and judged; metric names are unique.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +listType=map
	// +listMapKey=name
	Metrics []Metric `json:"metrics"`
	// Args are the template's parameters, substituted as {{args.NAME}} into every
	// string of its metrics.
	// +kubebuilder:validation:MaxItems=50
	// +listType=map
	// +listMapKey=name
	// +optional
	Args []Argument `json:"args,omitempty"`
	// DryRun lists metrics that are measured but never change the run's phase.
	// +optional
	DryRun []DryRun `json:"dryRun,omitempty"`
	// MeasurementRetention bounds how many measurements are kept per metric.
	// +optional
	MeasurementRetention []MeasurementRetention `json:"measurementRetention,omitempty"`
}

// Argument is a template parameter.
//
// +kubebuilder:validation:XValidation:rule="!(has(self.value) && has(self.valueFrom))",message="args[]: set value or valueFrom, not both"
type Argument struct {
	// Name of the argument.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Value is the argument's value. Without value or valueFrom the caller must supply it.
	// +optional
	Value *string `json:"value,omitempty"`
	// ValueFrom reads the value from a Secret or, in a run, a field of the Rollout.
	// +optional
	ValueFrom *ValueFrom `json:"valueFrom,omitempty"`
}

// ValueFrom is where an argument's value comes from. Exactly one field is set.
//
// +kubebuilder:validation:XValidation:rule="has(self.secretKeyRef) != has(self.fieldRef)",message="args[].valueFrom: set exactly one of secretKeyRef or fieldRef"
type ValueFrom struct {
	// SecretKeyRef reads a key of a Secret in the run's namespace. The value never
	// appears in status, events or logs.
	// +optional
	SecretKeyRef *SecretKeyRef `json:"secretKeyRef,omitempty"`
	// FieldRef reads a field of the Rollout that created the run.
	// +optional
	FieldRef *FieldRef `json:"fieldRef,omitempty"`
}

// SecretKeyRef names a key of a Secret.
type SecretKeyRef struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Key in the Secret's data.
	// +kubebuilder:validation:MinLength=1
	Key string `json:"key"`
}

// Metric is one thing to measure, how often, and how to judge it.
//
// +kubebuilder:validation:XValidation:rule="!has(self.count) || has(self.interval) || type(self.count) != int || self.count <= 1",message="metrics[].count greater than 1 needs an interval"
type Metric struct {
	// Name of the metric, unique in the run.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Interval is the time between measurements, from the previous one's finish
	// (e.g. "30s", "5m"). After an Error measurement the next try comes after 10s.
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$|^\{\{.*\}\}$`
	// +optional
	Interval DurationString `json:"interval,omitempty"`
	// InitialDelay is the wait after the run starts before the first measurement.
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$|^\{\{.*\}\}$`
	// +optional
	InitialDelay DurationString `json:"initialDelay,omitempty"`
	// Count is the number of measurements to take. No count and no interval: 1;
	// an interval but no count: until the run is terminated. Error measurements do
	// not count.
	// +kubebuilder:validation:XIntOrString
	// +optional
	Count *intstr.IntOrString `json:"count,omitempty"`
	// SuccessCondition is an expr-lang expression over result that must hold.
	// +optional
	SuccessCondition string `json:"successCondition,omitempty"`
	// FailureCondition is an expr-lang expression over result that marks failure.
	// +optional
	FailureCondition string `json:"failureCondition,omitempty"`
	// FailureLimit: the metric fails when more measurements than this failed
	// (default 0; -1 disables).
	// +kubebuilder:validation:XIntOrString
	// +optional
	FailureLimit *intstr.IntOrString `json:"failureLimit,omitempty"`
	// InconclusiveLimit: the metric is Inconclusive when more measurements than this
	// were inconclusive (default 0).
	// +kubebuilder:validation:XIntOrString
	// +optional
	InconclusiveLimit *intstr.IntOrString `json:"inconclusiveLimit,omitempty"`
	// ConsecutiveErrorLimit: the metric is Error when more consecutive measurements
	// than this errored (default 4).
	// +kubebuilder:validation:XIntOrString
	// +optional
	ConsecutiveErrorLimit *intstr.IntOrString `json:"consecutiveErrorLimit,omitempty"`
	// Provider takes the measurement.
	Provider MetricProvider `json:"provider"`
}

// DurationString is a Go duration string such as "30s" or "5m".
type DurationString string

// AnalysisRun is one execution of a set of metrics, created by a Rollout or by hand.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=ar,categories=sluice
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`,description="AnalysisRun phase"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type AnalysisRun struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec is what to measure.
	Spec AnalysisRunSpec `json:"spec"`
	// Status is the measurements so far and the run's phase.
	// +optional
	Status AnalysisRunStatus `json:"status,omitzero"`
}

// AnalysisRunList is a list of AnalysisRuns.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type AnalysisRunList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the runs.
	Items []AnalysisRun `json:"items"`
}

// AnalysisRunSpec is what an AnalysisRun measures.
type AnalysisRunSpec struct {
	// Metrics are measured and judged; metric names are unique.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +listType=map
	// +listMapKey=name
	Metrics []Metric `json:"metrics"`
	// Args are the resolved arguments.
	// +kubebuilder:validation:MaxItems=50
	// +listType=map
	// +listMapKey=name
	// +optional
	Args []Argument `json:"args,omitempty"`
	// Terminate stops the run early; running metrics end with what they measured.
	// +optional
	Terminate bool `json:"terminate,omitempty"`
	// DryRun lists metrics that are measured but never change the run's phase.
	// +optional
	DryRun []DryRun `json:"dryRun,omitempty"`
	// MeasurementRetention bounds how many measurements are kept per metric.
	// +optional
	MeasurementRetention []MeasurementRetention `json:"measurementRetention,omitempty"`
	// TTLStrategy deletes the run some time after it completes.
	// +optional
	TTLStrategy *TTLStrategy `json:"ttlStrategy,omitempty"`
}

// TTLStrategy says when a finished AnalysisRun is deleted.
type TTLStrategy struct {
	// SecondsAfterCompletion applies to any finished run.
	// +kubebuilder:validation:Minimum=0
	// +optional
	SecondsAfterCompletion *int32 `json:"secondsAfterCompletion,omitempty"`
	// SecondsAfterSuccess applies to Successful runs and wins over SecondsAfterCompletion.
	// +kubebuilder:validation:Minimum=0
	// +optional
	SecondsAfterSuccess *int32 `json:"secondsAfterSuccess,omitempty"`
	// SecondsAfterFailure applies to unsuccessful runs and wins over SecondsAfterCompletion.
	// +kubebuilder:validation:Minimum=0
	// +optional
	SecondsAfterFailure *int32 `json:"secondsAfterFailure,omitempty"`
}
