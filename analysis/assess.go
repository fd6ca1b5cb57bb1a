package analysis

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// phaseRank orders completed phases from best to worst (SPEC §3.3): a run's
// result is the worst phase among its metrics.
var phaseRank = map[v1alpha1.AnalysisPhase]int{
	v1alpha1.AnalysisPhaseSuccessful:   1,
	v1alpha1.AnalysisPhaseInconclusive: 2,
	v1alpha1.AnalysisPhaseError:        3,
	v1alpha1.AnalysisPhaseFailed:       4,
}

// metricPhase decides a metric's phase from its counts after a measurement
// (SPEC §3.3). The rules are checked in the spec's order and the first that holds
// decides, so a metric over its failure limit is Failed even when its count is
// also reached:
//
//	failed > failureLimit                 → Failed
//	inconclusive > inconclusiveLimit      → Inconclusive
//	consecutive errors > errorLimit       → Error
//	count reached, or the run terminating → Successful, but fail closed when no
//	                                        measurement was Successful (unproven)
//	otherwise                             → Running (Pending before the first)
//
// A limit of -1 disables its rule. A measurement still in progress keeps the
// metric Running unless the run is terminating.
func metricPhase(m *metric, r *v1alpha1.MetricResult, terminating bool) (v1alpha1.AnalysisPhase, string) {
	if r.Phase.Completed() {
		return r.Phase, r.Message
	}
	switch {
	case m.failureLimit >= 0 && r.Failed > m.failureLimit:
		return v1alpha1.AnalysisPhaseFailed, fmt.Sprintf("%d of %s failed (failureLimit %d)", r.Failed, countOf(r.Count, "measurement"), m.failureLimit)
	case m.inconclusiveLimit >= 0 && r.Inconclusive > m.inconclusiveLimit:
		return v1alpha1.AnalysisPhaseInconclusive, fmt.Sprintf("%d of %s inconclusive (inconclusiveLimit %d)", r.Inconclusive, countOf(r.Count, "measurement"), m.inconclusiveLimit)
	case m.consecutiveErrorLimit >= 0 && r.ConsecutiveError > m.consecutiveErrorLimit:
		return v1alpha1.AnalysisPhaseError, fmt.Sprintf("%s (consecutiveErrorLimit %d): %s", countOf(r.ConsecutiveError, "consecutive error"), m.consecutiveErrorLimit, lastMessage(r))
	}
	if inProgress(r) != nil && !terminating {
		return v1alpha1.AnalysisPhaseRunning, ""
	}
	if terminating || (m.count != nil && r.Count >= *m.count) {
		if phase, message := unproven(r, terminating); phase != "" {
			return phase, message
		}
		return v1alpha1.AnalysisPhaseSuccessful, ""
	}
	if len(r.Measurements) == 0 {
		return v1alpha1.AnalysisPhasePending, ""
	}
	return v1alpha1.AnalysisPhaseRunning, ""
}

// unproven is the phase of a metric that ends with no Successful measurement
// (fail closed, SPEC §3.3), or "" when it may end Successful. Limits only say
// how many bad measurements a metric tolerates before it ends early; they never
// turn a metric that never saw a good one into a pass. So, in the order of
// SPEC §3.3's rule (an Error first): any Error → Error; else any Failed →
// Failed; else any Inconclusive → Inconclusive.
//
// Nothing measured at all ends Successful only when the run was terminated:
// termination is a request to stop (the rollout no longer needs the run, or a
// person stopped it), its metrics "end with what they measured", and the
// rollout does not act on the runs it terminated itself. A count that is
// reached with nothing measured cannot happen (count is at least 1, see
// countValue); should it, the metric is Error rather than a pass.
func unproven(r *v1alpha1.MetricResult, terminating bool) (v1alpha1.AnalysisPhase, string) {
	if r.Successful > 0 {
		return "", ""
	}
	switch {
	case r.Error > 0:
		return v1alpha1.AnalysisPhaseError, fmt.Sprintf("no successful measurement and %s: %s", countOf(r.Error, "error"), lastMessage(r))
	case r.Failed > 0:
		return v1alpha1.AnalysisPhaseFailed, fmt.Sprintf("no successful measurement: %d of %s failed", r.Failed, countOf(r.Count, "measurement"))
	case r.Inconclusive > 0:
		return v1alpha1.AnalysisPhaseInconclusive, fmt.Sprintf("no successful measurement: %d of %s inconclusive", r.Inconclusive, countOf(r.Count, "measurement"))
	case !terminating:
		return v1alpha1.AnalysisPhaseError, "no measurement was taken"
	}
	return "", ""
}

