package view

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluice-dev/sluice/analysis/provider/judge/judgevalue"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// judgement is a judge metric's latest verdict: the measurement that holds it
// and its decoded value.
type judgement struct {
	measurement v1alpha1.Measurement
	record      judgevalue.Record
}

// latestJudgement finds the newest measurement of a judge metric that holds a
// verdict (one waiting out its warmup, or an Error, holds none). ok is false
// for other providers and before the first verdict.
func latestJudgement(spec *v1alpha1.Metric, r v1alpha1.MetricResult) (judgement, bool) {
	if spec == nil || spec.Provider.Judge == nil {
		return judgement{}, false
	}
	for i := len(r.Measurements) - 1; i >= 0; i-- {
		m := r.Measurements[i]
		if m.Phase == v1alpha1.AnalysisPhaseError || m.Value == "" {
			continue
		}
		if rec, err := judgevalue.Decode(m.Value); err == nil {
			return judgement{measurement: m, record: rec}, true
		}
	}
	return judgement{}, false
}

// judgeValueText is a judge measurement's value in a measurement row: its
// score, where the full record would not fit on a line.
func judgeValueText(value string) string {
	rec, err := judgevalue.Decode(value)
	if err != nil {
		return value
	}
	return "score " + rec.Score.String()
}

// RenderJudgeTable is a verdict's per-metric table, each row indented by
// indent: metric, class, p-value, effect (canary/baseline) and samples (or
// totals) canary/baseline, and why for a metric that did not pass. wide adds
// the estimate of the shift and its interval, for `kubectl sluice analyze`.
func RenderJudgeTable(rec judgevalue.Record, indent string, wide bool, style Style) string {
	var t table
	header := []cell{plain(indent + "METRIC"), plain("CLASS"), plain("P"), plain("EFFECT")}
	if wide {
		header = append(header, plain("ESTIMATE"), plain("INTERVAL"))
	}
	t.add(append(header, plain("N"), plain("WHY"))...)
	for _, m := range rec.Metrics {
		row := []cell{plain(indent + m.Name), classCell(m.Class), plain(numberText(m.P)), plain(numberText(m.Effect))}
		if wide {
			row = append(row, plain(numberText(m.Estimate)), plain(intervalText(m.Interval)))
		}
		why := ""
		if m.Class != "Pass" {
			why = oneLine(m.Reason)
		}
		t.add(append(row, plain(samplesText(m.N)), plain(why))...)
	}
	var b strings.Builder
	t.render(&b, style)
	if rec.Omitted > 0 {
		fmt.Fprintf(&b, "%s(%d more %s not shown: the value keeps the metrics that did not pass first)\n",
			indent, rec.Omitted, plural(rec.Omitted, "metric", "metrics"))
	}
	return b.String()
}

// renderJudgement writes a judge metric's latest verdict under its
// measurements in `get analysisrun`.
func renderJudgement(b *strings.Builder, j judgement, now time.Time, style Style) {
	fmt.Fprintf(b, "  Latest judgement (%s ago): score %s, %s\n", judgementAge(j.measurement, now), j.record.Score, j.record.Outcome)
	b.WriteString(RenderJudgeTable(j.record, "  ", false, style))
}

// judgeNodes are the tree rows of a run's judge metrics in `get rollout`: the
// latest verdict of each, with a row per compared metric below it.
func judgeNodes(run *v1alpha1.AnalysisRun, now time.Time) []*node {
	var out []*node
	for _, m := range runMetrics(run) {
		j, ok := latestJudgement(m.spec, m.result)
		if !ok {
			continue
		}
		icon, t := analysisTone(j.measurement.Phase)
		info := "score " + j.record.Score.String()
		if j.record.Omitted > 0 {
			info += fmt.Sprintf(", %d more %s not shown", j.record.Omitted, plural(j.record.Omitted, "metric", "metrics"))
		}
		n := &node{name: m.result.Name, kind: "Judge", status: cell{icon + " " + string(j.measurement.Phase), t},
			age: judgementAge(j.measurement, now), info: info}
		for _, jm := range j.record.Metrics {
			n.children = append(n.children, &node{name: jm.Name, status: classCell(jm.Class), info: judgeMetricInfo(jm)})
		}
		out = append(out, n)
	}
	return out
}

// judgeMetricInfo is a compared metric's numbers on one line.
func judgeMetricInfo(m judgevalue.Metric) string {
	var parts []string
	if m.P != nil {
		parts = append(parts, "p "+m.P.String())
	}
	if m.Effect != nil {
		parts = append(parts, "effect "+m.Effect.String())
	}
	parts = append(parts, "n "+samplesText(m.N))
	if m.Class != "Pass" && m.Reason != "" {
		parts = append(parts, oneLine(m.Reason))
	}
	return strings.Join(parts, ", ")
}

// classCell is a compared metric's class with the icon of what it means for
// the canary.
func classCell(class string) cell {
	switch class {
	case "Pass":
		return cell{iconHealthy + " " + class, toneGood}
	case "High", "Low":
		return cell{iconDegraded + " " + class, toneBad}
	}
	return cell{iconUnknown + " " + class, tonePaused}
}

func judgementAge(m v1alpha1.Measurement, now time.Time) string {
	if m.FinishedAt != nil {
		return age(now, m.FinishedAt.Time)
	}
	return ""
}

func numberText(n *judgevalue.Number) string {
	if n == nil {
		return "-"
	}
	return n.String()
}

func intervalText(iv []judgevalue.Number) string {
	if len(iv) != 2 {
		return "-"
	}
	return "[" + iv[0].String() + ", " + iv[1].String() + "]"
}

func samplesText(n []int) string {
	if len(n) != 2 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", n[0], n[1])
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
