package view

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// RenderAnalysisRun is the `get analysisrun` screen: the run's phase and
// message, then per metric its phase, its counts against the limits that end
// it, and each measurement kept in status (oldest first).
func RenderAnalysisRun(run *v1alpha1.AnalysisRun, now time.Time, style Style) string {
	var b strings.Builder
	renderRunHeader(&b, run, now, style)
	for _, m := range runMetrics(run) {
		b.WriteByte('\n')
		renderMetric(&b, m, now, style)
	}
	return b.String()
}

// RunSettled reports whether a run has ended, and whether it passed: a watch
// stops there, with success only for Successful.
func RunSettled(run *v1alpha1.AnalysisRun) (done, successful bool) {
	return run.Status.Phase.Completed(), run.Status.Phase == v1alpha1.AnalysisPhaseSuccessful
}

// runPhase is the run's phase, Pending before the controller wrote one.
func runPhase(p v1alpha1.AnalysisPhase) v1alpha1.AnalysisPhase {
	if p == "" {
		return v1alpha1.AnalysisPhasePending
	}
	return p
}

// analysisCell is "icon Phase - message"; the phase may carry a remark
// ("Failed (dry run)"), the icon and colour are those of its first word.
func analysisCell(p v1alpha1.AnalysisPhase, message string) cell {
	p = runPhase(p)
	word, _, _ := strings.Cut(string(p), " ")
	icon, t := analysisTone(v1alpha1.AnalysisPhase(word))
	c := cell{icon + " " + string(p), t}
	if message != "" {
		c.text += " - " + oneLine(message)
	}
	return c
}

// renderRunHeader writes the run's "Key: value" summary.
func renderRunHeader(b *strings.Builder, run *v1alpha1.AnalysisRun, now time.Time, style Style) {
	var t table
	t.add(plain("Name:"), plain(run.Name))
	t.add(plain("Namespace:"), plain(run.Namespace))
	if owner := metav1.GetControllerOf(run); owner != nil && owner.Kind == "Rollout" {
		rollout := owner.Name
		if kind := run.Labels[v1alpha1.AnalysisKindLabel]; kind != "" {
			rollout += fmt.Sprintf(" (%s analysis)", kindWords[v1alpha1.AnalysisKind(kind)])
		}
		t.add(plain("Rollout:"), plain(rollout))
	}
	t.add(plain("Status:"), analysisCell(run.Status.Phase, run.Status.Message))
	if run.Spec.Terminate {
		t.add(plain("Terminate:"), plain("requested"))
	}
	if at := run.Status.StartedAt; at != nil {
		t.add(plain("Started:"), plain(age(now, at.Time)+" ago"))
	}
	if at := run.Status.CompletedAt; at != nil {
		t.add(plain("Completed:"), plain(age(now, at.Time)+" ago"))
	}
	t.render(b, style)
}

// kindWords names the analysis a run is for, as the Rollout's messages do.
var kindWords = map[v1alpha1.AnalysisKind]string{
	v1alpha1.AnalysisKindStep:          "step",
	v1alpha1.AnalysisKindBackground:    "background",
	v1alpha1.AnalysisKindPrePromotion:  "pre-promotion",
	v1alpha1.AnalysisKindPostPromotion: "post-promotion",
}

// runMetric is one metric of a run: its spec (nil for a result the spec no
// longer names) and its result (zero before its first measurement).
type runMetric struct {
	spec   *v1alpha1.Metric
	result v1alpha1.MetricResult
}

// runMetrics pairs the spec's metrics, in spec order, with their results.
func runMetrics(run *v1alpha1.AnalysisRun) []runMetric {
	results := map[string]v1alpha1.MetricResult{}
	for _, r := range run.Status.MetricResults {
		results[r.Name] = r
	}
	var out []runMetric
	for i := range run.Spec.Metrics {
		spec := &run.Spec.Metrics[i]
		r, ok := results[spec.Name]
		if !ok {
			r = v1alpha1.MetricResult{Name: spec.Name}
		}
		delete(results, spec.Name)
		out = append(out, runMetric{spec: spec, result: r})
	}
	for _, r := range run.Status.MetricResults {
		if _, left := results[r.Name]; left {
			out = append(out, runMetric{result: r})
		}
	}
	return out
}

