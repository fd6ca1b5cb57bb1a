package analyze

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluice-dev/sluice/analysis"
	"github.com/sluice-dev/sluice/analysis/provider/judge/judgevalue"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// Report is what analyze prints.
type Report struct {
	Template TemplateRef
	// From is where the template was read: "the cluster" or a file name.
	From string
	// Rollout names the Rollout whose values were used, and the analysis
	// they came from; "" without --rollout.
	Rollout string
	Args    []ArgShown
	// WindowStart and Now bound a judge's window.
	WindowStart, Now time.Time
	Results          []analysis.Once
}

// maxValue bounds a value in the summary table; the details show it whole.
const maxValue = 60

// Render is the report as text: a header, one row per metric (the phase its
// conditions give the value), then per metric what explains it — its
// message, the queries sent, and for a judge the per-metric table.
func Render(r Report, style view.Style) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Template:  %s %s (from %s)\n", r.Template.Kind(), r.Template.Name, r.From)
	if r.Rollout != "" {
		fmt.Fprintf(&b, "Rollout:   %s\n", r.Rollout)
	}
	fmt.Fprintf(&b, "Arguments: %s\n", argsText(r.Args))
	if hasJudge(r.Results) {
		fmt.Fprintf(&b, "Window:    judge metrics compare from %s (%s ago, warmup added) to now, as one look with the whole alpha\n",
			r.WindowStart.Local().Format("15:04:05"), r.Now.Sub(r.WindowStart).Round(time.Second))
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tPROVIDER\tPHASE\tVALUE")
	for _, o := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Metric, o.Provider, phaseText(o), clipValue(valueText(o)))
	}
	_ = tw.Flush()
	for _, o := range r.Results {
		writeDetails(&b, o, r.Now, style)
	}
	return b.String()
}

// Passed reports whether the run would be Successful on these measurements:
// every metric that counts is Successful (dry-run and skipped metrics do
// not count).
func Passed(results []analysis.Once) bool {
	for _, o := range results {
		if o.Skipped == "" && !o.DryRun && o.Measurement.Phase != v1alpha1.AnalysisPhaseSuccessful {
			return false
		}
	}
	return true
}

func hasJudge(results []analysis.Once) bool {
	return slices.ContainsFunc(results, func(o analysis.Once) bool { return o.Provider == "judge" })
}

func argsText(args []ArgShown) string {
	if len(args) == 0 {
		return "none"
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Name + "=" + a.Text
	}
	return strings.Join(parts, " ")
}

func phaseText(o analysis.Once) string {
	if o.Skipped != "" {
		return "- not run"
	}
	text := view.AnalysisStatus(o.Measurement.Phase).Text
	if o.DryRun {
		text += " (dry run)"
	}
	return text
}

// valueText is a measurement's value as the table shows it: a judge's
// verdict as its score.
func valueText(o analysis.Once) string {
	if rec, ok := judgeRecord(o); ok {
		return "score " + rec.Score.String()
	}
	return o.Measurement.Value
}

func judgeRecord(o analysis.Once) (judgevalue.Record, bool) {
	if o.Provider != "judge" || o.Measurement.Value == "" {
		return judgevalue.Record{}, false
	}
	rec, err := judgevalue.Decode(o.Measurement.Value)
	return rec, err == nil
}

func clipValue(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxValue {
		return s
	}
	return s[:maxValue-len("…")] + "…"
}

// writeDetails explains one metric below the table, when there is more to
// say than its row: why (its message), a judge's per-metric table, a value
// too long for the row, and the queries as sent.
func writeDetails(b *strings.Builder, o analysis.Once, now time.Time, style view.Style) {
	m := o.Measurement
	var why string
	switch {
	case o.Skipped != "":
		why = "not run: " + o.Skipped
	case m.Phase == v1alpha1.AnalysisPhaseRunning && m.ResumeAt != nil:
		why = fmt.Sprintf("no verdict yet: the judge's window does not hold the resolution steps its metrics' minSamples need (after the warmup); try again in %s, or widen it with --since",
			m.ResumeAt.Sub(now).Round(time.Second))
	default:
		why = m.Message
	}
	rec, isJudge := judgeRecord(o)
	var more []string
	if len(m.Value) > maxValue && !isJudge {
		more = append(more, "value: "+m.Value)
	}
	keys := make([]string, 0, len(o.Metadata))
	for k := range o.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		more = append(more, queryLabel(k)+": "+strings.Join(strings.Fields(o.Metadata[k]), " "))
	}
	if why == "" && !isJudge && len(more) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", o.Metric)
	if why != "" {
		fmt.Fprintf(b, "  %s\n", why)
	}
	if isJudge {
		b.WriteString(view.RenderJudgeTable(rec, "  ", true, style))
	}
	for _, l := range more {
		fmt.Fprintf(b, "  %s\n", l)
	}
}

// queryLabel names a metadata entry: Prometheus' resolvedQuery is "query",
// a judge's "latency/canary" stays as it is ("latency/canary query").
func queryLabel(key string) string {
	if key == "resolvedQuery" {
		return "query"
	}
	return key + " query"
}
