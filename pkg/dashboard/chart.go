package dashboard

import (
	"fmt"
	"strings"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The analysis page draws each metric's measurements as a chart: time across,
// value up, one mark per measured number coloured (and shaped) by the
// measurement's phase, the metric's thresholds as dashed lines. It is built in
// two pure steps — buildChart decides what to draw, writeChartSVG draws it —
// so the same measurements always give the same bytes (golden-file tested).

// metricChart is everything one chart shows.
type metricChart struct {
	name       string
	marks      []chartMark
	values     valueScale
	xTicks     []axisTick
	xLabel     string
	thresholds []threshold
}

// chartMark is one measurement: where it sits in time and the numbers it
// measured (none for a value that is not a number: drawn on the axis).
type chartMark struct {
	x       float64 // 0..1 along the horizontal axis
	phase   v1alpha1.AnalysisPhase
	numbers []float64
	tooltip string
}

// renderMetricChart is the SVG chart of one metric of a run. spec is nil for a
// result whose metric the run's spec no longer names (no thresholds then).
func renderMetricChart(spec *v1alpha1.Metric, result v1alpha1.MetricResult) string {
	var b strings.Builder
	writeChartSVG(&b, buildChart(spec, result))
	return b.String()
}

// buildChart decides what the chart of one metric shows.
func buildChart(spec *v1alpha1.Metric, result v1alpha1.MetricResult) metricChart {
	c := metricChart{name: result.Name}
	if spec != nil {
		c.thresholds = metricThresholds(spec.SuccessCondition, spec.FailureCondition)
	}
	ms := result.Measurements
	times, timed := measurementTimes(ms)
	var scaleValues []float64
	for i, m := range ms {
		mark := chartMark{phase: m.Phase, numbers: measuredNumbers(m.Value)}
		when := fmt.Sprintf("#%d", i+1)
		if timed {
			mark.x = timeScale{first: times[0], last: times[len(times)-1]}.fraction(times[i])
			when = times[i].UTC().Format(time.TimeOnly)
		} else {
			mark.x = indexFraction(i, len(ms))
		}
		mark.tooltip = markTooltip(when, m)
		scaleValues = append(scaleValues, mark.numbers...)
		c.marks = append(c.marks, mark)
	}
	for _, t := range c.thresholds {
		scaleValues = append(scaleValues, t.value)
	}
	c.values = newValueScale(scaleValues)
	switch {
	case len(ms) == 0:
		c.xLabel = "time (UTC)"
	case timed:
		c.xTicks, c.xLabel = timeScale{first: times[0], last: times[len(times)-1]}.ticks(), "time (UTC)"
	default:
		c.xTicks, c.xLabel = indexTicks(len(ms)), "measurement"
	}
	return c
}

// measurementTimes is when each measurement was taken (its finish, else its
// start). The horizontal axis is time only when every measurement has one and
// they run forward (status keeps them in order); otherwise it is the
// measurement's number, which never misplaces a point.
func measurementTimes(ms []v1alpha1.Measurement) ([]time.Time, bool) {
	if len(ms) == 0 {
		return nil, false
	}
	times := make([]time.Time, len(ms))
	for i, m := range ms {
		switch {
		case m.FinishedAt != nil:
			times[i] = m.FinishedAt.Time
		case m.StartedAt != nil:
			times[i] = m.StartedAt.Time
		default:
			return nil, false
		}
		if i > 0 && times[i].Before(times[i-1]) {
			return nil, false
		}
	}
	return times, true
}

// indexFraction spreads n measurements evenly; a single one sits in the middle.
func indexFraction(i, n int) float64 {
	if n <= 1 {
		return 0.5
	}
	return float64(i) / float64(n-1)
}

// indexTicks labels measurements by number: each of them when there are few,
// five spread from the first to the last when there are many.
func indexTicks(n int) []axisTick {
	var ticks []axisTick
	if n <= 10 {
		for i := 0; i < n; i++ {
			ticks = append(ticks, axisTick{at: indexFraction(i, n), text: fmt.Sprint(i + 1)})
		}
		return ticks
	}
	for k := 0; k <= 4; k++ {
		i := (k*(n-1) + 2) / 4 // rounded k/4 of the way
		ticks = append(ticks, axisTick{at: indexFraction(i, n), text: fmt.Sprint(i + 1)})
	}
	return ticks
}

// markTooltip is the text shown when hovering a mark: when, phase, value and
// message, on one line.
func markTooltip(when string, m v1alpha1.Measurement) string {
	phase := string(m.Phase)
	if phase == "" {
		phase = string(v1alpha1.AnalysisPhasePending)
	}
	text := when + " " + phase
	if v := oneLineText(m.Value); v != "" {
		text += ": " + v
	}
	if msg := oneLineText(m.Message); msg != "" {
		text += " — " + msg
	}
	return text
}

// oneLineText folds text onto one line; multi-line provider errors would
// otherwise break a tooltip or a table cell.
func oneLineText(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