// renderMetric writes one metric: phase and message, counts against limits,
// then its measurements.
func renderMetric(b *strings.Builder, m runMetric, now time.Time, style Style) {
	r := m.result
	phase := runPhase(r.Phase)
	if r.DryRun {
		phase += " (dry run)"
	}
	status := analysisCell(phase, r.Message)
	var t table
	t.add(plain("Metric:"), plain(r.Name))
	t.add(plain("  Status:"), status)
	if m.spec != nil {
		t.add(plain("  Provider:"), plain(providerName(m.spec.Provider)))
	}
	if q := r.Metadata["resolvedQuery"]; q != "" {
		t.add(plain("  Query:"), plain(oneLine(q)))
	}
	var limits v1alpha1.Metric
	if m.spec != nil {
		limits = *m.spec
	}
	t.add(plain("  Count:"), plain(countText(r.Count, limits)))
	t.add(plain("  Successful:"), plain(fmt.Sprint(r.Successful)))
	t.add(plain("  Failed:"), plain(fmt.Sprintf("%d (failureLimit %s)", r.Failed, limitText(limits.FailureLimit, 0))))
	t.add(plain("  Inconclusive:"), plain(fmt.Sprintf("%d (inconclusiveLimit %s)", r.Inconclusive, limitText(limits.InconclusiveLimit, 0))))
	t.add(plain("  Errors:"), plain(fmt.Sprintf("%d, %d in a row (consecutiveErrorLimit %s)", r.Error, r.ConsecutiveError,
		limitText(limits.ConsecutiveErrorLimit, v1alpha1.DefaultConsecutiveErrorLimit))))
	t.render(b, style)
	valueText := oneLine
	if m.spec != nil && m.spec.Provider.Judge != nil {
		valueText = judgeValueText
	}
	renderMeasurements(b, r.Measurements, valueText, now, style)
	if j, ok := latestJudgement(m.spec, r); ok {
		renderJudgement(b, j, now, style)
	}
}

// renderMeasurements writes a metric's measurements as an indented table,
// each value shown by valueText.
func renderMeasurements(b *strings.Builder, ms []v1alpha1.Measurement, valueText func(string) string, now time.Time, style Style) {
	if len(ms) == 0 {
		b.WriteString("  No measurements yet.\n")
		return
	}
	var t table
	t.add(plain("  AGE"), plain("STATUS"), plain("VALUE"), plain("MESSAGE"))
	for _, m := range ms {
		when := ""
		switch {
		case m.FinishedAt != nil:
			when = age(now, m.FinishedAt.Time)
		case m.StartedAt != nil:
			when = age(now, m.StartedAt.Time)
		}
		t.add(plain("  "+when), analysisCell(m.Phase, ""), plain(valueText(m.Value)), plain(oneLine(m.Message)))
	}
	t.render(b, style)
}

// countText is the measurements taken against the count that ends the
// metric: a count of 0 is no count (as the controller reads it), and without
// count and interval one measurement is taken.
func countText(taken int32, m v1alpha1.Metric) string {
	c := m.Count
	switch {
	case c != nil && c.Type == intstr.String:
		return fmt.Sprintf("%d of %s", taken, c.StrVal) // an {{args.…}} reference
	case c != nil && c.IntVal > 0:
		return fmt.Sprintf("%d of %d", taken, c.IntVal)
	case m.Interval == "":
		return fmt.Sprintf("%d of 1", taken)
	}
	return fmt.Sprintf("%d (no count: measures until the run ends)", taken)
}

// limitText is a limit as written, its default when unset, "off" when
// disabled (-1).
func limitText(v *intstr.IntOrString, def int32) string {
	if v == nil {
		return fmt.Sprint(def)
	}
	if v.Type == intstr.Int && v.IntVal == -1 {
		return "off"
	}
	return v.String()
}

// oneLine folds text onto one line, so a provider's multi-line error never
// breaks the layout.
func oneLine(text string) string {
	return strings.Join(strings.Fields(text), " ")
}

// providerName names the provider a metric is measured with ("-" for none).
func providerName(p v1alpha1.MetricProvider) string {
	if t := p.Type(); t != "" {
		return t
	}
	return "-"
}
