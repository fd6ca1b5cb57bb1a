package judge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	judging "github.com/sluice-dev/sluice/analysis/judge"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Defaults for fields the API server defaults; a spec read from a file (as
// `kubectl sluice analyze -f` does) may leave them empty.
const (
	defaultAlpha      = 0.05
	defaultResolution = 15 * time.Second
	defaultMinSamples = 10
	defaultPass       = 95
	defaultMarginal   = 75
)

// scopeRef and windowRef are the judge's placeholders (spaces inside the
// braces allowed, as for {{args.name}}).
var (
	scopeRef  = regexp.MustCompile(`\{\{\s*scope\s*\}\}`)
	windowRef = regexp.MustCompile(`\{\{\s*window\s*\}\}`)
)

// settings is a judge spec parsed and checked: what one measurement needs.
type settings struct {
	canaryScope, baselineScope string
	warmup, resolution         time.Duration
	// minWindow is the shortest window worth judging (see firstLookWindow).
	minWindow time.Duration
	alpha     float64
	scoring   judging.Scoring
	queries   []query
}

// query is one compared metric: its judge settings and its PromQL, still
// holding {{scope}} (and {{window}}).
type query struct {
	metric judging.Metric
	// series is the range query of a series metric.
	series string
	// events and total are the instant queries of a ratio metric.
	events, total string
}

// parseSettings reads a judge spec. Every error names the field to fix; none
// passes on a later try, so the caller makes it permanent.
func parseSettings(spec *v1alpha1.JudgeMetric) (settings, error) {
	s := settings{canaryScope: spec.CanaryScope, baselineScope: spec.BaselineScope}
	var err error
	if s.warmup, err = parseWindowDuration("warmup", spec.Warmup, 0); err != nil {
		return s, err
	}
	if s.resolution, err = parseWindowDuration("resolution", spec.Resolution, defaultResolution); err != nil {
		return s, err
	}
	if s.resolution == 0 {
		return s, fmt.Errorf("provider.judge.resolution must be more than 0")
	}
	if s.alpha, err = parseAlpha(spec.Alpha); err != nil {
		return s, err
	}
	if err := checkScopes(spec.CanaryScope, spec.BaselineScope); err != nil {
		return s, err
	}
	if s.scoring, err = parseScoring(spec); err != nil {
		return s, err
	}
	if len(spec.Metrics) == 0 {
		return s, fmt.Errorf("provider.judge.metrics is empty: list at least one metric to compare")
	}
	seen := map[string]bool{}
	for _, m := range spec.Metrics {
		if seen[m.Name] {
			return s, fmt.Errorf("provider.judge.metrics: %q is listed twice", m.Name)
		}
		seen[m.Name] = true
		q, err := parseQuery(m)
		if err != nil {
			return s, err
		}
		s.queries = append(s.queries, q)
	}
	if err := checkSomeWeight(s.scoring, s.queries); err != nil {
		return s, err
	}
	s.minWindow = firstLookWindow(s.resolution, s.queries)
	return s, nil
}

// checkSomeWeight refuses a judge whose metrics' groups all weigh 0: no
// metric would count in the score, which would be 100 whatever the canary
// does — a judge that passes everything.
func checkSomeWeight(sc judging.Scoring, queries []query) error {
	if len(sc.GroupWeights) == 0 {
		return nil // every group weighs 1
	}
	average := 0.0 // what an unlisted group weighs
	for _, w := range sc.GroupWeights {
		average += w / float64(len(sc.GroupWeights))
	}
	for _, q := range queries {
		w, listed := sc.GroupWeights[q.metric.Group]
		if !listed {
			w = average
		}
		if w > 0 {
			return nil
		}
	}
	return fmt.Errorf("provider.judge.groups: every metric's group weighs 0, so no metric would count and every canary would pass; give a group a weight above 0")
}

// firstLookWindow is how long the window must be before the first judgement:
// long enough for a series metric's range query to return its minSamples
// steps from one pod with one step to spare, and at least one step. A look
// before that could only call the metric NoData, and one Inconclusive look
// ends a metric with the default inconclusiveLimit. The spare step absorbs
// a first point Prometheus cannot compute yet (a rate over a series scraped
// once so far). Ratio metrics count requests, which no duration guarantees;
// they wait one step.
func firstLookWindow(resolution time.Duration, queries []query) time.Duration {
	steps := 1
	for _, q := range queries {
		if q.metric.Kind == judging.KindSeries {
			steps = max(steps, q.metric.MinSamples)
		}
	}
	return time.Duration(steps) * resolution
}

// checkScopes refuses scopes that cannot tell the sides apart: the same
// query for both would compare the canary with itself and always pass.
func checkScopes(canary, baseline string) error {
	switch {
	case strings.TrimSpace(canary) == "":
		return fmt.Errorf("provider.judge.canaryScope is empty: set it to the canary's pod-template hash")
	case strings.TrimSpace(baseline) == "":
		return fmt.Errorf("provider.judge.baselineScope is empty: set it to the baseline's pod-template hash")
	case canary == baseline:
		return fmt.Errorf("provider.judge: canaryScope and baselineScope are both %q, so the canary would be compared with itself", canary)
	}
	return nil
}

func parseWindowDuration(field, value string, def time.Duration) (time.Duration, error) {
	if value == "" {
		return def, nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("provider.judge.%s %q is not a duration like 30s or 5m", field, value)
	}
	return d, nil
}

// parseAlpha reads the overall false-failure rate, a fraction strictly
// between 0 and 1.
func parseAlpha(value string) (float64, error) {
	if value == "" {
		return defaultAlpha, nil
	}
	a, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || !(a > 0 && a < 1) {
		return 0, fmt.Errorf("provider.judge.alpha %q is not a fraction between 0 and 1 like \"0.05\"", value)
	}
	return a, nil
}

// parseScoring reads the thresholds and the no-data outcome. Pass and
// marginal both 0 is a spec that did not go through the API server's
// defaulting (a file): read as written it would pass every canary, so the
// API's defaults apply instead.
func parseScoring(spec *v1alpha1.JudgeMetric) (judging.Scoring, error) {
	sc := judging.Scoring{Pass: float64(spec.Pass), Marginal: float64(spec.Marginal)}
	if spec.Pass == 0 && spec.Marginal == 0 {
		sc.Pass, sc.Marginal = defaultPass, defaultMarginal
	}
	switch {
	case spec.Pass < 0 || spec.Pass > 100:
		return sc, fmt.Errorf("provider.judge.pass %d is not a score from 0 to 100", spec.Pass)
	case spec.Marginal < 0 || spec.Marginal > 100:
		return sc, fmt.Errorf("provider.judge.marginal %d is not a score from 0 to 100", spec.Marginal)
	case spec.Marginal > spec.Pass:
		return sc, fmt.Errorf("provider.judge: marginal %d is above pass %d", spec.Marginal, spec.Pass)
	}
	switch v1alpha1.AnalysisPhase(spec.NoData) {
	case "", v1alpha1.AnalysisPhaseInconclusive:
		sc.NoData = judging.Inconclusive
	case v1alpha1.AnalysisPhaseFailed:
		sc.NoData = judging.Failed
	default:
		return sc, fmt.Errorf("provider.judge.noData %q is not Inconclusive or Failed", spec.NoData)
	}
	if len(spec.Groups) > 0 {
		sc.GroupWeights = map[string]float64{}
		for _, g := range spec.Groups {
			if g.Weight < 0 {
				return sc, fmt.Errorf("provider.judge.groups[%s].weight %d is negative", g.Name, g.Weight)
			}
			sc.GroupWeights[g.Name] = float64(g.Weight)
		}
	}
	return sc, nil
}

// parseQuery maps one JudgeQuery onto the judge's Metric and checks its
// queries: each must hold {{scope}}, or both sides would run the same query.
func parseQuery(m v1alpha1.JudgeQuery) (query, error) {
	field := fmt.Sprintf("provider.judge.metrics[%s]", m.Name)
	jm := judging.Metric{Name: m.Name, Group: m.Group, Critical: m.Critical, MinSamples: int(m.MinSamples)}
	if jm.Group == "" {
		jm.Group = m.Name
	}
	if jm.MinSamples == 0 {
		jm.MinSamples = defaultMinSamples
	} else if jm.MinSamples < 0 {
		return query{}, fmt.Errorf("%s.minSamples %d must be 1 or more", field, m.MinSamples)
	}
	var err error
	if jm.Direction, err = parseDirection(field, m.Direction); err != nil {
		return query{}, err
	}
	if jm.RemoveOutliers, err = parseChoice(field+".outliers", m.Outliers, "keep", "remove"); err != nil {
		return query{}, err
	}
	if jm.ReplaceNaN, err = parseChoice(field+".nan", m.NaN, "remove", "replace"); err != nil {
		return query{}, err
	}
	if jm.AllowedIncrease, jm.AllowedDecrease, err = parseEffectSize(field, m.EffectSize); err != nil {
		return query{}, err
	}
	q := query{}
	switch m.Type {
	case "", v1alpha1.JudgeSeries:
		jm.Kind = judging.KindSeries
		if m.Events != "" || m.Total != "" {
			return query{}, fmt.Errorf("%s: a series metric sets query, not events or total", field)
		}
		q.series = m.Query
		err = needsScope(field+".query", m.Query)
	case v1alpha1.JudgeRatio:
		jm.Kind = judging.KindRatio
		if m.Query != "" {
			return query{}, fmt.Errorf("%s: a ratio metric sets events and total, not query", field)
		}
		q.events, q.total = m.Events, m.Total
		if err = needsScope(field+".events", m.Events); err == nil {
			err = needsScope(field+".total", m.Total)
		}
	default:
		return query{}, fmt.Errorf("%s.type %q is not series or ratio", field, m.Type)
	}
	q.metric = jm
	return q, err
}

func needsScope(field, q string) error {
	switch {
	case strings.TrimSpace(q) == "":
		return fmt.Errorf("%s is empty", field)
	case !scopeRef.MatchString(q):
		return fmt.Errorf("%s has no {{scope}}: the canary and the baseline would run the same query", field)
	}
	return nil
}

func parseDirection(field string, d v1alpha1.JudgeDirection) (judging.Direction, error) {
	switch d {
	case "", v1alpha1.JudgeIncrease:
		return judging.Increase, nil
	case v1alpha1.JudgeDecrease:
		return judging.Decrease, nil
	case v1alpha1.JudgeEither:
		return judging.Either, nil
	}
	return "", fmt.Errorf("%s.direction %q is not increase, decrease or either", field, d)
}

// parseChoice reads a two-valued field: false for off (or empty), true for on.
func parseChoice(field, value, off, on string) (bool, error) {
	switch value {
	case "", off:
		return false, nil
	case on:
		return true, nil
	}
	return false, fmt.Errorf("%s %q is not %s or %s", field, value, off, on)
}

// parseEffectSize reads the tolerated ratios, Kayenta's way: allowedIncrease
// 1.1 lets a canary 10% higher pass, allowedDecrease 0.9 one 10% lower.
func parseEffectSize(field string, e *v1alpha1.JudgeEffectSize) (increase, decrease float64, err error) {
	increase, decrease = 1, 1
	if e == nil {
		return increase, decrease, nil
	}
	if e.AllowedIncrease != "" {
		increase, err = strconv.ParseFloat(strings.TrimSpace(e.AllowedIncrease), 64)
		if err != nil || !(increase >= 1) || increase > 1e6 {
			return 0, 0, fmt.Errorf("%s.effectSize.allowedIncrease %q is not a ratio of 1 or more like \"1.1\"", field, e.AllowedIncrease)
		}
	}
	if e.AllowedDecrease != "" {
		decrease, err = strconv.ParseFloat(strings.TrimSpace(e.AllowedDecrease), 64)
		if err != nil || !(decrease > 0 && decrease <= 1) {
			return 0, 0, fmt.Errorf("%s.effectSize.allowedDecrease %q is not a ratio above 0 and at most 1 like \"0.9\"", field, e.AllowedDecrease)
		}
	}
	return increase, decrease, nil
}

// resolve fills a query's placeholders for one side and window.
func resolve(q, scope, window string) string {
	q = scopeRef.ReplaceAllLiteralString(q, scope)
	return windowRef.ReplaceAllLiteralString(q, window)
}
