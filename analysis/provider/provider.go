// Package provider defines how an AnalysisRun takes one measurement of a metric.
// Each provider (prometheus, web, job) lives in its own sub-package; the
// AnalysisRun controller picks one by the metric's provider field and judges the
// value it returns with the metric's conditions (analysis/evaluate).
package provider

import (
	"context"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Provider takes measurements of one kind of metric. Implementations must be safe
// for concurrent use: the controller measures many runs at once.
type Provider interface {
	// Type names the provider ("prometheus", "web", "job"); it is the provider
	// label of sluice_analysis_measurements_total.
	Type() string
	// Measure takes a measurement of metric for run. The metric has its args
	// already substituted. inProgress is nil for a new measurement, or the
	// measurement a previous call left Running (a Job still running), to be
	// checked again. ctx carries the measurement's deadline.
	//
	// A returned error makes the measurement Error with the error's text as its
	// message, so it must say what went wrong without secrets.
	Measure(ctx context.Context, run *v1alpha1.AnalysisRun, metric v1alpha1.Metric, inProgress *v1alpha1.Measurement) (Outcome, error)
	// Terminate stops a measurement that is still Running (deletes a Job). It is
	// called when the run is terminated or ends while the measurement runs.
	Terminate(ctx context.Context, run *v1alpha1.AnalysisRun, metric v1alpha1.Metric, inProgress v1alpha1.Measurement) error
}

// Outcome is what a provider observed.
type Outcome struct {
	// Phase is empty when Value is to be judged by the metric's conditions.
	// Providers that judge for themselves (a Job) set Successful or Failed, or
	// Running when the measurement is not finished; then ResumeAfter says when to
	// look again.
	Phase v1alpha1.AnalysisPhase
	// Value is the result the conditions see as `result`: float64 for a
	// Prometheus scalar, []float64 for a vector or matrix, any decoded JSON value
	// for web. nil means the provider got no data.
	Value any
	// Text is Value as shown in status (e.g. "0.05" or "[0.1,0.2]").
	Text string
	// Message says why a provider that judges for itself (Phase set) decided
	// as it did; it becomes the measurement's message.
	Message string
	// TypeFixed is set when the type of Value follows from the metric alone:
	// a PromQL query returns a scalar or a vector every time, while a web
	// service's JSON may change shape from one call to the next. A condition
	// that cannot handle a fixed type never will, so its type error is final
	// (see evaluate.TypeError).
	TypeFixed bool
	// ResumeAfter is how long to wait before checking a Running measurement again.
	ResumeAfter time.Duration
	// Metadata is stored on the measurement (e.g. the Job name).
	Metadata map[string]string
	// MetricMetadata is stored on the metric's result (e.g. the resolved query).
	MetricMetadata map[string]string
}
