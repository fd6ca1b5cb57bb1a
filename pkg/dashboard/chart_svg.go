package dashboard

import (
	"fmt"
	"html"
	"math"
	"strings"
	"unicode"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The chart's fixed layout, in SVG user units. Values are placed between
// plotTop and valueBottom; the horizontal axis runs a little lower, at axisY,
// so a value at the bottom of the scale never hides a marker on the axis.
const (
	chartWidth  = 640
	chartHeight = 250
	plotLeft    = 64
	plotRight   = 608 // room for the last time label, centred on its tick
	plotTop     = 52
	valueBottom = 188
	axisY       = 200
	pointInset  = 16 // keeps the first and last marks off the vertical axis
)

// phaseLook is how a measurement of one phase is drawn: colour and shape both
// differ, so the chart reads without colour too.
type phaseLook struct {
	colour string
	shape  string // circle, diamond, triangle, square, ring
}

var phaseLooks = map[v1alpha1.AnalysisPhase]phaseLook{
	v1alpha1.AnalysisPhaseSuccessful:   {"#1b7f3b", "circle"},
	v1alpha1.AnalysisPhaseFailed:       {"#c62828", "diamond"},
	v1alpha1.AnalysisPhaseInconclusive: {"#b26a00", "triangle"},
	v1alpha1.AnalysisPhaseError:        {"#6a1b9a", "square"},
}

// legendPhases are the phases the legend always lists, in this order.
var legendPhases = []v1alpha1.AnalysisPhase{
	v1alpha1.AnalysisPhaseSuccessful, v1alpha1.AnalysisPhaseFailed,
	v1alpha1.AnalysisPhaseInconclusive, v1alpha1.AnalysisPhaseError,
}

// lookOf is a phase's look; a measurement still running (a Job) is a grey ring.
func lookOf(p v1alpha1.AnalysisPhase) phaseLook {
	if l, ok := phaseLooks[p]; ok {
		return l
	}
	return phaseLook{"#757575", "ring"}
}

var thresholdColours = map[string]string{"success": "#1b7f3b", "failure": "#c62828"}

// writeChartSVG draws a chart. Every text from the cluster (metric name,
// values, messages, conditions) goes through svgText.
func writeChartSVG(b *strings.Builder, c metricChart) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" font-family="sans-serif" font-size="11">`+"\n",
		chartWidth, chartHeight, chartWidth, chartHeight, svgText(fmt.Sprintf("metric %s: %d measurements", c.name, len(c.marks))))
	fmt.Fprintf(b, "<title>%s</title>\n", svgText(c.name))
	fmt.Fprintf(b, `<text x="8" y="18" font-size="13" font-weight="bold">%s</text>`+"\n", svgText(c.name))
	writeLegend(b, c)
	writeValueAxis(b, c.values)
	writeTimeAxis(b, c)
	for i, t := range c.thresholds {
		writeThreshold(b, c, i, t)
	}
	if len(c.marks) == 0 {
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" fill="#757575">No measurements yet</text>`+"\n",
			(plotLeft+plotRight)/2, valueBottom-8)
	}
	for _, m := range c.marks {
		writeMark(b, c, m)
	}
	b.WriteString("</svg>\n")
}

// writeLegend lists the phases' marks, and says what a mark on the axis is
// when there is one.
func writeLegend(b *strings.Builder, c metricChart) {
	x := float64(plotLeft)
	const y = 36
	for _, p := range legendPhases {
		writeShape(b, lookOf(p), x+4, y-4, "")
		fmt.Fprintf(b, `<text x="%.1f" y="%d">%s</text>`+"\n", x+12, y, p)
		x += 12 + 6.5*float64(len(p)) + 14
	}
	for _, m := range c.marks {
		if len(m.numbers) == 0 {
			fmt.Fprintf(b, `<text x="%.1f" y="%d" fill="#555">marks on the time axis: no numeric value</text>`+"\n", x+6, y)
			return
		}
	}
}

// writeValueAxis draws the vertical axis with its grid lines and labels.
func writeValueAxis(b *strings.Builder, s valueScale) {
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>`+"\n", plotLeft, plotTop, plotLeft, axisY)
	for _, v := range s.ticks {
		y := valueY(s, v)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e0e0e0"/>`+"\n", plotLeft+1, y, plotRight, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", plotLeft-6, y+4, svgText(s.label(v)))
	}
	fmt.Fprintf(b, `<text transform="translate(14 %d) rotate(-90)" text-anchor="middle">result</text>`+"\n", (plotTop+axisY)/2)
}

