package judgevalue

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	judging "github.com/sluice-dev/sluice/analysis/judge"
)

// MaxLength bounds the text of one measurement. A run keeps up to ten
// measurements per metric (more with measurementRetention), and a judge
// metric may compare fifty metrics; at this size even that stays far below
// the API server's object limit.
const MaxLength = 4096

// maxReason bounds each reason in the record: one line, not a report.
const maxReason = 160

// FromVerdict turns a verdict into its record, in full.
func FromVerdict(v judging.Verdict) Record {
	r := Record{Score: Number(v.Score), Outcome: string(v.Outcome), Reason: clip(v.Reason, maxReason),
		Metrics: make([]Metric, 0, len(v.Metrics))}
	for _, m := range v.Metrics {
		r.Metrics = append(r.Metrics, fromResult(m))
	}
	return r
}

func fromResult(m judging.MetricResult) Metric {
	out := Metric{Name: m.Name, Class: string(m.Class), Critical: m.Critical, Reason: clip(m.Reason, maxReason)}
	if m.Group != m.Name {
		out.Group = m.Group
	}
	if m.Class == judging.ClassNoData {
		// Nothing was tested: only the sample sizes and why say anything.
		out.N = []int{m.CanaryN, m.BaselineN}
		return out
	}
	out.P, out.Alpha = numberOrNil(m.PValue), numberOrNil(m.Alpha)
	out.Estimate, out.Effect = numberOrNil(m.Estimate), numberOrNil(m.Effect)
	if !math.IsNaN(m.Low) && !math.IsNaN(m.High) {
		out.Interval = []Number{Number(m.Low), Number(m.High)}
	}
	out.N = []int{m.CanaryN, m.BaselineN}
	return out
}

// Encode is the record's text, bounded by MaxLength. When the full record is
// too long it sheds detail in steps, keeping what decides a verdict longest:
// first the reasons of passing metrics, then every metric's estimate,
// interval and level, then passing metrics, then metrics from the end.
func Encode(r Record) string {
	if text := marshal(r); len(text) <= MaxLength {
		return text
	}
	r = withMetrics(r, func(m Metric) Metric {
		if m.Class == string(judging.ClassPass) {
			m.Reason = ""
		}
		return m
	})
	if text := marshal(r); len(text) <= MaxLength {
		return text
	}
	r = withMetrics(r, func(m Metric) Metric {
		m.Estimate, m.Interval, m.Alpha, m.Group = nil, nil, nil, ""
		return m
	})
	if text := marshal(r); len(text) <= MaxLength {
		return text
	}
	kept := slices.DeleteFunc(slices.Clone(r.Metrics), func(m Metric) bool { return m.Class == string(judging.ClassPass) })
	r.Omitted += len(r.Metrics) - len(kept)
	r.Metrics = kept
	for len(marshal(r)) > MaxLength && len(r.Metrics) > 0 {
		r.Metrics = r.Metrics[:len(r.Metrics)-1]
		r.Omitted++
	}
	return marshal(r)
}

// Decode reads a judge measurement's value.
func Decode(text string) (Record, error) {
	var r Record
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		return Record{}, fmt.Errorf("not a judge value: %w", err)
	}
	if r.Outcome == "" {
		return Record{}, fmt.Errorf("not a judge value: no outcome")
	}
	return r, nil
}

func withMetrics(r Record, change func(Metric) Metric) Record {
	metrics := make([]Metric, len(r.Metrics))
	for i, m := range r.Metrics {
		metrics[i] = change(m)
	}
	r.Metrics = metrics
	return r
}

// marshal writes the record without escaping <, > and &: the text is read in
// YAML and on terminals, never embedded in HTML, and reasons compare ("p < α").
func marshal(r Record) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// A Record holds only strings, ints and Numbers, which always marshal.
	_ = enc.Encode(r)
	return strings.TrimSuffix(b.String(), "\n")
}

// clip shortens s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
