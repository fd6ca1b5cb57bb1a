package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AnalysisPhase is the phase of a measurement, a metric or a run.
// +kubebuilder:validation:Enum=Pending;Running;Successful;Failed;Error;Inconclusive
type AnalysisPhase string

const (
	AnalysisPhasePending      AnalysisPhase = "Pending"
	AnalysisPhaseRunning      AnalysisPhase = "Running"
	AnalysisPhaseSuccessful   AnalysisPhase = "Successful"
	AnalysisPhaseFailed       AnalysisPhase = "Failed"
	AnalysisPhaseError        AnalysisPhase = "Error"
	AnalysisPhaseInconclusive AnalysisPhase = "Inconclusive"
)

// Completed reports whether the phase is final.
func (p AnalysisPhase) Completed() bool {
	switch p {
	case AnalysisPhaseSuccessful, AnalysisPhaseFailed, AnalysisPhaseError, AnalysisPhaseInconclusive:
		return true
	}
	return false
}

// AnalysisRunStatus is the measurements so far and the run's phase.
type AnalysisRunStatus struct {
	// ObservedGeneration is the metadata.generation this status was computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase of the run: Running while any metric runs, then the worst metric phase
	// (Successful < Inconclusive < Error < Failed).
	// +optional
	Phase AnalysisPhase `json:"phase,omitempty"`
	// Message explains the phase.
	// +optional
	Message string `json:"message,omitempty"`
	// StartedAt is when the run started measuring.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// CompletedAt is when the run reached a completed phase; ttlStrategy counts from it.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`
	// MetricResults are the measurements and counts per metric.
	// +listType=map
	// +listMapKey=name
	// +optional
	MetricResults []MetricResult `json:"metricResults,omitempty"`
	// RunSummary counts metrics by phase, dry-run metrics excluded.
	// +optional
	RunSummary RunSummary `json:"runSummary,omitzero"`
	// DryRunSummary counts dry-run metrics by phase.
	// +optional
	DryRunSummary *RunSummary `json:"dryRunSummary,omitempty"`
}

// RunSummary counts metrics by phase.
type RunSummary struct {
	// Count of metrics.
	// +optional
	Count int32 `json:"count,omitempty"`
	// Successful metrics.
	// +optional
	Successful int32 `json:"successful,omitempty"`
	// Failed metrics.
	// +optional
	Failed int32 `json:"failed,omitempty"`
	// Inconclusive metrics.
	// +optional
	Inconclusive int32 `json:"inconclusive,omitempty"`
	// Error metrics.
	// +optional
	Error int32 `json:"error,omitempty"`
}

// MetricResult is one metric's measurements and counts.
type MetricResult struct {
	// Name of the metric.
	Name string `json:"name"`
	// Phase of the metric.
	Phase AnalysisPhase `json:"phase"`
	// Measurements are the most recent measurements, up to the retention limit.
	// +optional
	Measurements []Measurement `json:"measurements,omitempty"`
	// Message explains the phase.
	// +optional
	Message string `json:"message,omitempty"`
	// Count of measurements taken, Error ones excluded.
	// +optional
	Count int32 `json:"count,omitempty"`
	// Successful measurements.
	// +optional
	Successful int32 `json:"successful,omitempty"`
	// Failed measurements.
	// +optional
	Failed int32 `json:"failed,omitempty"`
	// Inconclusive measurements.
	// +optional
	Inconclusive int32 `json:"inconclusive,omitempty"`
	// Error measurements.
	// +optional
	Error int32 `json:"error,omitempty"`
	// ConsecutiveError counts the Error measurements since the last non-Error one.
	// +optional
	ConsecutiveError int32 `json:"consecutiveError,omitempty"`
	// DryRun is true when the metric cannot change the run's phase.
	// +optional
	DryRun bool `json:"dryRun,omitempty"`
	// Metadata is provider information such as the resolved Prometheus query.
	// +optional
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Measurement is one observation of a metric.
type Measurement struct {
	// Phase of the measurement.
	Phase AnalysisPhase `json:"phase"`
	// Message explains an Error or a judgement.
	// +optional
	Message string `json:"message,omitempty"`
	// StartedAt is when the measurement started.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// FinishedAt is when the measurement finished.
	// +optional
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	// Value is the result, as text.
	// +optional
	Value string `json:"value,omitempty"`
	// Metadata is provider information about this measurement (e.g. the Job name).
	// +optional
	Metadata map[string]string `json:"metadata,omitempty"`
	// ResumeAt is when a long-running measurement (a Job) is next checked.
	// +optional
	ResumeAt *metav1.Time `json:"resumeAt,omitempty"`
}