// writeTimeAxis draws the horizontal axis with its ticks and its label.
func writeTimeAxis(b *strings.Builder, c metricChart) {
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>`+"\n", plotLeft, axisY, plotRight, axisY)
	for _, t := range c.xTicks {
		x := markX(t.at)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#444"/>`+"\n", x, axisY, x, axisY+4)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, axisY+16, svgText(t.text))
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", (plotLeft+plotRight)/2, axisY+38, svgText(c.xLabel))
}

// writeThreshold draws a condition's dashed line with the condition written
// above its right end (below it when the previous line is too close).
func writeThreshold(b *strings.Builder, c metricChart, i int, t threshold) {
	y := valueY(c.values, t.value)
	colour := thresholdColours[t.kind]
	fmt.Fprintf(b, `<line class="threshold" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-dasharray="6 4"/>`+"\n",
		plotLeft, y, plotRight, y, colour)
	labelY := y - 4
	if i > 0 && math.Abs(valueY(c.values, c.thresholds[i-1].value)-y) < 14 {
		labelY = y + 12
	}
	fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" font-size="10" fill="%s">%s</text>`+"\n",
		plotRight-4, labelY, colour, svgText(t.kind+" if "+t.condition))
}

// writeMark draws one measurement: a mark per number at its value, or one
// mark on the time axis when it measured no number.
func writeMark(b *strings.Builder, c metricChart, m chartMark) {
	look := lookOf(m.phase)
	x := markX(m.x)
	class := "point m-" + strings.ToLower(string(m.phase))
	if len(m.numbers) == 0 {
		writeShape(b, look, x, axisY, class+" no-value", m.tooltip)
		return
	}
	for _, v := range m.numbers {
		writeShape(b, look, x, valueY(c.values, v), class, m.tooltip)
	}
}

// writeShape draws a phase's shape centred on x,y, with a tooltip when one is
// given (legend entries have none).
func writeShape(b *strings.Builder, look phaseLook, x, y float64, class string, tooltip ...string) {
	attrs := fmt.Sprintf(`fill="%s"`, look.colour)
	if class != "" {
		attrs = fmt.Sprintf(`class="%s" %s`, class, attrs)
	}
	var el, geometry string
	switch look.shape {
	case "diamond":
		el, geometry = "polygon", fmt.Sprintf(`points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f"`, x, y-5, x+5, y, x, y+5, x-5, y)
	case "triangle":
		el, geometry = "polygon", fmt.Sprintf(`points="%.1f,%.1f %.1f,%.1f %.1f,%.1f"`, x, y-5, x+5, y+4, x-5, y+4)
	case "square":
		el, geometry = "rect", fmt.Sprintf(`x="%.1f" y="%.1f" width="8" height="8"`, x-4, y-4)
	case "ring":
		el, geometry = "circle", fmt.Sprintf(`cx="%.1f" cy="%.1f" r="3.5"`, x, y)
		attrs = strings.Replace(attrs, `fill="`, `fill="#fff" stroke-width="1.5" stroke="`, 1)
	default:
		el, geometry = "circle", fmt.Sprintf(`cx="%.1f" cy="%.1f" r="4"`, x, y)
	}
	if len(tooltip) == 0 {
		fmt.Fprintf(b, "<%s %s %s/>\n", el, attrs, geometry)
		return
	}
	fmt.Fprintf(b, "<%s %s %s><title>%s</title></%s>\n", el, attrs, geometry, svgText(tooltip[0]), el)
}

// markX is the horizontal position of a fraction of the time axis.
func markX(f float64) float64 {
	return plotLeft + pointInset + f*(plotRight-plotLeft-2*pointInset)
}

// valueY is the vertical position of a value (larger values higher up).
func valueY(s valueScale, v float64) float64 {
	return valueBottom - s.fraction(v)*(valueBottom-plotTop)
}

// svgText makes text from the cluster safe inside SVG or HTML, as element
// text and as an attribute value: markup characters escaped, invalid UTF-8
// replaced, control characters (not allowed in XML) turned into spaces.
func svgText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return html.EscapeString(s)
}