// runVerdict is a run's phase from its metrics' phases: Running while any metric
// runs, else the worst phase of the metrics that are not dry-run (Successful when
// all are dry-run). decisive reports that a non-dry-run metric ended Failed,
// Error or Inconclusive: that ends the whole run at once (SPEC §3.3).
func runVerdict(results []v1alpha1.MetricResult) (phase v1alpha1.AnalysisPhase, message string, decisive bool) {
	worst, running := v1alpha1.AnalysisPhaseSuccessful, false
	for i := range results {
		r := &results[i]
		if !r.Phase.Completed() {
			running = true
			continue
		}
		if r.DryRun || phaseRank[r.Phase] <= phaseRank[worst] {
			continue
		}
		worst = r.Phase
		message = fmt.Sprintf("metric %q is %s", r.Name, r.Phase)
		if r.Message != "" {
			message += ": " + r.Message
		}
	}
	decisive = worst != v1alpha1.AnalysisPhaseSuccessful
	if running && !decisive {
		return v1alpha1.AnalysisPhaseRunning, "", false
	}
	return worst, message, decisive
}

// summarize counts metrics by phase, dry-run metrics apart.
func summarize(results []v1alpha1.MetricResult) (run v1alpha1.RunSummary, dryRun *v1alpha1.RunSummary) {
	for i := range results {
		s := &run
		if results[i].DryRun {
			if dryRun == nil {
				dryRun = &v1alpha1.RunSummary{}
			}
			s = dryRun
		}
		s.Count++
		switch results[i].Phase {
		case v1alpha1.AnalysisPhaseSuccessful:
			s.Successful++
		case v1alpha1.AnalysisPhaseFailed:
			s.Failed++
		case v1alpha1.AnalysisPhaseInconclusive:
			s.Inconclusive++
		case v1alpha1.AnalysisPhaseError:
			s.Error++
		}
	}
	return run, dryRun
}

// recordMeasurement adds a finished (or still running) measurement to a metric's result:
// it replaces the in-progress measurement it continues, updates the counters,
// and keeps at most retain measurements.
func recordMeasurement(r *v1alpha1.MetricResult, m v1alpha1.Measurement, retain int32) {
	if last := inProgress(r); last != nil {
		*last = m
	} else {
		r.Measurements = append(r.Measurements, m)
	}
	switch m.Phase {
	case v1alpha1.AnalysisPhaseRunning:
		return
	case v1alpha1.AnalysisPhaseError:
		r.Error++
		r.ConsecutiveError++
		trim(r, retain)
		return
	case v1alpha1.AnalysisPhaseSuccessful:
		r.Successful++
	case v1alpha1.AnalysisPhaseFailed:
		r.Failed++
	case v1alpha1.AnalysisPhaseInconclusive:
		r.Inconclusive++
	}
	r.Count++
	r.ConsecutiveError = 0
	trim(r, retain)
}

// trim drops the oldest measurements beyond the retention limit, so a metric
// measured every second for an hour does not grow the object without bound.
func trim(r *v1alpha1.MetricResult, retain int32) {
	if retain > 0 && int32(len(r.Measurements)) > retain {
		r.Measurements = append(r.Measurements[:0:0], r.Measurements[int32(len(r.Measurements))-retain:]...)
	}
}

// inProgress is the metric's measurement that has not finished (a running Job),
// or nil.
func inProgress(r *v1alpha1.MetricResult) *v1alpha1.Measurement {
	if n := len(r.Measurements); n > 0 && r.Measurements[n-1].Phase == v1alpha1.AnalysisPhaseRunning {
		return &r.Measurements[n-1]
	}
	return nil
}

// lastMessage is the message of the metric's latest measurement.
func lastMessage(r *v1alpha1.MetricResult) string {
	if n := len(r.Measurements); n > 0 {
		return r.Measurements[n-1].Message
	}
	return ""
}
